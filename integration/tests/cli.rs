//! bootsim as a user runs it: exit codes, the one-line messages for bad input, and outputs that
//! other tools can read.

mod cli_common;
use cli_common::{bootsim, stderr, tmp};

#[test]
fn no_arguments_prints_the_default_report() {
    let o = bootsim(&[]);
    assert!(o.status.success());
    let out = String::from_utf8(o.stdout).unwrap();
    // Issue 13: the first line names the profile and why; the report follows as before.
    assert!(
        out.starts_with(
            "profile 3.13 (default; no input says which kernel)\n\
             bootsim: default: two sockets, node 1 hotpluggable under Linux 3.13"
        ),
        "{out}"
    );
    assert!(out.contains("verdict: BLOCKED"), "{out}");
}

#[test]
fn compare_shows_every_profile() {
    let o = bootsim(&["--compare"]);
    assert!(o.status.success());
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.starts_with("profiles 3.12, 3.13, 3.14, 6.1 (--compare)\n"), "{out}");
    let verdicts = out.lines().find(|l| l.starts_with("node 1 verdict")).unwrap();
    let words: Vec<&str> = verdicts.split_whitespace().skip(3).collect();
    // 6.1 (issue 13 adds it): with movable_node the early allocations go bottom-up in node 0
    // until the SRAT is parsed; after it every search skips hotpluggable memory, so node 1's
    // NODE_DATA and mem_map land in node 0, and its memory is all ZONE_MOVABLE: removable.
    assert_eq!(words, vec!["blocked", "blocked", "removable", "removable"], "{out}");
}

#[test]
fn json_parses_back_and_svg_and_html_are_written() {
    let o = bootsim(&["--json", "--profile", "3.14"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema"], "bootsim/1");
    let svg = tmp("map.svg", b"");
    let html = tmp("page.html", b"");
    let o = bootsim(&["--svg", svg.to_str().unwrap(), "--html", html.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    roxmltree::Document::parse(&text).expect("well-formed SVG");
    assert!(std::fs::read_to_string(&html).unwrap().contains("<svg"));
}

#[test]
fn the_3_13_11_profile_is_accepted_and_named() {
    let o = bootsim(&["--profile", "3.13.11"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.starts_with(
            "profile 3.13.11 (--profile)\nbootsim: default: two sockets, node 1 hotpluggable under Linux 3.13.11\n"
        ),
        "{out}"
    );
}

#[test]
fn unknown_profile_is_a_usage_error() {
    let o = bootsim(&["--profile", "2.6"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).trim(), "bootsim: unknown profile \"2.6\" (use 3.12, 3.13, 3.13.11, 3.14 or 6.1)");
}

#[test]
fn each_bad_input_gets_one_line_and_a_failure() {
    let bad_line = tmp(
        "bad.e820",
        b"BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\nBIOS-e820: [mem 0x12-] usable\n",
    );
    let overlap = tmp(
        "overlap.e820",
        b"BIOS-e820: [mem 0x0000000000000000-0x000000007fffffff] usable\nBIOS-e820: [mem 0x0000000040000000-0x00000000bfffffff] reserved\n",
    );
    let no_ram = tmp("noram.e820", b"BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] reserved\n");
    let outside = tmp("outside.e820", b"BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\nBIOS-e820: [mem 0x0000000000100000-0x0000000000ffffff] usable\n");
    let not_srat = tmp("notsrat.bin", b"APIC this is not an SRAT at all, far too short");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--e820", bad_line.to_str().unwrap()], "bad.e820:2"),
        (vec!["--e820", overlap.to_str().unwrap()], "overlap"),
        (vec!["--e820", no_ram.to_str().unwrap()], "no usable RAM"),
        // RAM ends at 16 MiB; the default kernel sits at [16 MiB, 68 MiB).
        (vec!["--e820", outside.to_str().unwrap()], "does not lie in usable RAM"),
        (vec!["--srat", not_srat.to_str().unwrap()], "notsrat.bin"),
        (vec!["--dmesg", "/nonexistent/dmesg.txt"], "/nonexistent/dmesg.txt"),
    ];
    for (args, needle) in cases {
        let o = bootsim(&args);
        let err = stderr(&o);
        // Issue 13: bad input is exit status 2 (1 is kept for "a difference found").
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("bootsim: ") && err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.lines().filter(|l| !l.starts_with("bootsim: note:")).count(), 1, "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}
