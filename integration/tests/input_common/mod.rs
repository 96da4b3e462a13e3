//! Helpers shared by the `input_*` tests: the fixtures' folder, and scratch directories.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// `testdata/fixtures/linux-6.1-qemu` in the repository.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/fixtures/linux-6.1-qemu")
}

/// The six machines.
pub const MACHINES: [&str; 6] = ["pc-2n", "pc-4n-uneven", "pc2g-2n", "pc2g-2n-16g", "pc2g-4n", "q35-2n"];

/// A fixture file as text.
pub fn fixture_text(machine: &str, file: &str) -> String {
    let p = fixtures().join(machine).join(file);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A fresh, empty scratch directory under the target directory, unique per call.
pub fn scratch(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("bootsim-input-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `text` to `dir/name` (creating parents) and returns the path.
pub fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}
