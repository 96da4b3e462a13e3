//! Real SRATs from QEMU 7.2 machines and what Linux 6.1 printed for them
//! (`testdata/fixtures/linux-6.1-qemu/*/{srat.bin,dmesg.txt}`): the model, rendering in 6.1's
//! wording, must print exactly the kernel's SRAT lines, give the same PXM -> node map and the same
//! memory ranges.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use movable_node::acpi_srat::{Message, NumaConfig};

/// The real machines, in the repository's `testdata/`.
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/fixtures");

fn machines() -> Vec<PathBuf> {
    let root = Path::new(FIXTURES).join("linux-6.1-qemu");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("fixtures missing at {}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("srat.bin").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// The dmesg lines the SRAT parse printed, without timestamps.
fn dmesg_srat_lines(dmesg: &str) -> Vec<String> {
    dmesg
        .lines()
        .map(|l| match l.find("] ") {
            Some(i) if l.starts_with('[') => &l[i + 2..],
            _ => l,
        })
        .filter(|l| l.starts_with("SRAT: ") || l.starts_with("ACPI: SRAT: ") || l.starts_with("ACPI: [SRAT:"))
        .map(str::to_string)
        .collect()
}

/// `ACPI: SRAT: Node N PXM P [mem 0xA-0xB]` -> (node, pxm, start, end exclusive).
fn parse_node_line(line: &str) -> Option<(u32, u32, u64, u64)> {
    let rest = line.strip_prefix("ACPI: SRAT: Node ")?;
    let (node, rest) = rest.split_once(" PXM ")?;
    let (pxm, rest) = rest.split_once(" [mem ")?;
    let (start, rest) = rest.split_once('-')?;
    let end = rest.strip_suffix(']')?;
    let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok();
    Some((node.parse().ok()?, pxm.parse().ok()?, hex(start)?, hex(end)? + 1))
}

#[test]
fn model_prints_what_linux_6_1_printed() {
    let machines = machines();
    assert_eq!(machines.len(), 6, "expected the six linux-6.1-qemu machines");
    for dir in machines {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let srat = std::fs::read(dir.join("srat.bin")).unwrap();
        let dmesg = std::fs::read_to_string(dir.join("dmesg.txt")).unwrap();
        let kernel_lines = dmesg_srat_lines(&dmesg);
        assert!(kernel_lines.len() >= 5, "{name}: too few SRAT lines in dmesg");

        let (numa, ret) = parse(&srat, NumaConfig::linux_6_1_messages());
        assert_eq!(ret, Ok(()), "{name}");
        assert_eq!(numa.message_lines(), kernel_lines, "{name}: message lines");

        // PXM -> node and the ranges, from the kernel's own lines.
        let kernel_ranges: Vec<_> = kernel_lines.iter().filter_map(|l| parse_node_line(l)).collect();
        assert!(!kernel_ranges.is_empty(), "{name}");
        let ours: Vec<_> = numa.memblks().iter().map(|b| (b.node, b.pxm, b.start, b.end)).collect();
        assert_eq!(ours, kernel_ranges, "{name}: memory ranges");
        for (node, pxm, _, _) in &kernel_ranges {
            assert_eq!(numa.pxm_to_node(*pxm as i32), *node as i32, "{name}: PXM {pxm}");
        }
        assert!(numa.memblks().iter().all(|b| !b.hotpluggable), "{name}: QEMU marks none");
        assert!(
            numa.messages().iter().all(|m| matches!(m, Message::ProcessorNode { .. } | Message::MemoryNode { .. }))
        );
    }
}

#[test]
fn facts_txt_header_matches() {
    // facts.txt: "header sig=SRAT len=240 rev=1 ... checksum_ok=True".
    for dir in machines() {
        let srat = std::fs::read(dir.join("srat.bin")).unwrap();
        let facts = std::fs::read_to_string(dir.join("facts.txt")).unwrap();
        let header = facts.lines().find(|l| l.starts_with("header sig=SRAT")).unwrap();
        let table = movable_node::acpi_srat::SratTable::from_bytes(&srat).unwrap();
        assert!(header.contains(&format!("len={} ", table.length())), "{header}");
        assert!(header.contains(&format!("rev={} ", table.revision())), "{header}");
        assert!(header.contains("checksum_ok=True") && table.checksum().is_valid());
    }
}
