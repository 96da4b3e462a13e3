//! # x86-mm-mapping — patch 3/6 of the `movable_node` series
//!
//! "x86/mm: factor out of top-down direct mapping setup". Before the kernel can use RAM it
//! maps all of it at `PAGE_OFFSET` (the direct mapping). The page tables for that come from a
//! small buffer in BRK and then from memblock, and a table can only be taken from RAM that is
//! already mapped; so `init_mem_mapping()` maps RAM in chunks that grow, starting from the
//! top of memory. Patch 3 moves that loop into `memory_map_top_down(map_start, map_end)` so
//! that patch 4 can add a bottom-up one beside it.
//!
//! This crate models the whole path on x86-64 and builds the tables for real, in simulated
//! physical memory ([`SimPhysMem`]) at the addresses the model chose for them:
//! [`probe_page_size_mask`], [`split_mem_range`], [`DirectMap::init_memory_mapping`],
//! [`DirectMap::init_range_memory_mapping`], [`DirectMap::kernel_physical_mapping_init`],
//! [`DirectMap::alloc_low_page`], [`DirectMap::memory_map_top_down`] and
//! [`DirectMap::init_mem_mapping`], whose walk above the first MiB is the seam
//! [`MappingWalk`] ([`TopDownWalk`] here).
//!
//! ```
//! use memblock_bottomup::{BottomUp, SeriesMemblock};
//! use x86_mm_mapping::{CpuFeatures, DirectMap, E820Entry, E820Table, E820Type, MappingSetup, TopDownWalk};
//! let e820 = E820Table::new(vec![
//!     E820Entry { addr: 0x1000, size: 0x9e000, kind: E820Type::Ram },
//!     E820Entry { addr: 0x10_0000, size: 0x7ff0_0000, kind: E820Type::Ram },   // 1 MiB .. 2 GiB
//! ]).unwrap();
//! let mut mb = SeriesMemblock::series(0x200_0000);
//! mb.reserve(0x100_0000, 0x100_0000).unwrap();                                 // the kernel
//! e820.fill_memblock(&mut mb).unwrap();
//! let (max_pfn, _) = e820.end_of_ram_pfn();
//! let mut dm = DirectMap::new(MappingSetup {
//!     e820, cpu: CpuFeatures::default(), direct_gbpages: true,
//!     pgt_buf_base: 0x1f0_0000, max_pfn, max_low_pfn: max_pfn,
//! });
//! dm.init_mem_mapping(&mut mb, &mut TopDownWalk).unwrap();
//! assert_eq!(dm.max_pfn_mapped(), 0x80000);
//! assert_eq!(dm.walk().entries, [512, 511, 1]);   // 4K below 2 MiB, 2M to 1 GiB, one 1G page
//! ```

#![no_std]
#![deny(missing_docs)]
#![warn(clippy::missing_errors_doc)]

extern crate alloc;

mod direct_map;
mod e820;
mod error;
mod events;
pub mod harness;
mod page_size;
mod page_tables;
mod phys_mapping;
mod phys_mem;
mod split;
mod table_walk;

pub use direct_map::{
    DirectMap, DirectPages, E820_X_MAX, INIT_PGT_BUF_SIZE, ISA_END_ADDRESS, MappingSetup, MappingWalk, TopDownWalk,
    get_new_step_size,
};
pub use e820::{E820Entry, E820Error, E820Table, E820Type, LastPfn, MAX_ARCH_PFN, MAXMEM, limit_ram, trim_bios_range};
pub use error::Error;
pub use events::{MapEvent, PgtSource, PhysAllocRange};
pub use memblock_bottomup;
pub use page_size::{CpuFeatures, PageSizeMask, PageSizes, probe_page_size_mask};
pub use page_tables::{AllocLowPages, PgtBuf, PgtPage};
pub use phys_mapping::KERNPG_TABLE;
pub use phys_mem::{PAGE_OFFSET, SimPhysMem, phys_to_virt};
pub use split::{MapRange, MapRanges, NR_RANGE_MR, PGDIR_SIZE, PMD_SIZE, PUD_SIZE, split_mem_range};
pub use table_walk::{MapRun, PageSize, TableLevel, TableWalk};
