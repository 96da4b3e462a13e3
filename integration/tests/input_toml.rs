//! Machine files: the shipped examples, MACHINE.md's example, every value form, and every error
//! with its line.

mod input_common;

use std::path::Path;

use input_common::{fixtures, scratch, write};
use integration::boot::setup_arch;
use integration::input::{InputError, MachineParts, parse_machine_toml, read_machine_toml};
use integration::machine::{BuildConfig, KernelImage, Machine, NodeMemory};
use integration::movable_node::verdict::Verdict;
use integration::movable_node::{E820Entry, E820Type, KernelProfile};

const GIB: u64 = 1 << 30;

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn parse(text: &str) -> Result<MachineParts, InputError> {
    parse_machine_toml("m.toml", text, Path::new("."))
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

#[test]
fn the_default_machine_file_is_the_built_in_machine() {
    let parts = read_machine_toml(&manifest().join("machines/default.toml")).unwrap();
    assert_eq!(parts.into_machine(), Machine::default_machine());
}

#[test]
fn the_four_node_machine_boots_with_two_removable_nodes() {
    let parts = read_machine_toml(&manifest().join("machines/four-nodes.toml")).unwrap();
    let nodes = parts.nodes.clone().unwrap();
    assert_eq!(
        nodes.iter().map(|n| n.memory.iter().any(|m| m.hotpluggable)).collect::<Vec<_>>(),
        [false, false, true, true]
    );
    let m = parts.into_machine();
    // `end` left out: __bss_stop + the default BRK.
    assert_eq!(m.kernel, KernelImage { text: 0x1000000, bss_stop: 0x4400000, end: 0x4430000 });
    let b = setup_arch(&m, KernelProfile::V3_14).unwrap();
    let v = |nid: i32| b.verdicts.iter().find(|v| v.nid == nid).map(|v| v.verdict);
    assert_eq!(v(2), Some(Verdict::Removable));
    assert_eq!(v(3), Some(Verdict::Removable));
}

#[test]
fn the_64_tib_machine_boots_with_eight_removable_nodes_under_3_14() {
    let parts = read_machine_toml(&manifest().join("machines/64tib-16-nodes.toml")).unwrap();
    let nodes = parts.nodes.clone().unwrap();
    assert_eq!(nodes.len(), 16);
    assert!(nodes.iter().enumerate().all(|(i, n)| n.memory.iter().all(|m| m.hotpluggable == (i % 2 == 1))));
    let m = parts.into_machine();
    // RAM up to 1 GiB short of 64 TiB, the most 4-level paging addresses.
    let top = m.e820.iter().filter(|e| e.kind == E820Type::Ram).map(|e| e.addr + e.size).max();
    assert_eq!(top, Some((64u64 << 40) - GIB));
    for (profile, odd) in [(KernelProfile::V3_13, Verdict::Blocked), (KernelProfile::V3_14, Verdict::Removable)] {
        let b = setup_arch(&m, profile).unwrap();
        for nid in 0..16 {
            let v = b.verdicts.iter().find(|v| v.nid == nid).map(|v| v.verdict);
            let want = if nid % 2 == 1 { odd } else { Verdict::NotHotpluggable };
            assert_eq!(v, Some(want), "node {nid} under {}", profile.name());
        }
    }
}

#[test]
fn the_example_in_machine_md_reads() {
    let md = std::fs::read_to_string(manifest().join("MACHINE.md")).unwrap();
    let block = md.split("```toml\n").nth(1).unwrap().split("```").next().unwrap();
    let parts = parse(block).unwrap();
    let m = parts.into_machine();
    assert_eq!(m.name, "two sockets, node 1 hotpluggable");
    assert_eq!(m.e820.len(), 7);
    assert_eq!(m.e820[4], E820Entry { addr: 0xbffdf000, size: 0x21000, kind: E820Type::Acpi });
    assert_eq!(m.build, BuildConfig::default());
    assert!(setup_arch(&m, KernelProfile::V3_13).is_ok());
    // [platform]: HPET@0xbffe1a94+0x38 is the 56 bytes [0xbffe1a94, 0xbffe1acb].
    let hpet = &m.platform.acpi_tables[4];
    assert_eq!((hpet.signature.as_str(), hpet.base, hpet.last), ("HPET", 0xbffe_1a94, 0xbffe_1acb));
    assert_eq!((m.platform.acpi_tables.len(), m.platform.cpus, m.platform.ioapics), (6, Some(8), Some(1)));
    let boot = setup_arch(&m, KernelProfile::Modern).unwrap();
    assert!(!boot.warnings.iter().any(|w| w.contains("ACPI tables") || w.contains("IO-APIC")), "{:?}", boot.warnings);
}

#[test]
fn a_platform_table_that_does_not_read_is_named() {
    let e = err("[platform]\nacpi_tables = [\"FACP@0x1000\"]\n");
    assert!(e.starts_with("m.toml:1: "), "{e}");
    assert!(e.contains("acpi_tables \"FACP@0x1000\": expected NAME@ADDR+SIZE"), "{e}");
}

#[test]
fn value_forms() {
    let p = parse(
        r#"
[[e820]]
start = 0
end = 655360
type = "System RAM"
[[e820]]
start = "1M"
end = "0x7fff_ffff_ffff_f000"
type = 1
[[e820]]
start = "0x8000000000000000"
end = "0x8000000000001000"
type = "ACPI NVS"
[build]
log_buf_len = "1MiB"
memory_hotplug = false
[cpu]
gbpages = false
"#,
    )
    .unwrap();
    let e = p.e820.unwrap();
    assert_eq!(e[0], E820Entry { addr: 0, size: 0xa0000, kind: E820Type::Ram });
    assert_eq!(e[1].end(), 0x7fff_ffff_ffff_f000);
    assert_eq!(e[2].kind, E820Type::Nvs);
    let b = p.build.unwrap();
    assert_eq!(
        (b.log_buf_len, b.memory_hotplug, b.realmode_size),
        (1 << 20, false, BuildConfig::default().realmode_size)
    );
    let c = p.cpu.unwrap();
    assert!(c.pse && c.pge && !c.gbpages);
    assert_eq!((p.kernel, p.initrd, p.srat, p.cmdline), (None, None, None, None));
}

#[test]
fn a_machine_file_with_only_an_e820_map_has_no_numa_and_no_initrd() {
    let m = parse("[[e820]]\nstart = \"1M\"\nend = \"2G\"\ntype = \"usable\"\n").unwrap().into_machine();
    assert_eq!(m.srat, None);
    assert_eq!(m.initrd, None);
    assert_eq!(m.kernel, Machine::default_machine().kernel);
}

#[test]
fn srat_file_beside_the_machine_file() {
    let dir = scratch("toml-srat");
    std::fs::copy(fixtures().join("pc-2n/srat.bin"), dir.join("srat.bin")).unwrap();
    let toml = write(&dir, "m.toml", "name = \"pc-2n\"\nsrat = \"srat.bin\"\n");
    let p = read_machine_toml(&toml).unwrap();
    assert_eq!(p.srat.as_deref(), Some(std::fs::read(dir.join("srat.bin")).unwrap().as_slice()));
    assert_eq!(p.nodes, None);

    let toml = write(&dir, "bad.toml", "\n\nsrat = \"m.toml\"\n");
    let e = read_machine_toml(&toml).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}: offset 0: not an SRAT: its signature is \"name\", not \"SRAT\" (give /sys/firmware/acpi/tables/SRAT \
             or acpidump -b's srat.dat)",
            dir.join("m.toml").display()
        )
    );
    let toml = write(&dir, "gone.toml", "srat = \"nope.bin\"\n");
    let e = read_machine_toml(&toml).unwrap_err();
    assert!(matches!(e, InputError::Io { .. }));
    assert!(e.to_string().starts_with(&format!("{}: cannot read it: ", dir.join("nope.bin").display())), "{e}");
}

#[test]
fn nodes_become_srat_bytes() {
    let p = parse(
        "[[node]]\npxm = 3\ncpus = [1, \"0x2\"]\n[[node.memory]]\nstart = \"4G\"\nend = \"8G\"\nhotpluggable = true\n",
    )
    .unwrap();
    let nodes = p.nodes.unwrap();
    assert_eq!(nodes[0].pxm, 3);
    assert_eq!(nodes[0].cpus, vec![1, 2]);
    assert_eq!(nodes[0].memory, vec![NodeMemory { start: 4 * GIB, end: 8 * GIB, hotpluggable: true }]);
    assert_eq!(p.srat.unwrap(), integration::srat_builder::build_srat(&nodes));
}

#[test]
fn errors_name_the_line() {
    let cases: &[(&str, &str)] = &[
        ("name = \"x\"\ncmdline = \n", "m.toml:2: string values must be quoted, expected literal string"),
        (
            "name = \"x\"\n\n[kernel]\ntext = 1\nbss_end = 2\n",
            "m.toml:5: unknown field `bss_end`, expected one of `text`, `bss_stop`, `end`",
        ),
        (
            "[kernel]\ntext = \"16Q\"\nbss_stop = 2\n",
            "m.toml:2: \"16Q\": unknown size suffix \"Q\" (use K, M, G, T or P, optionally with iB or B)",
        ),
        ("[initrd]\nstart = -4096\nend = 0\n", "m.toml:2: -4096 is negative; addresses and sizes are not"),
        (
            "[initrd]\nstart = 1.5\nend = 0\n",
            "m.toml:2: invalid type: floating point `1.5`, expected an address or size: an integer, a \"0x...\" string, or a size like \"16G\"",
        ),
        (
            "[[e820]]\nstart = 0\nend = \"1M\"\ntype = \"fast\"\n",
            "m.toml:4: unknown e820 type \"fast\" (use usable, reserved, ACPI data, ACPI NVS, unusable, persistent or a type number)",
        ),
        ("[[e820]]\nstart = 0\nend = \"1M\"\n", "m.toml:1: missing field `type`"),
        (
            "[[e820]]\nstart = 0\nend = \"1M\"\ntype = \"usable\"\n\n[[e820]]\nstart = \"2M\"\nend = \"2M\"\ntype = \"usable\"\n",
            "m.toml:6: [[e820]] entry is empty or ends (0x200000) before it starts (0x200000); end is exclusive",
        ),
        (
            "[[e820]]\nstart = 0\nend = \"2M\"\ntype = \"usable\"\n\n[[e820]]\nstart = \"1M\"\nend = \"3M\"\ntype = \"reserved\"\n",
            "m.toml:6: e820 entries [mem 0x0-0x1fffff] and [mem 0x100000-0x2fffff] overlap (the other entry is at m.toml:1)",
        ),
        ("[[e820]]\nstart = 0\nend = \"2M\"\ntype = \"reserved\"\n", "m.toml:1: the e820 map has no usable RAM"),
        (
            "name = \"x\"\n[kernel]\ntext = \"16M\"\nbss_stop = \"8M\"\n",
            "m.toml:2: [kernel] needs text < bss_stop <= end; it has text 0x1000000, bss_stop 0x800000, end 0x830000",
        ),
        (
            "[initrd]\nstart = \"2M\"\nend = \"1M\"\n",
            "m.toml:1: [initrd] is empty or ends (0x100000) before it starts (0x200000)",
        ),
        (
            "srat = \"s.bin\"\n[[node]]\npxm = 0\n",
            "m.toml:1: give the NUMA layout either as srat = \"file\" or as [[node]] tables, not both",
        ),
        ("[[node]]\npxm = 0\n\n[[node]]\npxm = 0\n", "m.toml:4: pxm 0 is described twice"),
        ("[[node]]\npxm = \"0x100000000\"\n", "m.toml:1: pxm 4294967296 does not fit in 32 bits"),
        (
            "[[node]]\npxm = 1\ncpus = [0, 256]\n",
            "m.toml:1: APIC id 256 of pxm 1 does not fit the SRAT's 8-bit local APIC entry",
        ),
        (
            "[[node]]\npxm = 1\n[[node.memory]]\nstart = \"2G\"\nend = \"1G\"\n",
            "m.toml:3: [[node.memory]] of pxm 1 is empty or ends (0x40000000) before it starts (0x80000000)",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(err(text), *want, "{text:?}");
    }
}
