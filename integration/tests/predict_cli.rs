//! `bootsim predict` from the command line's side: the first line names the profile, the exit
//! status says whether the prediction is the log's, `--log` prints the kernel's lines only,
//! `--batch` runs many, and bad input is refused with status 2.

mod cli_common;

use cli_common::{bootsim, fixture_arg, stderr, stdout, tmp};

const PC: &str = "linux-6.1-qemu/pc-2n";
const A2: &str = "linux-6.1-qemu-hotplug/a2-pc-2n-node1-hotplug-movable";
const B1: &str = "linux-6.1-qemu-hotplug/b1-pc-2n-node1-hotplug-nomovable";

#[test]
fn a_real_boot_is_predicted_and_says_so() {
    let o = bootsim(&["predict", &fixture_arg(PC, "dmesg.txt"), "--iomem", &fixture_arg(PC, "iomem.txt")]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert_eq!(out.lines().next(), Some("profile 6.1 (the log is from Linux 6.1.0)"));
    // pc-2n: 61 allocations (spec §H.7's walk: 3 page tables, 2 NODE_DATA, ...).
    assert!(out.lines().any(|l| l == "61 of 61 allocations predicted at the kernel's address"), "{out}");
    assert!(out.contains("dumps: 2 of 2 identical"), "{out}");
    assert!(out.contains("sizeof(pg_data_t) 0x2b000"), "the build profile's values are listed: {out}");
}

#[test]
fn a_difference_exits_1_and_names_its_phase() {
    // a2 as booted (movable_node) is not b1's boot: the first difference is the trampoline,
    // bottom-up at 0x10000 in the model, top-down at 0x98000 in b1.
    let o = bootsim(&["predict", &fixture_arg(A2, "dmesg.txt"), "--against", &fixture_arg(B1, "dmesg.txt")]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("first difference: allocation 1 (line 43) (phase reserve_real_mode)"), "{out}");
    // With movable_node off, it is.
    let o = bootsim(&[
        "predict",
        &fixture_arg(A2, "dmesg.txt"),
        "--no-movable-node",
        "--against",
        &fixture_arg(B1, "dmesg.txt"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn a_plain_log_is_predicted_without_a_comparison() {
    let text = std::fs::read_to_string(fixture_arg(PC, "dmesg.txt")).unwrap();
    let plain: String = text
        .lines()
        .filter(|l| {
            let m = l.split_once("] ").map_or(*l, |(_, m)| m);
            !(m.starts_with("memblock_")
                || m.starts_with("MEMBLOCK")
                || m.starts_with(" memory")
                || m.starts_with(" reserved"))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let o = bootsim(&["predict", tmp("dmesg.txt", plain.as_bytes()).to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert_eq!(out.lines().next(), Some("profile 6.1 (the log is from Linux 6.1.0)"));
    assert!(out.contains("no memblock=debug lines to compare with: the prediction alone (61 allocations)"), "{out}");
    assert!(out.contains("NODE_DATA(1) allocated [mem 0x13ffd2000-0x13fffcfff]"), "{out}");
}

#[test]
fn log_prints_the_kernels_lines_only() {
    let o = bootsim(&["predict", &fixture_arg(PC, "dmesg.txt"), "--log"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stderr(&o), "bootsim: profile 6.1 (the log is from Linux 6.1.0)\n");
    let out = stdout(&o);
    // pc-2n's log: the brk reservation is the first line memblock=debug prints after the MP table.
    assert_eq!(out.lines().next(), Some("memblock_reserve: [0x0000000004400000-0x0000000004410fff] setup_arch"));
    assert!(out.lines().any(|l| l == "memblock_phys_free: [0x000000013fe00000-0x000000013fffffff] init_mem_mapping"));
}

#[test]
fn batch_runs_every_log() {
    let dir = cli_common::fixture("linux-6.1-qemu-hotplug");
    let o = bootsim(&["predict", "--batch", dir.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_eq!(out.lines().next(), Some("profile 6.1 (the log is from Linux 6.1.0)"));
    // 75 + 63 + 85 + 72 + 85 allocations in the five hotplug boots.
    assert!(out.contains("total: 380 of 380 allocations predicted at the kernel's address in 5 logs"), "{out}");
}

#[test]
fn bad_input_is_refused() {
    let o = bootsim(&["predict", "/nonexistent/dmesg.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("bootsim: predict: "), "{}", stderr(&o));
    let old = tmp("dmesg.txt", b"[    0.000000] Linux version 3.13.0 (x@y) #1 SMP\n");
    let o = bootsim(&["predict", old.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bootsim predict models Linux 6.1 only"), "{}", stderr(&o));
    let garbled = tmp("dmesg.txt", b"BIOS-e820: [mem 0xzz-0x1] usable\n");
    let o = bootsim(&["predict", garbled.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let nothing = tmp("dmesg.txt", b"hello\n");
    let o = bootsim(&["predict", nothing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "a log without last_pfn cannot be predicted: {}", stdout(&o));
    assert!(stderr(&o).contains("last_pfn"), "{}", stderr(&o));
    assert!(bootsim(&["predict"]).status.code() == Some(2));
}
