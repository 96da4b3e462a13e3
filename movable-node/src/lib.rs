//! # movable-node — patch 6/6 of the `movable_node` series, and the follow-up that finishes it
//!
//! "mem-hotplug: introduce movable_node boot option". The last patch adds the early parameter
//! that switches the series on: `movable_node` sets memblock bottom-up
//! ([`param::cmdline_parse_movable_node`]), and `numa_init()` sets it back to top-down as soon
//! as the first NUMA init function (SRAT, or the dummy node) succeeds ([`numa::numa_init`]).
//! From then on the kernel knows which memory is hotpluggable.
//!
//! 3.13 stops there: hotpluggable memory still comes up as ZONE_NORMAL, so `movable_node`
//! alone cannot make a node removable. The follow-up series (3.14, "arrange hotpluggable
//! memory as ZONE_MOVABLE") marks SRAT's hotpluggable ranges `MEMBLOCK_HOTPLUG`, clears the
//! mark on every node that holds a kernel reservation, keeps top-down searches out of marked
//! memory while `movable_node` is on, and gives it to ZONE_MOVABLE. Both are here, as kernel
//! profiles ([`KernelProfile`]), with 3.12 (before the series) and the modern kernel:
//!
//! * [`acpi_srat`]: SRAT, read with the `acpi` crate and the project's own table type and
//!   walker, and `acpi_numa_init()` with every rule and message of the kernel;
//! * [`numa`]: `numa_add_memblk`, `numa_cleanup_meminfo`, `numa_register_memblks`,
//!   `setup_node_data`, the dummy node, `numa=off`, patch 6's direction reset, and 3.14's
//!   `numa_clear_kernel_node_hotplug`; [`SratNuma`] plugs SRAT in;
//! * [`zones`]: the zones of each node and `find_zone_movable_pfns_for_nodes()`
//!   (`kernelcore=`/`movablecore=` in every profile, `movable_node` from 3.14);
//! * [`oplang`]: 3.14's memblock operations in the project's op-script language, and a
//!   runner for any profile;
//! * [`sparse`]: `sparse_init()`, each node's `mem_map`, which pins the node it lands in;
//! * [`verdict`]: which early reservations, by label, lie in each node's hotpluggable memory,
//!   and whether it can be hot-removed.

#![no_std]
#![deny(missing_docs)]
#![warn(clippy::missing_errors_doc)]

extern crate alloc;

pub mod acpi_srat;
mod error;
pub mod numa;
pub mod oplang;
pub mod param;
mod profile;
pub mod sparse;
mod srat_numa;
pub mod verdict;
pub mod zones;

pub use crashkernel;
pub use crashkernel::memblock_bottomup;
pub use crashkernel::x86_mm_bottomup;
pub use error::{Errno, Error};
pub use profile::KernelProfile;
pub use srat_numa::SratNuma;
// The items of the layers below that this layer's users name through it, listed one by one
// (no glob), so that no name of this layer silently shadows one of the layer below.
pub use crashkernel::{
    CpuFeatures, DirectMap, E820Entry, E820Error, E820Table, E820Type, INIT_PGT_BUF_SIZE, ISA_END_ADDRESS,
    MAX_ARCH_PFN, MAXMEM, MapEvent, MappingSetup, PAGE_OFFSET, PgtSource, Profile, SeriesWalk, Suffix, Variant,
    limit_ram, memparse, parse_crashkernel_with, parse_swiotlb, swiotlb_size_or_default, trim_bios_range,
};
