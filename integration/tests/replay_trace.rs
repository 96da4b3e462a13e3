//! The trace reader: every line format of spec §H.4, with and without timestamps, with CRLF
//! line ends, among unrelated lines, and a log cut in the middle of a line; and what the replay
//! makes of bad input.

use integration::movable_node::KernelProfile;
use integration::replay::trace::{CrashMessage, DumpKind, RangeOp, Request, RequestKind, Trace, TraceEvent};
use integration::replay::{ReplayError, ReplayOptions, replay};
use proptest::prelude::*;

/// One line of every format, as the kernel prints it (pc-2n where it has one).
const LINES: &[&str] = &[
    "Command line: console=ttyS0 nokaslr memblock=debug movable_node",
    "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable",
    "last_pfn = 0x140000 max_arch_pfn = 0x400000000",
    "memblock_reserve: [0x0000000004400000-0x0000000004410fff] setup_arch+0x797/0xd4f",
    "memblock_add: [0x0000000000001000-0x000000000009fbff] e820__memblock_setup+0x65/0x7d",
    "memblock_add_node: [0x0000000140000000-0x000000017fffffff] nid=1 flags=1 add_memory_resource+0x1/0x2",
    "memblock_remove: [0x0000000140000000-0x000000017fffffff] remove_memory+0x1/0x2",
    "memblock_phys_free: [0x000000013fe00000-0x000000013fffffff] init_mem_mapping+0x22e/0x31f",
    "memblock_free_late: [0x000000013fe00000-0x000000013fffffff] free_it+0x1/0x2",
    "MEMBLOCK configuration:",
    " memory size = 0x00000000fff7ec00 reserved size = 0x0000000003668000",
    " memory.cnt  = 0x3",
    " memory[0x1]\t[0x0000000000100000-0x000000007fffffff], 0x000000007ff00000 bytes on node 0 flags: 0x0",
    " reserved.cnt  = 0x4",
    " reserved[0x2]\t[0x000000007ffd5000-0x000000007fffffff], 0x000000000002b000 bytes flags: 0x0",
    "memblock_phys_alloc_range: 28672 bytes align=0x1000 from=0x0000000000000000 max_addr=0x0000000000100000 reserve_real_mode+0x50/0x89",
    "memblock_alloc_try_nid: 32768 bytes align=0x40 nid=-1 from=0x0000000000000000 max_addr=0x0000000000000000 sparse_init+0x9f/0x23c",
    "memblock_alloc_try_nid_raw: 4096 bytes align=0x1000 nid=0 from=0x0000000001000000 max_addr=0x0000000000000000 vmemmap_alloc_block_zero.constprop.0+0xc/0x28",
    "memblock_alloc_exact_nid_raw: 33554432 bytes align=0x200000 nid=0 from=0x0000000001000000 max_addr=0x0000000000000000 sparse_init_nid+0x11f/0x34d",
    "memblock_reserve: [0x0000000000098000-0x000000000009efff] memblock_alloc_range_nid+0xb0/0x13d",
    "memblock: reserved is doubled to 256 at [0x000000013fffc000-0x000000013fffd7ff]",
    "memblock: Failed to double memory array from 128 to 256 entries !",
    "RAMDISK: [mem 0xbfdfa000-0xbffdffff]",
    "Move RAMDISK from [mem 0x7fdfa000-0x7ffdffff] to [mem 0x3f000000-0x3f1e5fff]",
    "ACPI: Reserving FACP table memory at [mem 0xbffe1990-0xbffe1a03]",
    "ACPI: SRAT: Node 1 PXM 1 [mem 0x100000000-0x13fffffff] hotplug",
    "NUMA: Node 1 [mem 0x80000000-0xbfffffff] + [mem 0x100000000-0x13fffffff] -> [mem 0x80000000-0x13fffffff]",
    "No NUMA configuration found",
    "Faking a node at [mem 0x0000000000000000-0x000000013fffffff]",
    "NODE_DATA(1) allocated [mem 0x13ffd2000-0x13fffcfff]",
    "    NODE_DATA(1) on node 0",
    "Movable zone start for each node",
    "  Node 1: 0x0000000100000000",
    "Reserving 256MB of memory at 3824MB for crashkernel (System RAM: 4095MB)",
    "Reserving 256MB of low memory at 2800MB for crashkernel (low RAM limit: 4096MB)",
    "crashkernel reservation failed - No suitable area found.",
];

fn expected() -> Vec<TraceEvent> {
    let req = |kind, size, align, nid, from, max_addr, caller: &str| {
        TraceEvent::Request(Request { kind, size, align, nid, from, max_addr, caller: caller.into() })
    };
    let range = |op, base, last, caller: &str| TraceEvent::Range { op, base, last, caller: caller.into() };
    vec![
        TraceEvent::CommandLine("console=ttyS0 nokaslr memblock=debug movable_node".into()),
        TraceEvent::E820 { base: 0x10_0000, last: 0xbffd_ffff, kind: "usable".into() },
        TraceEvent::LastPfn { last_pfn: 0x14_0000, max_arch_pfn: 0x4_0000_0000 },
        range(RangeOp::Reserve, 0x440_0000, 0x441_0fff, "setup_arch+0x797/0xd4f"),
        range(RangeOp::Add, 0x1000, 0x9_fbff, "e820__memblock_setup+0x65/0x7d"),
        TraceEvent::AddNode {
            base: 0x1_4000_0000,
            last: 0x1_7fff_ffff,
            nid: 1,
            flags: 1,
            caller: "add_memory_resource+0x1/0x2".into(),
        },
        range(RangeOp::Remove, 0x1_4000_0000, 0x1_7fff_ffff, "remove_memory+0x1/0x2"),
        range(RangeOp::PhysFree, 0x1_3fe0_0000, 0x1_3fff_ffff, "init_mem_mapping+0x22e/0x31f"),
        range(RangeOp::FreeLate, 0x1_3fe0_0000, 0x1_3fff_ffff, "free_it+0x1/0x2"),
        TraceEvent::DumpHeader,
        TraceEvent::DumpSizes { memory: 0xfff7_ec00, reserved: 0x366_8000 },
        TraceEvent::DumpCount { kind: DumpKind::Memory, cnt: 3 },
        TraceEvent::DumpRow {
            kind: DumpKind::Memory,
            index: 1,
            base: 0x10_0000,
            last: 0x7fff_ffff,
            size: 0x7ff0_0000,
            nid: Some(0),
            flags: 0,
        },
        TraceEvent::DumpCount { kind: DumpKind::Reserved, cnt: 4 },
        TraceEvent::DumpRow {
            kind: DumpKind::Reserved,
            index: 2,
            base: 0x7ffd_5000,
            last: 0x7fff_ffff,
            size: 0x2_b000,
            nid: None,
            flags: 0,
        },
        req(RequestKind::PhysAllocRange, 28672, 0x1000, None, 0, 0x10_0000, "reserve_real_mode+0x50/0x89"),
        req(RequestKind::AllocTryNid, 32768, 0x40, Some(-1), 0, 0, "sparse_init+0x9f/0x23c"),
        req(
            RequestKind::AllocTryNidRaw,
            4096,
            0x1000,
            Some(0),
            0x100_0000,
            0,
            "vmemmap_alloc_block_zero.constprop.0+0xc/0x28",
        ),
        req(RequestKind::AllocExactNidRaw, 33554432, 0x20_0000, Some(0), 0x100_0000, 0, "sparse_init_nid+0x11f/0x34d"),
        range(RangeOp::Reserve, 0x9_8000, 0x9_efff, "memblock_alloc_range_nid+0xb0/0x13d"),
        TraceEvent::Doubled { kind: DumpKind::Reserved, new_max: 256, base: 0x1_3fff_c000, last: 0x1_3fff_d7ff },
        TraceEvent::DoubleFailed { kind: DumpKind::Memory, from: 128 },
        TraceEvent::Ramdisk { base: 0xbfdf_a000, last: 0xbffd_ffff },
        TraceEvent::RamdiskMoved {
            from_base: 0x7fdf_a000,
            from_last: 0x7ffd_ffff,
            to_base: 0x3f00_0000,
            to_last: 0x3f1e_5fff,
        },
        TraceEvent::Acpi,
        TraceEvent::SratNode {
            node: 1,
            pxm: 1,
            base: 0x1_0000_0000,
            last: 0x1_3fff_ffff,
            hotplug: true,
            non_volatile: false,
        },
        TraceEvent::NumaMerge { node: 1, base: 0x8000_0000, last: 0x1_3fff_ffff },
        TraceEvent::NoNuma,
        TraceEvent::FakingNode { base: 0, last: 0x1_3fff_ffff },
        TraceEvent::NodeData { nid: 1, base: 0x1_3ffd_2000, last: 0x1_3fff_cfff },
        TraceEvent::NodeDataOnNode { nid: 1, on: 0 },
        TraceEvent::MovableZoneStart,
        TraceEvent::MovableZoneNode { nid: 1, addr: 0x1_0000_0000 },
        TraceEvent::Crashkernel(CrashMessage::Reserved { size_mb: 256, at_mb: 3824, system_ram_mb: 4095 }),
        TraceEvent::Crashkernel(CrashMessage::LowReserved { size_mb: 256, at_mb: 2800, limit_mb: 4096 }),
        TraceEvent::Crashkernel(CrashMessage::Other("crashkernel reservation failed - No suitable area found.".into())),
    ]
}

fn events(t: &Trace) -> Vec<TraceEvent> {
    t.events.iter().map(|l| l.event.clone()).collect()
}

#[test]
fn every_format_without_timestamps() {
    let t = Trace::parse(&(LINES.join("\n") + "\n"));
    assert_eq!(t.garbled, vec![]);
    assert_eq!(events(&t), expected());
    assert_eq!(t.events.iter().map(|l| l.number).collect::<Vec<_>>(), (1..=LINES.len()).collect::<Vec<_>>());
    assert_eq!(t.unterminated, None);
}

#[test]
fn every_format_with_timestamps_and_crlf() {
    let text: String =
        LINES.iter().enumerate().map(|(i, l)| format!("[{:>5}.{:06}] {l}\r\n", i / 10, i * 997)).collect();
    let t = Trace::parse(&text);
    assert_eq!(t.garbled, vec![]);
    assert_eq!(events(&t), expected());
    // `dmesg -r` adds the level: <6>[    0.000000] ...
    let text: String = LINES.iter().map(|l| format!("<6>[    0.024440] {l}\n")).collect();
    assert_eq!(events(&Trace::parse(&text)), expected());
}

#[test]
fn unrelated_lines_are_skipped_and_numbers_kept() {
    let mut text = String::new();
    for l in LINES {
        text.push_str("[    0.1] smpboot: Allowing 2 CPUs, 0 hotplug CPUs\n");
        text.push_str("random noise without a stamp\n");
        text.push_str(&format!("[    0.2] {l}\n"));
    }
    let t = Trace::parse(&text);
    assert_eq!(t.garbled, vec![]);
    assert_eq!(events(&t), expected());
    assert_eq!(t.events[0].number, 3);
    assert_eq!(t.events[4].number, 15);
    assert_eq!(t.lines, 3 * LINES.len());
}

#[test]
fn a_log_cut_mid_line() {
    let text = "[    0.1] memblock_add: [0x0000000000001000-0x000000000009fbff] e820__memblock_setup+0x65/0x7d\n\
                [    0.2] memblock_reserve: [0x000000013ffc9c00-0x00000";
    let t = Trace::parse(text);
    assert_eq!(t.events.len(), 1);
    assert_eq!(t.unterminated, Some(2));
    assert_eq!(t.garbled.len(), 1);
    assert_eq!(t.garbled[0].line, 2);
}

/// Found by the boot_log fuzz target: a line that is only a known line's head, shorter than
/// the head with its trailing space, is garbled, not a panic.
#[test]
fn a_known_head_without_its_tail_is_garbled() {
    for head in ["Move RAMDISK from", "RAMDISK:", "last_pfn =", "NUMA: Node", "Faking a node at", "BIOS-e820:"] {
        let t = Trace::parse(&format!("{head}\n"));
        assert!(t.events.is_empty(), "{head:?} gave {:?}", t.events);
    }
    let t = Trace::parse("\u{f4}Move RAMDISK from\n");
    assert!(t.events.is_empty());
}

#[test]
fn garbled_lines_are_reported_with_their_number() {
    let text = "memblock_reserve: [0x10-0x0] backwards+0x1/0x2\n\
                memblock_alloc_try_nid: lots of bytes\n\
                memblock_frobnicate: [0x0-0x1] x\n\
                ACPI: SRAT: Node x PXM 0 [mem 0x0-0x1]\n\
                NODE_DATA(0) allocated [mem zz]\n\
                 reserved[0x0]\t[0x0-0xfff], 0x1000 bytes flags: 0x0\n";
    let t = Trace::parse(text);
    assert_eq!(t.garbled.iter().map(|g| g.line).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
    assert_eq!(t.events.len(), 1);
    assert_eq!(t.memblock_lines, 4);
}

#[test]
fn a_log_without_memblock_lines_says_to_boot_with_memblock_debug() {
    let e = replay("x", "[    0.0] Linux version 6.1.0\n[    0.0] Command line: quiet\n", &ReplayOptions::default())
        .unwrap_err();
    assert_eq!(e, ReplayError::NoMemblockLines);
    assert!(e.to_string().contains("memblock=debug"));
    assert_eq!(e.to_string().lines().count(), 1);
}

fn pc_2n() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/fixtures/linux-6.1-qemu/pc-2n/dmesg.txt"))
        .unwrap()
}

/// Cut after a request line: the replay goes as far as the log and says where it stopped.
#[test]
fn a_truncated_log_replays_as_far_as_it_goes() {
    let log = pc_2n();
    let cut: String = log.lines().take(112).map(|l| format!("{l}\n")).collect(); // ends with the memmap request of node 0
    let r = replay("cut", &cut, &ReplayOptions::default()).unwrap();
    let st = r.stopped.as_ref().unwrap();
    assert_eq!(st.line, 112);
    assert!(st.reason.contains("before its answer"), "{}", st.reason);
    assert_eq!((r.summary.identical, r.summary.allocations), (10, 10));
    // Cut in the middle of a line.
    let mid = &log[..log.find("0x000000013ffc9c00-").unwrap() + 10];
    let r = replay("mid", mid, &ReplayOptions::default()).unwrap();
    assert!(r.stopped.as_ref().unwrap().reason.contains("cut in the middle of line"), "{:?}", r.stopped);
    assert_eq!(r.summary.identical, r.summary.allocations);
    // Cut before NUMA init.
    let early: String = log.lines().take(60).map(|l| format!("{l}\n")).collect();
    let r = replay("early", &early, &ReplayOptions::default()).unwrap();
    assert!(r.stopped.as_ref().unwrap().reason.contains("before NUMA init"));
    assert_eq!(r.summary.allocations, 5);
}

/// The real log with CRLF line ends and without timestamps replays exactly as the original.
#[test]
fn the_real_log_in_other_shapes() {
    let log = pc_2n();
    let opts = ReplayOptions::default();
    let base = replay("a", &log, &opts).unwrap();
    let crlf = replay("b", &log.replace('\n', "\r\n"), &opts).unwrap();
    let bare: String = log.lines().map(|l| l.split_once("] ").map_or(l, |x| x.1).to_string() + "\n").collect();
    let bare = replay("c", &bare, &opts).unwrap();
    for r in [&crlf, &bare] {
        assert_eq!(r.summary, base.summary);
        assert!(r.all_identical());
    }
}

/// A request with no answer before the next memblock line failed in the kernel; the model
/// must find nothing too, or the replay says it differs.
#[test]
fn a_failed_request() {
    let log = "memblock_add: [0x0000000000100000-0x00000000001fffff] e820__memblock_setup+0x65/0x7d\n\
               memblock_alloc_try_nid: 4194304 bytes align=0x1000 nid=-1 from=0x0000000000000000 max_addr=0x0000000000000000 big+0x1/0x2\n\
               memblock_alloc_try_nid: 4096 bytes align=0x1000 nid=-1 from=0x0000000000000000 max_addr=0x0000000000000000 small+0x1/0x2\n\
               memblock_reserve: [0x00000000000ff000-0x00000000000fffff] memblock_alloc_range_nid+0xb0/0x13d\n";
    let r = replay("f", log, &ReplayOptions::default()).unwrap();
    assert_eq!(r.allocations[0].kernel, integration::replay::Answer::Failed);
    assert_eq!(r.allocations[0].model, None);
    assert_eq!(r.summary.kernel_failures, 1);
    // 1 MiB of memory at [1 MiB, 2 MiB) with the limit still at 1 MiB: the small one fails in
    // the model, the kernel says 0xff000 (not memory): a difference, with the reason.
    assert_eq!(r.allocations[1].outcome, integration::replay::Outcome::Different);
    assert!(r.allocations[1].note.as_ref().unwrap().contains("not all memory"), "{:?}", r.allocations[1].note);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Nothing panics on arbitrary text, nor on the real log with lines cut, swapped and garbled.
    #[test]
    fn never_panics_on_text(s in "\\PC{0,400}") {
        let t = Trace::parse(&s);
        let _ = integration::replay::replay::replay_trace("p", &t, &ReplayOptions::default());
    }

    #[test]
    fn never_panics_on_a_mangled_log(cuts in proptest::collection::vec((0usize..600, 0usize..200, any::<u8>()), 0..12)) {
        let log = pc_2n();
        let mut lines: Vec<String> = log.lines().map(str::to_string).collect();
        for (i, at, byte) in cuts {
            let n = lines.len();
            let l = &mut lines[i % n];
            let at = at.min(l.len());
            let at = (0..=at).rev().find(|&k| l.is_char_boundary(k)).unwrap_or(0);
            l.truncate(at);
            l.push(char::from(byte.clamp(32, 126)));
            if byte % 3 == 0 { lines.swap(i % n, (i * 7) % n); }
        }
        let text = lines.join("\n");
        for policy in [None, Some(KernelProfile::V3_13)] {
            let opts = ReplayOptions { policy, hotplug: vec![1], ..ReplayOptions::default() };
            let _ = replay("m", &text, &opts);
        }
    }
}

/// A request that fails right before `NODE_DATA` (as a SLIT distance table above memory would):
/// the `NODE_DATA` reservation that follows is not its answer.
#[test]
fn a_failed_request_before_node_data() {
    let log = pc_2n();
    let mut lines: Vec<&str> = log.lines().collect();
    let nd = lines
        .iter()
        .position(|l| l.contains("0x000000007ffd5000-0x000000007fffffff] memblock_alloc_range_nid"))
        .unwrap();
    lines.insert(
        nd,
        "[    0.042] memblock_phys_alloc_range: 4096 bytes align=0x1000 from=0x0000000200000000 max_addr=0x0000000300000000 numa_alloc_distance+0x1/0x2",
    );
    let r = replay("slit", &(lines.join("\n") + "\n"), &ReplayOptions::default()).unwrap();
    assert!(r.all_identical(), "{}", integration::replay::render::summary_line(&r));
    assert_eq!((r.summary.identical, r.summary.allocations, r.summary.kernel_failures), (62, 62, 1));
    assert_eq!(r.allocations[5].kernel, integration::replay::Answer::Failed);
    assert_eq!(r.allocations[6].function, "memblock_phys_alloc_try_nid");
}
