//! Random memblock operation sequences, checked step by step against the reference interval
//! model: the same free space, the same allocation addresses, and the invariants (sorted,
//! non-overlapping, merged, no zero-size region, exact totals) after every operation. Ranges
//! fall in a low window or in one ending at 2^64 (sizes capped there, starts that round up
//! past 2^64), alignments include ones that are not powers of two (the kernel's mask
//! arithmetic, spec §G.5), and allocation sizes include ones whose rounding wraps to 0.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use memblock_bottomup::{BottomUp, SeriesMemblock};
use memblock_topdown::reference::{Direction, Reference};
use memblock_topdown::{MAX_NUMNODES, Nid, RegionType, round_up};

/// Addresses live in two 64 MiB windows (in 4 KiB units, or 256-byte units for `Find`), one
/// from 0 and one ending at 2^64, so that operations collide.
#[derive(Debug, Arbitrary)]
enum Op {
    Add { page: Page, pages: u8 },
    AddNode { page: Page, pages: u8, nid: u8 },
    Remove { page: Page, pages: u8 },
    Reserve { page: Page, pages: u8 },
    Free { page: Page, pages: u8 },
    SetNode { page: Page, pages: u8, nid: u8 },
    Alloc { pages: u8, align: Align, nid: u8, any: bool, wrap: bool },
    Find { page: Page, end_page: Page, pages: u8, align: Align },
    BottomUp(bool),
}

/// A page in one of the two windows.
#[derive(Debug, Clone, Copy, Arbitrary)]
struct Page {
    index: u16,
    top: bool,
}

/// A power of two (by shift), or one of a few alignments that are not.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Align {
    Shift(u8),
    Odd(u8),
}

const PAGE: u64 = 4096;
const TOP_WINDOW: u64 = u64::MAX - (64 << 20) + 1;
const ODD: [u64; 6] = [3, 0x30, 0x1001, 0x1800, 0x3000, 0x8000_0000_0000_0001];

impl Page {
    fn addr(self, unit: u64) -> u64 {
        let offset = u64::from(self.index % 16384) * unit;
        if self.top { TOP_WINDOW + offset } else { offset }
    }
}

impl Align {
    fn value(self, min_shift: u8) -> u64 {
        match self {
            Align::Shift(s) => 1u64 << (s % 22).max(min_shift),
            Align::Odd(i) => ODD[usize::from(i) % ODD.len()],
        }
    }
}

fn range(page: Page, pages: u8) -> (u64, u64) {
    (page.addr(PAGE), (u64::from(pages) + 1) * PAGE)
}

/// The series' search with `kernel_end` 0 (spec §A.11): bottom-up from the start when that
/// mode is on, falling back to top-down; top-down otherwise.
fn series_find(rf: &Reference, bottom_up: bool, start: u64, end: u64, size: u64, align: u64, nid: Nid) -> Option<u64> {
    let bu = if bottom_up { rf.find(Direction::BottomUp, start, end, size, align, nid) } else { None };
    bu.or_else(|| rf.find(Direction::TopDown, start, end, size, align, nid))
}

fn check_invariants(t: &RegionType) {
    let rs = t.regions();
    let mut total = 0u64;
    for (i, r) in rs.iter().enumerate() {
        assert!(r.size > 0, "zero-size region {r:?}");
        total += r.size;
        if let Some(next) = rs.get(i + 1) {
            assert!(r.end() <= next.base, "overlap: {r:?} {next:?}");
            assert!(!(r.end() == next.base && r.nid == next.nid && r.flags == next.flags), "unmerged: {r:?} {next:?}");
        }
    }
    assert_eq!(total, t.total_size(), "total_size");
}

fn same_free_space(mb: &SeriesMemblock, reference: &Reference) {
    let model: Vec<(u64, u64, Nid)> =
        mb.free_ranges(MAX_NUMNODES).filter(|r| r.end > r.start).map(|r| (r.start, r.end, r.nid)).collect();
    let expected: Vec<(u64, u64, Nid)> =
        reference.free_ranges(MAX_NUMNODES).into_iter().map(|r| (r.start, r.end, r.nid)).collect();
    assert_eq!(model, expected, "free space differs");
}

fuzz_target!(|ops: Vec<Op>| {
    let mut mb = SeriesMemblock::series(0);
    let mut reference = Reference::new();
    for op in ops.into_iter().take(200) {
        let bottom_up = mb.bottom_up();
        match op {
            Op::Add { page, pages } => {
                let (b, s) = range(page, pages);
                if mb.add(b, s).is_ok() {
                    reference.add(b, s);
                }
            }
            Op::AddNode { page, pages, nid } => {
                let (b, s) = range(page, pages);
                if mb.add_node(b, s, Nid::from(nid % 8)).is_ok() {
                    reference.add_node(b, s, Nid::from(nid % 8));
                }
            }
            Op::Remove { page, pages } => {
                let (b, s) = range(page, pages);
                if mb.remove(b, s).is_ok() {
                    reference.remove(b, s);
                }
            }
            Op::Reserve { page, pages } => {
                let (b, s) = range(page, pages);
                if mb.reserve(b, s).is_ok() {
                    reference.reserve(b, s);
                }
            }
            Op::Free { page, pages } => {
                let (b, s) = range(page, pages);
                if mb.free(b, s).is_ok() {
                    reference.free(b, s);
                }
            }
            Op::SetNode { page, pages, nid } => {
                let (b, s) = range(page, pages);
                if mb.set_node(b, s, Nid::from(nid % 8)).is_ok() {
                    reference.set_node(b, s, Nid::from(nid % 8));
                }
            }
            Op::Alloc { pages, align, nid, any, wrap } => {
                // 3.13 rounds the size up to the alignment; near 2^64 that wraps to 0 and the
                // kernel "succeeds" with an empty reservation.
                let size = if wrap { u64::MAX - u64::from(pages % 64) } else { u64::from(pages) * 512 + 8 };
                let align = align.value(3);
                let nid = if any { MAX_NUMNODES } else { Nid::from(nid % 8) };
                let before_reserved = mb.reserved().cnt();
                let got = mb.alloc_nid(size, align, nid);
                // The arrays never grow here (no allow_resize): when the model could not
                // insert, it reserved nothing and the reference must not either.
                if got.is_none() && mb.reserved().cnt() == before_reserved && mb.reserved().cnt() >= 127 {
                    continue;
                }
                let rounded = round_up(size, align);
                let want = series_find(&reference, bottom_up, 0, 0, rounded, align, nid);
                assert_eq!(got, want, "alloc_nid({size:#x}, {align:#x}, {nid})");
                if let Some(addr) = want {
                    reference.reserve(addr, rounded);
                }
            }
            Op::Find { page, end_page, pages, align } => {
                let start = page.addr(PAGE);
                let end = end_page.addr(PAGE);
                let size = u64::from(pages) * 256 + 1;
                let align = align.value(0);
                let got = mb.find_in_range(start, end, size, align);
                let want = series_find(&reference, bottom_up, start, end, size, align, MAX_NUMNODES);
                assert_eq!(got, want, "find_in_range({start:#x}, {end:#x}, {size:#x}, {align:#x})");
            }
            Op::BottomUp(on) => mb.set_bottom_up(on),
        }
        check_invariants(mb.memory());
        check_invariants(mb.reserved());
        same_free_space(&mb, &reference);
    }
});
