//! The allocation API of Linux 6.1 (spec §H.3), a later kernel's entry points on this layer's
//! memblock (any placement policy).
//!
//! In 6.1 every early allocation goes through `memblock_alloc_range_nid()`: find a block with
//! `memblock_find_in_range_node()`, reserve it, and if nothing is found on the node asked for,
//! try again on any node (unless the caller wants that node exactly). The virtual-address API
//! (`memblock_alloc_try_nid()` and friends) goes through `memblock_alloc_internal()`, which caps
//! the window at `current_limit` and, if nothing is found above `min_addr`, tries once more
//! from 0. The size is never rounded and alignment 0 becomes `SMP_CACHE_BYTES`.
//!
//! Nothing here searches or reserves by itself: the search is `Memblock::find_in_range_node`
//! with the memblock's placement policy ([`BottomUpPlacement`](crate::BottomUpPlacement) with
//! [`Semantics::Modern`](crate::Semantics::Modern) for 6.1) and its skip rules, the reservation
//! is `Memblock::reserve_as`. What the memblock's [`Config`](memblock_topdown::Config) says
//! about rounding, alignment 0 and the "any node" value is honoured, so the same entry points
//! replay a 6.1 request sequence under the rules of 3.12, 3.13 or 3.14 as well. The series
//! itself has none of these functions; its `alloc_try_nid` is 3.12's.

use memblock_topdown::{
    AlignZero, FreeRange, FreeRanges, Label, MAX_NUMNODES, MEMBLOCK_ALLOC_ACCESSIBLE, Memblock, MemblockState,
    NUMA_NO_NODE, Nid, NidWarnSite, PAGE_SIZE, Placement, RegionFilter, RegionFlags, Warning, round_up_checked,
};

/// `MEMBLOCK_ALLOC_NOLEAKTRACE` (6.1): an end that means `current_limit`, like
/// `MEMBLOCK_ALLOC_ACCESSIBLE`, and skips kmemleak.
pub const MEMBLOCK_ALLOC_NOLEAKTRACE: u64 = 1;

/// Which try found the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "snake_case"))]
pub enum Attempt {
    /// The first search, on the node asked for.
    First,
    /// `memblock_alloc_range_nid()`'s retry on any node.
    AnyNode,
    /// `memblock_alloc_internal()`'s retry with `min_addr` 0.
    NoMinAddr,
    /// Both retries.
    NoMinAddrAnyNode,
}

impl Attempt {
    /// A few words for reports.
    pub const fn words(self) -> &'static str {
        match self {
            Attempt::First => "first try",
            Attempt::AnyNode => "any-node retry",
            Attempt::NoMinAddr => "min_addr=0 retry",
            Attempt::NoMinAddrAnyNode => "min_addr=0 and any-node retry",
        }
    }
}

/// Where an allocation went and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// The block's start.
    pub addr: u64,
    /// Bytes reserved (the request's size, rounded only where the profile rounds).
    pub size: u64,
    /// The try that found it.
    pub attempt: Attempt,
    /// The window searched, after normalisation (`[max(start, PAGE_SIZE), end)`, with
    /// `current_limit` for an accessible end).
    pub window: (u64, u64),
    /// The node searched in that try (`NUMA_NO_NODE` or the profile's "any node" value: any).
    pub nid: Nid,
    /// The free range that held the block, as the search saw it.
    pub free_range: Option<FreeRange>,
}

/// The 6.1 allocation API on a memblock of any placement policy.
///
/// The methods keep the kernel's full names: the layers already have 3.12's `alloc_try_nid`
/// (with 3.12's behaviour), and the 6.1 functions of the same name are different functions.
pub trait ModernAlloc {
    /// `memblock_alloc_range_nid(size, align, start, end, nid, exact_nid)`: finds a block in
    /// `[start, end)` on `nid` (`NUMA_NO_NODE`: any), reserves it for `caller`, and retries on
    /// any node unless `exact_nid`. `None` is the kernel's 0.
    #[allow(clippy::too_many_arguments)]
    fn memblock_alloc_range_nid(
        &mut self,
        size: u64,
        align: u64,
        start: u64,
        end: u64,
        nid: Nid,
        exact_nid: bool,
        caller: impl Into<Label>,
    ) -> Option<Found>;

    /// `memblock_phys_alloc_range(size, align, start, end)`: any node; the explicit end is
    /// not capped at `current_limit`.
    fn memblock_phys_alloc_range(
        &mut self,
        size: u64,
        align: u64,
        start: u64,
        end: u64,
        caller: impl Into<Label>,
    ) -> Option<Found> {
        self.memblock_alloc_range_nid(size, align, start, end, NUMA_NO_NODE, false, caller)
    }

    /// `memblock_phys_alloc_try_nid(size, align, nid)`: below `current_limit`, on `nid`, else
    /// anywhere (how `alloc_node_data()` gets `NODE_DATA`; it prints no request line).
    fn memblock_phys_alloc_try_nid(
        &mut self,
        size: u64,
        align: u64,
        nid: Nid,
        caller: impl Into<Label>,
    ) -> Option<Found> {
        self.memblock_alloc_range_nid(size, align, 0, MEMBLOCK_ALLOC_ACCESSIBLE, nid, false, caller)
    }

    /// `memblock_alloc_internal(size, align, min_addr, max_addr, nid, exact_nid)`: caps
    /// `max_addr` at `current_limit`, then [`ModernAlloc::memblock_alloc_range_nid`], then once more
    /// with `min_addr` 0 if that failed.
    #[allow(clippy::too_many_arguments)]
    fn memblock_alloc_internal(
        &mut self,
        size: u64,
        align: u64,
        min_addr: u64,
        max_addr: u64,
        nid: Nid,
        exact_nid: bool,
        caller: impl Into<Label>,
    ) -> Option<Found>;

    /// `memblock_alloc_try_nid(size, align, min_addr, max_addr, nid)` (zeroed; placement as
    /// [`ModernAlloc::memblock_alloc_internal`] without `exact_nid`).
    fn memblock_alloc_try_nid(
        &mut self,
        size: u64,
        align: u64,
        min: u64,
        max: u64,
        nid: Nid,
        caller: impl Into<Label>,
    ) -> Option<Found> {
        self.memblock_alloc_internal(size, align, min, max, nid, false, caller)
    }

    /// `memblock_alloc_try_nid_raw(size, align, min_addr, max_addr, nid)` (not zeroed).
    fn memblock_alloc_try_nid_raw(
        &mut self,
        size: u64,
        align: u64,
        min: u64,
        max: u64,
        nid: Nid,
        caller: impl Into<Label>,
    ) -> Option<Found> {
        self.memblock_alloc_internal(size, align, min, max, nid, false, caller)
    }

    /// `memblock_alloc_exact_nid_raw(size, align, min_addr, max_addr, nid)`: no other node.
    fn memblock_alloc_exact_nid_raw(
        &mut self,
        size: u64,
        align: u64,
        min: u64,
        max: u64,
        nid: Nid,
        caller: impl Into<Label>,
    ) -> Option<Found> {
        self.memblock_alloc_internal(size, align, min, max, nid, true, caller)
    }
}

impl<P: Placement> ModernAlloc for Memblock<P> {
    fn memblock_alloc_range_nid(
        &mut self,
        size: u64,
        align: u64,
        start: u64,
        end: u64,
        nid: Nid,
        exact_nid: bool,
        caller: impl Into<Label>,
    ) -> Option<Found> {
        let caller = caller.into();
        let config = *self.config();
        let any = config.any_node;
        let nid = if nid == MAX_NUMNODES && any != MAX_NUMNODES {
            self.log_mut().warn_max_numnodes(NidWarnSite::AllocRangeNid);
            any
        } else if nid == NUMA_NO_NODE {
            any
        } else {
            nid
        };
        let align = match (align, config.align_zero) {
            (0, AlignZero::Use(a)) => a,
            (0, AlignZero::WarnThenUse(a)) => {
                self.warn(Warning::AlignZero);
                a
            }
            (a, _) => a,
        };
        let size = if config.round_size { round_up_checked(size, align)? } else { size };
        let end = if end == MEMBLOCK_ALLOC_NOLEAKTRACE { MEMBLOCK_ALLOC_ACCESSIBLE } else { end };
        let try_on = |mb: &mut Self, nid: Nid, attempt: Attempt| -> Option<Found> {
            let addr = mb.find_in_range_node(start, end, size, align, nid)?;
            let free_range = free_range_at(mb.state(), addr);
            mb.reserve_as(addr, size, caller).ok()?;
            Some(Found { addr, size, attempt, window: window(mb.state(), start, end), nid, free_range })
        };
        if let Some(f) = try_on(self, nid, Attempt::First) {
            return Some(f);
        }
        if nid != any && !exact_nid {
            return try_on(self, any, Attempt::AnyNode);
        }
        None
    }

    fn memblock_alloc_internal(
        &mut self,
        size: u64,
        align: u64,
        min_addr: u64,
        max_addr: u64,
        nid: Nid,
        exact_nid: bool,
        caller: impl Into<Label>,
    ) -> Option<Found> {
        let caller = caller.into();
        let max_addr = max_addr.min(self.current_limit());
        if let Some(f) = self.memblock_alloc_range_nid(size, align, min_addr, max_addr, nid, exact_nid, caller) {
            return Some(f);
        }
        if min_addr == 0 {
            return None;
        }
        let mut f = self.memblock_alloc_range_nid(size, align, 0, max_addr, nid, exact_nid, caller)?;
        f.attempt = match f.attempt {
            Attempt::First => Attempt::NoMinAddr,
            _ => Attempt::NoMinAddrAnyNode,
        };
        Some(f)
    }
}

/// The window `memblock_find_in_range_node()` searches for `[start, end)`.
fn window(state: &MemblockState, start: u64, end: u64) -> (u64, u64) {
    let end = if end == MEMBLOCK_ALLOC_ACCESSIBLE { state.current_limit() } else { end };
    let start = start.max(PAGE_SIZE);
    (start, end.max(start))
}

/// The free range (of any node, whatever the skip rules) that holds `addr`.
pub fn free_range_at(state: &MemblockState, addr: u64) -> Option<FreeRange> {
    let any = state.config().any_node;
    let filter = RegionFilter { nid: any, any_node: any, skip: RegionFlags::empty() };
    FreeRanges::starting_at(state.memory(), state.reserved(), filter, addr)
        .find(|r| r.end > addr)
        .filter(|r| r.start <= addr)
}
