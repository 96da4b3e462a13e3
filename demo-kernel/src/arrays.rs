//! memblock's region arrays in this kernel's memory: the two static arrays of
//! `INIT_MEMBLOCK_REGIONS` entries (Linux's `memblock_memory_init_regions` and
//! `memblock_reserved_init_regions`, in `.bss` here), and, once an array doubles, the block
//! memblock found for it, reached through [`phys_to_virt`].

use core::cell::UnsafeCell;
use movable_node::memblock_bottomup::{ArrayMemory, INIT_MEMBLOCK_REGIONS, Region, RegionFlags};

struct InitRegions(UnsafeCell<[Region; INIT_MEMBLOCK_REGIONS]>);

// SAFETY: handed out once, by `take`, to the one memblock of this single-CPU kernel.
unsafe impl Sync for InitRegions {}

const EMPTY: Region = Region { base: 0, size: 0, nid: 0, flags: RegionFlags::empty() };

static MEMORY_INIT_REGIONS: InitRegions = InitRegions(UnsafeCell::new([EMPTY; INIT_MEMBLOCK_REGIONS]));
static RESERVED_INIT_REGIONS: InitRegions = InitRegions(UnsafeCell::new([EMPTY; INIT_MEMBLOCK_REGIONS]));

/// `__va()` for memblock's arrays: the boot identity map, which stays in slot 0 of every
/// top-level table this kernel loads, so an array stays reachable before and after CR3 changes.
pub fn phys_to_virt(pa: u64) -> *mut u8 {
    pa as *mut u8
}

/// The static arrays and the mapping, for `Memblock::use_array_memory`.
///
/// # Safety
/// Call once: the arrays are handed out as `&'static mut`.
pub unsafe fn take() -> ArrayMemory {
    // SAFETY: the caller calls this once, so these are the only references.
    unsafe {
        ArrayMemory {
            memory: &mut *MEMORY_INIT_REGIONS.0.get(),
            reserved: &mut *RESERVED_INIT_REGIONS.0.get(),
            phys_to_virt,
        }
    }
}

/// Whether `entries` is one of the static arrays.
pub fn is_static(entries: *const Region) -> bool {
    core::ptr::eq(entries, MEMORY_INIT_REGIONS.0.get().cast())
        || core::ptr::eq(entries, RESERVED_INIT_REGIONS.0.get().cast())
}
