//! Random memory layouts through `init_mem_mapping()` (top-down and bottom-up, with and
//! without 2 MiB and 1 GiB pages): it returns or fails with a typed error, and when it
//! returns, a walk of the tables by the x86_64 crate's own walker finds every RAM page mapped
//! at PAGE_OFFSET + its address, and every page-table page reserved in memblock.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use memblock_bottomup::{BottomUp, MAX_NUMNODES, SeriesMemblock};
use x86_64::structures::paging::mapper::TranslateResult;
use x86_mm_bottomup::{
    CpuFeatures, DirectMap, E820Entry, E820Table, E820Type, MappingSetup, PgtSource, SeriesWalk, phys_to_virt,
};

const MIB: u64 = 1 << 20;

#[derive(Debug, Arbitrary)]
struct Layout {
    /// RAM above 64 MiB: (gap in MiB, length in MiB + 1, 4 KiB tail pages).
    extra: Vec<(u16, u16, u8)>,
    pse: bool,
    gbpages: bool,
    bottom_up: bool,
    /// Pages reserved right above the kernel (an initrd, say).
    above_kernel: u16,
}

fuzz_target!(|l: Layout| {
    let mut entries = vec![
        E820Entry { addr: 0x1000, size: 0x9e000, kind: E820Type::Ram },
        E820Entry { addr: MIB, size: 63 * MIB, kind: E820Type::Ram },
    ];
    let mut at = 64 * MIB;
    for &(gap, len, tail) in l.extra.iter().take(8) {
        let start = at + u64::from(gap % 4096) * MIB;
        let size = (u64::from(len % 8192) + 1) * MIB + u64::from(tail) * 4096;
        entries.push(E820Entry { addr: start, size, kind: E820Type::Ram });
        at = (start + size).next_multiple_of(MIB) + MIB;
    }
    let Ok(e820) = E820Table::new(entries) else { return };
    let kernel_end = 32 * MIB;
    let mut mb = SeriesMemblock::series(kernel_end);
    let _ = mb.reserve(16 * MIB, 14 * MIB);
    let _ = mb.reserve(30 * MIB, 6 * 4096);
    let _ = mb.reserve(kernel_end, u64::from(l.above_kernel) * 4096);
    mb.set_current_limit(MIB);
    let _ = e820.fill_memblock(&mut mb);
    mb.set_bottom_up(l.bottom_up);
    let (max_pfn, _) = e820.end_of_ram_pfn();
    let mut dm = DirectMap::new(MappingSetup {
        e820,
        cpu: CpuFeatures { pse: l.pse, pge: true, gbpages: l.gbpages },
        direct_gbpages: true,
        pgt_buf_base: 30 * MIB,
        max_pfn,
        max_low_pfn: max_pfn.min(1 << 20),
    });
    if dm.init_mem_mapping(&mut mb, &mut SeriesWalk).is_err() {
        return;
    }
    for p in dm.pgt_pages().iter().filter(|p| p.source == PgtSource::Memblock) {
        assert!(mb.is_reserved(p.pa), "page table at {:#x} not reserved", p.pa);
    }
    let ranges: Vec<_> = mb.mem_pfn_ranges(MAX_NUMNODES).collect();
    for r in ranges {
        let (s, e) = (r.start_pfn << 12, r.end_pfn << 12);
        for pa in [s, e - 4096, s + (e - s) / 2 / 4096 * 4096] {
            match dm.mem_mut().translate(phys_to_virt(pa)) {
                TranslateResult::Mapped { frame, offset, .. } => {
                    assert_eq!(frame.start_address().as_u64() + offset, pa, "{pa:#x} maps elsewhere");
                }
                other => panic!("RAM page {pa:#x} not mapped: {other:?}"),
            }
        }
    }
});
