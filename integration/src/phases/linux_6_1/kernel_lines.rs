//! What Linux 6.1 prints of the early boot a [`Prediction`] made: the `memblock=debug` trace
//! with its dumps, the `NODE_DATA` lines, and `free_area_init()`'s zone lines, in the kernel's
//! formats, so they can be laid beside a real boot's.

use movable_node::zones::ZoneLayout;

use super::PhaseOp;
use super::boot::Prediction;
use crate::replay::trace::RequestKind;

/// The zones `zone_sizes_init()` prints under `Zone ranges:`, by name.
const ZONE_NAMES: [&str; 3] = ["DMA", "DMA32", "Normal"];

impl Prediction {
    /// The predicted `memblock=debug` trace: each operation's lines, with the dumps where the
    /// kernel prints them.
    pub fn trace_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for ph in &self.phases {
            out.extend(ph.ops.iter().flat_map(|op| op.kernel_lines()));
            for d in self.dumps.iter().filter(|d| d.after == ph.phase) {
                out.extend(d.kernel_lines());
            }
        }
        out
    }

    /// `alloc_node_data()`'s lines.
    pub fn node_data_lines(&self) -> Vec<String> {
        let size = self.phases.iter().flat_map(|ph| &ph.ops).find_map(|op| match op {
            PhaseOp::Request(r) if r.kind == RequestKind::PhysAllocTryNid => Some(r.size),
            _ => None,
        });
        let size = size.unwrap_or(0);
        let mut out = Vec::new();
        for &(nid, at, on) in &self.node_data {
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
