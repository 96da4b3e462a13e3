//! The six real machines of `testdata/fixtures/linux-6.1-qemu`, booted by the modern profile from
//! the files a user would give bootsim: what the real kernel printed and what sysfs showed
//! after boot are the expected values.

use std::path::{Path, PathBuf};

use integration::boot::{Boot, setup_arch};
use integration::input::{Inputs, assemble};
use integration::movable_node::KernelProfile;

fn fixtures() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/fixtures/linux-6.1-qemu");
    assert!(root.is_dir(), "the fixtures are missing: expected {}", root.display());
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    v.sort();
    assert_eq!(v.len(), 6);
    v
}

/// dmesg lines without their `[    0.000000] ` timestamps.
fn dmesg(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("dmesg.txt"))
        .unwrap()
        .lines()
        .map(|l| match l.strip_prefix('[') {
            Some(rest) => rest.split_once("] ").map_or(l, |(_, t)| t).to_string(),
            None => l.to_string(),
        })
        .collect()
}

fn boot(inputs: Inputs) -> Boot {
    let m = assemble(&inputs).unwrap().machine;
    setup_arch(&m, KernelProfile::Modern).unwrap()
}

fn from_dmesg(dir: &Path) -> Boot {
    boot(Inputs { dmesg: Some(dir.join("dmesg.txt")), iomem: Some(dir.join("iomem.txt")), ..Inputs::default() })
}

fn from_memmap_and_srat(dir: &Path) -> Boot {
    // The kernel's own command line, so that the two boots ask for the same things.
    let cmdline = dmesg(dir).iter().find_map(|l| l.strip_prefix("Command line: ").map(str::to_string)).unwrap();
    boot(Inputs {
        e820: Some(dir.join("memmap.txt")),
        srat: Some(dir.join("srat.bin")),
        iomem: Some(dir.join("iomem.txt")),
        cmdline: Some(cmdline),
        ..Inputs::default()
    })
}

/// The kernel's lines from `Zone ranges:` to the last `  node` line of `Early memory node ranges`.
fn zone_section(lines: &[String]) -> Vec<String> {
    let start = lines.iter().position(|l| l == "Zone ranges:").expect("no Zone ranges");
    lines[start..]
        .iter()
        .take_while(|l| {
            l.starts_with("Zone ranges:")
                || l.starts_with("  ")
                || l.starts_with("Movable zone start")
                || l.starts_with("Early memory node ranges")
        })
        .cloned()
        .collect()
}

#[test]
fn zone_and_node_ranges_are_the_kernels() {
    for dir in fixtures() {
        let kernel = zone_section(&dmesg(&dir));
        for b in [from_dmesg(&dir), from_memmap_and_srat(&dir)] {
            let ours = b.zones.as_ref().unwrap().kernel_lines(KernelProfile::Modern);
            assert_eq!(ours, kernel, "{}", dir.display());
        }
    }
}

#[test]
fn node_data_lands_in_the_kernels_node() {
    for dir in fixtures() {
        let lines = dmesg(&dir);
        let b = from_dmesg(&dir);
        let numa = b.numa.as_ref().unwrap();
        for l in lines.iter().filter(|l| l.starts_with("NODE_DATA(") && l.contains(" allocated [mem ")) {
            // NODE_DATA(1) allocated [mem 0x13ffd2000-0x13fffcfff]
            let nid: i32 = l["NODE_DATA(".len()..l.find(')').unwrap()].parse().unwrap();
            let start = u64::from_str_radix(l.split("[mem 0x").nth(1).unwrap().split('-').next().unwrap(), 16).unwrap();
            let kernel_node = b.memblock.search_pfn_nid(start >> 12).unwrap().nid;
            let ours = numa.nodes.iter().find(|n| n.nid == nid).unwrap().node_data.unwrap();
            let our_node = b.memblock.search_pfn_nid(ours >> 12).unwrap().nid;
            assert_eq!(our_node, kernel_node, "{}: NODE_DATA({nid})", dir.display());
            // The address too: Linux 6.1's own phases put it where the kernel did (under the
            // series' list with 6.1's rules it sat a page higher on three nodes).
            assert_eq!(ours, start, "{}: NODE_DATA({nid})", dir.display());
        }
    }
}

#[test]
fn memory_blocks_have_the_kernels_node_and_zone() {
    for dir in fixtures() {
        let text = std::fs::read_to_string(dir.join("memory_blocks.txt")).unwrap();
        let mut lines = text.lines();
        let size = u64::from_str_radix(lines.next().unwrap().strip_prefix("block_size_bytes=").unwrap(), 16).unwrap();
        let b = from_dmesg(&dir);
        let blocks = b.blocks.as_ref().unwrap();
        assert_eq!(blocks.block_size, size, "{}", dir.display());
        let mut seen = 0;
        for l in lines {
            // memory1 phys_index=00000001 node0 state=online removable=1 valid_zones=DMA32
            let f: Vec<&str> = l.split_whitespace().collect();
            let index: u64 = f[0].strip_prefix("memory").unwrap().parse().unwrap();
            let node: i32 = f[2].strip_prefix("node").unwrap().parse().unwrap();
            let zone = f.iter().find_map(|x| x.strip_prefix("valid_zones=")).unwrap();
            let ours = blocks
                .blocks
                .iter()
                .find(|x| x.index == index)
                .unwrap_or_else(|| panic!("{}: no memory{index}", dir.display()));
            assert_eq!(ours.nid, node, "{}: memory{index}", dir.display());
            assert_eq!(ours.zone.map_or("none", |z| z.name()), zone, "{}: memory{index}", dir.display());
            seen += 1;
        }
        assert_eq!(seen, blocks.blocks.len(), "{}: block count", dir.display());
    }
}
