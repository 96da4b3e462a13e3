//! The zones, and what they leave removable.

use movable_node::param::MovableNode;
use movable_node::verdict::hotplug_verdicts;
use movable_node::zones::{ZoneParams, free_area_init_nodes as zones_of};

use super::{Boot, BootState, Flow};
use crate::blocks::memory_blocks_of;

/// `paging_init()` → `zone_sizes_init()` → `free_area_init_nodes()`: the zones of every node
/// and ZONE_MOVABLE (`kernelcore=`, `movablecore=`, `movable_node`).
pub fn free_area_init_nodes(st: &mut BootState) -> Flow {
    let b = &mut st.boot;
    let zp = ZoneParams {
        kernelcore: b.params.kernelcore,
        movablecore: b.params.movablecore,
        movable_node: b.movable_node == MovableNode::Enabled,
    };
    let zones = zones_of(b.memblock.state(), st.max_pfn, b.profile, zp);
    for line in zones.kernel_lines(b.profile) {
        st.log.k(line);
    }
    let note = format!("ZONE_MOVABLE on {} node(s)", zones.zone_movable_pfn.len());
    b.zones = Some(zones);
    st.step("free_area_init_nodes", note);
    Flow::Continue
}

/// Once the boot's reservations are filed by owner: each hotpluggable node's verdict and the
/// memory blocks as `/sys/devices/system/memory` will show them.
pub fn hot_remove_verdicts(boot: &mut Boot, max_pfn: u64) {
    let Some(zones) = boot.zones.take() else { return };
    boot.verdicts = hotplug_verdicts(boot.memblock.state(), &boot.hotplug, &boot.reserved, &zones);
    let (mb, reserved, hotplug) = (boot.memblock.state(), &boot.reserved, &boot.hotplug);
    boot.blocks = Some(memory_blocks_of(boot.profile, mb, reserved, hotplug, &zones, max_pfn));
    boot.zones = Some(zones);
}
