//! Every script of `testdata/conformance/memblock/` whose operations this layer has, run through
//! the op-script interpreter and compared byte for byte with what Linux 3.13's own
//! `mm/memblock.c` printed (`.o313fix.out`). A difference is a bug in the model.

use std::path::PathBuf;

use memblock_topdown::Memblock;
use memblock_topdown::oplang::{BaseOps, OpSet, first_difference, ops_used, run_script};

fn conformance_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/conformance/memblock");
    assert!(dir.is_dir(), "the conformance data is missing: expected {}", dir.display());
    dir
}

#[test]
fn kernel_scripts_match_byte_for_byte() {
    let mut ran = 0;
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for sub in ["cases", "random"] {
        let mut scripts: Vec<PathBuf> = std::fs::read_dir(conformance_dir().join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "ops"))
            .collect();
        scripts.sort();
        for path in scripts {
            let script = std::fs::read_to_string(&path).unwrap();
            let ops = BaseOps::default();
            if !ops_used(&script).iter().all(|op| OpSet::<memblock_topdown::TopDown>::knows(&ops, op)) {
                skipped.push(path.file_name().unwrap().to_string_lossy().into_owned());
                continue;
            }
            let expected = std::fs::read_to_string(path.with_extension("o313fix.out")).unwrap();
            let got = run_script(&mut Memblock::new(), &script, &mut [&mut BaseOps::default()]);
            ran += 1;
            if let Some(diff) = first_difference(&got, &expected) {
                failures.push(format!("{}: {diff}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {ran} scripts differ:\n{}", failures.len(), failures.join("\n"));
    // The scripts that set the direction or kernel_end belong to memblock-bottomup.
    assert!(ran >= 60, "only {ran} scripts ran; skipped: {skipped:?}");
    eprintln!("{ran} scripts matched; {} need later layers", skipped.len());
}
