//! The series' rule (spec §A.11): while bottom-up is on, a search whose end lies above
//! `kernel_end` starts at `max(start, kernel_end)` and goes upward; a search whose end is at or
//! below `kernel_end` stays top-down, without a warning.

use memblock_bottomup::{BOTTOM_UP_FAILED, BottomUp, MEMBLOCK_ALLOC_ACCESSIBLE, SeriesMemblock};

const KERNEL_END: u64 = 0x200_0000; // 32 MiB

/// Low memory [4 KiB, 636 KiB), RAM [1 MiB, 1 GiB), the kernel image [16 MiB, 32 MiB)
/// reserved, bottom-up on.
fn booted() -> SeriesMemblock {
    let mut mb = SeriesMemblock::series(KERNEL_END);
    mb.add(0x1000, 0x9e000).unwrap();
    mb.add(0x10_0000, 0x3ff0_0000).unwrap();
    mb.reserve_as(0x100_0000, 0x100_0000, "kernel image").unwrap();
    mb.set_bottom_up(true);
    mb
}

fn no_warning(mb: &SeriesMemblock) {
    assert!(!mb.placement().warned());
    assert_eq!(mb.placement().fallbacks(), 0);
    assert_eq!(mb.log().warnings(), 0);
}

#[test]
fn allocations_start_right_above_the_kernel() {
    let mut mb = booted();
    // [1 MiB, 16 MiB) is free below the kernel, but the search starts at kernel_end.
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x200_0000));
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x200_1000));
    // The reservations merge with the kernel image: [16 MiB, 32 MiB + 8 KiB).
    let rsv: Vec<_> = mb.reserved().regions().iter().map(|r| (r.base, r.size)).collect();
    assert_eq!(rsv, [(0x100_0000, 0x100_2000)]);
    no_warning(&mb);
}

#[test]
fn an_unaligned_kernel_end_is_rounded_up() {
    let mut mb = booted();
    mb.placement_mut().set_kernel_end(0x1ff_f800);
    assert_eq!(mb.placement().kernel_end(), 0x1ff_f800);
    // round_up(0x1ff_f800, 4 KiB) = 32 MiB.
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x200_0000));
    // round_up(32 MiB + 4 KiB, 2 MiB) = 34 MiB; the size is rounded to 2 MiB too.
    assert_eq!(mb.alloc(0x1000, 0x20_0000), Ok(0x220_0000));
    // 8-byte alignment from the unaligned kernel_end itself (free: it is not reserved here).
    mb.placement_mut().set_kernel_end(0x300_0008);
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x10, 8), Some(0x300_0008));
}

#[test]
fn a_search_ending_at_or_below_kernel_end_stays_top_down() {
    let mut mb = booted();
    // The "below 1 MiB" allocations: top-down in [4 KiB, 1 MiB), at the top of low memory
    // 0x9f000 - 0x1000.
    assert_eq!(mb.alloc_base(0x1000, 0x1000, 0x10_0000), Ok(0x9e000));
    // end == kernel_end: still top-down, the highest page below the kernel image.
    assert_eq!(mb.alloc_base(0x1000, 0x1000, KERNEL_END), Ok(0xff_f000));
    assert_eq!(mb.find_in_range(0, KERNEL_END, 0x1000, 0x1000), Some(0xff_e000));
    no_warning(&mb);
    // One page past kernel_end: bottom-up in [kernel_end, kernel_end + 4 KiB).
    assert_eq!(mb.alloc_base(0x1000, 0x1000, KERNEL_END + 0x1000), Ok(KERNEL_END));
    no_warning(&mb);
}

#[test]
fn a_start_above_kernel_end_is_kept() {
    let mut mb = booted();
    assert_eq!(mb.find_in_range(0x1000_0000, u64::MAX, 0x1000, 0x1000), Some(0x1000_0000));
    // round_up(0x1000_0001, 4 KiB).
    assert_eq!(mb.find_in_range(0x1000_0001, u64::MAX, 0x1000, 0x1000), Some(0x1000_1000));
    // A start below kernel_end is raised to it.
    assert_eq!(mb.find_in_range(0x1000, u64::MAX, 0x1000, 0x1000), Some(KERNEL_END));
    no_warning(&mb);
}

#[test]
fn accessible_with_a_low_current_limit() {
    let mut mb = booted();
    // current_limit 16 MiB <= kernel_end: ACCESSIBLE resolves to it, so top-down, no warning.
    mb.set_current_limit(0x100_0000);
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0xff_f000));
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, memblock_bottomup::MAX_NUMNODES), Some(0xff_e000));
    no_warning(&mb);
    // current_limit 48 MiB: bottom-up from kernel_end.
    mb.set_current_limit(0x300_0000);
    assert_eq!(mb.find_in_range(0, MEMBLOCK_ALLOC_ACCESSIBLE, 0x1000, 0x1000), Some(KERNEL_END));
    // current_limit kernel_end + 2 KiB: [kernel_end, +2 KiB) cannot hold 4 KiB, so the search
    // warns and falls back to top-down below the limit: the highest free page under the kernel
    // image, 16 MiB - 8 KiB (two pages were taken above).
    mb.set_current_limit(KERNEL_END + 0x800);
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0xff_d000));
    assert!(mb.placement().warned());
    assert_eq!(mb.placement().fallbacks(), 1);
    assert_eq!(mb.log().events(), [memblock_bottomup::Event::Warn(BOTTOM_UP_FAILED)]);
}
