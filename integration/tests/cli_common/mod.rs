//! Helpers shared by the `cli*` tests: run the bootsim binary, write scratch files, find the
//! real machines.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs bootsim with `args`.
pub fn bootsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bootsim")).args(args).output().unwrap()
}

/// A file named `name` holding `contents`, in a scratch directory of this test process.
pub fn tmp(name: &str, contents: &[u8]) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("bootsim-cli-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p
}

/// What the run wrote to stdout.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What the run wrote to stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A folder of `testdata/fixtures`, e.g. `linux-6.1-qemu/pc-2n`.
pub fn fixture(folder: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/fixtures").join(folder)
}

/// A fixture file's path as a string, for an argument.
pub fn fixture_arg(folder: &str, file: &str) -> String {
    fixture(folder).join(file).display().to_string()
}

/// Asserts a usage or input error: exit status 2, nothing on stdout, and one `bootsim:` line
/// on stderr (clap's usage lines after it aside) that contains `needle`.
pub fn assert_refused(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(o));
    assert!(err.starts_with("bootsim: "), "{err}");
    assert!(err.contains(needle), "{needle:?} not in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}
