//! The `int ret` truncation of 3.13–3.16 (spec §A.12, §G.8): the bottom-up result is kept in an
//! `int`, so the address loses its upper 32 bits and is sign-extended back to 64. Off by
//! default; with the switch on the model reproduces it, with it off the same searches are
//! correct.

use memblock_bottomup::{BOTTOM_UP_FAILED, BottomUp, Event, RegionKind, SeriesMemblock};

const KERNEL_END: u64 = 0x200_0000;

/// 8 GiB of RAM from 1 MiB, everything below `first_free` taken, bottom-up on.
fn first_free_at(first_free: u64, bug: bool) -> SeriesMemblock {
    let mut mb = SeriesMemblock::series(KERNEL_END);
    mb.add(0x10_0000, 0x2_0000_0000 - 0x10_0000).unwrap();
    mb.reserve(0x10_0000, first_free - 0x10_0000).unwrap();
    mb.set_bottom_up(true);
    mb.placement_mut().set_int_ret_bug(bug);
    assert_eq!(mb.placement().int_ret_bug(), bug);
    mb
}

#[test]
fn below_2_gib_the_address_survives() {
    for bug in [false, true] {
        let mut mb = first_free_at(0x4000_0000, bug);
        assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x4000_0000));
    }
}

#[test]
fn a_hit_at_2_gib_comes_back_sign_extended() {
    // 0x8000_0000 as int is -2^31; widened: 0xffff_ffff_8000_0000. Non-zero, so "success":
    // the allocation reserves that address, far outside memory.
    let mut mb = first_free_at(0x8000_0000, true);
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0xffff_ffff_8000_0000));
    assert!(mb.is_reserved(0xffff_ffff_8000_0000));
    assert!(!mb.is_reserved(0x8000_0000));
    assert_eq!(mb.log().warnings(), 0);
    // 3 GiB + 4 KiB: 0xc000_1000 -> 0xffff_ffff_c000_1000.
    let mut mb = first_free_at(0xc000_1000, true);
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x1000, 0x1000), Some(0xffff_ffff_c000_1000));
}

#[test]
fn a_hit_at_exactly_4_gib_truncates_to_0_and_falls_back() {
    // Low 32 bits of 0x1_0000_0000 are 0: "not found", so the warning and the top-down
    // search over the whole range, which gives the top of memory: 0x2_0000_0000 - 4 KiB.
    let mut mb = first_free_at(0x1_0000_0000, true);
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x1_ffff_f000));
    assert!(mb.placement().warned());
    assert_eq!(mb.placement().fallbacks(), 1);
    assert_eq!(mb.log().events(), [Event::Warn(BOTTOM_UP_FAILED)]);
}

#[test]
fn above_4_gib_the_low_bits_are_returned() {
    // 0x1_0000_1000 -> 0x1000: a wrong low address, non-zero, reserved as if found.
    let mut mb = first_free_at(0x1_0000_1000, true);
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x1000));
    assert!(mb.is_reserved(0x1000));
}

#[test]
fn with_the_switch_off_every_hit_is_exact() {
    for (first_free, want) in [
        (0x8000_0000, 0x8000_0000),
        (0xc000_1000, 0xc000_1000),
        (0x1_0000_0000, 0x1_0000_0000),
        (0x1_0000_1000, 0x1_0000_1000),
    ] {
        let mut mb = first_free_at(first_free, false);
        assert_eq!(mb.alloc(0x1000, 0x1000), Ok(want));
        assert!(!mb.placement().warned());
        assert_eq!(mb.log().warnings(), 0);
    }
}

#[test]
fn the_bug_does_not_touch_top_down_searches() {
    let mut mb = first_free_at(0x1_0000_0000, true);
    mb.set_bottom_up(false);
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x1_ffff_f000));
    // Nor a search that stays top-down because it ends at kernel_end.
    let mut low = SeriesMemblock::series(0x1_8000_0000);
    low.add(0x1_0000_0000, 0x1000_0000).unwrap();
    low.set_bottom_up(true);
    low.placement_mut().set_int_ret_bug(true);
    assert_eq!(low.alloc_base(0x1000, 0x1000, 0x1_8000_0000), Ok(0x1_0fff_f000));
}

#[test]
fn the_bug_also_hits_array_doubling() {
    // §G.8: [1 MiB, 2.25 GiB) and 127 pages above it fill the reserved array. It doubles while
    // the first free page above the range being reserved is 2.5 GiB + 4 KiB; the new array's address is truncated and
    // sign-extended, and that is where it gets reserved.
    let mut mb = first_free_at(0x9000_0000, true);
    for i in 0..127u64 {
        mb.reserve(0x9000_1000 + i * 0x2000, 0x1000).unwrap();
    }
    assert_eq!(mb.reserved().cnt(), 128);
    mb.allow_resize();
    mb.log_mut().set_trace(true);
    // Reserving [2.5 GiB, +4 KiB) doubles reserved: bottom-up from max(2.5 GiB + 4 KiB,
    // kernel_end) finds 0xa000_1000 -> 0xffff_ffff_a000_1000.
    mb.reserve(0xa000_0000, 0x1000).unwrap();
    let addr = 0xffff_ffff_a000_1000;
    assert!(mb.log().events().contains(&Event::Doubled {
        kind: RegionKind::Reserved,
        new_max: 256,
        addr,
        bytes: 6144
    }));
    assert!(mb.is_reserved(addr));
    assert_eq!(mb.reserved_regions_info().map(|i| i.addr), Some(addr));
    // Without the bug the array lands on the real address.
    let mut mb = first_free_at(0x9000_0000, false);
    for i in 0..127u64 {
        mb.reserve(0x9000_1000 + i * 0x2000, 0x1000).unwrap();
    }
    mb.allow_resize();
    mb.reserve(0xa000_0000, 0x1000).unwrap();
    assert_eq!(mb.reserved_regions_info().map(|i| i.addr), Some(0xa000_1000));
}
