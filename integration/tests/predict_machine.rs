//! `bootsim predict` before a first boot: each of the eleven real 6.1 boots of
//! `testdata/fixtures/linux-6.1-qemu{,-hotplug}/` predicted from the machine's own files only
//! (memmap.txt, srat.bin, iomem.txt, the `-append` and `-smp` of qemu-cmdline.txt, the ACPI
//! tables of acpi-tables.txt) and laid beside the real log's `memblock=debug` trace, which the
//! model never reads. The answers are the logs: every allocation, both dumps and every fact.

use std::path::Path;

use integration::phases::linux_6_1::Build6_1;
use integration::predict::args::{MachineArgs, PlatformArgs};
use integration::predict::cli::{kernel_symbols, kernel_symbols_at, predict_machine};

mod linux61_common;
use linux61_common::{boots, initrd, qemu_args};

fn machine_args(dir: &Path) -> MachineArgs {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let (cmdline, cpus) = qemu_args(dir);
    // The hotplug machines' initrd carries kernel/firmware/acpi/srat.aml (srat-override.dsl):
    // the SRAT the machine booted with, srat.bin, is that table.
    let upgrade = dir.join("srat-override.dsl").is_file();
    let srat_len = std::fs::metadata(dir.join("srat.bin")).unwrap().len();
    MachineArgs {
        e820: Some(dir.join("memmap.txt")),
        srat: Some(dir.join("srat.bin")),
        cmdline: Some(cmdline),
        initrd: Some(initrd(&name).to_string()),
        platform: PlatformArgs {
            acpi_tables: Some(dir.join("acpi-tables.txt")),
            acpi_upgrade: if upgrade { vec![format!("SRAT:{srat_len:#x}")] } else { Vec::new() },
            cpus: Some(cpus),
            ..PlatformArgs::default()
        },
        ..MachineArgs::default()
    }
}

#[test]
fn eleven_machines_predicted_from_their_files_before_boot() {
    let build = Build6_1::DEBIAN_6_1_AMD64;
    let (mut matched, mut logged) = (0, 0);
    let mut differ = Vec::new();
    for dir in boots() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let iomem = dir.join("iomem.txt");
        let symbols = kernel_symbols(&build, Some(&iomem)).unwrap();
        let log = std::fs::read_to_string(dir.join("dmesg.txt")).unwrap();
        let o = predict_machine(&machine_args(&dir), Some(&iomem), symbols, None, Some(&log)).unwrap();
        assert!(o.prediction.is_ok(), "{name}: {:?}", o.prediction.as_ref().err().map(|s| &s.error));
        let c = o.comparison.expect("the real log has a trace");
        matched += c.matched;
        logged += c.logged;
        if !c.identical() {
            differ.push(format!("{name}: {:?}", c.first_difference));
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
    assert_eq!((matched, logged), (766, 766));
}

/// With `--cpus` and `--unknown-param` left out, the model assumes the SRAT's CPUs and the
/// decompressor's `nokaslr`, says so, and still gets pc-2n's boot.
#[test]
fn assumed_values_are_listed_and_right_for_qemu() {
    let build = Build6_1::DEBIAN_6_1_AMD64;
    let dir = boots().into_iter().find(|d| d.ends_with("pc-2n")).unwrap();
    let iomem = dir.join("iomem.txt");
    let log = std::fs::read_to_string(dir.join("dmesg.txt")).unwrap();
    let mut args = machine_args(&dir);
    args.platform.cpus = None;
    let o =
        predict_machine(&args, Some(&iomem), kernel_symbols(&build, Some(&iomem)).unwrap(), None, Some(&log)).unwrap();
    let assumed = o.assumed.join("\n");
    assert!(assumed.contains("2 possible CPUs: the SRAT's enabled CPU entries"), "{assumed}");
    assert!(assumed.contains("1 IO-APIC"), "{assumed}");
    assert!(assumed.contains("\"nokaslr\""), "{assumed}");
    assert!(o.comparison.unwrap().identical());
}

/// The what-if twins from files: c1's machine (`movable_node`) predicted without it is c2's
/// real boot, a2's is b1's.
#[test]
fn twins_from_files() {
    let build = Build6_1::DEBIAN_6_1_AMD64;
    let dirs = boots();
    let find = |prefix: &str| dirs.iter().find(|d| d.file_name().unwrap().to_string_lossy().starts_with(prefix));
    for (from, to) in [("c1-", "c2-"), ("a2-", "b1-")] {
        let (from, to) = (find(from).unwrap(), find(to).unwrap());
        let iomem = from.join("iomem.txt");
        let log = std::fs::read_to_string(to.join("dmesg.txt")).unwrap();
        let symbols = kernel_symbols(&build, Some(&iomem)).unwrap();
        let o = predict_machine(&machine_args(from), Some(&iomem), symbols, Some(false), Some(&log)).unwrap();
        let c = o.comparison.expect("the twin's log has a trace");
        assert!(c.identical(), "{}: {:?}", from.display(), c.first_difference);
    }
}

/// Before a first boot an engineer may know only lengths: the kernel image's (from the build),
/// the initrd file's, each ACPI table's (/sys/firmware/acpi/tables). From those (`--kernel-size`,
/// `--initrd-size`, `--acpi-table NAME:SIZE`) the eleven boots still come out allocation by
/// allocation, with every fact: the kernel loads at 16 MiB without KASLR, QEMU puts the initrd
/// at the top of the RAM below 4 GiB, and the ACPI tables lie outside RAM wherever the firmware
/// puts them. Only the dumps' reserved rows for those tables may differ.
#[test]
fn eleven_machines_predicted_from_lengths_alone() {
    let build = Build6_1::DEBIAN_6_1_AMD64;
    let (mut matched, mut logged) = (0, 0);
    for dir in boots() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let iomem = std::fs::read_to_string(dir.join("iomem.txt")).unwrap();
        // `  01000000-01e01be6 : Kernel code` ... `  02d3b000-043fffff : Kernel bss`.
        let field = |what: &str, end: bool| {
            let line = iomem.lines().find(|l| l.trim_end().ends_with(what)).unwrap();
            let (a, b) = line.trim().split_once(' ').unwrap().0.split_once('-').unwrap();
            u64::from_str_radix(if end { b } else { a }, 16).unwrap() + u64::from(end)
        };
        let kernel_size = field(": Kernel bss", true) - field(": Kernel code", false);
        let symbols = kernel_symbols_at(&build, (0x100_0000, 0x100_0000 + kernel_size), "--kernel-size").unwrap();
        let mut args = machine_args(&dir);
        // A file of one page less a little than the RAMDISK line's range prints that range.
        let (start, end) = initrd(&name).split_once('-').unwrap();
        let span = u64::from_str_radix(&end[2..], 16).unwrap() + 1 - u64::from_str_radix(&start[2..], 16).unwrap();
        args.initrd = None;
        args.initrd_size = Some(format!("{:#x}", span - 0x100));
        let tables = std::fs::read_to_string(dir.join("acpi-tables.txt")).unwrap();
        args.platform.acpi_tables = None;
        args.platform.acpi_table = tables
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let (sig, rest) = l.split_once('@').unwrap();
                format!("{sig}:{}", rest.split_once('+').unwrap().1)
            })
            .collect();
        let log = std::fs::read_to_string(dir.join("dmesg.txt")).unwrap();
        let o = predict_machine(&args, None, symbols, None, Some(&log)).unwrap();
        assert!(o.prediction.is_ok(), "{name}: {:?}", o.prediction.as_ref().err().map(|s| &s.error));
        let c = o.comparison.expect("the real log has a trace");
        assert_eq!(c.matched, c.logged, "{name}: {:?}", c.first_difference);
        assert!(c.facts.iter().all(|f| f.identical()), "{name}: {:?}", c.facts);
        let assumed = o.assumed.join("\n");
        assert!(assumed.contains("known by length only") && assumed.contains("QEMU's -initrd"), "{assumed}");
        (matched, logged) = (matched + c.matched, logged + c.logged);
    }
    assert_eq!((matched, logged), (766, 766));
}
