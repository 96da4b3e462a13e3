//! NUMA init and ZONE_MOVABLE: the kernel's rules worked by hand, and the merge lines the real
//! kernel printed for the six QEMU machines.

use std::path::PathBuf;

use movable_node::Errno;
use movable_node::KernelProfile;
use movable_node::SratNuma;
use movable_node::acpi_srat::{MessageStyle, NumaConfig, SratTable};
use movable_node::memblock_bottomup::{BottomUp, SeriesMemblock};
use movable_node::numa::{NumaEvent, NumaMeminfo, NumaParams, x86_numa_init};
use movable_node::zones::{ZoneParams, ZoneType, free_area_init_nodes};

const GIB: u64 = 1 << 30;

fn lines(events: &[NumaEvent]) -> Vec<String> {
    events.iter().map(|e| e.to_string()).collect()
}

#[test]
fn add_memblk_ignores_empty_and_invalid_blocks_and_caps_the_count() {
    let mut mi = NumaMeminfo::default();
    let mut ev = Vec::new();
    assert!(matches!(mi.add_memblk(0, 0x1000, 0x1000, &mut ev), Ok(())));
    assert!(matches!(mi.add_memblk(64, 0, 0x1000, &mut ev), Ok(())));
    assert!(matches!(mi.add_memblk(1, 0x2000, 0x1000, &mut ev), Ok(())));
    assert!(mi.blks().is_empty());
    assert_eq!(
        lines(&ev),
        vec![
            "NUMA: Warning: invalid memblk node 64 [mem 0x00000000-0x00000fff]",
            "NUMA: Warning: invalid memblk node 1 [mem 0x00002000-0x00000fff]",
        ]
    );
    // NR_NODE_MEMBLKS = 2 * MAX_NUMNODES = 128 blocks fit; the 129th is an error.
    for i in 0..128u64 {
        assert!(matches!(mi.add_memblk(0, i << 20, (i << 20) + 0x1000, &mut ev), Ok(())));
    }
    let err = mi.add_memblk(0, 1 << 40, (1 << 40) + 0x1000, &mut ev).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EINVAL));
    assert_eq!(err.errno().map(Errno::ret), Some(-22));
    assert_eq!(ev.last().unwrap().to_string(), "NUMA: too many memblk ranges");
}

#[test]
fn cleanup_clips_merges_and_rejects_overlaps() {
    let mut ev = Vec::new();
    // Node 0: [0, 640K) and [1M, 2G) merge across the hole; node 1: [2G, 3G) and [4G, 6G)
    // merge across the PCI hole; a block above RAM (8G) is dropped by the clip at 6G.
    let mut mi = NumaMeminfo::default();
    for (nid, s, e) in
        [(0, 0, 0xa0000), (0, 0x10_0000, 2 * GIB), (1, 2 * GIB, 3 * GIB), (1, 4 * GIB, 6 * GIB), (1, 8 * GIB, 9 * GIB)]
    {
        mi.add_memblk(nid, s, e, &mut ev).unwrap();
    }
    mi.cleanup(6 * GIB, &mut ev).unwrap();
    let blks: Vec<_> = mi.blks().iter().map(|b| (b.nid, b.start, b.end)).collect();
    assert_eq!(blks, vec![(0, 0, 2 * GIB), (1, 2 * GIB, 6 * GIB)]);
    assert_eq!(
        lines(&ev),
        vec![
            "NUMA: Node 0 [mem 0x00000000-0x0009ffff] + [mem 0x00100000-0x7fffffff] -> [mem 0x00000000-0x7fffffff]",
            "NUMA: Node 1 [mem 0x80000000-0xbfffffff] + [mem 0x100000000-0x17fffffff] -> [mem 0x80000000-0x17fffffff]",
        ]
    );
    // A gap of node 0 that holds node 1's memory is not merged.
    let mut ev = Vec::new();
    let mut mi = NumaMeminfo::default();
    for (nid, s, e) in [(0, 0, GIB), (1, GIB, 2 * GIB), (0, 2 * GIB, 3 * GIB)] {
        mi.add_memblk(nid, s, e, &mut ev).unwrap();
    }
    mi.cleanup(3 * GIB, &mut ev).unwrap();
    assert_eq!(mi.blks().len(), 3);
    // Overlap within a node warns and merges; across nodes it is an error.
    let mut ev = Vec::new();
    let mut mi = NumaMeminfo::default();
    mi.add_memblk(0, 0, 2 * GIB, &mut ev).unwrap();
    mi.add_memblk(0, GIB, 3 * GIB, &mut ev).unwrap();
    mi.cleanup(4 * GIB, &mut ev).unwrap();
    assert_eq!(
        ev[0].to_string(),
        "NUMA: Warning: node 0 [mem 0x00000000-0x7fffffff] overlaps with itself [mem 0x40000000-0xbfffffff]"
    );
    assert_eq!(mi.blks()[0].end, 3 * GIB);
    let mut ev = Vec::new();
    let mut mi = NumaMeminfo::default();
    mi.add_memblk(0, 0, 2 * GIB, &mut ev).unwrap();
    mi.add_memblk(1, GIB, 3 * GIB, &mut ev).unwrap();
    let err = mi.cleanup(4 * GIB, &mut ev).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EINVAL));
    assert!(matches!(
        err,
        movable_node::Error::NodeOverlap { nid: 0, start: 0, last, other_nid: 1, other_start, other_last }
            if last == 2 * GIB - 1 && other_start == GIB && other_last == 3 * GIB - 1
    ));
    assert_eq!(
        ev.last().unwrap().to_string(),
        "NUMA: node 0 [mem 0x00000000-0x7fffffff] overlaps with node 1 [mem 0x40000000-0xbfffffff]"
    );
}

fn memblock_4g_4g() -> SeriesMemblock {
    let mut mb = SeriesMemblock::series(0);
    mb.add(0x1000, 0x9e000).unwrap();
    mb.add(0x10_0000, 4 * GIB - 0x10_0000).unwrap();
    mb.add(4 * GIB, 4 * GIB).unwrap();
    mb
}

#[test]
fn no_srat_fakes_one_node_and_numa_off_says_so() {
    let params = NumaParams {
        max_pfn: (8 * GIB) >> 12,
        numa_off: false,
        node_data_size: 0x15000,
        profile: KernelProfile::V3_13,
    };
    let mut mb = memblock_4g_4g();
    let mut srat = SratNuma::new(None, NumaConfig::linux_3_12());
    let state = x86_numa_init(&mut mb, &params, &mut [&mut srat]);
    assert_eq!(state.method, "dummy");
    let l = lines(&state.events);
    assert!(l.contains(&"No NUMA configuration found".to_string()), "{l:?}");
    assert!(l.contains(&"Faking a node at [mem 0x0000000000000000-0x00000001ffffffff]".to_string()), "{l:?}");
    let mut mb = memblock_4g_4g();
    let state = x86_numa_init(&mut mb, &NumaParams { numa_off: true, ..params }, &mut [&mut srat]);
    assert!(lines(&state.events).contains(&"NUMA turned off".to_string()));
}

fn two_nodes() -> SeriesMemblock {
    let mut mb = SeriesMemblock::series(0);
    mb.add_node(0x10_0000, 4 * GIB - 0x10_0000, 0).unwrap();
    mb.add_node(4 * GIB, 4 * GIB, 1).unwrap();
    mb
}

#[test]
fn kernelcore_spreads_the_kernels_share_over_the_nodes() {
    // kernelcore=6G: required 0x180000 pages, 0xc0000 per node. movable_zone is Normal,
    // from 4 GiB (pfn 0x100000). Node 0 lies wholly below it: its 0xfff00 pages are kernel
    // pages (required -> 0x80100) and zone_movable_pfn[0] = its end, 0x100000. Node 1: required
    // is now below the per-node share, so the share becomes 0x80100 / 2 = 0x40080: movable
    // from 0x140080, required -> 0x40080. One node fewer, still required > 1: restart with a
    // share of 0x40080; node 0 has nothing left, node 1 moves on to 0x180100; required -> 0.
    // Rounded up to 1024 pages: 0x180400 (6 GiB + 4 MiB).
    let mb = two_nodes();
    let params = ZoneParams { kernelcore: 6 * GIB, ..ZoneParams::default() };
    let z = free_area_init_nodes(mb.state(), 0x200000, KernelProfile::V3_13, params);
    assert_eq!(z.zone_movable_pfn, vec![(0, 0x100000), (1, 0x180400)]);
    let n1: Vec<_> = z.nodes[1].zones.iter().map(|z| (z.zone, z.start_pfn, z.end_pfn)).collect();
    assert_eq!(n1, vec![(ZoneType::Normal, 0x100000, 0x180400), (ZoneType::Movable, 0x180400, 0x200000)]);
    assert!(z.nodes[0].zones.iter().all(|z| z.zone != ZoneType::Movable));
}

#[test]
fn movablecore_asks_for_the_rest_of_memory() {
    // movablecore=1G: 0x40000 pages of 0x1fff00, so kernelcore = 0x1bff00, 0xdff80 per node.
    // Node 0's 0xfff00 pages below 4 GiB are kernel pages (required -> 0xc0000). Node 1: the
    // share drops to 0xc0000 / 2 = 0x60000: movable from 0x160000, required -> 0x60000; the
    // restart with one node moves it to 0x1c0000 (7 GiB): exactly 1 GiB stays movable.
    let mb = two_nodes();
    let params = ZoneParams { movablecore: GIB, ..ZoneParams::default() };
    let z = free_area_init_nodes(mb.state(), 0x200000, KernelProfile::V3_13, params);
    assert_eq!(z.zone_movable_pfn, vec![(0, 0x100000), (1, 0x1c0000)]);
    // A movablecore larger than memory wraps the kernel's unsigned subtraction: in effect no
    // ZONE_MOVABLE beyond the split of a huge kernelcore.
    let params = ZoneParams { movablecore: 64 * GIB, ..ZoneParams::default() };
    let z = free_area_init_nodes(mb.state(), 0x200000, KernelProfile::V3_13, params);
    assert!(z.nodes.iter().all(|n| n.zones.iter().all(|z| z.zone != ZoneType::Movable)), "{z:?}");
    // Neither given: no ZONE_MOVABLE, and movable_node alone does nothing before 3.14.
    let params = ZoneParams { movable_node: true, ..ZoneParams::default() };
    let z = free_area_init_nodes(mb.state(), 0x200000, KernelProfile::V3_13, params);
    assert!(z.zone_movable_pfn.is_empty());
}

fn fixtures() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/fixtures/linux-6.1-qemu");
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    v.sort();
    v
}

#[test]
fn real_tables_merge_as_the_kernel_printed() {
    for dir in fixtures() {
        let dmesg = std::fs::read_to_string(dir.join("dmesg.txt")).unwrap();
        let text: Vec<&str> = dmesg.lines().map(|l| l.split_once("] ").map_or(l, |(_, t)| t)).collect();
        // memblock memory from the kernel's own BIOS-e820 usable lines (page 0 trimmed).
        let mut mb = SeriesMemblock::series(0);
        let mut end = 0;
        for l in text.iter().filter(|l| l.starts_with("BIOS-e820: [mem ") && l.ends_with("usable")) {
            let r = &l["BIOS-e820: [mem ".len()..l.find(']').unwrap()];
            let (s, e) = r.split_once('-').unwrap();
            let (s, e) = (u64::from_str_radix(&s[2..], 16).unwrap(), u64::from_str_radix(&e[2..], 16).unwrap() + 1);
            let s = s.max(0x1000);
            mb.add(s, e - s).unwrap();
            end = end.max(e);
        }
        mb.trim_memory(4096);
        let bytes = std::fs::read(dir.join("srat.bin")).unwrap();
        let mut config = NumaConfig::linux_3_12();
        config.style = MessageStyle::Linux6_1;
        let mut srat = SratNuma::new(Some(SratTable::from_bytes(&bytes).unwrap()), config);
        let params =
            NumaParams { max_pfn: end >> 12, numa_off: false, node_data_size: 0x2b000, profile: KernelProfile::Modern };
        let state = x86_numa_init(&mut mb, &params, &mut [&mut srat]);
        let ours: Vec<String> =
            state.events.iter().filter(|e| matches!(e, NumaEvent::Merge(..))).map(|e| e.to_string()).collect();
        let kernel: Vec<String> = text.iter().filter(|l| l.starts_with("NUMA: Node ")).map(|l| l.to_string()).collect();
        assert_eq!(ours, kernel, "{}", dir.display());
        let srat_lines: Vec<String> = state
            .events
            .iter()
            .filter_map(|e| match e {
                NumaEvent::Srat(l) if l.starts_with("ACPI: SRAT: Node") => Some(l.clone()),
                _ => None,
            })
            .collect();
        let kernel_srat: Vec<String> =
            text.iter().filter(|l| l.starts_with("ACPI: SRAT: Node")).map(|l| l.to_string()).collect();
        assert_eq!(srat_lines, kernel_srat, "{}", dir.display());
    }
}
