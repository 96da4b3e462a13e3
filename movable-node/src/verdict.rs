//! Who pins a hotpluggable node: the early reservations that lie in its hotpluggable memory,
//! by the label of whoever made them, and whether the node can be hot-removed.

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
pub fn labelled_reservations(state: &MemblockState, events: &[Event]) -> Vec<Labelled> {
    let mut owned: Vec<Labelled> = Vec::new();
    for ev in events {
        match *ev {
            Event::Reserve { base, size, caller } => {
                let end = base.saturating_add(size);
                let mut cursor = base;
                let mut pieces = Vec::new();
                let mut sorted: Vec<&Labelled> = owned.iter().filter(|o| o.end > base && o.start < end).collect();
                sorted.sort_by_key(|o| o.start);
                for o in sorted {
                    if o.start > cursor {
                        pieces.push(Labelled { start: cursor, end: o.start, label: caller });
                    }
                    cursor = cursor.max(o.end);
                }
                if cursor < end {
                    pieces.push(Labelled { start: cursor, end, label: caller });
                }
                owned.extend(pieces);
            }
            Event::Free { base, size, .. } => {
                let end = base.saturating_add(size);
                owned = cut(&owned, base, end);
            }
            _ => {}
        }
    }
    owned.sort_by_key(|o| o.start);
    // Lay the owners over memblock's truth.
    let mut out = Vec::new();
    for r in state.reserved().regions() {
        let mut cursor = r.base;
        for o in owned.iter().filter(|o| o.end > r.base && o.start < r.end()) {
            if o.start > cursor {
                out.push(Labelled { start: cursor, end: o.start, label: UNKNOWN_CALLER });
            }
            let (s, e) = (o.start.max(cursor), o.end.min(r.end()));
            if s < e {
                out.push(Labelled { start: s, end: e, label: o.label });
                cursor = e;
            }
        }
        if cursor < r.end() {
            out.push(Labelled { start: cursor, end: r.end(), label: UNKNOWN_CALLER });
        }
    }
    out
}

fn cut(list: &[Labelled], start: u64, end: u64) -> Vec<Labelled> {
    let mut out = Vec::new();
    for o in list {
        if o.end <= start || o.start >= end {
            out.push(*o);
            continue;
        }
        if o.start < start {
            out.push(Labelled { end: start, ..*o });
        }
        if o.end > end {
            out.push(Labelled { start: end, ..*o });
        }
    }
    out
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
