//! The worked examples of spec §A.15 (Linux 3.14.1's memblock), run as op scripts in the 3.14
//! profile. The expected lines are the spec's answers written in OPLANG's output format.

use movable_node::KernelProfile;
use movable_node::oplang::run_script;

fn run(script: &str) -> String {
    run_script(KernelProfile::V3_14, script).expect("3.14 runs op scripts")
}

#[test]
fn marks_split_and_merge_as_in_item_2() {
    let out = run("add 0 0x4000000\nmark_hotplug 0x1000000 0x1000000\ndump\n\
                   mark_hotplug 0x2000000 0x1000000\ndump\nclear_hotplug 0x1400000 0x400000\ndump\n\
                   clear_hotplug 0 0x4000000\ndump\n");
    let dumps: Vec<&str> = out.split("dump memory").skip(1).collect();
    assert_eq!(dumps.len(), 4, "{out}");
    // 16M..32M marked: three regions with flags 0, 1, 0.
    assert!(dumps[0].starts_with(
        " cnt=3 max=128 total_size=0x4000000\n  [0] 0x0 0x1000000 64 0x0\n  [1] 0x1000000 0x1000000 64 0x1\n  [2] 0x2000000 0x2000000 64 0x0\n"
    ));
    // 32M..48M marked too: it merges with its marked neighbour.
    assert!(dumps[1].starts_with(
        " cnt=3 max=128 total_size=0x4000000\n  [0] 0x0 0x1000000 64 0x0\n  [1] 0x1000000 0x2000000 64 0x1\n  [2] 0x3000000 0x1000000 64 0x0\n"
    ));
    // 20M..24M cleared: five regions.
    assert!(dumps[2].starts_with(" cnt=5 "), "{out}");
    // Everything cleared: one region again.
    assert!(dumps[3].starts_with(" cnt=1 max=128 total_size=0x4000000\n  [0] 0x0 0x4000000 64 0x0\n"), "{out}");
}

#[test]
fn movable_node_keeps_top_down_out_of_hotplug_memory_as_in_item_3() {
    let two_nodes = "add_node 0 0x4000000 0\nadd_node 0x4000000 0x4000000 1\n";
    let find = "find_in_range 0 ANYWHERE 0x1000 0x1000\n";
    let on = run(&format!("{two_nodes}mark_hotplug 0x4000000 0x4000000\nmovable_node 1\n{find}"));
    assert!(on.ends_with("find_in_range = 0x3fff000\n"), "{on}");
    let off = run(&format!("{two_nodes}mark_hotplug 0x4000000 0x4000000\nmovable_node 0\n{find}"));
    assert!(off.ends_with("find_in_range = 0x7fff000\n"), "{off}");
    // Bottom-up does not skip: node 0 marked, kernel_end 0 -> the first page above page 0.
    let bu = run(&format!("{two_nodes}mark_hotplug 0 0x4000000\nmovable_node 1\nset_bottom_up 1\n{find}"));
    assert!(bu.ends_with("find_in_range = 0x1000\n"), "{bu}");
    // kernel_end at 128 MiB: nothing above it, the warning, then top-down over node 1.
    let fb = run(&format!(
        "{two_nodes}mark_hotplug 0 0x4000000\nmovable_node 1\nset_bottom_up 1\nkernel_end 0x8000000\n{find}"
    ));
    assert!(
        fb.ends_with(
            "WARN: memblock: bottom-up allocation failed, memory hotunplug may be affected\nfind_in_range = 0x7fff000\n"
        ),
        "{fb}"
    );
}

#[test]
fn allocations_keep_their_size_as_in_item_6() {
    let out = run("add 0x10000000 0x8000\nalloc 0x2 0x20\nalloc 0xa 0\ndump\n");
    assert!(out.starts_with("add = 0\nalloc = 0x10007fe0\nalloc = 0x10007fc0\n"), "{out}");
    assert!(
        out.contains(
            "dump reserved cnt=2 max=128 total_size=0xc\n  [0] 0x10007fc0 0xa 64 0x0\n  [1] 0x10007fe0 0x2 64 0x0\n"
        ),
        "{out}"
    );
}

#[test]
fn max_numnodes_warns_once_per_walk_in_the_kernels_order_as_in_item_4() {
    // A bottom-up find with nid 64 on empty memory: forward warning, the fallback warning,
    // then the reverse warning; a second find says nothing more.
    let out = run(
        "set_bottom_up 1\nfind_in_range_node 0 ANYWHERE 0x1000 0x1000 64\nfind_in_range_node 0 ANYWHERE 0x1000 0x1000 64\n",
    );
    assert_eq!(
        out,
        "set_bottom_up = ok\nWARN: Usage of MAX_NUMNODES is deprecated. Use NUMA_NO_NODE instead\n\
         WARN: memblock: bottom-up allocation failed, memory hotunplug may be affected\n\
         WARN: Usage of MAX_NUMNODES is deprecated. Use NUMA_NO_NODE instead\n\
         find_in_range_node = 0x0\nfind_in_range_node = 0x0\n"
    );
}
