//! What-if on a real boot, worked by hand: `pc2g-2n-16g` (node 0: 2 GiB below 4 GiB, node 1:
//! [4 GiB, 18 GiB), no hotpluggable memory in its SRAT) with node 1 declared hotpluggable.
//!
//! * Under 6.1 without `movable_node` every request is top-down (the log is the kernel's own
//!   answer, so the policy puts each one where the kernel did), and a top-down request lands in
//!   node 1 unless it names node 0 or its window ends below 4 GiB. Reading the log's 62
//!   requests with that rule: 53 land in node 1; the 9 that do not are the trampoline (below
//!   1 MiB), NODE_DATA(0), node 0's section root, usemap, memmap and two vmemmap page tables,
//!   `pcpu_fc_alloc` for node 0, and the 64 MiB swiotlb buffer (below 4 GiB).
//! * Under 3.13 with `movable_node` every request before the SRAT is parsed is bottom-up above
//!   `kernel_end` (or below 1 MiB), so none lands in node 1; after it, 3.13 is top-down with no
//!   hotplug flags, and node 1 is pinned again (NODE_DATA(1) is node-local).
//! * Under 3.14 with `movable_node`, node 1 keeps its hotplug mark (nothing was reserved in it
//!   before NUMA init), every later search skips it, and it becomes ZONE_MOVABLE: removable.

use std::path::PathBuf;

use integration::movable_node::KernelProfile;
use integration::replay::place::kernel_place_from_iomem;
use integration::replay::whatif::Adjustment;
use integration::replay::{Answer, CheckKind, Mode, Outcome, Replay, ReplayOptions, replay};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/fixtures/linux-6.1-qemu");
const NODE1: (u64, u64) = (0x1_0000_0000, 0x4_8000_0000);
/// The first `ACPI: SRAT: Node` line of pc2g-2n-16g's dmesg.txt.
const FIRST_SRAT_LINE: usize = 82;

fn run(policy: KernelProfile, movable_node: bool, kernel_end: Option<u64>) -> Replay {
    let d = PathBuf::from(FIXTURES).join("pc2g-2n-16g");
    let log = std::fs::read_to_string(d.join("dmesg.txt")).unwrap();
    let iomem = std::fs::read_to_string(d.join("iomem.txt")).unwrap();
    let opts = ReplayOptions {
        kernel: Some(kernel_place_from_iomem(&iomem, "iomem.txt").unwrap()),
        kernel_end,
        policy: Some(policy),
        movable_node: Some(movable_node),
        hotplug: vec![1],
        view: false,
    };
    replay("pc2g-2n-16g", &log, &opts).unwrap()
}

fn in_node1(addr: u64) -> bool {
    (NODE1.0..NODE1.1).contains(&addr)
}

#[test]
fn linux_6_1_without_movable_node() {
    let r = run(KernelProfile::Modern, false, None);
    assert_eq!(r.mode, Mode::WhatIf);
    // Nothing changes without movable_node: every answer is the kernel's.
    assert_eq!((r.summary.identical, r.summary.allocations), (62, 62));
    // The request lines (NODE_DATA: its reserve line) that land in node 1, by hand from the log.
    let mut expected: Vec<usize> = vec![46, 49, 51, 53, 88, 103, 107, 117, 119];
    expected.extend([146, 149, 151, 153, 155, 157, 159, 161, 163, 165, 167]); // hpet, ioapic, e820, 8 firmware maps
    expected.extend([169, 172, 175, 181, 183, 186, 188, 192]); // nosave x3, start_kernel x2, pcpu info, embed, fc node 1
    expected.extend([197, 199, 201, 203, 207, 209, 211, 213, 215, 217, 219, 221, 223]); // pcpu first chunk
    expected.extend([227, 229, 231, 233, 235, 237, 244, 248, 250, 252, 260, 262]); // cpumasks, start_kernel, spp, swiotlb
    assert_eq!(expected.len(), 53);
    let landed: Vec<usize> = r.allocations.iter().filter(|a| a.model.is_some_and(in_node1)).map(|a| a.line).collect();
    assert_eq!(landed, expected);
    let not_landed: Vec<&str> = r
        .allocations
        .iter()
        .filter(|a| !a.model.is_some_and(in_node1))
        .map(|a| a.caller.split('+').next().unwrap())
        .collect();
    assert_eq!(
        not_landed,
        [
            "reserve_real_mode",
            "alloc_node_data",
            "sparse_index_alloc",
            "sparse_init_nid",
            "sparse_init_nid",
            "vmemmap_alloc_block_zero.constprop.0",
            "vmemmap_alloc_block_zero.constprop.0",
            "pcpu_fc_alloc",
            "swiotlb_init_remap"
        ]
    );
    let node1 = r.nodes.iter().find(|n| n.nid == 1).unwrap();
    assert!(node1.declared);
    assert_eq!(node1.hotpluggable, vec![NODE1]);
    assert_eq!(node1.allocations.len(), 53);
    assert_eq!(node1.verdict, "blocked");
    // The probe of init_mem_mapping, the start_kernel scratch and the two per-cpu pages were
    // freed again; everything else stays.
    assert_eq!(node1.allocations.iter().filter(|a| a.freed).count(), 4);
    assert!(node1.callers.iter().any(|(c, n, _)| c == "alloc_low_pages" && *n == 3));
}

#[test]
fn linux_3_13_with_movable_node_keeps_node1_clean_until_srat() {
    // kernel_end = _end of Debian's 6.1 image (facts.txt: 0x4430000).
    let r = run(KernelProfile::V3_13, true, Some(0x443_0000));
    let before: Vec<_> = r.allocations.iter().filter(|a| a.line < FIRST_SRAT_LINE).collect();
    assert_eq!(before.len(), 5);
    for a in &before {
        assert!(!a.model.is_some_and(in_node1), "#{} ({}) lands in node 1 before SRAT", a.index, a.caller);
    }
    // The trampoline stays top-down below 1 MiB (its window ends below kernel_end); the probe
    // is not made; the page tables go right above kernel_end.
    assert_eq!(before[0].model, Some(0x98000));
    assert_eq!(before[1].outcome, Outcome::Skipped);
    assert_eq!(before[1].adjustment, Some(Adjustment::ProbeNotMade));
    let pt: Vec<_> = before[2..].iter().map(|a| a.model).collect();
    assert_eq!(pt, [Some(0x443_0000), Some(0x443_1000), Some(0x443_2000)]);
    assert!(before[2..].iter().all(|a| a.how.as_ref().unwrap().rule == "bottom-up above kernel_end"));
    // After SRAT 3.13 is top-down again without hotplug flags: NODE_DATA(1) is node-local.
    let nd1 = r.allocations.iter().find(|a| a.caller == "alloc_node_data" && a.nid == Some(1)).unwrap();
    assert!(nd1.model.is_some_and(in_node1));
    let node1 = r.nodes.iter().find(|n| n.nid == 1).unwrap();
    assert_eq!(node1.verdict, "blocked");
    assert!(node1.allocations.iter().all(|a| a.line > FIRST_SRAT_LINE));
    // The probe's free was dropped with it.
    assert!(r.inferences.iter().any(|i| i.what.contains("did not make")));
}

#[test]
fn linux_3_14_with_movable_node_makes_node1_removable() {
    let r = run(KernelProfile::V3_14, true, Some(0x443_0000));
    let node1 = r.nodes.iter().find(|n| n.nid == 1).unwrap();
    assert!(node1.allocations.is_empty(), "{:#?}", node1.allocations);
    assert_eq!(node1.verdict, "removable");
    // NODE_DATA(1) fell back to node 0, and the exact-node memmap of node 1 failed and was
    // built section by section (112 sections of 128 MiB) elsewhere.
    let nd1 = r.allocations.iter().find(|a| a.caller == "alloc_node_data" && a.nid == Some(1)).unwrap();
    assert!(nd1.model.is_some_and(|m| m < 0x8000_0000));
    let memmap1 =
        r.allocations.iter().find(|a| a.function == "memblock_alloc_exact_nid_raw" && a.nid == Some(1)).unwrap();
    assert_eq!(memmap1.model, None);
    assert!(matches!(memmap1.kernel, Answer::At(_)));
    let per_section = r.allocations.iter().filter(|a| a.adjustment == Some(Adjustment::MemmapPerSection)).count();
    assert_eq!(per_section, 112);
    let movable = r.checks.iter().find(|c| c.kind == CheckKind::MovableZone).unwrap();
    assert!(movable.detail.contains("model Node 1: 0x100000000"), "{}", movable.detail);
}

#[test]
fn linux_3_12_is_top_down_everywhere() {
    let r = run(KernelProfile::V3_12, true, None);
    assert!(r.allocations.iter().filter_map(|a| a.how.as_ref()).all(|h| h.rule == "top-down"));
    assert_eq!(r.nodes.iter().find(|n| n.nid == 1).unwrap().verdict, "blocked");
}

#[test]
fn what_if_results_draw_as_bootsim_maps() {
    let dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/fixtures/linux-6.1-qemu/pc2g-2n-16g");
    let out = std::env::temp_dir().join(format!("bootsim-whatif-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let (svg, html) = (out.join("w.svg"), out.join("w.html"));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_bootsim"))
        .args(["replay", dir.join("dmesg.txt").to_str().unwrap(), "--iomem", dir.join("iomem.txt").to_str().unwrap()])
        .args(["--policy", "6.1", "--no-movable-node", "--hotplug", "1"])
        .args(["--svg", svg.to_str().unwrap(), "--html", html.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let text = std::fs::read_to_string(&svg).unwrap();
    roxmltree::Document::parse(&text).expect("well-formed SVG");
    // Node 1 is declared hotpluggable and top-down 6.1 fills its top: the map says so.
    assert!(text.contains("node 1") && text.contains("BLOCKED"), "node 1's verdict is drawn");
    assert!(std::fs::read_to_string(&html).unwrap().contains("<svg"));
}
