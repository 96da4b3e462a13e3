//! The facts a plain dmesg prints about the early boot, the kernel's lines beside the model's:
//! `NODE_DATA`, the crash kernel, the zone ranges and the movable zone starts.

use serde::Serialize;

use crate::input::log_lines;
use crate::phases::linux_6_1::boot::Prediction;
use crate::phases::linux_6_1::kernel_lines::{early_node_ranges, movable_starts, node_spans, zone_ranges};
use crate::replay::trace::{Trace, TraceEvent};

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
            model: p.node_data_lines(),
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

/// The lines right after the line `head` that start with `prefix`.
fn lines_after(messages: &[&str], head: &str, prefix: &str) -> Vec<String> {
    let Some(at) = messages.iter().position(|m| *m == head) else { return Vec::new() };
    messages[at + 1..].iter().take_while(|m| m.starts_with(prefix)).map(|m| m.to_string()).collect()
}
