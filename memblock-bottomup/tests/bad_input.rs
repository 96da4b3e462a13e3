//! Bad input to the bottom-up search never panics: hand-built requests with `start > end`,
//! zero sizes and alignments, huge sizes, `kernel_end` at the top of the address space.

use memblock_bottomup::{BottomUp, FindRequest, MAX_NUMNODES, NUMA_NO_NODE, SeriesMemblock, find_range_bottom_up};

const ANY: i32 = MAX_NUMNODES;

fn booted(kernel_end: u64) -> SeriesMemblock {
    let mut mb = SeriesMemblock::series(kernel_end);
    mb.add(0x1000, 0x10_0000).unwrap(); // [4 KiB, 1 MiB + 4 KiB)
    mb.add(u64::MAX - 0x10_0000, 0x10_0000).unwrap();
    mb.reserve(0x8000, 0x1000).unwrap();
    mb.set_bottom_up(true);
    mb
}

#[test]
fn requests_with_start_above_end_find_nothing() {
    let mb = booted(0);
    // Every range clamps to [end, end]; the strict test candidate < end fails, even for size 0.
    for size in [0, 1, 0x1000, u64::MAX] {
        for align in [0, 1, 3, 0x1000, 1 << 63, u64::MAX] {
            for nid in [ANY, NUMA_NO_NODE, i32::MIN, i32::MAX] {
                let req = FindRequest { start: 0x8_0000, end: 0x4_0000, size, align, nid };
                assert_eq!(find_range_bottom_up(mb.state(), req), None, "{req:?}");
                let req = FindRequest { start: u64::MAX, end: 0, size, align, nid };
                assert_eq!(find_range_bottom_up(mb.state(), req), None, "{req:?}");
            }
        }
    }
}

#[test]
fn zero_size_needs_a_non_empty_range() {
    let mb = booted(0);
    // §A.10: candidate < end is strict, so size 0 gets the lowest aligned address strictly
    // inside a free range: round_up(0x1000, 0x1000) = 0x1000 < 0x8000.
    let req = FindRequest { start: 0x1000, end: u64::MAX, size: 0, align: 0x1000, nid: ANY };
    assert_eq!(find_range_bottom_up(mb.state(), req), Some(0x1000));
    // From 0x8000 the free range below clamps to [0x8000, 0x8000], empty; the reserved page
    // is skipped: 0x9000.
    let req = FindRequest { start: 0x8000, end: u64::MAX, size: 0, align: 0x1000, nid: ANY };
    assert_eq!(find_range_bottom_up(mb.state(), req), Some(0x9000));
}

#[test]
fn huge_sizes_and_odd_alignments_do_not_panic() {
    let mut mb = booted(0x2000);
    for size in [0, 1, 0xfff, u64::MAX - 0xfff, u64::MAX] {
        for align in [0, 3, 0x1001, 1 << 63, u64::MAX] {
            let _ = mb.find_in_range(0, u64::MAX, size, align);
            let _ = mb.find_in_range(u64::MAX - 0x1000, u64::MAX, size, align);
            let _ = mb.alloc_nid(size, align, ANY);
            let _ = mb.alloc(size, align);
        }
    }
    // Near the top the kernel's round_up wraps to 0, which reads as "not found"; the fallback,
    // top-down in the same window [U64_MAX - 0x800, U64_MAX), finds no aligned page either.
    assert_eq!(mb.find_in_range(u64::MAX - 0x800, u64::MAX, 0x10, 0x1000), None);
    // Mask arithmetic with align 3: round_up(0x2001, 3) = (0x2000 | 2) + 1 = 0x2003.
    let mut mb = booted(0x2001);
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x10, 3), Some(0x2003));
}

#[test]
fn a_kernel_end_at_the_top_sends_everything_top_down() {
    let mut mb = booted(u64::MAX);
    // No end can exceed U64_MAX: every search is top-down, with no warning.
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(u64::MAX - 0xfff - 0x1000));
    assert_eq!(mb.log().warnings(), 0);
}
