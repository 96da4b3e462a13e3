//! Allocation: find a block, then reserve it: the 3.12/3.13 physical-address API, and the
//! `memblock_virt_alloc*` API that 3.14 added (spec §A.15 item 7), which the layers above offer
//! only in their 3.14 profile.
//!
//! Every allocation goes through `memblock_find_in_range_node()`, so it follows the
//! placement policy (top-down here; bottom-up above the kernel once patch 2 is in).

use crate::config::{AlignZero, Deviations};
use crate::error::Error;
use crate::events::{Event, Warning};
use crate::memblock::Memblock;
use crate::nid_wildcard::NidWarnSite;
use crate::region::{
    MAX_NUMNODES, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, Nid, RegionFlags, round_up, round_up_checked,
};
use crate::region_type::RegionKind;

/// `SMP_CACHE_BYTES` on x86-64: 3.14's alignment for a request of alignment 0.
pub const SMP_CACHE_BYTES: u64 = 64;
use crate::search::Placement;

impl<P: Placement> Memblock<P> {
    /// `memblock_alloc_base_nid()`: reserves `size` bytes aligned to `align` below `max_addr`
    /// on node `nid`, and returns the address; `None` if nothing fits.
    ///
    /// Alignment 0 warns and becomes 8 (3.12/3.13), and the size is rounded up to the
    /// alignment. Like the kernel's, that rounding wraps: a size within `align` of 2^64 becomes
    /// 0, and the allocation "succeeds" with an empty reservation. With
    /// [`Deviations::ALLOC_SIZE_NO_WRAP`](crate::Deviations::ALLOC_SIZE_NO_WRAP) it fails
    /// instead.
    pub fn alloc_base_nid(&mut self, size: u64, align: u64, max_addr: u64, nid: Nid) -> Option<u64> {
        let align = match (align, self.config().align_zero) {
            (0, AlignZero::WarnThenUse(a)) => {
                self.warn(Warning::AlignZero);
                a
            }
            (0, AlignZero::Use(a)) => a,
            (a, _) => a,
        };
        let size = match (self.config().round_size, self.config().deviations.contains(Deviations::ALLOC_SIZE_NO_WRAP)) {
            (false, _) => size,
            (true, false) => round_up(size, align),
            (true, true) => round_up_checked(size, align)?,
        };
        let found = self.find_in_range_node(0, max_addr, size, align, nid)?;
        self.reserve_labelled(found, size, |mb| mb.caller_or("memblock_alloc_base_nid")).ok()?;
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
    ///
    /// # Errors
    ///
    /// [`Error::AllocFailed`] when no block fits (the kernel panics with its message).
    pub fn alloc_base(&mut self, size: u64, align: u64, max_addr: u64) -> Result<u64, Error> {
        self.alloc_base_nopanic(size, align, max_addr).ok_or(Error::AllocFailed { size, max_addr })
    }

    /// `memblock_alloc()`: on any node below `current_limit`; the kernel panics on failure.
    ///
    /// # Errors
    ///
    /// [`Error::AllocFailed`] when no block fits below `current_limit` (the kernel panics with its
    /// message).
    pub fn alloc(&mut self, size: u64, align: u64) -> Result<u64, Error> {
        self.alloc_base(size, align, MEMBLOCK_ALLOC_ACCESSIBLE)
    }

    /// `memblock_alloc_try_nid()`: on node `nid`, else on any node below `current_limit`; the
    /// kernel panics if both fail.
    ///
    /// # Errors
    ///
    /// [`Error::AllocFailed`] when no block fits on `nid` nor on any node (the kernel panics with
    /// its message).
    pub fn alloc_try_nid(&mut self, size: u64, align: u64, nid: Nid) -> Result<u64, Error> {
        match self.alloc_nid(size, align, nid) {
            Some(addr) => Ok(addr),
            None => self.alloc_base(size, align, MEMBLOCK_ALLOC_ACCESSIBLE),
        }
    }
}

/// The arguments of a 3.14 `memblock_virt_alloc_try_nid[_nopanic]()` call, as the caller
/// passes them (they are printed that way in the debug line and the panic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VirtAllocRequest {
    /// Bytes wanted.
    pub size: u64,
    /// Alignment (0: `SMP_CACHE_BYTES`).
    pub align: u64,
    /// Lowest acceptable address (dropped to 0 if nothing fits above it).
    pub min_addr: u64,
    /// Highest acceptable end (0: `current_limit`; clamped to it, never dropped).
    pub max_addr: u64,
    /// Node wanted (dropped to any node if nothing fits on it).
    pub nid: Nid,
}

/// 3.14's API: `memblock_virt_alloc*`, `__memblock_free_early` and the hotplug marks.
impl<P: Placement> Memblock<P> {
    /// `memblock_virt_alloc_internal()`: the node and `min_addr` are dropped in turn until a
    /// block fits (`(nid, min)`, `(any, min)`, `(nid, 0)`, `(any, 0)`); `max_addr` is clamped
    /// to `current_limit` and never dropped. The block is reserved with its exact size, and the
    /// address is returned even if that reservation failed, as the kernel does. The kernel
    /// returns the block's virtual address; the model returns the physical one.
    fn virt_alloc_internal(&mut self, req: VirtAllocRequest) -> Option<u64> {
        let VirtAllocRequest { size, align, min_addr, max_addr, nid } = req;
        let nid = if nid == MAX_NUMNODES {
            self.log_mut().warn_max_numnodes(NidWarnSite::VirtAlloc);
            NUMA_NO_NODE
        } else {
            nid
        };
        let align = if align == 0 { SMP_CACHE_BYTES } else { align };
        let max_addr = max_addr.min(self.current_limit());
        let mut min_addr = min_addr;
        loop {
            let mut found = self.find_in_range_node(min_addr, max_addr, size, align, nid);
            if found.is_none() && nid != NUMA_NO_NODE {
                found = self.find_in_range_node(min_addr, max_addr, size, align, NUMA_NO_NODE);
            }
            if let Some(addr) = found {
                let caller = self.caller_or("memblock_virt_alloc_internal");
                // The kernel ignores the result of this reservation.
                let _ = self.reserve_as(addr, size, caller);
                return Some(addr);
            }
            if min_addr == 0 {
                return None;
            }
            min_addr = 0;
        }
    }

    fn trace_virt_alloc(&mut self, function: &'static str, req: VirtAllocRequest) {
        let caller = self.caller_or(function);
        self.log_mut().push(Event::VirtAlloc { function, req, caller });
    }

    /// `memblock_virt_alloc_try_nid_nopanic()` (3.14): `size` bytes aligned to `align` in
    /// `[min_addr, max_addr)`, on node `nid` if possible (see [`VirtAllocRequest`]). Returns
    /// the block's physical address, `None` where the kernel returns NULL.
    pub fn virt_alloc_try_nid_nopanic(&mut self, req: VirtAllocRequest) -> Option<u64> {
        self.trace_virt_alloc("memblock_virt_alloc_try_nid_nopanic", req);
        self.virt_alloc_internal(req)
    }

    /// `memblock_virt_alloc_try_nid()` (3.14): like
    /// [`Memblock::virt_alloc_try_nid_nopanic`], but where the kernel panics this returns
    /// [`Error::VirtAllocFailed`] with the kernel's message.
    ///
    /// # Errors
    ///
    /// [`Error::VirtAllocFailed`], with the request as passed, when no block fits even on any node
    /// and from address 0 (the kernel panics).
    pub fn virt_alloc_try_nid(&mut self, req: VirtAllocRequest) -> Result<u64, Error> {
        self.trace_virt_alloc("memblock_virt_alloc_try_nid", req);
        self.virt_alloc_internal(req).ok_or(Error::VirtAllocFailed(req))
    }

    /// `__memblock_free_early()` (3.14, behind `memblock_free_early[_nid]()`): gives
    /// `[base, base + size)` back as `memblock_free()` does, with its own debug line and the
    /// result dropped.
    pub fn free_early(&mut self, base: u64, size: u64) {
        let caller = self.caller_or("__memblock_free_early");
        self.log_mut().push(Event::FreeEarly { base, size, caller });
        let _ = self.remove_range(RegionKind::Reserved, base, size);
    }

    /// `memblock_mark_hotplug()` (3.14): flags the memory in `[base, base + size)`
    /// `MEMBLOCK_HOTPLUG` (holes stay holes), splitting regions at the edges, then merges.
    ///
    /// # Errors
    ///
    /// [`Error::ResizeNotAllowed`] when the array needs more entries than it has before
    /// `memblock_allow_resize()`, and [`Error::DoubleFailed`] when doubling it finds no memory: the
    /// kernel's `-ENOMEM`. [`Error::Bug`] when the merge that follows meets overlapping regions
    /// (the kernel's `BUG_ON`, only after a trim wrapped past 2^64).
    pub fn mark_hotplug(&mut self, base: u64, size: u64) -> Result<(), Error> {
        self.set_flags(base, size, RegionFlags::HOTPLUG, true)
    }

    /// `memblock_clear_hotplug()` (3.14): the reverse of [`Memblock::mark_hotplug`].
    ///
    /// # Errors
    ///
    /// [`Error::ResizeNotAllowed`] when the array needs more entries than it has before
    /// `memblock_allow_resize()`, and [`Error::DoubleFailed`] when doubling it finds no memory: the
    /// kernel's `-ENOMEM`. [`Error::Bug`] when the merge that follows meets overlapping regions
    /// (the kernel's `BUG_ON`, only after a trim wrapped past 2^64).
    pub fn clear_hotplug(&mut self, base: u64, size: u64) -> Result<(), Error> {
        self.set_flags(base, size, RegionFlags::HOTPLUG, false)
    }
}
