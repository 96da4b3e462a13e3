//! `--json` of the built-in machine: it parses back into the schema's structs and into plain
//! JSON, every field is documented in `SCHEMA.md`, and the values are the ones worked out by
//! hand from the machine (two sockets: node 0 = [0, 17 GiB) with the PCI hole, node 1 =
//! [17 GiB, 33 GiB) hotpluggable; kernel at 16 MiB; `movable_node crashkernel=256M`).

use std::collections::BTreeSet;

use integration::boot::{Boot, setup_arch};
use integration::json::{Comparison, Report, SCHEMA, compare_to_json, to_json, to_pretty_string};
use integration::machine::Machine;
use integration::movable_node::KernelProfile;
use serde_json::Value;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

fn default_boot(p: KernelProfile) -> Boot {
    setup_arch(&Machine::default_machine(), p).unwrap()
}

fn report() -> Report {
    Report::from_boot(&default_boot(KernelProfile::V3_13))
}

#[test]
fn json_parses_back_into_the_structs_and_into_values() {
    let boot = default_boot(KernelProfile::V3_13);
    let text = to_pretty_string(&Report::from_boot(&boot));
    let back: Report = serde_json::from_str(&text).unwrap();
    assert_eq!(back, Report::from_boot(&boot));
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value, to_json(&boot));
    assert_eq!(serde_json::from_value::<Report>(value).unwrap(), back);
    // The text lists the fields in the schema's order, starting with the schema string.
    assert!(text.starts_with("{\n  \"schema\": \"bootsim/1\",\n  \"machine\": {"), "{}", &text[..80]);
}

#[test]
fn the_schema_string_and_the_machine() {
    let v = to_json(&default_boot(KernelProfile::V3_13));
    assert_eq!(v["schema"], "bootsim/1");
    assert_eq!(SCHEMA, "bootsim/1");
    let m = &v["machine"];
    assert_eq!(m["name"], "default: two sockets, node 1 hotpluggable");
    assert_eq!(m["cmdline"], "ro quiet movable_node crashkernel=256M");
    assert_eq!(m["kernel"]["text"], 16 * MIB);
    assert_eq!(m["kernel"]["bss_stop"], 0x440_0000);
    assert_eq!(m["kernel"]["end"], 0x443_0000);
    assert_eq!(m["initrd"]["start"], 0xbe00_0000_u64);
    assert_eq!(m["initrd"]["end"], 0xbfd9_a000_u64);
    assert_eq!(m["e820"].as_array().unwrap().len(), 8);
    assert_eq!(v["profile"], "3.13");
    assert_eq!(v["movable_node"], "enabled");
    assert_eq!(v["numa_method"], "acpi");
    // Patch 6: top-down again as soon as SRAT is parsed.
    assert_eq!(v["bottom_up_after_numa"], false);
    assert_eq!(v["panic"], Value::Null);
    assert_eq!(v["warnings"], serde_json::json!([]));
}

#[test]
fn the_e820_map_the_kernel_used_is_trimmed() {
    let r = report();
    // trim_bios_range(): page 0 becomes reserved, usable RAM then starts at 4 KiB.
    assert_eq!((r.e820[0].start, r.e820[0].end, r.e820[0].kind.as_str(), r.e820[0].code), (0, 0x1000, "reserved", 2));
    assert_eq!((r.e820[1].start, r.e820[1].end, r.e820[1].kind.as_str()), (0x1000, 0x9fc00, "usable"));
    let last = r.e820.last().unwrap();
    assert_eq!((last.start, last.end, last.size, last.code), (4 * GIB, 33 * GIB, 29 * GIB, 1));
}

#[test]
fn memory_regions_carry_their_nodes() {
    let r = report();
    let regions: Vec<(u64, u64, Option<i32>)> = r.memory.iter().map(|m| (m.base, m.end, m.nid)).collect();
    // memblock_trim_memory() trims [4 KiB, 0x9fc00) to whole pages; SRAT splits the top RAM at
    // 17 GiB.
    assert_eq!(
        regions,
        vec![
            (0x1000, 0x9f000, Some(0)),
            (MIB, 0xbffd_f000, Some(0)),
            (4 * GIB, 17 * GIB, Some(0)),
            (17 * GIB, 33 * GIB, Some(1)),
        ]
    );
    assert!(r.memory.iter().all(|m| m.flags.is_empty() && m.size == m.end - m.base));
    // The kernel's total is not lowered by the trim (0xc00 bytes here): 32767 MB in its
    // crash kernel line.
    assert_eq!(r.memory_bytes, 0x7_fff7_dc00);
    assert_eq!(r.memory_bytes - r.memory.iter().map(|m| m.size).sum::<u64>(), 0xc00);
}

#[test]
fn node_1_spans_17_to_33_gib_and_is_hotpluggable() {
    let r = report();
    assert_eq!(r.nodes.len(), 2);
    let n1 = &r.nodes[1];
    assert_eq!((n1.nid, n1.start, n1.end), (1, 17 * GIB, 33 * GIB));
    assert_eq!(n1.ranges.iter().map(|x| (x.start, x.end)).collect::<Vec<_>>(), vec![(17 * GIB, 33 * GIB)]);
    assert_eq!(n1.present_bytes, 16 * GIB);
    assert!(n1.hotpluggable);
    assert_eq!(n1.hotpluggable_ranges.iter().map(|x| (x.start, x.end)).collect::<Vec<_>>(), vec![(17 * GIB, 33 * GIB)]);
    // 3.13 has no ZONE_MOVABLE from SRAT: all of it is Normal, 16 GiB / 4 KiB pages.
    assert_eq!(n1.zones.len(), 1);
    assert_eq!((n1.zones[0].kind.as_str(), n1.zones[0].start, n1.zones[0].end), ("Normal", 17 * GIB, 33 * GIB));
    assert_eq!(n1.zones[0].present_pages, 4 << 20);
    assert_eq!(n1.pages_outside_movable, 4 << 20);

    let n0 = &r.nodes[0];
    assert_eq!((n0.nid, n0.start, n0.end, n0.hotpluggable), (0, 0, 17 * GIB, false));
    assert!(n0.hotpluggable_ranges.is_empty());
    assert_eq!(n0.verdict.as_deref(), Some("not_hotpluggable"));
    let zones: Vec<(&str, u64, u64, u64)> =
        n0.zones.iter().map(|z| (z.kind.as_str(), z.start, z.end, z.present_pages)).collect();
    // DMA: [4 KiB, 0x9f000) and [1 MiB, 16 MiB) = 158 + 3840 pages; DMA32: [16 MiB,
    // 0xbffdf000); Normal: [4 GiB, 17 GiB) = 13 GiB.
    assert_eq!(
        zones,
        vec![
            ("DMA", 0x1000, 16 * MIB, 158 + 3840),
            ("DMA32", 16 * MIB, 4 * GIB, (0xbffd_f000 - 16 * MIB) >> 12),
            ("Normal", 4 * GIB, 17 * GIB, (13 * GIB) >> 12),
        ]
    );
}

#[test]
fn node_data_and_mem_map_pin_node_1_after_the_direction_reset() {
    let r = report();
    let n1 = &r.nodes[1];
    // NODE_DATA (0x15000 bytes) top-down at the top of its node once SRAT is parsed.
    assert_eq!(n1.node_data, Some(33 * GIB - 0x15000));
    assert_eq!(r.nodes[0].node_data, Some(17 * GIB - 0x15000));
    assert_eq!(n1.verdict.as_deref(), Some("blocked"));
    // mem_map: 128 sections of 128 MiB, 2 MiB of struct page each = 256 MiB, 2 MiB aligned,
    // top-down below NODE_DATA: 0x83ffeb000 - 256 MiB rounded down to 2 MiB.
    let blockers: Vec<(&str, u64, u64)> = n1.blockers.iter().map(|b| (b.label.as_str(), b.start, b.end)).collect();
    assert_eq!(
        blockers,
        vec![("sparse_init (mem_map)", 0x8_2fe0_0000, 0x8_3fe0_0000), ("setup_node_data", 0x8_3ffe_b000, 33 * GIB),]
    );
    // They lie in blocks 0x82fe00000 / 128 MiB = 261 to (33 GiB - 1) / 128 MiB = 263.
    assert_eq!(n1.blocks_cannot_offline, vec![261, 262, 263]);
    let labels: Vec<(&str, u64, usize)> =
        n1.reservations.iter().map(|x| (x.label.as_str(), x.bytes, x.ranges)).collect();
    assert_eq!(labels, vec![("setup_node_data", 0x15000, 1), ("sparse_init (mem_map)", 256 * MIB, 1)]);
}

#[test]
fn the_crash_kernel_is_256_mib_at_640_mib_reserved_after_srat() {
    let v = to_json(&default_boot(KernelProfile::V3_13));
    let ck = &v["crash_kernel"];
    // crashkernel=256M: top-down (SRAT is parsed, the direction reset) below 896 MiB, 16 MiB
    // aligned: 896 - 256 = 640 MiB, free RAM in node 0.
    assert_eq!(ck["status"], "reserved");
    assert_eq!(ck["placement"], "after_srat");
    assert_eq!(ck["base"], 640 * MIB);
    assert_eq!(ck["size"], 256 * MIB);
    assert_eq!(ck["node"], 0);
    assert_eq!(ck["high"], false);
    assert_eq!(ck["low"], Value::Null);
    assert_eq!(ck["error"], Value::Null);
    let r = report();
    assert!(r.reservations.iter().any(|x| x.label == "reserve_crashkernel"
        && (x.start, x.end, x.size, x.node) == (640 * MIB, 896 * MIB, 256 * MIB, Some(0))));
}

#[test]
fn page_tables_come_from_brk_in_3_13_and_from_node_1_in_3_12() {
    let r = report();
    let pt = r.page_tables.as_ref().unwrap();
    // 1 GiB pages: 5 pages (PGD, PUDs, PMDs for the first 2 MiB ...), all from the 6-page BRK
    // buffer at 0x4405000 (BRK starts at __bss_stop 0x4400000 with 0x5000 used).
    assert_eq!((pt.pages.len(), pt.from_brk, pt.from_memblock), (5, 5, 0));
    assert!(
        pt.pages
            .iter()
            .all(|p| p.source == "brk" && (0x440_5000..0x440_b000).contains(&p.address) && p.node == Some(0))
    );
    assert_eq!(pt.mapped_end, 33 * GIB);

    let r12 = Report::from_boot(&default_boot(KernelProfile::V3_12));
    let pt = r12.page_tables.as_ref().unwrap();
    assert_eq!((pt.from_brk, pt.from_memblock), (3, 2));
    assert!(pt.pages.iter().filter(|p| p.source == "memblock").all(|p| p.node == Some(1) && p.address >= 17 * GIB));
    assert_eq!(r12.crash_kernel.placement, "before_srat");
}

#[test]
fn reserved_regions_are_covered_by_their_labels() {
    let r = report();
    for reg in &r.reserved {
        let mut at = reg.region.base;
        for l in &reg.labels {
            assert_eq!(l.start, at, "{reg:?}");
            assert_eq!(l.size, l.end - l.start);
            at = l.end;
        }
        assert_eq!(at, reg.region.end, "{reg:?}");
        assert_eq!(reg.region.nid, None);
    }
    let kernel = r.reservations.iter().find(|x| x.label == "kernel image").unwrap();
    assert_eq!((kernel.start, kernel.end, kernel.node), (16 * MIB, 0x440_0000, Some(0)));
    let ebda = r.reservations.iter().find(|x| x.label == "reserve_ebda_region").unwrap();
    assert_eq!((ebda.start, ebda.end, ebda.node), (0x9fc00, MIB, None));
    let pieces: usize = r.reserved.iter().map(|x| x.labels.len()).sum();
    assert_eq!(pieces, r.reservations.len());
}

#[test]
fn memory_blocks_show_node_zone_and_pins() {
    let r = report();
    let b = r.memory_blocks.as_ref().unwrap();
    // Below 64 GiB of memory: 128 MiB blocks.
    assert_eq!(b.block_size, 128 * MIB);
    let blk = |i: u64| b.blocks.iter().find(|x| x.index == i).unwrap();
    // Block 0 holds DMA and DMA32 pages: valid_zones says none.
    assert_eq!((blk(0).node, blk(0).zone.as_deref(), blk(0).can_offline), (Some(0), None, false));
    // The first block of node 1: 17 GiB / 128 MiB = 136, free.
    let first = blk(136);
    assert_eq!((first.start, first.node, first.zone.as_deref()), (17 * GIB, Some(1), Some("Normal")));
    assert!(first.hotpluggable && first.can_offline && first.reservations.is_empty());
    assert_eq!(first.present_pages, 32768);
    let pinned = blk(261);
    assert!(!pinned.can_offline);
    assert_eq!(pinned.reservations.len(), 1);
    assert_eq!(pinned.reservations[0].label, "sparse_init (mem_map)");
    // Clipped to the block: mem_map starts 2 MiB below the block's end.
    assert_eq!((pinned.reservations[0].start, pinned.reservations[0].end), (0x8_2fe0_0000, 0x8_3000_0000));
    // The PCI hole [3 GiB, 4 GiB) has no blocks.
    assert!(b.blocks.iter().all(|x| x.index < 24 || x.index >= 32));
}

#[test]
fn steps_and_log_are_there() {
    let r = report();
    assert_eq!(r.steps[0].name, "memblock_reserve");
    assert!(r.steps.iter().any(|s| s.name == "reserve_crashkernel" && s.note.contains("0x28000000")));
    assert!(r.log.iter().any(|l| l == "Reserving 256MB of memory at 640MB for crashkernel (System RAM: 32767MB)"));
}

#[test]
fn every_field_is_documented_in_schema_md() {
    let schema = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SCHEMA.md")).unwrap();
    let mut keys = BTreeSet::new();
    fn walk(v: &Value, keys: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    keys.insert(k.clone());
                    walk(x, keys);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, keys)),
            _ => {}
        }
    }
    // 3.12 has memblock page tables, a crash kernel with everything; a ,high crash kernel has
    // a low part.
    let mut m = Machine::default_machine();
    m.cmdline = "movable_node crashkernel=256M,high".into();
    for v in [
        to_json(&default_boot(KernelProfile::V3_12)),
        to_json(&default_boot(KernelProfile::V3_14)),
        to_json(&setup_arch(&m, KernelProfile::V3_13).unwrap()),
        compare_to_json(&[default_boot(KernelProfile::V3_13)]),
    ] {
        walk(&v, &mut keys);
    }
    for k in &keys {
        assert!(schema.contains(&format!("`{k}`")), "field `{k}` is not in SCHEMA.md");
    }
    assert!(keys.contains("low") && keys.contains("labels") && keys.contains("blocks_cannot_offline"));
}

#[test]
fn readers_ignore_fields_they_do_not_know() {
    let mut v = to_json(&default_boot(KernelProfile::V3_13));
    v["a_field_of_bootsim_1_later"] = serde_json::json!({"x": 1});
    v["nodes"][0]["another"] = Value::Bool(true);
    let r: Report = serde_json::from_value(v).unwrap();
    assert_eq!(r, report());
}

#[test]
fn compare_json_holds_one_report_per_profile() {
    let boots: Vec<Boot> =
        [KernelProfile::V3_12, KernelProfile::V3_13, KernelProfile::V3_14].into_iter().map(default_boot).collect();
    let v = compare_to_json(&boots);
    assert_eq!(v["schema"], "bootsim/1");
    assert_eq!(v["profiles"], serde_json::json!(["3.12", "3.13", "3.14"]));
    let c: Comparison = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(c.reports.len(), 3);
    assert!(c.reports.iter().all(|r| r.schema == SCHEMA));
    let verdicts: Vec<&str> = c.reports.iter().map(|r| r.nodes[1].verdict.as_deref().unwrap()).collect();
    assert_eq!(verdicts, vec!["blocked", "blocked", "removable"]);
    // 3.14: node 1 is ZONE_MOVABLE and its NODE_DATA went to node 0, just below node 0's.
    let n1 = &c.reports[2].nodes[1];
    assert_eq!(n1.zones.iter().map(|z| z.kind.as_str()).collect::<Vec<_>>(), vec!["Movable"]);
    assert_eq!(n1.node_data, Some(17 * GIB - 2 * 0x15000));
    assert!(n1.blockers.is_empty() && n1.blocks_cannot_offline.is_empty());
    assert_eq!(v["reports"][1], to_json(&boots[1]));
}

#[test]
fn failed_and_missing_crash_kernels_and_a_panic() {
    // 1 GiB does not fit below 896 MiB.
    let mut m = Machine::default_machine();
    m.cmdline = "movable_node crashkernel=1G".into();
    let r = Report::from_boot(&setup_arch(&m, KernelProfile::V3_13).unwrap());
    assert_eq!(r.crash_kernel.status, "failed");
    assert_eq!(r.crash_kernel.error.as_deref(), Some("crashkernel reservation failed - No suitable area found."));
    assert_eq!((r.crash_kernel.base, r.crash_kernel.size), (None, None));

    m.cmdline = "movable_node".into();
    let r = Report::from_boot(&setup_arch(&m, KernelProfile::V3_13).unwrap());
    assert_eq!(r.crash_kernel.status, "not_requested");

    // No RAM below 1 MiB: no room for the real-mode trampoline.
    let mut m = Machine::default_machine();
    m.e820.retain(|e| e.addr >= MIB);
    let r = Report::from_boot(&setup_arch(&m, KernelProfile::V3_13).unwrap());
    assert_eq!(r.panic.as_deref(), Some("Cannot allocate trampoline"));
    assert_eq!(r.crash_kernel.status, "not_reached");
    assert!(r.nodes.is_empty() && r.memory_blocks.is_none() && r.page_tables.is_none() && r.numa_method.is_none());
    let back: Report = serde_json::from_str(&to_pretty_string(&r)).unwrap();
    assert_eq!(back, r);
}
