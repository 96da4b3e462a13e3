//! Where `reserve_crashkernel()` puts the crash kernel, worked out by hand from the 3.13 rules:
//! automatic placement is memblock's search in [16 MiB, 896 MiB) (or [16 MiB, 64 TiB) for
//! `,high`) with 16 MiB alignment, in memblock's current direction; a fixed base must be the
//! only hit of a search over exactly [base, base + size) with 1 MiB alignment.

use crashkernel::{
    CrashParams, CrashkernelError, Error, LowOutcome, initmem_init, reserve_crashkernel,
    reserve_crashkernel_before_srat,
};
use x86_mm_bottomup::memblock_bottomup::{BottomUp, SeriesMemblock};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// RAM [4 KiB, 636 KiB), [1 MiB, 3 GiB) (the PCI hole above), [4 GiB, 8 GiB); the kernel
/// image reserved at [16 MiB, 64 MiB), kernel_end 64 MiB.
fn machine() -> SeriesMemblock {
    let mut mb = SeriesMemblock::series(64 * MIB);
    mb.add(0x1000, 0x9e000).unwrap();
    mb.add(MIB, 3 * GIB - MIB).unwrap();
    mb.add(4 * GIB, 4 * GIB).unwrap();
    mb.reserve(16 * MIB, 48 * MIB).unwrap();
    mb
}

fn after_srat(mb: &mut SeriesMemblock, cmdline: &[u8]) -> Result<Option<crashkernel::CrashKernel>, Error> {
    let (_, srat) = initmem_init(mb, |mb| mb.set_bottom_up(false));
    reserve_crashkernel(mb, &CrashParams::new(cmdline), &srat)
}

#[test]
fn automatic_placement_is_the_highest_16m_block_below_896m() {
    let mut mb = machine();
    let ck = after_srat(&mut mb, b"crashkernel=256M").unwrap().unwrap();
    // round_down(896 MiB - 256 MiB, 16 MiB) = 640 MiB.
    assert_eq!((ck.base, ck.size, ck.high), (640 * MIB, 256 * MIB, false));
    assert!(mb.is_region_reserved(640 * MIB, 256 * MIB));
    // System RAM: 0x9e000 + (3 GiB - 1 MiB) + 4 GiB = 7167.6 MiB, printed truncated.
    assert_eq!(ck.to_string(), "Reserving 256MB of memory at 640MB for crashkernel (System RAM: 7167MB)");
    assert_eq!(ck.resource().to_string(), "28000000-37ffffff : Crash kernel");
    assert_eq!(ck.low, None);
}

#[test]
fn automatic_placement_goes_below_a_reservation_in_the_way() {
    let mut mb = machine();
    mb.reserve(800 * MIB, 10 * MIB).unwrap();
    let ck = after_srat(&mut mb, b"crashkernel=256M").unwrap().unwrap();
    // [810 MiB, 896 MiB) is too small; in [64 MiB, 800 MiB): round_down(800 - 256, 16) = 544 MiB.
    assert_eq!(ck.base, 544 * MIB);
}

#[test]
fn range_form_picks_the_size_for_the_ram() {
    let mut mb = machine();
    // 7167 MiB of RAM lies in 2G-: 128M.
    let ck = after_srat(&mut mb, b"crashkernel=512M-2G:64M,2G-:128M").unwrap().unwrap();
    assert_eq!((ck.base, ck.size), (768 * MIB, 128 * MIB));
}

#[test]
fn fixed_base_free_and_in_use() {
    let mut mb = machine();
    let ck = after_srat(&mut mb, b"crashkernel=128M@128M").unwrap().unwrap();
    assert_eq!((ck.base, ck.size), (128 * MIB, 128 * MIB));

    // The kernel image sits at 16 MiB.
    let mut mb = machine();
    assert_eq!(after_srat(&mut mb, b"crashkernel=64M@16M"), Err(Error::MemoryInUse { base: 16 * MIB, size: 64 * MIB }));
    // Not 1 MiB aligned: the only candidate of the search is rounded away from the base.
    let mut mb = machine();
    let base = 128 * MIB + 0x1000;
    let cmdline = format!("crashkernel=64M@{base:#x}");
    assert_eq!(after_srat(&mut mb, cmdline.as_bytes()), Err(Error::MemoryInUse { base, size: 64 * MIB }));
    // In the PCI hole.
    let mut mb = machine();
    assert_eq!(after_srat(&mut mb, b"crashkernel=64M@3G"), Err(Error::MemoryInUse { base: 3 * GIB, size: 64 * MIB }));
    // A base whose end would pass 2^64.
    let mut mb = machine();
    let r = after_srat(&mut mb, b"crashkernel=64M@0xffffffffffff0000");
    assert_eq!(r, Err(Error::MemoryInUse { base: 0xffff_ffff_ffff_0000, size: 64 * MIB }));
}

#[test]
fn high_goes_above_4g_with_the_default_low_part() {
    let mut mb = machine();
    let ck = after_srat(&mut mb, b"crashkernel=512M,high").unwrap().unwrap();
    // Highest 16 MiB-aligned 512 MiB below 64 TiB: 8 GiB - 512 MiB.
    assert_eq!((ck.base, ck.size, ck.high), (8 * GIB - 512 * MIB, 512 * MIB, true));
    // Low part: 64 MiB swiotlb + 8 MiB, searched in [72 MiB, 4 GiB) top-down:
    // round_down(3 GiB - 72 MiB, 16 MiB) = 2992 MiB. System low RAM: 0x9e000 + 3 GiB - 1 MiB.
    let Some(LowOutcome::Reserved(low)) = ck.low else { panic!("no low part: {:?}", ck.low) };
    assert_eq!((low.base, low.size, low.auto), (2992 * MIB, 72 * MIB, true));
    assert_eq!(low.to_string(), "Reserving 72MB of low memory at 2992MB for crashkernel (System low RAM: 3071MB)");
}

#[test]
fn low_part_follows_swiotlb_and_can_be_disabled() {
    let mut mb = machine();
    let (_, srat) = initmem_init(&mut mb, |_| ());
    // swiotlb=65536 slabs of 2 KiB = 128 MiB, + 8 MiB.
    let params = CrashParams {
        swiotlb_nslabs: crashkernel::parse_swiotlb(b"65536"),
        ..CrashParams::new(b"crashkernel=1G,high")
    };
    let ck = reserve_crashkernel(&mut mb, &params, &srat).unwrap().unwrap();
    let Some(LowOutcome::Reserved(low)) = ck.low else { panic!() };
    assert_eq!(low.size, 136 * MIB);

    let mut mb = machine();
    let ck = after_srat(&mut mb, b"crashkernel=1G,high crashkernel=0,low").unwrap().unwrap();
    assert_eq!(ck.low, Some(LowOutcome::Disabled));

    let mut mb = machine();
    let ck = after_srat(&mut mb, b"crashkernel=1G,high crashkernel=100M,low").unwrap().unwrap();
    let Some(LowOutcome::Reserved(low)) = ck.low else { panic!() };
    // round_down(3 GiB - 100 MiB, 16 MiB) = 2960 MiB; user-specified.
    assert_eq!((low.base, low.size, low.auto), (2960 * MIB, 100 * MIB, false));
}

#[test]
fn not_enough_memory_below_896m() {
    let mut mb = machine();
    // Free below 896 MiB: [1 MiB, 16 MiB) and [64 MiB, 896 MiB) = 832 MiB < 1 GiB.
    assert_eq!(after_srat(&mut mb, b"crashkernel=1G"), Err(Error::NoSuitableArea { size: GIB, limit: 896 * MIB }));
}

#[test]
fn no_request_and_bad_syntax() {
    let mut mb = machine();
    assert_eq!(after_srat(&mut mb, b"ro quiet"), Ok(None));
    assert_eq!(after_srat(&mut mb, b"crashkernel=0M"), Ok(None));
    let r = after_srat(&mut mb, b"crashkernel=foo");
    assert!(matches!(r, Err(Error::Syntax(CrashkernelError::MemoryValueExpected { .. }))), "{r:?}");
    assert!(r.unwrap_err().to_string().contains("crashkernel: memory value expected"));
    // A broken plain entry does not stop a valid `,high` one; its warning is kept.
    let ck = after_srat(&mut mb, b"crashkernel=foo crashkernel=256M,high").unwrap().unwrap();
    assert!(ck.high);
    assert!(matches!(ck.ignored, Some(CrashkernelError::MemoryValueExpected { .. })));
}

#[test]
fn before_srat_with_movable_node_lands_right_above_the_kernel() {
    // 3.12's position with movable_node: memblock is still bottom-up, so the search starts at
    // max(16 MiB, kernel_end = 64 MiB) and takes the first 16 MiB-aligned fit: 64 MiB.
    let mut mb = machine();
    mb.set_bottom_up(true);
    let ck =
        reserve_crashkernel_before_srat(&mut mb, &CrashParams::new(b"movable_node crashkernel=256M")).unwrap().unwrap();
    assert_eq!(ck.base, 64 * MIB);
    // The series' position: numa_init() has reset the direction, top-down again.
    let mut mb = machine();
    mb.set_bottom_up(true);
    let ck = after_srat(&mut mb, b"movable_node crashkernel=256M").unwrap().unwrap();
    assert_eq!(ck.base, 640 * MIB);
}
