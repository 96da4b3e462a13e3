//! The modern profile (Linux 6.1, spec §H.1, §H.2, §H.5 step 17) where it differs from 3.14:
//! 24-byte regions, NOMAP memory never handed out, both walks skipping hotpluggable memory, and
//! `numa_clear_kernel_node_hotplug()` before `NODE_DATA` is allocated.

use movable_node::KernelProfile;
use movable_node::memblock_bottomup::{BottomUp, MAX_NUMNODES, NUMA_NO_NODE, RegionFlags, RegionKind, SeriesMemblock};
use movable_node::numa::{NumaDiscovery, NumaEvent, NumaInitFn, NumaMeminfo, NumaParams, x86_numa_init};

const GIB: u64 = 1 << 30;

#[test]
fn memblock_config_of_6_1() {
    let c = KernelProfile::Modern.memblock_config(false);
    assert_eq!(c.region_bytes, 24);
    assert_eq!(c.any_node, NUMA_NO_NODE);
    assert!(!c.round_size);
    assert_eq!((c.skip_top_down, c.skip_bottom_up), (RegionFlags::NOMAP, RegionFlags::NOMAP));
    let c = KernelProfile::Modern.memblock_config(true);
    let both = RegionFlags::NOMAP | RegionFlags::HOTPLUG;
    assert_eq!((c.skip_top_down, c.skip_bottom_up), (both, both));
    // 3.14 is unchanged: 32-byte regions, only the reverse walk skips, and only HOTPLUG.
    let c = KernelProfile::V3_14.memblock_config(true);
    assert_eq!(c.region_bytes, 32);
    assert_eq!((c.skip_top_down, c.skip_bottom_up), (RegionFlags::HOTPLUG, RegionFlags::empty()));
}

#[test]
fn nomap_memory_is_never_handed_out() {
    for bottom_up in [false, true] {
        let mut mb = KernelProfile::Modern.memblock(0x400_0000, false);
        mb.add(0x10_0000, GIB).unwrap();
        mb.set_flags(0x10_0000, 0x10_0000, RegionFlags::NOMAP, true).unwrap();
        mb.set_flags(GIB, 0x10_0000, RegionFlags::NOMAP, true).unwrap();
        mb.set_bottom_up(bottom_up);
        let a = mb.alloc(0x1000, 0x1000).unwrap();
        assert_eq!(a, if bottom_up { 0x20_0000 } else { GIB - 0x1000 });
    }
}

/// Two nodes of 2 GiB from a fixed map; node 1 hotpluggable, marked as SRAT would mark it.
struct TwoNodes;

impl NumaInitFn for TwoNodes {
    fn name(&self) -> &'static str {
        "test"
    }

    fn init(&mut self, mb: &mut SeriesMemblock, params: &NumaParams, events: &mut Vec<NumaEvent>) -> NumaDiscovery {
        let mut meminfo = NumaMeminfo::default();
        meminfo.add_memblk(0, 0, 2 * GIB, events).unwrap();
        meminfo.add_memblk(1, 2 * GIB, 4 * GIB, events).unwrap();
        if params.profile.has_hotplug_flags() {
            mb.set_flags(2 * GIB, 2 * GIB, RegionFlags::HOTPLUG, true).unwrap();
        }
        NumaDiscovery { ret: Ok(()), meminfo, nodes_parsed: vec![0, 1] }
    }
}

fn boot(profile: KernelProfile) -> (SeriesMemblock, movable_node::numa::NumaState) {
    let mut mb = profile.memblock(0x440_0000, true);
    profile.set_movable_node(&mut mb, true);
    mb.add(0x1000, 4 * GIB - 0x1000).unwrap();
    mb.reserve(0x100_0000, 0x340_0000).unwrap(); // the kernel, in node 0
    let params = NumaParams { max_pfn: (4 * GIB) >> 12, numa_off: false, node_data_size: 0x2b000, profile };
    let state = x86_numa_init(&mut mb, &params, &mut [&mut TwoNodes]);
    (mb, state)
}

#[test]
fn kernel_nodes_are_found_before_node_data_in_6_1() {
    let (mb, state) = boot(KernelProfile::Modern);
    assert_eq!(state.kernel_nodes, vec![0]);
    // NODE_DATA(1) fell back to node 0 (node 1 is hotpluggable and skipped) ...
    let nd1 = state.nodes.iter().find(|n| n.nid == 1).unwrap().node_data.unwrap();
    assert!(nd1 < 2 * GIB);
    assert!(state.events.contains(&NumaEvent::NodeDataOffNode { nid: 1, on: 0 }));
    // ... node 1 keeps its mark, and the NODE_DATA regions carry no node (reserved nids were
    // set before they were allocated).
    let m1 = mb.memory().regions().iter().find(|r| r.nid == 1).unwrap();
    assert!(m1.flags.contains(RegionFlags::HOTPLUG));
    let r = mb.reserved().regions().iter().find(|r| r.base <= nd1 && nd1 < r.end()).unwrap();
    assert_eq!(r.nid, MAX_NUMNODES);
    assert_eq!(mb.state().region_type(RegionKind::Reserved).regions()[0].nid, 0);
}

#[test]
fn kernel_nodes_are_found_after_node_data_in_3_14() {
    let (mb, state) = boot(KernelProfile::V3_14);
    // 3.14 tags reserved regions after NODE_DATA: its NODE_DATA regions are on node 0 too.
    assert_eq!(state.kernel_nodes, vec![0]);
    let nd1 = state.nodes.iter().find(|n| n.nid == 1).unwrap().node_data.unwrap();
    let r = mb.reserved().regions().iter().find(|r| r.base <= nd1 && nd1 < r.end()).unwrap();
    assert_eq!(r.nid, 0);
}
