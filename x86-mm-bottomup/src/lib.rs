//! # x86-mm-bottomup — patch 4/6 of the `movable_node` series
//!
//! "x86/mem-hotplug: support initialize page tables in bottom-up". With memblock bottom-up
//! (`movable_node`), the direct mapping is built from the end of the kernel image upward, so
//! the page tables, which memblock hands out just above the kernel, land in the kernel's own
//! node instead of at the top of memory, where hotpluggable nodes usually are.
//!
//! `init_mem_mapping()` then maps the first MiB, then `[kernel_end, end)` bottom-up, then
//! `[ISA_END_ADDRESS, kernel_end)` bottom-up. The order matters: tables can only come from
//! RAM that is already mapped, so the RAM right above the kernel is mapped first (its first
//! chunk with tables from BRK) and every later table is found right above the kernel; the RAM
//! below the kernel is mapped last, with tables that still live above it.
//!
//! This crate plugs [`SeriesWalk`] into the [`MappingWalk`](x86_mm_mapping::MappingWalk) seam
//! of `x86-mm-mapping`; with memblock top-down it is exactly [`TopDownWalk`].
//!
//! ```
//! use memblock_bottomup::{BottomUp, SeriesMemblock};
//! use x86_mm_bottomup::SeriesWalk;
//! use x86_mm_mapping::{CpuFeatures, DirectMap, E820Entry, E820Table, E820Type, MappingSetup, PgtSource};
//! let e820 = E820Table::new(vec![
//!     E820Entry { addr: 0x1000, size: 0x9e000, kind: E820Type::Ram },
//!     E820Entry { addr: 0x10_0000, size: 0x1_3ff0_0000, kind: E820Type::Ram },   // 1 MiB .. 5 GiB
//! ]).unwrap();
//! let kernel_end = 0x400_0000;
//! let mut mb = SeriesMemblock::series(kernel_end);
//! mb.reserve(0x100_0000, kernel_end - 0x100_0000).unwrap();
//! e820.fill_memblock(&mut mb).unwrap();
//! mb.set_bottom_up(true);                                       // movable_node
//! let (max_pfn, _) = e820.end_of_ram_pfn();
//! let mut dm = DirectMap::new(MappingSetup {
//!     e820, cpu: CpuFeatures { pse: true, pge: true, gbpages: false }, direct_gbpages: false,
//!     pgt_buf_base: 0x3f0_0000, max_pfn, max_low_pfn: 0x10_0000,
//! });
//! dm.init_mem_mapping(&mut mb, &mut SeriesWalk).unwrap();
//! // Every table taken from memblock sits right above the kernel.
//! let from_memblock: Vec<u64> = dm.pgt_pages().iter()
//!     .filter(|p| p.source == PgtSource::Memblock).map(|p| p.pa).collect();
//! assert!(!from_memblock.is_empty());
//! assert!(from_memblock.iter().all(|&pa| pa >= kernel_end && pa < kernel_end + 0x10_0000));
//! ```

//!
//! It also carries a later kernel's walk on the same seam: Linux 6.1's `init_mem_mapping()`,
//! [`Linux6_1Walk`], on a map built by [`BuildProfile::direct_map`] (Debian's 16-page BRK
//! buffer, 6.1's `alloc_low_pages()`). On pc-2n, a real 6.1 boot (RAM to 5 GiB), it asks
//! memblock for what the boot's `memblock=debug` log shows: the 2 MiB probe, then three
//! page tables from the top of RAM, searched in `[4.5 GiB, 5 GiB)`.
//!
//! ```
//! use memblock_bottomup::{BottomUp, Semantics, SeriesMemblock};
//! use x86_mm_bottomup::{BuildProfile, E820Entry, E820Table, E820Type, Linux6_1Walk, MappingSetup, QEMU64};
//! use x86_mm_bottomup::memblock_requests;
//! let ram = |addr, end| E820Entry { addr, size: end - addr, kind: E820Type::Ram };
//! let e820 = E820Table::new(vec![
//!     ram(0x1000, 0x9f000), ram(0x10_0000, 0xbffe_0000), ram(0x1_0000_0000, 0x1_4000_0000),
//! ]).unwrap();
//! let mut mb = SeriesMemblock::series(0x443_0000);                 // _end
//! mb.placement_mut().set_semantics(Semantics::Modern);
//! mb.reserve(0, 0x10_0000).unwrap();                               // the first MiB
//! mb.reserve(0x100_0000, 0x341_1000).unwrap();                     // the kernel and its used brk
//! e820.fill_memblock(&mut mb).unwrap();
//! let (max_pfn, max_low_pfn) = (e820.end_of_ram_pfn().0, e820.end_of_low_ram_pfn().0);
//! let mut dm = BuildProfile::DEBIAN_6_1.direct_map(MappingSetup {
//!     e820, cpu: QEMU64, direct_gbpages: true, pgt_buf_base: 0x440_1000, max_pfn, max_low_pfn,
//! });
//! dm.init_mem_mapping(&mut mb, &mut Linux6_1Walk).unwrap();
//! let asked: Vec<_> = memblock_requests(dm.events()).map(|r| (r.size, r.start, r.found)).collect();
//! assert_eq!(asked, [
//!     (0x20_0000, 0x10_0000, Some(0x1_3fe0_0000)),                  // the probe, freed again
//!     (0x1000, 0x1_2000_0000, Some(0x1_3fff_f000)),
//!     (0x1000, 0x1_2000_0000, Some(0x1_3fff_e000)),
//!     (0x1000, 0x1_2000_0000, Some(0x1_3fff_d000)),
//! ]);
//! ```

#![no_std]
#![deny(missing_docs)]
#![warn(clippy::missing_errors_doc)]

mod linux_6_1;
mod walk;

pub use linux_6_1::{
    BuildProfile, Line6_1, Linux6_1Walk, PROBE_CALLER, QEMU64, lines_6_1, memblock_requests, memory_map_top_down_6_1,
};
pub use memblock_bottomup;
pub use walk::{STEP_SHIFT_6_1, SeriesWalk, StepGrowth, memory_map_bottom_up, memory_map_bottom_up_with};
pub use x86_mm_mapping;
// The items of the mapping layer of patch 3 that this layer's users name through it, listed one by one
// (no glob), so that no name of this layer silently shadows one of the layer below.
pub use x86_mm_mapping::{
    CpuFeatures, DirectMap, E820Entry, E820Error, E820Table, E820Type, Error, INIT_PGT_BUF_SIZE, ISA_END_ADDRESS,
    MAX_ARCH_PFN, MAXMEM, MapEvent, MappingSetup, PAGE_OFFSET, PageSize, PgtSource, TopDownWalk, limit_ram,
    phys_to_virt, trim_bios_range,
};
