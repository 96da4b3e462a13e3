//! The switches around the series' rule: `CONFIG_MOVABLE_NODE` (spec §A.11: without it the
//! setter is a no-op and the getter is constant false) and `Semantics::Modern`, the rule of
//! Linux 5.11 and later (§0.2: bottom-up from the search's own start, no fallback, no warning).

use memblock_bottomup::{BottomUp, BottomUpPlacement, Semantics, SeriesMemblock};

const KERNEL_END: u64 = 0x200_0000;

fn booted() -> SeriesMemblock {
    let mut mb = SeriesMemblock::series(KERNEL_END);
    mb.add(0x10_0000, 0x3ff0_0000).unwrap(); // [1 MiB, 1 GiB)
    mb.reserve(0x100_0000, 0x100_0000).unwrap(); // the kernel image [16 MiB, 32 MiB)
    mb
}

#[test]
fn a_fresh_policy_is_the_series_top_down_with_movable_node_built_in() {
    let p = BottomUpPlacement::new(KERNEL_END);
    assert!(p.movable_node_config());
    assert_eq!(p.semantics(), Semantics::Series);
    assert!(!p.int_ret_bug());
    assert_eq!(p.kernel_end(), KERNEL_END);
    assert!(!p.warned());
    assert_eq!(p.fallbacks(), 0);
    let mut mb = booted();
    assert!(!mb.bottom_up());
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x3fff_f000));
}

#[test]
fn without_config_movable_node_the_setter_does_nothing() {
    let mut mb = booted();
    mb.placement_mut().set_movable_node_config(false);
    assert!(!mb.placement().movable_node_config());
    mb.set_bottom_up(true);
    assert!(!mb.bottom_up());
    // Still top-down.
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x3fff_f000));
}

#[test]
fn turning_the_config_off_also_turns_bottom_up_off() {
    let mut mb = booted();
    mb.set_bottom_up(true);
    assert!(mb.bottom_up());
    mb.placement_mut().set_movable_node_config(false);
    assert!(!mb.bottom_up());
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x3fff_f000));
    // Back on: the direction is whatever is set next.
    mb.placement_mut().set_movable_node_config(true);
    assert!(!mb.bottom_up());
    mb.set_bottom_up(true);
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(KERNEL_END));
}

#[test]
fn modern_bottom_up_starts_at_the_search_start() {
    let mut mb = booted();
    mb.set_bottom_up(true);
    mb.placement_mut().set_semantics(Semantics::Modern);
    // kernel_end plays no part: the lowest free page from max(0, PAGE_SIZE) is 1 MiB.
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x10_0000));
    // Also when the end is below kernel_end (the series would have gone top-down).
    assert_eq!(mb.alloc_base(0x1000, 0x1000, 0x100_0000), Ok(0x10_1000));
    assert_eq!(mb.find_in_range(0x300_0000, u64::MAX, 0x1000, 0x1000), Some(0x300_0000));
}

#[test]
fn modern_bottom_up_neither_falls_back_nor_warns() {
    let mut mb = booted();
    mb.set_bottom_up(true);
    mb.placement_mut().set_semantics(Semantics::Modern);
    // Everything above the kernel taken. The series would warn and fall back to top-down
    // (16 MiB - 4 KiB, below); modern bottom-up takes the lowest free page, 1 MiB, quietly.
    mb.reserve(0x200_0000, 0x3e00_0000).unwrap();
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x10_0000));
    assert_eq!(mb.log().warnings(), 0);
    let mut series = booted();
    series.set_bottom_up(true);
    series.reserve(0x200_0000, 0x3e00_0000).unwrap();
    assert_eq!(series.alloc(0x1000, 0x1000), Ok(0xff_f000));
    assert_eq!(series.log().warnings(), 1);
    // Modern bottom-up searches the same [start, end) as top-down, so a fallback could never
    // find more: there is none. With all of memory taken the search fails quietly.
    mb.reserve(0x10_0000, 0xf0_0000).unwrap();
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, memblock_bottomup::MAX_NUMNODES), None);
    assert!(!mb.placement().warned());
    assert_eq!(mb.placement().fallbacks(), 0);
    assert_eq!(mb.log().warnings(), 0);
    // The same state under the series' rule: one fallback, one warning, and still nothing.
    mb.placement_mut().set_semantics(Semantics::Series);
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, memblock_bottomup::MAX_NUMNODES), None);
    assert_eq!(mb.placement().fallbacks(), 1);
    assert_eq!(mb.log().warnings(), 1);
}

#[test]
fn modern_semantics_ignore_the_int_ret_bug() {
    // The truncation was fixed in 3.17, long before 5.11.
    let mut mb = SeriesMemblock::series(KERNEL_END);
    mb.add(0x8000_0000, 0x1000_0000).unwrap(); // [2 GiB, 2.25 GiB)
    mb.set_bottom_up(true);
    mb.placement_mut().set_semantics(Semantics::Modern);
    mb.placement_mut().set_int_ret_bug(true);
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x8000_0000));
}
