//! `memblock_add()` and `memblock_add_node()` (spec §A.3, §A.4): insertion of the uncovered
//! parts only, merging of touching regions of the same node, capping at the top of the address
//! space. Expected regions are worked out by hand from the kernel's rules.

mod common;

use common::{assert_merged, assert_sound, assert_total, regions};
use memblock_topdown::{MAX_NUMNODES, Memblock};

const ANY: i32 = MAX_NUMNODES;

fn check(mb: &Memblock) {
    assert_sound(mb);
    assert_merged(mb.memory());
    assert_total(mb.memory());
}

#[test]
fn add_to_empty_sets_the_first_region_and_total() {
    let mut mb = Memblock::new();
    mb.add(0x1000_0000, 0x1000_0000).unwrap();
    // The empty array's dummy becomes the region; total_size is set to its size.
    assert_eq!(regions(mb.memory()), [(0x1000_0000, 0x1000_0000, ANY)]);
    assert_eq!(mb.memory().cnt(), 1);
    assert_eq!(mb.memory().total_size(), 0x1000_0000);
    assert_eq!(mb.phys_mem_size(), 0x1000_0000);
    // Reserved is untouched by an add.
    assert!(mb.reserved().is_empty());
    check(&mb);
}

#[test]
fn disjoint_adds_stay_apart_and_sorted() {
    let mut mb = Memblock::new();
    // Out of order on purpose: the array is kept sorted by base.
    mb.add(0x5000, 0x1000).unwrap();
    mb.add(0x1000, 0x1000).unwrap();
    mb.add(0x3000, 0x1000).unwrap();
    assert_eq!(regions(mb.memory()), [(0x1000, 0x1000, ANY), (0x3000, 0x1000, ANY), (0x5000, 0x1000, ANY)]);
    assert_eq!(mb.memory().cnt(), 3);
    assert_eq!(mb.memory().total_size(), 0x3000);
    check(&mb);
}

#[test]
fn a_chain_of_touching_regions_collapses_into_one() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x1000).unwrap(); // A [0x1000, 0x2000)
    mb.add(0x3000, 0x1000).unwrap(); // C [0x3000, 0x4000)
    mb.add(0x5000, 0x1000).unwrap(); // E [0x5000, 0x6000)
    // [0x2000, 0x5000) touches A, covers the gap, C, the next gap, and touches E. The two gaps
    // [0x2000, 0x3000) and [0x4000, 0x5000) are inserted, then the merge walk re-checks the
    // same index after each merge, so A..E collapse into [0x1000, 0x6000).
    mb.add(0x2000, 0x3000).unwrap();
    assert_eq!(regions(mb.memory()), [(0x1000, 0x5000, ANY)]);
    assert_eq!(mb.memory().cnt(), 1);
    // 3 × 0x1000 before, plus the two gaps of 0x1000.
    assert_eq!(mb.memory().total_size(), 0x5000);
    check(&mb);
}

#[test]
fn touching_regions_merge_from_either_side() {
    let mut mb = Memblock::new();
    mb.add(0x2000, 0x1000).unwrap();
    mb.add(0x3000, 0x1000).unwrap(); // touches from above
    mb.add(0x1000, 0x1000).unwrap(); // touches from below
    assert_eq!(regions(mb.memory()), [(0x1000, 0x3000, ANY)]);
    check(&mb);
}

#[test]
fn overlap_at_the_top_adds_only_the_part_above() {
    let mut mb = Memblock::new();
    mb.add(0x2000, 0x2000).unwrap(); // [0x2000, 0x4000)
    mb.add(0x3000, 0x3000).unwrap(); // [0x3000, 0x6000): new piece [0x4000, 0x6000)
    assert_eq!(regions(mb.memory()), [(0x2000, 0x4000, ANY)]);
    assert_eq!(mb.memory().total_size(), 0x4000);
    check(&mb);
}

#[test]
fn overlap_at_the_bottom_adds_only_the_part_below() {
    let mut mb = Memblock::new();
    mb.add(0x2000, 0x2000).unwrap(); // [0x2000, 0x4000)
    mb.add(0x1000, 0x2000).unwrap(); // [0x1000, 0x3000): new piece [0x1000, 0x2000)
    assert_eq!(regions(mb.memory()), [(0x1000, 0x3000, ANY)]);
    assert_eq!(mb.memory().total_size(), 0x3000);
    check(&mb);
}

#[test]
fn a_range_within_an_existing_region_changes_nothing() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x4000).unwrap();
    mb.add(0x2000, 0x1000).unwrap();
    assert_eq!(regions(mb.memory()), [(0x1000, 0x4000, ANY)]);
    assert_eq!(mb.memory().total_size(), 0x4000);
    check(&mb);
}

#[test]
fn adding_the_same_range_twice_changes_nothing() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x4000).unwrap();
    mb.add(0x1000, 0x4000).unwrap();
    assert_eq!(regions(mb.memory()), [(0x1000, 0x4000, ANY)]);
    assert_eq!(mb.memory().cnt(), 1);
    assert_eq!(mb.memory().total_size(), 0x4000);
    check(&mb);
}

#[test]
fn a_range_covering_a_region_grows_it_on_both_sides() {
    let mut mb = Memblock::new();
    mb.add(0x2000, 0x1000).unwrap();
    // Pieces [0x1000, 0x2000) and [0x3000, 0x5000) around the old region, then one merge.
    mb.add(0x1000, 0x4000).unwrap();
    assert_eq!(regions(mb.memory()), [(0x1000, 0x4000, ANY)]);
    assert_eq!(mb.memory().total_size(), 0x4000);
    check(&mb);
}

#[test]
fn a_range_exactly_between_two_regions_joins_them() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x1000).unwrap();
    mb.add(0x3000, 0x1000).unwrap();
    mb.add(0x2000, 0x1000).unwrap();
    assert_eq!(regions(mb.memory()), [(0x1000, 0x3000, ANY)]);
    assert_eq!(mb.memory().total_size(), 0x3000);
    check(&mb);
}

#[test]
fn add_node_keeps_the_node_of_what_is_already_there() {
    let mut mb = Memblock::new();
    mb.add_node(0x1000, 0x2000, 1).unwrap(); // [0x1000, 0x3000) on node 1
    // [0, 0x5000) on node 2: only the gaps [0, 0x1000) and [0x3000, 0x5000) are inserted, with
    // node 2; the old part keeps node 1, and touching regions of different nodes stay apart.
    mb.add_node(0, 0x5000, 2).unwrap();
    assert_eq!(regions(mb.memory()), [(0, 0x1000, 2), (0x1000, 0x2000, 1), (0x3000, 0x2000, 2)]);
    assert_eq!(mb.memory().total_size(), 0x5000);
    check(&mb);
}

#[test]
fn plain_add_gives_max_numnodes_and_never_relabels() {
    let mut mb = Memblock::new();
    mb.add_node(0x1000, 0x1000, 0).unwrap();
    mb.add(0x1000, 0x2000).unwrap(); // new piece [0x2000, 0x3000) with MAX_NUMNODES
    assert_eq!(regions(mb.memory()), [(0x1000, 0x1000, 0), (0x2000, 0x1000, ANY)]);
    check(&mb);
}

#[test]
fn touching_regions_of_one_node_merge_and_of_two_nodes_do_not() {
    let mut mb = Memblock::new();
    mb.add_node(0, 0x1000, 0).unwrap();
    mb.add_node(0x1000, 0x1000, 1).unwrap();
    assert_eq!(regions(mb.memory()), [(0, 0x1000, 0), (0x1000, 0x1000, 1)]);
    mb.add_node(0x2000, 0x1000, 1).unwrap();
    assert_eq!(regions(mb.memory()), [(0, 0x1000, 0), (0x1000, 0x2000, 1)]);
    check(&mb);
}

#[test]
fn pieces_of_a_wide_add_merge_with_same_node_neighbours_only() {
    let mut mb = Memblock::new();
    mb.add_node(0x1000, 0x1000, 0).unwrap();
    mb.add_node(0x3000, 0x1000, 1).unwrap();
    // Pieces on node 0: [0, 0x1000), [0x2000, 0x3000), [0x4000, 0x5000). The first two merge
    // with [0x1000, 0x2000) (node 0); the last touches only the node-1 region.
    mb.add_node(0, 0x5000, 0).unwrap();
    assert_eq!(regions(mb.memory()), [(0, 0x3000, 0), (0x3000, 0x1000, 1), (0x4000, 0x1000, 0)]);
    assert_eq!(mb.memory().total_size(), 0x5000);
    check(&mb);
}

#[test]
fn sizes_are_capped_at_the_top_of_the_address_space() {
    let mut mb = Memblock::new();
    // §A.2: base = U64_MAX - 1 MiB, size 2 MiB -> size exactly 1 MiB, ending at U64_MAX.
    let base = u64::MAX - 0x10_0000;
    mb.add(base, 0x20_0000).unwrap();
    assert_eq!(regions(mb.memory()), [(base, 0x10_0000, ANY)]);
    assert_eq!(mb.end_of_dram(), u64::MAX);
    // The same range with an absurd size caps the same way: nothing new.
    mb.add(base, u64::MAX).unwrap();
    assert_eq!(regions(mb.memory()), [(base, 0x10_0000, ANY)]);
    // At base U64_MAX nothing fits (the byte at U64_MAX is never covered).
    mb.add(u64::MAX, 1).unwrap();
    mb.add(u64::MAX, u64::MAX).unwrap();
    assert_eq!(mb.memory().cnt(), 1);
    assert!(!mb.is_memory(u64::MAX));
    assert!(mb.is_memory(u64::MAX - 1));
    check(&mb);
}

#[test]
fn all_of_the_address_space_is_one_region_of_size_u64_max() {
    let mut mb = Memblock::new();
    mb.add(0, u64::MAX).unwrap();
    assert_eq!(regions(mb.memory()), [(0, u64::MAX, ANY)]);
    assert_eq!(mb.phys_mem_size(), u64::MAX);
    check(&mb);
}

#[test]
fn zero_size_adds_nothing_and_leaves_the_fresh_dummy() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0).unwrap();
    mb.add_node(0x1000, 0, 3).unwrap();
    assert!(mb.memory().is_empty());
    // §G.2: a never-used array's dummy entry has nid 0.
    let dummy = mb.memory().entry(0).unwrap();
    assert_eq!((dummy.base, dummy.size, dummy.nid), (0, 0, 0));
    assert_eq!(mb.memory().cnt(), 1);
    assert_eq!(mb.memory().total_size(), 0);
}
