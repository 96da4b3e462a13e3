//! The allocation scenarios of `memblock-topdown`'s `search_alloc` tests, bottom-up
//! (spec §A.10: the lowest aligned address whose block fits in one free range), with the
//! addresses worked out by hand. `kernel_end` is 0 unless said otherwise, as in the kernel's
//! own test suite, so the search starts at PAGE_SIZE.

use memblock_bottomup::{BottomUp, Error, MAX_NUMNODES, NUMA_NO_NODE, SeriesMemblock};

const ANY: i32 = MAX_NUMNODES;

fn bottom_up(kernel_end: u64) -> SeriesMemblock {
    let mut mb = SeriesMemblock::series(kernel_end);
    mb.set_bottom_up(true);
    mb
}

#[test]
fn bottom_up_takes_the_lowest_aligned_block() {
    let mut mb = bottom_up(0);
    mb.add(0x10_0000, 0x3ff0_0000).unwrap(); // [1 MiB, 1 GiB)
    // 4 KiB at 2 MiB alignment takes 2 MiB: round_up(1 MiB, 2 MiB) = 2 MiB.
    assert_eq!(mb.alloc(0x1000, 0x20_0000), Ok(0x20_0000));
    // 6 KiB at 4 KiB takes 8 KiB from the lowest free byte, 1 MiB.
    assert_eq!(mb.alloc(0x1800, 0x1000), Ok(0x10_0000));
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x10_2000));
    let rsv: Vec<_> = mb.reserved().regions().iter().map(|r| (r.base, r.size)).collect();
    assert_eq!(rsv, [(0x10_0000, 0x3000), (0x20_0000, 0x20_0000)]);
}

#[test]
fn an_unaligned_start_is_rounded_up() {
    let mut mb = bottom_up(0);
    mb.add(0x1234, 0x10000).unwrap(); // [0x1234, 0x11234)
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x2000));
    // The last whole aligned page: [0x10000, 0x11000).
    assert_eq!(mb.find_in_range(0x10000, u64::MAX, 0x1000, 0x1000), Some(0x10000));
    assert_eq!(mb.find_in_range(0x10001, u64::MAX, 0x1000, 0x1000), None);
}

#[test]
fn a_block_too_big_for_the_lowest_gap_goes_to_the_next() {
    let mut mb = bottom_up(0);
    mb.add(0x10000, 0x30000).unwrap(); // [0x10000, 0x40000)
    mb.reserve(0x12000, 0x1000).unwrap();
    // Free, from the bottom: [0x10000, 0x12000) (8 KiB), then [0x13000, 0x40000).
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x4000, 0x1000), Some(0x13000));
    // 4 KiB at 16 KiB alignment: round_up(0x10000, 0x4000) = 0x10000 fits the first gap.
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x1000, 0x4000), Some(0x10000));
    // 4 KiB at 64 KiB alignment: round_up(0x13000, 0x10000) = 0x20000, in the second.
    mb.reserve(0x10000, 0x1000).unwrap();
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x1000, 0x10000), Some(0x20000));
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x1000, 0x1000), Some(0x11000));
}

#[test]
fn nothing_fits_in_bottom_up_either() {
    let mut mb = bottom_up(0);
    mb.add(0x10000, 0x4000).unwrap();
    mb.reserve(0x11000, 0x1000).unwrap();
    // Free: [0x10000, 0x11000) and [0x12000, 0x14000); 12 KiB fits neither, and the fallback
    // (kernel_end 0: the same range top-down) fails too.
    assert_eq!(mb.alloc(0x3000, 0x1000), Err(Error::AllocFailed { size: 0x3000, max_addr: 0 }));
    assert_eq!(mb.reserved().regions().len(), 1);
    // Empty memory.
    let mut empty = bottom_up(0);
    assert_eq!(empty.find_in_range(0, u64::MAX, 0x1000, 0x1000), None);
}

#[test]
fn the_first_page_is_never_handed_out_bottom_up() {
    let mut mb = bottom_up(0);
    mb.add(0, 0x3000).unwrap();
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x1000));
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x2000));
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, ANY), None);
}

#[test]
fn no_block_straddles_two_nodes_bottom_up() {
    let mut mb = bottom_up(0x200_0000);
    mb.add_node(0, 0x8000_0000, 0).unwrap();
    mb.add_node(0x8000_0000, 0x8000_0000, 1).unwrap();
    // 512 MiB in [1.75 GiB, 2.25 GiB) would straddle 2 GiB.
    assert_eq!(mb.find_in_range(0x7000_0000, 0x9000_0000, 0x2000_0000, 0x1000), None);
    // Node 1 from kernel_end: its first page, 2 GiB.
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, 1), Some(0x8000_0000));
    // Node 0 from kernel_end: 32 MiB.
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, 0), Some(0x200_0000));
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, NUMA_NO_NODE), None);
    // alloc_try_nid: 3 GiB does not fit node 0 (bottom-up from kernel_end: fallback too), nor any
    // single free range: node 1 has 2 GiB - 4 KiB.
    assert!(mb.alloc_try_nid(0xc000_0000, 0x1000, 0).is_err());
    // 1.5 GiB on node 0: [32 MiB + 4 KiB, 2 GiB) holds it from round_up(...) = 0x200_1000.
    assert_eq!(mb.alloc_try_nid(0x6000_0000, 0x1000, 0), Ok(0x200_1000));
}

#[test]
fn a_limit_below_the_lowest_free_page_fails() {
    let mut mb = bottom_up(0);
    mb.add(0x10_0000, 0x10_0000).unwrap(); // [1 MiB, 2 MiB)
    mb.set_current_limit(0x10_0800);
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, ANY), None);
    mb.set_current_limit(0x10_1000);
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, ANY), Some(0x10_0000));
}

#[test]
fn alignment_zero_warns_and_uses_8_bottom_up() {
    let mut mb = bottom_up(0);
    mb.add(0x1000, 0x1000).unwrap();
    assert_eq!(mb.alloc(0x10, 0), Ok(0x1000));
    assert_eq!(mb.alloc(0x9, 0), Ok(0x1010)); // 9 rounds to 0x10
    assert_eq!(mb.log().warnings(), 2);
    // The search with align 0: round_up(x, 0) wraps to 0, "not found" (kernel_end 0 and
    // bottom-up failed: the fallback top-down also finds nothing with align 0).
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x10, 0), None);
}
