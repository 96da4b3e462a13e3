//! The facts a plain dmesg prints about the early boot, the kernel's lines beside the model's:
//! `NODE_DATA`, the crash kernel, the zone ranges and the movable zone starts.

use movable_node::zones::ZoneLayout;
use serde::Serialize;

use crate::input::log_lines;
use crate::phases::linux_6_1::PhaseOp;
use crate::phases::linux_6_1::boot::Prediction;
use crate::replay::trace::{RequestKind, Trace, TraceEvent};

/// One fact compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactCheck {
    /// What it is.
    pub what: &'static str,
    /// The phase that decides it.
    pub phase: &'static str,
    /// The kernel's lines.
    pub kernel: Vec<String>,
    /// The model's lines.
    pub model: Vec<String>,
}

impl FactCheck {
    /// Whether the two sides are the same.
    pub fn identical(&self) -> bool {
        self.kernel == self.model
    }
}

/// The zones `zone_sizes_init()` prints under `Zone ranges:`, by name.
const ZONE_NAMES: [&str; 3] = ["DMA", "DMA32", "Normal"];

/// Every fact of `p` beside the log's lines.
pub fn fact_checks(p: &Prediction, text: &str, trace: &Trace) -> Vec<FactCheck> {
    let messages: Vec<&str> = log_lines(text).map(|(_, m, _)| m).collect();
    let msg = |n: usize| messages.get(n.wrapping_sub(1)).copied().unwrap_or("").to_string();
    let lines_of = |keep: fn(&TraceEvent) -> bool| -> Vec<String> {
        trace.events.iter().filter(|l| keep(&l.event)).map(|l| msg(l.number)).collect()
    };
    vec![
        FactCheck {
            what: "NODE_DATA",
            phase: "initmem_init",
            kernel: lines_of(|e| matches!(e, TraceEvent::NodeData { .. } | TraceEvent::NodeDataOnNode { .. })),
            model: node_data_lines(p),
        },
        FactCheck {
            what: "crash kernel",
            phase: "reserve_crashkernel",
            kernel: lines_of(|e| matches!(e, TraceEvent::Crashkernel(_))),
            model: p.crash_messages.clone(),
        },
        FactCheck {
            what: "zone ranges",
            phase: "zone_sizes_init",
            kernel: lines_after(&messages, "Zone ranges:", "  "),
            model: zone_ranges(&p.zones),
        },
        FactCheck {
            what: "early memory node ranges",
            phase: "free_area_init",
            kernel: lines_after(&messages, "Early memory node ranges", "  node "),
            model: early_node_ranges(&p.zones),
        },
        FactCheck {
            what: "node spans",
            phase: "free_area_init",
            kernel: messages.iter().filter(|m| m.starts_with("Initmem setup node ")).map(|m| m.to_string()).collect(),
            model: node_spans(&p.zones),
        },
        FactCheck {
            what: "movable zone starts",
            phase: "find_zone_movable_pfns_for_nodes",
            kernel: lines_of(|e| matches!(e, TraceEvent::MovableZoneNode { .. })),
            model: movable_starts(&p.zones),
        },
    ]
}

/// `alloc_node_data()`'s lines.
pub fn node_data_lines(p: &Prediction) -> Vec<String> {
    let size = p.phases.iter().flat_map(|ph| &ph.ops).find_map(|op| match op {
        PhaseOp::Request(r) if r.kind == RequestKind::PhysAllocTryNid => Some(r.size),
        _ => None,
    });
    let size = size.unwrap_or(0);
    let mut out = Vec::new();
    for &(nid, at, on) in &p.node_data {
        out.push(format!(
            "NODE_DATA({nid}) allocated [mem {at:#010x}-{:#010x}]",
            at.saturating_add(size).saturating_sub(1)
        ));
        if let Some(on) = on {
            out.push(format!("    NODE_DATA({nid}) on node {on}"));
        }
    }
    out
}

/// The lines right after the line `head` that start with `prefix`.
fn lines_after(messages: &[&str], head: &str, prefix: &str) -> Vec<String> {
    let Some(at) = messages.iter().position(|m| *m == head) else { return Vec::new() };
    messages[at + 1..].iter().take_while(|m| m.starts_with(prefix)).map(|m| m.to_string()).collect()
}

/// `free_area_init()`'s `Early memory node ranges` lines: `  node %3d: [mem …]` per range.
pub fn early_node_ranges(z: &ZoneLayout) -> Vec<String> {
    let mem = |pfn: u64| pfn << 12;
    z.early_node_ranges
        .iter()
        .map(|&(nid, start, end)| {
            format!("  node {nid:>3}: [mem {:#018x}-{:#018x}]", mem(start), mem(end).saturating_sub(1))
        })
        .collect()
}

/// `free_area_init_node()`'s `Initmem setup node %d [mem …]` per node with memory.
pub fn node_spans(z: &ZoneLayout) -> Vec<String> {
    z.nodes
        .iter()
        .map(|n| {
            let (start, end) = (n.start_pfn << 12, (n.end_pfn << 12).saturating_sub(1));
            format!("Initmem setup node {} [mem {start:#018x}-{end:#018x}]", n.nid)
        })
        .collect()
}

/// `zone_sizes_init()`'s `Zone ranges:` lines: `  %-8s [mem %#018Lx-%#018Lx]` or `  %-8s empty`,
/// then `Device` (ZONE_DEVICE, always empty at boot).
pub fn zone_ranges(z: &ZoneLayout) -> Vec<String> {
    let mut out: Vec<String> = ZONE_NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (lo, hi) = (z.lowest[i], z.highest[i]);
            if hi > lo {
                format!("  {name:<8} [mem {:#018x}-{:#018x}]", lo << 12, (hi << 12).saturating_sub(1))
            } else {
                format!("  {name:<8} empty")
            }
        })
        .collect();
    out.push(format!("  {:<8} empty", "Device"));
    out
}

/// `  Node %d: %#018Lx` for each node with a movable zone start.
pub fn movable_starts(z: &ZoneLayout) -> Vec<String> {
    z.zone_movable_pfn.iter().map(|&(nid, pfn)| format!("  Node {nid}: {:#018x}", pfn << 12)).collect()
}
