//! Every script of `testdata/conformance/memblock/` (cases and random), the bottom-up ones
//! included, through the interpreter of `memblock-topdown` extended with this layer's
//! operations, compared byte for byte with Linux 3.13's own output (`.o313fix.out`).

use std::path::PathBuf;

use memblock_bottomup::oplang::DirectionOps;
use memblock_bottomup::{BottomUp, SeriesMemblock};
use memblock_topdown::oplang::{BaseOps, first_difference, run_script};

fn scripts() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/conformance/memblock");
    assert!(dir.is_dir(), "the conformance data is missing: expected {}", dir.display());
    let mut all: Vec<PathBuf> = ["cases", "random"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(dir.join(sub)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ops"))
        .collect();
    all.sort();
    all
}

#[test]
fn every_kernel_script_matches_byte_for_byte() {
    let scripts = scripts();
    let mut failures = Vec::new();
    for path in &scripts {
        let script = std::fs::read_to_string(path).unwrap();
        let expected = std::fs::read_to_string(path.with_extension("o313fix.out")).unwrap();
        let mut mb = SeriesMemblock::series(0);
        let got = run_script(&mut mb, &script, &mut [&mut BaseOps::default(), &mut DirectionOps]);
        if let Some(diff) = first_difference(&got, &expected) {
            failures.push(format!("{}: {diff}", path.display()));
        }
    }
    assert_eq!(scripts.len(), 143, "the conformance set has 113 cases and 30 random scripts");
    assert!(failures.is_empty(), "{} of {} scripts differ:\n{}", failures.len(), scripts.len(), failures.join("\n"));
}
