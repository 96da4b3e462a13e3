//! The 3.14 profile against Linux 3.14.1's own `mm/memblock.c`: every script of
//! `testdata/conformance/memblock/` that has a `.o314.out` matches byte for byte: the 113 cases
//! and 10 random scripts of 3.13's operations (64-byte default alignment, no size rounding,
//! 32-byte regions, flags in the dump, `NUMA_NO_NODE` as the wildcard, and the `int ret`
//! truncation that 3.14.1 still has), and the 50 scripts of `v314/` that use 3.14's own
//! operations (hotplug marks, `movable_node`, `virt_alloc`, `free_early`), its debug trace and
//! its warnings.

use std::path::PathBuf;

use movable_node::KernelProfile;
use movable_node::memblock_bottomup::memblock_topdown::oplang::first_difference;
use movable_node::oplang::run_script;

/// Runs every script of `sub` that has a 3.14.1 answer; returns how many ran and the failures.
fn run_dir(sub: &str) -> (usize, Vec<String>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/conformance/memblock").join(sub);
    assert!(dir.is_dir(), "the conformance data is missing: expected {}", dir.display());
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let mut ran = 0;
    let mut failures = Vec::new();
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "ops")) {
        let Ok(expected) = std::fs::read_to_string(path.with_extension("o314.out")) else { continue };
        let script = std::fs::read_to_string(path).unwrap();
        let got = run_script(KernelProfile::V3_14, &script).expect("3.14 runs op scripts");
        ran += 1;
        if let Some(diff) = first_difference(&got, &expected) {
            failures.push(format!("{}: {diff}", path.display()));
        }
    }
    (ran, failures)
}

#[test]
fn every_3_13_operation_script_matches_3_14_1() {
    let (cases, mut failures) = run_dir("cases");
    let (random, more) = run_dir("random");
    failures.extend(more);
    assert_eq!((cases, random), (113, 10));
    assert!(failures.is_empty(), "{} scripts differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_3_14_operation_script_matches_3_14_1() {
    let (ran, failures) = run_dir("v314");
    assert_eq!(ran, 50);
    assert!(failures.is_empty(), "{} of {ran} scripts differ:\n{}", failures.len(), failures.join("\n"));
}
