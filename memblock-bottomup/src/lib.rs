//! # memblock-bottomup — patch 2/6 of the `movable_node` series
//!
//! "memblock: introduce bottom-up allocation mode". Before SRAT is parsed the kernel cannot
//! tell hotpluggable memory from the rest, but it knows one node that will never be removed:
//! the one holding the kernel image. So, while `memblock.bottom_up` is set, searches start at
//! the end of the kernel image (`__pa_symbol(_end)`) and go upward: early allocations stay a
//! few megabytes above the kernel, in its node. When nothing fits above the kernel, memblock
//! warns once and falls back to the top-down search of the whole range.
//!
//! This crate adds that mode to `memblock-topdown` without changing it: it is a second
//! [`Placement`] policy, [`BottomUpPlacement`], that holds `bottom_up`, `kernel_end` and the
//! warn-once state, tries [`find_range_bottom_up`] and falls back to the top-down helper of the
//! layer below. With `bottom_up` off it *is* the layer below: every search goes straight to
//! `find_range_top_down`.
//!
//! ```
//! use memblock_bottomup::{BottomUp, SeriesMemblock};
//! let mut mb = SeriesMemblock::series(0x0440_0000);   // kernel image ends at 68 MiB
//! mb.add(0x10_0000, 0xfff0_0000).unwrap();             // 1 MiB .. 4 GiB
//! mb.set_bottom_up(true);                              // what `movable_node` does
//! assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x0440_0000)); // right above the kernel
//! mb.set_bottom_up(false);
//! assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0xffff_f000)); // top-down again
//! ```
//!
//! Two kernels' behaviours that differ from the series are opt-in: the `int ret` truncation of
//! 3.13–3.16 ([`BottomUpPlacement::set_int_ret_bug`], spec §A.12), and the rule of Linux 5.11
//! and later, where bottom-up starts at the search's own start, not at `kernel_end`, and never
//! falls back ([`Semantics::Modern`]).

#![no_std]
#![deny(missing_docs)]
#![warn(clippy::missing_errors_doc)]

mod modern_alloc;
#[cfg(feature = "alloc")]
pub mod oplang;
mod placement;

pub use memblock_topdown;
pub use modern_alloc::{Attempt, Found, MEMBLOCK_ALLOC_NOLEAKTRACE, ModernAlloc, free_range_at};
pub use placement::{BOTTOM_UP_FAILED, BottomUp, BottomUpPlacement, Semantics, SeriesMemblock, find_range_bottom_up};
// The items of the memblock of patch 1 that this layer's users name through it, listed one by one
// (no glob), so that no name of this layer silently shadows one of the layer below.
pub use memblock_topdown::{
    AlignZero, ArrayMemory, Config, Error, Event, EventLog, FindRequest, FreeRange, FreeRanges, INIT_MEMBLOCK_REGIONS,
    Label, LayerWarning, MAX_NUMNODES, MAX_NUMNODES_DEPRECATED, MEMBLOCK_ALLOC_ACCESSIBLE, Memblock, MemblockState,
    NUMA_NO_NODE, Nid, NidWarnSite, PAGE_SHIFT, PAGE_SIZE, Placement, REGION_BYTES_3_13, Region, RegionFilter,
    RegionFlags, RegionKind, SMP_CACHE_BYTES, TopDown, TraceFormat, UNKNOWN_CALLER, VirtAllocRequest, Warning,
    page_align, pfn_down, round_down, round_up, round_up_checked,
};
