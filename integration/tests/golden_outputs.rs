//! Refactoring safety net: bootsim's outputs, byte for byte, on the default machine, the 4-node
//! machine file and the six real machines of `testdata/fixtures/linux-6.1-qemu` (report, `--log`,
//! `--json`, and the replay of each real machine's dmesg).
//!
//! The files in `tests/golden/` were recorded once from the code as it was *before* issue 14's
//! restructure, by running this test with `BOOTSIM_RECORD_GOLDEN=1`. They are not an independent
//! oracle: they only say "the outputs did not change while code moved". The values themselves are
//! checked against the kernel by the other tests (conformance, real machines, replay).
//! A deliberate behaviour change re-records them, and says so in its commit.

use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURES: &str = "../testdata/fixtures/linux-6.1-qemu";

/// Each case: the golden file's stem and bootsim's arguments (paths relative to the crate, so the
/// outputs hold no absolute path of this checkout).
fn cases() -> Vec<(String, Vec<String>)> {
    let mut machines: Vec<(String, Vec<String>)> = vec![
        ("default".into(), vec![]),
        ("four-nodes".into(), vec!["--machine".into(), "machines/four-nodes.toml".into()]),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES);
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 6, "expected the six real machines in {}", root.display());
    for n in &names {
        let dir = format!("{FIXTURES}/{n}");
        machines.push((
            n.clone(),
            vec!["--dmesg".into(), format!("{dir}/dmesg.txt"), "--iomem".into(), format!("{dir}/iomem.txt")],
        ));
    }
    let mut cases = Vec::new();
    for (name, args) in machines {
        for (suffix, flag) in [("report", None), ("log", Some("--log")), ("json", Some("--json"))] {
            let mut a = args.clone();
            a.extend(flag.map(String::from));
            cases.push((format!("{name}.{suffix}"), a));
        }
    }
    for n in &names {
        let dir = format!("{FIXTURES}/{n}");
        cases.push((
            format!("{n}.replay"),
            vec!["replay".into(), format!("{dir}/dmesg.txt"), "--iomem".into(), format!("{dir}/iomem.txt")],
        ));
    }
    cases
}

/// What a run printed: its exit status, stderr, then stdout.
fn run(args: &[String]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_bootsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    format!(
        "exit: {:?}\n--- stderr\n{}--- stdout\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr),
        String::from_utf8_lossy(&o.stdout)
    )
}

fn golden(stem: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("{stem}.txt"))
}

#[test]
fn outputs_are_byte_identical_to_the_recorded_ones() {
    let record = std::env::var_os("BOOTSIM_RECORD_GOLDEN").is_some();
    let mut changed = Vec::new();
    for (stem, args) in cases() {
        let got = run(&args);
        let path = golden(&stem);
        if record {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if got != want {
            changed.push(format!("{stem} (bootsim {})", args.join(" ")));
        }
    }
    assert!(changed.is_empty(), "outputs changed:\n{}", changed.join("\n"));
}
