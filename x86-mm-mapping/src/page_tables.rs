//! Where the direct mapping's page-table pages come from: the early buffer in BRK, the
//! kernel's `alloc_low_pages()` rule once it is used up, and each page taken.

use crate::events::PgtSource;

/// Which kernel's `alloc_low_pages()` serves a page-table page once the BRK buffer cannot.
///
/// The series' is the default; later kernels changed how the page is asked for and what
/// happens when none is found, and stopped printing BRK pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AllocLowPages {
    /// 3.12/3.13: `BRK [...] PGTABLE` for each BRK page; otherwise panic `ran out of memory`
    /// unless `min_pfn_mapped < max_pfn_mapped`, then `memblock_find_in_range()` over the
    /// mapped window and `memblock_reserve()`, panic `can not alloc memory` if nothing fits.
    #[default]
    Series,
    /// Linux 6.1: BRK pages are not printed; otherwise, while `min_pfn_mapped <
    /// max_pfn_mapped`, `memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE, min_pfn_mapped << 12,
    /// max_pfn_mapped << 12)` (recorded as [`MapEvent::PhysAllocRange`](crate::MapEvent::PhysAllocRange)); if that gives nothing
    /// and the BRK buffer may serve the range, `extend_brk()`, which the brk already closed
    /// ([`Error::BrkClosed`](crate::Error::BrkClosed)); else panic `alloc_low_pages: can not alloc memory`.
    Linux6_1,
}

/// The early page-table buffer, in page frame numbers: `pgt_buf_start`, `pgt_buf_end` (next
/// free), `pgt_buf_top`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgtBuf {
    /// `pgt_buf_start`.
    pub start: u64,
    /// `pgt_buf_end`: the next page to hand out.
    pub end: u64,
    /// `pgt_buf_top`.
    pub top: u64,
}

/// One page-table page taken during the mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgtPage {
    /// Physical address.
    pub pa: u64,
    /// BRK or memblock.
    pub source: PgtSource,
}
