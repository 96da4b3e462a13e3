//! Which kernel, said out loud (issue 13): the first line of every output names the profile
//! and why. The expected releases are those of the logs' own `Linux version` lines.

mod cli_common;
use cli_common::{bootsim, fixture_arg, stderr, stdout, tmp};

const PC: &str = "linux-6.1-qemu/pc-2n";

/// A boot log of `version` with pc-2n's e820 table, so that it boots.
fn log_of(version: &str) -> std::path::PathBuf {
    let e820: String = std::fs::read_to_string(fixture_arg(PC, "dmesg.txt"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("BIOS-e820:"))
        .map(|l| format!("{l}\n"))
        .collect();
    tmp("dmesg.txt", format!("[    0.000000] Linux version {version} (someone@somewhere) #1 SMP\n{e820}").as_bytes())
}

fn first_line(args: &[&str]) -> String {
    let o = bootsim(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    stdout(&o).lines().next().unwrap_or_default().to_string()
}

#[test]
fn a_real_log_names_its_kernel() {
    // pc-2n's dmesg: "Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) ...".
    let (dmesg, iomem) = (fixture_arg(PC, "dmesg.txt"), fixture_arg(PC, "iomem.txt"));
    assert_eq!(first_line(&["--dmesg", &dmesg, "--iomem", &iomem]), "profile 6.1 (the log is from Linux 6.1.0)");
    let json = stdout(&bootsim(&["--dmesg", &dmesg, "--iomem", &iomem, "--json"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["profile"], "6.1");
    assert_eq!(v["profile_choice"], "profile 6.1 (the log is from Linux 6.1.0)");
}

#[test]
fn an_explicit_profile_wins_and_is_named() {
    let dmesg = fixture_arg(PC, "dmesg.txt");
    assert_eq!(first_line(&["--dmesg", &dmesg, "--profile", "3.14"]), "profile 3.14 (--profile)");
    assert_eq!(first_line(&["--profile", "3.12"]), "profile 3.12 (--profile)");
}

#[test]
fn kernels_the_model_does_not_have_go_to_the_nearest() {
    // Modelled: 3.12, 3.13, 3.14, 6.1. Release order: ... 3.19, 4.0 ... 4.20, 5.0 ... 5.19,
    // 6.0, 6.1: 4.4 is 10 releases after 3.14 and 37 before 6.1; 5.10 is 11 before 6.1.
    let cases = [
        ("6.18.2-arch1", "profile 6.1 (Linux 6.18.2 is newer than every modelled kernel; modelled as 6.1)"),
        ("6.18", "profile 6.1 (Linux 6.18 is newer than every modelled kernel; modelled as 6.1)"),
        ("2.6.32-754.el6.x86_64", "profile 3.12 (Linux 2.6.32 is older than every modelled kernel; modelled as 3.12)"),
        ("3.13.0-170-generic", "profile 3.13 (the log is from Linux 3.13.0)"),
        (
            "4.4.0-210-generic",
            "profile 3.14 (the log is from Linux 4.4.0, which is not modelled; the nearest modelled kernel is 3.14)",
        ),
        (
            "5.10.0-28-amd64",
            "profile 6.1 (the log is from Linux 5.10.0, which is not modelled; the nearest modelled kernel is 6.1)",
        ),
    ];
    for (version, want) in cases {
        let log = log_of(version);
        assert_eq!(first_line(&["--dmesg", log.to_str().unwrap()]), want, "{version}");
    }
}

#[test]
fn every_output_names_it() {
    let dmesg = fixture_arg(PC, "dmesg.txt");
    let line = "profile 6.1 (the log is from Linux 6.1.0)";
    // --log holds kernel lines only: the profile is said on stderr, and the log's own first
    // line is the kernel's banner for the profile.
    let o = bootsim(&["--dmesg", &dmesg, "--log"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).lines().next(), Some("Linux version 6.1 (bootsim model)"));
    assert!(stderr(&o).lines().any(|l| l == format!("bootsim: {line}")), "{}", stderr(&o));
    let (svg, html) = (tmp("map.svg", b""), tmp("page.html", b""));
    let o = bootsim(&["--dmesg", &dmesg, "--svg", svg.to_str().unwrap(), "--html", html.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let texts: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).collect();
    assert_eq!(texts.get(1), Some(&line), "the line under the SVG's title: {texts:?}");
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains(&format!("</h1>\n<p class=\"sub\">{line}</p>")), "{html}");
    // --compare: every profile, and each JSON report says why it is there.
    let v: serde_json::Value = serde_json::from_slice(&bootsim(&["--compare", "--json"]).stdout).unwrap();
    let said: Vec<&str> =
        v["reports"].as_array().unwrap().iter().map(|r| r["profile_choice"].as_str().unwrap()).collect();
    assert_eq!(
        said,
        ["profile 3.12 (--compare)", "profile 3.13 (--compare)", "profile 3.14 (--compare)", "profile 6.1 (--compare)"]
    );
}

#[test]
fn from_host_names_the_running_kernel() {
    // Whatever this machine runs: its release, as `uname -r` prints it, up to the first
    // character that is not a digit or a dot.
    let Ok(release) = std::fs::read_to_string("/proc/sys/kernel/osrelease") else { return };
    let numeric: String = release.trim().chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let o = bootsim(&["--from-host"]);
    if !o.status.success() {
        // No memory map readable here (a container without /sys/firmware/memmap and
        // /proc/iomem): the error says so, and there is no profile to name.
        assert!(stderr(&o).starts_with("bootsim: "), "{}", stderr(&o));
        return;
    }
    let first = stdout(&o).lines().next().unwrap_or_default().to_string();
    assert!(first.starts_with("profile ") && first.contains(&format!("Linux {numeric}")), "{first} ({release})");
}
