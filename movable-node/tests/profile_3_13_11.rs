//! `3.13.11`, the series as released: the op language runs it with the `int ret` truncation
//! of the bottom-up search (spec §A.12), where `3.13` runs the fixed series. Answers worked by
//! hand from §A.11/§A.12.

use movable_node::KernelProfile;
use movable_node::oplang::run_script;

const SCRIPT: &str = "add 0x80000000 0x100000000\nkernel_end 0x80000000\nset_bottom_up 1\n\
                      find_in_range 0 ANYWHERE 0x1000 0x1000\nkernel_end 0x100000000\n\
                      find_in_range 0 ANYWHERE 0x1000 0x1000\nkernel_end 0x100001000\n\
                      find_in_range 0 ANYWHERE 0x1000 0x1000\n";

#[test]
fn the_profile_is_named_and_read_back() {
    assert_eq!(KernelProfile::from_name("3.13.11"), Some(KernelProfile::V3_13_11));
    assert_eq!(KernelProfile::V3_13_11.name(), "3.13.11");
    assert!(KernelProfile::V3_13_11.has_series() && !KernelProfile::V3_13_11.has_hotplug_flags());
}

#[test]
fn the_op_language_truncates_in_3_13_11_only() {
    // Memory [2 GiB, 6 GiB). A hit at 2 GiB sign-extends; one at exactly 4 GiB truncates to 0,
    // which is "not found": the warning and the top-down fallback (the top page below 6 GiB);
    // one at 4 GiB + 4 KiB keeps its low 32 bits.
    let shipped = run_script(KernelProfile::V3_13_11, SCRIPT).unwrap();
    assert_eq!(
        shipped,
        "add = 0\nkernel_end = ok\nset_bottom_up = ok\nfind_in_range = 0xffffffff80000000\nkernel_end = ok\n\
         WARN: memblock: bottom-up allocation failed, memory hotunplug may be affected\n\
         find_in_range = 0x17ffff000\nkernel_end = ok\nfind_in_range = 0x1000\n"
    );
    let fixed = run_script(KernelProfile::V3_13, SCRIPT).unwrap();
    assert_eq!(
        fixed,
        "add = 0\nkernel_end = ok\nset_bottom_up = ok\nfind_in_range = 0x80000000\nkernel_end = ok\n\
         find_in_range = 0x100000000\nkernel_end = ok\nfind_in_range = 0x100001000\n"
    );
    // 3.14's operations are not 3.13's.
    assert_eq!(
        run_script(KernelProfile::V3_13_11, "virt_alloc 1 0 0 0 any\n").unwrap(),
        "ERROR: parse error at line 1\n"
    );
}
