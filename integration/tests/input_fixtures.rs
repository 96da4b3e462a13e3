//! The input readers against six real machines (`testdata/fixtures/linux-6.1-qemu`): what
//! they read from one file of a machine must agree with what the real kernel wrote in another.
//! Expected values come from the fixture files, never from the readers themselves.

mod input_common;

use input_common::{MACHINES, fixture_text, fixtures};
use integration::boot::setup_arch;
use integration::input::{
    DEFAULT_BRK_SIZE, Inputs, assemble, check_srat, parse_dmesg, parse_e820, parse_iomem, parse_memmap_txt,
};
use integration::movable_node::KernelProfile;
use integration::movable_node::acpi_srat::{CpuAffinityFlags, MemoryAffinityFlags, SratEntry, SratTable};

/// A `NAME 0xVALUE` line of facts.txt's kernel image section (the kernel's own symbols).
fn fact_symbol(machine: &str, name: &str) -> u64 {
    let facts = fixture_text(machine, "facts.txt");
    let line = facts
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("{machine}: no {name} in facts.txt"));
    let v = line.split_whitespace().nth(1).unwrap();
    u64::from_str_radix(v.trim_start_matches("0x"), 16).unwrap()
}

#[test]
fn e820_from_dmesg_equals_e820_from_memmap() {
    // /sys/firmware/memmap is e820_table_firmware: the map as the firmware gave it, copied
    // before the kernel edits its own copy (dmesg's `e820: update [mem 0x00000000-0x00000fff]
    // usable ==> reserved` and `e820: remove [mem 0x000a0000-0x000fffff] usable` lines, which
    // iomem.txt does show: `00000000-00000fff : Reserved`). The BIOS-e820 lines print the
    // same firmware map, before those edits, so the two agree entry for entry once memmap's
    // /sys names (System RAM, Reserved) are mapped to the kernel's (usable, reserved). The
    // one thing the kernel could print differently, E820_RESERVED_KERN (setup_data), is
    // "usable" in one and "System RAM" in the other: the same RAM either way.
    for m in MACHINES {
        let from_dmesg = parse_e820("dmesg.txt", &fixture_text(m, "dmesg.txt")).unwrap();
        let from_memmap = parse_memmap_txt("memmap.txt", &fixture_text(m, "memmap.txt")).unwrap();
        assert_eq!(from_dmesg, from_memmap, "{m}");
        // And as many entries as the kernel printed BIOS-e820 lines (none dropped or merged).
        let printed = fixture_text(m, "dmesg.txt").lines().filter(|l| l.contains("BIOS-e820:")).count();
        assert_eq!(from_dmesg.len(), printed, "{m}");
    }
}

#[test]
fn srat_nodes_from_dmesg_equal_the_table() {
    for m in MACHINES {
        let bytes = std::fs::read(fixtures().join(m).join("srat.bin")).unwrap();
        check_srat("srat.bin", &bytes).unwrap();
        let t = SratTable::from_bytes(&bytes).unwrap();
        let rev = t.revision();
        let (mut mems, mut cpus) = (Vec::new(), Vec::new());
        for s in t.subtables() {
            match s.decode().unwrap() {
                SratEntry::Memory(ma) if ma.flags.contains(MemoryAffinityFlags::ENABLED) => mems.push((
                    ma.pxm(rev),
                    ma.base_address,
                    ma.end(),
                    ma.flags.contains(MemoryAffinityFlags::HOT_PLUGGABLE),
                )),
                SratEntry::LocalApic(c) if c.flags.contains(CpuAffinityFlags::ENABLED) => {
                    cpus.push((c.pxm(rev), u32::from(c.apic_id)))
                }
                _ => {}
            }
        }
        let d = parse_dmesg("dmesg.txt", &fixture_text(m, "dmesg.txt")).unwrap();
        let mut got_mems: Vec<(u32, u64, u64, bool)> = d
            .nodes
            .iter()
            .flat_map(|n| n.memory.iter().map(move |r| (n.pxm, r.start, r.end, r.hotpluggable)))
            .collect();
        let mut got_cpus: Vec<(u32, u32)> =
            d.nodes.iter().flat_map(|n| n.cpus.iter().map(move |&c| (n.pxm, c))).collect();
        mems.sort_unstable();
        cpus.sort_unstable();
        got_mems.sort_unstable();
        got_cpus.sort_unstable();
        assert!(!mems.is_empty(), "{m}");
        assert_eq!(got_mems, mems, "{m}: memory affinity");
        assert_eq!(got_cpus, cpus, "{m}: processor affinity");
        // The layout built back into a table gives the same entries.
        let built = d.parts().srat.unwrap();
        let bt = SratTable::from_bytes(&built).unwrap();
        let mut rebuilt: Vec<(u32, u64, u64, bool)> = bt
            .subtables()
            .filter_map(|s| match s.decode() {
                Ok(SratEntry::Memory(ma)) => Some((
                    ma.pxm(bt.revision()),
                    ma.base_address,
                    ma.end(),
                    ma.flags.contains(MemoryAffinityFlags::HOT_PLUGGABLE),
                )),
                _ => None,
            })
            .collect();
        rebuilt.sort_unstable();
        assert_eq!(rebuilt, mems, "{m}: rebuilt table");
    }
}

#[test]
fn kernel_image_from_iomem() {
    for m in MACHINES {
        let io = parse_iomem("iomem.txt", &fixture_text(m, "iomem.txt")).unwrap();
        assert!(!io.is_zeroed());
        let k = io.kernel_image(DEFAULT_BRK_SIZE).unwrap();
        // README: "the kernel image sits at 16 MiB (_text 0x1000000, _end 0x4430000)".
        assert_eq!(k.text, 0x1000000, "{m}");
        assert_eq!(k.text, fact_symbol(m, "_text"), "{m}");
        assert_eq!(k.bss_stop, fact_symbol(m, "__bss_stop"), "{m}");
        assert_eq!(k.end, fact_symbol(m, "_end"), "{m}");
        assert_eq!(k.end, 0x4430000, "{m}");
        assert!(io.crash_kernel().is_empty(), "{m}: booted without crashkernel=");
    }
}

#[test]
fn command_line_and_initrd_from_dmesg() {
    for m in MACHINES {
        let d = parse_dmesg("dmesg.txt", &fixture_text(m, "dmesg.txt")).unwrap();
        let facts = fixture_text(m, "facts.txt");
        let cmdline = facts.lines().find_map(|l| l.strip_prefix("kernel cmdline: ")).unwrap();
        assert_eq!(d.cmdline.as_deref(), Some(cmdline), "{m}");
        // The initrd is the reservation early_reserve_initrd() made: a reserved region of the
        // first MEMBLOCK configuration dump.
        let (s, e) = d.initrd.unwrap();
        let want = format!("reserved [0x{s:012x}-0x{:012x}]", e - 1);
        let dump0 = facts.split("dump 0:").nth(1).unwrap().split("dump 1:").next().unwrap();
        assert!(dump0.contains(&want), "{m}: {want} not in dump 0");
    }
    let d = parse_dmesg("dmesg.txt", &fixture_text("pc-2n", "dmesg.txt")).unwrap();
    // pc-2n/dmesg.txt: `RAMDISK: [mem 0xbfdfa000-0xbffdffff]`.
    assert_eq!(d.initrd, Some((0xbfdfa000, 0xbffe0000)));
}

#[test]
fn a_machine_from_its_log_boots_like_one_from_its_files() {
    for m in MACHINES {
        let dir = fixtures().join(m);
        let from_log = assemble(&Inputs { dmesg: Some(dir.join("dmesg.txt")), ..Inputs::default() }).unwrap();
        let from_files = assemble(&Inputs {
            e820: Some(dir.join("memmap.txt")),
            srat: Some(dir.join("srat.bin")),
            iomem: Some(dir.join("iomem.txt")),
            ..Inputs::default()
        })
        .unwrap();
        assert_eq!(from_log.machine.e820, from_files.machine.e820, "{m}");
        assert_eq!(from_log.machine.kernel, from_files.machine.kernel, "{m}: the default kernel is where 6.1 put it");
        let nodes = |a: &integration::input::Assembled| {
            let mut mc = a.machine.clone();
            mc.cmdline = "ro".into();
            let b = setup_arch(&mc, KernelProfile::V3_13).unwrap();
            let numa = b.numa.unwrap();
            assert_eq!(numa.method, "acpi", "{m}");
            numa.nodes.iter().map(|n| (n.nid, n.start, n.end)).collect::<Vec<_>>()
        };
        assert_eq!(nodes(&from_log), nodes(&from_files), "{m}");
    }
}
