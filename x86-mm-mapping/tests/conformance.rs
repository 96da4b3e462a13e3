//! `shared/conformance/x86map/`: 15 machines with what Linux 3.13.11's own
//! `init_mem_mapping()` did on each. Every `.td.out` (memblock top-down, the top-down walk)
//! must match the harness's output byte for byte. A difference is a bug in the model.

use std::path::PathBuf;

use memblock_bottomup::memblock_topdown::oplang::first_difference;
use x86_mm_mapping::TopDownWalk;
use x86_mm_mapping::harness::{Machine, run};

fn dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/x86map");
    assert!(d.is_dir(), "the shared conformance data is missing: expected {}", d.display());
    d
}

#[test]
fn every_top_down_machine_matches_the_kernel() {
    let mut machines: Vec<PathBuf> =
        std::fs::read_dir(dir().join("machines")).unwrap().map(|e| e.unwrap().path()).collect();
    machines.sort();
    assert_eq!(machines.len(), 15);
    let mut failures = Vec::new();
    for path in &machines {
        let machine = Machine::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let expected = std::fs::read_to_string(dir().join("expected").join(format!("{stem}.td.out"))).unwrap();
        let got = run(&machine, false, &mut TopDownWalk).output;
        if let Some(diff) = first_difference(&got, &expected) {
            failures.push(format!("{stem}: {diff}"));
        }
    }
    assert!(failures.is_empty(), "{} of 15 machines differ:\n{}", failures.len(), failures.join("\n"));
}
