//! What the lanes draw, gathered from the view model: runs of reservations, of page-table
//! pages and of memory blocks, and what fills each stretch of the memory lane.

use movable_node::memblock_bottomup::Nid;

use crate::view::model::Report;

/// What fills a stretch of the memory lane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Fill {
    /// memblock memory of a node.
    Ram(Option<Nid>),
    /// An e820 entry that is not memblock memory (its kernel name).
    E820(String),
    /// Nothing.
    Hole,
}

/// Half-open ranges asked "does any of you overlap `[a, b)`?" in logarithmic time, for any
/// list (overlapping or not): sorted by start, with the largest end so far.
#[derive(Debug, Default)]
pub(super) struct Overlaps {
    starts: Vec<u64>,
    max_end: Vec<u64>,
}

impl Overlaps {
    pub(super) fn new(ranges: impl Iterator<Item = (u64, u64)>) -> Overlaps {
        let mut v: Vec<(u64, u64)> = ranges.collect();
        v.sort_unstable();
        let mut end = 0;
        let max_end = v
            .iter()
            .map(|&(_, e)| {
                end = end.max(e);
                end
            })
            .collect();
        Overlaps { starts: v.into_iter().map(|r| r.0).collect(), max_end }
    }

    /// Whether a range overlaps `[a, b)`: one that starts before `b` and ends after `a`.
    pub(super) fn any(&self, a: u64, b: u64) -> bool {
        let k = self.starts.partition_point(|&s| s < b);
        k > 0 && self.max_end[k - 1] > a
    }
}

/// Whether ranges given in order are sorted and apart (each ends at or before the next
/// starts), so that the one holding an address is found by binary search.
fn sorted_apart(ranges: impl Iterator<Item = (u64, u64)>) -> bool {
    let mut last_end = 0;
    ranges.into_iter().all(|(s, e)| {
        let ok = last_end <= s && s <= e;
        last_end = e;
        ok
    })
}

/// The report's memory, reservations and e820 map, indexed for the questions the map asks of
/// every piece of the axis.
#[derive(Debug)]
pub(super) struct Spans {
    pub(super) memory: Overlaps,
    pub(super) reservations: Overlaps,
    pub(super) e820: Overlaps,
    memory_apart: bool,
    e820_apart: bool,
}

impl Spans {
    pub(super) fn new(r: &Report) -> Spans {
        Spans {
            memory: Overlaps::new(r.memory.iter().map(|m| (m.base, m.end))),
            reservations: Overlaps::new(r.reservations.iter().map(|x| (x.start, x.end))),
            e820: Overlaps::new(r.e820.iter().map(|e| (e.start, e.end))),
            memory_apart: sorted_apart(r.memory.iter().map(|m| (m.base, m.end))),
            e820_apart: sorted_apart(r.e820.iter().map(|e| (e.start, e.end))),
        }
    }
}

/// What fills the memory lane at `a`: the first memory region holding it, else the first e820
/// entry, else a hole (by binary search when the lists are sorted and apart, as memblock and
/// the kernel's e820 map keep them).
pub(super) fn fill_at(spans: &Spans, r: &Report, a: u64) -> Fill {
    let memory = if spans.memory_apart {
        let i = r.memory.partition_point(|m| m.end <= a);
        r.memory.get(i).filter(|m| m.base <= a)
    } else {
        r.memory.iter().find(|m| m.base <= a && a < m.end)
    };
    if let Some(m) = memory {
        return Fill::Ram(m.nid);
    }
    let e820 = if spans.e820_apart {
        let i = r.e820.partition_point(|e| e.end <= a);
        r.e820.get(i).filter(|e| e.start <= a)
    } else {
        r.e820.iter().find(|e| e.start <= a && a < e.end)
    };
    if let Some(e) = e820 {
        let kind = if e.code == 1 { "usable, not used".to_string() } else { e.kind.clone() };
        return Fill::E820(kind);
    }
    Fill::Hole
}

/// Contiguous runs of reservations with one label: `(label, start, end)`.
pub(super) fn reservation_runs(r: &Report) -> Vec<(String, u64, u64)> {
    let mut runs: Vec<(String, u64, u64)> = Vec::new();
    let mut sorted: Vec<_> = r.reservations.iter().collect();
    sorted.sort_by_key(|x| x.start);
    for x in sorted {
        match runs.last_mut() {
            Some(last) if last.0 == x.label && last.2 == x.start => last.2 = x.end,
            _ => runs.push((x.label.clone(), x.start, x.end)),
        }
    }
    runs
}

/// Runs of contiguous page-table pages from one source: `(source, start, end, count)`.
pub(super) fn pgt_runs(r: &Report) -> Vec<(String, u64, u64, usize)> {
    let mut pages: Vec<(u64, &str)> =
        r.page_tables.as_ref().map(|p| p.pages.iter().map(|p| (p.address, &*p.source)).collect()).unwrap_or_default();
    pages.sort_unstable();
    let mut runs: Vec<(String, u64, u64, usize)> = Vec::new();
    for (a, src) in pages {
        match runs.last_mut() {
            Some(last) if last.0 == src && last.2 == a => {
                last.2 = a.saturating_add(4096);
                last.3 += 1;
            }
            _ => runs.push((src.to_string(), a, a.saturating_add(4096), 1)),
        }
    }
    runs
}

/// Runs of hotpluggable memory blocks that can, or cannot, go offline:
/// `(can_offline, first index, last index, start, end)`.
pub(super) fn block_runs(r: &Report) -> Vec<(bool, u64, u64, u64, u64)> {
    let mut runs: Vec<(bool, u64, u64, u64, u64)> = Vec::new();
    let Some(b) = &r.memory_blocks else { return runs };
    for blk in b.blocks.iter().filter(|b| b.hotpluggable) {
        match runs.last_mut() {
            Some(last) if last.0 == blk.can_offline && last.2.checked_add(1) == Some(blk.index) => {
                last.2 = blk.index;
                last.4 = blk.end;
            }
            _ => runs.push((blk.can_offline, blk.index, blk.index, blk.start, blk.end)),
        }
    }
    runs
}
