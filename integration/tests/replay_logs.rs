//! The six real Linux 6.1 boots of `testdata/fixtures/linux-6.1-qemu`, replayed: every
//! allocation the kernel logged is reproduced at the kernel's address, every dump matches
//! region for region, and so do the NUMA merges, the `NODE_DATA` nodes and the movable zone
//! starts. The kernel's answers are the expected values (spec §H.7: 386 of 386).

use std::path::PathBuf;

use integration::replay::place::{KernelPlace, kernel_place_from_iomem};
use integration::replay::{Answer, CheckKind, Mode, Outcome, Replay, ReplayOptions, replay};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/fixtures/linux-6.1-qemu");

fn dir(name: &str) -> PathBuf {
    PathBuf::from(FIXTURES).join(name)
}

fn read(name: &str, file: &str) -> String {
    let p = dir(name).join(file);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn kernel_place(name: &str) -> KernelPlace {
    kernel_place_from_iomem(&read(name, "iomem.txt"), "iomem.txt").unwrap()
}

fn replay_with_iomem(name: &str) -> Replay {
    let opts = ReplayOptions { kernel: Some(kernel_place(name)), ..ReplayOptions::default() };
    replay(name, &read(name, "dmesg.txt"), &opts).unwrap()
}

/// Everything the log shows was reproduced, with exactly `allocations` allocations.
fn assert_reproduced(r: &Replay, allocations: usize) {
    assert_eq!(r.mode, Mode::Check);
    let bad: Vec<_> = r.allocations.iter().filter(|a| a.outcome != Outcome::Identical).collect();
    assert!(bad.is_empty(), "{}: differences: {bad:#?}", r.name);
    assert_eq!(r.allocations.len(), allocations, "{}", r.name);
    assert_eq!((r.summary.identical, r.summary.allocations), (allocations, allocations), "{}", r.name);
    for a in &r.allocations {
        let Answer::At(k) = a.kernel else { panic!("{}: #{} has no kernel answer", r.name, a.index) };
        assert_eq!(a.model, Some(k), "{}: #{}", r.name, a.index);
    }
    let dumps: Vec<_> = r.checks.iter().filter(|c| c.kind == CheckKind::Dump).collect();
    assert_eq!(dumps.len(), 2, "{}: two dumps per log", r.name);
    let bad: Vec<_> = r.checks.iter().filter(|c| !c.identical).collect();
    assert!(bad.is_empty(), "{}: checks that differ: {bad:#?}", r.name);
    assert!(r.checks.iter().any(|c| c.kind == CheckKind::NumaMerges), "{}", r.name);
    assert!(r.checks.iter().any(|c| c.kind == CheckKind::MovableZone), "{}", r.name);
    assert!(r.garbled.is_empty(), "{}: {:?}", r.name, r.garbled);
    assert_eq!(r.stopped, None, "{}", r.name);
    assert!(r.all_identical());
}

#[test]
fn pc_2n_61_of_61() {
    let r = replay_with_iomem("pc-2n");
    assert_reproduced(&r, 61);
    // Spot checks against the §H.7 table: #1 the trampoline, #7 NODE_DATA(1) below the page
    // tables, #16 the unrounded 73-byte HPET block, #59 swiotlb just below the initrd.
    let at = |i: usize| r.allocations[i - 1].model;
    assert_eq!(at(1), Some(0x98000));
    assert_eq!(at(7), Some(0x1_3ffd_2000));
    assert_eq!(at(16), Some(0x1_3ffc_9c00));
    assert_eq!(at(34), Some(0x7dc0_0000));
    assert_eq!(at(48), Some(0x1_3ffc_64c0));
    assert_eq!(at(56), Some(0x1_3ffc_7000));
    assert_eq!(at(59), Some(0xbbdf_a000));
    assert_eq!(at(61), Some(0x1_3ffc_8e40));
    assert_eq!(r.allocations[5].function, "memblock_phys_alloc_try_nid");
}

#[test]
fn pc_4n_uneven_71_of_71() {
    assert_reproduced(&replay_with_iomem("pc-4n-uneven"), 71);
}

#[test]
fn pc2g_2n_60_of_60() {
    assert_reproduced(&replay_with_iomem("pc2g-2n"), 60);
}

#[test]
fn pc2g_2n_16g_62_of_62() {
    assert_reproduced(&replay_with_iomem("pc2g-2n-16g"), 62);
}

#[test]
fn pc2g_4n_70_of_70() {
    assert_reproduced(&replay_with_iomem("pc2g-4n"), 70);
}

#[test]
fn q35_2n_62_of_62() {
    assert_reproduced(&replay_with_iomem("q35-2n"), 62);
}

#[test]
fn all_six_386_of_386() {
    let names = ["pc-2n", "pc-4n-uneven", "pc2g-2n", "pc2g-2n-16g", "pc2g-4n", "q35-2n"];
    let total: usize = names.iter().map(|n| replay_with_iomem(n).summary.identical).sum();
    assert_eq!(total, 386);
}

/// Without the kernel's place the first dump's reserved rows stand in for the silent
/// reservations, and the replay still matches (it says so in its inferences).
#[test]
fn without_iomem_the_first_dump_stands_in() {
    for name in ["pc-2n", "q35-2n"] {
        let r = replay(name, &read(name, "dmesg.txt"), &ReplayOptions::default()).unwrap();
        assert!(r.all_identical(), "{name}: {}", integration::replay::render::summary_line(&r));
        assert!(r.inferences.iter().any(|i| i.what.contains("taken from this dump")));
    }
}

/// `--kernel-range` gives the same as `--iomem`.
#[test]
fn kernel_range_is_iomem() {
    let (start, end) = integration::replay::place::parse_range("0x1000000-0x43fffff").unwrap();
    let k = KernelPlace { start, end, source: "--kernel-range".into() };
    assert_eq!((k.start, k.end), (kernel_place("pc-2n").start, kernel_place("pc-2n").end));
    let r =
        replay("pc-2n", &read("pc-2n", "dmesg.txt"), &ReplayOptions { kernel: Some(k), ..Default::default() }).unwrap();
    assert_reproduced(&r, 61);
}

/// The silent steps are shown: early reservations, the limits, the trim, NUMA init.
#[test]
fn inferences_are_shown() {
    let r = replay_with_iomem("pc-2n");
    let text: Vec<&str> = r.inferences.iter().map(|i| i.what.as_str()).collect();
    for needle in [
        "the kernel image",
        "first 64 KiB",
        "the initrd",
        "BIOS regions",
        "ISA_END_ADDRESS",
        "memblock_trim_memory",
        "memblock_set_current_limit(0x140000000)",
        "NUMA init",
    ] {
        assert!(text.iter().any(|t| t.contains(needle)), "no inference about {needle}: {text:#?}");
    }
}

/// A wrong kernel place makes the first dump differ, and the replay says where.
#[test]
fn a_wrong_kernel_place_shows_in_the_first_dump() {
    let k = KernelPlace { start: 0x100_0000, end: 0x300_0000, source: "test".into() };
    let r =
        replay("pc-2n", &read("pc-2n", "dmesg.txt"), &ReplayOptions { kernel: Some(k), ..Default::default() }).unwrap();
    let dump = r.checks.iter().find(|c| c.kind == CheckKind::Dump).unwrap();
    assert!(!dump.identical);
    assert!(dump.detail.contains("reserved"), "{}", dump.detail);
}
