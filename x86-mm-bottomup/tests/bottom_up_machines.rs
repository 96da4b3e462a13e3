//! The machines of `x86-mm-mapping`'s tests (a few MiB, 4 GiB with the PCI hole, 64 GiB,
//! 1 TiB with 1 GiB pages) built bottom-up, worked by hand. The mapping must be the very same
//! as top-down (same entries, same page sizes; only where the tables live differs), and every
//! table memblock gives must sit at or above `kernel_end`, packed: the k-th one is the k-th
//! free page from `kernel_end` up. The number of tables is the same in both directions:
//! §B.10's count depends on what is mapped, not on the order.

#[path = "../../x86-mm-mapping/tests/common/mod.rs"]
mod common;

use common::*;
use memblock_bottomup::{BottomUp, BottomUpPlacement, TopDown};
use x86_mm_bottomup::{PageSize, PgtSource, SeriesWalk, TopDownWalk};

use PageSize::{Size1G as G1, Size2M as M2, Size4K as K4};

fn bottom_up(m: &TestMachine) -> Booted<BottomUpPlacement> {
    let b = boot(m, BottomUpPlacement::new(m.kernel_end), |mb| mb.set_bottom_up(true), &mut SeriesWalk);
    assert_eq!(b.result, Ok(()), "{}", m.name);
    assert!(!b.mb.placement().warned(), "{}: no search may fall back", m.name);
    check_pgt_pages(m, &b);
    b
}

fn top_down(m: &TestMachine) -> Booted<TopDown> {
    let b = boot(m, TopDown, |_| {}, &mut TopDownWalk);
    assert_eq!(b.result, Ok(()), "{}", m.name);
    b
}

/// The same leaves in both directions, read by the walker; and the hand-worked layout through
/// both walkers on the bottom-up tables.
fn same_mapping(m: &TestMachine, bu: &mut Booted<BottomUpPlacement>, layout: Layout, stride: u64) {
    let td = top_down(m);
    let (wb, wt) = (bu.dm.walk(), td.dm.walk());
    assert_eq!(wb.runs, wt.runs, "{}: the mapping differs", m.name);
    assert_eq!(wb.entries, wt.entries);
    assert_eq!(bu.dm.pfn_mapped(), td.dm.pfn_mapped());
    assert_eq!(bu.dm.max_pfn_mapped(), td.dm.max_pfn_mapped());
    assert_eq!(bu.dm.pgt_pages().len(), td.dm.pgt_pages().len(), "{}: table count", m.name);
    let mut ranges = vec![(0, MIB)];
    ranges.extend(m.ram_ranges().into_iter().filter(|&(s, _)| s >= MIB));
    check_mapped(&mut bu.dm, &ranges, layout, stride);
}

/// Every memblock table at or above kernel_end, and exactly the first free pages there.
fn packed_above_kernel(m: &TestMachine, b: &Booted<BottomUpPlacement>) -> Vec<u64> {
    let mb_pages = pgt_from(&b.dm, PgtSource::Memblock);
    assert!(mb_pages.iter().all(|&pa| pa >= m.kernel_end));
    assert_eq!(mb_pages, m.free_pages_from(m.kernel_end, mb_pages.len()), "{}: not packed", m.name);
    // Taken from RAM already mapped by a completed call.
    for (pa, source, done) in mapped_before_each_pgt(&b.dm) {
        if source == PgtSource::Memblock {
            assert!(done.iter().any(|&(s, e)| pa >= s && pa < e), "{pa:#x} not mapped yet");
        }
    }
    mb_pages
}

#[test]
fn few_mib_2m() {
    let m = few_mib(CPU_GB);
    let mut b = bottom_up(&m);
    // kernel_end 6M: [6M, 8M) (step 64M), [8M, 12M); then [1M, 2M) (step 64M), [2M, 6M).
    assert_eq!(chunks(&b.dm), [(0, MIB), (6 * MIB, 8 * MIB), (8 * MIB, 12 * MIB), (MIB, 2 * MIB), (2 * MIB, 6 * MIB)]);
    // ISA's three BRK pages are all it needs.
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 3);
    assert!(packed_above_kernel(&m, &b).is_empty());
    same_mapping(&m, &mut b, &[(0, 2 * MIB, K4), (2 * MIB, 12 * MIB, M2)], 4096);
}

#[test]
fn few_mib_4k() {
    let m = few_mib(CPU_4K);
    let mut b = bottom_up(&m);
    // BRK: ISA 3; PTE pages of [6M, 8M), [8M, 10M), [10M, 12M) (those ranges do not overlap
    // BRK at 5M). Below the kernel, [1M, 2M) has its PTE page; [2M, 6M) needs two more, from
    // memblock: the first two free pages from kernel_end = 6M up.
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 6);
    assert_eq!(packed_above_kernel(&m, &b), [0x60_0000, 0x60_1000]);
    same_mapping(&m, &mut b, &[(0, 12 * MIB, K4)], 4096);
}

#[test]
fn four_gib_2m() {
    let m = four_gib(CPU_2M);
    let mut b = bottom_up(&m);
    // kernel_end 36M: [36M, 38M) (step 64M), [38M, 64M) (26M > 2M: step 2G),
    // [64M, 2G) (step 64G), then 5G - 2G <= 64G: [2G, 5G) = RAM [2G, 0xbff80000) and [4G, 5G);
    // below: [1M, 2M), [2M, 36M).
    assert_eq!(
        chunks(&b.dm),
        [
            (0, MIB),
            (36 * MIB, 38 * MIB),
            (38 * MIB, 64 * MIB),
            (64 * MIB, 2 * GIB),
            (2 * GIB, 0xbff8_0000),
            (4 * GIB, 5 * GIB),
            (MIB, 2 * MIB),
            (2 * MIB, 36 * MIB),
        ]
    );
    // BRK: ISA 3, PMD of PUD slot 1, PMD of slot 2, PTE of the 4K tail; memblock: PMD of
    // slot 4, at kernel_end. Top-down took the last three from the top of RAM instead.
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 6);
    assert_eq!(packed_above_kernel(&m, &b), [36 * MIB]);
    const LAYOUT: Layout =
        &[(0, 2 * MIB, K4), (2 * MIB, 0xbfe0_0000, M2), (0xbfe0_0000, 0xbff8_0000, K4), (4 * GIB, 5 * GIB, M2)];
    same_mapping(&m, &mut b, LAYOUT, MIB + 4096);
    check_unmapped(&mut b.dm, &[(0xbff8_0000, 4 * GIB), (5 * GIB, 6 * GIB)], MIB + 4096);
}

#[test]
fn four_gib_1g() {
    let m = four_gib(CPU_GB);
    let mut b = bottom_up(&m);
    // [64M, 2G) is 2M pieces up to 1G and a 1G entry for [1G, 2G); [2G, 0xbff80000) needs
    // the PMD page of PUD slot 2 and the tail's PTE page; [4G, 5G) is one 1G entry. All five
    // tables from BRK.
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 5);
    assert!(packed_above_kernel(&m, &b).is_empty());
    const LAYOUT: Layout = &[
        (0, 2 * MIB, K4),
        (2 * MIB, GIB, M2),
        (GIB, 2 * GIB, G1),
        (2 * GIB, 0xbfe0_0000, M2),
        (0xbfe0_0000, 0xbff8_0000, K4),
        (4 * GIB, 5 * GIB, G1),
    ];
    same_mapping(&m, &mut b, LAYOUT, MIB + 4096);
}

#[test]
fn sixty_four_gib_2m() {
    let m = sixty_four_gib(CPU_2M);
    let mut b = bottom_up(&m);
    // [36M, 38M), [38M, 64M), [64M, 2G) (PMD of PUD slot 1: BRK #4; step 64G), then
    // 66G - 2G = 64G is not more than the step: [2G, 66G) in one chunk, RAM [4G, 66G): PMD
    // pages of slots 4 and 5 from BRK (#5, #6), slots 6..65 (60 pages) from memblock, packed
    // from 36M: [36M, 36M + 240K).
    assert_eq!(
        chunks(&b.dm)[1..5],
        [(36 * MIB, 38 * MIB), (38 * MIB, 64 * MIB), (64 * MIB, 2 * GIB), (4 * GIB, 66 * GIB)]
    );
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 6);
    let want: Vec<u64> = (0..60).map(|i| 36 * MIB + i * 4096).collect();
    assert_eq!(packed_above_kernel(&m, &b), want);
    const LAYOUT: Layout = &[(0, 2 * MIB, K4), (2 * MIB, 2 * GIB, M2), (4 * GIB, 66 * GIB, M2)];
    same_mapping(&m, &mut b, LAYOUT, 16 * MIB + 4096);
}

#[test]
fn one_tib_1g() {
    let m = one_tib(CPU_GB);
    let mut b = bottom_up(&m);
    let end = TIB + GIB;
    // [36M, 38M), [38M, 64M), [64M, 2G) (step 64G), [2G, round_up(2G + 1, 64G) = 64G)
    // (61G > 2G: step 2T), then the rest [64G, 1T + 1G): the PUD pages of PGD slots 1 and 2.
    assert_eq!(
        chunks(&b.dm)[1..7],
        [
            (36 * MIB, 38 * MIB),
            (38 * MIB, 64 * MIB),
            (64 * MIB, 2 * GIB),
            (2 * GIB, 3 * GIB),
            (4 * GIB, 64 * GIB),
            (64 * GIB, end)
        ]
    );
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 5);
    assert!(packed_above_kernel(&m, &b).is_empty());
    const LAYOUT: Layout = &[(0, 2 * MIB, K4), (2 * MIB, GIB, M2), (GIB, 3 * GIB, G1), (4 * GIB, TIB + GIB, G1)];
    same_mapping(&m, &mut b, LAYOUT, 256 * MIB + 4096);
}

/// Two nodes: node 0 = [0, 4G) holds the kernel; node 1 = [4G, 66G) is the hotpluggable one
/// (SRAT will say so later; at this point memblock does not know nodes). Top-down puts every
/// memblock table at the top of node 1 and pins it; bottom-up keeps all of them in node 0.
#[test]
fn no_table_in_the_top_node_of_a_two_node_machine() {
    let m = sixty_four_gib(CPU_2M);
    let node1 = 4 * GIB..66 * GIB;
    let td = top_down(&m);
    let td_tables = pgt_from(&td.dm, PgtSource::Memblock);
    assert_eq!(td_tables.len(), 60);
    assert!(td_tables.iter().all(|pa| node1.contains(pa)), "top-down: at the top of node 1");
    let bu = bottom_up(&m);
    assert!(bu.dm.pgt_pages().iter().all(|p| !node1.contains(&p.pa)), "bottom-up: nothing in node 1");
    assert!(bu.dm.pgt_pages().iter().all(|p| p.pa < 37 * MIB), "bottom-up: all within 1 MiB above the kernel");
    // And with 4K pages the 4 GiB machine's 2048 PTE pages: none in node 1 either.
    let m = four_gib(CPU_4K);
    let bu = bottom_up(&m);
    // 1 PUD + 4 PMD + PTE pages for [0, 0xbff80000) (1536) and [4G, 5G) (512).
    assert_eq!(bu.dm.pgt_pages().len(), 1 + 4 + 1536 + 512);
    assert!(bu.dm.pgt_pages().iter().all(|p| p.pa < 4 * GIB));
    let mb_pages = packed_above_kernel(&m, &bu);
    assert_eq!(mb_pages.len(), 1 + 4 + 1536 + 512 - 6);
    assert_eq!(mb_pages[0], 36 * MIB);
}
