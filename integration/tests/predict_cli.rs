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

/// pc-2n's own files and flags, as an engineer gives them before the first boot.
fn machine_flags() -> Vec<String> {
    let f = |file| fixture_arg(PC, file);
    vec![
        "predict".into(),
        "--e820".into(),
        f("memmap.txt"),
        "--srat".into(),
        f("srat.bin"),
        "--iomem".into(),
        f("iomem.txt"),
        "--cmdline".into(),
        "console=ttyS0 earlyprintk=serial,ttyS0,115200 nokaslr memblock=debug ignore_loglevel".into(),
        "--initrd".into(),
        "0xbfdfa000-0xbffdffff".into(),
        "--acpi-tables".into(),
        f("acpi-tables.txt"),
    ]
}

fn run(args: &[String]) -> std::process::Output {
    bootsim(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn a_machine_is_predicted_from_its_files_before_boot() {
    let o = run(&machine_flags());
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert_eq!(out.lines().next(), Some("profile 6.1 (bootsim predict models Linux 6.1)"));
    assert!(out.contains("and flags (no boot log)"), "{out}");
    assert!(out.contains("the machine, assumed (no input gives these):"), "{out}");
    assert!(out.contains("  2 possible CPUs: the SRAT's enabled CPU entries (--cpus N)"), "{out}");
    // pc-2n's real boot: 61 allocations, NODE_DATA(1) where its dmesg puts it.
    assert!(out.contains("no memblock=debug lines to compare with: the prediction alone (61 allocations)"), "{out}");
    assert!(out.contains("NODE_DATA(1) allocated [mem 0x13ffd2000-0x13fffcfff]"), "{out}");
    // --against the real log: the same boot.
    let mut args = machine_flags();
    args.extend(["--against".to_string(), fixture_arg(PC, "dmesg.txt")]);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("61 of 61 allocations predicted at the kernel's address"));
    // The kernel image by flag: pc-2n's iomem has `Kernel code` from 0x1000000 and `Kernel bss`
    // to 0x43fffff.
    let at = args.iter().position(|x| x == "--iomem").unwrap();
    args[at] = "--kernel".into();
    args[at + 1] = "0x1000000-0x43fffff".into();
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("kernel symbols from --kernel 0x1000000-0x43fffff (_end = __brk_base"));
    assert_eq!(stderr(&o), "", "no note about a default kernel image");
    assert!(stdout(&o).contains("61 of 61 allocations predicted at the kernel's address"));
}

#[test]
fn a_machine_log_is_the_real_trace() {
    let mut args = machine_flags();
    args.push("--log".into());
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().next(), Some("memblock_reserve: [0x0000000004400000-0x0000000004410fff] setup_arch"));
    assert!(out.lines().any(|l| l == "memblock_phys_free: [0x000000013fe00000-0x000000013fffffff] init_mem_mapping"));
}

/// Each missing input is named, with the flag that gives it; exit 2, no panic.
#[test]
fn missing_machine_inputs_are_named() {
    let without = |flag: &str, n: usize| {
        let mut a = machine_flags();
        let at = a.iter().position(|x| x == flag).unwrap();
        a.drain(at..at + n);
        a
    };
    for (args, want) in [
        (without("--cmdline", 2), "no command line: give --cmdline"),
        (without("--acpi-tables", 2), "no ACPI tables: give --acpi-table NAME@ADDR+SIZE"),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
        assert!(stderr(&o).starts_with("bootsim: predict: "), "{}", stderr(&o));
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
    }
    // No SRAT places no CPU: the count must be given.
    let o = run(&without("--srat", 2));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no CPU count (no SRAT places a CPU): give --cpus N"), "{}", stderr(&o));
    // Nothing at all.
    let o = bootsim(&["predict"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("<DMESG>"), "{}", stderr(&o));
}

#[test]
fn bad_machine_inputs_are_refused() {
    for (extra, want) in [
        (vec!["--acpi-table", "FACP@0x7ffe1990"], "expected NAME@ADDR+SIZE"),
        (vec!["--acpi-table", "FACP@0xffffffffffffffff+0x10"], "expected NAME@ADDR+SIZE"),
        (vec!["--acpi-upgrade", "SSDT:0x100"], "the firmware has no SSDT table to override"),
        (vec!["--acpi-upgrade", "SRAT:0"], "expected NAME:SIZE"),
        (vec!["--cpus", "0"], "--cpus 0: this build has 1 to"),
    ] {
        let mut a = machine_flags();
        a.extend(extra.iter().map(|s| s.to_string()));
        let o = run(&a);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stdout(&o));
        assert!(stderr(&o).contains(want), "{extra:?}: {}", stderr(&o));
    }
    for (flag, value, want) in [
        ("--cmdline", "mem=1G", "\"mem=1G\" edits the e820 map"),
        // numa=off: the SRAT is not parsed, so no CPU has a node the model can derive.
        ("--cmdline", "numa=off", "no CPU count (no SRAT places a CPU): give --cpus N"),
        ("--initrd", "12-3", "--initrd \"12-3\": expected START-END"),
        ("--srat", "Cargo.toml", "not \"SRAT\""),
    ] {
        let mut a = machine_flags();
        let at = a.iter().position(|x| x == flag).unwrap() + 1;
        a[at] = value.into();
        let o = run(&a);
        assert_eq!(o.status.code(), Some(2), "{flag}");
        assert!(stderr(&o).contains(want), "{flag}: {}", stderr(&o));
    }
    let mut a = machine_flags();
    let at = a.iter().position(|x| x == "--iomem").unwrap();
    a[at] = "--kernel".into();
    a[at + 1] = "0x10-0x1".into();
    let o = run(&a);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--kernel \"0x10-0x1\": expected START-END"), "{}", stderr(&o));
}

/// A log and a machine's files are not mixed: the log is predicted from its own lines.
#[test]
fn a_log_and_machine_files_are_refused_together() {
    let mut a = machine_flags();
    a.insert(1, fixture_arg(PC, "dmesg.txt"));
    let o = run(&a);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot be used with '--e820 <FILE|DIR>'"), "{}", stderr(&o));
    let o = bootsim(&["predict", "--cmdline", "x", "--cpus", "2", &fixture_arg(PC, "dmesg.txt")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--cmdline, --cpus describe a machine without a log; a DMESG (or --batch) is predicted"),
        "{}",
        stderr(&o)
    );
}

/// Before a first boot, from lengths alone: the kernel image's, the initrd file's, and a
/// `/sys/firmware/acpi/tables` directory (one file per table, its length the table's; `data/`
/// is not a table). pc-2n's tables are FACP 0x74, DSDT 0x1950, FACS 0x40, APIC 0x80, HPET 0x38,
/// SRAT 0xf0, WAET 0x28 bytes (its `ACPI: Reserving` lines); its kernel image 0x3400000 bytes
/// (`Kernel code` at 0x1000000 to `Kernel bss` ending 0x43fffff); its initrd one of 0x1e5001 to
/// 0x1e5fff bytes (`RAMDISK: [mem 0xbfdfa000-0xbffdffff]`).
#[test]
fn a_machine_known_by_lengths_is_predicted() {
    let dir = std::env::temp_dir().join(format!("bootsim-acpi-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    for (name, len) in [("FACP", 0x74), ("DSDT", 0x1950), ("FACS", 0x40), ("APIC", 0x80), ("HPET", 0x38)] {
        std::fs::write(dir.join(name), vec![0u8; len]).unwrap();
    }
    for (name, len) in [("SRAT", 0xf0), ("WAET", 0x28)] {
        std::fs::write(dir.join(name), vec![0u8; len]).unwrap();
    }
    std::fs::write(dir.join("data/BERT"), b"x").unwrap();
    let f = |file: &str| fixture_arg("linux-6.1-qemu/pc-2n", file);
    let o = bootsim(&[
        "predict",
        "--e820",
        &f("memmap.txt"),
        "--srat",
        &f("srat.bin"),
        "--cmdline",
        "console=ttyS0 earlyprintk=serial,ttyS0,115200 nokaslr memblock=debug ignore_loglevel",
        "--initrd-size",
        "0x1e5f00",
        "--kernel-size",
        "0x3400000",
        "--acpi-tables",
        dir.to_str().unwrap(),
        "--cpus",
        "2",
        "--against",
        &f("dmesg.txt"),
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("61 of 61 allocations predicted at the kernel's address"), "{out}");
    assert!(out.contains("7 ACPI table(s) known by length only"), "{out}");
    assert!(out.contains("initrd of 0x1e5f00 bytes at [0xbfdfa000-0xbffdffff]"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Lengths that do not read, or an initrd no RAM below 4 GiB holds: refused by flag, status 2.
#[test]
fn bad_lengths_are_refused() {
    let f = |file: &str| fixture_arg("linux-6.1-qemu/pc-2n", file);
    let (memmap, tables) = (f("memmap.txt"), f("acpi-tables.txt"));
    let base = ["predict", "--e820", &memmap, "--cmdline", "", "--acpi-tables", &tables, "--cpus", "2"];
    for (flag, value, says) in [
        ("--initrd-size", "lots", "--initrd-size \"lots\""),
        ("--initrd-size", "8G", "--initrd-size 8G: no usable RAM below 4 GiB holds it"),
        ("--kernel-size", "0xzz", "--kernel-size \"0xzz\""),
    ] {
        let mut args = base.to_vec();
        args.extend([flag, value]);
        let o = bootsim(&args);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}: {}", stdout(&o));
        assert!(stderr(&o).contains(says), "{flag} {value}: {}", stderr(&o));
    }
}
