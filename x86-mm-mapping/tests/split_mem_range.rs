//! `split_mem_range()` on ranges worked by hand from the kernel's five steps (spec §B.4):
//! head 4K up to the first 2 MiB boundary; 2M up to the first 1 GiB boundary (capped at the
//! last 2 MiB boundary); 1G over the 1 GiB-aligned middle; tail 2M; tail 4K. A step that
//! saves nothing leaves `pfn` where it was. Then each piece lacking 2M (1G) gets it when its
//! block rounded outwards to 2 MiB (1 GiB) lies inside one memblock memory region, and
//! touching pieces of equal size merge. Each case below says which steps produce what.

use x86_mm_mapping::{MapEvent, MapRange, NR_RANGE_MR, PageSizeMask, split_mem_range};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

const ALL: PageSizeMask = PageSizeMask::SIZE_2M.union(PageSizeMask::SIZE_1G);
const PSE: PageSizeMask = PageSizeMask::SIZE_2M;
const NONE: PageSizeMask = PageSizeMask::empty();

/// `memblock_is_region_memory()` over a hand-written list of memory regions: `[base,
/// base + size)` must lie inside one of them.
fn memory(regions: &'static [(u64, u64)]) -> impl Fn(u64, u64) -> bool {
    move |base, size| regions.iter().any(|&(s, e)| base >= s && base + size <= e)
}

/// A PC: RAM below the EBDA and from 1 MiB to 4 GiB, the 640K-1M hole between.
const PC: &[(u64, u64)] = &[(0x1000, 0x9f000), (MIB, 4 * GIB)];

fn split(start: u64, end: u64, global: PageSizeMask, regions: &'static [(u64, u64)]) -> Vec<MapRange> {
    split_mem_range(start, end, global, memory(regions)).as_slice().collect()
}

fn r(start: u64, end: u64, mask: PageSizeMask) -> MapRange {
    MapRange { start, end, mask }
}

/// The kernel's debug lines for the pieces.
fn lines(pieces: &[MapRange]) -> Vec<String> {
    pieces.iter().map(|p| p.to_string()).collect()
}

#[test]
fn spec_example_1mib_to_2gib_on_a_pc() {
    // pfn 0x100: head to round_up(0x100, 512) = 0x200 -> [1M, 2M) 4k; 2M from 0x200 to
    // round_up(0x200, 0x40000) = 0x40000 -> [2M, 1G); 1G from 0x40000 to
    // round_down(0x80000, 0x40000) = 0x80000 -> [1G, 2G); both tails empty.
    // Upgrades: the head's 2 MiB block [0, 2M) spans the 640K-1M hole (two regions), the 2M
    // piece's 1 GiB block [0, 1G) too: nothing changes.
    let got = split(MIB, 2 * GIB, ALL, PC);
    assert_eq!(got, [r(MIB, 2 * MIB, NONE), r(2 * MIB, GIB, PSE), r(GIB, 2 * GIB, ALL)]);
    assert_eq!(
        lines(&got),
        [
            " [mem 0x00100000-0x001fffff] page 4k",
            " [mem 0x00200000-0x3fffffff] page 2M",
            " [mem 0x40000000-0x7fffffff] page 1G"
        ]
    );
}

#[test]
fn spec_example_first_mib_is_one_4k_range() {
    // pfn 0: round_up(0, 512) = 0, so the head is empty and so is every other step but the
    // tail 4K [0, 0x100). [0, 2M) is not one region on a PC: it stays 4k.
    let got = split(0, MIB, ALL, PC);
    assert_eq!(got, [r(0, MIB, NONE)]);
    assert_eq!(lines(&got), [" [mem 0x00000000-0x000fffff] page 4k"]);
}

#[test]
fn upgrade_when_the_whole_block_is_memory() {
    // The same two ranges when one region covers everything: each piece's 2 MiB block and
    // then its 1 GiB block are memory, so every piece gets 2M and 1G, and the merge pass
    // joins them into one "1G" piece (the kernel then maps [0, 1G) with a 1G entry).
    let all_memory: &[(u64, u64)] = &[(0, 4 * GIB)];
    assert_eq!(split(MIB, 2 * GIB, ALL, all_memory), [r(MIB, 2 * GIB, ALL)]);
    assert_eq!(split(0, MIB, ALL, all_memory), [r(0, MIB, ALL)]);
    // With PSE only, only the 2M bit can be added: one "2M" piece.
    assert_eq!(split(MIB, 2 * GIB, PSE, all_memory), [r(MIB, 2 * GIB, PSE)]);
}

#[test]
fn unaligned_at_both_ends_gives_all_five_pieces() {
    // [0x12345000, 0x87654000), memory exactly this range (so no rounded block fits).
    // pfn 0x12345, limit 0x87654:
    //   head  [0x12345, round_up(.., 0x200) = 0x12400)                   4k
    //   2M    [0x12400, min(round_up(0x12400, 0x40000) = 0x40000, 0x87600)) 2M
    //   1G    [0x40000, round_down(0x87654, 0x40000) = 0x80000)          1G
    //   tail  [0x80000, round_down(0x87654, 0x200) = 0x87600)            2M
    //   tail  [0x87600, 0x87654)                                         4k
    const EXACT: &[(u64, u64)] = &[(0x1234_5000, 0x8765_4000)];
    let got = split(0x1234_5000, 0x8765_4000, ALL, EXACT);
    assert_eq!(got.len(), NR_RANGE_MR);
    assert_eq!(
        lines(&got),
        [
            " [mem 0x12345000-0x123fffff] page 4k",
            " [mem 0x12400000-0x3fffffff] page 2M",
            " [mem 0x40000000-0x7fffffff] page 1G",
            " [mem 0x80000000-0x875fffff] page 2M",
            " [mem 0x87600000-0x87653fff] page 4k",
        ]
    );
}

#[test]
fn unaligned_with_pse_only_merges_the_three_2m_pieces() {
    // Same cut; the 1G step's mask is global & (2M|1G) = 2M, so the middle three pieces all
    // carry 2M and merge (the pass looks at the same index again after each merge).
    const EXACT: &[(u64, u64)] = &[(0x1234_5000, 0x8765_4000)];
    let got = split(0x1234_5000, 0x8765_4000, PSE, EXACT);
    assert_eq!(
        got,
        [r(0x1234_5000, 0x1240_0000, NONE), r(0x1240_0000, 0x8760_0000, PSE), r(0x8760_0000, 0x8765_4000, NONE)]
    );
    assert_eq!(lines(&got)[1], " [mem 0x12400000-0x875fffff] page 2M");
}

#[test]
fn without_pse_everything_is_one_4k_piece() {
    // Every step's mask is 0 and no upgrade is possible without the bit in the global mask,
    // even when all is memory: the five pieces merge into one.
    const ALL_MEMORY: &[(u64, u64)] = &[(0, 4 * GIB)];
    assert_eq!(split(0x1234_5000, 0x8765_4000, NONE, ALL_MEMORY), [r(0x1234_5000, 0x8765_4000, NONE)]);
    assert_eq!(split(MIB, 2 * GIB, NONE, ALL_MEMORY), [r(MIB, 2 * GIB, NONE)]);
}

#[test]
fn gb_pages_without_pse() {
    // A mask with 1G but not 2M: the 2M step saves mask 0, the 1G step saves 1G. Head and 2M
    // piece (both 0) merge: [1M, 1G) 4k, [1G, 2G) 1G. No 2M upgrade (not in the mask); the 1G
    // upgrade of [1M, 1G) needs [0, 1G), which spans the PC's hole.
    let got = split(MIB, 2 * GIB, PageSizeMask::SIZE_1G, PC);
    assert_eq!(got, [r(MIB, GIB, NONE), r(GIB, 2 * GIB, PageSizeMask::SIZE_1G)]);
    assert_eq!(lines(&got), [" [mem 0x00100000-0x3fffffff] page 4k", " [mem 0x40000000-0x7fffffff] page 1G"]);
}

#[test]
fn unaligned_with_the_2mib_blocks_in_memory() {
    // Memory [0x12200000, 0x87800000): the 2 MiB-rounded blocks of head and tail fit, the
    // 1 GiB blocks ([0, 1G), [2G, 3G)) do not. Head and tail gain 2M; then head+2M piece
    // merge, and 2M tail + tail merge.
    const ROUNDED: &[(u64, u64)] = &[(0x1220_0000, 0x8780_0000)];
    let got = split(0x1234_5000, 0x8765_4000, ALL, ROUNDED);
    assert_eq!(
        got,
        [r(0x1234_5000, 0x4000_0000, PSE), r(0x4000_0000, 0x8000_0000, ALL), r(0x8000_0000, 0x8765_4000, PSE)]
    );
    assert_eq!(lines(&got)[0], " [mem 0x12345000-0x3fffffff] page 2M");
    assert_eq!(lines(&got)[2], " [mem 0x80000000-0x87653fff] page 2M");
}

#[test]
fn below_2mib() {
    // [4K, 636K): head [1, min(0x200, 0x9f)) = [1, 0x9f); then pfn 0x9f, the 2M step would be
    // [0x200, round_down(0x9f, 0x200) = 0) and the tails [0x200, 0) and [0x9f, 0x9f): empty.
    assert_eq!(split(0x1000, 0x9f000, ALL, PC), [r(0x1000, 0x9f000, NONE)]);
    // [1M, 2M): the head only; [0, 2M) is not one region.
    assert_eq!(split(MIB, 2 * MIB, ALL, PC), [r(MIB, 2 * MIB, NONE)]);
    // Inside one 2 MiB block, touching neither edge: 4k; with [1M, 4G) memory the block
    // [0x200000, 0x400000) is memory: 2M, and its 1 GiB block [0, 1G) is not.
    assert_eq!(split(0x25_0000, 0x2a_0000, ALL, PC), [r(0x25_0000, 0x2a_0000, PSE)]);
    assert_eq!(split(0x25_0000, 0x2a_0000, ALL, &[(0x24_0000, 0x30_0000)]), [r(0x25_0000, 0x2a_0000, NONE)]);
    assert_eq!(lines(&split(0x1000, 0x9f000, ALL, PC)), [" [mem 0x00001000-0x0009efff] page 4k"]);
}

#[test]
fn spanning_a_1gib_boundary() {
    // [1G - 2M, 1G + 2M): head empty (aligned); 2M [0x3fe00, min(0x40000, 0x40200)) =
    // [1G-2M, 1G); 1G [0x40000, round_down(0x40200, 0x40000) = 0x40000) empty; tail 2M
    // [0x40000, 0x40200) = [1G, 1G+2M); tail 4k empty. Upgrades on a PC: [0, 1G) spans the
    // hole, [1G, 2G) is inside [1M, 4G): the tail becomes 1G. No merge (2M vs 1G).
    let got = split(GIB - 2 * MIB, GIB + 2 * MIB, ALL, PC);
    assert_eq!(got, [r(GIB - 2 * MIB, GIB, PSE), r(GIB, GIB + 2 * MIB, ALL)]);
    assert_eq!(lines(&got), [" [mem 0x3fe00000-0x3fffffff] page 2M", " [mem 0x40000000-0x401fffff] page 1G"]);
    // Memory ending at 1G + 1M: [1G, 2G) is not memory, the tail stays 2M and merges.
    let short: &[(u64, u64)] = &[(MIB, GIB + MIB)];
    assert_eq!(split(GIB - 2 * MIB, GIB + 2 * MIB, ALL, short), [r(GIB - 2 * MIB, GIB + 2 * MIB, PSE)]);
}

#[test]
fn spanning_two_1gib_boundaries_with_an_empty_2m_step() {
    // [1G - 1M, 3G + 1M): head [0x3ff00, 0x40000) 4k, pfn 0x40000; the 2M step is
    // [0x40000, round_up(0x40000, 0x40000) = 0x40000): empty, pfn unchanged; 1G [1G, 3G);
    // tail 2M [0xc0000, 0xc0000) empty; tail 4k [3G, 3G + 1M).
    // Memory [1M, 3G + 1M): the head's block [1G - 2M, 1G) fits (2M), its 1 GiB block does
    // not; the tail's block [3G, 3G + 2M) ends past the memory: stays 4k.
    const MEM: &[(u64, u64)] = &[(MIB, 3 * GIB + MIB)];
    let got = split(GIB - MIB, 3 * GIB + MIB, ALL, MEM);
    assert_eq!(got, [r(GIB - MIB, GIB, PSE), r(GIB, 3 * GIB, ALL), r(3 * GIB, 3 * GIB + MIB, NONE)]);
    assert_eq!(
        lines(&got),
        [
            " [mem 0x3ff00000-0x3fffffff] page 2M",
            " [mem 0x40000000-0xbfffffff] page 1G",
            " [mem 0xc0000000-0xc00fffff] page 4k"
        ]
    );
    // Without GB pages: the same cut, the 1G piece carries 2M and merges with the head.
    assert_eq!(
        split(GIB - MIB, 3 * GIB + MIB, PSE, MEM),
        [r(GIB - MIB, 3 * GIB, PSE), r(3 * GIB, 3 * GIB + MIB, NONE)]
    );
}

#[test]
fn no_upgrade_across_a_memory_hole() {
    // Memory [1M, 2G - 1M) and [2G, 4G): a 1 MiB hole below 2G. Mapping [2G - 2M, 2G - 1M)
    // (the RAM just below the hole): every step but tail 4k is empty; the 2 MiB block
    // [2G - 2M, 2G) contains the hole, so it is not inside one region: it stays 4k.
    const HOLE: &[(u64, u64)] = &[(MIB, 2 * GIB - MIB), (2 * GIB, 4 * GIB)];
    let got = split(2 * GIB - 2 * MIB, 2 * GIB - MIB, ALL, HOLE);
    assert_eq!(got, [r(2 * GIB - 2 * MIB, 2 * GIB - MIB, NONE)]);
    assert_eq!(lines(&got), [" [mem 0x7fe00000-0x7fefffff] page 4k"]);
    // Without the hole the block is memory (2M), and so is its 1 GiB block [1G, 2G) (1G).
    const NO_HOLE: &[(u64, u64)] = &[(MIB, 4 * GIB)];
    assert_eq!(split(2 * GIB - 2 * MIB, 2 * GIB - MIB, ALL, NO_HOLE), [r(2 * GIB - 2 * MIB, 2 * GIB - MIB, ALL)]);
    // Two regions that touch but are separate (memblock keeps regions of different nodes
    // apart): a block must lie in ONE region. [2G - 1M, 2G + 1M) is cut into head
    // [2G - 1M, 2G) and tail 4k [2G, 2G + 1M); each one's 2 MiB block lies in its own
    // region, so each gains 2M; the 1 GiB blocks [1G, 2G) and [2G, 3G) too: 1G, and the two
    // merge.
    const TWO_NODES: &[(u64, u64)] = &[(MIB, 2 * GIB), (2 * GIB, 4 * GIB)];
    assert_eq!(split(2 * GIB - MIB, 2 * GIB + MIB, ALL, TWO_NODES), [r(2 * GIB - MIB, 2 * GIB + MIB, ALL)]);
    // The 1G upgrade of two 2M pieces on either side of that boundary: [1G + 2M, 3G - 2M)
    // is cut by the 2M step at round_up(0x40200, 0x40000) = 0x80000 into [1G + 2M, 2G) and,
    // the 1G step being empty ([0x80000, round_down(0xbfe00, 0x40000) = 0x80000)), the tail
    // 2M [2G, 3G - 2M). [1G, 2G) lies in the first region, [2G, 3G) in the second: both 1G,
    // merged.
    assert_eq!(split(GIB + 2 * MIB, 3 * GIB - 2 * MIB, ALL, TWO_NODES), [r(GIB + 2 * MIB, 3 * GIB - 2 * MIB, ALL)]);
    // With the regions split at 1.5G instead, [1G, 2G) no longer lies in one region (the
    // first piece stays 2M); [2G, 3G) still does.
    const SPLIT_MID: &[(u64, u64)] = &[(MIB, 0x6000_0000), (0x6000_0000, 4 * GIB)];
    assert_eq!(
        split(GIB + 2 * MIB, 3 * GIB - 2 * MIB, ALL, SPLIT_MID),
        [r(GIB + 2 * MIB, 2 * GIB, PSE), r(2 * GIB, 3 * GIB - 2 * MIB, ALL)]
    );
}

#[test]
fn merge_of_equal_neighbours_only() {
    // [2M, 3G) on a PC with GB pages: 2M [2M, 1G), 1G [1G, 3G): different masks, no merge.
    assert_eq!(split(2 * MIB, 3 * GIB, ALL, PC), [r(2 * MIB, GIB, PSE), r(GIB, 3 * GIB, ALL)]);
    // With PSE only both carry 2M: one piece.
    assert_eq!(split(2 * MIB, 3 * GIB, PSE, PC), [r(2 * MIB, 3 * GIB, PSE)]);
    // An empty range gives no piece at all.
    assert!(split_mem_range(5 * MIB, 5 * MIB, ALL, memory(PC)).is_empty());
}

#[test]
fn split_lines_as_the_mapping_logs_them() {
    // The same text through the event the mapping records.
    let piece = r(0x1_3fe0_0000, 0x1_4000_0000, ALL);
    assert_eq!(MapEvent::Split(piece).to_string(), " [mem 0x13fe00000-0x13fffffff] page 1G");
    // %#010lx pads to 10 characters including 0x, so small addresses show 8 hex digits.
    assert_eq!(r(0, 0x1000, NONE).to_string(), " [mem 0x00000000-0x00000fff] page 4k");
    assert_eq!(
        MapEvent::InitMemoryMapping { start: 0, end: MIB }.to_string(),
        "init_memory_mapping: [mem 0x00000000-0x000fffff]"
    );
}
