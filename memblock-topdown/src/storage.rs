//! Where a region array's entries live: the kernel's `memblock_type.regions` pointer.
//!
//! The kernel keeps regions in a flat array: first the static `__initdata` arrays
//! (`memblock_memory_init_regions`, `memblock_reserved_init_regions`), then, each time an array
//! fills, a block twice the size that `memblock_double_array()` finds with memblock itself,
//! reserves, and reaches through `__va()`. The model finds and reserves that block exactly as
//! the kernel does in every case; what differs is where the entries are kept:
//!
//! - by default on the host: a counted B+-tree with the `alloc` feature, a fixed array of
//!   [`INIT_MEMBLOCK_REGIONS`] entries without it (then an array can never grow, as if no
//!   memory for a doubled array were ever found);
//! - in memory the caller provides ([`ArrayMemory`], through
//!   [`Memblock::use_array_memory`](crate::Memblock::use_array_memory)): the caller's static
//!   arrays, then the doubled block itself, reached through the caller's physical-to-virtual
//!   mapping. This is what a kernel built on this crate uses.
//!
//! The kernel's array moves its tail on every insertion and removal, so each operation costs
//! time in proportion to the number of regions. Arrays in the caller's memory keep that layout
//! (it is the kernel's, and the kernel may read it); host storage is a counted B+-tree
//! ([`RegionTree`]) that presents the same sequence, so insertion, removal, index access and the
//! seeks by address are O(log n). Readers see either through [`Regions`](crate::Regions).

use crate::region::{INIT_MEMBLOCK_REGIONS, Region};
#[cfg(feature = "alloc")]
use crate::region_tree::RegionTree;

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
// An explicit tag: one compare on every read (see `region_tree::Node`).
#[repr(u8)]
enum Backend {
    #[cfg(feature = "alloc")]
    Tree(RegionTree),
    #[cfg(not(feature = "alloc"))]
    Inline {
        items: [Region; INIT_MEMBLOCK_REGIONS],
        len: usize,
    },
    Provided(ProvidedArray),
}

impl core::fmt::Debug for Storage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries((0..self.len()).filter_map(|i| self.get(i))).finish()
    }
}

/// A clone is a host-side snapshot: entries in caller-provided memory are copied to the heap,
/// never shared.
#[cfg(feature = "alloc")]
impl Clone for Storage {
    fn clone(&self) -> Self {
        let tree = match &self.backend {
            Backend::Tree(tree) => tree.clone(),
            Backend::Provided(array) => {
                let mut tree = RegionTree::new();
                for (i, &r) in array.items[..array.len].iter().enumerate() {
                    tree.insert(i, r);
                }
                tree
            }
        };
        Storage { backend: Backend::Tree(tree) }
    }
}

impl Storage {
    pub(crate) fn new() -> Self {
        Storage {
            #[cfg(feature = "alloc")]
            backend: Backend::Tree(RegionTree::new()),
            #[cfg(not(feature = "alloc"))]
            backend: Backend::Inline { items: [EMPTY; INIT_MEMBLOCK_REGIONS], len: 0 },
        }
    }

    /// Moves the entries into `items`, a static array the caller provides, whose doubled
    /// successors are reached through `phys_to_virt`. `None` (nothing changed) if the entries
    /// do not fit.
    pub(crate) fn provided(&self, items: &'static mut [Region], phys_to_virt: fn(u64) -> *mut u8) -> Option<Self> {
        let len = self.len();
        for (i, slot) in items.get_mut(..len)?.iter_mut().enumerate() {
            *slot = *self.get(i)?;
        }
        Some(Storage { backend: Backend::Provided(ProvidedArray { items, len, phys_to_virt }) })
    }

    /// Whether an array of `n` entries fits where this storage would keep it, given the
    /// `block_bytes` that `memblock_double_array()` reserves for it.
    pub(crate) fn can_grow_to(&self, n: usize, block_bytes: u64) -> bool {
        match &self.backend {
            #[cfg(feature = "alloc")]
            Backend::Tree(_) => {
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

    /// The entries as one slice, for the storages that are one array (the kernel's layout).
    #[inline]
    pub(crate) fn as_slice(&self) -> Option<&[Region]> {
        match &self.backend {
            #[cfg(feature = "alloc")]
            Backend::Tree(_) => None,
            #[cfg(not(feature = "alloc"))]
            Backend::Inline { items, len } => Some(&items[..*len]),
            Backend::Provided(array) => Some(&array.items[..array.len]),
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        match &self.backend {
            #[cfg(feature = "alloc")]
            Backend::Tree(tree) => tree.len(),
            #[cfg(not(feature = "alloc"))]
            Backend::Inline { len, .. } => *len,
            Backend::Provided(array) => array.len,
        }
    }

    /// All the entries as one run, when they are: an array, or a tree that is a single leaf.
    #[inline]
    pub(crate) fn whole(&self) -> Option<&[Region]> {
        match &self.backend {
            #[cfg(feature = "alloc")]
            Backend::Tree(tree) => tree.single_leaf(),
            _ => self.as_slice(),
        }
    }

    /// All the entries as one run, mutable in place (their order is the caller's to keep):
    /// what [`Storage::whole`] gives, for changes that neither insert nor remove.
    #[inline]
    pub(crate) fn whole_mut(&mut self) -> Option<&mut [Region]> {
        match &mut self.backend {
            #[cfg(feature = "alloc")]
            Backend::Tree(tree) => tree.single_leaf_mut(),
            #[cfg(not(feature = "alloc"))]
            Backend::Inline { items, len } => items.get_mut(..*len),
            Backend::Provided(array) => array.items.get_mut(..array.len),
        }
    }

    /// The run of consecutive entries that holds entry `i` (a leaf of the tree, or the whole
    /// array), with the index of its first entry.
    #[inline]
    pub(crate) fn run_at(&self, i: usize) -> Option<(&[Region], usize)> {
        match &self.backend {
            #[cfg(feature = "alloc")]
            Backend::Tree(tree) => tree.leaf_at(i),
            _ => self.as_slice().filter(|s| i < s.len()).map(|s| (s, 0)),
        }
    }

    /// Entry `i`.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&Region> {
        let (run, start) = self.run_at(i)?;
        run.get(i - start)
    }

    /// The number of leading entries for which the monotone `pred` holds, with the run the
    /// search ended in and the index of its first entry.
    #[inline]
    pub(crate) fn seek(&self, pred: impl FnMut(&Region) -> bool) -> (usize, &[Region], usize) {
        match self.whole() {
            Some(run) => (run.partition_point(pred), run, 0),
            #[cfg(feature = "alloc")]
            None => match &self.backend {
                Backend::Tree(tree) => tree.seek(pred),
                _ => (0, &[], 0),
            },
            #[cfg(not(feature = "alloc"))]
            None => (0, &[], 0),
        }
    }

    /// The number of leading entries for which the monotone `pred` holds.
    #[inline]
    pub(crate) fn partition_point(&self, pred: impl FnMut(&Region) -> bool) -> usize {
        self.seek(pred).0
    }

    /// Changes entry `i` in place.
    #[inline]
    pub(crate) fn update(&mut self, i: usize, f: impl FnOnce(&mut Region)) {
        let entry = match &mut self.backend {
            #[cfg(feature = "alloc")]
            Backend::Tree(tree) => {
                if i < tree.len() {
                    tree.update(i, f);
                }
                return;
            }
            #[cfg(not(feature = "alloc"))]
            Backend::Inline { items, len } => items.get_mut(..*len).and_then(|s| s.get_mut(i)),
            Backend::Provided(array) => array.items.get_mut(..array.len).and_then(|s| s.get_mut(i)),
        };
        if let Some(r) = entry {
            f(r);
        }
    }

    /// The flat array and its count, for the storages that are one.
    fn flat(&mut self) -> Option<(&mut [Region], &mut usize)> {
        match &mut self.backend {
            #[cfg(feature = "alloc")]
            Backend::Tree(_) => None,
            #[cfg(not(feature = "alloc"))]
            Backend::Inline { items, len } => Some((&mut items[..], len)),
            Backend::Provided(array) => Some((&mut *array.items, &mut array.len)),
        }
    }

    /// Inserts at `idx`; the caller has checked capacity against the kernel's `max`.
    pub(crate) fn insert(&mut self, idx: usize, r: Region) {
        #[cfg(feature = "alloc")]
        if let Backend::Tree(tree) = &mut self.backend {
            if idx <= tree.len() {
                tree.insert(idx, r);
            }
            return;
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
        if idx >= self.len() {
            return EMPTY;
        }
        #[cfg(feature = "alloc")]
        if let Backend::Tree(tree) = &mut self.backend {
            return tree.remove(idx);
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

    /// Removes the entries `range` (in one move of the tail for an array).
    pub(crate) fn drain(&mut self, range: core::ops::Range<usize>) {
        let range = range.start..range.end.min(self.len());
        #[cfg(feature = "alloc")]
        if let Backend::Tree(tree) = &mut self.backend {
            for _ in range.clone() {
                tree.remove(range.start);
            }
            return;
        }
        if let Some((items, len)) = self.flat()
            && range.start < range.end
        {
            let n = range.end - range.start;
            items.copy_within(range.end..*len, range.start);
            *len -= n;
        }
    }
}

const EMPTY: Region = Region { base: 0, size: 0, nid: 0, flags: crate::region::RegionFlags::empty() };
