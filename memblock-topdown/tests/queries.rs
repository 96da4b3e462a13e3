//! Queries and whole-array utilities (spec §A.14): sizes, membership, `memblock_trim_memory`
//! and its `total_size` quirk (§G.6), `memblock_mem_size` (§G.12), `memblock_search_pfn_nid`
//! (§G.11), `memblock_enforce_memory_limit`, and the `memblock_dump_all` text.

mod common;

use common::{assert_sound, regions};
use memblock_topdown::{Event, MAX_NUMNODES, Memblock, PfnNid, PfnRange, Warning};

const ANY: i32 = MAX_NUMNODES;

#[test]
fn trim_memory_shrinks_without_updating_total_size() {
    let mut mb = Memblock::new();
    mb.add(0x1800, 0x4000).unwrap(); // [0x1800, 0x5800)
    mb.add(0x8000, 0x800).unwrap(); // [0x8000, 0x8800): no whole page
    assert_eq!(mb.memory().total_size(), 0x4800);
    mb.trim_memory(0x1000);
    // [0x1800, 0x5800) -> [0x2000, 0x5000); [0x8000, 0x8800) rounds to an empty range and is
    // removed, which subtracts its 0x800. The shrink by 0x1000 is not subtracted (§G.6).
    assert_eq!(regions(mb.memory()), [(0x2000, 0x3000, ANY)]);
    assert_eq!(mb.memory().total_size(), 0x4000);
    assert_eq!(mb.phys_mem_size(), 0x4000);
    // Removing everything subtracts the region's 0x3000: 0x1000 is left and the kernel's
    // WARN_ON(type->total_size != 0) fires; the counter is reported, not corrected.
    mb.remove(0, u64::MAX).unwrap();
    assert_eq!(mb.memory().total_size(), 0x1000);
    assert_eq!(mb.log().events(), [Event::Warn(Warning::TotalSizeNotZero)]);
    // The next add to the empty array warns again and sets total_size to the new size.
    mb.add(0x1000, 0x2000).unwrap();
    assert_eq!(mb.memory().total_size(), 0x2000);
    assert_eq!(mb.log().events(), [Event::Warn(Warning::TotalSizeNotZero), Event::Warn(Warning::AddToEmptyNotClean)]);
    assert_eq!(Warning::TotalSizeNotZero.to_string(), "WARN_ON(type->total_size != 0)");
    assert_eq!(Warning::AddToEmptyNotClean.to_string(), "WARN_ON(type->cnt != 1 || type->total_size)");
}

#[test]
fn trim_memory_leaves_aligned_regions_alone() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x4000).unwrap();
    mb.add_node(0x10000, 0x1000, 2).unwrap();
    mb.trim_memory(0x1000);
    assert_eq!(regions(mb.memory()), [(0x1000, 0x4000, ANY), (0x10000, 0x1000, 2)]);
    assert_eq!(mb.memory().total_size(), 0x5000);
    // A coarser alignment: [0x1000, 0x5000) -> [0x2000, 0x4000); [0x10000, 0x11000) is empty.
    mb.trim_memory(0x2000);
    assert_eq!(regions(mb.memory()), [(0x2000, 0x2000, ANY)]);
    assert_eq!(mb.memory().total_size(), 0x4000); // 0x5000 - the removed 0x1000 only
}

#[test]
fn mem_size_counts_whole_pages_below_the_limit() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0xff000).unwrap(); // [0x1000, 0x100000): pfns 1..0x100
    // min(0x100, 0x80) - min(1, 0x80) = 0x7f pages.
    assert_eq!(mb.mem_size(0x80), 0x7f000);
    assert_eq!(mb.mem_size(u64::MAX), 0xff000);
    assert_eq!(mb.mem_size(0), 0);
}

#[test]
fn mem_size_subtracts_a_page_for_a_region_inside_one_page() {
    // §G.12: [0x1800, 0x1900) has PFN_UP(base) = 2, PFN_DOWN(end) = 1.
    let mut mb = Memblock::new();
    mb.add(0x1800, 0x100).unwrap();
    assert_eq!(mb.mem_size(2), 0xffff_ffff_ffff_f000); // min(1,2) - min(2,2) = -1 page
    assert_eq!(mb.mem_size(u64::MAX), 0xffff_ffff_ffff_f000);
    assert_eq!(mb.mem_size(1), 0); // min(1,1) - min(2,1) = 0
    // §G.12: [0x1000_0000, 0x1000_2000) (2 pages) + [0x1000_2800, 0x1000_2900) (-1) = 1 page.
    let mut mb = Memblock::new();
    mb.add(0x1000_0000, 0x2000).unwrap();
    mb.add(0x1000_2800, 0x100).unwrap();
    assert_eq!(mb.mem_size(u64::MAX), 0x1000);
    // A region crossing a page boundary without a whole page adds 0: [0x1800, 0x2800).
    let mut mb = Memblock::new();
    mb.add(0x1800, 0x1000).unwrap();
    assert_eq!(mb.mem_size(u64::MAX), 0);
}

#[test]
fn search_pfn_nid_rounds_both_bounds_down() {
    // §G.11: region [0x10005800, 0x10007800) on node 6, pfn 0x10007.
    let mut mb = Memblock::new();
    mb.add_node(0x1000_5800, 0x2000, 6).unwrap();
    assert_eq!(mb.search_pfn_nid(0x10007), Some(PfnNid { nid: 6, start_pfn: 0x10005, end_pfn: 0x10007 }));
    // pfn 0x10006 (0x1000_6000) is inside too; pfn 0x10005 (0x1000_5000) lies below the base.
    assert_eq!(mb.search_pfn_nid(0x10006).map(|p| p.nid), Some(6));
    assert_eq!(mb.search_pfn_nid(0x10005), None);
    assert_eq!(mb.search_pfn_nid(0x10008), None);
    // for_each_mem_pfn_range rounds the start up instead: PFN_UP(0x1000_5800) = 0x10006.
    let pfns: Vec<PfnRange> = mb.mem_pfn_ranges(ANY).collect();
    assert_eq!(pfns, [PfnRange { start_pfn: 0x10006, end_pfn: 0x10007, nid: 6 }]);
}

#[test]
fn mem_pfn_ranges_skip_regions_without_a_whole_page() {
    let mut mb = Memblock::new();
    mb.add_node(0x1800, 0x100, 0).unwrap(); // inside one page
    mb.add_node(0x4000, 0x3000, 1).unwrap(); // pfns 4..7
    mb.add_node(0x8800, 0x1000, 2).unwrap(); // crosses a boundary, no whole page
    let pfns: Vec<_> = mb.mem_pfn_ranges(ANY).map(|p| (p.start_pfn, p.end_pfn, p.nid)).collect();
    assert_eq!(pfns, [(4, 7, 1)]);
    assert_eq!(mb.mem_pfn_ranges(0).count(), 0);
    assert_eq!(mb.mem_pfn_ranges(1).count(), 1);
}

#[test]
fn enforce_memory_limit_keeps_the_first_bytes_of_memory() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x2000).unwrap(); // [0x1000, 0x3000): 0x2000 bytes
    mb.add(0x10000, 0x10000).unwrap(); // [0x10000, 0x20000)
    mb.reserve(0x2000, 0x800).unwrap();
    mb.reserve(0x11000, 0x2000).unwrap(); // straddles the cut
    mb.reserve(0x18000, 0x4000).unwrap();
    // 0x4000 bytes: 0x2000 from the first region, 0x2000 from the second: max_addr = 0x12000.
    // [0x12000, U64_MAX) goes from memory and from reserved.
    mb.enforce_memory_limit(0x4000);
    assert_eq!(regions(mb.memory()), [(0x1000, 0x2000, ANY), (0x10000, 0x2000, ANY)]);
    assert_eq!(regions(mb.reserved()), [(0x2000, 0x800, ANY), (0x11000, 0x1000, ANY)]);
    assert_sound(&mb);
}

#[test]
fn enforce_memory_limit_zero_or_too_big_changes_nothing() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x2000).unwrap();
    mb.reserve(0x8000_0000, 0x1000).unwrap(); // reserved beyond memory
    mb.enforce_memory_limit(0);
    // More than all memory: max_addr stays U64_MAX, the removal is of an empty range.
    mb.enforce_memory_limit(0x1_0000);
    assert_eq!(regions(mb.memory()), [(0x1000, 0x2000, ANY)]);
    assert_eq!(regions(mb.reserved()), [(0x8000_0000, 0x1000, ANY)]);
    // Exactly all of memory: max_addr = end of the last region; the reservation above goes.
    mb.enforce_memory_limit(0x2000);
    assert_eq!(regions(mb.memory()), [(0x1000, 0x2000, ANY)]);
    assert!(mb.reserved().is_empty());
}

#[test]
fn sizes_and_membership() {
    let mut mb = Memblock::new();
    assert_eq!((mb.start_of_dram(), mb.end_of_dram(), mb.phys_mem_size()), (0, 0, 0));
    mb.add_node(0, 0x1000, 0).unwrap();
    mb.add_node(0x1000, 0x1000, 1).unwrap();
    mb.add(0x10000, 0x1000).unwrap();
    assert_eq!((mb.start_of_dram(), mb.end_of_dram(), mb.phys_mem_size()), (0, 0x11000, 0x3000));
    assert!(mb.is_memory(0x1fff));
    assert!(!mb.is_memory(0x2000));
    // The region holding base must hold the end: spanning two touching regions is not memory.
    assert!(!mb.is_region_memory(0x800, 0x1000));
    assert!(mb.is_region_memory(0x800, 0x800));
    assert!(mb.is_region_memory(0x1000, 0x1000));
    assert!(!mb.is_region_memory(0x1800, 0x1000));
    assert!(!mb.is_region_memory(0x3000, 0x10));
    // Capped at U64_MAX, far beyond the region.
    assert!(!mb.is_region_memory(0x10800, u64::MAX));
}

#[test]
fn the_dump_prints_the_kernel_lines() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x2000).unwrap();
    mb.add_node(0x10000, 0x10000, 1).unwrap();
    // 3.12 format: end = base + size - 1, " on node N" unless MAX_NUMNODES. The never-used
    // reserved array shows its dummy: size 0, end 0 - 1, node 0 (§G.2). C's `%#x` prints 0
    // without the `0x` (as in 3.14.1's own dump, v314/p1_debug.o314.out).
    let expected = "MEMBLOCK configuration:\n \
                    memory size = 0x12000 reserved size = 0\n \
                    memory.cnt  = 0x2\n \
                    memory[0]\t[0x00000000001000-0x00000000002fff], 0x2000 bytes\n \
                    memory[0x1]\t[0x00000000010000-0x0000000001ffff], 0x10000 bytes on node 1\n \
                    reserved.cnt  = 0x1\n \
                    reserved[0]\t[0000000000000000-0xffffffffffffffff], 0 bytes on node 0\n";
    assert_eq!(mb.dump_all().to_string(), expected);
    // Emptied by a free, the dummy has MAX_NUMNODES and no node suffix.
    mb.reserve(0x1000, 0x1000).unwrap();
    mb.free(0x1000, 0x1000).unwrap();
    let dump = mb.dump_all().to_string();
    assert!(dump.ends_with(" reserved[0]\t[0000000000000000-0xffffffffffffffff], 0 bytes\n"), "{dump}");
    // The 3.14 format appends the flags.
    let with_flags = mb.dump_all_with_flags().to_string();
    assert!(with_flags.contains(" memory[0]\t[0x00000000001000-0x00000000002fff], 0x2000 bytes flags: 0\n"));
}
