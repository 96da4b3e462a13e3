//! Bottom-up mode against the brute-force reference model (`memblock_topdown::reference`):
//! over random sequences on small address windows, every search and allocation gives what the
//! series' rule (spec §A.11) gives when computed from the reference: the lowest aligned
//! fitting address at or above `max(start, kernel_end)` when the search ends above
//! `kernel_end`; otherwise, or when that finds nothing, the highest one in `[start, end)`, and
//! then one more fallback (the first of which warns).

use memblock_bottomup::{
    BOTTOM_UP_FAILED, BottomUp, Error, Event, FreeRange, MAX_NUMNODES, MEMBLOCK_ALLOC_ACCESSIBLE, Nid, PAGE_SIZE,
    Region, SeriesMemblock, round_up,
};
use memblock_topdown::reference::{Direction, Reference};
use memblock_topdown::testing::Op;
use proptest::prelude::*;

/// One step: a memblock operation, or patch 2's `memblock_set_bottom_up()`.
#[derive(Debug, Clone, Copy)]
enum Step {
    Memblock(Op),
    SetBottomUp(bool),
}

/// Where ranges start: a low window from 0, and a window ending at U64_MAX (sizes are capped
/// there, and `round_up` of a start near the top wraps, spec §G.5).
const HIGH: u64 = u64::MAX - 0x4_0000;

fn base() -> impl Strategy<Value = u64> {
    prop_oneof![4 => (0u64..0x400).prop_map(|k| k * 0x100), 1 => (0u64..0x400).prop_map(|k| HIGH + k * 0x100)]
}

fn size() -> impl Strategy<Value = u64> {
    (1u64..=0x100).prop_map(|k| k * 0x100)
}

fn nid() -> impl Strategy<Value = Nid> {
    prop_oneof![(0i32..4), Just(MAX_NUMNODES)]
}

/// Powers of two, and alignments that are not (mask arithmetic, spec §G.5).
fn align() -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => (0u32..=14).prop_map(|s| 1u64 << s),
        1 => prop::sample::select(vec![3u64, 0x30, 0x1001, 0x1800, 0x3000, 0x8000_0000_0000_0001]),
    ]
}

/// In either window, ANYWHERE, or ACCESSIBLE.
fn end() -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => (1u64..0x500).prop_map(|k| k * 0x100),
        2 => (1u64..0x400).prop_map(|k| HIGH + k * 0x100),
        1 => Just(u64::MAX),
        1 => Just(MEMBLOCK_ALLOC_ACCESSIBLE),
    ]
}

fn kernel_end() -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => (0u64..0x500).prop_map(|k| k * 0x100 + (k & 0x7)),
        2 => (0u64..0x400).prop_map(|k| HIGH + k * 0x100 + (k & 0x7)),
        1 => Just(0),
        1 => Just(u64::MAX),
    ]
}

/// Small, or within 64 bytes of 2^64 (rounded up, it wraps to 0 for larger alignments).
fn alloc_size() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 1u64..0x4000, 1 => (0u64..0x40).prop_map(|k| u64::MAX - k)]
}

fn memblock_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (base(), size()).prop_map(|(base, size)| Op::Add { base, size }),
        4 => (base(), size(), nid()).prop_map(|(base, size, nid)| Op::AddNode { base, size, nid }),
        2 => (base(), size()).prop_map(|(base, size)| Op::Remove { base, size }),
        4 => (base(), size()).prop_map(|(base, size)| Op::Reserve { base, size }),
        3 => (base(), size()).prop_map(|(base, size)| Op::Free { base, size }),
        6 => (alloc_size(), align(), nid()).prop_map(|(size, align, nid)| Op::AllocNid { size, align, nid }),
        2 => (alloc_size(), align(), end()).prop_map(|(size, align, max_addr)| Op::AllocBase { size, align, max_addr }),
        5 => (base(), end(), (1u64..0x8000), align(), nid())
            .prop_map(|(start, end, size, align, nid)| Op::Find { start, end, size, align, nid }),
        1 => end().prop_map(|limit| Op::SetLimit { limit }),
    ]
}

fn op() -> impl Strategy<Value = Step> {
    prop_oneof![29 => memblock_op().prop_map(Step::Memblock), 1 => any::<bool>().prop_map(Step::SetBottomUp)]
}

/// How the series' rule served a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    TopDown,
    BottomUp,
    Fallback,
}

/// The series' search (§A.11) computed from the reference: the address, and the path taken.
fn series_find(
    rf: &Reference,
    bottom_up: bool,
    kernel_end: u64,
    (start, end, size, align, nid): (u64, u64, u64, u64, Nid),
) -> (Option<u64>, Path) {
    let start = start.max(PAGE_SIZE);
    let end = if end == MEMBLOCK_ALLOC_ACCESSIBLE { rf.current_limit() } else { end }.max(start);
    if bottom_up && end > kernel_end {
        if let Some(addr) = rf.find(Direction::BottomUp, start.max(kernel_end), end, size, align, nid) {
            return (Some(addr), Path::BottomUp);
        }
        return (rf.find(Direction::TopDown, start, end, size, align, nid), Path::Fallback);
    }
    (rf.find(Direction::TopDown, start, end, size, align, nid), Path::TopDown)
}

/// What the policy must have counted so far.
struct Expect {
    /// Searches that fell back from bottom-up to top-down.
    fallbacks: usize,
}

/// A change refused for want of room leaves the model as it was; the reference skips it.
fn applied(mb: &SeriesMemblock, before: &(Vec<Region>, Vec<Region>), r: Result<(), Error>) -> bool {
    match r {
        Ok(()) => true,
        Err(Error::ResizeNotAllowed { .. }) => {
            assert_eq!(mb.memory().regions(), &before.0[..]);
            assert_eq!(mb.reserved().regions(), &before.1[..]);
            false
        }
        Err(e) => panic!("unexpected error {e}"),
    }
}

fn step(mb: &mut SeriesMemblock, rf: &mut Reference, ex: &mut Expect, step: &Step) {
    let op = match *step {
        Step::SetBottomUp(on) => return mb.set_bottom_up(on),
        Step::Memblock(op) => op,
    };
    let before = (mb.memory().regions().to_vec(), mb.reserved().regions().to_vec());
    let kernel_end = mb.placement().kernel_end();
    let bottom_up = mb.bottom_up();
    match op {
        Op::Add { base, size } => {
            let r = mb.add(base, size);
            if applied(mb, &before, r) {
                rf.add(base, size);
            }
        }
        Op::AddNode { base, size, nid } => {
            let r = mb.add_node(base, size, nid);
            if applied(mb, &before, r) {
                rf.add_node(base, size, nid);
            }
        }
        Op::Remove { base, size } => {
            let r = mb.remove(base, size);
            if applied(mb, &before, r) {
                rf.remove(base, size);
            }
        }
        Op::Reserve { base, size } => {
            let r = mb.reserve(base, size);
            if applied(mb, &before, r) {
                rf.reserve(base, size);
            }
        }
        Op::Free { base, size } => {
            let r = mb.free(base, size);
            if applied(mb, &before, r) {
                rf.free(base, size);
            }
        }
        Op::AllocNid { size, align, nid } => alloc(mb, rf, ex, bottom_up, kernel_end, (size, align, 0, nid)),
        Op::AllocBase { size, align, max_addr } => {
            alloc(mb, rf, ex, bottom_up, kernel_end, (size, align, max_addr, MAX_NUMNODES))
        }
        Op::Find { start, end, size, align, nid } => {
            let got = mb.find_in_range_node(start, end, size, align, nid);
            let (want, path) = series_find(rf, bottom_up, kernel_end, (start, end, size, align, nid));
            ex.fallbacks += usize::from(path == Path::Fallback);
            assert_eq!(got, want, "find_in_range_node({start:#x}, {end:#x}, {size:#x}, {align:#x}, {nid}) {path:?}");
            if let (Some(addr), Path::BottomUp) = (got, path) {
                // Bottom-up answers lie at or above max(start, kernel_end) (a candidate that
                // wrapped past 2^64 is 0, "not found"), aligned for a power-of-two alignment.
                assert!(addr >= start.max(kernel_end));
                assert!(!align.is_power_of_two() || addr % align == 0);
            }
        }
        Op::SetLimit { limit } => {
            mb.set_current_limit(limit);
            rf.set_current_limit(limit);
        }
        Op::SetNode { .. }
        | Op::Isolate { .. }
        | Op::Alloc { .. }
        | Op::AllocTryNid { .. }
        | Op::AllowResize
        | Op::Trim { .. }
        | Op::EnforceLimit { .. } => unreachable!("{op:?} is not generated by this test"),
    }
}

fn alloc(
    mb: &mut SeriesMemblock,
    rf: &mut Reference,
    ex: &mut Expect,
    bottom_up: bool,
    kernel_end: u64,
    (size, align, max_addr, nid): (u64, u64, u64, Nid),
) {
    let got = mb.alloc_base_nid(size, align, max_addr, nid);
    // 3.13: the size is rounded up to the alignment before the search, with the kernel's mask
    // arithmetic (which wraps to 0 near 2^64: an empty reservation).
    let size = round_up(size, align);
    let (want, path) = series_find(rf, bottom_up, kernel_end, (0, max_addr, size, align, nid));
    ex.fallbacks += usize::from(path == Path::Fallback);
    if got.is_none() && want.is_some() && mb.reserved().cnt() == 128 {
        // The reservation needed a 129th entry: refused, nothing reserved.
        return;
    }
    assert_eq!(got, want, "alloc_base_nid({size:#x}, {align:#x}, {max_addr:#x}, {nid}) {path:?}");
    if let Some(addr) = want {
        rf.reserve(addr, size);
    }
}

fn compare(mb: &SeriesMemblock, rf: &Reference, ex: &Expect) {
    assert_eq!(mb.memory().regions(), &rf.memory()[..], "memory");
    assert_eq!(mb.reserved().regions(), &rf.reserved()[..], "reserved");
    for nid in [0, 1, 2, 3, MAX_NUMNODES] {
        let got: Vec<FreeRange> = mb.free_ranges(nid).collect();
        assert_eq!(got, rf.free_ranges(nid), "free ranges of node {nid}");
    }
    assert_eq!(mb.placement().fallbacks(), ex.fallbacks, "fallbacks");
    assert_eq!(mb.placement().warned(), ex.fallbacks > 0, "warned");
    let warnings = mb.log().events().iter().filter(|e| **e == Event::Warn(BOTTOM_UP_FAILED)).count();
    assert_eq!(warnings, ex.fallbacks.min(1), "BottomUpFailed warnings");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn searches_follow_the_series_rule(
        kernel_end in kernel_end(),
        ops in proptest::collection::vec(op(), 1..60),
    ) {
        let mut mb = SeriesMemblock::series(kernel_end);
        mb.set_bottom_up(true);
        let mut rf = Reference::new();
        let mut ex = Expect { fallbacks: 0 };
        for op in &ops {
            step(&mut mb, &mut rf, &mut ex, op);
            compare(&mb, &rf, &ex);
        }
    }
}
