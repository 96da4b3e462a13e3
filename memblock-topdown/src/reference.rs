//! A small reference model of memblock, written to be obviously correct rather than fast or
//! faithful to the kernel's bookkeeping. Tests and fuzzers run the same operations on it and on
//! [`Memblock`](crate::Memblock) and compare.
//!
//! Memory and reserved are sets of byte ranges, each with a node, kept sorted and merged
//! (touching ranges of the same node are one). Every operation rebuilds the set from scratch.
//! Free space is memory minus reserved, cut into one piece per memory range. A search is a
//! brute-force pass over the free pieces: the highest (top-down) or lowest (bottom-up) aligned
//! address whose block fits inside one piece and inside `[max(start, PAGE_SIZE), end)`.
//!
//! What it leaves out, on purpose: `cnt`, `max`, array doubling (and so the reserved ranges of
//! doubled arrays), `total_size` drift, region flags, the splits that a bare isolation leaves,
//! the `memblock_dump_all` text. Its searches answer `None` for size 0. Candidates are the
//! kernel's: `round_down(end - size, align)` top-down and `round_up(start, align)` bottom-up
//! with the kernel's mask arithmetic (spec §A.10, §G.5), so an alignment that is not a power of
//! two, or a `round_up` that wraps near 2^64, gives the kernel's odd but deterministic answer;
//! the first piece (from the top, or from the bottom) whose candidate passes wins, and 0 means
//! "not found".
//! Its node rules are those of 3.12/3.13: `MAX_NUMNODES` is the "any node" filter and the node
//! of every reserved range.

use alloc::vec::Vec;

use crate::iter::FreeRange;
use crate::region::{
    MAX_NUMNODES, MEMBLOCK_ALLOC_ACCESSIBLE, MEMBLOCK_ALLOC_ANYWHERE, Nid, PAGE_SIZE, Region, round_down, round_up,
};

/// The direction of a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The highest fitting address.
    TopDown,
    /// The lowest fitting address.
    BottomUp,
}

/// One range `[start, end)` of a set, with its node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u64,
    end: u64,
    nid: Nid,
}

/// The end of `[base, base + size)`, capped at `u64::MAX` as `memblock_cap_size()` does.
fn end_of(base: u64, size: u64) -> u64 {
    base.saturating_add(size)
}

/// The parts of `[start, end)` that no span of the sorted `set` covers, lowest first.
fn uncovered(set: &[Span], start: u64, end: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut cursor = start;
    for s in set {
        if cursor >= end || s.start >= end {
            break;
        }
        if s.end <= cursor {
            continue;
        }
        if s.start > cursor {
            out.push((cursor, s.start));
        }
        cursor = s.end;
    }
    if cursor < end {
        out.push((cursor, end));
    }
    out
}

/// Sorts the set and merges touching spans of the same node.
fn normalize(set: &mut Vec<Span>) {
    set.sort_by_key(|s| s.start);
    let mut out: Vec<Span> = Vec::with_capacity(set.len());
    for s in set.drain(..) {
        match out.last_mut() {
            Some(last) if last.end == s.start && last.nid == s.nid => last.end = s.end,
            _ => {
                debug_assert!(out.last().is_none_or(|last| last.end <= s.start), "overlapping spans");
                out.push(s);
            }
        }
    }
    *set = out;
}

/// Adds the parts of `[start, end)` that the set does not cover yet, with `nid`.
fn fill(set: &mut Vec<Span>, start: u64, end: u64, nid: Nid) {
    let pieces = uncovered(set, start, end);
    set.extend(pieces.into_iter().map(|(start, end)| Span { start, end, nid }));
    normalize(set);
}

/// Takes `[start, end)` out of the set; what lies outside keeps its node.
fn cut(set: &mut Vec<Span>, start: u64, end: u64) {
    let mut out = Vec::with_capacity(set.len() + 1);
    for s in set.drain(..) {
        if s.end <= start || s.start >= end {
            out.push(s);
            continue;
        }
        if s.start < start {
            out.push(Span { end: start, ..s });
        }
        if s.end > end {
            out.push(Span { start: end, ..s });
        }
    }
    *set = out;
}

/// Gives the covered parts of `[start, end)` node `nid`.
fn paint(set: &mut Vec<Span>, start: u64, end: u64, nid: Nid) {
    let mut inside: Vec<Span> = set
        .iter()
        .filter(|s| s.start < end && s.end > start)
        .map(|s| Span { start: s.start.max(start), end: s.end.min(end), nid })
        .collect();
    cut(set, start, end);
    set.append(&mut inside);
    normalize(set);
}

fn regions(set: &[Span]) -> Vec<Region> {
    set.iter().map(|s| Region { base: s.start, size: s.end - s.start, nid: s.nid, flags: Default::default() }).collect()
}

/// The reference memblock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    memory: Vec<Span>,
    reserved: Vec<Span>,
    current_limit: u64,
}

impl Default for Reference {
    fn default() -> Self {
        Reference::new()
    }
}

impl Reference {
    /// Empty memory, nothing reserved, `current_limit` `MEMBLOCK_ALLOC_ANYWHERE`.
    pub fn new() -> Self {
        Reference { memory: Vec::new(), reserved: Vec::new(), current_limit: MEMBLOCK_ALLOC_ANYWHERE }
    }

    /// Memory as sorted, merged regions.
    pub fn memory(&self) -> Vec<Region> {
        regions(&self.memory)
    }

    /// Reserved as sorted, merged regions (all of node `MAX_NUMNODES`).
    pub fn reserved(&self) -> Vec<Region> {
        regions(&self.reserved)
    }

    /// The sum of memory's sizes.
    pub fn memory_size(&self) -> u64 {
        self.memory.iter().map(|s| s.end - s.start).sum()
    }

    /// The sum of reserved's sizes.
    pub fn reserved_size(&self) -> u64 {
        self.reserved.iter().map(|s| s.end - s.start).sum()
    }

    /// The end used for `MEMBLOCK_ALLOC_ACCESSIBLE`.
    pub fn current_limit(&self) -> u64 {
        self.current_limit
    }

    /// Sets the end used for `MEMBLOCK_ALLOC_ACCESSIBLE`.
    pub fn set_current_limit(&mut self, limit: u64) {
        self.current_limit = limit;
    }

    /// Adds memory on node `nid`; parts already present keep their node.
    pub fn add_node(&mut self, base: u64, size: u64, nid: Nid) {
        fill(&mut self.memory, base, end_of(base, size), nid);
    }

    /// Adds memory of unknown node (`MAX_NUMNODES`).
    pub fn add(&mut self, base: u64, size: u64) {
        self.add_node(base, size, MAX_NUMNODES);
    }

    /// Takes a range out of memory.
    pub fn remove(&mut self, base: u64, size: u64) {
        cut(&mut self.memory, base, end_of(base, size));
    }

    /// Reserves a range (node `MAX_NUMNODES`).
    pub fn reserve(&mut self, base: u64, size: u64) {
        fill(&mut self.reserved, base, end_of(base, size), MAX_NUMNODES);
    }

    /// Frees a range (takes it out of reserved).
    pub fn free(&mut self, base: u64, size: u64) {
        cut(&mut self.reserved, base, end_of(base, size));
    }

    /// Gives the memory inside a range node `nid`.
    pub fn set_node(&mut self, base: u64, size: u64, nid: Nid) {
        paint(&mut self.memory, base, end_of(base, size), nid);
    }

    /// Free space (memory minus reserved) on node `nid` (`MAX_NUMNODES`: any node), one piece
    /// per memory region it lies in, lowest first. Pieces are never empty.
    pub fn free_ranges(&self, nid: Nid) -> Vec<FreeRange> {
        let mut out = Vec::new();
        for m in self.memory.iter().filter(|m| nid == MAX_NUMNODES || m.nid == nid) {
            for (start, end) in uncovered(&self.reserved, m.start, m.end) {
                out.push(FreeRange { start, end, nid: m.nid });
            }
        }
        out
    }

    /// The block a search in `direction` finds inside `[max(start, PAGE_SIZE), end)` on node
    /// `nid`: in each free piece (clamped to the window) the candidate is
    /// `round_down(end - size, align)` (top-down, valid if it is not below the piece's start) or
    /// `round_up(start, align)` (bottom-up, valid if it lies below the piece's end with `size`
    /// bytes before that end); the first valid candidate from the top (or the bottom) is the
    /// answer, and 0 is "not found". For a power-of-two alignment this is the highest (lowest)
    /// aligned block that fits. `end` 0 is `MEMBLOCK_ALLOC_ACCESSIBLE` (`current_limit`).
    pub fn find(&self, direction: Direction, start: u64, end: u64, size: u64, align: u64, nid: Nid) -> Option<u64> {
        let end = if end == MEMBLOCK_ALLOC_ACCESSIBLE { self.current_limit } else { end };
        find_among(self.free_ranges(nid), direction, start, end, size, align)
    }

    /// `memblock_alloc_base_nid()` of 3.13: alignment 0 becomes 8, the size is rounded up to
    /// the alignment, the block is searched in `[PAGE_SIZE, max_addr)` and reserved.
    pub fn alloc_base_nid(
        &mut self,
        direction: Direction,
        size: u64,
        align: u64,
        max_addr: u64,
        nid: Nid,
    ) -> Option<u64> {
        let align = if align == 0 { 8 } else { align };
        // The kernel's round_up, which wraps to 0 near 2^64: then a zero-size search, and an
        // empty reservation.
        let size = round_up(size, align);
        let addr = self.find(direction, 0, max_addr, size, align, nid)?;
        self.reserve(addr, size);
        Some(addr)
    }
}

/// The search rule of [`Reference::find`] over given free pieces (ascending), for tests whose
/// pieces are cut further; `end` must already be resolved (not `MEMBLOCK_ALLOC_ACCESSIBLE`).
pub fn find_among(
    pieces: Vec<FreeRange>,
    direction: Direction,
    start: u64,
    end: u64,
    size: u64,
    align: u64,
) -> Option<u64> {
    let lo = start.max(PAGE_SIZE);
    let hi = end.max(lo);
    let candidate = |r: FreeRange| {
        let (s, e) = (r.start.max(lo).min(hi), r.end.max(lo).min(hi));
        match direction {
            Direction::TopDown => {
                let a = round_down(e.checked_sub(size)?, align);
                (a >= s).then_some(a)
            }
            Direction::BottomUp => {
                let a = round_up(s, align);
                (a < e && e - a >= size).then_some(a)
            }
        }
    };
    let first = match direction {
        Direction::TopDown => pieces.into_iter().rev().find_map(candidate),
        Direction::BottomUp => pieces.into_iter().find_map(candidate),
    };
    first.filter(|&a| a != 0)
}
