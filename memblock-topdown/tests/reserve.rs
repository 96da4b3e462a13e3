//! `memblock_reserve()` (spec §A.3): the same insertion and merging as add, on the reserved
//! array, always with node `MAX_NUMNODES`; and the strict overlap test of
//! `memblock_is_region_reserved()` (§A.14).

mod common;

use common::{assert_merged, assert_sound, assert_total, regions};
use memblock_topdown::{MAX_NUMNODES, Memblock};

const ANY: i32 = MAX_NUMNODES;

fn check(mb: &Memblock) {
    assert_sound(mb);
    assert_merged(mb.reserved());
    assert_total(mb.reserved());
}

#[test]
fn reserve_takes_a_range_with_max_numnodes_even_inside_a_node() {
    let mut mb = Memblock::new();
    mb.add_node(0, 0x10000, 3).unwrap();
    mb.reserve(0x1000, 0x2000).unwrap();
    // Reserved regions always carry MAX_NUMNODES; memory is untouched.
    assert_eq!(regions(mb.reserved()), [(0x1000, 0x2000, ANY)]);
    assert_eq!(regions(mb.memory()), [(0, 0x10000, 3)]);
    assert_eq!(mb.reserved().total_size(), 0x2000);
    check(&mb);
}

#[test]
fn reserve_outside_memory_is_allowed() {
    let mut mb = Memblock::new();
    mb.reserve(0x1000, 0x1000).unwrap();
    assert_eq!(regions(mb.reserved()), [(0x1000, 0x1000, ANY)]);
    assert!(mb.memory().is_empty());
    check(&mb);
}

#[test]
fn touching_reservations_merge() {
    let mut mb = Memblock::new();
    mb.reserve(0x1000, 0x1000).unwrap();
    mb.reserve(0x2000, 0x1000).unwrap();
    assert_eq!(regions(mb.reserved()), [(0x1000, 0x2000, ANY)]);
    assert_eq!(mb.reserved().cnt(), 1);
    check(&mb);
}

#[test]
fn overlapping_reservations_merge_and_count_once() {
    let mut mb = Memblock::new();
    mb.reserve(0x1000, 0x2000).unwrap(); // [0x1000, 0x3000)
    mb.reserve(0x2000, 0x2000).unwrap(); // [0x2000, 0x4000): new piece [0x3000, 0x4000)
    assert_eq!(regions(mb.reserved()), [(0x1000, 0x3000, ANY)]);
    assert_eq!(mb.reserved().total_size(), 0x3000);
    check(&mb);
}

#[test]
fn a_reservation_spanning_two_joins_them() {
    let mut mb = Memblock::new();
    mb.reserve(0x1000, 0x1000).unwrap();
    mb.reserve(0x3000, 0x1000).unwrap();
    // [0x1800, 0x3800) overlaps both: only the gap [0x2000, 0x3000) is new.
    mb.reserve(0x1800, 0x2000).unwrap();
    assert_eq!(regions(mb.reserved()), [(0x1000, 0x3000, ANY)]);
    assert_eq!(mb.reserved().total_size(), 0x3000);
    check(&mb);
}

#[test]
fn the_same_reservation_twice_changes_nothing() {
    let mut mb = Memblock::new();
    mb.reserve(0x1000, 0x1000).unwrap();
    mb.reserve(0x1000, 0x1000).unwrap();
    mb.reserve(0x1400, 0x100).unwrap();
    assert_eq!(regions(mb.reserved()), [(0x1000, 0x1000, ANY)]);
    assert_eq!(mb.reserved().total_size(), 0x1000);
    check(&mb);
}

#[test]
fn membership_tests_are_strict_at_the_edges() {
    let mut mb = Memblock::new();
    mb.reserve(0x1000, 0x1000).unwrap(); // [0x1000, 0x2000)
    assert!(mb.is_reserved(0x1000));
    assert!(mb.is_reserved(0x1fff));
    assert!(!mb.is_reserved(0x2000));
    assert!(!mb.is_reserved(0xfff));
    // base1 < base2 + size2 && base2 < base1 + size1: touching is not overlapping.
    assert!(!mb.is_region_reserved(0x2000, 0x1000));
    assert!(!mb.is_region_reserved(0, 0x1000));
    assert!(mb.is_region_reserved(0x1fff, 1));
    assert!(mb.is_region_reserved(0, 0x1001));
    // A zero-size range strictly inside overlaps (0x1000 < 0x1800 < 0x2000); at the base it
    // does not (0x1000 < 0x1000 is false).
    assert!(mb.is_region_reserved(0x1800, 0));
    assert!(!mb.is_region_reserved(0x1000, 0));
    // Capped: [0x1800, U64_MAX) overlaps.
    assert!(mb.is_region_reserved(0x1800, u64::MAX));
}

#[test]
fn reserve_then_free_then_reserve_gives_the_same_array() {
    let mut mb = Memblock::new();
    mb.reserve(0x1000, 0x3000).unwrap();
    mb.free(0x2000, 0x1000).unwrap();
    assert_eq!(regions(mb.reserved()), [(0x1000, 0x1000, ANY), (0x3000, 0x1000, ANY)]);
    mb.reserve(0x2000, 0x1000).unwrap();
    assert_eq!(regions(mb.reserved()), [(0x1000, 0x3000, ANY)]);
    check(&mb);
}

#[test]
fn reservations_near_the_top_are_capped() {
    let mut mb = Memblock::new();
    // size = U64_MAX - base = 0xfff.
    mb.reserve(u64::MAX - 0xfff, 0x2000).unwrap();
    assert_eq!(regions(mb.reserved()), [(u64::MAX - 0xfff, 0xfff, ANY)]);
    assert_eq!(mb.reserved().total_size(), 0xfff);
    check(&mb);
}
