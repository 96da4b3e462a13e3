//! The kernels the model can play, and what each changes in memblock.

use crate::crashkernel::Variant;
use crate::crashkernel::memblock_bottomup::{
    AlignZero, BottomUp, Config, MAX_NUMNODES, NUMA_NO_NODE, REGION_BYTES_3_13, RegionFlags, Semantics, SeriesMemblock,
    TraceFormat,
};

/// A kernel version whose early boot the model reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum KernelProfile {
    /// Linux 3.12, before the series: top-down everywhere, crash kernel before SRAT,
    /// `movable_node` unknown.
    V3_12,
    /// Linux 3.13: the series (bottom-up above the kernel until SRAT is parsed, crash kernel
    /// after it), with the later fix of its `int ret` truncation (the series' intended
    /// behaviour; the conformance sets' `o313fix`).
    #[default]
    V3_13,
    /// Linux 3.13.11: the series as released, with the `int ret` truncation of the bottom-up
    /// search (spec §A.12; fixed in 3.17). [`KernelProfile::V3_13`] is the same series with
    /// that fix.
    V3_13_11,
    /// Linux 3.14.1: the series and its follow-up ("arrange hotpluggable memory as
    /// ZONE_MOVABLE"): `MEMBLOCK_HOTPLUG` from SRAT, top-down searches skip it while
    /// `movable_node` is on, and hotpluggable nodes become ZONE_MOVABLE.
    V3_14,
    /// Linux 6.1 as far as the layers model it (bottom-up without the `kernel_end` start and
    /// without fallback, both walks skip hotplug regions, NOMAP memory never handed out,
    /// 24-byte regions, and `numa_clear_kernel_node_hotplug()` before `NODE_DATA`).
    Modern,
}

impl KernelProfile {
    /// Every profile, oldest first.
    pub const ALL: [KernelProfile; 5] = [
        KernelProfile::V3_12,
        KernelProfile::V3_13,
        KernelProfile::V3_13_11,
        KernelProfile::V3_14,
        KernelProfile::Modern,
    ];

    /// The name used on command lines and in reports (`3.12`, `3.13`, `3.13.11`, `3.14`, `6.1`).
    pub const fn name(self) -> &'static str {
        match self {
            KernelProfile::V3_12 => "3.12",
            KernelProfile::V3_13 => "3.13",
            KernelProfile::V3_13_11 => "3.13.11",
            KernelProfile::V3_14 => "3.14",
            KernelProfile::Modern => "6.1",
        }
    }

    /// Reads a name given by [`KernelProfile::name`] (also `modern`).
    pub fn from_name(name: &str) -> Option<KernelProfile> {
        match name {
            "modern" => Some(KernelProfile::Modern),
            _ => KernelProfile::ALL.into_iter().find(|p| p.name() == name),
        }
    }

    /// Whether the kernel has the series (bottom-up memblock and `movable_node`).
    pub const fn has_series(self) -> bool {
        !matches!(self, KernelProfile::V3_12)
    }

    /// Whether the kernel has the follow-up series (`MEMBLOCK_HOTPLUG`, ZONE_MOVABLE from
    /// SRAT).
    pub const fn has_hotplug_flags(self) -> bool {
        matches!(self, KernelProfile::V3_14 | KernelProfile::Modern)
    }

    /// Which `reserve_crashkernel()` this kernel runs: 6.1's for [`KernelProfile::Modern`]
    /// (`crashkernel::reserve_crashkernel_6_1`), the series' otherwise (3.14 did not change it).
    ///
    /// ```
    /// use movable_node::{KernelProfile, Variant};
    /// assert_eq!(KernelProfile::Modern.crashkernel_variant(), Variant::Linux61);
    /// assert_eq!(KernelProfile::V3_13.crashkernel_variant(), Variant::Series);
    /// ```
    pub const fn crashkernel_variant(self) -> Variant {
        match self {
            KernelProfile::Modern => Variant::Linux61,
            KernelProfile::V3_12 | KernelProfile::V3_13 | KernelProfile::V3_13_11 | KernelProfile::V3_14 => {
                Variant::Series
            }
        }
    }

    /// memblock's configuration for this kernel with `movable_node` on or off.
    ///
    /// Linux 6.1 (spec §H.1, §H.2) differs from 3.14 in three ways: `flags` is a 4-byte enum
    /// again, so a region is 24 bytes (as in 3.13), not 32; both walks (`__next_mem_range` and
    /// `__next_mem_range_rev`) apply the same skip test, so bottom-up searches skip hotpluggable
    /// memory too while `movable_node` is on; and `MEMBLOCK_NOMAP` memory is skipped by every
    /// allocation, with or without `movable_node` (allocations never ask for NOMAP).
    pub fn memblock_config(self, movable_node: bool) -> Config {
        let mut c = Config::V3_13;
        if self.has_hotplug_flags() {
            // 3.14 adds `flags` to the region (32 bytes), makes NUMA_NO_NODE the wildcard,
            // aligns to SMP_CACHE_BYTES by default and stops rounding sizes.
            c.region_bytes = 32;
            c.any_node = NUMA_NO_NODE;
            c.reserve_nid = MAX_NUMNODES;
            c.align_zero = AlignZero::Use(64);
            c.round_size = false;
            if movable_node {
                c.skip_top_down = RegionFlags::HOTPLUG;
            }
        }
        if self == KernelProfile::Modern {
            // `enum memblock_flags` is an int: base, size, flags, nid = 24 bytes (H.1).
            c.region_bytes = REGION_BYTES_3_13;
            c.skip_top_down |= RegionFlags::NOMAP;
            c.skip_bottom_up = c.skip_top_down;
        }
        c
    }

    /// A fresh memblock for this kernel, for a kernel image ending at `kernel_end`.
    pub fn memblock(self, kernel_end: u64, movable_node: bool) -> SeriesMemblock {
        let mut mb = SeriesMemblock::series(kernel_end);
        *mb.config_mut() = self.memblock_config(movable_node);
        let p = mb.placement_mut();
        match self {
            KernelProfile::V3_12 => p.set_movable_node_config(false),
            // 3.13 with the fix of 3.17 (spec §A.12); 3.13.11 as released has the truncation.
            KernelProfile::V3_13 => {}
            KernelProfile::V3_13_11 => p.set_int_ret_bug(true),
            // 3.14.1 still has the truncation (fixed in 3.17), and prints 3.14's trace.
            KernelProfile::V3_14 => {
                p.set_int_ret_bug(true);
                mb.log_mut().set_format(TraceFormat::V3_14);
            }
            KernelProfile::Modern => p.set_semantics(Semantics::Modern),
        }
        mb
    }

    /// Applies `movable_node` to the memblock's configuration (3.14 and later skip
    /// hotpluggable regions only while it is on).
    pub fn set_movable_node(self, mb: &mut SeriesMemblock, on: bool) {
        let skip = self.memblock_config(on);
        let c = mb.config_mut();
        c.skip_top_down = skip.skip_top_down;
        c.skip_bottom_up = skip.skip_bottom_up;
        if on && self.has_series() {
            mb.set_bottom_up(true);
        }
    }
}

/// Command-line parsing (`--profile`, `--policy`) from the same names as
/// [`KernelProfile::name`], with `modern` as an alias of `6.1`.
#[cfg(feature = "clap")]
impl clap::ValueEnum for KernelProfile {
    fn value_variants<'a>() -> &'a [Self] {
        &KernelProfile::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let value = clap::builder::PossibleValue::new(self.name());
        Some(if *self == KernelProfile::Modern { value.alias("modern") } else { value })
    }
}
