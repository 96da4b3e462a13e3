//! No silent answers (issue 13): inputs without a memory map are refused with what to give;
//! RAM hot-added after boot is not boot RAM; `--initrd`; a rejected SRAT is said at the top;
//! the lines the README calls byte-exact are the kernel's. Expected values come from the real
//! machines' own files and the kernel's print formats.

mod cli_common;
use cli_common::{assert_refused, bootsim, fixture, fixture_arg, stderr, stdout, tmp};

const PC: &str = "linux-6.1-qemu/pc-2n";

fn json(args: &[&str]) -> serde_json::Value {
    let o = bootsim(&[args, &["--json"]].concat());
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn e820_starts(v: &serde_json::Value) -> Vec<u64> {
    v["machine"]["e820"].as_array().unwrap().iter().map(|e| e["start"].as_u64().unwrap()).collect()
}

/// pc-2n's memmap.txt: the starts of its eight entries, in order.
const PC_STARTS: [u64; 8] = [0, 0x9fc00, 0xf0000, 0x100000, 0xbffe0000, 0xfffc0000, 0x1_0000_0000, 0xfd_0000_0000];

#[test]
fn inputs_without_a_memory_map_are_refused() {
    let late = tmp("late-dmesg.txt", b"[ 9.000000] eth0: link up\n[ 9.100000] systemd[1]: Started.\n");
    let empty = tmp("empty.txt", b"");
    let garbage = tmp("garbage.bin", &[0xffu8, 0x00, 0x13, 0x37, b'\n', 0x80].repeat(100));
    let no_memory = tmp("m.toml", b"name = \"no memory\"\ncmdline = \"movable_node\"\n");
    let srat = fixture_arg(PC, "srat.bin");
    let iomem = fixture_arg(PC, "iomem.txt");
    let cases: Vec<Vec<&str>> = vec![
        vec!["--dmesg", late.to_str().unwrap()],
        vec!["--dmesg", empty.to_str().unwrap()],
        vec!["--dmesg", garbage.to_str().unwrap()],
        vec!["--machine", no_memory.to_str().unwrap()],
        vec!["--srat", &srat],
        vec!["--iomem", &iomem],
        vec!["--initrd", "0x7fdfa000-0x7ffdffff"],
    ];
    for args in cases {
        let o = bootsim(&args);
        assert_refused(&o, "no memory map in");
        let err = stderr(&o);
        for where_ in ["BIOS-e820:", "journalctl -k -b", "/sys/firmware/memmap", args[1]] {
            assert!(err.contains(where_), "{args:?}: {where_:?} not in {err}");
        }
    }
    // A command line alone describes no machine: it runs on the built-in one.
    let o = bootsim(&["--cmdline", "movable_node"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).lines().nth(2) == Some("command line: movable_node"), "{}", stdout(&o));
}

#[test]
fn ram_hot_added_after_boot_is_not_boot_ram() {
    let memmap = std::fs::read_to_string(fixture(PC).join("memmap.txt")).unwrap();
    // A 1 GiB DIMM hot-added after boot right above the boot RAM: the kernel appends it to
    // /sys/firmware/memmap as entry 8, after the reserved entry at 0xfd00000000.
    let added =
        tmp("memmap-hotadd.txt", format!("{memmap}8 start=0x140000000 end=0x17fffffff type=System RAM\n").as_bytes());
    let o = bootsim(&["--e820", added.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(e820_starts(&v), PC_STARTS);
    assert_eq!(v["memory_bytes"], json(&["--e820", &fixture_arg(PC, "memmap.txt")])["memory_bytes"]);
    assert!(
        stderr(&o).contains(
            "bootsim: note: [mem 0x0000000140000000-0x000000017fffffff] System RAM was hot-added after boot: it is not \
             boot RAM"
        ),
        "{}",
        stderr(&o)
    );
    // Hot-added above every boot entry keeps the address order; the boot's own BIOS-e820:
    // table (the dmesg) tells it apart.
    let above = tmp(
        "memmap-above.txt",
        format!("{memmap}8 start=0x10000000000 end=0x1003fffffff type=System RAM\n").as_bytes(),
    );
    let o = bootsim(&["--e820", above.to_str().unwrap(), "--dmesg", &fixture_arg(PC, "dmesg.txt"), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(e820_starts(&v), PC_STARTS);
    assert!(
        stderr(&o).contains("[mem 0x0000010000000000-0x000001003fffffff] System RAM was hot-added"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_initrd_from_a_flag_or_the_log() {
    let memmap = fixture_arg(PC, "memmap.txt");
    // As the RAMDISK: line prints it: the end is PAGE_ALIGN(end) - 1.
    let v = json(&["--e820", &memmap, "--initrd", "0x7fdfa000-0x7ffdffff"]);
    assert_eq!(v["machine"]["initrd"], serde_json::json!({ "start": 0x7fdf_a000u64, "end": 0x7ffe_0000u64 }));
    let log: Vec<String> = serde_json::from_value(v["log"].clone()).unwrap();
    assert!(log.contains(&"RAMDISK: [mem 0x7fdfa000-0x7ffdffff]".to_string()), "{log:?}");
    // pc-2n's dmesg: "RAMDISK: [mem 0xbfdfa000-0xbffdffff]"; --initrd beats it.
    let dmesg = fixture_arg(PC, "dmesg.txt");
    let v = json(&["--dmesg", &dmesg]);
    assert_eq!(v["machine"]["initrd"], serde_json::json!({ "start": 0xbfdf_a000u64, "end": 0xbffe_0000u64 }));
    let v = json(&["--dmesg", &dmesg, "--initrd", "0x7fdfa000-0x7ffdffff"]);
    assert_eq!(v["machine"]["initrd"]["start"], 0x7fdf_a000u64);
}

#[test]
fn a_rejected_srat_is_said_at_the_top() {
    let srat = std::fs::read(fixture(PC).join("srat.bin")).unwrap();
    let memmap = fixture_arg(PC, "memmap.txt");
    let iomem = fixture_arg(PC, "iomem.txt");
    // Cut inside its first memory affinity entry (offset 80, 40 bytes): the header says 240.
    let cut = tmp("srat-cut.bin", &srat[..100]);
    // The first processor affinity entry (offset 48) with length 0.
    let mut zero = srat.clone();
    zero[49] = 0;
    let zero = tmp("srat-zero.bin", &zero);
    // Each says why: the length field against the bytes there are (240 > 100), and the
    // ACPICA message for the zero-length subtable (a checksum warning alone is no reason).
    for (bad, why) in [(cut, "SRAT length field 0xf0"), (zero, "Invalid zero length")] {
        let o = bootsim(&["--e820", &memmap, "--iomem", &iomem, "--srat", bad.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        let second = out.lines().nth(1).unwrap_or_default();
        assert!(second.starts_with("SRAT REJECTED: the kernel rejected the SRAT"), "{bad:?}: {out}");
        assert!(second.ends_with("NUMA fell back to one dummy node covering all memory"), "{out}");
        assert!(second.contains(why) && !second.contains("checksum in table"), "{second}");
        assert!(out.contains("Nodes (dummy NUMA):"), "{out}");
    }
    // The table as the machine gave it: used, nothing said.
    let o = bootsim(&["--e820", &memmap, "--iomem", &iomem, "--srat", &fixture_arg(PC, "srat.bin")]);
    assert!(!stdout(&o).contains("SRAT REJECTED"));
    // A bad checksum alone: 3.13's ACPICA warns ("Incorrect checksum") and keeps the table
    // (ACPI_CHECKSUM_ABORT is off), so the boot is not sent to the dummy node.
    let mut sum = srat;
    sum[9] ^= 0x55;
    let sum = tmp("srat-sum.bin", &sum);
    let o = bootsim(&["--e820", &memmap, "--iomem", &iomem, "--srat", sum.to_str().unwrap()]);
    assert!(!stdout(&o).contains("SRAT REJECTED") && stdout(&o).contains("Nodes (acpi NUMA):"), "{}", stdout(&o));
}

#[test]
fn byte_exact_lines() {
    // a2's real 6.1 log: "Movable zone start for each node" then "  Node 1: 0x0000000100000000".
    let a2 = "linux-6.1-qemu-hotplug/a2-pc-2n-node1-hotplug-movable";
    let real = std::fs::read_to_string(fixture(a2).join("dmesg.txt")).unwrap();
    let strip = |l: &str| l.split_once("] ").map_or(l.to_string(), |(_, m)| m.to_string());
    let real: Vec<String> = real.lines().map(strip).collect();
    let at = real.iter().position(|l| l == "Movable zone start for each node").unwrap();
    let o = bootsim(&["--dmesg", &fixture_arg(a2, "dmesg.txt"), "--iomem", &fixture_arg(a2, "iomem.txt"), "--log"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let log: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    let here = log.iter().position(|l| l == "Movable zone start for each node").unwrap();
    assert_eq!(log[here..here + 2], real[at..at + 2]);
    assert_eq!(log[here + 1], "  Node 1: 0x0000000100000000");

    // e820 type 12 (E820_PRAM): the kernel prints "persistent (type 12)", not type 7's.
    let mut text = std::fs::read_to_string(fixture(PC).join("dmesg.txt"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("BIOS-e820:"))
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    text.push_str("[    0.000000] BIOS-e820: [mem 0x0000000140000000-0x000000017fffffff] persistent (type 12)\n");
    text.push_str("[    0.000000] BIOS-e820: [mem 0x0000000180000000-0x00000001bfffffff] persistent (type 7)\n");
    let e820 = tmp("pram.e820", text.as_bytes());
    let o = bootsim(&["--e820", e820.to_str().unwrap(), "--log"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("\nBIOS-e820: [mem 0x0000000140000000-0x000000017fffffff] persistent (type 12)\n"), "{out}");
    assert!(out.contains("\nBIOS-e820: [mem 0x0000000180000000-0x00000001bfffffff] persistent (type 7)\n"), "{out}");
}

#[test]
fn the_log_holds_kernel_lines_only() {
    let memmap = fixture_arg(PC, "memmap.txt");
    let srat = std::fs::read(fixture(PC).join("srat.bin")).unwrap();
    let cut = tmp("srat-cut.bin", &srat[..100]);
    let o = bootsim(&["--e820", &memmap, "--srat", cut.to_str().unwrap(), "--log"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for own in ["bootsim:", "note:", "SRAT unusable", "profile "] {
        assert!(!out.contains(own), "{own:?} in the kernel log: {out}");
    }
    // bootsim's own words went to stderr.
    assert!(stderr(&o).contains("bootsim: profile 3.13"), "{}", stderr(&o));
}

#[test]
fn a_capture_with_the_boot_twice_boots_the_first() {
    // The console, then a dmesg dump of the same boot: two `Linux version` lines.
    let once = std::fs::read_to_string(fixture(PC).join("dmesg.txt")).unwrap();
    let n = once.lines().count();
    let twice = tmp("console.txt", format!("{once}{once}").as_bytes());
    let iomem = fixture_arg(PC, "iomem.txt");
    let o = bootsim(&["--dmesg", twice.to_str().unwrap(), "--iomem", &iomem, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "holds 2 boots (Linux version lines at lines 1, {}): the first, lines 1-{n}, is used",
            n + 1
        )),
        "{}",
        stderr(&o)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(e820_starts(&v), PC_STARTS);
}
