//! `memblock_double_array()` (spec §A.5, §G.1, §G.3): both arrays grow from 128 entries once
//! `memblock_allow_resize()` was called. 24-byte regions: 128 → 256 needs
//! PAGE_ALIGN(2 × 128 × 24 = 6144) = 8192 bytes, found by memblock's own search (top-down
//! here), then reserved; 256 → 512 needs 12288 bytes and frees the first doubled array.

mod common;

use common::{assert_merged, assert_sound, assert_total, regions};
use memblock_topdown::{ArrayInfo, Error, Event, MAX_NUMNODES, Memblock, RegionKind};

const ANY: i32 = MAX_NUMNODES;

/// 128 memory regions of 512 KiB, one every MiB from 0: [i MiB, i MiB + 512 KiB).
fn full_memory() -> Memblock {
    let mut mb = Memblock::new();
    for i in 0..128u64 {
        mb.add(i * 0x10_0000, 0x8_0000).unwrap();
    }
    assert_eq!(mb.memory().cnt(), 128);
    mb
}

/// 256 MiB of memory and 128 reserved pages, one every 8 KiB from 1 MiB.
fn full_reserved() -> Memblock {
    let mut mb = Memblock::new();
    mb.add(0, 0x1000_0000).unwrap();
    for i in 0..128u64 {
        mb.reserve(0x10_0000 + i * 0x2000, 0x1000).unwrap();
    }
    assert_eq!(mb.reserved().cnt(), 128);
    mb
}

fn check(mb: &Memblock) {
    assert_sound(mb);
    for ty in [mb.memory(), mb.reserved()] {
        assert_merged(ty);
        assert_total(ty);
    }
}

#[test]
fn a_full_memory_array_refuses_to_grow_before_allow_resize() {
    let mut mb = full_memory();
    let before = mb.memory().regions().to_vec();
    let refused = Error::ResizeNotAllowed { kind: RegionKind::Memory, max: 128 };
    let full = Err(refused);
    // One new piece: cnt + 1 > max.
    assert_eq!(mb.add(0x8000_0000, 0x1000), full);
    // Exactly filling a gap would merge into one region, but the count comes first (§A.3 step 4).
    assert_eq!(mb.add(0x8_0000, 0x8_0000), full);
    // Two gaps: neither is inserted.
    assert_eq!(mb.add(0x8_0000, 0x10_0000), full);
    assert_eq!(mb.memory().regions(), &before[..]);
    assert_eq!(mb.memory().max(), 128);
    assert_eq!(mb.memory().total_size(), 128 * 0x8_0000);
    assert!(mb.reserved().is_empty());
    // A range already covered needs no new entry and succeeds.
    assert_eq!(mb.add(0x10_0000, 0x1000), Ok(()));
    // The kernel returns -ENOMEM silently (§G.3): no warning, no message.
    assert_eq!(mb.log().warnings(), 0);
    assert!(mb.log().events().is_empty());
    let msg = refused.to_string();
    assert_eq!(
        msg,
        "memblock: the memory array is full (128 regions) and cannot grow before memblock_allow_resize() is called"
    );
    check(&mb);
}

#[test]
fn isolation_needs_two_spare_entries() {
    // 127 regions: a removal inside one needs cnt + 2 = 129 > 128 entries.
    let mut mb = Memblock::new();
    for i in 0..127u64 {
        mb.add(i * 0x10_0000, 0x8_0000).unwrap();
    }
    let before = mb.memory().regions().to_vec();
    let full = Err(Error::ResizeNotAllowed { kind: RegionKind::Memory, max: 128 });
    assert_eq!(mb.remove(0x1000, 0x1000), full);
    assert_eq!(mb.set_node(0x1000, 0x1000, 1), full);
    // Even removing a whole region asks for the two spare entries first.
    assert_eq!(mb.remove(0, 0x8_0000), full);
    assert_eq!(mb.memory().regions(), &before[..]);
    // With 126 regions the same removal works.
    let mut mb = Memblock::new();
    for i in 0..126u64 {
        mb.add(i * 0x10_0000, 0x8_0000).unwrap();
    }
    assert_eq!(mb.remove(0x1000, 0x1000), Ok(()));
    assert_eq!(mb.memory().cnt(), 127);
}

#[test]
fn the_memory_array_doubles_into_the_highest_free_8_kib() {
    let mut mb = full_memory();
    mb.log_mut().set_trace(true);
    mb.allow_resize();
    mb.add(0x8000_0000, 0x1000).unwrap();
    // Doubling memory searches [PAGE_SIZE, current_limit) before the new region is inserted:
    // the highest free 8 KiB is at the top of the last region [127 MiB, 127.5 MiB):
    // 0x7f8_0000 - 0x2000 = 0x7f7_e000.
    let addr = 0x7f7_e000;
    assert_eq!(mb.memory().cnt(), 129);
    assert_eq!(mb.memory().max(), 256);
    assert_eq!(mb.memory().regions().last().map(|r| (r.base, r.size)), Some((0x8000_0000, 0x1000)));
    assert_eq!(regions(mb.reserved()), [(addr, 0x2000, ANY)]);
    assert_eq!(mb.memory_regions_info(), Some(ArrayInfo { addr, size: 0x2000 }));
    assert_eq!(mb.reserved_regions_info(), None);
    let events = mb.log().events();
    assert_eq!(
        events,
        [
            Event::Doubled { kind: RegionKind::Memory, new_max: 256, addr, bytes: 6144 },
            Event::Reserve { base: addr, size: 0x2000, caller: "memblock_double_array".into() },
        ]
    );
    // The debug line prints the unaligned end: addr + 6144 - 1.
    assert_eq!(events[0].to_string(), "memblock: memory is doubled to 256 at [0x07f7e000-0x07f7f7ff]");
    check(&mb);
}

#[test]
fn a_full_reserved_array_refuses_to_grow_before_allow_resize() {
    let mut mb = full_reserved();
    let before = mb.reserved().regions().to_vec();
    assert_eq!(mb.reserve(0x20_0000, 0x1000), Err(Error::ResizeNotAllowed { kind: RegionKind::Reserved, max: 128 }));
    assert_eq!(mb.reserved().regions(), &before[..]);
    assert_eq!(mb.reserved().total_size(), 128 * 0x1000);
    // An allocation that cannot reserve what it found fails and leaves nothing behind.
    assert_eq!(mb.alloc_nid(0x1000, 0x1000, ANY), None);
    assert_eq!(mb.reserved().regions(), &before[..]);
    check(&mb);
}

#[test]
fn the_reserved_array_doubles_above_the_range_being_reserved() {
    let mut mb = full_reserved();
    mb.log_mut().set_trace(true);
    mb.allow_resize();
    // The 129th page, X = 1 MiB + 128 × 8 KiB = 2 MiB. The new array is searched in
    // [X + 4 KiB, current_limit): top-down, the top of memory: 256 MiB - 8 KiB = 0xfff_e000.
    let x = 0x20_0000;
    mb.reserve(x, 0x1000).unwrap();
    let addr = 0xfff_e000;
    assert_eq!(mb.reserved().max(), 256);
    assert_eq!(mb.reserved().cnt(), 130);
    assert!(mb.is_reserved(x));
    assert_eq!(*regions(mb.reserved()).last().unwrap(), (addr, 0x2000, ANY));
    assert_eq!(mb.reserved_regions_info(), Some(ArrayInfo { addr, size: 0x2000 }));
    assert_eq!(
        mb.log().events(),
        [
            Event::Reserve { base: x, size: 0x1000, caller: "(unknown caller)".into() },
            Event::Doubled { kind: RegionKind::Reserved, new_max: 256, addr, bytes: 6144 },
            Event::Reserve { base: addr, size: 0x2000, caller: "memblock_double_array".into() },
        ]
    );
    check(&mb);
}

#[test]
fn the_reserved_array_avoids_the_range_being_reserved() {
    let mut mb = full_reserved();
    mb.allow_resize();
    // Reserve the top 64 KiB of memory, [0xfff_0000, 256 MiB). Above it nothing is free, so
    // the second search, [PAGE_SIZE, min(0xfff_0000, current_limit)), places the array below
    // it: 0xfff_0000 - 0x2000 = 0xffe_e000 (without the avoidance top-down would have chosen
    // 0xfff_e000, inside the range). The array and the range touch and merge.
    mb.reserve(0xfff_0000, 0x1_0000).unwrap();
    assert_eq!(mb.reserved_regions_info().map(|i| i.addr), Some(0xffe_e000));
    assert_eq!(*regions(mb.reserved()).last().unwrap(), (0xffe_e000, 0x1_2000, ANY));
    assert_eq!(mb.reserved().cnt(), 129);
    check(&mb);
}

#[test]
fn no_room_for_a_doubled_array_fails_with_the_kernel_message() {
    // 1 MiB of memory with every other 4 KiB page reserved: 128 regions and no free 8 KiB.
    let mut mb = Memblock::new();
    mb.add(0, 0x10_0000).unwrap();
    for i in 0..128u64 {
        mb.reserve(i * 0x2000, 0x1000).unwrap();
    }
    mb.allow_resize();
    let before = mb.reserved().regions().to_vec();
    let err = mb.reserve(0x20_0000, 0x1000).unwrap_err();
    assert_eq!(err, Error::DoubleFailed { kind: RegionKind::Reserved, from: 128 });
    assert_eq!(err.to_string(), "memblock: Failed to double reserved array from 128 to 256 entries !");
    assert_eq!(err.errno(), -12);
    assert!(!err.is_kernel_panic());
    // pr_err is always printed (recorded without trace), and it is not a warning.
    let failed = Event::DoubleFailed { kind: RegionKind::Reserved, from: 128 };
    assert_eq!(mb.log().events(), std::slice::from_ref(&failed));
    assert_eq!(failed.to_string(), "memblock: Failed to double reserved array from 128 to 256 entries !");
    assert_eq!(mb.log().warnings(), 0);
    assert_eq!(mb.reserved().regions(), &before[..]);
    assert_eq!(mb.reserved().max(), 128);
    check(&mb);
}

#[test]
fn no_room_for_a_doubled_memory_array_names_memory() {
    // 128 memory regions of one page each, every other page, all of them reserved.
    let mut mb = Memblock::new();
    for i in 0..128u64 {
        mb.add(0x1000 + i * 0x2000, 0x1000).unwrap();
        mb.reserve(0x1000 + i * 0x2000, 0x1000).unwrap();
    }
    mb.allow_resize();
    let err = mb.add(0x100_0000, 0x1000).unwrap_err();
    assert_eq!(err.to_string(), "memblock: Failed to double memory array from 128 to 256 entries !");
    assert_eq!(mb.memory().cnt(), 128);
}

#[test]
fn the_second_doubling_frees_the_first_array() {
    let mut mb = full_reserved();
    mb.allow_resize();
    // Pages 128..=254 bring reserved to 129 pages + the array at 0xfff_e000 = 256 entries.
    for i in 128..255u64 {
        mb.reserve(0x10_0000 + i * 0x2000, 0x1000).unwrap();
    }
    assert_eq!((mb.reserved().cnt(), mb.reserved().max()), (256, 256));
    mb.log_mut().set_trace(true);
    // Page 255 at X = 1 MiB + 255 × 8 KiB = 0x2f_e000 needs a 512-entry array:
    // PAGE_ALIGN(512 × 24) = 12288 bytes, top-down below the old array: 0xfff_e000 - 0x3000.
    let x = 0x2f_e000;
    mb.reserve(x, 0x1000).unwrap();
    let addr = 0xfff_b000;
    let events = mb.log().events();
    assert_eq!(
        events,
        [
            Event::Reserve { base: x, size: 0x1000, caller: "(unknown caller)".into() },
            Event::Doubled { kind: RegionKind::Reserved, new_max: 512, addr, bytes: 12288 },
            Event::Free { base: 0xfff_e000, size: 0x2000, caller: "memblock_double_array".into() },
            Event::Reserve { base: addr, size: 0x3000, caller: "memblock_double_array".into() },
        ]
    );
    assert_eq!(events[1].to_string(), "memblock: reserved is doubled to 512 at [0x0fffb000-0x0fffdfff]");
    assert_eq!(events[2].to_string(), "   memblock_free: [0x0000000fffe000-0x00000010000000] memblock_double_array");
    assert_eq!(*regions(mb.reserved()).last().unwrap(), (addr, 0x3000, ANY));
    assert!(!mb.is_reserved(0xfff_e000));
    assert_eq!(mb.reserved_regions_info(), Some(ArrayInfo { addr, size: 0x3000 }));
    // 256 entries before, + page 255, the old array freed, the new one reserved.
    assert_eq!(mb.reserved().cnt(), 257);
    check(&mb);
}

#[test]
fn a_memory_doubling_can_double_reserved_too() {
    // Reserved full (128 pages) and memory full (128 regions): adding memory doubles memory, whose
    // new array must be reserved, which first doubles reserved.
    let mut mb = Memblock::new();
    for i in 0..128u64 {
        mb.add(i * 0x10_0000, 0x8_0000).unwrap();
        mb.reserve(i * 0x10_0000, 0x1000).unwrap();
    }
    mb.allow_resize();
    mb.log_mut().set_trace(true);
    mb.add(0x8000_0000, 0x1000).unwrap();
    // Memory's array: the highest free 8 KiB, 0x7f7_e000 (top of [127 MiB, 127.5 MiB)). Its
    // reservation finds reserved full; reserved's array avoids [0x7f7_e000, 0x7f8_0000): above
    // it nothing, so below: 0x7f7_c000.
    let events: Vec<String> = mb.log().events().iter().map(|e| e.to_string()).collect();
    assert_eq!(
        events,
        [
            "memblock: memory is doubled to 256 at [0x07f7e000-0x07f7f7ff]",
            "memblock_reserve: [0x00000007f7e000-0x00000007f80000] memblock_double_array",
            "memblock: reserved is doubled to 256 at [0x07f7c000-0x07f7d7ff]",
            "memblock_reserve: [0x00000007f7c000-0x00000007f7e000] memblock_double_array",
        ]
    );
    // The two arrays touch and merge into one reserved region.
    assert_eq!(*regions(mb.reserved()).last().unwrap(), (0x7f7_c000, 0x4000, ANY));
    assert_eq!((mb.memory().max(), mb.reserved().max()), (256, 256));
    check(&mb);
}
