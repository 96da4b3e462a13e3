//! The facts of the modelled kernel's version and build that memblock's results depend on, and
//! the opt-in safer behaviours where the kernel misbehaves.

use crate::region::{MAX_NUMNODES, Nid, REGION_BYTES_3_13, RegionFlags};

/// What an allocation does when asked for alignment 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlignZero {
    /// 3.12/3.13: `WARN_ON(!align)` on every such call, then this alignment
    /// (`__alignof__(long long)` = 8).
    WarnThenUse(u64),
    /// 3.14 and later: silently use this alignment (`SMP_CACHE_BYTES` = 64).
    Use(u64),
}

bitflags::bitflags! {
    /// Safer behaviours that replace the kernel's where the kernel misbehaves. None is on by
    /// default: the model does what the kernel does, bugs included, and each of these is a
    /// named, opt-in deviation.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct Deviations: u8 {
        /// `memblock_trim_memory()` removes a region whose base would round up past 2^64,
        /// instead of wrapping it to a low base (which leaves the array out of order and makes
        /// the next merge of memory hit the kernel's `BUG_ON`, spec §G.5).
        const TRIM_NO_WRAP = 0x1;
        /// `memblock_alloc_base_nid()` fails an allocation whose size, rounded up to the
        /// alignment, would pass 2^64, instead of wrapping the size to 0 and returning an
        /// address with an empty reservation (3.12/3.13).
        const ALLOC_SIZE_NO_WRAP = 0x2;
    }
}

/// The build and version facts of the kernel being modelled that memblock's results depend
/// on. [`Config::V3_13`] is this series; later layers set the fields their kernels changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// `sizeof(struct memblock_region)`: 24 bytes in 3.12/3.13, 32 once 3.14 added `flags`.
    pub region_bytes: u64,
    /// The "any node" value of iterators and searches: `MAX_NUMNODES` in 3.12/3.13,
    /// `NUMA_NO_NODE` from 3.14.
    pub any_node: Nid,
    /// The nid that `memblock_reserve()` gives reserved regions (`MAX_NUMNODES`).
    pub reserve_nid: Nid,
    /// What allocations do with alignment 0.
    pub align_zero: AlignZero,
    /// Whether allocations round the size up to the alignment (3.12/3.13 do, 3.14 does not).
    pub round_size: bool,
    /// Memory regions the top-down (reverse) walk skips (none before 3.14).
    pub skip_top_down: RegionFlags,
    /// Memory regions the bottom-up (forward) walk skips (none before 3.14).
    pub skip_bottom_up: RegionFlags,
    /// Opt-in safer behaviours in place of the kernel's (none by default).
    pub deviations: Deviations,
}

impl Config {
    /// Linux 3.12 and 3.13 on x86-64 (`CONFIG_HAVE_MEMBLOCK_NODE_MAP`, `NODES_SHIFT` 6).
    pub const V3_13: Config = Config {
        region_bytes: REGION_BYTES_3_13,
        any_node: MAX_NUMNODES,
        reserve_nid: MAX_NUMNODES,
        align_zero: AlignZero::WarnThenUse(8),
        round_size: true,
        skip_top_down: RegionFlags::empty(),
        skip_bottom_up: RegionFlags::empty(),
        deviations: Deviations::empty(),
    };
}

impl Default for Config {
    fn default() -> Self {
        Config::V3_13
    }
}
