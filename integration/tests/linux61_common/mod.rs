//! The eleven real Linux 6.1 boots of `testdata/fixtures/` (both folders), shared by the 6.1
//! phase, prediction and machine-file tests.

use std::path::PathBuf;

/// Each boot's folder (the ones with a `dmesg.txt`), sorted.
pub fn boots() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/fixtures");
    let mut dirs = Vec::new();
    for set in ["linux-6.1-qemu", "linux-6.1-qemu-hotplug"] {
        for e in std::fs::read_dir(root.join(set)).expect("the 6.1 fixtures are in the repository") {
            let p = e.unwrap().path();
            if p.join("dmesg.txt").is_file() {
                dirs.push(p);
            }
        }
    }
    dirs.sort();
    assert_eq!(dirs.len(), 11, "eleven real boots");
    dirs
}
