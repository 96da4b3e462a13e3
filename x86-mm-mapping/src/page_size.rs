//! `probe_page_size_mask()`: which page sizes the direct mapping may use.

use bitflags::bitflags;

bitflags! {
    /// `page_size_mask`: bit `1 << PG_LEVEL_2M` and bit `1 << PG_LEVEL_1G`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct PageSizeMask: u32 {
        /// `1 << PG_LEVEL_2M` (4): 2 MiB pages allowed.
        const SIZE_2M = 1 << 2;
        /// `1 << PG_LEVEL_1G` (8): 1 GiB pages allowed.
        const SIZE_1G = 1 << 3;
    }
}

impl PageSizeMask {
    /// The word of the kernel's split lines: `1G`, `2M` or `4k`.
    pub fn kernel_name(self) -> &'static str {
        if self.contains(PageSizeMask::SIZE_1G) {
            "1G"
        } else if self.contains(PageSizeMask::SIZE_2M) {
            "2M"
        } else {
            "4k"
        }
    }
}

/// The CPU features the direct mapping looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuFeatures {
    /// `X86_FEATURE_PSE`: 2 MiB pages.
    pub pse: bool,
    /// `X86_FEATURE_PGE`: global pages.
    pub pge: bool,
    /// `X86_FEATURE_GBPAGES`: 1 GiB pages.
    pub gbpages: bool,
}

impl Default for CpuFeatures {
    /// A 2013 server CPU: all three.
    fn default() -> Self {
        CpuFeatures { pse: true, pge: true, gbpages: true }
    }
}

/// What `probe_page_size_mask()` decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSizes {
    /// `page_size_mask`.
    pub mask: PageSizeMask,
    /// Whether `Using GB pages for direct mapping` was printed (`direct_gbpages` stayed on).
    pub gbpages: bool,
    /// Whether `_PAGE_GLOBAL` is in the supported PTE mask (PGE).
    pub global: bool,
}

/// `probe_page_size_mask()` with `init_gbpages()`: 1 GiB pages when `direct_gbpages` (on by
/// default with `CONFIG_DIRECT_GBPAGES`, off with `nogbpages`) and the CPU has them; 2 MiB
/// pages when the CPU has PSE.
pub fn probe_page_size_mask(cpu: CpuFeatures, direct_gbpages: bool) -> PageSizes {
    let gbpages = direct_gbpages && cpu.gbpages;
    let mut mask = PageSizeMask::empty();
    if gbpages {
        mask |= PageSizeMask::SIZE_1G;
    }
    if cpu.pse {
        mask |= PageSizeMask::SIZE_2M;
    }
    PageSizes { mask, gbpages, global: cpu.pge }
}
