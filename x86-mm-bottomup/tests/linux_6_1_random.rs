//! Linux 6.1's walk on random machines, both directions and three CPUs: it maps every page of
//! RAM or fails only as 6.1 does (the closed brk, or memblock finding nothing), and every page
//! table it takes from memblock was asked for inside the mapped window and stays reserved.

use memblock_bottomup::{BottomUp, NUMA_NO_NODE, PAGE_SIZE, Semantics, SeriesMemblock};
use proptest::prelude::*;
use x86_mm_bottomup::{
    BuildProfile, CpuFeatures, E820Entry, E820Table, E820Type, Error, Linux6_1Walk, MappingSetup, PgtSource,
    memblock_requests,
};

const MIB: u64 = 1 << 20;
const CPUS: [CpuFeatures; 3] = [
    CpuFeatures { pse: true, pge: true, gbpages: true },
    CpuFeatures { pse: true, pge: true, gbpages: false },
    CpuFeatures { pse: false, pge: true, gbpages: false },
];

/// RAM: the low 636 KiB, [1M, 64M + first) and up to three more blocks with gaps; the kernel
/// at 16 MiB with its used brk (the 16-page buffer at its end), `_end` a little above.
fn machine() -> impl Strategy<Value = (Vec<(u64, u64)>, u64, u64, usize, bool)> {
    (0u64..64, prop::collection::vec((0u64..4096, 1u64..8192), 0..4), 0u64..2048, 0u64..64, 0usize..3, any::<bool>())
        .prop_map(|(first, blocks, bss, tail, cpu, movable)| {
            let mut ram = vec![(0x1000, 0x9f000), (MIB, 64 * MIB + first * MIB)];
            let mut end = ram[1].1;
            for (gap, len) in blocks {
                let start = end + gap * 256 * PAGE_SIZE + 2 * MIB;
                end = start + len * 256 * PAGE_SIZE;
                ram.push((start, end));
            }
            let brk_end = 20 * MIB + bss * PAGE_SIZE + 17 * PAGE_SIZE;
            let kernel_end = brk_end + tail * PAGE_SIZE;
            (ram, brk_end, kernel_end, cpu, movable)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn maps_all_ram_or_fails_as_6_1_does((ram, brk_end, kernel_end, cpu, movable) in machine()) {
        let mut mb = SeriesMemblock::series(kernel_end);
        mb.config_mut().any_node = NUMA_NO_NODE;
        mb.placement_mut().set_semantics(Semantics::Modern);
        mb.reserve(0, MIB).unwrap();
        mb.reserve(16 * MIB, brk_end - 16 * MIB).unwrap();
        let e820 = E820Table::new(ram.iter().map(|&(s, e)| E820Entry { addr: s, size: e - s, kind: E820Type::Ram }).collect()).unwrap();
        mb.set_current_limit(MIB);
        e820.fill_memblock(&mut mb).unwrap();
        mb.set_bottom_up(movable);
        let (max_pfn, max_low_pfn) = (e820.end_of_ram_pfn().0, e820.end_of_low_ram_pfn().0);
        let profile = BuildProfile::DEBIAN_6_1;
        let pgt_buf_base = brk_end - profile.pgt_buf_pages() * PAGE_SIZE;
        let mut dm = profile.direct_map(MappingSetup { e820, cpu: CPUS[cpu], direct_gbpages: true, pgt_buf_base, max_pfn, max_low_pfn });
        let result = dm.init_mem_mapping(&mut mb, &mut Linux6_1Walk);
        for req in memblock_requests(dm.events()) {
            if let Some(pa) = req.found {
                prop_assert!(pa >= req.start && pa + req.size <= req.end, "{req} answered {pa:#x}");
            }
        }
        for pa in dm.pgt_pages().iter().filter(|p| p.source == PgtSource::Memblock).map(|p| p.pa) {
            prop_assert!(mb.is_region_reserved(pa, PAGE_SIZE));
        }
        match result {
            Ok(()) => {
                prop_assert!(dm.pfn_range_is_mapped(0, 0x100));
                for &(s, e) in &ram[1..] {
                    prop_assert!(dm.pfn_range_is_mapped(s >> 12, e >> 12), "[{s:#x}, {e:#x}) not mapped");
                }
                prop_assert_eq!(movable, memblock_requests(dm.events()).all(|r| r.caller == "alloc_low_pages"));
            }
            Err(e) => prop_assert!(matches!(e, Error::BrkClosed | Error::CannotAlloc), "{e}"),
        }
    }
}
