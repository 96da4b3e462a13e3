//! Zones per node (mm/page_alloc.c, x86-64): DMA below 16 MiB, DMA32 below 4 GiB, Normal
//! above, and ZONE_MOVABLE where `find_zone_movable_pfns_for_nodes()` puts it: from
//! `kernelcore=`/`movablecore=` in 3.12/3.13, from the hotpluggable ranges of SRAT in 3.14
//! when `movable_node` is on.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use crate::crashkernel::memblock_bottomup::{MAX_NUMNODES, MemblockState, Nid, PAGE_SHIFT, RegionFlags, pfn_down};
use crate::profile::KernelProfile;

/// `MAX_DMA_PFN`: 16 MiB.
pub const MAX_DMA_PFN: u64 = (16 << 20) >> PAGE_SHIFT;
/// `MAX_DMA32_PFN`: 4 GiB.
pub const MAX_DMA32_PFN: u64 = (4 << 30) >> PAGE_SHIFT;
/// `MAX_ORDER_NR_PAGES`: 1024 pages (4 MiB); ZONE_MOVABLE starts on such a boundary.
pub const MAX_ORDER_NR_PAGES: u64 = 1 << 10;

/// A zone type of x86-64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ZoneType {
    /// `ZONE_DMA`.
    Dma,
    /// `ZONE_DMA32`.
    Dma32,
    /// `ZONE_NORMAL`.
    Normal,
    /// `ZONE_MOVABLE`: only movable pages, so the memory can be offlined.
    Movable,
}

impl ZoneType {
    /// Every zone, in order.
    pub const ALL: [ZoneType; 4] = [ZoneType::Dma, ZoneType::Dma32, ZoneType::Normal, ZoneType::Movable];

    /// The kernel's name (`zone_names[]`).
    pub const fn name(self) -> &'static str {
        match self {
            ZoneType::Dma => "DMA",
            ZoneType::Dma32 => "DMA32",
            ZoneType::Normal => "Normal",
            ZoneType::Movable => "Movable",
        }
    }
}

/// The boot parameters that shape ZONE_MOVABLE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZoneParams {
    /// `kernelcore=` in bytes.
    pub kernelcore: u64,
    /// `movablecore=` in bytes.
    pub movablecore: u64,
    /// `movable_node` (only 3.14 and later act on it here).
    pub movable_node: bool,
}

/// One zone of one node, in page frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeZone {
    /// Which zone.
    pub zone: ZoneType,
    /// First page frame it spans.
    pub start_pfn: u64,
    /// End (exclusive).
    pub end_pfn: u64,
    /// Pages of memory inside the span (holes left out).
    pub present_pages: u64,
}

/// The zones of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeZones {
    /// The node.
    pub nid: Nid,
    /// `node_start_pfn`.
    pub start_pfn: u64,
    /// End of the node's span.
    pub end_pfn: u64,
    /// Non-empty zones, in order.
    pub zones: Vec<NodeZone>,
}

impl NodeZones {
    /// The zone that page frame `pfn` of this node comes up in.
    pub fn zone_of(&self, pfn: u64) -> Option<ZoneType> {
        self.zones.iter().find(|z| z.start_pfn <= pfn && pfn < z.end_pfn).map(|z| z.zone)
    }
}

/// What `free_area_init_nodes()` decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneLayout {
    /// `arch_zone_lowest_possible_pfn[]` for DMA, DMA32 and Normal.
    pub lowest: [u64; 3],
    /// `arch_zone_highest_possible_pfn[]` for DMA, DMA32 and Normal.
    pub highest: [u64; 3],
    /// `movable_zone`: the zone ZONE_MOVABLE takes its pages from.
    pub movable_zone: ZoneType,
    /// `zone_movable_pfn[]` of nodes that have one, by node.
    pub zone_movable_pfn: Vec<(Nid, u64)>,
    /// Every node with memory.
    pub nodes: Vec<NodeZones>,
    /// Every memory range with its node, as `Early memory node ranges` prints it.
    pub early_node_ranges: Vec<(Nid, u64, u64)>,
}

/// `free_area_init_nodes()` with x86-64's `zone_sizes_init()` limits, after NUMA init:
/// computes the zone boundaries and ZONE_MOVABLE for every node of memblock's memory.
pub fn free_area_init_nodes(
    mb: &MemblockState,
    max_low_pfn: u64,
    profile: KernelProfile,
    params: ZoneParams,
) -> ZoneLayout {
    let ranges: Vec<(Nid, u64, u64)> =
        mb.mem_pfn_ranges(MAX_NUMNODES).map(|r| (r.nid, r.start_pfn, r.end_pfn)).collect();
    let max_zone_pfn = [MAX_DMA_PFN, MAX_DMA32_PFN, max_low_pfn];
    let mut start = ranges.iter().map(|r| r.1).min().unwrap_or(0);
    let (mut lowest, mut highest) = ([0; 3], [0; 3]);
    for i in 0..3 {
        let end = max_zone_pfn[i].max(start);
        lowest[i] = start;
        highest[i] = end;
        start = end;
    }
    // find_usable_zone_for_movable(): the highest zone that is not empty.
    let movable_zone = (0..3).rev().find(|&i| highest[i] > lowest[i]).map_or(ZoneType::Dma, |i| ZoneType::ALL[i]);

    let mut memory_nodes: Vec<Nid> = ranges.iter().filter(|r| r.2 > r.1).map(|r| r.0).collect();
    memory_nodes.sort_unstable();
    memory_nodes.dedup();
    let mut movable: Vec<(Nid, u64)> = memory_nodes.iter().map(|&n| (n, 0)).collect();

    if profile.has_hotplug_flags() && params.movable_node {
        for r in mb.memory().regions().iter().filter(|r| r.flags.contains(RegionFlags::HOTPLUG)) {
            if let Some(slot) = movable.iter_mut().find(|m| m.0 == r.nid) {
                let pfn = pfn_down(r.base);
                slot.1 = if slot.1 != 0 { slot.1.min(pfn) } else { pfn };
            }
        }
        round_movable(&mut movable);
    } else if kernelcore_split(&ranges, &memory_nodes, lowest[movable_zone as usize], params, &mut movable) {
        round_movable(&mut movable);
    }

    let nodes = memory_nodes
        .iter()
        .map(|&nid| {
            let mine = ranges.iter().filter(|r| r.0 == nid);
            let node_start = mine.clone().map(|r| r.1).min().unwrap_or(0);
            let node_end = mine.clone().map(|r| r.2).max().unwrap_or(0);
            let zmp = movable.iter().find(|m| m.0 == nid).map_or(0, |m| m.1);
            let zones = ZoneType::ALL
                .iter()
                .filter_map(|&zone| {
                    let (mut zs, mut ze) = match zone {
                        ZoneType::Movable => (0, 0),
                        z => (lowest[z as usize], highest[z as usize]),
                    };
                    if zmp != 0 {
                        if zone == ZoneType::Movable {
                            zs = zmp;
                            ze = node_end.min(highest[movable_zone as usize]);
                        } else if zs < zmp && ze > zmp {
                            ze = zmp;
                        } else if zs >= zmp {
                            zs = ze;
                        }
                    }
                    if ze < node_start || zs > node_end {
                        return None;
                    }
                    let (zs, ze) = (zs.max(node_start), ze.min(node_end));
                    let present: u64 = mine.clone().map(|r| r.2.min(ze).saturating_sub(r.1.max(zs))).sum();
                    (ze > zs).then_some(NodeZone { zone, start_pfn: zs, end_pfn: ze, present_pages: present })
                })
                .collect();
            NodeZones { nid, start_pfn: node_start, end_pfn: node_end, zones }
        })
        .collect();
    ZoneLayout {
        lowest,
        highest,
        movable_zone,
        zone_movable_pfn: movable.into_iter().filter(|m| m.1 != 0).collect(),
        nodes,
        early_node_ranges: ranges,
    }
}

fn round_movable(movable: &mut [(Nid, u64)]) {
    for m in movable {
        m.1 = m.1.div_ceil(MAX_ORDER_NR_PAGES) * MAX_ORDER_NR_PAGES;
    }
}

/// The `kernelcore=`/`movablecore=` part of `find_zone_movable_pfns_for_nodes()` (3.12):
/// spreads the kernel's share evenly over the nodes with memory, lowest addresses first.
/// Returns whether a split was made (then the starts are rounded up).
fn kernelcore_split(
    ranges: &[(Nid, u64, u64)],
    nodes: &[Nid],
    usable_startpfn: u64,
    params: ZoneParams,
    movable: &mut [(Nid, u64)],
) -> bool {
    let totalpages: u64 = ranges.iter().map(|r| r.2 - r.1).sum();
    let mut required_kernelcore = params.kernelcore >> PAGE_SHIFT;
    let required_movablecore = params.movablecore >> PAGE_SHIFT;
    if required_movablecore != 0 {
        let movablecore = required_movablecore.div_ceil(MAX_ORDER_NR_PAGES) * MAX_ORDER_NR_PAGES;
        // Unsigned in the kernel: more movablecore than memory wraps to "no ZONE_MOVABLE".
        required_kernelcore = required_kernelcore.max(totalpages.wrapping_sub(movablecore));
    }
    if required_kernelcore == 0 || nodes.is_empty() {
        return false;
    }
    let mut usable_nodes = nodes.len() as u64;
    loop {
        let mut kernelcore_node = required_kernelcore / usable_nodes;
        for &nid in nodes {
            if required_kernelcore < kernelcore_node {
                kernelcore_node = required_kernelcore / usable_nodes;
            }
            let mut remaining = kernelcore_node;
            let slot = movable.iter().position(|m| m.0 == nid).unwrap_or(0);
            for &(_, s, e) in ranges.iter().filter(|r| r.0 == nid) {
                let mut start_pfn = s.max(movable[slot].1);
                if start_pfn >= e {
                    continue;
                }
                if start_pfn < usable_startpfn {
                    let kernel_pages = e.min(usable_startpfn) - start_pfn;
                    remaining -= kernel_pages.min(remaining);
                    required_kernelcore -= kernel_pages.min(required_kernelcore);
                    if e <= usable_startpfn {
                        movable[slot].1 = e;
                        continue;
                    }
                    start_pfn = usable_startpfn;
                }
                let size_pages = (e - start_pfn).min(remaining);
                movable[slot].1 = start_pfn + size_pages;
                required_kernelcore -= required_kernelcore.min(size_pages);
                remaining -= size_pages;
                if remaining == 0 {
                    break;
                }
            }
        }
        usable_nodes -= 1;
        if usable_nodes == 0 || required_kernelcore <= usable_nodes {
            return true;
        }
    }
}

impl ZoneLayout {
    /// The zone that page frame `pfn` of node `nid` comes up in.
    pub fn zone_of(&self, nid: Nid, pfn: u64) -> Option<ZoneType> {
        self.nodes.iter().find(|n| n.nid == nid)?.zone_of(pfn)
    }

    /// The kernel's lines: `Zone ranges:`, `Movable zone start for each node`,
    /// `Early memory node ranges` (3.x widths; 6.1 prints 18-digit addresses and a `Device`
    /// zone).
    pub fn kernel_lines(&self, profile: KernelProfile) -> Vec<String> {
        let modern = profile == KernelProfile::Modern;
        let addr = |v: u64| if modern { alloc::format!("{v:#018x}") } else { alloc::format!("{v:#010x}") };
        let mut out = Vec::new();
        out.push("Zone ranges:".into());
        for i in 0..3 {
            let mut l = String::new();
            let _ = write!(l, "  {:<8} ", ZoneType::ALL[i].name());
            if self.lowest[i] == self.highest[i] {
                l.push_str("empty");
            } else {
                let _ = write!(
                    l,
                    "[mem {}-{}]",
                    addr(self.lowest[i] << PAGE_SHIFT),
                    addr((self.highest[i] << PAGE_SHIFT).wrapping_sub(1))
                );
            }
            out.push(l);
        }
        if modern {
            out.push("  Device   empty".into());
        }
        out.push("Movable zone start for each node".into());
        for &(nid, pfn) in &self.zone_movable_pfn {
            out.push(alloc::format!("  Node {nid}: {}", addr(pfn << PAGE_SHIFT)));
        }
        out.push("Early memory node ranges".into());
        for &(nid, s, e) in &self.early_node_ranges {
            out.push(alloc::format!(
                "  node {nid:>3}: [mem {}-{}]",
                addr(s << PAGE_SHIFT),
                addr((e << PAGE_SHIFT).wrapping_sub(1))
            ));
        }
        out
    }
}
