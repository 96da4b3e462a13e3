//! Every flag takes effect or is refused; results to stdout, errors to stderr with exit status
//! 2; a closed pipe ends bootsim quietly; every input is read with a size limit (issue 13).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod cli_common;
use cli_common::{assert_refused, bootsim, fixture_arg, stderr, tmp};

#[test]
fn flags_that_cannot_take_effect_are_refused() {
    let svg = tmp("x.svg", b"");
    let svg = svg.to_str().unwrap();
    let cases: [(&[&str], &str); 9] = [
        (&["--compare", "--svg", svg], "--compare"),
        (&["--compare", "--html", svg], "--compare"),
        (&["--compare", "--profile", "6.1"], "--compare"),
        (&["--compare", "--log"], "--compare"),
        (&["--json", "--log"], "--log"),
        // Flags before `replay` belong to bootsim, not to the replay: refused, not dropped.
        (&["--json", "replay", "log.txt"], "replay"),
        (&["--profile", "6.1", "replay", "log.txt"], "replay"),
        (&["replay", "log.txt", "--movable-node", "--no-movable-node"], "--no-movable-node"),
        (&["--initrd", "somewhere"], "--initrd"),
    ];
    for (args, needle) in cases {
        assert_refused(&bootsim(args), needle);
    }
    // Each part of --compare that remains works: the JSON form.
    let o = bootsim(&["--compare", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["profiles"], serde_json::json!(["3.12", "3.13", "3.14", "6.1"]));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    for args in [&["--json"][..], &["--log"], &["--compare"], &[]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bootsim"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read 10 bytes, as `head -c 10` does, then go away.
        let mut out = child.stdout.take().unwrap();
        let mut first = [0u8; 10];
        out.read_exact(&mut first).unwrap();
        drop(out);
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let status = child.wait().unwrap();
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{args:?}: {err}");
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn endless_inputs_stop_at_the_size_limit() {
    for dev in ["/dev/zero", "/dev/urandom"] {
        if !std::path::Path::new(dev).exists() {
            continue;
        }
        for flag in ["--dmesg", "--e820", "--srat", "--iomem", "--machine"] {
            let start = Instant::now();
            let o = bootsim(&[flag, dev]);
            assert_refused(&o, &format!("{dev}: larger than 64 MiB"));
            // Not a speed test: a generous bound that only an unbounded read would break.
            assert!(start.elapsed() < Duration::from_secs(60), "{flag} {dev}");
        }
        let o = bootsim(&["replay", dev]);
        assert_refused(&o, "larger than 64 MiB");
    }
}

#[test]
fn errors_go_to_stderr_and_results_to_stdout() {
    // A usable run: the report on stdout, the notes about the input on stderr.
    let e820 = fixture_arg("linux-6.1-qemu/pc-2n", "memmap.txt");
    let o = bootsim(&["--e820", &e820]);
    assert!(o.status.success());
    let err = stderr(&o);
    assert!(err.lines().all(|l| l.starts_with("bootsim: ")), "{err}");
    assert!(err.contains("no SRAT"), "{err}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("bootsim: note"));
    // Replay's errors too.
    assert_refused(&bootsim(&["replay", "/nonexistent/dmesg.txt"]), "/nonexistent/dmesg.txt");
    let empty = tmp("empty.log", b"");
    assert_refused(&bootsim(&["replay", empty.to_str().unwrap()]), "empty.log");
}

#[test]
fn help_documents_exit_status_and_limit() {
    let o = bootsim(&["--help"]);
    assert!(o.status.success());
    let help = String::from_utf8_lossy(&o.stdout);
    for needle in ["Exit status: 0 done; 1 a difference found", "2 bad input", "64 MiB", "--initrd"] {
        assert!(help.contains(needle), "{needle:?} not in --help");
    }
}

#[test]
fn a_usage_error_is_one_line() {
    let o = bootsim(&["--compare", "--log"]);
    assert_refused(&o, "'--compare' cannot be used with '--log'");
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}
