//! The range search: `memblock_find_in_range_node()` and the top-down helper that patch 1
//! factors out of it.
//!
//! Patch 1 moves the search loop of `memblock_find_in_range_node()` into
//! `__memblock_find_range_top_down()` and leaves the outer function to normalise the request
//! and call it. The model makes that split a seam: the outer function normalises and hands the
//! request to a [`Placement`] policy; [`TopDown`], this layer's only policy, calls
//! [`find_range_top_down`]. Patch 2 (crate `memblock-bottomup`) adds the bottom-up policy
//! without touching anything here.

use crate::events::EventLog;
use crate::iter::{FreeRange, FreeRangesRev, RegionFilter};
use crate::memblock::MemblockState;
use crate::nid_wildcard::{NidWarnSite, warn_deprecated_nid};
use crate::region::{Nid, round_down};

/// A search request after `memblock_find_in_range_node()` normalised it: `end` resolved from
/// `MEMBLOCK_ALLOC_ACCESSIBLE`, `start` at least `PAGE_SIZE`, `end >= start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindRequest {
    /// Lowest acceptable address.
    pub start: u64,
    /// The block must end at or below this.
    pub end: u64,
    /// Bytes wanted.
    pub size: u64,
    /// Alignment of the block's start (a power of two for sensible answers; other values
    /// give the kernel's mask-arithmetic answers).
    pub align: u64,
    /// Node wanted, or the "any node" value.
    pub nid: Nid,
}

/// Where a search places a block: the policy seam of `memblock_find_in_range_node()`.
///
/// An implementation decides the direction. It gets the normalised request, read access to
/// the regions, and the event log for any warning it raises. It returns the block's start, or
/// `None` (the kernel's 0) when nothing fits.
pub trait Placement {
    /// Finds a free block for `req`.
    fn find(&mut self, state: &MemblockState, req: FindRequest, log: &mut EventLog) -> Option<u64>;
}

/// The placement of 3.12: always top-down, through [`find_range_top_down`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TopDown;

impl Placement for TopDown {
    #[inline]
    fn find(&mut self, state: &MemblockState, req: FindRequest, log: &mut EventLog) -> Option<u64> {
        warn_deprecated_nid(state, req.nid, log, NidWarnSite::Reverse);
        find_range_top_down(state, req)
    }
}

/// `__memblock_find_range_top_down()`: the highest `align`-aligned address whose block of
/// `size` bytes lies inside one free range and inside `[start, end)`; `None` if there is none.
#[inline]
pub fn find_range_top_down(state: &MemblockState, req: FindRequest) -> Option<u64> {
    let filter = RegionFilter { nid: req.nid, any_node: state.config().any_node, skip: state.config().skip_top_down };
    // Free ranges that start at or above `end` are clamped to an empty range at `end` and can
    // only hold a zero-size block, so a non-empty request may skip them.
    let ranges = if req.size == 0 {
        FreeRangesRev::new(state.memory(), state.reserved(), filter)
    } else {
        FreeRangesRev::starting_below(state.memory(), state.reserved(), filter, req.end)
    };
    // The first candidate that passes ends the search, and 0 means "not found".
    ranges.into_iter().find_map(|r| top_down_candidate(r, req)).filter(|&cand| cand != 0)
}

/// The test of one free range in the top-down loop.
fn top_down_candidate(r: FreeRange, req: FindRequest) -> Option<u64> {
    let this_start = clamp(r.start, req.start, req.end);
    let this_end = clamp(r.end, req.start, req.end);
    if this_end < req.size {
        return None;
    }
    let cand = round_down(this_end - req.size, req.align);
    (cand >= this_start).then_some(cand)
}

/// The kernel's `clamp(val, lo, hi)`: `min(max(val, lo), hi)`, which (unlike `Ord::clamp`)
/// never panics when `lo > hi`.
pub(crate) fn clamp(val: u64, lo: u64, hi: u64) -> u64 {
    val.max(lo).min(hi)
}
