//! Random sequences of operations on small address windows (so that ranges collide), run on
//! the model and on the brute-force reference model (`memblock_topdown::reference`). After
//! every step both must hold the same regions, the same free space on every node, and give the
//! same allocation addresses; and the model's arrays must keep the kernel's invariants.
//!
//! Resizing is not allowed here (the reference does not model doubled arrays): an operation
//! that would need more than 128 entries must fail with `ResizeNotAllowed` and change nothing,
//! and is then left out of the reference.
//!
//! Bare isolations (`isolate_range`) leave regions split; the kernel merges them back only in
//! `memblock_merge_regions`, which runs over the whole array after every add/reserve and
//! `set_node` (spec §A.4, §A.8), never after a removal. The test keeps the split points of each
//! array until such a merge, and expects the reference's regions cut at them; a split memory
//! region also splits the free ranges, so no block may straddle the split.

mod common;

use std::collections::BTreeSet;

use common::{assert_merged, assert_sound, assert_total, ranges};
use memblock_topdown::reference::{Direction, Reference, find_among};
use memblock_topdown::testing::Op;
use memblock_topdown::{Error, FreeRange, MAX_NUMNODES, Memblock, Nid, Region, RegionKind, round_up};
use proptest::prelude::*;

/// Where ranges start: a low window from 0 and a window ending at U64_MAX (capping).
const HIGH: u64 = u64::MAX - 0x4_0000;

/// A base in one of the two windows, in 256-byte steps (unaligned to pages on purpose).
fn base() -> impl Strategy<Value = u64> {
    prop_oneof![4 => (0u64..0x400).prop_map(|k| k * 0x100), 1 => (0u64..0x400).prop_map(|k| HIGH + k * 0x100)]
}

/// A size of 1 to 64 KiB in 256-byte steps, sometimes huge (capped at U64_MAX).
fn size() -> impl Strategy<Value = u64> {
    prop_oneof![8 => (1u64..=0x100).prop_map(|k| k * 0x100), 1 => Just(u64::MAX)]
}

/// Nodes 0..3, and MAX_NUMNODES (plain add; "any node" in a search).
fn nid() -> impl Strategy<Value = Nid> {
    prop_oneof![(0i32..4), Just(MAX_NUMNODES)]
}

/// Powers of two, and alignments that are not (the kernel's mask arithmetic then gives odd
/// but deterministic answers, spec §G.5).
fn align() -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => (0u32..=14).prop_map(|s| 1u64 << s),
        1 => prop::sample::select(vec![3u64, 0x30, 0x1001, 0x1800, 0x3000, 0x8000_0000_0000_0001]),
    ]
}

/// A search end: in the low window, in the window below U64_MAX, ANYWHERE, or ACCESSIBLE (0).
fn end() -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => (1u64..0x500).prop_map(|k| k * 0x100),
        2 => (1u64..0x400).prop_map(|k| HIGH + k * 0x100),
        1 => Just(u64::MAX),
        1 => Just(0),
    ]
}

/// An allocation size: small, or within 64 bytes of 2^64 (rounding up to the alignment then
/// wraps to 0 for larger alignments, and the kernel reserves nothing).
fn alloc_size() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 1u64..0x4000, 1 => (0u64..0x40).prop_map(|k| u64::MAX - k)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (base(), size()).prop_map(|(base, size)| Op::Add { base, size }),
        4 => (base(), size(), nid()).prop_map(|(base, size, nid)| Op::AddNode { base, size, nid }),
        2 => (base(), size()).prop_map(|(base, size)| Op::Remove { base, size }),
        4 => (base(), size()).prop_map(|(base, size)| Op::Reserve { base, size }),
        3 => (base(), size()).prop_map(|(base, size)| Op::Free { base, size }),
        1 => (base(), size(), nid()).prop_map(|(base, size, nid)| Op::SetNode { base, size, nid }),
        5 => (alloc_size(), align(), nid()).prop_map(|(size, align, nid)| Op::AllocNid { size, align, nid }),
        2 => (alloc_size(), align(), end()).prop_map(|(size, align, max_addr)| Op::AllocBase { size, align, max_addr }),
        4 => (base(), end(), (1u64..0x8000), align(), nid())
            .prop_map(|(start, end, size, align, nid)| Op::Find { start, end, size, align, nid }),
        1 => end().prop_map(|limit| Op::SetLimit { limit }),
        2 => (any::<bool>(), base(), size()).prop_map(|(memory, base, size)| {
            let kind = if memory { RegionKind::Memory } else { RegionKind::Reserved };
            Op::Isolate { kind, base, size }
        }),
    ]
}

/// How many entries an operation on `[base, base + size)` needs beyond `cnt`: an add one per
/// uncovered piece (§A.3), a removal or isolation always two (§A.6).
#[derive(Debug, Clone, Copy)]
enum Needs {
    Pieces(u64, u64),
    Two,
}

fn entries_needed(regions: &[Region], needs: Needs) -> usize {
    let (base, size) = match needs {
        Needs::Two => return 2,
        Needs::Pieces(base, size) => (base, size),
    };
    let end = base.saturating_add(size);
    let (mut pieces, mut cursor) = (0, base);
    for r in regions {
        if r.base < end && r.base + r.size > cursor {
            pieces += usize::from(r.base > cursor);
            cursor = r.base + r.size;
        }
    }
    pieces + usize::from(cursor < end)
}

/// Checks a change to the model: on `ResizeNotAllowed` nothing changed and the array really
/// needed more than 128 entries; says whether the reference must apply the change too.
fn changed(
    mb: &Memblock,
    before: &(Vec<Region>, Vec<Region>),
    memory: bool,
    needs: Needs,
    r: Result<(), Error>,
) -> bool {
    match r {
        Ok(()) => true,
        Err(Error::ResizeNotAllowed { .. }) => {
            assert_eq!(mb.memory().regions(), &before.0[..], "a refused operation changed memory");
            assert_eq!(mb.reserved().regions(), &before.1[..], "a refused operation changed reserved");
            let old = if memory { &before.0 } else { &before.1 };
            assert!(old.len().max(1) + entries_needed(old, needs) > 128, "refused with room left");
            false
        }
        Err(e) => panic!("unexpected error {e}"),
    }
}

/// The reference, and the points where each array is split until its next whole-array merge.
#[derive(Debug, Clone, Default)]
struct Expected {
    rf: Reference,
    memory_cuts: BTreeSet<u64>,
    reserved_cuts: BTreeSet<u64>,
}

/// `regions` with every one cut at the points strictly inside it.
fn split(regions: Vec<Region>, cuts: &BTreeSet<u64>) -> Vec<Region> {
    let mut out = Vec::new();
    for r in regions {
        let mut start = r.base;
        for &c in cuts.range(r.base + 1..r.base + r.size) {
            out.push(Region { base: start, size: c - start, ..r });
            start = c;
        }
        out.push(Region { base: start, size: r.base + r.size - start, ..r });
    }
    out
}

/// The reference's free ranges, cut where memory is split.
fn free_ranges(ex: &Expected, nid: Nid) -> Vec<FreeRange> {
    let mut out = Vec::new();
    for r in ex.rf.free_ranges(nid) {
        let mut start = r.start;
        for &c in ex.memory_cuts.range(r.start + 1..r.end) {
            out.push(FreeRange { start, end: c, ..r });
            start = c;
        }
        out.push(FreeRange { start, ..r });
    }
    out
}

/// The empty ranges the kernel's free-range walk also yields: where two reserved regions that
/// a bare isolation left split touch, strictly inside a memory region, the gap between them is
/// `[c, c)` (`__next_free_mem_range_rev` does not skip empty gaps). Only a zero-size search (a
/// size that wrapped in `round_up`) can take one.
fn empty_gaps(ex: &Expected, nid: Nid) -> Vec<FreeRange> {
    let reserved = ex.rf.reserved();
    let memory = split(ex.rf.memory(), &ex.memory_cuts);
    let inside = |r: &Region, c: u64| r.base < c && c - r.base < r.size;
    ex.reserved_cuts
        .iter()
        .filter(|&&c| reserved.iter().any(|r| inside(r, c)))
        .filter_map(|&c| {
            let m = memory.iter().find(|m| (nid == MAX_NUMNODES || m.nid == nid) && inside(m, c))?;
            Some(FreeRange { start: c, end: c, nid: m.nid })
        })
        .collect()
}

/// The top-down search: the reference's while no array is split; otherwise the same rule over
/// the cut free ranges and the empty gaps, in address order.
fn find(ex: &Expected, start: u64, end: u64, size: u64, align: u64, nid: Nid) -> Option<u64> {
    if ex.memory_cuts.is_empty() && ex.reserved_cuts.is_empty() {
        return ex.rf.find(Direction::TopDown, start, end, size, align, nid);
    }
    let end = if end == 0 { ex.rf.current_limit() } else { end };
    let mut pieces = free_ranges(ex, nid);
    pieces.extend(empty_gaps(ex, nid));
    pieces.sort_by_key(|r| (r.start, r.end));
    find_among(pieces, Direction::TopDown, start, end, size, align)
}

/// `memblock_alloc_base_nid` on the expectation (alignments here are never 0). The size is
/// rounded up with the kernel's mask arithmetic, which wraps to 0 near 2^64.
fn alloc(ex: &mut Expected, size: u64, align: u64, max_addr: u64, nid: Nid) -> Option<u64> {
    let size = round_up(size, align);
    let addr = find(ex, 0, max_addr, size, align, nid)?;
    ex.rf.reserve(addr, size);
    // An empty reservation returns before the merge pass, which leaves the splits alone.
    if size != 0 {
        ex.reserved_cuts.clear();
    }
    Some(addr)
}

fn step(mb: &mut Memblock, ex: &mut Expected, op: &Op) {
    let before = (mb.memory().regions().to_vec(), mb.reserved().regions().to_vec());
    let capped = |base: u64, size: u64| base.saturating_add(size) > base;
    match *op {
        Op::Add { base, size } => {
            let r = mb.add(base, size);
            if changed(mb, &before, true, Needs::Pieces(base, size), r) {
                ex.rf.add(base, size);
                if capped(base, size) {
                    ex.memory_cuts.clear();
                }
            }
        }
        Op::AddNode { base, size, nid } => {
            let r = mb.add_node(base, size, nid);
            if changed(mb, &before, true, Needs::Pieces(base, size), r) {
                ex.rf.add_node(base, size, nid);
                if capped(base, size) {
                    ex.memory_cuts.clear();
                }
            }
        }
        Op::Remove { base, size } => {
            let r = mb.remove(base, size);
            if changed(mb, &before, true, Needs::Two, r) {
                ex.rf.remove(base, size);
            }
        }
        Op::Reserve { base, size } => {
            let r = mb.reserve(base, size);
            if changed(mb, &before, false, Needs::Pieces(base, size), r) {
                ex.rf.reserve(base, size);
                if capped(base, size) {
                    ex.reserved_cuts.clear();
                }
            }
        }
        Op::Free { base, size } => {
            let r = mb.free(base, size);
            if changed(mb, &before, false, Needs::Two, r) {
                ex.rf.free(base, size);
            }
        }
        Op::SetNode { base, size, nid } => {
            let r = mb.set_node(base, size, nid);
            if changed(mb, &before, true, Needs::Two, r) {
                ex.rf.set_node(base, size, nid);
                ex.memory_cuts.clear();
            }
        }
        Op::AllocNid { size, align, nid } => {
            let got = mb.alloc_nid(size, align, nid);
            let mut trial = ex.clone();
            let want = alloc(&mut trial, size, align, 0, nid);
            // A full reserved array makes the reservation, and so the allocation, fail.
            if got.is_none() && want.is_some() && mb.reserved().cnt() == 128 {
                assert_eq!(mb.reserved().regions(), &before.1[..]);
            } else {
                assert_eq!(got, want, "alloc_nid({size:#x}, {align:#x}, {nid})");
                *ex = trial;
            }
        }
        Op::AllocBase { size, align, max_addr } => {
            let got = mb.alloc_base_nopanic(size, align, max_addr);
            let mut trial = ex.clone();
            let want = alloc(&mut trial, size, align, max_addr, MAX_NUMNODES);
            if got.is_none() && want.is_some() && mb.reserved().cnt() == 128 {
                assert_eq!(mb.reserved().regions(), &before.1[..]);
            } else {
                assert_eq!(got, want, "alloc_base({size:#x}, {align:#x}, {max_addr:#x})");
                *ex = trial;
            }
        }
        Op::Find { start, end, size, align, nid } => {
            let got = mb.find_in_range_node(start, end, size, align, nid);
            let want = find(ex, start, end, size, align, nid);
            assert_eq!(got, want, "find_in_range_node({start:#x}, {end:#x}, {size:#x}, {align:#x}, {nid})");
        }
        Op::SetLimit { limit } => {
            mb.set_current_limit(limit);
            ex.rf.set_current_limit(limit);
        }
        // Not generated here: the reference has no doubled arrays, no trim and no limit.
        Op::Alloc { .. } | Op::AllocTryNid { .. } | Op::AllowResize | Op::Trim { .. } | Op::EnforceLimit { .. } => {
            unreachable!("{op:?} is not generated by this test")
        }
        Op::Isolate { kind, base, size } => {
            let memory = kind == RegionKind::Memory;
            let r = mb.isolate_range(kind, base, size);
            if changed(mb, &before, memory, Needs::Two, r.map(|_| ())) && capped(base, size) {
                let end = base.saturating_add(size);
                let (regions, cuts) = if memory {
                    (ex.rf.memory(), &mut ex.memory_cuts)
                } else {
                    (ex.rf.reserved(), &mut ex.reserved_cuts)
                };
                cuts.extend([base, end]);
                // The returned index range covers exactly the regions inside [base, end).
                let after = split(regions, cuts);
                let inside: Vec<usize> =
                    (0..after.len()).filter(|&i| after[i].base >= base && after[i].base < end).collect();
                let want = inside.first().map_or((0, 0), |&i| (i, inside.last().unwrap() + 1));
                assert_eq!(r.unwrap(), want, "isolate_range({kind:?}, {base:#x}, {size:#x})");
            }
        }
    }
}

fn compare(mb: &Memblock, ex: &Expected) {
    let rf = &ex.rf;
    assert_eq!(mb.memory().regions(), &split(rf.memory(), &ex.memory_cuts)[..], "memory");
    assert_eq!(mb.reserved().regions(), &split(rf.reserved(), &ex.reserved_cuts)[..], "reserved");
    for nid in [0, 1, 2, 3, 4, MAX_NUMNODES, -1] {
        let want = free_ranges(ex, nid);
        // Reserved regions split at a point inside memory leave an empty free range there.
        let got: Vec<FreeRange> = mb.free_ranges(nid).filter(|r| r.start < r.end).collect();
        assert_eq!(ranges(got.into_iter()), ranges(want.iter().copied()), "free ranges of node {nid}");
        let mut rev: Vec<FreeRange> = mb.free_ranges_rev(nid).filter(|r| r.start < r.end).collect();
        rev.reverse();
        assert_eq!(rev, want, "reverse free ranges of node {nid}");
    }
    // Invariants: sorted, non-overlapping, no zero size, merged unless split by an isolation,
    // exact totals (no trim ran), free ranges inside one memory region and outside reserved.
    assert_sound(mb);
    if ex.memory_cuts.is_empty() {
        assert_merged(mb.memory());
    }
    if ex.reserved_cuts.is_empty() {
        assert_merged(mb.reserved());
    }
    for ty in [mb.memory(), mb.reserved()] {
        assert_total(ty);
    }
    assert_eq!(mb.phys_mem_size(), rf.memory_size());
    assert_eq!(mb.reserved().total_size(), rf.reserved_size());
    assert!(mb.reserved().regions().iter().all(|r| r.nid == MAX_NUMNODES));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_model_follows_the_reference(ops in proptest::collection::vec(op(), 1..60)) {
        let mut mb = Memblock::new();
        let mut ex = Expected::default();
        for op in &ops {
            step(&mut mb, &mut ex, op);
            compare(&mb, &ex);
        }
    }
}

/// The reference itself, on a case worked by hand: it must not simply agree with the model.
#[test]
fn the_reference_agrees_with_a_hand_worked_case() {
    let mut rf = Reference::new();
    rf.add_node(0, 0x8000, 0);
    rf.add_node(0x8000, 0x8000, 1);
    rf.add(0x4000, 0x10000); // only [0x10000, 0x14000) is new
    rf.reserve(0x7000, 0x2000); // across the node boundary
    let regions: Vec<_> = rf.memory().iter().map(|r| (r.base, r.size, r.nid)).collect();
    assert_eq!(regions, [(0, 0x8000, 0), (0x8000, 0x8000, 1), (0x10000, 0x4000, MAX_NUMNODES)]);
    let free: Vec<_> = rf.free_ranges(MAX_NUMNODES).iter().map(|r| (r.start, r.end, r.nid)).collect();
    assert_eq!(free, [(0, 0x7000, 0), (0x9000, 0x10000, 1), (0x10000, 0x14000, MAX_NUMNODES)]);
    // Top-down, 0x5000 bytes: only node 1's [0x9000, 0x10000) holds it, at 0x10000 - 0x5000.
    // (The any-node top range [0x10000, 0x14000) is only 0x4000.)
    assert_eq!(rf.find(Direction::TopDown, 0, u64::MAX, 0x5000, 0x1000, MAX_NUMNODES), Some(0xb000));
    assert_eq!(rf.find(Direction::BottomUp, 0, u64::MAX, 0x5000, 0x1000, MAX_NUMNODES), Some(0x1000));
    assert_eq!(rf.find(Direction::BottomUp, 0x2500, u64::MAX, 0x5000, 0x1000, 1), Some(0x9000));
    assert_eq!(rf.find(Direction::TopDown, 0, u64::MAX, 0x8000, 0x1000, MAX_NUMNODES), None);
    rf.set_node(0x6000, 0x4000, 1); // [0x6000, 0x8000) moves to node 1 and joins it
    let regions: Vec<_> = rf.memory().iter().map(|r| (r.base, r.size, r.nid)).collect();
    assert_eq!(regions, [(0, 0x6000, 0), (0x6000, 0xa000, 1), (0x10000, 0x4000, MAX_NUMNODES)]);
    rf.free(0x7000, 0x1000);
    rf.remove(0x2000, 0x1000);
    let reserved: Vec<_> = rf.reserved().iter().map(|r| (r.base, r.size)).collect();
    assert_eq!(reserved, [(0x8000, 0x1000)]);
    assert_eq!(rf.memory_size(), 0x13000);
}

/// Found by the property test above: a bare isolation leaves the whole-space reservation split
/// at 0x13c00, inside memory [0xb300, 0x13d00); the size u64::MAX rounds up (align 2) to 0, and
/// the kernel's reverse free-range walk yields the empty gap [0x13c00, 0x13c00) between the two
/// reserved pieces, where round_down(0x13c00 - 0, 2) = 0x13c00 is the answer (an empty
/// reservation). The expectation must see that gap too.
#[test]
fn a_zero_size_search_takes_the_empty_gap_between_split_reservations() {
    let ops = [
        Op::Reserve { base: 0, size: u64::MAX },
        Op::Isolate { kind: RegionKind::Reserved, base: 0x13c00, size: 0xff00 },
        Op::Add { base: 0xb300, size: 0x8a00 },
        Op::AllocNid { size: u64::MAX, align: 2, nid: MAX_NUMNODES },
    ];
    let mut mb = Memblock::new();
    let mut ex = Expected::default();
    for op in &ops[..3] {
        step(&mut mb, &mut ex, op);
        compare(&mb, &ex);
    }
    assert_eq!(mb.alloc_nid(u64::MAX, 2, MAX_NUMNODES), Some(0x13c00));
    let mut mb = Memblock::new();
    let mut ex = Expected::default();
    for op in &ops {
        step(&mut mb, &mut ex, op);
        compare(&mb, &ex);
    }
}
