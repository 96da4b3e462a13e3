//! `split_mem_range()`: cut a physical range into at most five pieces, each mapped with the
//! largest page size its alignment allows, then upgrade pieces whose surrounding 2 MiB or
//! 1 GiB block is all RAM, and merge neighbours of equal size.

use core::fmt;

use memblock_bottomup::{PAGE_SHIFT, pfn_down, round_down, round_up};

use crate::page_size::PageSizeMask;

/// `NR_RANGE_MR` on 64-bit: head 4K, 2M, 1G, tail 2M, tail 4K.
pub const NR_RANGE_MR: usize = 5;

/// `PMD_SIZE`: 2 MiB.
pub const PMD_SIZE: u64 = 1 << 21;
/// `PUD_SIZE`: 1 GiB.
pub const PUD_SIZE: u64 = 1 << 30;
/// `PGDIR_SIZE`: 512 GiB.
pub const PGDIR_SIZE: u64 = 1 << 39;

const PMD_PFNS: u64 = PMD_SIZE >> PAGE_SHIFT;
const PUD_PFNS: u64 = PUD_SIZE >> PAGE_SHIFT;

/// `struct map_range`: `[start, end)` mapped with the page sizes of `mask`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapRange {
    /// Start (page aligned).
    pub start: u64,
    /// End (page aligned, exclusive).
    pub end: u64,
    /// Page sizes allowed for this piece.
    pub mask: PageSizeMask,
}

impl fmt::Display for MapRange {
    /// The kernel's debug line ` [mem %#010lx-%#010lx] page %s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, " [mem {:#010x}-{:#010x}] page {}", self.start, self.end - 1, self.mask.kernel_name())
    }
}

/// The pieces of one `init_memory_mapping()` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MapRanges {
    ranges: [Option<MapRange>; NR_RANGE_MR],
    len: usize,
}

impl MapRanges {
    /// The pieces, in address order.
    pub fn as_slice(&self) -> impl Iterator<Item = MapRange> + '_ {
        self.ranges[..self.len].iter().flatten().copied()
    }

    /// Number of pieces.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `save_mr()`: keeps a non-empty piece. Five pieces at most can arise on 64-bit, one
    /// per step, so the kernel's "run out of range" panic cannot happen here.
    fn save(&mut self, start_pfn: u64, end_pfn: u64, mask: PageSizeMask) -> bool {
        if start_pfn >= end_pfn || self.len == NR_RANGE_MR {
            return false;
        }
        self.ranges[self.len] = Some(MapRange { start: start_pfn << PAGE_SHIFT, end: end_pfn << PAGE_SHIFT, mask });
        self.len += 1;
        true
    }

    fn get_mut(&mut self, i: usize) -> &mut MapRange {
        self.ranges[i].as_mut().expect("pieces below len are set")
    }

    fn remove(&mut self, i: usize) {
        self.ranges.copy_within(i + 1..self.len, i);
        self.len -= 1;
        self.ranges[self.len] = None;
    }
}

/// `split_mem_range()` (64-bit) during boot: `global` is the `page_size_mask` of
/// [`crate::probe_page_size_mask`]; `is_region_memory(base, size)` is memblock's
/// `memblock_is_region_memory()`, which decides the upgrade of a piece to a bigger page size.
pub fn split_mem_range(
    start: u64,
    end: u64,
    global: PageSizeMask,
    is_region_memory: impl Fn(u64, u64) -> bool,
) -> MapRanges {
    let mut mr = MapRanges::default();
    let limit_pfn = pfn_down(end);
    let mut pfn = pfn_down(start);
    let only_2m = global & PageSizeMask::SIZE_2M;

    // Head: 4K pages up to the first 2 MiB boundary.
    let end_pfn = round_up(pfn, PMD_PFNS).min(limit_pfn);
    if mr.save(pfn, end_pfn, PageSizeMask::empty()) {
        pfn = end_pfn;
    }
    // 2M pages up to the first 1 GiB boundary.
    let start_pfn = round_up(pfn, PMD_PFNS);
    let end_pfn = round_up(pfn, PUD_PFNS).min(round_down(limit_pfn, PMD_PFNS));
    if mr.save(start_pfn, end_pfn, only_2m) {
        pfn = end_pfn;
    }
    // 1G pages over the 1 GiB-aligned middle.
    let start_pfn = round_up(pfn, PUD_PFNS);
    let end_pfn = round_down(limit_pfn, PUD_PFNS);
    if mr.save(start_pfn, end_pfn, global & (PageSizeMask::SIZE_2M | PageSizeMask::SIZE_1G)) {
        pfn = end_pfn;
    }
    // Tail in 2M pages.
    let start_pfn = round_up(pfn, PMD_PFNS);
    let end_pfn = round_down(limit_pfn, PMD_PFNS);
    if mr.save(start_pfn, end_pfn, only_2m) {
        pfn = end_pfn;
    }
    // Tail in 4K pages.
    mr.save(pfn, limit_pfn, PageSizeMask::empty());

    adjust_range_page_size_mask(&mut mr, global, &is_region_memory);

    // Merge touching pieces of equal page size; look at the same index again after a merge.
    let mut i = 0;
    while mr.len > 1 && i + 1 < mr.len {
        let (this, next) = (*mr.get_mut(i), *mr.get_mut(i + 1));
        if this.end != next.start || this.mask != next.mask {
            i += 1;
            continue;
        }
        mr.get_mut(i + 1).start = this.start;
        mr.remove(i);
    }
    mr
}

/// `adjust_range_page_size_mask()`: a piece gets 2M (1G) pages when the 2 MiB (1 GiB) block
/// rounded outward around it lies inside one memblock memory region.
fn adjust_range_page_size_mask(mr: &mut MapRanges, global: PageSizeMask, is_region_memory: &impl Fn(u64, u64) -> bool) {
    for i in 0..mr.len {
        let r = mr.get_mut(i);
        for (size, bit) in [(PMD_SIZE, PageSizeMask::SIZE_2M), (PUD_SIZE, PageSizeMask::SIZE_1G)] {
            if global.contains(bit) && !r.mask.contains(bit) {
                let start = round_down(r.start, size);
                let end = round_up(r.end, size);
                if is_region_memory(start, end.wrapping_sub(start)) {
                    r.mask |= bit;
                }
            }
        }
    }
}
