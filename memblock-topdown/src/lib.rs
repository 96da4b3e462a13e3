//! # memblock-topdown — patch 1/6 of the `movable_node` series
//!
//! Linux's early-boot memory allocator, memblock, as it is in 3.12, with the change of the
//! series' first patch ("memblock: factor out of top-down allocation"): the top-down loop of
//! `memblock_find_in_range_node()` becomes its own function, `__memblock_find_range_top_down()`.
//!
//! memblock keeps two sorted arrays of physical ranges: `memory` (the RAM it knows) and
//! `reserved` (what has been taken). Free memory is memory minus reserved; an allocation finds
//! a free block and reserves it. Before the series every search runs top-down, from the highest
//! address. The factoring is what lets patch 2 add a second direction, and here it is a seam:
//! [`Memblock`] is generic over a [`Placement`] policy, [`TopDown`] is this layer's only one,
//! and every caller that searches (the `alloc*` family and array doubling) goes through it.
//!
//! ```
//! use memblock_topdown::{Memblock, MAX_NUMNODES};
//! let mut mb = Memblock::new();
//! mb.add_node(0, 0x8000_0000, 0).unwrap();                // node 0: 0..2 GiB
//! mb.add_node(0x8000_0000, 0x8000_0000, 1).unwrap();      // node 1: 2..4 GiB
//! // Top-down: the highest 2 MiB-aligned block of node 0.
//! assert_eq!(mb.alloc_nid(0x20_0000, 0x20_0000, 0), Some(0x7fe0_0000));
//! // Any node: the top of memory.
//! assert_eq!(mb.find_in_range(0, u64::MAX, 0x1000, 0x1000), Some(0xffff_f000));
//! assert_eq!(mb.memory().cnt(), 2);
//! assert_eq!(mb.reserved().regions()[0].nid, MAX_NUMNODES);
//! ```
//!
//! The crate is `no_std`. With the default `alloc` feature, region arrays grow past
//! [`INIT_MEMBLOCK_REGIONS`] as the kernel's do, events are kept for reports, and the
//! [`oplang`] interpreter runs the project's conformance scripts; without it each array holds
//! at most 128 regions and events only go to `log`. The `reference` feature (off by default)
//! adds the module `reference`, a small brute-force model of memblock that tests and
//! fuzzers compare this one with; the `testing` feature adds the module `testing`, memblock's
//! operations as data, which the tests and benchmarks of every layer generate and apply.

#![no_std]
#![deny(missing_docs)]
#![warn(clippy::missing_errors_doc)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod allocate;
mod config;
mod dump;
mod error;
mod events;
mod iter;
mod label;
mod memblock;
mod nid_wildcard;
#[cfg(feature = "alloc")]
pub mod oplang;
pub mod printk;
mod query;
#[cfg(feature = "reference")]
pub mod reference;
mod region;
#[cfg(feature = "alloc")]
mod region_tree;
mod region_type;
mod regions;
mod search;
mod storage;
#[cfg(feature = "testing")]
pub mod testing;
mod uncovered;

pub use allocate::{SMP_CACHE_BYTES, VirtAllocRequest};
pub use config::{AlignZero, Config, Deviations};
pub use dump::DumpAll;
pub use error::{Bug, Error};
pub use events::{Event, EventLog, KernelLine, LayerWarning, TraceFormat, Warning};
pub use iter::{FreeRange, FreeRanges, FreeRangesRev, PfnRange, RegionFilter, find_free_range};
pub use label::{KSYM_NAME_LEN, Label};
pub use memblock::{Memblock, MemblockState, UNKNOWN_CALLER};
pub use nid_wildcard::{MAX_NUMNODES_DEPRECATED, NidWarnSite, warn_deprecated_nid};
pub use query::{ArrayInfo, PfnNid};
pub use region::{
    INIT_MEMBLOCK_REGIONS, MAX_NUMNODES, MEMBLOCK_ALLOC_ACCESSIBLE, MEMBLOCK_ALLOC_ANYWHERE, NUMA_NO_NODE, Nid,
    PAGE_SHIFT, PAGE_SIZE, REGION_BYTES_3_13, Region, RegionFlags, cap_size, page_align, pfn_down, pfn_up, round_down,
    round_up, round_up_checked,
};
pub use region_type::{RegionKind, RegionType};
pub use regions::{Regions, RegionsIter};
pub use search::{FindRequest, Placement, TopDown, find_range_top_down};
pub use storage::ArrayMemory;
