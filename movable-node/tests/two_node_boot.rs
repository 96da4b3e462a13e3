//! End to end on a two-node machine whose node 1 is hotpluggable, through every layer below:
//! the early boot's memblock users, the direct mapping, the crash kernel, SRAT and NUMA init,
//! zones and the hot-remove verdict, under 3.12, 3.13 and 3.14, with and without
//! `movable_node`. Expected placements are worked out by hand from the kernels' rules.

mod common;

use common::{lapic, mem, sdt_srat};
use movable_node::acpi_srat::{NumaConfig, SratTable};
use movable_node::crashkernel::{
    CrashKernel, CrashParams, initmem_init, reserve_crashkernel, reserve_crashkernel_before_srat,
};
use movable_node::memblock_bottomup::{BottomUp, PAGE_SIZE, SeriesMemblock};
use movable_node::numa::{NumaParams, NumaState, x86_numa_init};
use movable_node::param::{MovableNode, cmdline_parse_movable_node};
use movable_node::verdict::{NodeVerdict, Verdict, hotplug_verdicts, labelled_reservations};
use movable_node::zones::{ZoneLayout, ZoneParams, ZoneType, free_area_init_nodes};
use movable_node::{CpuFeatures, DirectMap, E820Entry, E820Table, E820Type, MappingSetup, PgtSource, SeriesWalk};
use movable_node::{KernelProfile, SratNuma};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
const KERNEL_END: u64 = 64 * MIB;
const NODE_DATA: u64 = 0x15000;

struct Boot {
    mb: SeriesMemblock,
    dm: DirectMap,
    crash: Option<CrashKernel>,
    numa: NumaState,
    bottom_up_after_numa: bool,
    zones: ZoneLayout,
    verdicts: Vec<NodeVerdict>,
}

/// Node 0: [4 KiB, 636 KiB) and [1 MiB, 3 GiB) (PCI hole above); node 1: [4 GiB, 8 GiB),
/// hotpluggable. Kernel image [16 MiB, 48 MiB), `_end` 64 MiB, BRK tables at 48 MiB.
fn boot(profile: KernelProfile, cmdline: &str) -> Boot {
    let e820 = E820Table::new(vec![
        E820Entry { addr: 0x1000, size: 0x9e000, kind: E820Type::Ram },
        E820Entry { addr: MIB, size: 3 * GIB - MIB, kind: E820Type::Ram },
        E820Entry { addr: 4 * GIB, size: 4 * GIB, kind: E820Type::Ram },
    ])
    .unwrap();
    let srat_bytes = sdt_srat(
        1,
        &[lapic(0, 0, 0, true), lapic(1, 1, 0, true), mem(0, 0, 3 * GIB, false), mem(1, 4 * GIB, 4 * GIB, true)],
    );
    let cmdline = cmdline.as_bytes();
    let mut mb = profile.memblock(KERNEL_END, false);
    mb.log_mut().set_trace(true);
    mb.reserve_as(16 * MIB, 32 * MIB, "kernel image").unwrap();
    assert_ne!(cmdline_parse_movable_node(&mut mb, cmdline, profile, true), MovableNode::NotSupported);
    mb.reserve_as(48 * MIB, 6 * PAGE_SIZE, "reserve_brk").unwrap();
    mb.set_current_limit(MIB);
    e820.fill_memblock(&mut mb).unwrap();
    let (max_pfn, _) = e820.end_of_ram_pfn();
    let (max_low_pfn, _) = e820.end_of_low_ram_pfn();
    let mut dm = DirectMap::new(MappingSetup {
        e820,
        cpu: CpuFeatures { pse: true, pge: true, gbpages: false },
        direct_gbpages: false,
        pgt_buf_base: 48 * MIB,
        max_pfn,
        max_low_pfn,
    });
    dm.init_mem_mapping(&mut mb, &mut SeriesWalk).unwrap();
    mb.set_current_limit(dm.max_pfn_mapped() << 12);
    mb.with_caller("setup_log_buf", |mb| mb.alloc(MIB, PAGE_SIZE)).unwrap();
    let params = CrashParams::new(cmdline);
    let mut crash = None;
    if profile == KernelProfile::V3_12 {
        crash = reserve_crashkernel_before_srat(&mut mb, &params).unwrap();
    }
    let table = SratTable::from_bytes(&srat_bytes).unwrap();
    let mut srat = SratNuma::new(Some(table), NumaConfig::linux_3_12());
    let numa_params = NumaParams { max_pfn, numa_off: false, node_data_size: NODE_DATA, profile };
    let (numa, after) = initmem_init(&mut mb, |mb| x86_numa_init(mb, &numa_params, &mut [&mut srat]));
    let bottom_up_after_numa = mb.bottom_up();
    if profile != KernelProfile::V3_12 {
        crash = reserve_crashkernel(&mut mb, &params, &after).unwrap();
    }
    let movable_node = cmdline.windows(12).any(|w| w == b"movable_node");
    let zones = free_area_init_nodes(&mb, max_pfn, profile, ZoneParams { movable_node, ..ZoneParams::default() });
    let hotplug: Vec<_> = srat
        .parsed
        .as_ref()
        .unwrap()
        .memblks()
        .iter()
        .filter(|b| b.hotpluggable)
        .map(|b| (b.node as i32, b.start, b.end))
        .collect();
    let reserved = labelled_reservations(mb.state(), mb.log().events());
    let verdicts = hotplug_verdicts(mb.state(), &hotplug, &reserved, &zones);
    Boot { mb, dm, crash, numa, bottom_up_after_numa, zones, verdicts }
}

fn memblock_tables(b: &Boot) -> Vec<u64> {
    b.dm.pgt_pages().iter().filter(|p| p.source == PgtSource::Memblock).map(|p| p.pa).collect()
}

fn node1(b: &Boot) -> &NodeVerdict {
    b.verdicts.iter().find(|v| v.nid == 1).unwrap()
}

#[test]
fn numa_init_finds_both_nodes_and_resets_the_direction() {
    let b = boot(KernelProfile::V3_13, "movable_node");
    assert_eq!(b.numa.method, "acpi");
    let spans: Vec<_> = b.numa.nodes.iter().map(|n| (n.nid, n.start, n.end)).collect();
    assert_eq!(spans, vec![(0, 0, 3 * GIB), (1, 4 * GIB, 8 * GIB)]);
    assert!(!b.bottom_up_after_numa, "patch 6 resets memblock to top-down in numa_init()");
    // memblock now knows the nodes: memory regions carry them.
    let nids: Vec<_> = b.mb.memory().regions().iter().map(|r| r.nid).collect();
    assert_eq!(nids, vec![0, 0, 1]);
}

#[test]
fn without_movable_node_the_tables_land_in_node_1_and_block_it() {
    let b = boot(KernelProfile::V3_13, "crashkernel=256M");
    // Top-down: the first chunk maps the top 2 MiB of node 1 from BRK, the next chunks take
    // their tables from memblock at the top of what is mapped: inside node 1.
    let tables = memblock_tables(&b);
    assert!(!tables.is_empty());
    assert!(tables.iter().all(|&pa| pa >= 4 * GIB), "{tables:x?}");
    let v = node1(&b);
    assert_eq!(v.verdict, Verdict::Blocked);
    let labels: Vec<&str> = v.blockers.iter().map(|x| x.label.as_str()).collect();
    assert!(labels.contains(&"alloc_low_pages"), "{labels:?}");
    // The log buffer was allocated top-down below current_limit (= 8 GiB): the top of node 1.
    assert!(labels.contains(&"setup_log_buf"), "{labels:?}");
}

#[test]
fn with_movable_node_3_13_keeps_early_allocations_in_node_0() {
    let b = boot(KernelProfile::V3_13, "movable_node crashkernel=256M");
    // Bottom-up from kernel_end: tables right above 64 MiB.
    let tables = memblock_tables(&b);
    assert!(!tables.is_empty());
    assert!(tables.iter().all(|&pa| (KERNEL_END..KERNEL_END + MIB).contains(&pa)), "{tables:x?}");
    // The crash kernel is reserved after SRAT, top-down below 896 MiB: [640 MiB, 896 MiB).
    let ck = b.crash.unwrap();
    assert_eq!((ck.base, ck.size), (640 * MIB, 256 * MIB));
    // Before SRAT nothing went to node 1; but NODE_DATA(1) is node-local and 3.13 has no
    // ZONE_MOVABLE from SRAT: node 1 is pinned by its own pg_data_t.
    let v = node1(&b);
    let labels: Vec<&str> = v.blockers.iter().map(|x| x.label.as_str()).collect();
    assert_eq!(labels, vec!["setup_node_data"]);
    assert_eq!(v.blockers[0].end, 8 * GIB, "top-down inside node 1");
    assert_eq!(v.verdict, Verdict::Blocked);
    assert!(!b.zones.nodes[1].zones.iter().any(|z| z.zone == ZoneType::Movable));
}

#[test]
fn with_movable_node_3_14_node_1_is_all_movable_and_removable() {
    let b = boot(KernelProfile::V3_14, "movable_node crashkernel=256M");
    // NODE_DATA(1) skips hotpluggable memory and falls back to node 0.
    let nd1 = b.numa.nodes.iter().find(|n| n.nid == 1).unwrap().node_data.unwrap();
    assert!(nd1 < 3 * GIB, "{nd1:#x}");
    assert_eq!(b.zones.zone_movable_pfn, vec![(1, (4 * GIB) >> 12)]);
    let z1: Vec<_> = b.zones.nodes[1].zones.iter().map(|z| (z.zone, z.start_pfn << 12, z.end_pfn << 12)).collect();
    assert_eq!(z1, vec![(ZoneType::Movable, 4 * GIB, 8 * GIB)]);
    let v = node1(&b);
    assert!(v.blockers.is_empty(), "{:?}", v.blockers);
    assert_eq!(v.verdict, Verdict::Removable);
    // Node 0 holds the kernel: its memory never carried the flag, and it has no ZONE_MOVABLE.
    assert_eq!(b.numa.kernel_nodes, vec![0]);
}

#[test]
fn under_3_14_without_movable_node_node_1_is_normal_memory() {
    let b = boot(KernelProfile::V3_14, "crashkernel=256M");
    assert!(b.zones.zone_movable_pfn.is_empty());
    assert_eq!(node1(&b).verdict, Verdict::Blocked);
    // Node 1 holds kernel reservations (the page tables), so it became a kernel node and its
    // hotplug flag was cleared.
    assert_eq!(b.numa.kernel_nodes, vec![0, 1]);
}

#[test]
fn under_3_12_movable_node_is_not_an_option() {
    let b = boot(KernelProfile::V3_12, "movable_node crashkernel=256M");
    // Top-down throughout: tables in node 1.
    assert!(memblock_tables(&b).iter().all(|&pa| pa >= 4 * GIB));
    // The crash kernel is reserved before SRAT, top-down below 896 MiB.
    assert_eq!(b.crash.unwrap().base, 640 * MIB);
    assert_eq!(node1(&b).verdict, Verdict::Blocked);
}

#[test]
fn zone_lines_are_the_kernels() {
    let b = boot(KernelProfile::V3_14, "movable_node");
    assert_eq!(
        b.zones.kernel_lines(KernelProfile::V3_14),
        vec![
            "Zone ranges:",
            "  DMA      [mem 0x00001000-0x00ffffff]",
            "  DMA32    [mem 0x01000000-0xffffffff]",
            "  Normal   [mem 0x100000000-0x1ffffffff]",
            "Movable zone start for each node",
            "  Node 1: 0x100000000",
            "Early memory node ranges",
            "  node   0: [mem 0x00001000-0x0009efff]",
            "  node   0: [mem 0x00100000-0xbfffffff]",
            "  node   1: [mem 0x100000000-0x1ffffffff]",
        ]
    );
}
