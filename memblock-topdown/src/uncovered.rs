//! One step of `memblock_add_region()`'s walk: the next part of a new range that no region of
//! the array covers yet, and where it goes in.

use crate::region::Region;
use crate::region_type::RegionType;

/// The first part of `[cursor, end)` that no region of `ty` covers (one step of the walk of
/// `memblock_add_region()`), with the index where it goes in.
#[inline(always)]
pub(crate) fn next_uncovered(ty: &RegionType, cursor: u64, end: u64) -> Option<(usize, u64, u64)> {
    // The usual call, after the last piece, returns here.
    if cursor >= end {
        return None;
    }
    next_uncovered_from(ty, cursor, end)
}

fn next_uncovered_from(ty: &RegionType, cursor: u64, end: u64) -> Option<(usize, u64, u64)> {
    // An array in one run (every small one) is read as the slice it is.
    if let Some(run) = ty.whole() {
        let i = ty.first_ending_above_in(run, cursor);
        return walk_uncovered(|k| run.get(k).copied(), i, cursor, end);
    }
    let (mut regions, i) = ty.cursor_at_first_ending_above(cursor);
    walk_uncovered(|k| regions.get(k), i, cursor, end)
}

/// The walk of [`next_uncovered`] from entry `i`, the first that ends above `cursor`.
#[inline(always)]
fn walk_uncovered(
    mut regions: impl FnMut(usize) -> Option<Region>,
    mut i: usize,
    mut cursor: u64,
    end: u64,
) -> Option<(usize, u64, u64)> {
    while cursor < end {
        match regions(i) {
            Some(r) if r.end() <= cursor => i += 1,
            Some(r) if r.base < end => {
                if r.base > cursor {
                    return Some((i, cursor, r.base));
                }
                cursor = r.end().min(end);
                i += 1;
            }
            _ => return Some((i, cursor, end)),
        }
    }
    None
}
