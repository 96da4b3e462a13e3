//! Where a region array's entries live: the kernel's `memblock_type.regions` pointer.
//!
//! The kernel keeps regions in a flat array: first the static `__initdata` arrays
//! (`memblock_memory_init_regions`, `memblock_reserved_init_regions`), then, each time an array
//! fills, a block twice the size that `memblock_double_array()` finds with memblock itself,
//! reserves, and reaches through `__va()`. The model finds and reserves that block exactly as
//! the kernel does in every case; what differs is where the entries are kept:
//!
//! - by default on the host: a growable vector with the `alloc` feature, a fixed array of
//!   [`INIT_MEMBLOCK_REGIONS`] entries without it (then an array can never grow, as if no
//!   memory for a doubled array were ever found);
//! - in memory the caller provides ([`ArrayMemory`], through
//!   [`Memblock::use_array_memory`](crate::Memblock::use_array_memory)): the caller's static
//!   arrays, then the doubled block itself, reached through the caller's physical-to-virtual
//!   mapping. This is what a kernel built on this crate uses.
//!
//! Like the kernel's array, an insertion or removal moves the tail. That move is nearly all the
//! time of the region-heavy benchmarks (W1, W2 of spec §G.10), yet they run 20–40 times faster
//! than the kernel's own code, which also walks the whole array on every call. A chunked sequence
//! would move less but could no longer lend the regions out as one slice
//! ([`RegionType::regions`](crate::RegionType::regions)), which every reader relies on.

use crate::region::{INIT_MEMBLOCK_REGIONS, Region};

/// The memory a kernel gives memblock for its region arrays.
///
/// `memory` and `reserved` are the kernel's `memblock_memory_init_regions` and
/// `memblock_reserved_init_regions` (`INIT_MEMBLOCK_REGIONS` entries each, in `__initdata`).
/// `phys_to_virt` is the kernel's `__va()`: when `memblock_double_array()` moves an array into
/// the block it has found and reserved at a physical address, the entries are copied to
/// `phys_to_virt(addr)` and live there from then on.
///
/// A doubled block is sized by the modelled kernel's `sizeof(struct memblock_region)`
/// ([`Config::region_bytes`](crate::Config::region_bytes): 24 bytes in 3.13 and 6.1, 32 in
/// 3.14), and this crate's [`Region`] is 24 bytes, so the block always holds the doubled array.
/// A `region_bytes` set below 24 would give a block too small for it: then the doubling fails as
/// the kernel's does when it finds no memory (`Failed to double ... array`), and the array
/// keeps its entries. Placements are never changed to make room.
pub struct ArrayMemory {
    /// `memblock_memory_init_regions`.
    pub memory: &'static mut [Region; INIT_MEMBLOCK_REGIONS],
    /// `memblock_reserved_init_regions`.
    pub reserved: &'static mut [Region; INIT_MEMBLOCK_REGIONS],
    /// `__va()`: the virtual address at which the kernel reaches physical address `pa`.
    pub phys_to_virt: fn(pa: u64) -> *mut u8,
}

impl core::fmt::Debug for ArrayMemory {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ArrayMemory")
            .field("memory", &self.memory.as_ptr())
            .field("reserved", &self.reserved.as_ptr())
            .finish_non_exhaustive()
    }
}

/// One array's entries in caller-provided memory: `items` is the whole array (`max` slots),
/// `len` of them in use.
struct ProvidedArray {
    items: &'static mut [Region],
    len: usize,
    phys_to_virt: fn(u64) -> *mut u8,
}

/// Why a caller-provided array could not move into a doubled block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RelocateFailed;

/// The entries of one region array, sorted by base.
pub(crate) struct Storage {
    backend: Backend,
}

// Without `alloc` there is no heap to box the inline array into; it is what the storage always
// held in that build.
#[allow(clippy::large_enum_variant)]
enum Backend {
    #[cfg(feature = "alloc")]
    Heap(alloc::vec::Vec<Region>),
    #[cfg(not(feature = "alloc"))]
    Inline {
        items: [Region; INIT_MEMBLOCK_REGIONS],
        len: usize,
    },
    Provided(ProvidedArray),
}

impl core::fmt::Debug for Storage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// A clone is a host-side snapshot: entries in caller-provided memory are copied to the heap,
/// never shared.
#[cfg(feature = "alloc")]
impl Clone for Storage {
    fn clone(&self) -> Self {
        Storage { backend: Backend::Heap(self.as_slice().to_vec()) }
    }
}

impl Storage {
    pub(crate) fn new() -> Self {
        Storage {
            #[cfg(feature = "alloc")]
            backend: Backend::Heap(alloc::vec::Vec::new()),
            #[cfg(not(feature = "alloc"))]
            backend: Backend::Inline { items: [EMPTY; INIT_MEMBLOCK_REGIONS], len: 0 },
        }
    }

    /// Moves the entries into `items`, a static array the caller provides, whose doubled
    /// successors are reached through `phys_to_virt`. `None` (nothing changed) if the entries
    /// do not fit.
    pub(crate) fn provided(&self, items: &'static mut [Region], phys_to_virt: fn(u64) -> *mut u8) -> Option<Self> {
        let len = self.len();
        items.get_mut(..len)?.copy_from_slice(self.as_slice());
        Some(Storage { backend: Backend::Provided(ProvidedArray { items, len, phys_to_virt }) })
    }

    /// Whether an array of `n` entries fits where this storage would keep it, given the
    /// `block_bytes` that `memblock_double_array()` reserves for it.
    pub(crate) fn can_grow_to(&self, n: usize, block_bytes: u64) -> bool {
        match &self.backend {
            #[cfg(feature = "alloc")]
            Backend::Heap(_) => {
                let _ = (n, block_bytes);
                true
            }
            #[cfg(not(feature = "alloc"))]
            Backend::Inline { .. } => {
                let _ = block_bytes;
                n <= INIT_MEMBLOCK_REGIONS
            }
            Backend::Provided(_) => {
                (n as u64).checked_mul(core::mem::size_of::<Region>() as u64).is_some_and(|need| need <= block_bytes)
            }
        }
    }

    /// The switch of `memblock_double_array()`: the entries move to the block at physical
    /// `addr`, `cap` entries long, which [`Storage::can_grow_to`] accepted. Host storage
    /// stays where it is.
    pub(crate) fn relocate(&mut self, addr: u64, cap: usize) -> Result<(), RelocateFailed> {
        let Backend::Provided(array) = &mut self.backend else {
            return Ok(());
        };
        let at = (array.phys_to_virt)(addr).cast::<Region>();
        if at.is_null() || !at.is_aligned() || cap < array.len {
            return Err(RelocateFailed);
        }
        // SAFETY: `use_array_memory`'s contract: `phys_to_virt` maps every address memblock
        // hands out to memory no one else uses; memblock has just found this block free and is
        // about to reserve it for the array, and `can_grow_to` checked that `cap` entries fit
        // in it. The block cannot overlap the old array, which is reserved or static.
        let items = unsafe {
            at.write_bytes(0, cap);
            core::slice::from_raw_parts_mut(at, cap)
        };
        items[..array.len].copy_from_slice(&array.items[..array.len]);
        array.items = items;
        Ok(())
    }

    #[inline]
    pub(crate) fn as_slice(&self) -> &[Region] {
        match &self.backend {
            #[cfg(feature = "alloc")]
            Backend::Heap(items) => items,
            #[cfg(not(feature = "alloc"))]
            Backend::Inline { items, len } => &items[..*len],
            Backend::Provided(array) => &array.items[..array.len],
        }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [Region] {
        match &mut self.backend {
            #[cfg(feature = "alloc")]
            Backend::Heap(items) => items,
            #[cfg(not(feature = "alloc"))]
            Backend::Inline { items, len } => &mut items[..*len],
            Backend::Provided(array) => &mut array.items[..array.len],
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// The flat array and its count, for the storages that are one.
    fn flat(&mut self) -> Option<(&mut [Region], &mut usize)> {
        match &mut self.backend {
            #[cfg(feature = "alloc")]
            Backend::Heap(_) => None,
            #[cfg(not(feature = "alloc"))]
            Backend::Inline { items, len } => Some((&mut items[..], len)),
            Backend::Provided(array) => Some((&mut *array.items, &mut array.len)),
        }
    }

    /// Inserts at `idx`; the caller has checked capacity against the kernel's `max`.
    pub(crate) fn insert(&mut self, idx: usize, r: Region) {
        #[cfg(feature = "alloc")]
        if let Backend::Heap(items) = &mut self.backend {
            return items.insert(idx, r);
        }
        if let Some((items, len)) = self.flat()
            && *len < items.len()
            && idx <= *len
        {
            items.copy_within(idx..*len, idx + 1);
            items[idx] = r;
            *len += 1;
        }
    }

    pub(crate) fn remove(&mut self, idx: usize) -> Region {
        #[cfg(feature = "alloc")]
        if let Backend::Heap(items) = &mut self.backend {
            return items.remove(idx);
        }
        match self.flat() {
            Some((items, len)) => {
                let r = items[idx];
                items.copy_within(idx + 1..*len, idx);
                *len -= 1;
                r
            }
            None => EMPTY,
        }
    }

    /// Removes the entries `range` in one move of the tail.
    pub(crate) fn drain(&mut self, range: core::ops::Range<usize>) {
        #[cfg(feature = "alloc")]
        if let Backend::Heap(items) = &mut self.backend {
            items.drain(range);
            return;
        }
        if let Some((items, len)) = self.flat() {
            let n = range.end - range.start;
            items.copy_within(range.end..*len, range.start);
            *len -= n;
        }
    }
}

const EMPTY: Region = Region { base: 0, size: 0, nid: 0, flags: crate::region::RegionFlags::empty() };
