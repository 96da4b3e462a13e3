//! Allocation: find a block, then reserve it (3.12/3.13 physical-address API; the `virt`
//! API arrived in 3.14).
//!
//! Every allocation goes through `memblock_find_in_range_node()`, so it follows the
//! placement policy (top-down here; bottom-up above the kernel once patch 2 is in).

use crate::error::Error;
use crate::events::Warning;
use crate::memblock::{AlignZero, Memblock};
use crate::region::{MEMBLOCK_ALLOC_ACCESSIBLE, Nid, round_up_checked};
use crate::search::Placement;

impl<P: Placement> Memblock<P> {
    /// `memblock_alloc_base_nid()`: reserves `size` bytes aligned to `align` below `max_addr`
    /// on node `nid`, and returns the address; `None` if nothing fits.
    ///
    /// Alignment 0 warns and becomes 8 (3.12/3.13), and the size is rounded up to the
    /// alignment. A size whose rounding would wrap past 2^64 fails here (the kernel would wrap
    /// it to 0 and "succeed" with an empty reservation).
    pub fn alloc_base_nid(&mut self, size: u64, align: u64, max_addr: u64, nid: Nid) -> Option<u64> {
        let align = match (align, self.config().align_zero) {
            (0, AlignZero::WarnThenUse(a)) => {
                self.warn(Warning::AlignZero);
                a
            }
            (0, AlignZero::Use(a)) => a,
            (a, _) => a,
        };
        let size = if self.config().round_size { round_up_checked(size, align)? } else { size };
        let found = self.find_in_range_node(0, max_addr, size, align, nid)?;
        let caller = self.caller_or("memblock_alloc_base_nid");
        self.reserve_as(found, size, caller).ok()?;
        Some(found)
    }

    /// `memblock_alloc_nid()`: [`Memblock::alloc_base_nid`] below `current_limit`.
    pub fn alloc_nid(&mut self, size: u64, align: u64, nid: Nid) -> Option<u64> {
        self.alloc_base_nid(size, align, MEMBLOCK_ALLOC_ACCESSIBLE, nid)
    }

    /// `__memblock_alloc_base()`: on any node below `max_addr`; `None` on failure.
    pub fn alloc_base_nopanic(&mut self, size: u64, align: u64, max_addr: u64) -> Option<u64> {
        let any = self.config().any_node;
        self.alloc_base_nid(size, align, max_addr, any)
    }

    /// `memblock_alloc_base()`: like [`Memblock::alloc_base_nopanic`], but where the kernel
    /// panics (`ERROR: Failed to allocate ...`) this returns [`Error::AllocFailed`].
    pub fn alloc_base(&mut self, size: u64, align: u64, max_addr: u64) -> Result<u64, Error> {
        self.alloc_base_nopanic(size, align, max_addr).ok_or(Error::AllocFailed { size, max_addr })
    }

    /// `memblock_alloc()`: on any node below `current_limit`; the kernel panics on failure.
    pub fn alloc(&mut self, size: u64, align: u64) -> Result<u64, Error> {
        self.alloc_base(size, align, MEMBLOCK_ALLOC_ACCESSIBLE)
    }

    /// `memblock_alloc_try_nid()`: on node `nid`, else on any node below `current_limit`; the
    /// kernel panics if both fail.
    pub fn alloc_try_nid(&mut self, size: u64, align: u64, nid: Nid) -> Result<u64, Error> {
        match self.alloc_nid(size, align, nid) {
            Some(addr) => Ok(addr),
            None => self.alloc_base(size, align, MEMBLOCK_ALLOC_ACCESSIBLE),
        }
    }
}
