//! The 3.14 profile against Linux 3.14.1's own `mm/memblock.c`: every script of
//! `testdata/conformance/memblock/` that has a `.o314.out` (113 cases, 10 random) matches byte
//! for byte (64-byte default alignment, no size rounding, 32-byte regions, flags in the dump,
//! `NUMA_NO_NODE` as the wildcard, and the `int ret` truncation that 3.14.1 still has).

use std::path::PathBuf;

use movable_node::KernelProfile;
use movable_node::memblock_bottomup::memblock_topdown::oplang::{BaseOps, first_difference, run_script};
use movable_node::memblock_bottomup::oplang::DirectionOps;

#[test]
fn every_3_14_script_matches_byte_for_byte() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/conformance/memblock");
    assert!(dir.is_dir(), "the conformance data is missing: expected {}", dir.display());
    let mut ran = 0;
    let mut failures = Vec::new();
    for sub in ["cases", "random"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join(sub)).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "ops")) {
            let Ok(expected) = std::fs::read_to_string(path.with_extension("o314.out")) else { continue };
            let script = std::fs::read_to_string(path).unwrap();
            let mut mb = KernelProfile::V3_14.memblock(0, false);
            // 3.14.1 still truncates the bottom-up result to an int (fixed in 3.17, spec §A.12).
            mb.placement_mut().set_int_ret_bug(true);
            let got = run_script(&mut mb, &script, &mut [&mut BaseOps { dump_flags: true }, &mut DirectionOps]);
            ran += 1;
            if let Some(diff) = first_difference(&got, &expected) {
                failures.push(format!("{}: {diff}", path.display()));
            }
        }
    }
    assert_eq!(ran, 123);
    assert!(failures.is_empty(), "{} of {ran} scripts differ:\n{}", failures.len(), failures.join("\n"));
}
