//! `from_host`: a running machine's /sys and /proc, laid out under a scratch root (a real
//! machine's files from the fixtures), with parts missing, zeroed or unreadable.

mod input_common;

use std::path::Path;

use input_common::{MACHINES, fixture_text, fixtures, scratch, write};
use integration::input::{HostReason, InputError, from_host, from_root, parse_memmap_txt};
use integration::machine::KernelImage;

/// /sys/firmware/memmap as sysfs lays it out, from a memmap.txt listing.
fn memmap_dir(root: &Path, txt: &str) {
    for line in txt.lines() {
        let mut it = line.splitn(4, ' ');
        let (n, s, e, t) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
        write(root, &format!("sys/firmware/memmap/{n}/start"), format!("{}\n", s.trim_start_matches("start=")));
        write(root, &format!("sys/firmware/memmap/{n}/end"), format!("{}\n", e.trim_start_matches("end=")));
        write(root, &format!("sys/firmware/memmap/{n}/type"), format!("{}\n", t.trim_start_matches("type=")));
    }
}

fn boot_params(image: u64, size: u64) -> Vec<u8> {
    let mut b = vec![0u8; 4096];
    b[0x202..0x206].copy_from_slice(b"HdrS");
    b[0x218..0x21c].copy_from_slice(&(image as u32).to_le_bytes());
    b[0x21c..0x220].copy_from_slice(&(size as u32).to_le_bytes());
    b[0xc0..0xc4].copy_from_slice(&((image >> 32) as u32).to_le_bytes());
    b[0xc4..0xc8].copy_from_slice(&((size >> 32) as u32).to_le_bytes());
    b
}

/// A whole machine (pc-2n) as root sees it.
fn full_root(machine: &str) -> std::path::PathBuf {
    let root = scratch("host");
    memmap_dir(&root, &fixture_text(machine, "memmap.txt"));
    write(&root, "sys/firmware/acpi/tables/SRAT", std::fs::read(fixtures().join(machine).join("srat.bin")).unwrap());
    write(&root, "proc/iomem", fixture_text(machine, "iomem.txt"));
    write(&root, "proc/cmdline", "console=ttyS0 nokaslr movable_node\n");
    write(&root, "proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge\n");
    write(&root, "proc/sys/kernel/hostname", "qemu\n");
    write(&root, "sys/kernel/boot_params/data", boot_params(0xbfdfa000, 0x1e5a00));
    write(&root, "sys/devices/system/cpu/possible", "0-1\n");
    root
}

#[test]
fn everything_readable() {
    for m in MACHINES {
        let root = full_root(m);
        let h = from_root(&root).unwrap();
        assert!(h.problems.is_empty(), "{m}: {:?}", h.problems);
        assert_eq!(h.machine.e820, parse_memmap_txt("memmap.txt", &fixture_text(m, "memmap.txt")).unwrap());
        assert_eq!(
            h.machine.srat.as_deref(),
            Some(std::fs::read(fixtures().join(m).join("srat.bin")).unwrap().as_slice())
        );
        assert_eq!(h.machine.kernel, KernelImage { text: 0x1000000, bss_stop: 0x4400000, end: 0x4430000 });
        assert_eq!(h.machine.cmdline, "console=ttyS0 nokaslr movable_node");
        assert!(h.machine.cpu.pse && h.machine.cpu.pge && !h.machine.cpu.gbpages, "qemu64 has no pdpe1gb");
        assert_eq!(h.machine.initrd, Some((0xbfdfa000, 0xbfdfa000 + 0x1e5a00)));
        assert_eq!(h.machine.name, "this machine (qemu)");
        // The 6.1 profile's platform: the tables directory holds the SRAT alone here; CPUs 0-1.
        let srat_len = std::fs::metadata(fixtures().join(m).join("srat.bin")).unwrap().len();
        let sizes: Vec<(&str, u64)> =
            h.machine.platform.acpi_table_sizes.iter().map(|t| (t.signature.as_str(), t.size)).collect();
        assert_eq!(sizes, [("SRAT", srat_len)]);
        assert_eq!(h.machine.platform.cpus, Some(2));
    }
}

#[test]
fn as_a_user_iomem_is_zeroed_and_the_srat_is_unreadable() {
    let root = full_root("pc-2n");
    let zeroed: String = fixture_text("pc-2n", "iomem.txt")
        .lines()
        .map(|l| {
            let indent = l.len() - l.trim_start().len();
            format!("{}00000000-00000000 : {}\n", " ".repeat(indent), l.split_once(" : ").unwrap().1)
        })
        .collect();
    write(&root, "proc/iomem", zeroed);
    // Root reads any file, so "unreadable" is played by a directory where the file should be.
    std::fs::remove_file(root.join("sys/firmware/acpi/tables/SRAT")).unwrap();
    std::fs::create_dir(root.join("sys/firmware/acpi/tables/SRAT")).unwrap();
    std::fs::remove_file(root.join("sys/kernel/boot_params/data")).unwrap();
    let h = from_root(&root).unwrap();
    let reasons: Vec<(String, HostReason)> = h
        .problems
        .iter()
        .map(|p| (p.path.strip_prefix(&root).unwrap().display().to_string(), p.reason.clone()))
        .collect();
    assert_eq!(reasons[0], ("proc/iomem".into(), HostReason::ZeroedAddresses));
    assert_eq!(reasons[1].0, "sys/firmware/acpi/tables/SRAT");
    assert!(matches!(&reasons[1].1, HostReason::Unreadable(m) if m.contains("Is a directory")), "{reasons:?}");
    assert_eq!(reasons[2], ("sys/kernel/boot_params/data".into(), HostReason::Missing));
    assert_eq!(reasons.len(), 3);
    assert_eq!(
        h.problems[0].to_string(),
        format!(
            "{}: every address reads 0 (the kernel hides them from non-root): the kernel image (the default one at 16 \
             MiB is used)",
            root.join("proc/iomem").display()
        )
    );
    // What could not be read takes the defaults: NUMA off, the default kernel, no initrd.
    assert_eq!(h.machine.srat, None);
    assert_eq!(h.machine.initrd, None);
    assert_eq!(h.machine.kernel, KernelImage { text: 0x1000000, bss_stop: 0x4400000, end: 0x4430000 });
}

#[test]
fn without_memmap_iomem_gives_the_map() {
    let root = full_root("q35-2n");
    std::fs::remove_dir_all(root.join("sys/firmware/memmap")).unwrap();
    let h = from_root(&root).unwrap();
    assert_eq!(h.problems.len(), 1);
    assert_eq!(h.problems[0].reason, HostReason::Missing);
    // iomem's map is the kernel's edited one: page 0 reserved, usable RAM from 0x1000.
    let first_ram = h.machine.e820.iter().find(|e| e.kind == integration::movable_node::E820Type::Ram).unwrap();
    assert_eq!((first_ram.addr, first_ram.end()), (0x1000, 0x9fc00));
}

#[test]
fn nothing_to_read() {
    let root = scratch("host-empty");
    let err = from_root(&root).unwrap_err();
    // memmap, iomem, SRAT, cmdline, cpuinfo, boot_params, the ACPI tables, the possible CPUs.
    assert!(matches!(&err, InputError::Host { problems } if problems.len() == 8), "{err:?}");
    let msg = err.to_string();
    assert!(msg.starts_with("cannot read the running machine's memory map: "), "{msg}");
    assert!(
        msg.contains(&format!("{}: missing: the firmware's e820 map", root.join("sys/firmware/memmap").display())),
        "{msg}"
    );
}

#[test]
fn this_machine_does_not_panic() {
    // Whatever this host lets us read: a machine with a map, or the list of why not.
    match from_host() {
        Ok(h) => assert!(!h.machine.e820.is_empty()),
        Err(e) => assert!(matches!(e, InputError::Host { .. })),
    }
}

#[test]
fn hot_added_ram_and_the_kernel_release() {
    // Issue 13: a DIMM hot-added after boot is appended to /sys/firmware/memmap (entry 8,
    // after the reserved entry at 0xfd00000000); the running kernel's release names the
    // profile.
    let root = full_root("pc-2n");
    memmap_dir(&root, "8 start=0x140000000 end=0x17fffffff type=System RAM");
    write(&root, "proc/sys/kernel/osrelease", "6.1.0-56-amd64\n");
    let h = from_root(&root).unwrap();
    assert_eq!(h.machine.e820, parse_memmap_txt("memmap.txt", &fixture_text("pc-2n", "memmap.txt")).unwrap());
    assert_eq!(h.hot_added, vec![(0x1_4000_0000, 0x1_8000_0000)]);
    assert_eq!(h.release.as_deref(), Some("6.1.0-56-amd64"));
}

#[test]
fn driver_added_ram_in_iomem_is_not_boot_ram() {
    // Without /sys/firmware/memmap the map comes from /proc/iomem, where RAM a driver added
    // after boot carries the driver's name (dax kmem here, at 8 GiB).
    let root = full_root("pc-2n");
    std::fs::remove_dir_all(root.join("sys/firmware/memmap")).unwrap();
    let iomem = fixture_text("pc-2n", "iomem.txt").replace(
        "fd00000000-ffffffffff : Reserved",
        "200000000-23fffffff : System RAM (kmem)\nfd00000000-ffffffffff : Reserved",
    );
    write(&root, "proc/iomem", iomem);
    let h = from_root(&root).unwrap();
    assert_eq!(h.hot_added, vec![(0x2_0000_0000, 0x2_4000_0000)]);
    assert!(h.machine.e820.iter().all(|e| e.end() <= 0x2_0000_0000 || e.addr >= 0x2_4000_0000));
}
