//! Linux 6.1's `reserve_crashkernel()` (spec §H.5.2), branch by branch, on one machine. Every
//! address below is worked out by hand from 6.1's rules: without a base, a low try in
//! [16 MiB, 4 GiB), then a high try in [16 MiB, 64 TiB) (first for `,high`), both top-down
//! and 16 MiB aligned; with a base, exactly [base, base + size) at 1 MiB alignment; for a
//! crash kernel at or above 4 GiB, a low part (`,low`, or max(swiotlb + 8 MiB, 256 MiB)) in
//! [0, 4 GiB), whose failure frees the crash kernel again.
//!
//! The machine: RAM [4 KiB, 636 KiB), [1 MiB, 3 GiB), [4 GiB, 8 GiB); the kernel image at
//! [16 MiB, 64 MiB). memblock_phys_mem_size() = 0x9e000 + (3 GiB - 1 MiB) + 4 GiB, which is
//! 7167 MiB and 632 KiB: `System RAM: 7167MB`, and the low RAM limit is 4 GiB (`4096MB`).

mod common;

use common::{GIB, MIB, memblock_6_1};
use crashkernel::linux61::{Message, Step};
use crashkernel::{
    CRASH_ADDR_HIGH_MAX, CrashKernel, CrashParams, CrashkernelError, Error, Linux61Outcome, LowOutcome, Purpose,
    initmem_init, reserve_crashkernel_6_1,
};
use x86_mm_bottomup::memblock_bottomup::{BottomUp, RegionFlags, SeriesMemblock};

fn machine(movable_node: bool) -> SeriesMemblock {
    let mut mb = memblock_6_1(64 * MIB, movable_node);
    mb.add(0x1000, 0x9e000).unwrap();
    mb.add(MIB, 3 * GIB - MIB).unwrap();
    mb.add(4 * GIB, 4 * GIB).unwrap();
    mb.reserve(16 * MIB, 48 * MIB).unwrap();
    mb
}

fn run(mb: &mut SeriesMemblock, cmdline: &str) -> Linux61Outcome {
    let (_, srat) = initmem_init(mb, |mb| mb.set_bottom_up(false));
    reserve_crashkernel_6_1(mb, &CrashParams::new(cmdline.as_bytes()), &srat)
}

/// The requests as (purpose, size, align, from, max_addr, found).
fn requests(out: &Linux61Outcome) -> Vec<(Purpose, u64, u64, u64, u64, Option<u64>)> {
    out.steps.requests().map(|r| (r.purpose, r.size, r.align, r.from, r.max_addr, r.found)).collect()
}

fn messages(out: &Linux61Outcome) -> Vec<String> {
    out.steps.messages().map(ToString::to_string).collect()
}

fn reserved(out: &Linux61Outcome) -> CrashKernel {
    out.result.unwrap().expect("a crash kernel")
}

const LOW_TRY: (u64, u64, u64) = (16 * MIB, 16 * MIB, 4 * GIB);
const HIGH_TRY: (u64, u64, u64) = (16 * MIB, 16 * MIB, 1 << 46);
const LOW_PART: (u64, u64, u64) = (16 * MIB, 0, 4 * GIB);

fn req(
    p: Purpose,
    size: u64,
    (align, from, max): (u64, u64, u64),
    found: Option<u64>,
) -> (Purpose, u64, u64, u64, u64, Option<u64>) {
    (p, size, align, from, max, found)
}

#[test]
fn low_try_succeeds_below_4g() {
    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=256M");
    // round_down(3 GiB - 256 MiB, 16 MiB) = 2816 MiB.
    assert_eq!(requests(&out), [req(Purpose::LowTry, 256 * MIB, LOW_TRY, Some(2816 * MIB))]);
    assert_eq!(messages(&out), ["Reserving 256MB of memory at 2816MB for crashkernel (System RAM: 7167MB)"]);
    let ck = reserved(&out);
    assert_eq!((ck.base, ck.size, ck.high, ck.low), (2816 * MIB, 256 * MIB, false, None));
    assert!(mb.is_region_reserved(2816 * MIB, 256 * MIB));
    assert_eq!(
        out.steps.requests().next().unwrap().to_string(),
        "memblock_phys_alloc_range: 268435456 bytes align=0x1000000 from=0x0000000001000000 \
         max_addr=0x0000000100000000 setup_arch"
    );
}

#[test]
fn failed_low_try_goes_high_and_takes_a_low_part() {
    let mut mb = machine(false);
    // Below 4 GiB only [2 GiB, 2 GiB + 300 MiB) stays free above 64 MiB: no 512 MiB there.
    mb.reserve(64 * MIB, 2 * GIB - 64 * MIB).unwrap();
    mb.reserve(2 * GIB + 300 * MIB, GIB - 300 * MIB).unwrap();
    let out = run(&mut mb, "crashkernel=512M");
    // High: 8 GiB - 512 MiB = 7680 MiB. Low part, 256 MiB: round_down(2348 - 256, 16) = 2080 MiB.
    assert_eq!(
        requests(&out),
        [
            req(Purpose::LowTry, 512 * MIB, LOW_TRY, None),
            req(Purpose::HighTry, 512 * MIB, HIGH_TRY, Some(7680 * MIB)),
            req(Purpose::LowPart, 256 * MIB, LOW_PART, Some(2080 * MIB)),
        ]
    );
    // The low part's message comes first.
    assert_eq!(
        messages(&out),
        [
            "Reserving 256MB of low memory at 2080MB for crashkernel (low RAM limit: 4096MB)",
            "Reserving 512MB of memory at 7680MB for crashkernel (System RAM: 7167MB)",
        ]
    );
    let ck = reserved(&out);
    assert!(!ck.high);
    let Some(LowOutcome::Reserved(low)) = ck.low else { panic!("{:?}", ck.low) };
    assert_eq!((low.base, low.size, low.total_low_mem, low.auto), (2080 * MIB, 256 * MIB, 4 * GIB, true));
    assert_eq!(low.resource().to_string(), "82000000-91ffffff : Crash kernel");
    assert!(mb.is_region_reserved(7680 * MIB, 512 * MIB) && mb.is_region_reserved(2080 * MIB, 256 * MIB));
}

#[test]
fn high_goes_high_first() {
    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=256M,high");
    // 8 GiB - 256 MiB = 7936 MiB; the low part at round_down(3 GiB - 256 MiB, 16 MiB) = 2816 MiB.
    assert_eq!(
        requests(&out),
        [
            req(Purpose::HighTry, 256 * MIB, HIGH_TRY, Some(7936 * MIB)),
            req(Purpose::LowPart, 256 * MIB, LOW_PART, Some(2816 * MIB)),
        ]
    );
    assert_eq!(
        messages(&out),
        [
            "Reserving 256MB of low memory at 2816MB for crashkernel (low RAM limit: 4096MB)",
            "Reserving 256MB of memory at 7936MB for crashkernel (System RAM: 7167MB)",
        ]
    );
    assert!(reserved(&out).high);
}

#[test]
fn high_below_4g_under_movable_node_takes_no_low_part() {
    // [4 GiB, 8 GiB) hotpluggable: skipped with movable_node, used like any memory without.
    let mut mb = machine(true);
    mb.set_flags(4 * GIB, 4 * GIB, RegionFlags::HOTPLUG, true).unwrap();
    let out = run(&mut mb, "crashkernel=256M,high");
    assert_eq!(requests(&out), [req(Purpose::HighTry, 256 * MIB, HIGH_TRY, Some(2816 * MIB))]);
    assert_eq!(messages(&out), ["Reserving 256MB of memory at 2816MB for crashkernel (System RAM: 7167MB)"]);
    assert_eq!(reserved(&out).low, None);

    let mut mb = machine(false);
    mb.set_flags(4 * GIB, 4 * GIB, RegionFlags::HOTPLUG, true).unwrap();
    let out = run(&mut mb, "crashkernel=256M,high");
    assert_eq!(reserved(&out).base, 7936 * MIB);
}

#[test]
fn low_zero_declines_the_low_part_and_low_y_sizes_it() {
    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=256M,high crashkernel=0,low");
    assert_eq!(requests(&out), [req(Purpose::HighTry, 256 * MIB, HIGH_TRY, Some(7936 * MIB))]);
    assert_eq!(messages(&out), ["Reserving 256MB of memory at 7936MB for crashkernel (System RAM: 7167MB)"]);
    assert_eq!(reserved(&out).low, Some(LowOutcome::Disabled));

    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=64M,low crashkernel=256M,high");
    // 3 GiB - 64 MiB = 3008 MiB.
    assert_eq!(requests(&out)[1], req(Purpose::LowPart, 64 * MIB, LOW_PART, Some(3008 * MIB)));
    assert_eq!(messages(&out)[0], "Reserving 64MB of low memory at 3008MB for crashkernel (low RAM limit: 4096MB)");
    let Some(LowOutcome::Reserved(low)) = reserved(&out).low else { panic!() };
    assert!(!low.auto);

    // A `,low` that does not parse: its warning, then the default size.
    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=256M,high crashkernel=64Mx,low");
    assert_eq!(requests(&out)[1], req(Purpose::LowPart, 256 * MIB, LOW_PART, Some(2816 * MIB)));
    assert_eq!(messages(&out)[0], "crashkernel: unrecognized char: x");
    assert_eq!(out.steps.len(), 5);
}

#[test]
fn failed_low_part_frees_the_crash_kernel() {
    let mut mb = machine(false);
    // Below 4 GiB only [4 KiB, 636 KiB) and [1 MiB, 16 MiB) stay free.
    mb.reserve(64 * MIB, 3 * GIB - 64 * MIB).unwrap();
    let out = run(&mut mb, "crashkernel=256M");
    assert_eq!(
        requests(&out),
        [
            req(Purpose::LowTry, 256 * MIB, LOW_TRY, None),
            req(Purpose::HighTry, 256 * MIB, HIGH_TRY, Some(7936 * MIB)),
            req(Purpose::LowPart, 256 * MIB, LOW_PART, None),
        ]
    );
    assert_eq!(messages(&out), ["Cannot reserve 256MB crashkernel low memory, please try smaller size."]);
    assert_eq!(
        out.steps.iter().last(),
        Some(&Step::Free { base: 7936 * MIB, size: 256 * MIB, caller: "setup_arch".into() })
    );
    assert_eq!(out.result, Err(Error::LowPartFailed { low_size: 256 * MIB, base: 7936 * MIB, size: 256 * MIB }));
    assert_eq!(
        out.result.unwrap_err().to_string(),
        "Cannot reserve 256MB crashkernel low memory, please try smaller size."
    );
    assert!(!mb.is_reserved(7936 * MIB) && !mb.is_reserved(8 * GIB - 1));
}

#[test]
fn nothing_fits_anywhere() {
    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=16G");
    assert_eq!(
        requests(&out),
        [req(Purpose::LowTry, 16 * GIB, LOW_TRY, None), req(Purpose::HighTry, 16 * GIB, HIGH_TRY, None)]
    );
    assert_eq!(messages(&out), ["crashkernel reservation failed - No suitable area found."]);
    assert_eq!(out.result, Err(Error::NoSuitableArea { size: 16 * GIB, limit: CRASH_ADDR_HIGH_MAX }));
}

#[test]
fn fixed_base_free_in_use_misaligned() {
    let fixed = |base: u64, size: u64, found| req(Purpose::FixedBase, size, (MIB, base, base + size), found);

    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=128M@128M");
    assert_eq!(requests(&out), [fixed(128 * MIB, 128 * MIB, Some(128 * MIB))]);
    assert_eq!(messages(&out), ["Reserving 128MB of memory at 128MB for crashkernel (System RAM: 7167MB)"]);

    // The kernel image is at 16 MiB.
    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=64M@16M");
    assert_eq!(requests(&out), [fixed(16 * MIB, 64 * MIB, None)]);
    assert_eq!(messages(&out), ["crashkernel reservation failed - memory is in use."]);
    assert_eq!(out.result, Err(Error::MemoryInUse { base: 16 * MIB, size: 64 * MIB }));

    // 4 KiB past 128 MiB: the 1 MiB-aligned candidates of the window all start elsewhere.
    let mut mb = machine(false);
    let base = 128 * MIB + 0x1000;
    let out = run(&mut mb, &format!("crashkernel=64M@{base:#x}"));
    assert_eq!(requests(&out), [fixed(base, 64 * MIB, None)]);
    assert_eq!(out.result, Err(Error::MemoryInUse { base, size: 64 * MIB }));
    assert!(!mb.is_reserved(base));

    // A base above 4 GiB takes the default low part too.
    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=256M@5G");
    assert_eq!(
        requests(&out),
        [fixed(5 * GIB, 256 * MIB, Some(5 * GIB)), req(Purpose::LowPart, 256 * MIB, LOW_PART, Some(2816 * MIB))]
    );
    assert_eq!(
        messages(&out),
        [
            "Reserving 256MB of low memory at 2816MB for crashkernel (low RAM limit: 4096MB)",
            "Reserving 256MB of memory at 5120MB for crashkernel (System RAM: 7167MB)",
        ]
    );

    // A window past 2^64: the kernel's end wraps (printed so) and nothing is found.
    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=64M@0xffffffffffff0000");
    let r = out.steps.requests().next().unwrap();
    assert_eq!((r.from, r.max_addr, r.found), (0xffff_ffff_ffff_0000, 0x3ff_0000, None));
    assert_eq!(out.result, Err(Error::MemoryInUse { base: 0xffff_ffff_ffff_0000, size: 64 * MIB }));
}

#[test]
fn the_range_form_rounds_ram_up_to_128m() {
    // 7167.6 MiB rounds up to 7168 MiB, which 7168M- holds (3.13 would not match it).
    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=7168M-:192M");
    // round_down(3072 - 192, 16) = 2880 MiB.
    assert_eq!(reserved(&out).base, 2880 * MIB);

    // No range holds it: "zero bytes", then `,high` is tried.
    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=8G-:256M crashkernel=128M,high");
    assert_eq!(
        messages(&out),
        [
            "crashkernel size resulted in zero bytes",
            "Reserving 256MB of low memory at 2816MB for crashkernel (low RAM limit: 4096MB)",
            "Reserving 128MB of memory at 8064MB for crashkernel (System RAM: 7167MB)",
        ]
    );
    assert!(matches!(out.steps.iter().next(), Some(Step::Message(Message::ZeroBytes))));
}

#[test]
fn parser_warnings_come_first_and_a_broken_plain_form_falls_to_high() {
    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=256Mx crashkernel=128M,high");
    assert_eq!(messages(&out)[0], "crashkernel: unrecognized char: x");
    let ck = reserved(&out);
    assert_eq!((ck.base, ck.high), (8064 * MIB, true));
    assert_eq!(ck.ignored, Some(CrashkernelError::UnrecognizedChar { pos: 16, byte: b'x', size: 256 * MIB }));

    // Only a broken `,high`: its warning, and nothing else.
    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=64M,high,high");
    assert_eq!(out.result, Ok(None));
    assert_eq!(messages(&out), ["crashkernel: unrecognized char: ,"]);
    assert_eq!(requests(&out), []);

    // A broken plain form and no `,high`: its warning is the error.
    let mut mb = machine(false);
    let out = run(&mut mb, "crashkernel=256M\tquiet");
    assert_eq!(messages(&out), ["crashkernel: unrecognized char: \\x09"]);
    assert!(matches!(out.result, Err(Error::Syntax(CrashkernelError::UnrecognizedChar { byte: b'\t', .. }))));

    // No option at all: nothing happens.
    let mut mb = machine(false);
    let out = run(&mut mb, "quiet");
    assert_eq!((out.result, out.steps.is_empty()), (Ok(None), true));
}
