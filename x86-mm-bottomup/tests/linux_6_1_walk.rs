//! Linux 6.1's `init_mem_mapping()` on machines worked by hand from 6.1's rules (spec §H.5.1,
//! `arch/x86/mm/init.c` of 6.1): the ×256 step, the probe that finds nothing, the BRK overlap
//! rule, the closed brk, and bottom-up tables in the second pass.

use memblock_bottomup::{AlignZero, BottomUp, NUMA_NO_NODE, Semantics, SeriesMemblock};
use x86_mm_bottomup::{
    BuildProfile, CpuFeatures, DirectMap, E820Entry, E820Table, E820Type, Error, Linux6_1Walk, MapEvent, MappingSetup,
    PgtSource, QEMU64, StepGrowth, lines_6_1, memblock_requests,
};

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
/// No PSE: every mapped 2 MiB slot needs a PTE page, which makes table counts easy to steer.
const CPU_4K: CpuFeatures = CpuFeatures { pse: false, pge: true, gbpages: false };

fn ram(start: u64, end: u64) -> E820Entry {
    E820Entry { addr: start, size: end - start, kind: E820Type::Ram }
}

/// A machine as `setup_arch()` hands it to `init_mem_mapping()`.
struct Machine {
    ram: Vec<(u64, u64)>,
    /// Everything reserved before (the first MiB, the kernel image with its used brk, ...).
    reserved: Vec<(u64, u64)>,
    pgt_buf_base: u64,
    kernel_end: u64,
    cpu: CpuFeatures,
    movable_node: bool,
}

struct Booted {
    dm: DirectMap,
    mb: SeriesMemblock,
    result: Result<(), Error>,
}

fn boot(m: &Machine, pgt_buf_pages: Option<u64>) -> Booted {
    let mut mb = SeriesMemblock::series(m.kernel_end);
    let c = mb.config_mut();
    c.any_node = NUMA_NO_NODE;
    c.align_zero = AlignZero::Use(64);
    c.round_size = false;
    mb.placement_mut().set_semantics(Semantics::Modern);
    mb.log_mut().set_trace(true);
    for &(s, e) in &m.reserved {
        mb.reserve(s, e - s).unwrap();
    }
    let e820 = E820Table::new(m.ram.iter().map(|&(s, e)| ram(s, e)).collect()).unwrap();
    mb.set_current_limit(MIB);
    e820.fill_memblock(&mut mb).unwrap();
    mb.set_bottom_up(m.movable_node);
    let (max_pfn, max_low_pfn) = (e820.end_of_ram_pfn().0, e820.end_of_low_ram_pfn().0);
    let setup =
        MappingSetup { e820, cpu: m.cpu, direct_gbpages: true, pgt_buf_base: m.pgt_buf_base, max_pfn, max_low_pfn };
    let mut dm = BuildProfile::DEBIAN_6_1.direct_map(setup);
    if let Some(pages) = pgt_buf_pages {
        dm.set_pgt_buf_pages(pages);
    }
    let result = dm.init_mem_mapping(&mut mb, &mut Linux6_1Walk);
    Booted { dm, mb, result }
}

/// The `init_memory_mapping` calls, as `[start, end)`.
fn chunks(dm: &DirectMap) -> Vec<(u64, u64)> {
    dm.events()
        .iter()
        .filter_map(|e| match *e {
            MapEvent::InitMemoryMapping { start, end } => Some((start, end)),
            _ => None,
        })
        .collect()
}

/// Every memblock request of the mapping: (from, max_addr, answer).
fn requests(dm: &DirectMap) -> Vec<(u64, u64, Option<u64>)> {
    memblock_requests(dm.events()).map(|r| (r.start, r.end, r.found)).collect()
}

fn from_source(dm: &DirectMap, source: PgtSource) -> Vec<u64> {
    dm.pgt_pages().iter().filter(|p| p.source == source).map(|p| p.pa).collect()
}

/// `count` pages going down from `top` (exclusive), or up from `bottom`.
fn pages_down(top: u64, count: u64) -> Vec<u64> {
    (1..=count).map(|i| top - i * 4 * KIB).collect()
}
fn pages_up(bottom: u64, count: u64) -> Vec<u64> {
    (0..count).map(|i| bottom + i * 4 * KIB).collect()
}

#[test]
fn the_step_grows_x256_once_the_mapped_ram_reaches_it() {
    let g = StepGrowth::Linux6_1;
    assert_eq!(g.next(2 * MIB, 0, 2 * MIB), 512 * MIB, "2M mapped reaches the 2M step");
    assert_eq!(g.next(2 * MIB, 0, 0x1d_0000), 2 * MIB, "less than the step: no growth");
    assert_eq!(g.next(512 * MIB, 2 * MIB, 510 * MIB), 128 * GIB);
    assert_eq!(g.next(128 * GIB, 512 * MIB, 71 * GIB + 512 * MIB), 128 * GIB, "72G < 128G");
    // The series grows ×32 when one chunk maps more than all before it, however small.
    let s = StepGrowth::Series;
    assert_eq!(s.next(2 * MIB, 0, 0x1d_0000), 64 * MIB);
    assert_eq!(s.next(64 * MIB, 3 * MIB, 2 * MIB), 64 * MIB);
}

/// 200 GiB: RAM [1M, 3G) and [4G, 200G), 2M pages. The probe gives real_end = 200G. Chunks:
/// [200G-2M, 200G) (2M mapped: step 512M); [199.5G, 200G-2M) (512M in all: step 128G);
/// round_down(199.5G - 1, 128G) = 128G: [128G, 199.5G) (72G in all, below the step, which
/// stays); 128G is not above the step, so the last chunk is [1M, 128G): the two regions.
/// Tables: the first MiB takes 3 BRK pages, the first chunk the PMD page of PUD slot 199
/// (BRK 4); [128G, 199.5G) needs PMD pages for slots 128..198: 12 from BRK, 59 from memblock
/// inside [199.5G, 200G), top-down from 200G; [1M, 3G) holds the BRK buffer, so its PMD pages
/// (slots 1, 2) come from memblock, window [128G, 200G), and so do the 124 of [4G, 128G).
#[test]
fn top_down_200_gib_chunks_and_windows() {
    let m = Machine {
        ram: vec![(0x1000, 0x9f000), (MIB, 3 * GIB), (4 * GIB, 200 * GIB)],
        reserved: vec![(0, MIB), (16 * MIB, 0x441_0000)],
        pgt_buf_base: 0x440_0000,
        kernel_end: 0x443_0000,
        cpu: QEMU64,
        movable_node: false,
    };
    let b = boot(&m, None);
    assert_eq!(b.result, Ok(()));
    let half = 512 * MIB;
    assert_eq!(
        chunks(&b.dm),
        [
            (0, MIB),
            (200 * GIB - 2 * MIB, 200 * GIB),
            (200 * GIB - half, 200 * GIB - 2 * MIB),
            (128 * GIB, 200 * GIB - half),
            (MIB, 3 * GIB),
            (4 * GIB, 128 * GIB),
        ]
    );
    let reqs = requests(&b.dm);
    assert_eq!(reqs[0], (MIB, 200 * GIB, Some(200 * GIB - 2 * MIB)), "the probe");
    let tables = &reqs[1..];
    assert_eq!(tables.len(), 59 + 2 + 124);
    assert!(tables[..59].iter().all(|&(f, m, _)| (f, m) == (200 * GIB - half, 200 * GIB)));
    assert!(tables[59..].iter().all(|&(f, m, _)| (f, m) == (128 * GIB, 200 * GIB)));
    let got: Vec<u64> = tables.iter().map(|t| t.2.unwrap()).collect();
    assert_eq!(got, pages_down(200 * GIB, 185));
    assert_eq!(from_source(&b.dm, PgtSource::Brk), pages_up(0x440_0000, 16));
    assert_eq!(b.dm.max_pfn_mapped() << 12, 200 * GIB);
}

/// The BRK buffer may not serve a memory range that overlaps it, even with room left. RAM A
/// [1M, 20M), a hole, RAM B [22M, 64M); 4K pages only. The probe: real_end 64M; [62M, 64M)
/// takes the PTE page of slot 31 from BRK (4th page); then [1M, 62M) in one chunk, region by
/// region, window [62M, 64M). With the buffer in B (kernel at 32M): A's 9 PTE pages (slots
/// 1..9) from BRK, B's 20 (slots 11..30) from memblock, 3 BRK pages never used. With the
/// buffer in A (kernel at 4M): A's 9 from memblock, B's from BRK until its 16 pages are gone
/// (12), the other 8 from memblock.
#[test]
fn brk_is_not_used_for_a_range_that_overlaps_it() {
    let ram = vec![(0x1000, 0x9f000), (MIB, 20 * MIB), (22 * MIB, 64 * MIB)];
    let buffer_in = |text: u64, buf: u64| Machine {
        ram: ram.clone(),
        reserved: vec![(0, MIB), (text, buf + 64 * KIB)],
        pgt_buf_base: buf,
        kernel_end: buf + 2 * MIB,
        cpu: CPU_4K,
        movable_node: false,
    };
    let window = (62 * MIB, 64 * MIB);
    let b = boot(&buffer_in(32 * MIB, 40 * MIB), None);
    assert_eq!(b.result, Ok(()));
    assert_eq!(from_source(&b.dm, PgtSource::Brk), pages_up(40 * MIB, 13));
    let want: Vec<_> = pages_down(64 * MIB, 20).into_iter().map(|pa| (window.0, window.1, Some(pa))).collect();
    assert_eq!(requests(&b.dm)[1..], want);
    assert_eq!(b.dm.pgt_buf().top - b.dm.pgt_buf().end, 3, "BRK had room");

    let b = boot(&buffer_in(4 * MIB, 12 * MIB), None);
    assert_eq!(b.result, Ok(()));
    assert_eq!(from_source(&b.dm, PgtSource::Brk), pages_up(12 * MIB, 16));
    let want: Vec<_> = pages_down(64 * MIB, 17).into_iter().map(|pa| (window.0, window.1, Some(pa))).collect();
    assert_eq!(requests(&b.dm)[1..], want);
}

/// A BRK buffer of 3 pages (the first MiB's tables) on the same machine: the first chunk's PTE
/// page finds BRK full and nothing mapped yet (top-down reset max_pfn_mapped to 0), so no
/// memblock request is made; its range does not overlap the buffer, so 6.1 turns to
/// `extend_brk()`, which `reserve_brk()` has closed.
#[test]
fn nothing_mapped_and_brk_full_hits_the_closed_brk() {
    let m = Machine {
        ram: vec![(0x1000, 0x9f000), (MIB, 64 * MIB)],
        reserved: vec![(0, MIB), (32 * MIB, 40 * MIB + 64 * KIB)],
        pgt_buf_base: 40 * MIB,
        kernel_end: 42 * MIB,
        cpu: CPU_4K,
        movable_node: false,
    };
    let b = boot(&m, Some(3));
    assert_eq!(b.result, Err(Error::BrkClosed));
    assert_eq!(requests(&b.dm), [(MIB, 64 * MIB, Some(62 * MIB))], "only the probe");
    assert!(Error::BrkClosed.to_string().starts_with("kernel BUG at arch/x86/kernel/setup.c"));
}

/// RAM [1M, 4M) with a reservation at 3M: no free 2 MiB block in [1M, 4M). 6.1 warns and
/// starts at max(1M, round_down(4M, 2M)) = 4M: chunks [2M, 4M) (2M: step 512M), [1M, 2M).
#[test]
fn a_probe_that_finds_nothing_warns_and_starts_at_the_end() {
    let m = Machine {
        ram: vec![(0x1000, 0x9f000), (MIB, 4 * MIB)],
        reserved: vec![(0, MIB), (3 * MIB, 0x32_0000)],
        pgt_buf_base: 0x31_0000,
        kernel_end: 0x33_0000,
        cpu: QEMU64,
        movable_node: false,
    };
    let b = boot(&m, None);
    assert_eq!(b.result, Ok(()));
    let lines: Vec<String> = lines_6_1(b.dm.events()).map(|l| l.to_string()).filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(
        lines,
        [
            "init_memory_mapping: [mem 0x00000000-0x000fffff]",
            "memblock_phys_alloc_range: 2097152 bytes align=0x200000 from=0x0000000000100000 max_addr=0x0000000000400000 init_mem_mapping",
            "Failed to release memory for alloc_low_pages()",
            "init_memory_mapping: [mem 0x00200000-0x003fffff]",
            "init_memory_mapping: [mem 0x00100000-0x001fffff]",
        ]
    );
    assert!(!b.mb.is_region_reserved(2 * MIB, MIB), "nothing was reserved by the failed probe");
}

/// Bottom-up (movable_node), 4K pages, RAM [1M, 64M), kernel [16M, 32M), BRK buffer at 32M,
/// `_end` 34M. No probe. Pass 1, min_pfn_mapped = 34M: [34M, 36M) (slot 17, BRK 4; 2M: step
/// 512M), then the rest [36M, 64M): slots 18..31, 12 from BRK, then 2 from memblock in
/// [34M, 36M), bottom-up from 34M. Pass 2, min_pfn_mapped = 1M: [1M, 2M) needs nothing;
/// [2M, 4M) needs slot 1's PTE page, BRK is full: memblock in [1M, 64M), which 6.1 searches
/// from 1M (no kernel_end start since 5.11): 0x100000, below the kernel; then [4M, 34M), which
/// overlaps the buffer: slots 2..16 from 0x101000 up.
#[test]
fn bottom_up_second_pass_takes_tables_from_one_mib() {
    let m = Machine {
        ram: vec![(0x1000, 0x9f000), (MIB, 64 * MIB)],
        reserved: vec![(0, MIB), (16 * MIB, 32 * MIB + 64 * KIB)],
        pgt_buf_base: 32 * MIB,
        kernel_end: 34 * MIB,
        cpu: CPU_4K,
        movable_node: true,
    };
    let b = boot(&m, None);
    assert_eq!(b.result, Ok(()));
    assert_eq!(
        chunks(&b.dm),
        [(0, MIB), (34 * MIB, 36 * MIB), (36 * MIB, 64 * MIB), (MIB, 2 * MIB), (2 * MIB, 4 * MIB), (4 * MIB, 34 * MIB)]
    );
    let mut want = vec![(34 * MIB, 36 * MIB, Some(34 * MIB)), (34 * MIB, 36 * MIB, Some(34 * MIB + 4 * KIB))];
    want.extend(pages_up(MIB, 16).into_iter().map(|pa| (MIB, 64 * MIB, Some(pa))));
    assert_eq!(requests(&b.dm), want, "no probe; pass 1 from _end, pass 2 from 1M");
    assert_eq!(from_source(&b.dm, PgtSource::Brk), pages_up(32 * MIB, 16));
}

/// 6.1's `probe_page_size_mask()` turns `direct_gbpages` off without PSE; the series keeps
/// 1 GiB pages on such a CPU (and prints `Using GB pages for direct mapping`).
#[test]
fn no_gb_pages_without_pse_in_6_1() {
    let cpu = CpuFeatures { pse: false, pge: true, gbpages: true };
    let e820 = E820Table::new(vec![ram(MIB, 2 * GIB)]).unwrap();
    let setup = MappingSetup {
        e820,
        cpu,
        direct_gbpages: true,
        pgt_buf_base: 32 * MIB,
        max_pfn: 0x8_0000,
        max_low_pfn: 0x8_0000,
    };
    let series = DirectMap::new(setup.clone()).page_sizes();
    let linux_6_1 = BuildProfile::DEBIAN_6_1.direct_map(setup).page_sizes();
    assert!(series.gbpages && !linux_6_1.gbpages);
    assert!(linux_6_1.mask.is_empty(), "4 KiB pages only");
}
