//! Helpers shared by the behaviour tests: compact views of the arrays and the invariants every
//! state must keep.

#![allow(dead_code)]

use memblock_topdown::{FreeRange, MemblockState, Nid, RegionType};

/// The regions of an array as `(base, size, nid)`.
pub fn regions(ty: &RegionType) -> Vec<(u64, u64, Nid)> {
    ty.regions().iter().map(|r| (r.base, r.size, r.nid)).collect()
}

/// Free ranges as `(start, end, nid)`.
pub fn ranges(it: impl Iterator<Item = FreeRange>) -> Vec<(u64, u64, Nid)> {
    it.map(|r| (r.start, r.end, r.nid)).collect()
}

/// Sorted, non-overlapping, no zero-size region, every end representable; `cnt` at least 1 and
/// at most `max`.
pub fn assert_well_formed(ty: &RegionType) {
    let rs = ty.regions();
    for r in rs {
        assert!(r.size > 0, "{}: zero-size region {r:?}", ty.kind().name());
        assert!(r.base.checked_add(r.size).is_some(), "{}: region wraps: {r:?}", ty.kind().name());
    }
    for w in rs.to_vec().windows(2) {
        assert!(w[0].base + w[0].size <= w[1].base, "{}: unsorted or overlapping: {:?}", ty.kind().name(), w);
    }
    assert!(ty.cnt() >= 1 && ty.cnt() <= ty.max(), "{}: cnt {} max {}", ty.kind().name(), ty.cnt(), ty.max());
}

/// No two touching neighbours that could have been merged (same node, same flags).
pub fn assert_merged(ty: &RegionType) {
    for w in ty.regions().to_vec().windows(2) {
        let touching = w[0].base + w[0].size == w[1].base;
        assert!(!(touching && w[0].nid == w[1].nid && w[0].flags == w[1].flags), "unmerged neighbours {w:?}");
    }
}

/// `total_size` is the sum of the sizes (true unless `trim_memory` ran).
pub fn assert_total(ty: &RegionType) {
    let sum = ty.regions().iter().fold(0u64, |a, r| a.wrapping_add(r.size));
    assert_eq!(ty.total_size(), sum, "{}: total_size", ty.kind().name());
}

/// Every free range lies inside one memory region, carries that region's node, and overlaps
/// no reserved region. It is empty only where two unmerged reserved regions touch: the kernel's
/// iterator then yields the empty gap between them (possible once reserved regions have nodes or
/// flags, or after a bare isolation).
pub fn assert_free_ranges_sound(st: &MemblockState, nid: Nid) {
    for r in st.free_ranges(nid) {
        if r.start == r.end {
            let touching = st
                .reserved()
                .regions()
                .to_vec()
                .windows(2)
                .any(|w| w[0].base + w[0].size == r.start && w[1].base == r.start);
            assert!(touching, "empty free range {r:?} where no reserved regions touch");
        }
        assert!(r.start <= r.end, "inverted free range {r:?}");
        let inside =
            st.memory().regions().iter().any(|m| m.base <= r.start && r.end <= m.base + m.size && m.nid == r.nid);
        assert!(inside, "free range {r:?} is not inside one memory region of its node");
        assert!(!st.is_region_reserved(r.start, r.end - r.start), "free range {r:?} overlaps reserved");
    }
}

/// All of the above that hold in every state.
pub fn assert_sound(st: &MemblockState) {
    assert_well_formed(st.memory());
    assert_well_formed(st.reserved());
    assert_free_ranges_sound(st, memblock_topdown::MAX_NUMNODES);
}
