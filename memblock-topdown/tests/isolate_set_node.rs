//! `memblock_isolate_range()` (spec §A.6), `memblock_set_node()` (§A.8) and the flag setter
//! built on the same isolation: splits at the edges, the returned index range, and the merge
//! of the whole array that follows (§A.4).

mod common;

use common::{assert_merged, assert_sound, assert_total, ranges, regions};
use memblock_topdown::{MAX_NUMNODES, Memblock, RegionFlags, RegionKind};

const ANY: i32 = MAX_NUMNODES;

#[test]
fn isolating_inside_one_region_splits_it_in_three() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x4000).unwrap(); // [0x1000, 0x5000)
    // Split below 0x2000 (the region is looked at again), then at 0x3000.
    let got = mb.isolate_range(RegionKind::Memory, 0x2000, 0x1000).unwrap();
    assert_eq!(got, (1, 2));
    assert_eq!(regions(mb.memory()), [(0x1000, 0x1000, ANY), (0x2000, 0x1000, ANY), (0x3000, 0x2000, ANY)]);
    // Splitting moves bytes between entries; the total is unchanged.
    assert_eq!(mb.memory().total_size(), 0x4000);
    assert_sound(&mb);
}

#[test]
fn isolating_across_two_regions_splits_both() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x2000).unwrap(); // [0x1000, 0x3000)
    mb.add(0x4000, 0x2000).unwrap(); // [0x4000, 0x6000)
    let got = mb.isolate_range(RegionKind::Memory, 0x2000, 0x3000).unwrap(); // [0x2000, 0x5000)
    assert_eq!(got, (1, 3));
    assert_eq!(
        regions(mb.memory()),
        [(0x1000, 0x1000, ANY), (0x2000, 0x1000, ANY), (0x4000, 0x1000, ANY), (0x5000, 0x1000, ANY)]
    );
    assert_total(mb.memory());
}

#[test]
fn isolating_a_whole_region_splits_nothing() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x1000).unwrap();
    mb.add(0x3000, 0x1000).unwrap();
    assert_eq!(mb.isolate_range(RegionKind::Memory, 0x3000, 0x1000).unwrap(), (1, 2));
    assert_eq!(mb.isolate_range(RegionKind::Memory, 0, 0x10000).unwrap(), (0, 2));
    assert_eq!(regions(mb.memory()), [(0x1000, 0x1000, ANY), (0x3000, 0x1000, ANY)]);
}

#[test]
fn isolating_nothing_returns_zero_zero() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x1000).unwrap();
    // In a gap, touching only, zero size, and on an empty array: (0, 0) and no change.
    assert_eq!(mb.isolate_range(RegionKind::Memory, 0x8000, 0x1000).unwrap(), (0, 0));
    assert_eq!(mb.isolate_range(RegionKind::Memory, 0x2000, 0x1000).unwrap(), (0, 0));
    assert_eq!(mb.isolate_range(RegionKind::Memory, 0x1800, 0).unwrap(), (0, 0));
    assert_eq!(mb.isolate_range(RegionKind::Reserved, 0, u64::MAX).unwrap(), (0, 0));
    assert_eq!(regions(mb.memory()), [(0x1000, 0x1000, ANY)]);
}

#[test]
fn the_next_add_merges_what_an_isolation_split_and_a_remove_does_not() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x4000).unwrap();
    mb.isolate_range(RegionKind::Memory, 0x2000, 0x1000).unwrap();
    // Removal never merges: the three pieces stay.
    mb.remove(0x10000, 0x1000).unwrap();
    assert_eq!(mb.memory().cnt(), 3);
    // memblock_add_region merges the whole array after inserting, also far from the new range.
    mb.add(0x10000, 0x1000).unwrap();
    assert_eq!(regions(mb.memory()), [(0x1000, 0x4000, ANY), (0x10000, 0x1000, ANY)]);
    assert_merged(mb.memory());
    assert_total(mb.memory());
}

#[test]
fn set_node_splits_at_the_edges() {
    let mut mb = Memblock::new();
    mb.add(0, 0x4000).unwrap();
    mb.set_node(0x1000, 0x2000, 1).unwrap();
    assert_eq!(regions(mb.memory()), [(0, 0x1000, ANY), (0x1000, 0x2000, 1), (0x3000, 0x1000, ANY)]);
    assert_eq!(mb.memory().cnt(), 3);
    assert_eq!(mb.memory().total_size(), 0x4000);
    // Extending node 1 to the top merges the new node-1 piece with its neighbour.
    mb.set_node(0x3000, 0x1000, 1).unwrap();
    assert_eq!(regions(mb.memory()), [(0, 0x1000, ANY), (0x1000, 0x3000, 1)]);
    mb.set_node(0, 0x4000, 1).unwrap();
    assert_eq!(regions(mb.memory()), [(0, 0x4000, 1)]);
    assert_sound(&mb);
    assert_total(mb.memory());
}

#[test]
fn set_node_does_not_fill_gaps() {
    let mut mb = Memblock::new();
    mb.add_node(0, 0x1000, 0).unwrap();
    mb.add_node(0x2000, 0x1000, 0).unwrap();
    mb.set_node(0, 0x3000, 2).unwrap();
    assert_eq!(regions(mb.memory()), [(0, 0x1000, 2), (0x2000, 0x1000, 2)]);
    assert_eq!(mb.memory().total_size(), 0x2000);
}

#[test]
fn set_node_to_the_same_node_changes_nothing() {
    let mut mb = Memblock::new();
    mb.add_node(0, 0x4000, 5).unwrap();
    // Isolation splits in three, the merge after it joins them again.
    mb.set_node(0x1000, 0x1000, 5).unwrap();
    assert_eq!(regions(mb.memory()), [(0, 0x4000, 5)]);
}

#[test]
fn set_node_joins_touching_regions_that_now_share_a_node() {
    let mut mb = Memblock::new();
    mb.add_node(0, 0x1000, 0).unwrap();
    mb.add_node(0x1000, 0x1000, 1).unwrap();
    mb.add_node(0x2000, 0x1000, 0).unwrap();
    mb.set_node(0x1000, 0x1000, 0).unwrap();
    assert_eq!(regions(mb.memory()), [(0, 0x3000, 0)]);
    assert_eq!(mb.memory().total_size(), 0x3000);
}

#[test]
fn set_node_on_reserved_tags_reserved_regions() {
    // The 3.14 form with a type argument.
    let mut mb = Memblock::new();
    mb.reserve(0x1000, 0x2000).unwrap();
    mb.set_node_in(RegionKind::Reserved, 0x2000, 0x1000, 5).unwrap();
    assert_eq!(regions(mb.reserved()), [(0x1000, 0x1000, ANY), (0x2000, 0x1000, 5)]);
    assert!(mb.memory().is_empty());
    // The two reserved regions touch without merging. The free-range walk (§A.9) meets the gap
    // between them, [0x2000, 0x2000), inside memory [0, 0x4000) and yields it, empty.
    mb.add(0, 0x4000).unwrap();
    assert_eq!(ranges(mb.free_ranges(ANY)), [(0, 0x1000, ANY), (0x2000, 0x2000, ANY), (0x3000, 0x4000, ANY)]);
    assert_eq!(ranges(mb.free_ranges_rev(ANY)), [(0x3000, 0x4000, ANY), (0x2000, 0x2000, ANY), (0, 0x1000, ANY)]);
    // It holds no block.
    assert_eq!(mb.find_in_range(0x1800, 0x2800, 0x100, 0x100), None);
}

#[test]
fn flags_split_and_merge_like_nodes() {
    let mut mb = Memblock::new();
    mb.add(0, 0x4000).unwrap();
    mb.set_flags(0x1000, 0x1000, RegionFlags::HOTPLUG, true).unwrap();
    let flags: Vec<_> = mb.memory().regions().iter().map(|r| (r.base, r.flags)).collect();
    assert_eq!(flags, [(0, RegionFlags::empty()), (0x1000, RegionFlags::HOTPLUG), (0x2000, RegionFlags::empty())]);
    mb.set_flags(0x1000, 0x1000, RegionFlags::HOTPLUG, false).unwrap();
    assert_eq!(regions(mb.memory()), [(0, 0x4000, ANY)]);
    assert_eq!(mb.memory().regions()[0].flags, RegionFlags::empty());
}

#[test]
fn a_doubling_during_free_merges_the_whole_reserved_array() {
    // The reservation of a doubled array goes through memblock_add_region, whose merge walks the
    // whole array (§A.4, §A.5). Set up: 126 reserved pages R_i = [1 MiB + i*8 KiB, +4 KiB), then
    // isolate [R_0 + 1 KiB, +1 KiB) on reserved: R_0 splits in three, cnt 128 = max.
    let mut mb = Memblock::new();
    mb.add(0, 0x100_0000).unwrap(); // 16 MiB
    for i in 0..126u64 {
        mb.reserve(0x10_0000 + i * 0x2000, 0x1000).unwrap();
    }
    mb.allow_resize();
    let r125 = 0x10_0000 + 125 * 0x2000;
    mb.isolate_range(RegionKind::Reserved, 0x10_0400, 0x400).unwrap();
    assert_eq!(mb.reserved().cnt(), 128);
    // free(R_125) needs cnt + 2 <= max: the reserved array doubles. The new 8 KiB array goes
    // top-down above R_125's end: [16 MiB - 8 KiB, 16 MiB). Reserving it merges the whole
    // array, so R_0's three pieces join again: 125 pages + R_0 + the array = 127, then R_125
    // is freed: 126.
    mb.free(r125, 0x1000).unwrap();
    assert_eq!(mb.reserved().max(), 256);
    assert_eq!(mb.reserved().cnt(), 126);
    assert_eq!(regions(mb.reserved())[0], (0x10_0000, 0x1000, ANY));
    assert_eq!(*regions(mb.reserved()).last().unwrap(), (0xFF_E000, 0x2000, ANY));
    assert!(!mb.is_reserved(r125));
    assert_merged(mb.reserved());
    assert_total(mb.reserved());
}
