//! The kernel's own failures, reproduced by default (spec §G.5): a `memblock_trim_memory()`
//! that wraps past 2^64 leaves the memory array out of order, and the next merge of memory is
//! the kernel's `BUG_ON`. The values are worked out by hand from the kernel's code.

use memblock_topdown::oplang::{BaseOps, run_script};
use memblock_topdown::{Bug, Deviations, Error, MAX_NUMNODES, Memblock};

const TOP: u64 = 0xffff_ffff_ffff_f800;

/// Memory [0x1000, 0x2000) and [TOP, U64_MAX) (size capped to 0x7ff), trimmed to pages.
fn wrapped() -> Memblock {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x1000).unwrap();
    mb.add(TOP, 0x800).unwrap();
    mb.trim_memory(0x1000);
    mb
}

#[test]
fn a_wrapped_trim_keeps_the_region_in_place_with_a_low_base() {
    let mb = wrapped();
    // round_up(TOP, 0x1000) = ((TOP - 1) | 0xfff) + 1 wraps to 0; round_down(U64_MAX, 0x1000) =
    // 0xffff_ffff_ffff_f000. The region stays last: the array is out of order.
    let got: Vec<(u64, u64)> = mb.memory().regions().iter().map(|r| (r.base, r.size)).collect();
    assert_eq!(got, [(0x1000, 0x1000), (0, 0xffff_ffff_ffff_f000)]);
    assert!(mb.memory().is_out_of_order());
    // total_size is not updated by the trim (§G.6): 0x1000 + 0x7ff.
    assert_eq!(mb.memory().total_size(), 0x17ff);
    // memblock_search() bisects as the kernel does: mid = 1 holds 0x5000.
    assert!(mb.is_memory(0x5000));
    assert_eq!(mb.end_of_dram(), 0xffff_ffff_ffff_f000);
}

#[test]
fn the_next_merge_of_memory_is_the_kernels_bug() {
    let bug = Err(Error::Bug(Bug::MergeOverlap));
    // add: the walk inserts nothing new, then the merge meets [0x1000, 0x2000) before [0, ...).
    assert_eq!(wrapped().add(0x10000, 0x1000), bug);
    assert_eq!(wrapped().add_node(0x3000, 0x1000, 1), bug);
    // set_node: isolate, then the merge.
    assert_eq!(wrapped().set_node(0x1000, 0x1000, 0), bug);
    // Operations that never merge memory still work: reserve, a query, an allocation.
    let mut mb = wrapped();
    assert_eq!(mb.reserve(0x1000, 0x10), Ok(()));
    assert_eq!(mb.memory().regions()[1].nid, MAX_NUMNODES);
    // Removing the wrapped region restores the order, and merges work again.
    mb.remove(0, 0xffff_ffff_ffff_f000).unwrap();
    assert!(!mb.memory().is_out_of_order());
    assert!(mb.memory().is_empty());
    assert_eq!(mb.add(0x10000, 0x1000), Ok(()));
    // The message names the kernel's check.
    assert_eq!(
        Error::Bug(Bug::MergeOverlap).to_string(),
        "kernel BUG in memblock_merge_regions(): BUG_ON(this->base + this->size > next->base)"
    );
}

#[test]
fn the_op_language_prints_the_bug_and_stops() {
    let script = "add 0x1000 0x1000\nadd 0xfffffffffffff800 0x800\ntrim_memory 0x1000\ndump\nadd 0x10000 0x1000\nphys_mem_size\n";
    let out = run_script(&mut Memblock::new(), script, &mut [&mut BaseOps::default()]);
    let expected = "add = 0\nadd = 0\ntrim_memory = ok\n\
                    dump memory cnt=2 max=128 total_size=0x17ff\n  [0] 0x1000 0x1000 64\n  [1] 0x0 0xfffffffffffff000 64\n\
                    dump reserved cnt=1 max=128 total_size=0x0\n  [0] 0x0 0x0 0\n\
                    BUG: BUG_ON(this->base + this->size > next->base)\n";
    assert_eq!(out, expected);
}

#[test]
fn the_opt_in_deviation_drops_the_region_and_never_bugs() {
    let mut mb = Memblock::new();
    mb.config_mut().deviations = Deviations::TRIM_NO_WRAP;
    mb.add(0x1000, 0x1000).unwrap();
    mb.add(TOP, 0x800).unwrap();
    mb.trim_memory(0x1000);
    let got: Vec<(u64, u64)> = mb.memory().regions().iter().map(|r| (r.base, r.size)).collect();
    assert_eq!(got, [(0x1000, 0x1000)]);
    // The removal subtracts the capped size: 0x17ff - 0x7ff.
    assert_eq!(mb.memory().total_size(), 0x1000);
    assert_eq!(mb.add(0x10000, 0x1000), Ok(()));
}

#[test]
fn a_later_trim_that_removes_the_disorder_restores_the_order() {
    // align 2^63: [0x1000, 0x2000) rounds to [2^63, 0) and goes; [0, 0xffff_ffff_ffff_f000)
    // becomes [0, 2^63). One region: in order, and merges work again.
    let mut mb = wrapped();
    mb.trim_memory(1 << 63);
    let got: Vec<(u64, u64)> = mb.memory().regions().iter().map(|r| (r.base, r.size)).collect();
    assert_eq!(got, [(0, 1 << 63)]);
    assert!(!mb.memory().is_out_of_order());
    assert_eq!(mb.add((1 << 63) + 0x1000, 0x1000), Ok(()));
}
