//! Iteration over free memory (`for_each_free_mem_range`, `_reverse`) and over memory PFN
//! ranges (`for_each_mem_pfn_range`).
//!
//! "Free" is memory minus reserved. The iterators walk the memory regions and the gaps between
//! reserved regions together, as the kernel does, so every free range they yield lies inside
//! one memory region: two touching memory regions of different nodes give two free ranges, and
//! no allocation ever straddles them.

use crate::region::{MAX_NUMNODES, Nid, Region, RegionFlags, pfn_down, pfn_up};
use crate::region_type::RegionType;
use crate::regions::Cursor;

/// One free range `[start, end)` and the node of the memory region it lies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreeRange {
    /// First free byte.
    pub start: u64,
    /// End (exclusive).
    pub end: u64,
    /// Node of the memory region holding it.
    pub nid: Nid,
}

/// Which memory regions an iteration looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionFilter {
    /// Only regions of this node, unless it equals `any_node`.
    pub nid: Nid,
    /// The "any node" value of the kernel being modelled (`MAX_NUMNODES` in 3.12/3.13,
    /// `NUMA_NO_NODE` from 3.14, where `MAX_NUMNODES` still means any node, with a warning).
    pub any_node: Nid,
    /// Skip memory regions that carry any of these flags (none in 3.12/3.13; 3.14 skips
    /// `MEMBLOCK_HOTPLUG` in the reverse walk while `movable_node` is on).
    pub skip: RegionFlags,
}

impl RegionFilter {
    #[inline]
    fn admits(&self, m: &Region) -> bool {
        (self.nid == self.any_node || self.nid == MAX_NUMNODES || m.nid == self.nid) && !m.flags.intersects(self.skip)
    }
}

/// Index access to one array's entries as the free-range walks read them (the kernel's
/// `type->regions[i]`): through a cursor, whatever the storage, or straight from the entries
/// when they are one slice (every small array), which costs no look-up at all.
pub(crate) trait Entries {
    /// The number of entries.
    fn count(&self) -> usize;
    /// Entry `i`, `None` past the end.
    fn at(&mut self, i: usize) -> Option<Region>;
    /// The number of leading entries for which the monotone `pred` holds.
    fn seek(&mut self, pred: impl FnMut(&Region) -> bool) -> usize;
}

impl Entries for Cursor<'_> {
    #[inline]
    fn count(&self) -> usize {
        self.len()
    }

    #[inline]
    fn at(&mut self, i: usize) -> Option<Region> {
        self.get(i)
    }

    #[inline]
    fn seek(&mut self, pred: impl FnMut(&Region) -> bool) -> usize {
        self.partition_point(pred)
    }
}

impl Entries for &[Region] {
    #[inline]
    fn count(&self) -> usize {
        self.len()
    }

    #[inline]
    fn at(&mut self, i: usize) -> Option<Region> {
        self.get(i).copied()
    }

    #[inline]
    fn seek(&mut self, pred: impl FnMut(&Region) -> bool) -> usize {
        self.partition_point(pred)
    }
}

/// The gap between reserved regions `ri - 1` and `ri`: `[end of ri-1 (or 0), base of ri (or
/// u64::MAX))`.
#[inline]
fn gap(rsv: &mut impl Entries, ri: usize) -> (u64, u64) {
    let start = match ri.checked_sub(1) {
        Some(prev) => rsv.at(prev).map_or(0, |r| r.end()),
        None => 0,
    };
    let end = rsv.at(ri).map_or(u64::MAX, |r| r.base);
    (start, end)
}

/// The state of the forward walk over either kind of [`Entries`].
#[derive(Debug, Clone)]
struct ForwardWalk<A> {
    mem: A,
    rsv: A,
    filter: RegionFilter,
    mi: usize,
    ri: usize,
    /// Gaps that end at or below this yield nothing the walk needs (see
    /// [`FreeRanges::starting_at`]): the first gap is sought above it.
    floor: u64,
}

/// The lowest address a walk from `addr` must look at gaps from: `addr` itself, or 0 (the
/// kernel's walk from the first gap) while either array is out of order.
#[inline]
fn gap_floor(memory: &RegionType, reserved: &RegionType, addr: u64) -> u64 {
    if memory.is_out_of_order() || reserved.is_out_of_order() { 0 } else { addr }
}

/// `__next_free_mem_range()`: free ranges in ascending order.
#[derive(Debug, Clone)]
pub struct FreeRanges<'a> {
    walk: ForwardWalk<Cursor<'a>>,
}

impl<'a> FreeRanges<'a> {
    /// Starts the walk over `memory` minus `reserved`.
    #[inline]
    pub fn new(memory: &'a RegionType, reserved: &'a RegionType, filter: RegionFilter) -> Self {
        let (mem, rsv) = (memory.cursor(), reserved.cursor());
        FreeRanges { walk: ForwardWalk { mem, rsv, filter, mi: 0, ri: 0, floor: 0 } }
    }

    /// Starts the walk at the first memory region that ends above `addr` (a shortcut that
    /// yields exactly the ranges a walk from the start would yield once they end above `addr`).
    #[inline]
    pub fn starting_at(memory: &'a RegionType, reserved: &'a RegionType, filter: RegionFilter, addr: u64) -> Self {
        let (mem, mi) = memory.cursor_at_first_ending_above(addr);
        // The gaps below `addr` are skipped too, with the same seek that skips those below a
        // memory region's base: they hold only ranges that end at or below `addr`. Out of
        // order, the walk is the kernel's from the start.
        let floor = gap_floor(memory, reserved, addr);
        FreeRanges { walk: ForwardWalk { mem, rsv: reserved.cursor(), filter, mi, ri: 0, floor } }
    }
}

impl Iterator for FreeRanges<'_> {
    type Item = FreeRange;

    #[inline]
    fn next(&mut self) -> Option<FreeRange> {
        self.walk.next()
    }
}

/// The first value `f` gives for the free ranges of [`FreeRanges::starting_at`] (`memory` minus
/// `reserved` from the first memory region ending above `addr`, in ascending order): the loop of
/// `for_each_free_mem_range()` with its `break`. The same ranges in the same order as the
/// iterator; when both arrays are one run (every small array) the walk reads them as slices,
/// with no look-up per entry.
#[inline]
pub fn find_free_range<T>(
    memory: &RegionType,
    reserved: &RegionType,
    filter: RegionFilter,
    addr: u64,
    f: impl FnMut(FreeRange) -> Option<T>,
) -> Option<T> {
    if let (Some(mem), Some(rsv)) = (memory.whole(), reserved.whole()) {
        let mi = memory.first_ending_above_in(mem, addr);
        let floor = gap_floor(memory, reserved, addr);
        return ForwardWalk { mem, rsv, filter, mi, ri: 0, floor }.find_map(f);
    }
    first_of(FreeRanges::starting_at(memory, reserved, filter, addr), f)
}

/// The first value `f` gives for `ranges`: the walk over cursors of [`find_free_range`], out of
/// line so that the usual walk over slices stays small.
#[inline(never)]
fn first_of<T>(mut ranges: FreeRanges<'_>, f: impl FnMut(FreeRange) -> Option<T>) -> Option<T> {
    ranges.find_map(f)
}

impl<A: Entries> Iterator for ForwardWalk<A> {
    type Item = FreeRange;

    #[inline]
    fn next(&mut self) -> Option<FreeRange> {
        while let Some(m) = self.mem.at(self.mi) {
            if !self.filter.admits(&m) {
                self.mi += 1;
                continue;
            }
            // The kernel steps one by one over the gaps that end at or below the region's base;
            // gaps are sorted, so a binary search lands on the same gap.
            let floor = m.base.max(self.floor);
            if self.ri <= self.rsv.count() && gap(&mut self.rsv, self.ri).1 <= floor {
                self.ri = self.ri.max(self.rsv.seek(|r| r.base <= floor));
            }
            while self.ri <= self.rsv.count() {
                let (r_start, r_end) = gap(&mut self.rsv, self.ri);
                if r_start >= m.end() {
                    break;
                }
                if m.base < r_end {
                    let out = FreeRange { start: m.base.max(r_start), end: m.end().min(r_end), nid: m.nid };
                    if m.end() <= r_end {
                        self.mi += 1;
                    } else {
                        self.ri += 1;
                    }
                    return Some(out);
                }
                self.ri += 1;
            }
            self.mi += 1;
        }
        None
    }
}

/// `__next_free_mem_range_rev()`: free ranges in descending order.
#[derive(Debug, Clone)]
pub struct FreeRangesRev<'a> {
    mem: Cursor<'a>,
    rsv: Cursor<'a>,
    filter: RegionFilter,
    /// One past the memory index to look at next (0: done).
    mi: usize,
    /// One past the gap index to look at next (0: no gap left).
    ri: usize,
}

impl<'a> FreeRangesRev<'a> {
    /// Starts the walk from the top of memory.
    #[inline]
    pub fn new(memory: &'a RegionType, reserved: &'a RegionType, filter: RegionFilter) -> Self {
        let (mem, rsv) = (memory.cursor(), reserved.cursor());
        let (mi, ri) = (mem.len(), rsv.len() + 1);
        FreeRangesRev { mem, rsv, filter, mi, ri }
    }

    /// Starts the walk at the last memory region that starts below `addr` (a shortcut that
    /// yields exactly the ranges a walk from the top would yield once they start below `addr`).
    #[inline]
    pub fn starting_below(memory: &'a RegionType, reserved: &'a RegionType, filter: RegionFilter, addr: u64) -> Self {
        let (mut mem, rsv) = (memory.cursor(), reserved.cursor());
        // Out of order (after a trim that wrapped), the walk starts at the top as the kernel's.
        let mi = if memory.is_out_of_order() { mem.len() } else { mem.partition_point(|m| m.base < addr) };
        let ri = rsv.len() + 1;
        FreeRangesRev { mem, rsv, filter, mi, ri }
    }
}

impl Iterator for FreeRangesRev<'_> {
    type Item = FreeRange;

    #[inline]
    fn next(&mut self) -> Option<FreeRange> {
        while self.mi > 0 {
            let m = self.mem.get(self.mi - 1)?;
            if !self.filter.admits(&m) {
                self.mi -= 1;
                continue;
            }
            // The kernel steps one by one over the gaps that start at or above the region's
            // end; gaps are sorted, so a binary search lands on the same gap.
            if self.ri > 0 && gap(&mut self.rsv, self.ri - 1).0 >= m.end() {
                self.ri = self.ri.min(self.rsv.partition_point(|r| r.end() < m.end()) + 1);
            }
            while self.ri > 0 {
                let (r_start, r_end) = gap(&mut self.rsv, self.ri - 1);
                if r_end <= m.base {
                    break;
                }
                if m.end() > r_start {
                    let out = FreeRange { start: m.base.max(r_start), end: m.end().min(r_end), nid: m.nid };
                    if m.base >= r_start {
                        self.mi -= 1;
                    } else {
                        self.ri -= 1;
                    }
                    return Some(out);
                }
                self.ri -= 1;
            }
            self.mi -= 1;
        }
        None
    }
}

/// One memory range in whole pages, from `for_each_mem_pfn_range`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PfnRange {
    /// `PFN_UP(base)`.
    pub start_pfn: u64,
    /// `PFN_DOWN(base + size)`.
    pub end_pfn: u64,
    /// The region's node.
    pub nid: Nid,
}

/// `__next_mem_pfn_range()`: memory regions holding at least one whole page, as page
/// frame numbers.
pub fn mem_pfn_ranges(memory: &RegionType, nid: Nid, any_node: Nid) -> impl Iterator<Item = PfnRange> + '_ {
    memory
        .regions()
        .iter()
        .filter(move |r| pfn_up(r.base) < pfn_down(r.end()) && (nid == any_node || r.nid == nid))
        .map(|r| PfnRange { start_pfn: pfn_up(r.base), end_pfn: pfn_down(r.end()), nid: r.nid })
}
