//! What if: the request sequence of a real boot under another kernel's placement rules, and
//! what then lands in hotpluggable memory.
//!
//! The requests (sizes, alignments, nodes, windows and order) are the log's. What changes with
//! the policy is everything the layers decide: the direction of each search (3.12 top-down;
//! 3.13 and 3.14 bottom-up above `kernel_end` until SRAT is parsed when `movable_node` is on,
//! with the top-down fallback; 6.1 bottom-up from the window's start without fallback), which
//! memory the searches skip (3.14 and 6.1 skip `MEMBLOCK_HOTPLUG` with `movable_node`), the
//! size rounding and the node wildcard of the profile's memblock, and NUMA init (3.13 keeps
//! `NODE_DATA` node-local; 3.14 and 6.1 fall back to another node; 6.1 clears the hotplug
//! marks of kernel nodes before `NODE_DATA`). A few requests depend on earlier answers and are
//! re-derived the way the kernel would have asked them (see [`Adjustment`]).

use std::collections::BTreeMap;

use movable_node::memblock_bottomup::Nid;
use movable_node::verdict::{Labelled, NodeVerdict};
use serde::Serialize;

/// A request the what-if changes because the kernel would have asked it differently under the
/// policy (each one is shown in the output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjustment {
    /// `init_mem_mapping()`'s 2 MiB top-down probe: `memory_map_bottom_up()` makes none
    /// (spec §H.5.1), so it is not made, and its free is dropped.
    ProbeNotMade,
    /// `alloc_low_pages()` while mapping bottom-up: the window starts at `kernel_end` (the
    /// first bottom-up pass maps `[kernel_end, end)` first, §H.5.1).
    PageTablesFromKernelEnd,
    /// The usemap of `sparse_init_nid()`: its window is the 128 MiB section of the node's
    /// `NODE_DATA`, which the policy placed elsewhere (§H.5.3).
    UsemapFollowsNodeData,
    /// The usemap found nothing in its section: the kernel asks again with no limit (§H.5.3).
    UsemapRetryNoLimit,
    /// The exact-node memmap buffer failed: the memmap is built section by section, 2 MiB
    /// each, with `memblock_alloc_try_nid_raw` from `vmemmap_populate()` (§H.5.3).
    MemmapPerSection,
    /// The low part of a `,high` crash kernel: the policy placed the main part at or above
    /// 4 GiB, so `reserve_crashkernel_low()` runs (§H.5.2).
    CrashLowPart,
    /// The low part the log shows is not made: the policy placed the main part below 4 GiB
    /// (§H.5.2).
    CrashLowNotMade,
}

impl Adjustment {
    /// A line for the report.
    pub const fn words(self) -> &'static str {
        match self {
            Adjustment::ProbeNotMade => "not made: memory_map_bottom_up() has no top-down probe (H.5.1)",
            Adjustment::PageTablesFromKernelEnd => {
                "window from kernel_end: page tables while mapping bottom-up (H.5.1)"
            }
            Adjustment::UsemapFollowsNodeData => "window re-derived from this policy's NODE_DATA section (H.5.3)",
            Adjustment::UsemapRetryNoLimit => "the usemap retry with no limit (H.5.3)",
            Adjustment::MemmapPerSection => {
                "vmemmap_populate() section by section after the exact-node buffer failed (H.5.3)"
            }
            Adjustment::CrashLowPart => {
                "the crash kernel's low part: this policy put the main part at or above 4 GiB (H.5.2)"
            }
            Adjustment::CrashLowNotMade => {
                "not made: this policy put the crash kernel below 4 GiB, which needs no low part (H.5.2)"
            }
        }
    }

    /// Whether the request is not made at all under the policy.
    pub const fn not_made(self) -> bool {
        matches!(self, Adjustment::ProbeNotMade | Adjustment::CrashLowNotMade)
    }
}

/// One allocation in a node's hotpluggable memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeAllocation {
    /// The allocation's index in the replay.
    pub index: usize,
    /// Its request line.
    pub line: usize,
    /// Who asked.
    pub caller: String,
    /// Where the policy put it.
    pub addr: u64,
    /// Bytes of it inside hotpluggable memory.
    pub bytes: u64,
    /// Whether it was freed again before the end of the log.
    pub freed: bool,
}

/// The hotplug picture of one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeReport {
    /// The node.
    pub nid: i32,
    /// Its hotpluggable ranges `[start, end)`: SRAT's, or all its SRAT ranges if declared.
    pub hotpluggable: Vec<(u64, u64)>,
    /// Whether `--hotplug` declared it.
    pub declared: bool,
    /// The allocations that land in its hotpluggable memory, in log order.
    pub allocations: Vec<NodeAllocation>,
    /// Their bytes inside hotpluggable memory (freed ones included).
    pub bytes: u64,
    /// Callers with count and bytes, largest first.
    pub callers: Vec<(String, usize, u64)>,
    /// Reservations left in it at the end, by owner `[start, end)`.
    pub blockers: Vec<(u64, u64, String)>,
    /// Pages of its hotpluggable memory outside ZONE_MOVABLE.
    pub pages_outside_movable: u64,
    /// The hot-remove verdict (`movable_node::verdict`).
    pub verdict: &'static str,
}

/// The per-node reports from the allocations and the layers' verdicts.
pub(crate) fn node_reports(
    hotplug: &[(Nid, u64, u64)],
    declared: &[i32],
    allocs: &[(usize, usize, &str, u64, u64, bool)],
    verdicts: &[NodeVerdict],
) -> Vec<NodeReport> {
    let mut by_node: BTreeMap<Nid, Vec<(u64, u64)>> = BTreeMap::new();
    for &(nid, s, e) in hotplug {
        by_node.entry(nid).or_default().push((s, e));
    }
    by_node
        .into_iter()
        .map(|(nid, ranges)| {
            let mut allocations = Vec::new();
            for &(index, line, caller, addr, size, freed) in allocs {
                let bytes: u64 =
                    ranges.iter().map(|&(s, e)| addr.saturating_add(size).min(e).saturating_sub(addr.max(s))).sum();
                if bytes > 0 {
                    allocations.push(NodeAllocation { index, line, caller: caller.to_string(), addr, bytes, freed });
                }
            }
            let bytes = allocations.iter().map(|a| a.bytes).sum();
            let mut callers: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
            for a in &allocations {
                let fname = a.caller.split(['+', ' ']).next().unwrap_or(&a.caller);
                let e = callers.entry(fname).or_default();
                e.0 += 1;
                e.1 += a.bytes;
            }
            let mut callers: Vec<(String, usize, u64)> =
                callers.into_iter().map(|(c, (n, b))| (c.to_string(), n, b)).collect();
            callers.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
            let v = verdicts.iter().find(|v| v.nid == nid);
            NodeReport {
                nid,
                hotpluggable: ranges,
                declared: declared.contains(&nid),
                bytes,
                callers,
                blockers: v
                    .map(|v| v.blockers.iter().map(|b: &Labelled| (b.start, b.end, b.label.to_string())).collect())
                    .unwrap_or_default(),
                pages_outside_movable: v.map_or(0, |v| v.pages_outside_movable),
                verdict: v.map_or("no memory", |v| v.verdict.word()),
                allocations,
            }
        })
        .collect()
}
