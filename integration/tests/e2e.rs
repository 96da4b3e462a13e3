//! The whole early boot on described machines, with outcomes worked out by hand from the
//! kernels' rules (the reasoning is next to each assertion).

use integration::boot::{Boot, setup_arch};
use integration::machine::{Machine, NodeMemory, NodeSpec};
use integration::movable_node::memblock_bottomup::BottomUp;
use integration::movable_node::verdict::Verdict;
use integration::movable_node::zones::ZoneType;
use integration::movable_node::{E820Entry, E820Type, KernelProfile, PgtSource};
use integration::srat_builder::build_srat;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

fn boot(m: &Machine, p: KernelProfile) -> Boot {
    setup_arch(m, p).unwrap()
}

fn verdict(b: &Boot, nid: i32) -> Verdict {
    b.verdicts.iter().find(|v| v.nid == nid).unwrap().verdict
}

fn blockers(b: &Boot, nid: i32) -> Vec<&str> {
    let mut l: Vec<_> =
        b.verdicts.iter().find(|v| v.nid == nid).unwrap().blockers.iter().map(|x| x.label.as_str()).collect();
    l.sort();
    l.dedup();
    l
}

fn memblock_tables(b: &Boot) -> Vec<u64> {
    b.direct_map
        .as_ref()
        .unwrap()
        .pgt_pages()
        .iter()
        .filter(|p| p.source == PgtSource::Memblock)
        .map(|p| p.pa)
        .collect()
}

fn crash(b: &Boot) -> (u64, u64) {
    let ck = b.crash.as_ref().unwrap().as_ref().unwrap().unwrap();
    (ck.base, ck.size)
}

fn ram(addr: u64, end: u64) -> E820Entry {
    E820Entry { addr, size: end - addr, kind: E820Type::Ram }
}

fn node(pxm: u32, ranges: &[(u64, u64, bool)]) -> NodeSpec {
    NodeSpec {
        pxm,
        cpus: vec![pxm * 2, pxm * 2 + 1],
        memory: ranges.iter().map(|&(start, end, hotpluggable)| NodeMemory { start, end, hotpluggable }).collect(),
    }
}

/// The default machine with its own SRAT replaced by `nodes` and the command line `cmdline`.
fn machine(e820: Vec<E820Entry>, nodes: &[NodeSpec], cmdline: &str) -> Machine {
    let mut m = Machine::default_machine();
    m.e820 = e820;
    m.srat = Some(build_srat(nodes));
    m.cmdline = cmdline.into();
    m.initrd = None;
    m
}

#[test]
fn default_machine_under_3_12_puts_tables_in_node_1() {
    let b = boot(&Machine::default_machine(), KernelProfile::V3_12);
    // Top-down: the chunk [1 MiB, 0xbffdf000) overlaps the unused BRK buffer, so its two new
    // tables (PMD for the 4th GiB, PTE for its 4K tail) come from memblock, below
    // max_pfn_mapped = 33 GiB: the top of node 1.
    let t = memblock_tables(&b);
    assert_eq!(t.len(), 2);
    assert!(t.iter().all(|&pa| (17 * GIB..33 * GIB).contains(&pa)));
    assert_eq!(blockers(&b, 1), vec!["alloc_low_pages", "setup_node_data", "sparse_init (mem_map)"]);
    // 3.12 reserves the crash kernel before SRAT, top-down below 896 MiB: [640 MiB, 896 MiB).
    assert_eq!(crash(&b), (640 * MIB, 256 * MIB));
    assert_eq!(b.movable_node, integration::movable_node::param::MovableNode::Absent);
}

#[test]
fn default_machine_under_3_13_keeps_the_early_allocations_in_node_0() {
    let b = boot(&Machine::default_machine(), KernelProfile::V3_13);
    // Bottom-up from kernel_end: the chunk above the kernel does not overlap the unused BRK
    // buffer, so all five tables (3 for the first MiB, PMD and PTE for [3 GiB, 0xbffdf000))
    // come from BRK.
    let dm = b.direct_map.as_ref().unwrap();
    assert_eq!(dm.pgt_pages().len(), 5);
    assert!(memblock_tables(&b).is_empty());
    assert!(!b.bottom_up_after_numa);
    // After SRAT, top-down below 896 MiB.
    assert_eq!(crash(&b), (640 * MIB, 256 * MIB));
    // NODE_DATA(1) is node-local, top-down: [33 GiB - 0x15000, 33 GiB).
    let numa = b.numa.as_ref().unwrap();
    assert_eq!(numa.nodes.iter().find(|n| n.nid == 1).unwrap().node_data, Some(33 * GIB - 0x15000));
    // Its mem_map (128 sections x 2 MiB) lands in node 1 too: 3.13 still pins the node.
    assert_eq!(verdict(&b, 1), Verdict::Blocked);
    assert_eq!(blockers(&b, 1), vec!["setup_node_data", "sparse_init (mem_map)"]);
}

#[test]
fn default_machine_under_3_14_makes_node_1_removable() {
    let b = boot(&Machine::default_machine(), KernelProfile::V3_14);
    let zones = b.zones.as_ref().unwrap();
    // zone_movable_pfn[1] = PFN_DOWN(17 GiB), rounded up to 1024 pages: unchanged.
    assert_eq!(zones.zone_movable_pfn, vec![(1, (17 * GIB) >> 12)]);
    let n1 = zones.nodes.iter().find(|n| n.nid == 1).unwrap();
    assert_eq!(n1.zones.len(), 1);
    assert_eq!(
        (n1.zones[0].zone, n1.zones[0].start_pfn << 12, n1.zones[0].end_pfn << 12),
        (ZoneType::Movable, 17 * GIB, 33 * GIB)
    );
    assert_eq!(verdict(&b, 1), Verdict::Removable);
    // Every memory block of node 1 comes up in ZONE_MOVABLE and can go offline.
    let blocks = b.blocks.as_ref().unwrap();
    let n1_blocks: Vec<_> = blocks.blocks.iter().filter(|x| x.nid == 1).collect();
    assert_eq!(n1_blocks.len(), 128); // 16 GiB of 128 MiB blocks
    assert!(n1_blocks.iter().all(|x| x.zone == Some(ZoneType::Movable) && x.can_offline()));
}

/// Node 0 [0, 512 MiB) holds the kernel; node 1 [512 MiB, 8 GiB) is hotpluggable.
fn low_hotplug_machine(cmdline: &str) -> Machine {
    machine(
        vec![ram(0, 0x9fc00), ram(MIB, 8 * GIB)],
        &[node(0, &[(0, 512 * MIB, false)]), node(1, &[(512 * MIB, 8 * GIB, true)])],
        cmdline,
    )
}

#[test]
fn without_movable_node_tables_and_crash_kernel_land_in_the_hotpluggable_node() {
    // nogbpages: every GiB needs a PMD page. Top-down, the first chunks take theirs from BRK
    // until it runs out; the rest come from memblock at the top of what is mapped: node 1.
    let b = boot(&low_hotplug_machine("nogbpages crashkernel=256M"), KernelProfile::V3_13);
    // Top-down: [640 MiB, 896 MiB) lies in node 1 (which starts at 512 MiB).
    assert_eq!(crash(&b), (640 * MIB, 256 * MIB));
    let t = memblock_tables(&b);
    assert!(!t.is_empty() && t.iter().all(|&pa| pa >= 512 * MIB), "{t:x?}");
    assert_eq!(
        blockers(&b, 1),
        vec!["alloc_low_pages", "reserve_crashkernel", "setup_node_data", "sparse_init (mem_map)"]
    );
}

#[test]
fn movable_node_in_3_13_does_not_keep_the_crash_kernel_out_but_3_14_does() {
    // 3.13: reserved after SRAT but still top-down through hotpluggable memory.
    let b = boot(&low_hotplug_machine("movable_node crashkernel=256M"), KernelProfile::V3_13);
    assert_eq!(crash(&b), (640 * MIB, 256 * MIB));
    assert!(blockers(&b, 1).contains(&"reserve_crashkernel"));
    assert!(memblock_tables(&b).iter().all(|&pa| pa < 512 * MIB), "tables stay above the kernel, in node 0");
    // 3.14: the top-down search skips MEMBLOCK_HOTPLUG while movable_node is on, so the
    // crash kernel goes to node 0 [0, 512 MiB). NUMA init ran first: NODE_DATA(0) took the top
    // page-aligned 0x15000 bytes of node 0, and NODE_DATA(1), which may not go into its own
    // hotpluggable node, the 0x15000 below. The highest 16 MiB-aligned 256 MiB block below
    // 512 MiB - 0x2a000 starts at 240 MiB.
    let b = boot(&low_hotplug_machine("movable_node crashkernel=256M"), KernelProfile::V3_14);
    assert_eq!(crash(&b), (240 * MIB, 256 * MIB));
    assert_eq!(verdict(&b, 1), Verdict::Removable);
}

#[test]
fn crashkernel_high_goes_to_the_top_of_memory_with_a_low_part() {
    let mut m = Machine::default_machine();
    m.cmdline = "movable_node crashkernel=512M,high".into();
    let b = boot(&m, KernelProfile::V3_13);
    // Highest 16 MiB-aligned 512 MiB below 64 TiB, after NUMA init put NODE_DATA(1) at
    // [33 GiB - 0x15000, 33 GiB): round_down(33 GiB - 0x15000 - 512 MiB, 16 MiB) =
    // 33 GiB - 528 MiB, in node 1.
    assert_eq!(crash(&b), (33 * GIB - 528 * MIB, 512 * MIB));
    assert!(blockers(&b, 1).contains(&"reserve_crashkernel"));
    // Low part, 64 MiB swiotlb + 8 MiB, top-down in [72 MiB, 4 GiB): the free range below the
    // initrd ends at 0xbe000000; round_down(0xbe000000 - 72 MiB, 16 MiB) = 0xb9000000.
    let ck = b.crash.as_ref().unwrap().as_ref().unwrap().unwrap();
    let Some(integration::movable_node::crashkernel::LowOutcome::Reserved(low)) = ck.low else {
        panic!("{:?}", ck.low)
    };
    assert_eq!((low.base, low.size), (0xb900_0000, 72 * MIB));
    // 3.14 skips hotpluggable memory: node 0, below both NODE_DATAs at its top
    // (17 GiB - 0x2a000): round_down(17 GiB - 0x2a000 - 512 MiB, 16 MiB) = 17 GiB - 528 MiB.
    let b = boot(&m, KernelProfile::V3_14);
    assert_eq!(crash(&b), (17 * GIB - 528 * MIB, 512 * MIB));
}

#[test]
fn four_nodes_two_hotpluggable() {
    let m = machine(
        vec![ram(0, 0x9fc00), ram(MIB, 3 * GIB), ram(4 * GIB, 16 * GIB)],
        &[
            node(0, &[(0, 3 * GIB, false)]),
            node(1, &[(4 * GIB, 8 * GIB, true)]),
            node(2, &[(8 * GIB, 12 * GIB, false)]),
            node(3, &[(12 * GIB, 16 * GIB, true)]),
        ],
        "movable_node",
    );
    let b = boot(&m, KernelProfile::V3_14);
    let v: Vec<_> = (0..4).map(|n| verdict(&b, n)).collect();
    assert_eq!(v, vec![Verdict::NotHotpluggable, Verdict::Removable, Verdict::NotHotpluggable, Verdict::Removable]);
    // NODE_DATA of the hotpluggable nodes fell back to another node: top-down, any node
    // skipping hotpluggable memory, so the top of node 2.
    let numa = b.numa.as_ref().unwrap();
    for nid in [1, 3] {
        let nd = numa.nodes.iter().find(|n| n.nid == nid).unwrap().node_data.unwrap();
        assert!((8 * GIB..12 * GIB).contains(&nd), "NODE_DATA({nid}) at {nd:#x}");
    }
    let b = boot(&m, KernelProfile::V3_13);
    assert_eq!(verdict(&b, 1), Verdict::Blocked);
    assert_eq!(verdict(&b, 3), Verdict::Blocked);
}

#[test]
fn hot_add_range_beyond_the_e820_map() {
    // Node 1 has RAM [17, 33) GiB and a hot-add range [33, 64) GiB that no e820 entry covers.
    let mut m = Machine::default_machine();
    m.srat = Some(build_srat(&[
        node(0, &[(0, 0xa0000, false), (MIB, 3 * GIB, false), (4 * GIB, 17 * GIB, false)]),
        node(1, &[(17 * GIB, 33 * GIB, true), (33 * GIB, 64 * GIB, true)]),
    ]));
    let b = boot(&m, KernelProfile::V3_14);
    // numa_cleanup_meminfo clips blocks to max_pfn: node 1 spans [17, 33) GiB; the two blocks
    // of node 1 are merged.
    let numa = b.numa.as_ref().unwrap();
    let n1 = numa.nodes.iter().find(|n| n.nid == 1).unwrap();
    assert_eq!((n1.start, n1.end), (17 * GIB, 33 * GIB));
    assert!(b.hotplug.contains(&(1, 33 * GIB, 64 * GIB)));
    assert_eq!(verdict(&b, 1), Verdict::Removable);
    assert_eq!(b.blocks.as_ref().unwrap().blocks.iter().filter(|x| x.nid == 1).count(), 128);
}

#[test]
fn mem_limit_cuts_memory() {
    let mut m = Machine::default_machine();
    m.cmdline = "movable_node mem=8G".into();
    let b = boot(&m, KernelProfile::V3_13);
    // RAM above 8 GiB is gone: memory ends at 8 GiB and node 1 (17..33 GiB) has none.
    assert_eq!(b.memblock.end_of_dram(), 8 * GIB);
    let numa = b.numa.as_ref().unwrap();
    assert_eq!(numa.nodes.iter().map(|n| n.nid).collect::<Vec<_>>(), vec![0]);
    assert_eq!(b.verdicts.len(), 1);
}

#[test]
fn numa_off_gives_one_node_and_no_hotplug_knowledge() {
    let mut m = Machine::default_machine();
    m.cmdline = "movable_node numa=off".into();
    let b = boot(&m, KernelProfile::V3_14);
    let numa = b.numa.as_ref().unwrap();
    assert_eq!(numa.method, "dummy");
    assert_eq!(numa.nodes.len(), 1);
    assert!(b.log.iter().any(|l| l == "NUMA turned off"));
    // dummy_numa_init still returns success, so numa_init() resets the direction.
    assert!(!b.memblock.bottom_up());
    assert!(b.hotplug.is_empty());
    assert_eq!(verdict(&b, 0), Verdict::NotHotpluggable);
}

#[test]
fn bad_machines_are_refused_with_a_reason() {
    let mut m = Machine::default_machine();
    m.kernel.text = 0xc000_0000; // in the PCI hole
    m.kernel.bss_stop = 0xc100_0000;
    m.kernel.end = 0xc100_0000;
    let e = setup_arch(&m, KernelProfile::V3_13).unwrap_err();
    assert!(e.to_string().contains("does not lie in usable RAM"), "{e}");
    let mut m = Machine::default_machine();
    m.e820.push(ram(2 * GIB, 5 * GIB));
    let e = setup_arch(&m, KernelProfile::V3_13).unwrap_err();
    assert!(e.to_string().contains("overlap"), "{e}");
    let mut m = Machine::default_machine();
    m.e820 = vec![E820Entry { addr: 0, size: 0x1000, kind: E820Type::Reserved }];
    assert!(setup_arch(&m, KernelProfile::V3_13).is_err());
}

#[test]
fn a_broken_srat_falls_back_to_one_node_and_says_so() {
    let mut m = Machine::default_machine();
    let srat = m.srat.as_mut().unwrap();
    srat[0] = b'X'; // not an SRAT signature any more
    let b = boot(&m, KernelProfile::V3_13);
    assert_eq!(b.numa.as_ref().unwrap().method, "dummy");
    assert!(b.warnings.iter().any(|w| w.contains("SRAT")), "{:?}", b.warnings);
}

#[test]
fn impossible_machine_fields_are_refused_not_panicked_on() {
    let base = Machine::default_machine();
    let mut wrap = base.clone();
    wrap.e820.push(E820Entry { addr: u64::MAX - 0xfff, size: 0x2000, kind: E820Type::Ram });
    let mut inverted = base.clone();
    inverted.initrd = Some((0xbf00_0000, 0xbe00_0000));
    let mut huge_brk = base.clone();
    huge_brk.build.brk_used = u64::MAX - 0x1000;
    let mut low = base.clone();
    low.build.reserve_low = 0;
    for (m, needle) in [(&wrap, "wraps"), (&inverted, "initrd"), (&huge_brk, "brk_used")] {
        let e = setup_arch(m, KernelProfile::V3_13).unwrap_err();
        assert!(e.to_string().contains(needle), "{e}");
    }
    // reserve_low 0 is a valid build (CONFIG_X86_RESERVE_LOW=0): nothing is reserved at 0.
    assert!(setup_arch(&low, KernelProfile::V3_13).is_ok());
}

#[test]
fn ram_above_64_tib_gets_no_memory_blocks() {
    // Found by fuzzing: an e820 map with RAM far above MAXMEM made the model enumerate billions
    // of memory blocks. The kernel caps max_pfn at MAX_ARCH_PFN (64 TiB) and has no sections
    // above it.
    let mut m = Machine::default_machine();
    m.e820.push(E820Entry { addr: 1 << 50, size: 1 << 50, kind: E820Type::Ram });
    let b = boot(&m, KernelProfile::V3_13);
    let blocks = b.blocks.as_ref().unwrap();
    assert!(blocks.blocks.iter().all(|x| x.end <= 1 << 46));
    // e820_end_of_ram_pfn() skips RAM that starts above MAX_ARCH_PFN, so max_pfn stays at
    // 33 GiB and blocks are 128 MiB: [0, 0xbffdf000) gives blocks 0-23, [4 GiB, 33 GiB) blocks
    // 32-263: 256 blocks, as without the far RAM.
    assert_eq!(blocks.block_size, 128 << 20);
    assert_eq!(blocks.blocks.len(), 256);
}

#[test]
fn a_kernel_above_2_gib_under_3_13_11_faults_in_clear_page() {
    // The built-in machine with its kernel at 2 GiB and a CPU without 1 GiB pages: with
    // movable_node the direct mapping runs bottom-up from _end, and once BRK is used up a page
    // table comes from memblock, bottom-up above _end, i.e. in [2 GiB, 4 GiB). 3.13.11's int
    // keeps the low 32 bits and sign-extends them: 0xffffffff8xxxxxxx, which is not RAM, and
    // clear_page() faults. The fixed 3.13 boots on.
    let mut m = Machine::default_machine();
    m.kernel.text = 0x8000_0000;
    m.kernel.bss_stop = 0x8340_0000;
    m.kernel.end = 0x8343_0000;
    m.cpu.gbpages = false;
    let shipped = boot(&m, KernelProfile::V3_13_11);
    let panic = shipped.panic.clone().unwrap_or_default();
    assert!(panic.starts_with("FAULT: clear_page pa=0xffffffff8"), "{panic}");
    let fixed = boot(&m, KernelProfile::V3_13);
    assert_eq!(fixed.panic, None);
    assert!(memblock_tables(&fixed).iter().all(|&pa| pa >= m.kernel.end));
}
