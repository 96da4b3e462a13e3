//! Refactoring safety net: bootsim's outputs, byte for byte, on the default machine, the 4-node
//! machine file, the two 16-node 64 TiB machine files and the six real machines of
//! `testdata/fixtures/linux-6.1-qemu`: the report, `--log`, `--json`, `--compare` (text and
//! JSON), the `--svg` and `--html` files, and `replay` of each real machine's dmesg (text,
//! `--json`, `--differences`, the `--svg`/`--html` files, two what-ifs) and `replay --batch`.
//!
//! The files in `tests/golden/` were recorded from the code as it was *before* issue 14's
//! restructure (the SVG, HTML, `--compare`, 64 TiB and replay-option cases before the view
//! moved), by running this test with `BOOTSIM_RECORD_GOLDEN=1`. They are not an independent
//! oracle: they only say "the outputs did not change while code moved". The values themselves
//! are checked against the kernel by the other tests (conformance, real machines, replay).
//! The 1,972-entry 64 TiB machine's were recorded after the view moved, once its outputs had
//! been compared byte for byte with those of the code before. A deliberate behaviour change
//! re-records them, and says so in its commit. The 6.1 profile's outputs (the six real
//! machines' report, log, JSON and pictures, and every `--compare`'s 6.1 column) were
//! re-recorded when that profile moved from the series' phase list to Linux 6.1's own phases
//! (issue 15), checked against the kernel's own lines by `tests/report_6_1.rs`; the six machines'
//! 3.x columns changed with them, their CPU now read from their logs (qemu64: no 1 GiB pages).
//!
//! An output larger than [`LARGE`] (the 64 TiB machines' JSON, 32,768 memory blocks each) is
//! kept as its length and FNV-1a hash rather than its text.

use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURES: &str = "../testdata/fixtures/linux-6.1-qemu";

/// Outputs above this many bytes are pinned by length and hash.
const LARGE: usize = 1 << 20;

/// In a case's arguments: replaced by the path of the SVG (HTML) file the run writes; the
/// golden then holds that file after the run's own output.
const SVG: &str = "@svg";
const HTML: &str = "@html";

/// Each case: the golden file's stem and bootsim's arguments (paths relative to the crate, so the
/// outputs hold no absolute path of this checkout).
fn cases() -> Vec<(String, Vec<String>)> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let mut machines: Vec<(String, Vec<String>)> =
        vec![("default".into(), vec![]), ("four-nodes".into(), s(&["--machine", "machines/four-nodes.toml"]))];
    let names = real_machines();
    for n in &names {
        let dir = format!("{FIXTURES}/{n}");
        machines
            .push((n.clone(), s(&["--dmesg", &format!("{dir}/dmesg.txt"), "--iomem", &format!("{dir}/iomem.txt")])));
    }
    let mut cases = Vec::new();
    let outputs: [(&str, &[&str]); 6] = [
        ("report", &[]),
        ("log", &["--log"]),
        ("json", &["--json"]),
        ("pictures", &["--svg", SVG, "--html", HTML]),
        ("compare", &["--compare"]),
        ("compare-json", &["--compare", "--json"]),
    ];
    for (name, args) in &machines {
        for (suffix, flags) in outputs {
            let mut a = args.clone();
            a.extend(s(flags));
            cases.push((format!("{name}.{suffix}"), a));
        }
    }
    // The 64 TiB machines: every output of one run (their --compare is four of them again).
    for big in ["64tib-16-nodes", "64tib-1972-e820"] {
        for (suffix, flags) in &outputs[..4] {
            let mut a = s(&["--machine", &format!("machines/{big}.toml")]);
            a.extend(s(flags));
            cases.push((format!("{big}.{suffix}"), a));
        }
    }
    let replays: [(&str, &[&str]); 6] = [
        ("replay", &[]),
        ("replay-json", &["--json"]),
        ("replay-differences", &["--differences"]),
        ("replay-pictures", &["--svg", SVG, "--html", HTML]),
        ("replay-whatif-3.13", &["--policy", "3.13", "--svg", SVG]),
        ("replay-whatif-hotplug", &["--hotplug", "1", "--no-movable-node", "--json"]),
    ];
    for n in &names {
        let dir = format!("{FIXTURES}/{n}");
        for (suffix, flags) in replays {
            let mut a = s(&["replay", &format!("{dir}/dmesg.txt"), "--iomem", &format!("{dir}/iomem.txt")]);
            a.extend(s(flags));
            cases.push((format!("{n}.{suffix}"), a));
        }
    }
    cases.push(("batch".into(), s(&["replay", "--batch", FIXTURES, "--threads", "2"])));
    cases.push(("batch-json".into(), s(&["replay", "--batch", FIXTURES, "--threads", "2", "--json"])));
    cases
}

/// The six real machines, by folder name.
fn real_machines() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES);
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 6, "expected the six real machines in {}", root.display());
    names
}

/// FNV-1a, 64 bits: a hash whose value no Rust release changes.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// `text`, or its length and hash when it is larger than [`LARGE`].
fn pinned(text: &str) -> String {
    if text.len() <= LARGE {
        text.to_string()
    } else {
        format!("({} bytes, fnv1a64 {:016x})\n", text.len(), fnv1a(text.as_bytes()))
    }
}

/// What a run printed: its exit status, stderr, stdout, then each file it wrote.
fn run(stem: &str, args: &[String]) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden");
    std::fs::create_dir_all(&dir).unwrap();
    let file = |ext: &str| dir.join(format!("{stem}.{ext}"));
    let args: Vec<String> = args
        .iter()
        .map(|a| match a.as_str() {
            SVG => file("svg").display().to_string(),
            HTML => file("html").display().to_string(),
            _ => a.clone(),
        })
        .collect();
    let o = Command::new(env!("CARGO_BIN_EXE_bootsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(&args)
        .output()
        .unwrap();
    let mut got = format!(
        "exit: {:?}\n--- stderr\n{}--- stdout\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr),
        pinned(&String::from_utf8_lossy(&o.stdout))
    );
    for (ext, flag) in [("svg", "--svg"), ("html", "--html")] {
        if args.iter().any(|a| a == flag) {
            let text = std::fs::read_to_string(file(ext)).unwrap_or_else(|e| format!("(not written: {e})\n"));
            got.push_str(&format!("--- {flag} file\n{}", pinned(&text)));
        }
    }
    got
}

fn golden(stem: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("{stem}.txt"))
}

#[test]
fn outputs_are_byte_identical_to_the_recorded_ones() {
    let record = std::env::var_os("BOOTSIM_RECORD_GOLDEN").is_some();
    let mut changed = Vec::new();
    for (stem, args) in cases() {
        let got = run(&stem, &args);
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
