//! `init_mem_mapping()` with the top-down walk on four machines (a few MiB, 4 GiB with the
//! PCI hole, 64 GiB, 1 TiB with 1 GiB pages), each worked through by hand from the kernel's
//! rules. For each: the chunks of `memory_map_top_down()` in order (spec §B.7: start below the
//! highest free 2 MiB block, step 2M, ×32 whenever a chunk mapped more RAM than all before
//! it), every page-table page (count by §B.10's rule, BRK or memblock, address, memblock
//! window), then the finished tables read back by two walkers: every RAM byte sampled maps to
//! `PAGE_OFFSET + pa` with the page size worked out below, and holes above 1 MiB do not map.
//!
//! Page-table pages consumed (§B.10): one PUD page per PGD slot (512 GiB) touched, one PMD
//! page per PUD slot (1 GiB) touched that is not mapped with a 1G entry, one PTE page per PMD
//! slot (2 MiB) touched that is not mapped with a 2M entry. BRK (6 pages) serves while it has
//! room, except for a range that overlaps its own unused part (§B.6): the range of RAM that
//! holds the kernel image. Then memblock, top-down inside `[min_pfn_mapped, max_pfn_mapped)`.

mod common;

use common::*;
use memblock_bottomup::TopDown;
use x86_mm_mapping::{MapEvent, PageSize, PgtSource, TopDownWalk};

use PageSize::{Size1G as G1, Size2M as M2, Size4K as K4};

type Run = Booted<Recorder<TopDown>>;

fn boot_top_down(m: &TestMachine) -> Run {
    let b = boot(m, Recorder { inner: TopDown, finds: vec![] }, |_| {}, &mut TopDownWalk);
    assert_eq!(b.result, Ok(()), "{}", m.name);
    check_pgt_pages(m, &b);
    b
}

/// The memblock window each page-table page was searched in, `[from, max_addr)`, and what
/// the search returned, as the recorder saw them (page-sized searches only).
fn table_searches(b: &Run) -> Vec<(u64, u64, Option<u64>)> {
    b.mb.placement().finds.iter().filter(|(r, _)| r.size == 4096).map(|(r, found)| (r.start, r.end, *found)).collect()
}

/// `memory_map_top_down()`'s first search: the highest free 2 MiB block, giving `real_end`.
fn probe(b: &Run) -> (u64, u64, Option<u64>) {
    let (r, found) = b.mb.placement().finds[0];
    assert_eq!((r.size, r.align), (2 * MIB, 2 * MIB));
    (r.start, r.end, found)
}

/// Every memblock page lies in RAM that a completed `init_memory_mapping` call had mapped
/// when the page was taken.
fn check_taken_from_mapped_ram(b: &Run) {
    for (pa, source, done) in mapped_before_each_pgt(&b.dm) {
        if source == PgtSource::Memblock {
            assert!(done.iter().any(|&(s, e)| pa >= s && pa < e), "{pa:#x} was not mapped yet when it was taken");
        }
    }
}

#[test]
fn few_mib_with_2m_pages() {
    let m = few_mib(CPU_GB);
    let mut b = boot_top_down(&m);
    // The probe finds [10M, 12M) (the kernel and BRK sit at [2M, 5M + 24K)): real_end 12M.
    assert_eq!(probe(&b), (MIB, 12 * MIB, Some(10 * MIB)));
    // Chunks: ISA; [10M, 12M) (2M, then the step is 64M); last_start 10M <= 64M, so the next
    // chunk starts at map_start: [1M, 10M).
    assert_eq!(chunks(&b.dm), [(0, MIB), (10 * MIB, 12 * MIB), (MIB, 10 * MIB)]);
    // The ISA mapping takes the PUD page, the PMD page for [0, 1G) and the PTE page for
    // [0, 2M), all from BRK. [10M, 12M) is one 2M entry in that PMD page; [1M, 2M) reuses
    // the PTE page, [2M, 10M) is four 2M entries. Three pages by the counting rule too.
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 3);
    assert!(pgt_from(&b.dm, PgtSource::Memblock).is_empty());
    // The first MiB is mapped whole (4K, holes included); 512 4K entries in [0, 2M), five 2M
    // entries in [2M, 12M).
    assert_eq!(b.dm.walk().entries, [512, 5, 0]);
    const LAYOUT: Layout = &[(0, 2 * MIB, K4), (2 * MIB, 12 * MIB, M2)];
    let n = check_mapped(&mut b.dm, &[(0, MIB), (MIB, 12 * MIB)], LAYOUT, 4096);
    assert_eq!(n, 3072, "every page of [0, 12M)");
    // Beyond the end, PMD slots hold no RAM and were cleared; the next PUD slot is empty.
    check_unmapped(&mut b.dm, &[(12 * MIB, GIB), (GIB, 2 * GIB)], 3 * MIB + 4096);
    assert_eq!(b.dm.pfn_mapped(), [(0, 0xc00)]);
    assert_eq!((b.dm.max_pfn_mapped(), b.dm.max_low_pfn_mapped()), (0xc00, 0xc00));
}

#[test]
fn few_mib_with_4k_pages_takes_tables_from_the_first_chunk() {
    let m = few_mib(CPU_4K);
    let mut b = boot_top_down(&m);
    assert_eq!(chunks(&b.dm), [(0, MIB), (10 * MIB, 12 * MIB), (MIB, 10 * MIB)]);
    // ISA: PUD, PMD, PTE(0) from BRK. [10M, 12M): PTE page of slot 5, BRK #4 (the range does
    // not overlap BRK's unused [5M + 12K, 5M + 24K)). [1M, 10M) holds the kernel and BRK, so
    // BRK may not serve it: PTE pages of slots 1..4 come from memblock, top-down inside
    // [min_pfn_mapped, max_pfn_mapped) = [10M, 12M).
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 4);
    assert_eq!(pgt_from(&b.dm, PgtSource::Memblock), [0xbff000, 0xbfe000, 0xbfd000, 0xbfc000]);
    for (from, to, found) in table_searches(&b) {
        assert_eq!((from, to), (10 * MIB, 12 * MIB));
        assert!(found.is_some());
    }
    // 8 = 1 PUD + 1 PMD + 6 PTE pages (slots 0..5).
    assert_eq!(b.dm.pgt_pages().len(), 8);
    check_taken_from_mapped_ram(&b);
    assert_eq!(b.dm.walk().entries, [3072, 0, 0]);
    let n = check_mapped(&mut b.dm, &[(0, MIB), (MIB, 12 * MIB)], &[(0, 12 * MIB, K4)], 4096);
    assert_eq!(n, 3072);
    check_unmapped(&mut b.dm, &[(12 * MIB, 16 * MIB)], 4096);
}

/// 4 GiB, PSE but no GB pages.
#[test]
fn four_gib_with_the_pci_hole_2m_pages() {
    let m = four_gib(CPU_2M);
    let mut b = boot_top_down(&m);
    assert!(!b.dm.events().contains(&MapEvent::UsingGbPages));
    // The probe finds the top 2 MiB of RAM, [5G - 2M, 5G): real_end 5G.
    assert_eq!(probe(&b), (MIB, 5 * GIB, Some(5 * GIB - 2 * MIB)));
    // Steps: [5G-2M, 5G) (2M mapped > 0: step 64M); round_down(5G-2M-1, 64M) = 5G-64M:
    // [5G-64M, 5G-2M) (62M > 2M: step 2G); round_down(5G-64M-1, 2G) = 4G: [4G, 5G-64M)
    // (960M > 64M: step 64G); 4G <= 64G: [1M, 4G), of which RAM is [1M, 0xbff80000).
    assert_eq!(
        chunks(&b.dm),
        [
            (0, MIB),
            (0x1_3fe0_0000, 0x1_4000_0000),
            (0x1_3c00_0000, 0x1_3fe0_0000),
            (0x1_0000_0000, 0x1_3c00_0000),
            (MIB, 0xbff8_0000),
        ]
    );
    // Pages: ISA 3 (BRK); [5G-2M, 5G) needs the PMD page of PUD slot 4 (BRK #4); the next two
    // chunks fill it. [1M, 0xbff80000) overlaps BRK: memblock gives, in depth-first order,
    // the PMD pages of PUD slots 1 and 2, then the PTE page of [0xbfe00000, 0xc0000000)
    // (the 4K tail of 384 pages), top-down in the window [4G, 5G).
    // Count: 1 PUD + 4 PMD (slots 0, 1, 2, 4) + 2 PTE ([0, 2M), the tail) = 7.
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 4);
    assert_eq!(pgt_from(&b.dm, PgtSource::Memblock), [0x1_3fff_f000, 0x1_3fff_e000, 0x1_3fff_d000]);
    assert_eq!(
        table_searches(&b),
        [
            (4 * GIB, 5 * GIB, Some(0x1_3fff_f000)),
            (4 * GIB, 5 * GIB, Some(0x1_3fff_e000)),
            (4 * GIB, 5 * GIB, Some(0x1_3fff_d000))
        ]
    );
    check_taken_from_mapped_ram(&b);
    // 4K: 512 in [0, 2M) + 384 in the tail; 2M: 1534 in [2M, 0xbfe00000) + 512 in [4G, 5G).
    assert_eq!(b.dm.walk().entries, [896, 2046, 0]);
    const LAYOUT: Layout =
        &[(0, 2 * MIB, K4), (2 * MIB, 0xbfe0_0000, M2), (0xbfe0_0000, 0xbff8_0000, K4), (4 * GIB, 5 * GIB, M2)];
    let n = check_mapped(&mut b.dm, &[(0, MIB), (MIB, 0xbff8_0000), (4 * GIB, 5 * GIB)], LAYOUT, MIB + 4096);
    assert!(n > 4000);
    check_unmapped(&mut b.dm, &[(0xbff8_0000, 4 * GIB), (5 * GIB, 8 * GIB)], MIB + 4096);
    // pfn_mapped: [0, 1M) joins [1M, 0xbff80000); the three top chunks join into [4G, 5G).
    assert_eq!(b.dm.pfn_mapped(), [(0, 0xbff80), (0x10_0000, 0x14_0000)]);
    assert_eq!((b.dm.max_pfn_mapped(), b.dm.max_low_pfn_mapped()), (0x14_0000, 0xbff80));
}

/// The same machine with GB pages: the upgrade rule turns the top chunks into one 1G entry.
#[test]
fn four_gib_with_the_pci_hole_1g_pages() {
    let m = four_gib(CPU_GB);
    let mut b = boot_top_down(&m);
    assert_eq!(b.dm.events()[0], MapEvent::UsingGbPages);
    // [5G-2M, 5G) splits into one 2M piece, but its 1 GiB block [4G, 5G) is one memblock
    // region: upgraded, printed as "1G", and mapped with a 1G entry (no page). The next two
    // chunks keep that entry.
    let splits: Vec<String> =
        b.dm.events().iter().filter(|e| matches!(e, MapEvent::Split(_))).map(|e| e.to_string()).collect();
    assert_eq!(splits[1], " [mem 0x13fe00000-0x13fffffff] page 1G");
    // [1M, 0xbff80000) is cut into all five pieces: 4k [1M, 2M), 2M [2M, 1G), 1G [1G, 2G),
    // 2M [2G, 0xbfe00000) (its 1 GiB block [2G, 3G) ends past the RAM), 4k tail.
    assert_eq!(
        splits[4..],
        [
            " [mem 0x00100000-0x001fffff] page 4k",
            " [mem 0x00200000-0x3fffffff] page 2M",
            " [mem 0x40000000-0x7fffffff] page 1G",
            " [mem 0x80000000-0xbfdfffff] page 2M",
            " [mem 0xbfe00000-0xbff7ffff] page 4k",
        ]
    );
    // Pages: ISA 3 (BRK); the PMD page of PUD slot 2 and the tail's PTE page from memblock
    // (the range overlaps BRK), window [4G, 5G). 1 PUD + 2 PMD (slots 0, 2) + 2 PTE = 5.
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 3);
    assert_eq!(pgt_from(&b.dm, PgtSource::Memblock), [0x1_3fff_f000, 0x1_3fff_e000]);
    assert!(table_searches(&b).iter().all(|&(from, to, _)| (from, to) == (4 * GIB, 5 * GIB)));
    check_taken_from_mapped_ram(&b);
    // 4K 896; 2M 511 + 511; 1G [1G, 2G) and [4G, 5G).
    assert_eq!(b.dm.walk().entries, [896, 1022, 2]);
    const LAYOUT: Layout = &[
        (0, 2 * MIB, K4),
        (2 * MIB, GIB, M2),
        (GIB, 2 * GIB, G1),
        (2 * GIB, 0xbfe0_0000, M2),
        (0xbfe0_0000, 0xbff8_0000, K4),
        (4 * GIB, 5 * GIB, G1),
    ];
    check_mapped(&mut b.dm, &[(0, MIB), (MIB, 0xbff8_0000), (4 * GIB, 5 * GIB)], LAYOUT, MIB + 4096);
    // [3G, 4G) lay beyond the end of [1M, 0xbff80000) in the PUD page: no RAM, cleared.
    check_unmapped(&mut b.dm, &[(0xbff8_0000, 4 * GIB), (5 * GIB, 8 * GIB)], MIB + 4096);
}

#[test]
fn sixty_four_gib_with_2m_pages() {
    let m = sixty_four_gib(CPU_2M);
    let mut b = boot_top_down(&m);
    assert_eq!(probe(&b), (MIB, 66 * GIB, Some(66 * GIB - 2 * MIB)));
    // [66G-2M, 66G) step 64M; [66G-64M, 66G-2M) step 2G; round_down(66G-64M-1, 2G) = 64G:
    // [64G, 66G-64M) step 64G; 64G is not above 64G, so the last chunk is [1M, 64G), whose
    // RAM is [1M, 2G) and [4G, 64G).
    assert_eq!(
        chunks(&b.dm),
        [
            (0, MIB),
            (66 * GIB - 2 * MIB, 66 * GIB),
            (66 * GIB - 64 * MIB, 66 * GIB - 2 * MIB),
            (64 * GIB, 66 * GIB - 64 * MIB),
            (MIB, 2 * GIB),
            (4 * GIB, 64 * GIB),
        ]
    );
    // Pages: ISA 3 (BRK); PMD of PUD slot 65 (BRK #4); PMD of slot 64 (BRK #5); then
    // [1M, 2G) overlaps BRK: PMD of slot 1 from memblock; [4G, 64G) may use BRK again: PMD of
    // slot 4 is BRK #6, slots 5..63 (59 pages) from memblock. All memblock pages come from the
    // window [64G, 66G), top-down: 60 consecutive pages below 66G.
    // Count: 1 PUD + 64 PMD (slots 0, 1, 4..65) + 1 PTE = 66.
    assert_eq!(b.dm.pgt_pages().len(), 66);
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 6);
    let want: Vec<u64> = (1..=60).map(|i| 66 * GIB - i * 4096).collect();
    assert_eq!(pgt_from(&b.dm, PgtSource::Memblock), want);
    assert!(table_searches(&b).iter().all(|&(from, to, _)| (from, to) == (64 * GIB, 66 * GIB)));
    check_taken_from_mapped_ram(&b);
    let walk = b.dm.walk();
    assert_eq!(walk.tables.len(), 66);
    // 4K 512; 2M: 1023 in [2M, 2G) + 31744 in [4G, 66G).
    assert_eq!(walk.entries, [512, 32767, 0]);
    const LAYOUT: Layout = &[(0, 2 * MIB, K4), (2 * MIB, 2 * GIB, M2), (4 * GIB, 66 * GIB, M2)];
    check_mapped(&mut b.dm, &[(0, MIB), (MIB, 2 * GIB), (4 * GIB, 66 * GIB)], LAYOUT, 16 * MIB + 4096);
    check_unmapped(&mut b.dm, &[(2 * GIB, 4 * GIB), (66 * GIB, 70 * GIB)], 4 * MIB + 4096);
    assert_eq!(b.dm.pfn_mapped(), [(0, 0x8_0000), (0x10_0000, 0x108_0000)]);
    assert_eq!(b.dm.max_pfn_mapped(), 0x108_0000);
}

#[test]
fn one_tib_with_1g_pages() {
    let m = one_tib(CPU_GB);
    let mut b = boot_top_down(&m);
    let end = TIB + GIB;
    assert_eq!(probe(&b), (MIB, end, Some(end - 2 * MIB)));
    // Steps 2M, 64M, 2G as before, each chunk upgraded to 1G (its 1 GiB block [1T, 1T+1G) is
    // RAM); round_down(1T - 1, 64G) = 960G: [960G, 1T) maps 64G > 1G so far (step 2T);
    // 960G <= 2T: the last chunk is [1M, 960G), RAM [1M, 3G) and [4G, 960G).
    assert_eq!(
        chunks(&b.dm),
        [
            (0, MIB),
            (end - 2 * MIB, end),
            (end - 64 * MIB, end - 2 * MIB),
            (TIB, end - 64 * MIB),
            (960 * GIB, TIB),
            (MIB, 3 * GIB),
            (4 * GIB, 960 * GIB),
        ]
    );
    // Pages, all from BRK: PUD (PGD slot 0), PMD [0, 1G), PTE [0, 2M) for the ISA range; the
    // PUD page of PGD slot 2 ([1T, 1.5T)) for the first chunk; the PUD page of PGD slot 1
    // ([512G, 1T)) for [960G, 1T). Everything else is 1G entries, or 2M entries in the PMD
    // page of [0, 1G) (whose 1 GiB block spans the low hole, so no 1G there).
    // Count: 3 PUD + 1 PMD + 1 PTE = 5.
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 5);
    assert!(pgt_from(&b.dm, PgtSource::Memblock).is_empty());
    assert!(table_searches(&b).is_empty());
    // 4K 512; 2M 511; 1G: [1G, 3G) 2 + [4G, 1T+1G) 1021.
    assert_eq!(b.dm.walk().entries, [512, 511, 1023]);
    const LAYOUT: Layout = &[(0, 2 * MIB, K4), (2 * MIB, GIB, M2), (GIB, 3 * GIB, G1), (4 * GIB, TIB + GIB, G1)];
    let n = check_mapped(&mut b.dm, &[(0, MIB), (MIB, 3 * GIB), (4 * GIB, TIB + GIB)], LAYOUT, 256 * MIB + 4096);
    assert!(n > 4000);
    check_unmapped(&mut b.dm, &[(3 * GIB, 4 * GIB), (TIB + GIB, TIB + 4 * GIB)], 16 * MIB + 4096);
    assert_eq!(b.dm.pfn_mapped(), [(0, 0xc_0000), (0x10_0000, 0x1004_0000)]);
}

/// The same 1 TiB with `nogbpages`: 2M entries everywhere above 2 MiB, one PMD page per GiB.
#[test]
fn one_tib_with_nogbpages() {
    let m = TestMachine { direct_gbpages: false, ..one_tib(CPU_GB) };
    let mut b = boot_top_down(&m);
    assert!(!b.dm.events().contains(&MapEvent::UsingGbPages));
    let end = TIB + GIB;
    // Same chunks: the walk does not depend on the page sizes.
    assert_eq!(
        chunks(&b.dm)[..5],
        [(0, MIB), (end - 2 * MIB, end), (end - 64 * MIB, end - 2 * MIB), (TIB, end - 64 * MIB), (960 * GIB, TIB)]
    );
    // Count: 3 PUD + PMD pages for PUD slots [0, 3G) (3) and [4G, 1T+1G) (1021) + 1 PTE.
    assert_eq!(b.dm.pgt_pages().len(), 3 + 3 + 1021 + 1);
    // BRK: ISA 3; PUD page of PGD slot 2 and the PMD page of [1T, 1T+1G) for the first chunk;
    // the PUD page of PGD slot 1 for [960G, 1T). Then memblock: first the 64 PMD pages of
    // [960G, 1T), taken from the window [1T, 1T+1G) (min_pfn_mapped = 1T).
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 6);
    let searches = table_searches(&b);
    assert_eq!(searches.len(), 1028 - 6);
    assert!(searches[..64].iter().all(|&(from, to, _)| (from, to) == (TIB, end)));
    // The last chunk's tables come from the window [960G, 1T+1G): still top-down from the
    // top, so all 1022 memblock pages are consecutive below 1T+1G.
    assert!(searches[64..].iter().all(|&(from, to, _)| (from, to) == (960 * GIB, end)));
    let want: Vec<u64> = (1..=1022).map(|i| end - i * 4096).collect();
    assert_eq!(pgt_from(&b.dm, PgtSource::Memblock), want);
    check_taken_from_mapped_ram(&b);
    const LAYOUT: Layout = &[(0, 2 * MIB, K4), (2 * MIB, 3 * GIB, M2), (4 * GIB, TIB + GIB, M2)];
    check_mapped(&mut b.dm, &[(0, MIB), (MIB, 3 * GIB), (4 * GIB, TIB + GIB)], LAYOUT, 1024 * MIB + 4096);
}
