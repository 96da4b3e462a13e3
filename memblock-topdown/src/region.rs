//! Regions and the constants of `include/linux/memblock.h` (3.12).
//!
//! A region is a `[base, base + size)` range of physical memory with the node it belongs to.
//! Ranges never wrap: `memblock_cap_size()` trims every size so that a region ends at
//! `u64::MAX` at the latest.

use bitflags::bitflags;

/// A NUMA node id, the kernel's `int nid`.
pub type Nid = i32;

/// `MAX_NUMNODES` for the default x86-64 configuration (`NODES_SHIFT` 6). In 3.12 and 3.13 it is
/// also the "any node" wildcard of every iterator and search.
pub const MAX_NUMNODES: Nid = 64;

/// `NUMA_NO_NODE`. In 3.12 and 3.13 it is *not* a wildcard: a filter of -1 matches no region.
pub const NUMA_NO_NODE: Nid = -1;

/// `INIT_MEMBLOCK_REGIONS`: the capacity of each static region array before it is doubled.
pub const INIT_MEMBLOCK_REGIONS: usize = 128;

/// `MEMBLOCK_ALLOC_ANYWHERE`: no upper limit for a search.
pub const MEMBLOCK_ALLOC_ANYWHERE: u64 = u64::MAX;

/// `MEMBLOCK_ALLOC_ACCESSIBLE`: "up to `current_limit`" for a search's end.
pub const MEMBLOCK_ALLOC_ACCESSIBLE: u64 = 0;

/// `PAGE_SIZE` on x86-64.
pub const PAGE_SIZE: u64 = 4096;

/// `PAGE_SHIFT` on x86-64.
pub const PAGE_SHIFT: u32 = 12;

/// `sizeof(struct memblock_region)` on x86-64 with `CONFIG_HAVE_MEMBLOCK_NODE_MAP` in 3.12 and
/// 3.13 (base, size, nid and padding). It decides how much memory a doubled array takes.
pub const REGION_BYTES_3_13: u64 = 24;

bitflags! {
    /// `memblock_region.flags`. Regions of 3.12 and 3.13 carry none; the field is here so that
    /// the follow-up series (3.14, `MEMBLOCK_HOTPLUG`) and later kernels can set them, and
    /// merging already refuses to join regions whose flags differ, as 3.14 does. 3.14 declares
    /// it `unsigned long` and 6.1 as a 4-byte enum; every flag sits in the low bits, so 32 bits
    /// hold them all and keep [`Region`] at the kernel's 24 bytes.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
    pub struct RegionFlags: u32 {
        /// `MEMBLOCK_HOTPLUG` (3.14): the range is hotpluggable according to SRAT.
        const HOTPLUG = 0x1;
        /// `MEMBLOCK_MIRROR` (4.6): mirrored memory.
        const MIRROR = 0x2;
        /// `MEMBLOCK_NOMAP` (4.5): not to be added to the kernel's direct mapping.
        const NOMAP = 0x4;
    }
}

/// One `struct memblock_region`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    /// `base`: the physical start address.
    pub base: u64,
    /// `size`: the length in bytes (never zero for a real region).
    pub size: u64,
    /// `nid`: the node, `MAX_NUMNODES` when not known.
    pub nid: Nid,
    /// `flags` (3.14 and later).
    pub flags: RegionFlags,
}

// 24 bytes, as 3.13's and 6.1's `struct memblock_region` on x86-64: a kernel that keeps the
// arrays in memory memblock doubles them into (`ArrayMemory`) gets blocks sized for exactly
// this many entries.
const _: () = assert!(core::mem::size_of::<Region>() == 24);

impl Region {
    /// The exclusive end, `base + size` (cannot overflow: sizes are capped on insertion).
    pub const fn end(&self) -> u64 {
        self.base + self.size
    }

    /// Whether two neighbours may be merged into one region (same node and same flags).
    pub(crate) fn compatible(&self, other: &Region) -> bool {
        self.nid == other.nid && self.flags == other.flags
    }
}

/// `memblock_cap_size()`: the size clamped so that `base + size` does not overflow.
pub const fn cap_size(base: u64, size: u64) -> u64 {
    let room = u64::MAX - base;
    if size < room { size } else { room }
}

/// The kernel's `round_down(x, align)`: mask arithmetic, exact for powers of two and
/// deterministic (if odd) for other alignments, as the kernel's macro is.
pub const fn round_down(x: u64, align: u64) -> u64 {
    x & !align.wrapping_sub(1)
}

/// The kernel's `round_up(x, align)`: mask arithmetic that wraps modulo 2^64 like the macro.
/// Callers that must not wrap check [`round_up_checked`].
pub const fn round_up(x: u64, align: u64) -> u64 {
    (x.wrapping_sub(1) | align.wrapping_sub(1)).wrapping_add(1)
}

/// `round_up` that reports a wrap past the top of the address space as `None`.
pub const fn round_up_checked(x: u64, align: u64) -> Option<u64> {
    if x == 0 {
        return Some(0);
    }
    ((x - 1) | align.wrapping_sub(1)).checked_add(1)
}

/// `PFN_UP(addr)` (wrapping like the kernel's unsigned arithmetic).
pub const fn pfn_up(addr: u64) -> u64 {
    addr.wrapping_add(PAGE_SIZE - 1) >> PAGE_SHIFT
}

/// `PFN_DOWN(addr)`.
pub const fn pfn_down(addr: u64) -> u64 {
    addr >> PAGE_SHIFT
}

/// `PAGE_ALIGN(x)`.
pub const fn page_align(x: u64) -> u64 {
    round_up(x, PAGE_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_size_stops_at_the_top() {
        assert_eq!(cap_size(u64::MAX - 0xfffff, 0x200000), 0xfffff);
        assert_eq!(cap_size(0, u64::MAX), u64::MAX);
        assert_eq!(cap_size(0x1000, 0x1000), 0x1000);
        assert_eq!(cap_size(u64::MAX, 1), 0);
    }

    #[test]
    fn rounding_is_mask_arithmetic() {
        assert_eq!(round_up(0x1001, 0x1000), 0x2000);
        assert_eq!(round_down(0x1fff, 0x1000), 0x1000);
        // Not a power of two: ((7-1)|2)+1 = 7, 7 & !2 = 5.
        assert_eq!(round_up(7, 3), 7);
        assert_eq!(round_down(7, 3), 5);
        assert_eq!(round_up(u64::MAX, 0x1000), 0);
        assert_eq!(round_up_checked(u64::MAX, 0x1000), None);
        assert_eq!(round_up_checked(0x1001, 0x1000), Some(0x2000));
        assert_eq!(round_up_checked(0, 0x1000), Some(0));
    }
}
