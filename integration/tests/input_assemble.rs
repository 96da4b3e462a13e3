//! Assembling a machine from the pieces a user gives: the precedence of the inputs, the
//! sources and warnings, and input errors passed through with their file.

mod input_common;

use input_common::{fixtures, scratch, write};
use integration::input::{Inputs, Source, assemble};
use integration::machine::{KernelImage, Machine};

fn file(flag: &'static str, p: &std::path::Path) -> Source {
    Source::File { flag, path: p.display().to_string() }
}

#[test]
fn no_input_is_the_default_machine() {
    let a = assemble(&Inputs::default()).unwrap();
    assert_eq!(a.machine, Machine::default_machine());
    assert_eq!(a.sources.e820, Source::Default);
    assert_eq!(a.sources.srat, Source::Default);
    assert_eq!(a.sources.initrd, Source::Default);
    assert!(a.warnings.is_empty());
}

#[test]
fn cmdline_alone_changes_only_the_command_line() {
    let a = assemble(&Inputs { cmdline: Some("numa=off".into()), ..Inputs::default() }).unwrap();
    let mut want = Machine::default_machine();
    want.cmdline = "numa=off".into();
    assert_eq!(a.machine, want);
    assert_eq!(a.sources.cmdline, Source::Argument);
}

#[test]
fn explicit_files_beat_the_machine_file_which_beats_the_log() {
    let dir = scratch("assemble");
    let pc = fixtures().join("pc-2n");
    let toml = write(
        &dir,
        "m.toml",
        "name = \"mine\"\ncmdline = \"from the machine file\"\n[kernel]\ntext = \"32M\"\nbss_stop = \"64M\"\n\
         [[e820]]\nstart = \"1M\"\nend = \"1G\"\ntype = \"usable\"\n",
    );
    let dmesg = pc.join("dmesg.txt");
    // Machine file + log: the file's cmdline, e820 and kernel; the log's SRAT and initrd.
    let a = assemble(&Inputs { machine: Some(toml.clone()), dmesg: Some(dmesg.clone()), ..Inputs::default() }).unwrap();
    assert_eq!(a.machine.name, "mine");
    assert_eq!(a.machine.cmdline, "from the machine file");
    assert_eq!(a.machine.e820.len(), 1);
    assert_eq!(a.machine.kernel, KernelImage { text: 32 << 20, bss_stop: 64 << 20, end: (64 << 20) + 0x30000 });
    assert_eq!(a.machine.initrd, Some((0xbfdfa000, 0xbffe0000)));
    assert!(a.machine.srat.is_some());
    assert_eq!(a.sources.cmdline, file("--machine", &toml));
    assert_eq!(a.sources.srat, file("--dmesg", &dmesg));
    assert_eq!(a.sources.initrd, file("--dmesg", &dmesg));

    // Add the single-part flags: each beats the machine file.
    let a = assemble(&Inputs {
        machine: Some(toml.clone()),
        dmesg: Some(dmesg.clone()),
        e820: Some(pc.join("memmap.txt")),
        srat: Some(pc.join("srat.bin")),
        iomem: Some(pc.join("iomem.txt")),
        cmdline: Some("ro".into()),
        brk_size: Some(0x10000),
        initrd: None,
    })
    .unwrap();
    assert_eq!(a.machine.cmdline, "ro");
    assert_eq!(a.machine.e820.len(), 8);
    assert_eq!(a.machine.srat, Some(std::fs::read(pc.join("srat.bin")).unwrap()));
    assert_eq!(a.machine.kernel, KernelImage { text: 0x1000000, bss_stop: 0x4400000, end: 0x4410000 });
    assert_eq!(a.sources.e820, file("--e820", &pc.join("memmap.txt")));
    assert_eq!(a.sources.kernel, file("--iomem", &pc.join("iomem.txt")));
    assert_eq!(a.sources.cmdline, Source::Argument);
    assert_eq!(a.machine.name, "mine");
}

#[test]
fn a_real_map_without_a_numa_layout_runs_numa_off_and_says_so() {
    let pc = fixtures().join("pc-4n-uneven");
    let a = assemble(&Inputs { e820: Some(pc.join("memmap.txt")), ..Inputs::default() }).unwrap();
    assert_eq!(a.machine.srat, None);
    assert_eq!(a.machine.initrd, None);
    assert_eq!(a.sources.srat, Source::Absent);
    assert_eq!(a.machine.cmdline, Machine::default_machine().cmdline);
    assert_eq!(a.machine.name, pc.join("memmap.txt").display().to_string());
    assert_eq!(a.warnings.len(), 2, "{:?}", a.warnings);
    assert!(a.warnings[0].starts_with("no SRAT"));
    assert!(a.warnings[1].starts_with("the kernel image is the default one"));
}

#[test]
fn a_log_without_its_beginning_is_refused() {
    // Issue 13: a log whose ring buffer wrapped past the BIOS-e820: table gives no memory map,
    // and the built-in machine's is never used in its place.
    let dir = scratch("assemble-late");
    let log = write(&dir, "late.txt", "[ 9.0] eth0: link up\n");
    let e = assemble(&Inputs { dmesg: Some(log.clone()), ..Inputs::default() }).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "no memory map in --dmesg {}: give the boot's own dmesg with its BIOS-e820: table (journalctl -k -b, or \
             dmesg right after boot: the ring buffer may have wrapped past it), or --e820 /sys/firmware/memmap",
            log.display()
        )
    );
}

#[test]
fn input_errors_pass_through_with_their_file() {
    let dir = scratch("assemble-bad");
    let bad = write(&dir, "e820.txt", "BIOS-e820: [mem 0x12-] usable\n");
    let e = assemble(&Inputs { e820: Some(bad.clone()), ..Inputs::default() }).unwrap_err();
    assert!(e.to_string().starts_with(&format!("{}:1: cannot read \"BIOS-e820: [mem 0x12-] usable\"", bad.display())));

    let not_srat = write(&dir, "dsdt.bin", b"DSDT\x30\x00\x00\x00".repeat(8));
    let e = assemble(&Inputs { srat: Some(not_srat.clone()), ..Inputs::default() }).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: offset 0: not an SRAT: its signature is \"DSDT\", not \"SRAT\" (give /sys/firmware/acpi/tables/SRAT \
             or acpidump -b's srat.dat)",
            not_srat.display()
        )
    );
    let short = write(&dir, "short.bin", b"SRAT\x30\x00\x00\x00");
    let e = assemble(&Inputs { srat: Some(short.clone()), ..Inputs::default() }).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}: offset 8: not an SRAT: it ends after 8 bytes, inside the 48-byte SRAT header", short.display())
    );
    let missing = dir.join("nope.txt");
    let e = assemble(&Inputs { iomem: Some(missing.clone()), ..Inputs::default() }).unwrap_err();
    assert!(
        e.to_string().starts_with(&format!("{}: cannot read it: No such file or directory", missing.display())),
        "{e}"
    );
}

#[test]
fn a_bad_but_real_looking_srat_is_left_to_the_boot() {
    // Signature and size are right, the checksum and the length field are not: the boot
    // decides (NUMA off, as the kernel would), so assembling succeeds.
    let dir = scratch("assemble-srat");
    let mut b = std::fs::read(fixtures().join("pc-2n/srat.bin")).unwrap();
    b[4..8].copy_from_slice(&0xffffu32.to_le_bytes());
    let p = write(&dir, "srat.bin", &b);
    // With its machine's map (issue 13: an SRAT alone is no machine).
    let e820 = fixtures().join("pc-2n/memmap.txt");
    let a = assemble(&Inputs { srat: Some(p), e820: Some(e820), ..Inputs::default() }).unwrap();
    assert_eq!(a.machine.srat, Some(b));
}
