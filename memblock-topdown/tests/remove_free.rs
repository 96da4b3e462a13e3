//! `memblock_remove()` and `memblock_free()` (spec §A.6, §A.7): isolate, then delete the
//! regions inside; splits at the edges; the dummy entry of an emptied array (§G.2).

mod common;

use common::{assert_merged, assert_sound, assert_total, regions};
use memblock_topdown::{MAX_NUMNODES, Memblock};

const ANY: i32 = MAX_NUMNODES;

fn check(mb: &Memblock) {
    assert_sound(mb);
    for ty in [mb.memory(), mb.reserved()] {
        assert_merged(ty);
        assert_total(ty);
    }
}

fn one_region() -> Memblock {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x4000).unwrap(); // [0x1000, 0x5000)
    mb
}

#[test]
fn removing_from_within_splits_the_region() {
    let mut mb = one_region();
    mb.remove(0x2000, 0x1000).unwrap();
    assert_eq!(regions(mb.memory()), [(0x1000, 0x1000, ANY), (0x3000, 0x2000, ANY)]);
    assert_eq!(mb.memory().cnt(), 2);
    assert_eq!(mb.memory().total_size(), 0x3000);
    check(&mb);
}

#[test]
fn removing_over_the_top_trims_the_end() {
    let mut mb = one_region();
    mb.remove(0x4000, 0x2000).unwrap(); // [0x4000, 0x6000)
    assert_eq!(regions(mb.memory()), [(0x1000, 0x3000, ANY)]);
    assert_eq!(mb.memory().total_size(), 0x3000);
    check(&mb);
}

#[test]
fn removing_over_the_bottom_trims_the_start() {
    let mut mb = one_region();
    mb.remove(0, 0x2000).unwrap(); // [0, 0x2000)
    assert_eq!(regions(mb.memory()), [(0x2000, 0x3000, ANY)]);
    assert_eq!(mb.memory().total_size(), 0x3000);
    check(&mb);
}

#[test]
fn removing_everything_restores_the_dummy_with_max_numnodes() {
    let mut mb = one_region();
    mb.remove(0, 0x10000).unwrap();
    assert!(mb.memory().is_empty());
    assert_eq!(mb.memory().cnt(), 1);
    assert_eq!(mb.memory().total_size(), 0);
    // §G.2: the dummy of an array emptied by removal has nid MAX_NUMNODES (a fresh one has 0).
    let dummy = mb.memory().entry(0).unwrap();
    assert_eq!((dummy.base, dummy.size, dummy.nid), (0, 0, ANY));
    assert_eq!(mb.reserved().entry(0).unwrap().nid, 0);
    // No warning: total_size came back to 0.
    assert_eq!(mb.log().warnings(), 0);
    check(&mb);
}

#[test]
fn removing_across_several_regions_keeps_the_outer_parts_and_their_nodes() {
    let mut mb = Memblock::new();
    mb.add_node(0x1000, 0x1000, 0).unwrap();
    mb.add_node(0x3000, 0x1000, 1).unwrap();
    mb.add_node(0x5000, 0x1000, 2).unwrap();
    // [0x1800, 0x5800): the lower half of node 0's region and the upper half of node 2's stay.
    mb.remove(0x1800, 0x4000).unwrap();
    assert_eq!(regions(mb.memory()), [(0x1000, 0x800, 0), (0x5800, 0x800, 2)]);
    assert_eq!(mb.memory().total_size(), 0x1000);
    check(&mb);
}

#[test]
fn removing_across_a_node_boundary_keeps_both_nodes() {
    let mut mb = Memblock::new();
    mb.add_node(0, 0x2000, 0).unwrap();
    mb.add_node(0x2000, 0x2000, 1).unwrap();
    mb.remove(0x1000, 0x2000).unwrap();
    assert_eq!(regions(mb.memory()), [(0, 0x1000, 0), (0x3000, 0x1000, 1)]);
    check(&mb);
}

#[test]
fn removing_what_is_not_there_is_a_no_op() {
    let mut mb = one_region();
    mb.remove(0x8000, 0x1000).unwrap();
    mb.remove(0, 0x1000).unwrap(); // touches the region from below only
    mb.remove(0x5000, 0x1000).unwrap(); // touches it from above only
    assert_eq!(regions(mb.memory()), [(0x1000, 0x4000, ANY)]);
    let mut empty = Memblock::new();
    empty.remove(0, u64::MAX).unwrap();
    empty.free(0, u64::MAX).unwrap();
    assert!(empty.memory().is_empty() && empty.reserved().is_empty());
    // Nothing was removed, so the dummies keep their static nid 0.
    assert_eq!(empty.memory().entry(0).unwrap().nid, 0);
    check(&mb);
}

#[test]
fn remove_leaves_reserved_alone_and_free_leaves_memory_alone() {
    let mut mb = one_region();
    mb.reserve(0x2000, 0x1000).unwrap();
    mb.remove(0x1000, 0x4000).unwrap();
    assert!(mb.memory().is_empty());
    assert_eq!(regions(mb.reserved()), [(0x2000, 0x1000, ANY)]);
    mb.add(0x1000, 0x4000).unwrap();
    mb.free(0x1000, 0x4000).unwrap();
    assert!(mb.reserved().is_empty());
    assert_eq!(regions(mb.memory()), [(0x1000, 0x4000, ANY)]);
    check(&mb);
}

#[test]
fn free_splits_a_reservation() {
    let mut mb = Memblock::new();
    mb.reserve(0x1000, 0x3000).unwrap(); // [0x1000, 0x4000)
    mb.free(0x2000, 0x1000).unwrap();
    assert_eq!(regions(mb.reserved()), [(0x1000, 0x1000, ANY), (0x3000, 0x1000, ANY)]);
    assert_eq!(mb.reserved().total_size(), 0x2000);
    mb.free(0x1000, 0x1000).unwrap();
    mb.free(0x3000, 0x1000).unwrap();
    assert!(mb.reserved().is_empty());
    assert_eq!(mb.reserved().entry(0).unwrap().nid, ANY);
    check(&mb);
}

#[test]
fn removal_near_the_top_is_capped() {
    let mut mb = Memblock::new();
    let base = u64::MAX - 0x10_0000;
    mb.add(base, 0x20_0000).unwrap(); // [base, U64_MAX)
    // [U64_MAX - 0x80000, U64_MAX) after capping: the upper half goes.
    mb.remove(u64::MAX - 0x8_0000, u64::MAX).unwrap();
    assert_eq!(regions(mb.memory()), [(base, 0x8_0000, ANY)]);
    assert_eq!(mb.memory().total_size(), 0x8_0000);
    check(&mb);
}

#[test]
fn free_makes_the_range_allocatable_again() {
    let mut mb = one_region();
    mb.reserve(0x1000, 0x4000).unwrap();
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x1000, 0x1000), None);
    mb.free(0x3000, 0x1000).unwrap();
    // The only free page is [0x3000, 0x4000).
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x1000, 0x1000), Some(0x3000));
    check(&mb);
}
