//! `bootsim predict` before a first boot: each of the eleven real 6.1 boots of
//! `testdata/fixtures/linux-6.1-qemu{,-hotplug}/` predicted from the machine's own files only
//! (memmap.txt, srat.bin, iomem.txt, the `-append` and `-smp` of qemu-cmdline.txt, the ACPI
//! tables of acpi-tables.txt) and laid beside the real log's `memblock=debug` trace, which the
//! model never reads. The answers are the logs: every allocation, both dumps and every fact.

use std::path::Path;

use integration::phases::linux_6_1::Build6_1;
use integration::predict::args::{MachineArgs, PlatformArgs};
use integration::predict::cli::{kernel_symbols, predict_machine};

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
