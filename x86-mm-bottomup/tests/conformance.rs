//! `shared/conformance/x86map/`: every machine, both directions, through the harness of
//! `x86-mm-mapping` with this layer's walk. `.bu.out` is what Linux 3.13.11 did with
//! `movable_node` (memblock bottom-up), including the machine whose BRK runs out and panics;
//! `.td.out` without it, which this layer must reproduce unchanged.

use std::path::PathBuf;

use memblock_bottomup::memblock_topdown::oplang::first_difference;
use x86_mm_bottomup::SeriesWalk;
use x86_mm_mapping::harness::{Machine, run};

fn dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/x86map");
    assert!(d.is_dir(), "the shared conformance data is missing: expected {}", d.display());
    d
}

fn check(suffix: &str, bottom_up: bool) {
    let mut machines: Vec<PathBuf> =
        std::fs::read_dir(dir().join("machines")).unwrap().map(|e| e.unwrap().path()).collect();
    machines.sort();
    assert_eq!(machines.len(), 15);
    let mut failures = Vec::new();
    for path in &machines {
        let machine = Machine::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let expected = std::fs::read_to_string(dir().join("expected").join(format!("{stem}.{suffix}.out"))).unwrap();
        let got = run(&machine, bottom_up, &mut SeriesWalk).output;
        if let Some(diff) = first_difference(&got, &expected) {
            failures.push(format!("{stem}.{suffix}: {diff}"));
        }
    }
    assert!(failures.is_empty(), "{} of 15 machines differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_bottom_up_machine_matches_the_kernel() {
    check("bu", true);
}

#[test]
fn with_bottom_up_off_every_machine_matches_the_top_down_kernel() {
    check("td", false);
}
