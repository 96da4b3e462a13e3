//! Boot logs: e820, command line, initrd, SRAT nodes and CPUs, in the forms of 2.6, 3.13 and
//! 6.1, with and without timestamps, CRLF, cut short, and the errors.

use integration::input::{InputError, parse_dmesg};
use integration::machine::{NodeMemory, NodeSpec};
use integration::movable_node::acpi_srat::{SratEntry, SratTable};

const GIB: u64 = 1 << 30;

/// A 3.13 boot of a two-socket machine with a hotpluggable node 1, written the way 3.13 prints
/// (`SRAT: Node %u PXM %u [mem %#010Lx-%#010Lx]%s`, hotplug suffix).
const LOG_313: &str = "\
[    0.000000] Linux version 3.13.0 (gcc version 4.8.2)
[    0.000000] Command line: BOOT_IMAGE=/vmlinuz-3.13.0 root=/dev/sda1 ro movable_node
[    0.000000] e820: BIOS-provided physical RAM map:
[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
[    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved
[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x00000000bfffffff] usable
[    0.000000] BIOS-e820: [mem 0x0000000100000000-0x000000083fffffff] usable
[    0.000000] RAMDISK: [mem 0x36a4c000-0x37d1dfff]
[    0.000000] SRAT: PXM 0 -> APIC 0x00 -> Node 0
[    0.000000] SRAT: PXM 0 -> APIC 0x02 -> Node 0
[    0.000000] SRAT: PXM 1 -> APIC 0x10 -> Node 1
[    0.000000] SRAT: PXM 1 -> APIC 0x12 -> Node 1
[    0.000000] SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff]
[    0.000000] SRAT: Node 0 PXM 0 [mem 0x00100000-0xbfffffff]
[    0.000000] SRAT: Node 0 PXM 0 [mem 0x100000000-0x43fffffff]
[    0.000000] SRAT: Node 1 PXM 1 [mem 0x440000000-0x83fffffff] hotplug
[    0.000000] NUMA: Initialized distance table, cnt=2
[    0.000000] Kernel command line: BOOT_IMAGE=/vmlinuz-3.13.0 root=/dev/sda1 ro movable_node
[    0.000000] Memory: 32852336K/33518196K available (7327K kernel code, 1116K rwdata)
";

fn nodes_313() -> Vec<NodeSpec> {
    vec![
        NodeSpec {
            pxm: 0,
            cpus: vec![0, 2],
            memory: vec![
                NodeMemory { start: 0, end: 0xa0000, hotpluggable: false },
                NodeMemory { start: 0x100000, end: 3 * GIB, hotpluggable: false },
                NodeMemory { start: 4 * GIB, end: 17 * GIB, hotpluggable: false },
            ],
        },
        NodeSpec {
            pxm: 1,
            cpus: vec![0x10, 0x12],
            memory: vec![NodeMemory { start: 17 * GIB, end: 33 * GIB, hotpluggable: true }],
        },
    ]
}

#[test]
fn a_313_log() {
    let d = parse_dmesg("dmesg.txt", LOG_313).unwrap();
    assert_eq!(d.cmdline.as_deref(), Some("BOOT_IMAGE=/vmlinuz-3.13.0 root=/dev/sda1 ro movable_node"));
    // `RAMDISK:` prints PAGE_ALIGN(end) - 1.
    assert_eq!(d.initrd, Some((0x36a4c000, 0x37d1e000)));
    assert_eq!(d.e820.as_ref().map(Vec::len), Some(4));
    assert_eq!(d.e820_lines, Some((4, 7)));
    assert_eq!(d.nodes, nodes_313());
    assert_eq!(d.pxm_to_node, vec![(0, 0), (1, 1)]);
    assert!(d.notes.is_empty());
}

#[test]
fn without_timestamps_and_with_crlf() {
    let bare: String = LOG_313.lines().map(|l| format!("{}\r\n", &l[15..])).collect();
    let a = parse_dmesg("dmesg.txt", LOG_313).unwrap();
    let b = parse_dmesg("dmesg.txt", &bare).unwrap();
    assert_eq!((a.cmdline, a.initrd, a.e820, a.nodes), (b.cmdline, b.initrd, b.e820, b.nodes));
}

#[test]
fn the_parts_build_an_srat_with_the_same_ranges() {
    let d = parse_dmesg("dmesg.txt", LOG_313).unwrap();
    let parts = d.parts();
    assert_eq!(parts.kernel, None, "the Memory: line does not place the kernel");
    let srat = parts.srat.unwrap();
    let t = SratTable::from_bytes(&srat).unwrap();
    let mems: Vec<(u32, u64, u64, bool)> = t
        .subtables()
        .filter_map(|s| match s.decode() {
            Ok(SratEntry::Memory(m)) => Some((
                m.pxm(t.revision()),
                m.base_address,
                m.end(),
                m.flags.contains(integration::movable_node::acpi_srat::MemoryAffinityFlags::HOT_PLUGGABLE),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        mems,
        vec![
            (0, 0, 0xa0000, false),
            (0, 0x100000, 3 * GIB, false),
            (0, 4 * GIB, 17 * GIB, false),
            (1, 17 * GIB, 33 * GIB, true)
        ]
    );
}

#[test]
fn a_61_log_with_non_volatile_memory_and_a_relocated_initrd() {
    let log = "\
[    0.000000] Command line: console=ttyS0 nokaslr
[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000007fffffff] usable
[    0.000000] BIOS-e820: [mem 0x0000000100000000-0x000000017fffffff] persistent (type 7)
[    0.012000] RAMDISK: [mem 0x7f000000-0x7fffffff]
[    0.012001] Allocated new RAMDISK: [mem 0x3e000000-0x3effffff]
[    0.020000] SRAT: PXM 0 -> APIC 0x00 -> Node 0
[    0.020001] SRAT: PXM 1 -> APIC 0x100 -> Node 1
[    0.020002] ACPI: SRAT: Node 0 PXM 0 [mem 0x00000000-0x7fffffff]
[    0.020003] ACPI: SRAT: Node 1 PXM 1 [mem 0x100000000-0x17fffffff] hotplug non-volatile
";
    let d = parse_dmesg("dmesg.txt", log).unwrap();
    assert_eq!(d.initrd, Some((0x7f000000, 0x80000000)), "where the bootloader put it, not where it moved");
    assert_eq!(
        d.nodes,
        vec![
            NodeSpec {
                pxm: 0,
                cpus: vec![0],
                memory: vec![NodeMemory { start: 0, end: 2 * GIB, hotpluggable: false }]
            },
            NodeSpec {
                pxm: 1,
                cpus: vec![],
                memory: vec![NodeMemory { start: 4 * GIB, end: 6 * GIB, hotpluggable: true }]
            },
        ]
    );
    assert_eq!(
        d.notes,
        vec![
            "dmesg.txt:8: APIC id 0x100 does not fit the SRAT's 8-bit local APIC entry; the CPU is left out",
            "dmesg.txt:10: non-volatile range [mem 0x100000000-0x17fffffff] of PXM 1 is taken as ordinary memory",
        ]
    );
}

#[test]
fn a_26_log() {
    // 2.6.3x: `SRAT: Node %u PXM %u %Lx-%Lx` (exclusive end), `RAMDISK: %08llx - %08llx`.
    let log = "\
 BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)
 BIOS-e820: 0000000000100000 - 0000000080000000 (usable)
RAMDISK: 37a5e000 - 37fef000
SRAT: PXM 0 -> APIC 0 -> Node 0
SRAT: PXM 1 -> APIC 1 -> Node 1
SRAT: Node 0 PXM 0 0-40000000
SRAT: Node 1 PXM 1 40000000-80000000
";
    let d = parse_dmesg("old.txt", log).unwrap();
    assert_eq!(d.initrd, Some((0x37a5e000, 0x37fef000)));
    assert_eq!(d.nodes.len(), 2);
    assert_eq!(d.nodes[1].memory, vec![NodeMemory { start: GIB, end: 2 * GIB, hotpluggable: false }]);
    assert_eq!(d.nodes[1].cpus, vec![1]);
}

#[test]
fn a_log_without_any_of_it() {
    let d = parse_dmesg("late.txt", "[ 5000.1] eth0: link up\n[ 5000.2] usb 1-1: new device\n").unwrap();
    assert_eq!((&d.e820, &d.cmdline, d.initrd, d.nodes.len()), (&None, &None, None, 0));
    let p = d.parts();
    assert_eq!((p.e820, p.srat, p.cmdline), (None, None, None));
}

#[test]
fn kernel_command_line_alone_is_not_the_command_line() {
    let d = parse_dmesg("d.txt", "[    0.1] Kernel command line: quiet\n").unwrap();
    assert_eq!(d.cmdline, None);
    let d = parse_dmesg("d.txt", "[    0.0] Command line: \n").unwrap();
    assert_eq!(d.cmdline.as_deref(), Some(""));
}

#[test]
fn cut_short() {
    // In an SRAT line: an error. In the command line: kept, with a note. In another line: nothing.
    let mut log = String::from(LOG_313);
    log.push_str("[    0.000000] SRAT: Node 1 PXM 1 [mem 0x840000000-0x8");
    let err = parse_dmesg("dmesg.txt", &log).unwrap_err();
    assert!(matches!(err, InputError::CutLine { .. }));
    assert_eq!(
        err.to_string(),
        "dmesg.txt:20: the file ends in the middle of this line (was the log cut short?): \"SRAT: Node 1 PXM 1 [mem 0x840000000-0x8\""
    );
    let d = parse_dmesg("dmesg.txt", "[    0.000000] Command line: ro quiet movable_no").unwrap();
    assert_eq!(d.cmdline.as_deref(), Some("ro quiet movable_no"));
    assert_eq!(d.notes, vec!["dmesg.txt:1: the log ends in its Command line: line, which may be cut short"]);
    let mut log = String::from(LOG_313);
    log.push_str("[    0.000000] NUMA: Node 0 [mem 0x00000000-0x0009ffff] + [mem 0x0010");
    assert_eq!(parse_dmesg("dmesg.txt", &log).unwrap().nodes, nodes_313());
}

#[test]
fn errors() {
    let cases: &[(&str, &str)] = &[
        (
            "SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff] movable\nmore\n",
            "d.txt:1: cannot read \"SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff] movable\": expected SRAT: Node N \
             PXM P [mem 0xSTART-0xEND] with optional ` hotplug` and ` non-volatile`, or the old SRAT: Node N PXM P \
             START-END",
        ),
        (
            "x\nSRAT: Node 0 PXM 0 [mem 0x00100000-0x0009ffff]\n",
            "d.txt:2: cannot read \"SRAT: Node 0 PXM 0 [mem 0x00100000-0x0009ffff]\": expected SRAT: Node N PXM P \
             [mem 0xSTART-0xEND] with optional ` hotplug` and ` non-volatile`, or the old SRAT: Node N PXM P START-END",
        ),
        (
            "SRAT: PXM 0 -> APIC zz -> Node 0\n",
            "d.txt:1: cannot read \"SRAT: PXM 0 -> APIC zz -> Node 0\": expected SRAT: PXM P -> APIC 0xID -> Node N",
        ),
        (
            "[ 0.0] RAMDISK: [mem 0x37000000-]\n",
            "d.txt:1: cannot read \"RAMDISK: [mem 0x37000000-]\": expected RAMDISK: [mem 0xSTART-0xEND], or the old \
             RAMDISK: START - END",
        ),
        (
            "SRAT: PXM 0 -> APIC 0x00 -> Node 0\nSRAT: Node 1 PXM 0 [mem 0x00000000-0x0009ffff]\n",
            "d.txt:2: PXM 0 -> node 1 contradicts line 1 (PXM 0 -> node 0): is this more than one boot?",
        ),
        (
            "SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff]\nSRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff]\n",
            "d.txt:2: PXM 0's range [mem 0x0-0x9ffff] again (first on line 1): is this more than one boot?",
        ),
        (
            "BIOS-e820: [mem 0x0-0x9ffff] usable\nBIOS-e820: [mem 0x9f000-0xfffff] reserved\n",
            "d.txt:2: e820 entries [mem 0x0-0x9ffff] and [mem 0x9f000-0xfffff] overlap (the other entry is at d.txt:1)",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(parse_dmesg("d.txt", text).unwrap_err().to_string(), *want, "{text:?}");
    }
}
