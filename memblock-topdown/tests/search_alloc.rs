//! The top-down search (`__memblock_find_range_top_down`, spec §A.10), its normalisation in
//! `memblock_find_in_range_node` (§A.11) and the allocation API of 3.12/3.13 (§A.13, §G.4,
//! §G.7). Every expected address is worked out by hand.

mod common;

use common::{assert_sound, ranges, regions};
use memblock_topdown::{
    Error, Event, MAX_NUMNODES, MEMBLOCK_ALLOC_ACCESSIBLE, MEMBLOCK_ALLOC_ANYWHERE, Memblock, NUMA_NO_NODE, Warning,
};

const ANY: i32 = MAX_NUMNODES;

fn two_nodes() -> Memblock {
    let mut mb = Memblock::new();
    mb.add_node(0, 0x8000_0000, 0).unwrap(); // node 0: [0, 2 GiB)
    mb.add_node(0x8000_0000, 0x8000_0000, 1).unwrap(); // node 1: [2 GiB, 4 GiB)
    mb
}

#[test]
fn free_ranges_are_split_at_node_boundaries() {
    let mb = two_nodes();
    // The two regions touch, but each free range lies in one of them.
    assert_eq!(ranges(mb.free_ranges(ANY)), [(0, 0x8000_0000, 0), (0x8000_0000, 0x1_0000_0000, 1)]);
    assert_eq!(ranges(mb.free_ranges_rev(ANY)), [(0x8000_0000, 0x1_0000_0000, 1), (0, 0x8000_0000, 0)]);
    assert_eq!(ranges(mb.free_ranges(1)), [(0x8000_0000, 0x1_0000_0000, 1)]);
    // 3.12/3.13: NUMA_NO_NODE is not a wildcard, it matches nid -1 only.
    assert_eq!(ranges(mb.free_ranges(NUMA_NO_NODE)), []);
}

#[test]
fn no_block_straddles_two_memory_regions() {
    let mut mb = two_nodes();
    // 512 MiB in [1.75 GiB, 2.25 GiB) would need both nodes.
    assert_eq!(mb.find_in_range(0x7000_0000, 0x9000_0000, 0x2000_0000, 0x1000), None);
    // One region of the same span holds it: the highest fit ends at 2.25 GiB.
    let mut one = Memblock::new();
    one.add(0, 0x1_0000_0000).unwrap();
    assert_eq!(one.find_in_range(0x7000_0000, 0x9000_0000, 0x2000_0000, 0x1000), Some(0x7000_0000));
}

#[test]
fn free_ranges_go_around_reservations_and_ignore_reserved_nids() {
    let mut mb = two_nodes();
    // A reservation across the node boundary cuts both nodes' ranges.
    mb.reserve(0x7fff_f000, 0x2000).unwrap();
    mb.reserve(0, 0x1000).unwrap();
    assert_eq!(ranges(mb.free_ranges(ANY)), [(0x1000, 0x7fff_f000, 0), (0x8000_1000, 0x1_0000_0000, 1)]);
    assert_sound(&mb);
}

#[test]
fn top_down_takes_the_highest_aligned_block() {
    let mut mb = Memblock::new();
    mb.add(0x10_0000, 0x3ff0_0000).unwrap(); // [1 MiB, 1 GiB)
    // 3.13 rounds the size up to the alignment: 4 KiB aligned to 2 MiB takes 2 MiB, at
    // round_down(1 GiB - 2 MiB, 2 MiB) = 0x3fe0_0000.
    assert_eq!(mb.alloc(0x1000, 0x20_0000), Ok(0x3fe0_0000));
    assert_eq!(regions(mb.reserved()), [(0x3fe0_0000, 0x20_0000, ANY)]);
    // 6 KiB at 4 KiB alignment takes 8 KiB just below: 0x3fe0_0000 - 0x2000.
    assert_eq!(mb.alloc(0x1800, 0x1000), Ok(0x3fdf_e000));
    assert_eq!(regions(mb.reserved()), [(0x3fdf_e000, 0x20_2000, ANY)]);
    // A search does not round the size: 0x800 bytes at 0x1000 alignment below 0x3fdf_e000:
    // round_down(0x3fdf_e000 - 0x800, 0x1000) = 0x3fdf_d000.
    assert_eq!(mb.find_in_range(0, MEMBLOCK_ALLOC_ANYWHERE, 0x800, 0x1000), Some(0x3fdf_d000));
}

#[test]
fn an_unaligned_end_is_rounded_down() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x11345).unwrap(); // [0x1000, 0x12345)
    // round_down(0x12345 - 0x1000, 0x1000) = 0x11000.
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x11000));
}

#[test]
fn a_block_too_big_for_the_highest_gap_goes_to_the_next() {
    let mut mb = Memblock::new();
    mb.add(0x10000, 0x30000).unwrap(); // [0x10000, 0x40000)
    mb.reserve(0x38000, 0x2000).unwrap();
    mb.reserve(0x3c000, 0x4000).unwrap();
    // Free, from the top: [0x3a000, 0x3c000) (8 KiB), then [0x10000, 0x38000).
    assert_eq!(ranges(mb.free_ranges_rev(ANY)), [(0x3a000, 0x3c000, ANY), (0x10000, 0x38000, ANY)]);
    // 16 KiB does not fit the first: round_down(0x38000 - 0x4000, 0x1000) = 0x34000.
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x4000, 0x1000), Some(0x34000));
    // 4 KiB at 16 KiB alignment: in the first gap round_down(0x3b000, 0x4000) = 0x38000 lies
    // below its start 0x3a000; in the second round_down(0x37000, 0x4000) = 0x34000.
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x1000, 0x4000), Some(0x34000));
    // 8 KiB fits the first exactly.
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x2000, 0x1000), Some(0x3a000));
}

#[test]
fn nothing_fits_so_nothing_changes() {
    let mut mb = Memblock::new();
    mb.add(0x10000, 0x4000).unwrap();
    mb.reserve(0x11000, 0x1000).unwrap();
    // Free: [0x10000, 0x11000) and [0x12000, 0x14000); 12 KiB fits neither.
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x3000, 0x1000), None);
    assert_eq!(mb.alloc_nid(0x3000, 0x1000, ANY), None);
    assert_eq!(mb.alloc_base_nopanic(0x3000, 0x1000, u64::MAX), None);
    assert_eq!(regions(mb.reserved()), [(0x11000, 0x1000, ANY)]);
}

#[test]
fn empty_memory_finds_nothing() {
    let mut mb = Memblock::new();
    assert_eq!(mb.free_ranges(ANY).count(), 0);
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x1000, 0x1000), None);
    assert_eq!(mb.alloc(0x1000, 0x1000), Err(Error::AllocFailed { size: 0x1000, max_addr: 0 }));
    // Reserved but not memory is not free either.
    mb.reserve(0x1000, 0x1000).unwrap();
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x1000, 0x1000), None);
}

#[test]
fn failed_allocations_carry_the_kernel_panic_text() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x4000).unwrap();
    // §G.7: memblock_alloc says "below 0x0" (MEMBLOCK_ALLOC_ACCESSIBLE), and the size is the
    // one asked for, before rounding (0x4001, not 0x5000).
    let err = mb.alloc(0x4001, 0x1000).unwrap_err();
    assert_eq!(err, Error::AllocFailed { size: 0x4001, max_addr: 0 });
    assert_eq!(err.to_string(), "ERROR: Failed to allocate 0x4001 bytes below 0x0.");
    assert!(err.is_kernel_panic());
    assert_eq!(err.errno(), -12);
    let err = mb.alloc_base(0x5000, 0x1000, 0x2000_0000).unwrap_err();
    assert_eq!(err.to_string(), "ERROR: Failed to allocate 0x5000 bytes below 0x20000000.");
    let err = mb.alloc_try_nid(0x5000, 0x1000, 0).unwrap_err();
    assert_eq!(err.to_string(), "ERROR: Failed to allocate 0x5000 bytes below 0x0.");
    assert!(mb.reserved().is_empty());
}

#[test]
fn accessible_means_current_limit() {
    let mut mb = Memblock::new();
    mb.add(0, 0x1_0000_0000).unwrap(); // 4 GiB
    mb.set_current_limit(0x1000_0000); // 256 MiB
    assert_eq!(mb.current_limit(), 0x1000_0000);
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x0fff_f000));
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, ANY), Some(0x0fff_e000));
    // An explicit limit overrides current_limit, in both directions.
    assert_eq!(mb.alloc_base(0x1000, 0x1000, MEMBLOCK_ALLOC_ANYWHERE), Ok(0xffff_f000));
    assert_eq!(mb.alloc_base(0x1000, 0x1000, 0x2000_0000), Ok(0x1fff_f000));
    assert_eq!(mb.find_in_range(0, MEMBLOCK_ALLOC_ACCESSIBLE, 0x1000, 0x1000), Some(0x0fff_d000));
    // A limit below all memory but the first page leaves nothing.
    mb.set_current_limit(0x1000);
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, ANY), None);
}

#[test]
fn the_first_page_is_never_handed_out() {
    let mut mb = Memblock::new();
    mb.add(0, 0x2000).unwrap();
    // start becomes max(start, PAGE_SIZE): only [0x1000, 0x2000) can be used.
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x1000));
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, ANY), None);
    let mut small = Memblock::new();
    small.add(0, 0x1000).unwrap();
    assert_eq!(small.find_in_range(0, u64::MAX, 0x800, 0x800), None);
}

#[test]
fn a_search_window_limits_both_ends() {
    let mut mb = Memblock::new();
    mb.add(0, 0x10_0000).unwrap();
    // [0x4000, 0x8000): the highest 4 KiB is 0x7000.
    assert_eq!(mb.find_in_range(0x4000, 0x8000, 0x1000, 0x1000), Some(0x7000));
    // A window smaller than the block.
    assert_eq!(mb.find_in_range(0x4000, 0x4800, 0x1000, 0x1000), None);
    // end < start: end becomes start, an empty window.
    assert_eq!(mb.find_in_range(0x8000, 0x4000, 0x1000, 0x1000), None);
}

#[test]
fn alignment_zero_warns_on_every_call_and_uses_8() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x1000).unwrap(); // [0x1000, 0x2000)
    // §G.4: WARN_ON(!align) each time, then align 8 and the size rounded up to 8.
    assert_eq!(mb.alloc(0x10, 0), Ok(0x1ff0));
    assert_eq!(mb.alloc(0x10, 0), Ok(0x1fe0));
    assert_eq!(mb.alloc_nid(0x9, 0, ANY), Some(0x1fd0)); // 9 bytes take 0x10
    assert_eq!(mb.log().warnings(), 3);
    let warnings = mb.log().events().iter().filter(|e| **e == Event::Warn(Warning::AlignZero)).count();
    assert_eq!(warnings, 3);
    assert_eq!(regions(mb.reserved()), [(0x1fd0, 0x30, ANY)]);
    assert_eq!(Warning::AlignZero.to_string(), "WARN_ON(!align)");
    // The search itself does not warn: with the kernel's mask arithmetic, round_down(x, 0) is
    // 0, which lies below every start, so nothing is found.
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x10, 0), None);
    assert_eq!(mb.log().warnings(), 3);
}

#[test]
fn alloc_try_nid_falls_back_to_any_node() {
    let mut mb = Memblock::new();
    mb.add_node(0x10_0000, 0x10_0000, 0).unwrap(); // node 0: [1 MiB, 2 MiB)
    mb.add_node(0x20_0000, 0x10_0000, 1).unwrap(); // node 1: [2 MiB, 3 MiB)
    // 512 KiB on node 0: the top of node 0.
    assert_eq!(mb.alloc_try_nid(0x8_0000, 0x1000, 0), Ok(0x18_0000));
    // 768 KiB: node 0 has 512 KiB left, so any node: the top of node 1, 3 MiB - 768 KiB.
    assert_eq!(mb.alloc_try_nid(0xc_0000, 0x1000, 0), Ok(0x24_0000));
    // 2 MiB: no single free range holds it.
    assert_eq!(mb.alloc_try_nid(0x20_0000, 0x1000, 0), Err(Error::AllocFailed { size: 0x20_0000, max_addr: 0 }));
    // Alignment 0 warns in both attempts.
    let before = mb.log().warnings();
    assert!(mb.alloc_try_nid(0x20_0000, 0, 0).is_err());
    assert_eq!(mb.log().warnings() - before, 2);
}

#[test]
fn a_node_filter_uses_only_that_nodes_memory() {
    let mut mb = two_nodes();
    assert_eq!(mb.alloc_nid(0x20_0000, 0x20_0000, 0), Some(0x7fe0_0000));
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, 1), Some(0xffff_f000));
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, ANY), Some(0xffff_e000));
    // Node 2 has no memory; NUMA_NO_NODE is not "any" in 3.13.
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, 2), None);
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, NUMA_NO_NODE), None);
    assert_eq!(mb.find_in_range_node(0, u64::MAX, 0x1000, 0x1000, 0), Some(0x7fdf_f000));
}

#[test]
fn allocations_are_reserved_and_labelled() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x10000).unwrap();
    mb.log_mut().set_trace(true);
    let a = mb.alloc(0x1000, 0x1000).unwrap();
    let b = mb.with_caller("alloc_low_pages", |mb| mb.alloc(0x1000, 0x1000)).unwrap();
    assert_eq!((a, b), (0x10000, 0xf000));
    assert!(mb.is_reserved(a) && mb.is_reserved(b));
    assert_eq!(
        mb.log().events(),
        [
            Event::Reserve { base: 0x10000, size: 0x1000, caller: "memblock_alloc_base_nid".into() },
            Event::Reserve { base: 0xf000, size: 0x1000, caller: "alloc_low_pages".into() },
        ]
    );
}
