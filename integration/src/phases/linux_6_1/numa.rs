//! Spec §H.9.2 step 8: `initmem_init()` = `x86_numa_init()` with the SRAT as the boot's
//! `ACPI: SRAT: Node` lines tell it (movable-node's NUMA init over [`SratLines`]), then one
//! `NODE_DATA` per node with the any-node retry. The replay feeds the same source from a
//! `memblock=debug` log, so prediction and replay read the SRAT one way.

use movable_node::KernelProfile;
use movable_node::memblock_bottomup::{Label, Nid, RegionFlags, SeriesMemblock};
use movable_node::numa::{NumaDiscovery, NumaEvent, NumaInitFn, NumaMeminfo, NumaParams, NumaState, x86_numa_init};

use super::{Build6_1, PhaseOp, PhaseRequest, SratMemory};
use crate::replay::trace::RequestKind;

/// One `ACPI: SRAT: Node n PXM p [mem a-b][ hotplug]` line: a memory affinity range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SratBlock {
    /// Node.
    pub nid: Nid,
    /// First byte.
    pub start: u64,
    /// End (exclusive).
    pub end: u64,
    /// ` hotplug`: the firmware set the Hot Pluggable bit.
    pub hotplug: bool,
}

impl From<&SratMemory> for SratBlock {
    fn from(m: &SratMemory) -> Self {
        SratBlock { nid: m.node, start: m.base, end: m.last.saturating_add(1), hotplug: m.hotplug }
    }
}

/// The first `numa_init()` source, `x86_acpi_numa_init()`, as the boot's SRAT lines tell it;
/// nodes in `declared` are marked as if the firmware had set the Hot Pluggable bit (a what-if).
#[derive(Debug)]
pub struct SratLines<'a> {
    /// The memory affinity ranges, in the log's order.
    pub blocks: &'a [SratBlock],
    /// Nodes to treat as hotpluggable whatever the lines say.
    pub declared: &'a [Nid],
}

impl NumaInitFn for SratLines<'_> {
    fn name(&self) -> &'static str {
        "acpi"
    }

    /// `x86_acpi_numa_init()` as the `ACPI: SRAT: Node` lines tell it: each range is a node
    /// block and, from 3.14 on, hotpluggable ones are marked in memblock (6.1 marks them with
    /// or without `movable_node`). Blocks that overlap no memory go to 6.1's
    /// `numa_reserved_meminfo` (3.12 drops them in `numa_cleanup_meminfo()`): either way they
    /// are not node blocks.
    fn init(&mut self, mb: &mut SeriesMemblock, params: &NumaParams, events: &mut Vec<NumaEvent>) -> NumaDiscovery {
        let mut meminfo = NumaMeminfo::default();
        let mut nodes = Vec::new();
        let mut ret = Ok(());
        for b in self.blocks {
            nodes.push(b.nid);
            if params.profile.has_hotplug_flags() && (b.hotplug || self.declared.contains(&b.nid)) {
                let _ = mb.set_flags(b.start, b.end - b.start, RegionFlags::HOTPLUG, true);
            }
            if mb.memory().overlaps(b.start, b.end - b.start).is_none() {
                continue;
            }
            if let Err(e) = meminfo.add_memblk(b.nid, b.start, b.end, events) {
                ret = Err(e.init_ret());
            }
        }
        nodes.sort_unstable();
        nodes.dedup();
        NumaDiscovery { ret, meminfo, nodes_parsed: nodes }
    }
}

/// `x86_numa_init()` from `blocks` (the dummy node when there are none or `numa_off`), with
/// `profile`'s rules.
pub fn numa_from_srat_lines(
    mb: &mut SeriesMemblock,
    params: &NumaParams,
    blocks: &[SratBlock],
    declared: &[Nid],
) -> NumaState {
    let mut lines = SratLines { blocks, declared };
    if blocks.is_empty() { x86_numa_init(mb, params, &mut []) } else { x86_numa_init(mb, params, &mut [&mut lines]) }
}

/// What 6.1's NUMA init left: the nodes with their `NODE_DATA`, and each operation.
#[derive(Debug, Clone)]
pub struct NumaOutcome {
    /// movable-node's account (method, blocks, nodes, kernel nodes, lines).
    pub state: NumaState,
    /// `NODE_DATA(n)` by node: its address, and the node of the memory that holds it when that
    /// is another node (the `    NODE_DATA(%d) on node %d` line).
    pub node_data: Vec<(Nid, u64, Option<Nid>)>,
    /// The `NODE_DATA` allocations, as `memblock_phys_alloc_try_nid()` makes them (no request
    /// line; the reservation is printed).
    pub ops: Vec<PhaseOp>,
}

/// `initmem_init()` of 6.1 from the SRAT lines (spec §H.9.2 step 8): the hotplug marks,
/// bottom-up off, the cleaned blocks, nodes on memory and reserved, HOTPLUG cleared on nodes
/// holding reservations, then `alloc_node_data()` for every node of at least `NODE_MIN_SIZE`.
/// `numa_off` is `numa=off` on the command line.
pub fn initmem_init(
    mb: &mut SeriesMemblock,
    build: &Build6_1,
    srat: &[SratMemory],
    max_pfn: u64,
    numa_off: bool,
) -> NumaOutcome {
    let blocks: Vec<SratBlock> = srat.iter().map(SratBlock::from).collect();
    let params = NumaParams { max_pfn, numa_off, node_data_size: build.pg_data_bytes, profile: KernelProfile::Modern };
    let state = numa_from_srat_lines(mb, &params, &blocks, &[]);
    let off_node = |nid: Nid| {
        state.events.iter().find_map(|e| match *e {
            NumaEvent::NodeDataOffNode { nid: n, on } if n == nid => Some(on),
            _ => None,
        })
    };
    let mut node_data = Vec::new();
    let mut ops = Vec::new();
    // alloc_node_data() runs only for nodes of at least NODE_MIN_SIZE.
    for n in state.nodes.iter().filter(|n| n.end == 0 || n.end - n.start >= build.node_min_size) {
        let answer = n.node_data;
        ops.push(PhaseOp::Request(PhaseRequest {
            kind: RequestKind::PhysAllocTryNid,
            caller: Label::new("alloc_node_data"),
            size: build.pg_data_bytes,
            align: super::SMP_CACHE_BYTES,
            from: 0,
            max_addr: 0,
            nid: Some(n.nid),
            answer,
        }));
        if let Some(at) = answer {
            node_data.push((n.nid, at, off_node(n.nid)));
        }
    }
    NumaOutcome { state, node_data, ops }
}
