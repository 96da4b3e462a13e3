//! Bad input never panics: zero sizes, ranges that would wrap past 2^64, node ids out of
//! range, alignments that are not powers of two, and hand-built search requests with
//! `start > end`. Each is fed to every public entry point and the arrays must stay well
//! formed; where the kernel's rules give a definite answer, the answer is checked too.

mod common;

use common::{assert_sound, regions};
use memblock_topdown::{
    Deviations, FindRequest, MAX_NUMNODES, Memblock, NUMA_NO_NODE, RegionFlags, RegionKind, find_range_top_down,
};

const ANY: i32 = MAX_NUMNODES;

const BASES: [u64; 5] = [0, 0x1000, 0x1234, u64::MAX - 0xfff, u64::MAX];
const SIZES: [u64; 5] = [0, 1, 0x2000, u64::MAX - 1, u64::MAX];
const NIDS: [i32; 7] = [NUMA_NO_NODE, i32::MIN, i32::MAX, MAX_NUMNODES, MAX_NUMNODES + 1, 1_000_000, 0];
const ALIGNS: [u64; 6] = [0, 3, 0x1001, 1 << 63, u64::MAX, 0x1000];

/// Memory and reservations for the bad input to collide with, resizing allowed.
fn populated() -> Memblock {
    let mut mb = Memblock::new();
    mb.add_node(0, 0x10_0000, 0).unwrap();
    mb.add_node(0x10_0000, 0x10_0000, 1).unwrap();
    mb.add(u64::MAX - 0x10_0000, 0x10_0000).unwrap();
    mb.reserve(0x8000, 0x1000).unwrap();
    mb.reserve(u64::MAX - 0x8000, 0x1000).unwrap();
    mb.allow_resize();
    mb.log_mut().set_trace(true);
    mb
}

fn ignore<T>(_: T) {}

/// Every public operation with one set of arguments, checking the arrays after each.
fn every_entry_point(mb: &mut Memblock, base: u64, size: u64, nid: i32, align: u64) {
    let _ = mb.find_in_range_node(base, size, size, align, nid);
    let _ = mb.find_in_range(base, base.wrapping_add(size), size, align);
    let _ = mb.find_in_range(size, base, size, align);
    let _ = find_range_top_down(mb.state(), FindRequest { start: base, end: size, size, align, nid });
    let _ = find_range_top_down(mb.state(), FindRequest { start: u64::MAX, end: 0, size, align, nid });
    let _ = mb.is_memory(base);
    let _ = mb.is_reserved(base);
    let _ = mb.is_region_memory(base, size);
    let _ = mb.is_region_reserved(base, size);
    let _ = mb.search_pfn_nid(base);
    let _ = mb.mem_size(base);
    let _ = mb.memory().search(base);
    let _ = mb.reserved().overlaps(base, size);
    let _ = mb.free_ranges(nid).count();
    let _ = mb.free_ranges_rev(nid).count();
    let _ = mb.mem_pfn_ranges(nid).count();
    let _ = mb.dump_all().to_string();
    let _ = mb.dump_all_with_flags().to_string();
    assert_sound(mb);

    let ops: [&dyn Fn(&mut Memblock); 19] = [
        &|mb| ignore(mb.add(base, size)),
        &|mb| ignore(mb.add_node(base, size, nid)),
        &|mb| ignore(mb.reserve(base, size)),
        &|mb| ignore(mb.reserve_as(base, size, "bad_input")),
        &|mb| ignore(mb.alloc_base_nid(size, align, base, nid)),
        &|mb| ignore(mb.alloc_nid(size, align, nid)),
        &|mb| ignore(mb.alloc_base_nopanic(size, align, base)),
        &|mb| ignore(mb.alloc_base(size, align, base)),
        &|mb| ignore(mb.alloc(size, align)),
        &|mb| ignore(mb.alloc_try_nid(size, align, nid)),
        &|mb| ignore(mb.set_node(base, size, nid)),
        &|mb| ignore(mb.set_node_in(RegionKind::Reserved, base, size, nid)),
        &|mb| ignore(mb.set_flags(base, size, RegionFlags::HOTPLUG, true)),
        &|mb| ignore(mb.isolate_range(RegionKind::Memory, base, size)),
        &|mb| ignore(mb.isolate_range(RegionKind::Reserved, base, size)),
        &|mb| ignore(mb.remove(base, size)),
        &|mb| ignore(mb.free(base, size)),
        &|mb| ignore(mb.free_as(base, size, "bad_input")),
        &|mb| mb.enforce_memory_limit(size),
    ];
    for op in ops {
        op(mb);
        assert_sound(mb);
    }
    mb.set_current_limit(base);
    let _ = mb.alloc(size, align);
    let _ = mb.alloc_nid(0x1000, 0x1000, nid);
    assert_sound(mb);
    mb.set_current_limit(u64::MAX);
    mb.trim_memory(align);
    assert_sound(mb);
}

#[test]
fn no_combination_of_bad_arguments_panics() {
    for base in BASES {
        for size in SIZES {
            for nid in NIDS {
                for align in ALIGNS {
                    let mut mb = populated();
                    every_entry_point(&mut mb, base, size, nid, align);
                }
            }
        }
    }
}

#[test]
fn zero_sizes_change_nothing() {
    let mut mb = populated();
    let (mem, rsv) = (regions(mb.memory()), regions(mb.reserved()));
    mb.add(0x30_0000, 0).unwrap();
    mb.add_node(0x30_0000, 0, 3).unwrap();
    mb.reserve(0x30_0000, 0).unwrap();
    mb.remove(0x1000, 0).unwrap();
    mb.free(0x8000, 0).unwrap();
    mb.set_node(0x1000, 0, 3).unwrap();
    assert_eq!(mb.isolate_range(RegionKind::Memory, 0x1000, 0), Ok((0, 0)));
    assert_eq!((regions(mb.memory()), regions(mb.reserved())), (mem, rsv));
}

#[test]
fn a_zero_size_allocation_returns_the_end_of_the_highest_free_range() {
    // memblock_alloc(0, align): the size stays 0, the top-down candidate is
    // round_down(end - 0, align) = the aligned end of the highest free range, and
    // memblock_reserve(found, 0) changes nothing. The kernel returns that address.
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x4000).unwrap(); // [0x1000, 0x5000)
    assert_eq!(mb.alloc(0, 0x1000), Ok(0x5000));
    assert!(mb.reserved().is_empty());
    // With a window end inside the range, the candidate is the window end.
    assert_eq!(mb.find_in_range(0, 0x3000, 0, 0x1000), Some(0x3000));
}

#[test]
fn wrapping_ranges_are_capped_at_the_top() {
    let mut mb = Memblock::new();
    // size = U64_MAX - base = 0xfff for all three.
    mb.add(u64::MAX - 0xfff, 0x2000).unwrap();
    mb.reserve(u64::MAX - 0xfff, u64::MAX).unwrap();
    assert_eq!(regions(mb.memory()), [(u64::MAX - 0xfff, 0xfff, ANY)]);
    assert_eq!(regions(mb.reserved()), [(u64::MAX - 0xfff, 0xfff, ANY)]);
    mb.remove(u64::MAX - 0xfff, u64::MAX).unwrap();
    assert!(mb.memory().is_empty());
    // At base U64_MAX every size caps to 0: nothing happens.
    mb.add(u64::MAX, u64::MAX).unwrap();
    assert!(mb.memory().is_empty());
    // A region inside the top page: trim rounds its base up past 2^64 and, as in the kernel
    // (§G.5), it wraps: base round_up(U64_MAX - 0x7ff, 0x1000) = 0, end round_down(U64_MAX,
    // 0x1000) = U64_MAX - 0xfff. total_size keeps the untrimmed 0x7ff (§G.6).
    mb.add(u64::MAX - 0x7ff, 0x800).unwrap();
    let mut safe = mb.clone();
    mb.trim_memory(0x1000);
    assert_eq!(regions(mb.memory()), [(0, u64::MAX - 0xfff, ANY)]);
    assert_eq!(mb.memory().total_size(), 0x7ff);
    // The opt-in deviation drops the region instead.
    safe.config_mut().deviations = Deviations::TRIM_NO_WRAP;
    safe.trim_memory(0x1000);
    assert!(safe.memory().is_empty());
}

#[test]
fn a_size_that_rounds_past_2_pow_64_gets_an_empty_reservation() {
    let mut mb = populated();
    // round_up(U64_MAX, 0x1000) wraps to 0, as in the kernel: a zero-size search finds the
    // aligned end of the highest free range, [U64_MAX - 0x7000, U64_MAX), and reserving 0
    // bytes there changes nothing.
    let reserved_before = regions(mb.reserved());
    assert_eq!(mb.alloc_nid(u64::MAX, 0x1000, ANY), Some(u64::MAX - 0xfff));
    assert_eq!(mb.alloc(u64::MAX, 0x1000), Ok(u64::MAX - 0xfff));
    assert_eq!(regions(mb.reserved()), reserved_before);
    // Alignment U64_MAX: the size wraps to 0 too, and round_down(end, U64_MAX) keeps only
    // bit 0, which lies below every free range: nothing is found.
    assert_eq!(mb.alloc_nid(0x10, u64::MAX, ANY), None);
    // The opt-in deviation refuses the wrapped size.
    mb.config_mut().deviations = Deviations::ALLOC_SIZE_NO_WRAP;
    assert_eq!(mb.alloc_nid(u64::MAX, 0x1000, ANY), None);
    assert!(mb.alloc(u64::MAX, 0x1000).is_err());
}

#[test]
fn node_ids_are_stored_and_matched_as_given() {
    let mut mb = Memblock::new();
    mb.add_node(0x10_0000, 0x10_0000, NUMA_NO_NODE).unwrap();
    mb.add_node(0x20_0000, 0x10_0000, i32::MAX).unwrap();
    mb.add_node(0x30_0000, 0x10_0000, i32::MIN).unwrap();
    assert_eq!(
        regions(mb.memory()),
        [(0x10_0000, 0x10_0000, -1), (0x20_0000, 0x10_0000, i32::MAX), (0x30_0000, 0x10_0000, i32::MIN)]
    );
    // The 3.12 filter compares nids: -1 selects the memory added with -1 (it is no wildcard).
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, NUMA_NO_NODE), Some(0x1f_f000));
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, i32::MAX), Some(0x2f_f000));
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, i32::MIN), Some(0x3f_f000));
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, 1_000_000), None);
    assert!(mb.dump_all().to_string().contains(" on node 2147483647\n"));
    assert!(mb.dump_all().to_string().contains(" on node -2147483648\n"));
    mb.set_node(0x10_0000, 0x30_0000, 7).unwrap();
    assert_eq!(regions(mb.memory()), [(0x10_0000, 0x30_0000, 7)]);
}

#[test]
fn alignments_that_are_not_powers_of_two_use_mask_arithmetic() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x1000).unwrap(); // [0x1000, 0x2000)
    // round_down(x, 3) = x & !2. 0x2000 - 0x10 = 0x1ff0 has bit 1 clear: 0x1ff0.
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x10, 3), Some(0x1ff0));
    // 0x2000 - 0x11 = 0x1fef -> 0x1fed.
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x11, 3), Some(0x1fed));
    // round_up(0x10, 3) = ((0xf | 2) + 1) = 0x10: the size is unchanged.
    assert_eq!(mb.alloc(0x10, 3), Ok(0x1ff0));
    assert_eq!(regions(mb.reserved()), [(0x1ff0, 0x10, ANY)]);
    // Alignment 2^63: round_down(x, 2^63) keeps only bit 63, 0 for any address here.
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x10, 1 << 63), None);
    // trim_memory(3): [0x1001, 0x5003) -> [round_up = 0x1003, round_down = 0x5001).
    let mut mb = Memblock::new();
    mb.add(0x1001, 0x4002).unwrap();
    mb.trim_memory(3);
    assert_eq!(regions(mb.memory()), [(0x1003, 0x3ffe, ANY)]);
    // trim_memory(0): round_up(x, 0) wraps to 0 and round_down(x, 0) is 0: every region goes.
    mb.trim_memory(0);
    assert!(mb.memory().is_empty());
}

#[test]
fn hand_built_requests_with_start_above_end_find_nothing() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x10_0000).unwrap();
    // The kernel's clamp(v, lo, hi) = min(max(v, lo), hi): every range clamps to [end, end],
    // which holds no non-empty block.
    for size in [1, 0x1000, u64::MAX] {
        let req = FindRequest { start: 0x8000, end: 0x4000, size, align: 0x1000, nid: ANY };
        assert_eq!(find_range_top_down(mb.state(), req), None);
        let req = FindRequest { start: u64::MAX, end: 0, size, align: 0, nid: NUMA_NO_NODE };
        assert_eq!(find_range_top_down(mb.state(), req), None);
    }
    // A zero-size request gets the clamped point itself, end, when it is aligned.
    let req = FindRequest { start: 0x8000, end: 0x4000, size: 0, align: 0x1000, nid: ANY };
    assert_eq!(find_range_top_down(mb.state(), req), Some(0x4000));
}

#[test]
fn a_current_limit_of_zero_means_an_empty_window() {
    let mut mb = Memblock::new();
    mb.add(0, 0x10_0000).unwrap();
    // ACCESSIBLE resolves to current_limit = 0; end = max(PAGE_SIZE, 0) = PAGE_SIZE.
    mb.set_current_limit(0);
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, ANY), None);
    assert_eq!(mb.alloc_base_nopanic(0x1000, 0x1000, 0x2000), Some(0x1000));
}
