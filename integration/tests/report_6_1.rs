//! `bootsim`'s own report under the 6.1 profile runs Linux 6.1's phases (issue 15): booting
//! each of the eleven real machines from its dmesg and `/proc/iomem` (the log's memblock lines
//! are not read: the machine is rebuilt from its e820, SRAT, command line, initrd and ACPI
//! lines), the kernel-style log carries the kernel's own `NODE_DATA`, crash kernel and zone
//! lines, and, on these `memblock=debug` boots, its memblock trace line for line; the crash
//! kernel lands where `/proc/iomem` says it did.

mod cli_common;
mod linux61_common;

use cli_common::{bootsim, stderr, stdout};
use std::path::Path;

/// A log's messages, without their timestamps.
fn messages(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| match l.strip_prefix('[').and_then(|r| r.split_once("] ")) {
            Some((_, m)) => m.to_string(),
            None => l.to_string(),
        })
        .collect()
}

/// The lines a plain dmesg prints of the early boot's outcome: NODE_DATA, the crash kernel,
/// the zone ranges, movable zone starts, early node ranges and node spans.
fn outcome_lines(lines: &[String]) -> Vec<String> {
    let zone_line = |m: &str| {
        ["  DMA ", "  DMA32 ", "  Normal ", "  Device ", "  Node ", "  node "].iter().any(|p| m.starts_with(p))
    };
    lines
        .iter()
        .filter(|m| {
            m.contains("NODE_DATA")
                || (m.contains("crashkernel") && !m.contains("command line:"))
                || m.starts_with("Reserving ")
                || zone_line(m)
                || m.starts_with("Initmem setup node")
        })
        .cloned()
        .collect()
}

/// memblock's own lines, with the build-specific `+0xoff/0xsize` and `.constprop.0` taken off
/// the symbols; the MP-table reservations (`smp_scan_config`) left out: a plain dmesg gives the
/// floating pointer's place but not the table's length, and both lie in the BIOS region that
/// is reserved already (spec §H.9.2 step 1).
fn trace(lines: &[String]) -> Vec<String> {
    let memblock = |m: &&String| {
        ["memblock_", "MEMBLOCK configuration", " memory", " reserved"].iter().any(|p| m.starts_with(p))
            && !m.contains("smp_scan_config")
    };
    lines
        .iter()
        .filter(memblock)
        .map(|m| {
            m.split(' ')
                .map(|w| match w.split_once("+0x") {
                    Some((sym, _)) => sym.trim_end_matches(".constprop.0"),
                    None => w.trim_end_matches(".constprop.0"),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn run(dir: &Path, extra: &[&str]) -> String {
    let (d, i) = (dir.join("dmesg.txt"), dir.join("iomem.txt"));
    let mut args = vec!["--dmesg", d.to_str().unwrap(), "--iomem", i.to_str().unwrap()];
    args.extend(extra);
    let o = bootsim(&args);
    assert!(o.status.success(), "{}: {}", dir.display(), stderr(&o));
    stdout(&o)
}

#[test]
fn the_eleven_real_boots_come_out_as_the_kernel_logged_them() {
    for dir in linux61_common::boots() {
        let kernel = messages(&std::fs::read_to_string(dir.join("dmesg.txt")).unwrap());
        let model: Vec<String> = run(&dir, &["--log"]).lines().map(str::to_string).collect();
        let want = outcome_lines(&kernel);
        assert!(want.iter().any(|l| l.contains("NODE_DATA")), "{}: the log has NODE_DATA lines", dir.display());
        assert_eq!(outcome_lines(&model), want, "{}", dir.display());
        assert_eq!(trace(&model), trace(&kernel), "{}", dir.display());
    }
}

#[test]
fn the_crash_kernel_lands_where_iomem_says() {
    for dir in linux61_common::boots() {
        let iomem = std::fs::read_to_string(dir.join("iomem.txt")).unwrap();
        // `  2f000000-3effffff : Crash kernel` (iomem nests it under System RAM).
        let mut logged: Vec<(u64, u64)> = iomem
            .lines()
            .filter(|l| l.trim_end().ends_with(": Crash kernel"))
            .filter_map(|l| {
                let (a, b) = l.trim().split_once(' ')?.0.split_once('-')?;
                Some((u64::from_str_radix(a, 16).ok()?, u64::from_str_radix(b, 16).ok()? + 1))
            })
            .collect();
        logged.sort_unstable();
        let v: serde_json::Value = serde_json::from_str(&run(&dir, &["--json"])).unwrap();
        let c = &v["crash_kernel"];
        let mut model = Vec::new();
        if c["status"] == "reserved" {
            let (base, size) = (c["base"].as_u64().unwrap(), c["size"].as_u64().unwrap());
            model.push((base, base + size));
            if c["low"]["status"] == "reserved" {
                let (base, size) = (c["low"]["base"].as_u64().unwrap(), c["low"]["size"].as_u64().unwrap());
                model.push((base, base + size));
            }
        }
        model.sort_unstable();
        assert_eq!(model, logged, "{}", dir.display());
    }
}

/// The steps are 6.1's own phases, not the series' list under a 6.1 label: no
/// `memblock_x86_fill`, but `e820__memblock_setup`, the ACPI tables, percpu, swiotlb.
#[test]
fn the_steps_are_linux_6_1s() {
    let dir = &linux61_common::boots()[0];
    let v: serde_json::Value = serde_json::from_str(&run(dir, &["--json"])).unwrap();
    let steps: Vec<&str> = v["steps"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    for want in ["e820__memblock_setup", "acpi_reserve_initial_tables", "setup_per_cpu_areas", "swiotlb_init"] {
        assert!(steps.contains(&want), "{want} in {steps:?}");
    }
    assert!(!steps.contains(&"memblock_x86_fill"), "{steps:?}");
}

/// A machine that names no ACPI tables or CPU count still boots under 6.1, and the report
/// says what was assumed; the 3.x profiles assume nothing of the kind.
#[test]
fn what_the_machine_does_not_say_is_assumed_and_listed() {
    let o = bootsim(&["--profile", "6.1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("assumed: no ACPI tables reserved"), "{out}");
    assert!(out.contains("assumed: 8 possible CPUs: the SRAT's enabled CPU entries"), "{out}");
    let o = bootsim(&["--profile", "3.13"]);
    assert!(!stdout(&o).contains("assumed:"), "{}", stdout(&o));
}

/// `mem=` edits the e820 map in ways the 6.1 model does not derive: refused by name.
#[test]
fn a_boot_the_model_does_not_derive_is_refused() {
    let o = bootsim(&["--profile", "6.1", "--cmdline", "mem=2G"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("\"mem=2G\" edits the e820 map"), "{}", stderr(&o));
}

/// The same machines from their own files (memmap.txt, srat.bin, iomem.txt, QEMU's `-append`
/// and `-smp`, acpi-tables.txt, the initrd's SRAT override, qemu64's lack of 1 GiB pages)
/// rather than a log: the kernel's lines again.
#[test]
fn the_eleven_machines_from_their_files_come_out_as_the_kernel_logged_them() {
    for dir in linux61_common::boots() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (cmdline, cpus) = linux61_common::qemu_args(&dir);
        let path = |f: &str| dir.join(f).to_string_lossy().into_owned();
        let (memmap, srat, iomem, tables) =
            (path("memmap.txt"), path("srat.bin"), path("iomem.txt"), path("acpi-tables.txt"));
        let cpus = cpus.to_string();
        let mut args = vec![
            "--profile",
            "6.1",
            "--e820",
            &memmap,
            "--srat",
            &srat,
            "--iomem",
            &iomem,
            "--cmdline",
            &cmdline,
            "--initrd",
            linux61_common::initrd(&name),
            "--acpi-tables",
            &tables,
            "--cpus",
            &cpus,
            "--no-gbpages",
            "--log",
        ];
        // The hotplug machines' initrd carries the SRAT they booted with (srat-override.dsl).
        let upgrade = format!("SRAT:{:#x}", std::fs::metadata(dir.join("srat.bin")).unwrap().len());
        if dir.join("srat-override.dsl").is_file() {
            args.extend(["--acpi-upgrade", &upgrade]);
        }
        let o = bootsim(&args);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let model: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
        let kernel = messages(&std::fs::read_to_string(dir.join("dmesg.txt")).unwrap());
        assert_eq!(outcome_lines(&model), outcome_lines(&kernel), "{name}");
        assert_eq!(trace(&model), trace(&kernel), "{name}");
    }
}

/// What the 6.1 profile alone reads is refused under another profile, and a value it cannot
/// use is refused under 6.1, each on stderr with status 2.
#[test]
fn platform_inputs_a_profile_cannot_use_are_refused() {
    let o = bootsim(&["--profile", "3.13", "--cpus", "4"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("--cpus describe what only the 6.1 profile reads"), "{}", stderr(&o));
    let o = bootsim(&["--profile", "6.1", "--cpus", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--cpus 0: this build has 1 to 8192 CPUs"), "{}", stderr(&o));
    let o = bootsim(&["--profile", "6.1", "--acpi-table", "FACP@0x1000"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--acpi-table \"FACP@0x1000\": expected NAME@ADDR+SIZE"), "{}", stderr(&o));
}
