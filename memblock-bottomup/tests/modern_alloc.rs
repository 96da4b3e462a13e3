//! Linux 6.1's allocation API (spec §H.3) on a memblock set up as 6.1's: no size rounding,
//! alignment 0 as `SMP_CACHE_BYTES`, the any-node retry, `exact_nid`, the `current_limit` cap
//! and the `min_addr` retry. Expected addresses are worked by hand from §H.3's rules.

use memblock_bottomup::{
    AlignZero, Attempt, BottomUp, Event, MAX_NUMNODES, MAX_NUMNODES_DEPRECATED, ModernAlloc, NUMA_NO_NODE, RegionFlags,
    Semantics, SeriesMemblock,
};

/// A 6.1 memblock (what `movable_node::KernelProfile::Modern` builds, without `movable_node`)
/// for a kernel image ending at `kernel_end`.
fn linux_6_1(kernel_end: u64) -> SeriesMemblock {
    let mut mb = SeriesMemblock::series(kernel_end);
    let c = mb.config_mut();
    c.any_node = NUMA_NO_NODE;
    c.align_zero = AlignZero::Use(64);
    c.round_size = false;
    c.skip_top_down = RegionFlags::NOMAP;
    c.skip_bottom_up = RegionFlags::NOMAP;
    mb.placement_mut().set_semantics(Semantics::Modern);
    mb
}

/// The 73-byte HPET request of pc-2n (§H.7 #16): unrounded, 64-byte aligned, at the top.
#[test]
fn size_is_not_rounded_in_6_1() {
    let mut mb = linux_6_1(0x443_0000);
    mb.add(0x10_0000, 0x1000_0000).unwrap();
    let f = mb.memblock_alloc_try_nid(73, 64, 0, 0, NUMA_NO_NODE, "acpi_parse_hpet").unwrap();
    assert_eq!(f.addr, 0x1010_0000 - 128);
    assert_eq!(mb.reserved().regions()[0].size, 73);
    // Alignment 0 is SMP_CACHE_BYTES: the next 64-byte boundary below.
    let g = mb.memblock_phys_alloc_range(8, 0, 0, 0x1010_0000, "x").unwrap();
    assert_eq!(g.addr, 0x1010_0000 - 192);
}

/// A node with no memory yet (before NUMA init every region has MAX_NUMNODES): the any-node
/// retry finds the block; an exact request fails.
#[test]
fn node_fallback_and_exact() {
    let mut mb = linux_6_1(0x443_0000);
    mb.add(0x10_0000, 0x1000_0000).unwrap();
    let f = mb.memblock_alloc_try_nid(0x1000, 0x1000, 0x100_0000, 0, 1, "x").unwrap();
    assert_eq!(f.attempt, Attempt::AnyNode);
    assert!(mb.memblock_alloc_exact_nid_raw(0x1000, 0x1000, 0x100_0000, 0, 1, "x").is_none());
}

/// `memblock_alloc_internal` caps at current_limit and drops min_addr when nothing fits above
/// it; `memblock_phys_alloc_range` is not capped.
#[test]
fn limit_cap_and_min_addr_retry() {
    let mut mb = linux_6_1(0x443_0000);
    mb.add(0x10_0000, 0x1000_0000).unwrap();
    mb.set_current_limit(0x800_0000);
    let f = mb.memblock_alloc_try_nid(0x1000, 0x1000, 0x900_0000, u64::MAX, NUMA_NO_NODE, "x").unwrap();
    assert_eq!((f.addr, f.attempt), (0x7ff_f000, Attempt::NoMinAddr));
    let f = mb.memblock_phys_alloc_range(0x1000, 0x1000, 0, 0x1000_0000, "x").unwrap();
    assert_eq!(f.addr, 0xfff_f000);
}

/// `memblock_alloc_range_nid()` asked for MAX_NUMNODES warns once (its own WARN_ONCE site),
/// then allocates on any node.
#[test]
fn max_numnodes_warns_once_and_means_any_node() {
    let mut mb = linux_6_1(0x443_0000);
    mb.add(0x10_0000, 0x1000_0000).unwrap();
    let warned =
        |mb: &SeriesMemblock| mb.log().events().iter().filter(|e| **e == Event::Warn(MAX_NUMNODES_DEPRECATED)).count();
    let f = mb.memblock_phys_alloc_try_nid(0x1000, 0x1000, MAX_NUMNODES, "x").unwrap();
    assert_eq!((f.addr, f.attempt, f.nid), (0x100f_f000, Attempt::First, NUMA_NO_NODE));
    assert_eq!(warned(&mb), 1);
    mb.memblock_phys_alloc_try_nid(0x1000, 0x1000, MAX_NUMNODES, "x").unwrap();
    assert_eq!(warned(&mb), 1);
}
