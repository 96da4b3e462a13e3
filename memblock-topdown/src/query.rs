//! Queries and whole-array utilities: sizes, membership, node lookup, trimming and the
//! `mem=` limit.

use crate::config::Deviations;
use crate::iter::{FreeRanges, FreeRangesRev, PfnRange, RegionFilter, mem_pfn_ranges};
use crate::memblock::{Memblock, MemblockState};
use crate::region::{
    MAX_NUMNODES, Nid, PAGE_SHIFT, cap_size, page_align, pfn_down, pfn_up, round_down, round_up, round_up_checked,
};
use crate::region_type::RegionKind;
use crate::search::Placement;

/// Where the reserved array lives once it has been doubled, as
/// `get_allocated_memblock_reserved_regions_info()` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrayInfo {
    /// Physical address of the array.
    pub addr: u64,
    /// Bytes it occupies (`PAGE_ALIGN(sizeof(region) × max)`).
    pub size: u64,
}

/// A memory region's node and page bounds, from `memblock_search_pfn_nid()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PfnNid {
    /// The region's node.
    pub nid: Nid,
    /// `PFN_DOWN(base)`.
    pub start_pfn: u64,
    /// `PFN_DOWN(base + size)` (rounded down too, spec §G.11).
    pub end_pfn: u64,
}

impl MemblockState {
    /// `memblock_phys_mem_size()`: memory's `total_size`.
    pub fn phys_mem_size(&self) -> u64 {
        self.memory.total_size()
    }

    /// `memblock_mem_size(limit_pfn)`: bytes of memory in whole pages below `limit_pfn`,
    /// summed over every region with the kernel's unsigned arithmetic (a region inside one
    /// page subtracts a page, spec §G.12).
    pub fn mem_size(&self, limit_pfn: u64) -> u64 {
        let pages = self.memory.regions().iter().fold(0u64, |pages, r| {
            let start = pfn_up(r.base).min(limit_pfn);
            let end = pfn_down(r.end()).min(limit_pfn);
            pages.wrapping_add(end.wrapping_sub(start))
        });
        pages.wrapping_shl(PAGE_SHIFT)
    }

    /// `memblock_start_of_DRAM()`: base of the first memory region (0 when empty).
    pub fn start_of_dram(&self) -> u64 {
        self.memory.regions().first().map_or(0, |r| r.base)
    }

    /// `memblock_end_of_DRAM()`: end of the last memory region (0 when empty).
    pub fn end_of_dram(&self) -> u64 {
        self.memory.regions().last().map_or(0, |r| r.end())
    }

    /// `memblock_is_memory()`.
    pub fn is_memory(&self, addr: u64) -> bool {
        self.memory.search(addr).is_some()
    }

    /// `memblock_is_reserved()`.
    pub fn is_reserved(&self, addr: u64) -> bool {
        self.reserved.search(addr).is_some()
    }

    /// `memblock_is_region_memory()`: whether the memory region holding `base` also holds
    /// the end of the range; a range spanning two touching regions is *not* memory.
    pub fn is_region_memory(&self, base: u64, size: u64) -> bool {
        let end = base + cap_size(base, size);
        self.memory.search(base).map(|i| self.memory.regions()[i]).is_some_and(|r| r.base <= base && r.end() >= end)
    }

    /// `memblock_is_region_reserved()`: whether `[base, base + size)` overlaps a reserved
    /// region.
    pub fn is_region_reserved(&self, base: u64, size: u64) -> bool {
        self.reserved.overlaps(base, cap_size(base, size)).is_some()
    }

    /// `memblock_search_pfn_nid()`: the node and page bounds of the memory region holding
    /// page `pfn`.
    pub fn search_pfn_nid(&self, pfn: u64) -> Option<PfnNid> {
        let r = self.memory.regions()[self.memory.search(pfn.wrapping_shl(PAGE_SHIFT))?];
        Some(PfnNid { nid: r.nid, start_pfn: pfn_down(r.base), end_pfn: pfn_down(r.end()) })
    }

    /// `get_allocated_memblock_reserved_regions_info()`: `None` while the static array is in
    /// use.
    pub fn reserved_regions_info(&self) -> Option<ArrayInfo> {
        self.array_info(RegionKind::Reserved)
    }

    /// The same for memory (`get_allocated_memblock_memory_regions_info()`, 3.14).
    pub fn memory_regions_info(&self) -> Option<ArrayInfo> {
        self.array_info(RegionKind::Memory)
    }

    fn array_info(&self, kind: RegionKind) -> Option<ArrayInfo> {
        let ty = self.region_type(kind);
        let size = page_align((ty.max() as u64).saturating_mul(self.config.region_bytes));
        ty.array_addr().map(|addr| ArrayInfo { addr, size })
    }

    fn filter(&self, nid: Nid, skip: crate::region::RegionFlags) -> RegionFilter {
        RegionFilter { nid, any_node: self.config.any_node, skip }
    }

    /// `for_each_free_mem_range(nid)`: free ranges, lowest first.
    pub fn free_ranges(&self, nid: Nid) -> FreeRanges<'_> {
        FreeRanges::new(&self.memory, &self.reserved, self.filter(nid, self.config.skip_bottom_up))
    }

    /// `for_each_free_mem_range_reverse(nid)`: free ranges, highest first.
    pub fn free_ranges_rev(&self, nid: Nid) -> FreeRangesRev<'_> {
        FreeRangesRev::new(&self.memory, &self.reserved, self.filter(nid, self.config.skip_top_down))
    }

    /// `for_each_mem_pfn_range(nid)`: memory regions holding whole pages, as PFNs.
    pub fn mem_pfn_ranges(&self, nid: Nid) -> impl Iterator<Item = PfnRange> + '_ {
        // This iterator kept MAX_NUMNODES as its wildcard when 3.14 moved the others to
        // NUMA_NO_NODE.
        mem_pfn_ranges(&self.memory, nid, MAX_NUMNODES)
    }
}

impl<P: Placement> Memblock<P> {
    /// `memblock_trim_memory(align)`: rounds every memory region inward to `align`, removing
    /// the ones left empty. Like the kernel, it does not update `total_size` for regions it
    /// only shrinks (spec §G.6).
    ///
    /// Like the kernel, a region whose base rounds up past 2^64 wraps: its base becomes small
    /// (usually 0) and it keeps its place at the end of the array, which is then out of order
    /// ([`RegionType::is_out_of_order`](crate::RegionType::is_out_of_order)); the next merge of
    /// memory is the kernel's `BUG_ON` ([`Error::Bug`](crate::Error::Bug)). With
    /// [`Deviations::TRIM_NO_WRAP`] such a region is removed instead.
    pub fn trim_memory(&mut self, align: u64) {
        let no_wrap = self.config().deviations.contains(Deviations::TRIM_NO_WRAP);
        let mut i = 0;
        let mut wrapped = false;
        while let Some(r) = self.memory().regions().get(i).copied() {
            let start = if no_wrap { round_up_checked(r.base, align) } else { Some(round_up(r.base, align)) };
            let end = round_down(r.end(), align);
            if start == Some(r.base) && end == r.end() {
                i += 1;
                continue;
            }
            match start {
                Some(start) if start < end => {
                    wrapped |= start < r.base;
                    self.memory_mut().update(i, |m| {
                        m.base = start;
                        m.size = end - start;
                    });
                    i += 1;
                }
                _ => self.remove_memory_entry(i),
            }
        }
        if wrapped {
            self.memory_mut().recheck_order();
        } else {
            // A removal may have taken out the region that wrapped in an earlier trim.
            self.memory_mut().recheck_order_if_needed();
        }
    }

    /// `memblock_enforce_memory_limit(limit)` (`mem=`): keeps the first `limit` bytes of
    /// memory and removes everything above that point from memory *and* reserved.
    pub fn enforce_memory_limit(&mut self, limit: u64) {
        if limit == 0 {
            return;
        }
        let mut left = limit;
        let mut max_addr = u64::MAX;
        for r in self.memory().regions() {
            if left <= r.size {
                max_addr = r.base + left;
                break;
            }
            left -= r.size;
        }
        // The kernel ignores a failure here (an array that cannot grow): nothing is removed.
        let _ = self.remove_range(RegionKind::Memory, max_addr, u64::MAX);
        let _ = self.remove_range(RegionKind::Reserved, max_addr, u64::MAX);
    }
}
