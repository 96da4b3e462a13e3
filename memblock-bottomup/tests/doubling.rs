//! Array doubling in bottom-up mode (spec §A.5: the new array is found by
//! `memblock_find_in_range`, which honours the direction, "so in bottom-up mode new arrays
//! land just above the kernel").

use memblock_bottomup::{BottomUp, Event, RegionKind, SeriesMemblock};

const KERNEL_END: u64 = 0x200_0000; // 32 MiB

/// RAM [1 MiB, 1 GiB), the kernel image [16 MiB, 32 MiB) reserved, bottom-up on.
fn booted() -> SeriesMemblock {
    let mut mb = SeriesMemblock::series(KERNEL_END);
    mb.add(0x10_0000, 0x3ff0_0000).unwrap();
    mb.reserve(0x100_0000, 0x100_0000).unwrap();
    mb.set_bottom_up(true);
    mb
}

#[test]
fn a_doubled_memory_array_lands_at_kernel_end() {
    let mut mb = booted();
    // 127 more memory regions above 1 GiB + 1 MiB, one page every 8 KiB: 128 in all.
    for i in 0..127u64 {
        mb.add(0x4010_0000 + i * 0x2000, 0x1000).unwrap();
    }
    assert_eq!(mb.memory().cnt(), 128);
    mb.allow_resize();
    mb.log_mut().set_trace(true);
    mb.add(0x5000_0000, 0x1000).unwrap();
    // Memory's doubling searches [0, current_limit): bottom-up from kernel_end, which is free.
    assert_eq!(
        mb.log().events(),
        [
            Event::Doubled { kind: RegionKind::Memory, new_max: 256, addr: KERNEL_END, bytes: 6144 },
            Event::Reserve { base: KERNEL_END, size: 0x2000, caller: "memblock_double_array".into() },
        ]
    );
    // The array touches the kernel image and merges with it.
    let rsv: Vec<_> = mb.reserved().regions().iter().map(|r| (r.base, r.size)).collect();
    assert_eq!(rsv, [(0x100_0000, 0x100_2000)]);
    assert_eq!(mb.memory().cnt(), 129);
    assert!(!mb.placement().warned());
}

#[test]
fn an_allocation_that_doubles_reserved_puts_both_blocks_above_the_kernel() {
    let mut mb = booted();
    // 127 reserved pages below the kernel, [1 MiB + i * 8 KiB, +4 KiB): 128 with the image.
    for i in 0..127u64 {
        mb.reserve(0x10_0000 + i * 0x2000, 0x1000).unwrap();
    }
    assert_eq!(mb.reserved().cnt(), 128);
    mb.allow_resize();
    mb.log_mut().set_trace(true);
    // The allocation finds kernel_end; reserving it doubles reserved, whose array is searched
    // above the range being reserved, bottom-up: kernel_end + 4 KiB.
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(KERNEL_END));
    assert_eq!(
        mb.log().events(),
        [
            Event::Reserve { base: KERNEL_END, size: 0x1000, caller: "memblock_alloc_base_nid".into() },
            Event::Doubled { kind: RegionKind::Reserved, new_max: 256, addr: KERNEL_END + 0x1000, bytes: 6144 },
            Event::Reserve { base: KERNEL_END + 0x1000, size: 0x2000, caller: "memblock_double_array".into() },
        ]
    );
    // Image, allocation and array form one region: [16 MiB, 32 MiB + 12 KiB).
    assert_eq!(mb.reserved().regions().last().map(|r| (r.base, r.size)), Some((0x100_0000, 0x100_3000)));
    assert_eq!(mb.reserved().cnt(), 128);
    assert_eq!(mb.reserved().max(), 256);
}

#[test]
fn with_bottom_up_off_the_same_doubling_goes_to_the_top() {
    let mut mb = booted();
    mb.set_bottom_up(false);
    for i in 0..127u64 {
        mb.reserve(0x10_0000 + i * 0x2000, 0x1000).unwrap();
    }
    mb.allow_resize();
    // Top-down: the allocation takes 1 GiB - 4 KiB; the array, searched above it, finds
    // nothing, so below it: 1 GiB - 12 KiB.
    assert_eq!(mb.alloc(0x1000, 0x1000), Ok(0x3fff_f000));
    assert_eq!(mb.reserved_regions_info().map(|i| i.addr), Some(0x3fff_d000));
}
