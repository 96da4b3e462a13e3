//! Random memblock operation sequences, checked step by step against the reference interval
//! model: the same free space, the same allocation addresses, and the invariants (sorted,
//! non-overlapping, merged, no zero-size region, exact totals) after every operation.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use memblock_bottomup::{BottomUp, SeriesMemblock};
use memblock_topdown::reference::{Direction, Reference};
use memblock_topdown::{MAX_NUMNODES, Nid, RegionType};

/// Addresses live in a 64 MiB window (in 4 KiB units) so that operations collide.
#[derive(Debug, Arbitrary)]
enum Op {
    Add { page: u16, pages: u8 },
    AddNode { page: u16, pages: u8, nid: u8 },
    Remove { page: u16, pages: u8 },
    Reserve { page: u16, pages: u8 },
    Free { page: u16, pages: u8 },
    SetNode { page: u16, pages: u8, nid: u8 },
    Alloc { pages: u8, align_shift: u8, nid: u8, any: bool },
    Find { page: u16, end_page: u16, pages: u8, align_shift: u8 },
    BottomUp(bool),
}

const PAGE: u64 = 4096;

fn range(page: u16, pages: u8) -> (u64, u64) {
    (u64::from(page % 16384) * PAGE, (u64::from(pages) + 1) * PAGE)
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
    let model: Vec<(u64, u64, Nid)> = mb.free_ranges(MAX_NUMNODES).filter(|r| r.end > r.start).map(|r| (r.start, r.end, r.nid)).collect();
    let expected: Vec<(u64, u64, Nid)> = reference.free_ranges(MAX_NUMNODES).into_iter().map(|r| (r.start, r.end, r.nid)).collect();
    assert_eq!(model, expected, "free space differs");
}

fuzz_target!(|ops: Vec<Op>| {
    let mut mb = SeriesMemblock::series(0);
    let mut reference = Reference::new();
    for op in ops.into_iter().take(200) {
        let direction = if mb.bottom_up() { Direction::BottomUp } else { Direction::TopDown };
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
            Op::Alloc { pages, align_shift, nid, any } => {
                let size = u64::from(pages) * 512 + 8;
                let align = 1u64 << (align_shift % 22).max(3);
                let nid = if any { MAX_NUMNODES } else { Nid::from(nid % 8) };
                let before_reserved = mb.reserved().cnt();
                let got = mb.alloc_nid(size, align, nid);
                // The arrays never grow here (no allow_resize): when the model could not
                // insert, it reserved nothing and the reference must not either.
                if got.is_none() && mb.reserved().cnt() == before_reserved && mb.reserved().cnt() >= 127 {
                    continue;
                }
                let want = reference.alloc_base_nid(direction, size, align, 0, nid);
                assert_eq!(got, want, "alloc_nid({size:#x}, {align:#x}, {nid})");
            }
            Op::Find { page, end_page, pages, align_shift } => {
                let start = u64::from(page % 16384) * PAGE;
                let end = u64::from(end_page % 16384) * PAGE;
                let size = u64::from(pages) * 256 + 1;
                let align = 1u64 << (align_shift % 22);
                let got = mb.find_in_range(start, end, size, align);
                let want = reference.find(direction, start, end, size, align, MAX_NUMNODES);
                assert_eq!(got, want, "find_in_range({start:#x}, {end:#x}, {size:#x}, {align:#x})");
            }
            Op::BottomUp(on) => mb.set_bottom_up(on),
        }
        check_invariants(mb.memory());
        check_invariants(mb.reserved());
        same_free_space(&mb, &reference);
    }
});
