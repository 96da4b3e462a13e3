//! SRAT and NUMA: the nodes, their hotpluggable ranges, and patch 6's return to top-down.

use movable_node::acpi_srat::{MessageStyle, NumaConfig, SratTable};
use movable_node::crashkernel::initmem_init as initmem_init_then;
use movable_node::memblock_bottomup::BottomUp;
use movable_node::numa::{NumaEvent, NumaParams, x86_numa_init};
use movable_node::{KernelProfile, SratNuma};

use super::{BootState, Flow};

/// `initmem_init()` = `x86_numa_init()`: SRAT (a table that cannot be read falls back to one
/// node, with a note), `NODE_DATA`, and the bottom-up reset of the series.
pub fn initmem_init(st: &mut BootState) -> Flow {
    let b = &mut st.boot;
    let mut table = None;
    if let Some(bytes) = &b.machine.srat {
        match SratTable::from_bytes(bytes) {
            Ok(t) => table = Some(t),
            Err(e) => st.log.note(format!("the SRAT could not be read ({e}); NUMA falls back to one node")),
        }
    }
    let mut config = NumaConfig::linux_3_12();
    config.memory_hotplug = b.machine.build.memory_hotplug;
    if b.profile == KernelProfile::Modern {
        config.style = MessageStyle::Linux6_1;
    }
    let mut srat = SratNuma::new(table, config);
    let params = NumaParams {
        max_pfn: st.max_pfn,
        numa_off: b.params.numa_off,
        node_data_size: b.machine.build.node_data_size_for(b.profile),
        profile: b.profile,
    };
    let (numa, parsed) = initmem_init_then(&mut b.memblock, |mb| x86_numa_init(mb, &params, &mut [&mut srat]));
    for ev in &numa.events {
        match ev {
            NumaEvent::DirectionReset => {}
            NumaEvent::Memblock(ev) => st.log.memblock_event(ev),
            ev => st.log.k(ev.to_string()),
        }
    }
    st.log.skip_memblock(&b.memblock);
    b.bottom_up_after_numa = b.memblock.bottom_up();
    let note = format!("{} NUMA: {} node(s); bottom-up now {}", numa.method, numa.nodes.len(), b.bottom_up_after_numa);
    b.hotplug = srat.hotplug_ranges();
    b.numa = Some(numa);
    st.srat_parsed = Some(parsed);
    st.step("initmem_init", note);
    Flow::Continue
}
