//! Who pins a hotpluggable node: the early reservations that lie in its hotpluggable memory,
//! by the label of whoever made them, and whether the node can be hot-removed.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::crashkernel::memblock_bottomup::{Event, Label, MemblockState, Nid, PAGE_SHIFT, UNKNOWN_CALLER};
use crate::zones::{ZoneLayout, ZoneType};

/// A reserved range and who reserved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labelled {
    /// Start.
    pub start: u64,
    /// End (exclusive).
    pub end: u64,
    /// Who reserved it (the caller label of the reservation).
    pub label: Label,
}

/// memblock's reserved ranges split by owner: the reserve and free events of the trace are
/// replayed (a range keeps its first owner until freed) and laid over what memblock really
/// holds reserved; parts the trace does not explain are [`UNKNOWN_CALLER`]'s.
///
/// The owners are kept as disjoint ranges ordered by start, so each event costs the ranges it
/// touches and a lookup (a 64 TiB machine's boot under 6.1 reserves half a million vmemmap
/// blocks).
pub fn labelled_reservations(state: &MemblockState, events: &[Event]) -> Vec<Labelled> {
    let mut owned = Owners::default();
    for ev in events {
        match *ev {
            Event::Reserve { base, size, caller } => owned.reserve(base, base.saturating_add(size), caller),
            Event::Free { base, size, .. } => owned.free(base, base.saturating_add(size)),
            _ => {}
        }
    }
    // Lay the owners over memblock's truth: both are in address order, so one walk.
    let mut out = Vec::new();
    for r in state.reserved().regions() {
        let mut cursor = r.base;
        for (&start, &(end, label)) in owned.overlapping(r.base, r.end()) {
            if start > cursor {
                out.push(Labelled { start: cursor, end: start, label: UNKNOWN_CALLER });
            }
            let (s, e) = (start.max(cursor), end.min(r.end()));
            if s < e {
                out.push(Labelled { start: s, end: e, label });
                cursor = e;
            }
        }
        if cursor < r.end() {
            out.push(Labelled { start: cursor, end: r.end(), label: UNKNOWN_CALLER });
        }
    }
    out
}

/// Who owns what: disjoint, non-empty ranges by start, each `[start, end)` with its label.
#[derive(Debug, Default)]
struct Owners(BTreeMap<u64, (u64, Label)>);

impl Owners {
    /// The ranges that meet `[start, end)`, in address order: the last one to start at or
    /// before `start`, if it reaches past it, then those that start inside.
    fn overlapping(&self, start: u64, end: u64) -> impl Iterator<Item = (&u64, &(u64, Label))> {
        let from = match self.0.range(..=start).next_back() {
            Some((&s, &(e, _))) if e > start => s,
            _ => start,
        };
        self.0.range(from..end.max(from))
    }

    /// `[start, end)` reserved by `label`: the parts no one owns yet become its.
    fn reserve(&mut self, start: u64, end: u64, label: Label) {
        let mut cursor = start;
        let mut pieces = Vec::new();
        for (&s, &(e, _)) in self.overlapping(start, end) {
            if s > cursor {
                pieces.push((cursor, s));
            }
            cursor = cursor.max(e);
        }
        if cursor < end {
            pieces.push((cursor, end));
        }
        for (s, e) in pieces {
            self.0.insert(s, (e, label));
        }
    }

    /// `[start, end)` freed: owners lose it, keeping what lies outside.
    fn free(&mut self, start: u64, end: u64) {
        let hit: Vec<(u64, u64, Label)> = self.overlapping(start, end).map(|(&s, &(e, l))| (s, e, l)).collect();
        for (s, e, label) in hit {
            self.0.remove(&s);
            if s < start {
                self.0.insert(s, (start, label));
            }
            if e > end {
                self.0.insert(end, (e, label));
            }
        }
    }
}

/// Whether a node can be hot-removed after boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// SRAT does not call any of its memory hotpluggable.
    NotHotpluggable,
    /// Early reservations lie in its hotpluggable memory: they are never freed, so the blocks
    /// holding them can never go offline.
    Blocked,
    /// Nothing early lies in it, but part of its hotpluggable memory comes up outside
    /// ZONE_MOVABLE, where the running kernel may place unmovable data: removal is not
    /// guaranteed (3.13's situation: `movable_node` alone keeps early allocations out, the
    /// 3.14 follow-up makes the memory ZONE_MOVABLE).
    NotGuaranteed,
    /// All its hotpluggable memory is ZONE_MOVABLE and nothing early lies in it.
    Removable,
}

impl Verdict {
    /// A short word for reports.
    pub const fn word(self) -> &'static str {
        match self {
            Verdict::NotHotpluggable => "not hotpluggable",
            Verdict::Blocked => "blocked",
            Verdict::NotGuaranteed => "not guaranteed",
            Verdict::Removable => "removable",
        }
    }
}

/// The hot-remove assessment of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeVerdict {
    /// The node.
    pub nid: Nid,
    /// Its hotpluggable ranges (from SRAT), clipped to nothing.
    pub hotpluggable: Vec<(u64, u64)>,
    /// Early reservations inside them.
    pub blockers: Vec<Labelled>,
    /// Pages of its hotpluggable memory that come up outside ZONE_MOVABLE.
    pub pages_outside_movable: u64,
    /// The verdict.
    pub verdict: Verdict,
}

/// The verdict for every node with memory: `hotplug` is SRAT's hotpluggable ranges by node,
/// `reserved` the labelled reservations at the end of early boot.
pub fn hotplug_verdicts(
    state: &MemblockState,
    hotplug: &[(Nid, u64, u64)],
    reserved: &[Labelled],
    zones: &ZoneLayout,
) -> Vec<NodeVerdict> {
    zones
        .nodes
        .iter()
        .map(|node| {
            let hotpluggable: Vec<(u64, u64)> =
                hotplug.iter().filter(|h| h.0 == node.nid && h.2 > h.1).map(|h| (h.1, h.2)).collect();
            let blockers: Vec<Labelled> = reserved
                .iter()
                .flat_map(|r| {
                    hotpluggable.iter().filter_map(move |&(s, e)| {
                        let (bs, be) = (r.start.max(s), r.end.min(e));
                        (bs < be).then_some(Labelled { start: bs, end: be, label: r.label })
                    })
                })
                .collect();
            // Memory pages of the node inside hotpluggable ranges, outside ZONE_MOVABLE.
            let pages_outside_movable: u64 = state
                .mem_pfn_ranges(node.nid)
                .flat_map(|r| {
                    hotpluggable.iter().map(move |&(s, e)| {
                        let (ps, pe) = (r.start_pfn.max(s >> PAGE_SHIFT), r.end_pfn.min(e >> PAGE_SHIFT));
                        (ps, pe)
                    })
                })
                .filter(|(ps, pe)| ps < pe)
                .map(|(ps, pe)| {
                    let movable_start =
                        node.zones.iter().find(|z| z.zone == ZoneType::Movable).map_or(u64::MAX, |z| z.start_pfn);
                    pe.min(movable_start).saturating_sub(ps)
                })
                .sum();
            let verdict = if hotpluggable.is_empty() {
                Verdict::NotHotpluggable
            } else if !blockers.is_empty() {
                Verdict::Blocked
            } else if pages_outside_movable > 0 {
                Verdict::NotGuaranteed
            } else {
                Verdict::Removable
            };
            NodeVerdict { nid: node.nid, hotpluggable, blockers, pages_outside_movable, verdict }
        })
        .collect()
}
