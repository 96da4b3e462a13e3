//! The fallback of §A.11 step 4: when nothing fits above the kernel, memblock warns once
//! (`WARN_ONCE`) and returns the top-down answer over the whole range. Every fallback is
//! counted, though only the first warns.

use memblock_bottomup::{BOTTOM_UP_FAILED, BottomUp, Error, Event, SeriesMemblock};

const KERNEL_END: u64 = 0x800_0000; // 128 MiB

/// RAM [1 MiB, 256 MiB) with everything above the kernel taken.
fn full_above_kernel() -> SeriesMemblock {
    let mut mb = SeriesMemblock::series(KERNEL_END);
    mb.add(0x10_0000, 0xff0_0000).unwrap();
    mb.reserve(KERNEL_END, 0x1000_0000 - KERNEL_END).unwrap();
    mb.set_bottom_up(true);
    mb
}

fn bottom_up_warnings(mb: &SeriesMemblock) -> usize {
    mb.log().events().iter().filter(|e| **e == Event::Warn(BOTTOM_UP_FAILED)).count()
}

#[test]
fn the_fallback_returns_the_top_down_answer_and_warns_once() {
    let mut mb = full_above_kernel();
    assert!(!mb.placement().warned());
    // Bottom-up in [128 MiB, U64_MAX) finds nothing; top-down over [4 KiB, U64_MAX) gives the
    // highest free page, 128 MiB - 4 KiB.
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x7ff_f000));
    assert!(mb.placement().warned());
    assert_eq!(mb.placement().fallbacks(), 1);
    assert_eq!(bottom_up_warnings(&mb), 1);
    // Again: the next page down, no second warning, but a second fallback.
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x7ff_e000));
    assert_eq!(mb.find_in_range(0, u64::MAX, 0x2000, 0x1000), Some(0x7ff_c000));
    assert_eq!(mb.placement().fallbacks(), 3);
    assert_eq!(bottom_up_warnings(&mb), 1);
    assert_eq!(mb.log().warnings(), 1);
    assert_eq!(
        mb.log().events()[0].to_string(),
        "memblock: bottom-up allocation failed, memory hotunplug may be affected"
    );
}

#[test]
fn a_fallback_that_also_fails_is_still_a_fallback() {
    let mut mb = full_above_kernel();
    // 256 MiB fits nowhere: bottom-up fails (warning), top-down fails, memblock_alloc panics.
    assert_eq!(mb.alloc(0x1000_0000, 0x1000), Err(Error::AllocFailed { size: 0x1000_0000, max_addr: 0 }));
    assert_eq!(mb.placement().fallbacks(), 1);
    assert_eq!(bottom_up_warnings(&mb), 1);
    assert_eq!(mb.alloc_nid(0x1000_0000, 0x1000, memblock_bottomup::MAX_NUMNODES), None);
    assert_eq!(mb.placement().fallbacks(), 2);
    assert_eq!(bottom_up_warnings(&mb), 1);
}

#[test]
fn once_means_once_per_memblock_even_after_switching_direction() {
    let mut mb = full_above_kernel();
    mb.alloc(0x1000, 0x1000).unwrap();
    mb.set_bottom_up(false);
    mb.set_bottom_up(true);
    mb.alloc(0x1000, 0x1000).unwrap();
    assert_eq!(bottom_up_warnings(&mb), 1);
    assert_eq!(mb.placement().fallbacks(), 2);
    // A fresh memblock warns again.
    let mut other = full_above_kernel();
    other.alloc(0x1000, 0x1000).unwrap();
    assert_eq!(bottom_up_warnings(&other), 1);
}

#[test]
fn a_successful_bottom_up_search_does_not_warn() {
    let mut mb = full_above_kernel();
    mb.free(0x900_0000, 0x1000).unwrap();
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x900_0000));
    assert!(!mb.placement().warned());
    assert_eq!(mb.placement().fallbacks(), 0);
    // Top-down mode never falls back.
    mb.set_bottom_up(false);
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x7ff_f000));
    assert_eq!(mb.placement().fallbacks(), 0);
    assert_eq!(mb.log().warnings(), 0);
}

/// The warning this layer defines prints the text of patch 2's `WARN_ONCE` (without its `\n`).
#[test]
fn fallback_warning_text_is_the_kernels() {
    assert_eq!(BOTTOM_UP_FAILED.to_string(), "memblock: bottom-up allocation failed, memory hotunplug may be affected");
}
