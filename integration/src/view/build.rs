//! Building the view model once, from the facts of a finished boot: [`Facts`] is what a
//! prediction ([`Facts::of_boot`]) or a replay (its final state) knows, and [`View::build`]
//! turns it into the plain data every renderer draws.

use std::borrow::Cow;
use std::collections::BTreeMap;

use movable_node::crashkernel::{CrashKernel, Error as CrashError, LowOutcome};
use movable_node::memblock_bottomup::{MAX_NUMNODES, MemblockState, Nid, PAGE_SIZE, Region, RegionFlags};
use movable_node::numa::NumaState;
use movable_node::param::MovableNode;
use movable_node::verdict::{Labelled, NodeVerdict};
use movable_node::zones::ZoneLayout;
use movable_node::{DirectMap, E820Entry, KernelProfile, PgtSource};

use super::model::*;
use crate::blocks::MemoryBlocks;
use crate::boot::{Boot, Step};
use crate::machine::Machine;

/// Everything a finished boot knows that a renderer shows, borrowed from where it lives (a
/// [`Boot`] of the prediction, or the replay's final state). What a boot did not reach is
/// `None` or empty.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The machine (name, command line, kernel and initrd place, its e820 map, its SRAT).
    pub machine: &'a Machine,
    /// The kernel profile.
    pub profile: KernelProfile,
    /// `numa=off` was given.
    pub numa_off: bool,
    /// The e820 map the kernel used (after `trim_bios_range()` and `mem=`).
    pub e820: &'a [E820Entry],
    /// memblock at the end of early boot.
    pub memblock: &'a MemblockState,
    /// What `movable_node` did.
    pub movable_node: MovableNode,
    /// Whether memblock was still bottom-up right after NUMA init.
    pub bottom_up_after_numa: bool,
    /// NUMA set-up.
    pub numa: Option<&'a NumaState>,
    /// SRAT's hotpluggable ranges `(node, start, end)`.
    pub hotplug: &'a [(Nid, u64, u64)],
    /// The zones.
    pub zones: Option<&'a ZoneLayout>,
    /// Reserved ranges by owner, in address order.
    pub reserved: &'a [Labelled],
    /// Per-node hot-remove verdicts.
    pub verdicts: &'a [NodeVerdict],
    /// The memory blocks.
    pub blocks: Option<&'a MemoryBlocks>,
    /// The crash kernel (`None`: not reached).
    pub crash: Option<&'a Result<Option<CrashKernel>, CrashError>>,
    /// The direct mapping.
    pub direct_map: Option<&'a DirectMap>,
    /// The steps of `setup_arch()`.
    pub steps: &'a [Step],
    /// The kernel-style log.
    pub log: &'a [String],
    /// The kernel's warnings and the model's notes.
    pub warnings: &'a [String],
    /// The panic message, if the boot stopped.
    pub panic: Option<&'a str>,
}

impl<'a> Facts<'a> {
    /// The facts of a predicted boot.
    pub fn of_boot(boot: &'a Boot) -> Facts<'a> {
        Facts {
            machine: &boot.machine,
            profile: boot.profile,
            numa_off: boot.params.numa_off,
            e820: boot.e820.entries(),
            memblock: boot.memblock.state(),
            movable_node: boot.movable_node,
            bottom_up_after_numa: boot.bottom_up_after_numa,
            numa: boot.numa.as_ref(),
            hotplug: &boot.hotplug,
            zones: boot.zones.as_ref(),
            reserved: &boot.reserved,
            verdicts: &boot.verdicts,
            blocks: boot.blocks.as_ref(),
            crash: boot.crash.as_ref(),
            direct_map: boot.direct_map.as_ref(),
            steps: &boot.steps,
            log: &boot.log,
            warnings: &boot.warnings,
            panic: boot.panic.as_deref(),
        }
    }

    /// The node of the memory region holding `addr`, found the way `memblock_search()` finds
    /// it in `memblock.memory`.
    pub fn node_of(&self, addr: u64) -> Option<Nid> {
        super::report::node_of(self.memblock, addr)
    }

    /// The node of the page holding `addr`, as `memblock_search_pfn_nid()` answers for its pfn.
    pub fn page_node(&self, addr: u64) -> Option<Nid> {
        self.node_of(addr & !(PAGE_SIZE - 1))
    }

    /// The schema's node of the page holding `addr` (no node past `MAX_NUMNODES`).
    fn node_json(&self, addr: u64) -> Option<Nid> {
        self.page_node(addr).and_then(nid_json)
    }
}

/// A node id as the schema writes it: `null` for "no node".
fn nid_json(nid: Nid) -> Option<Nid> {
    (0..MAX_NUMNODES).contains(&nid).then_some(nid)
}

fn flags_json(flags: RegionFlags) -> Vec<String> {
    let mut v = Vec::new();
    for (flag, name) in
        [(RegionFlags::HOTPLUG, "hotplug"), (RegionFlags::MIRROR, "mirror"), (RegionFlags::NOMAP, "nomap")]
    {
        if flags.contains(flag) {
            v.push(name.to_string());
        }
    }
    v
}

fn region_json(r: &Region) -> RegionJson {
    RegionJson { base: r.base, size: r.size, end: r.end(), nid: nid_json(r.nid), flags: flags_json(r.flags) }
}

fn e820_json(e: &E820Entry) -> E820Json {
    E820Json {
        start: e.addr,
        end: e.addr.saturating_add(e.size),
        size: e.size,
        kind: crate::input::kernel_type_name(e.kind),
        code: e.kind.code(),
    }
}

fn labelled_json(label: &str, start: u64, end: u64) -> LabelledJson {
    LabelledJson { label: label.to_string(), start, end, size: end.saturating_sub(start) }
}

fn crash_json(f: &Facts) -> CrashJson {
    let placement = if f.profile.has_series() { "after_srat" } else { "before_srat" };
    let mut c = CrashJson {
        status: "not_reached".into(),
        placement: placement.into(),
        base: None,
        size: None,
        high: false,
        node: None,
        low: None,
        error: None,
    };
    match f.crash {
        None => {}
        Some(Ok(None)) => c.status = "not_requested".into(),
        Some(Err(e)) => {
            c.status = "failed".into();
            c.error = Some(e.to_string());
        }
        Some(Ok(Some(ck))) => {
            c.status = "reserved".into();
            c.base = Some(ck.base);
            c.size = Some(ck.size);
            c.high = ck.high;
            c.node = f.node_json(ck.base);
            c.low = ck.low.map(|low| match low {
                LowOutcome::Reserved(r) => {
                    CrashLowJson { status: "reserved".into(), base: Some(r.base), size: Some(r.size) }
                }
                LowOutcome::Disabled => CrashLowJson { status: "disabled".into(), base: None, size: None },
                LowOutcome::Failed { size, .. } => {
                    CrashLowJson { status: "failed".into(), base: None, size: Some(size) }
                }
            });
        }
    }
    c
}

/// The node ids the boot knows: NUMA's, the verdicts', the zones'; sorted, each once.
fn node_ids(f: &Facts) -> Vec<Nid> {
    let mut nids: Vec<Nid> = Vec::new();
    if let Some(numa) = f.numa {
        nids.extend(numa.nodes.iter().map(|n| n.nid));
    }
    nids.extend(f.verdicts.iter().map(|v| v.nid));
    if let Some(z) = f.zones {
        nids.extend(z.nodes.iter().map(|n| n.nid));
    }
    nids.sort_unstable();
    nids.dedup();
    nids
}

/// What each node holds, gathered in one pass over each list (a large machine has thousands
/// of regions and tens of thousands of memory blocks).
#[derive(Debug, Default)]
struct NodeParts<'a> {
    /// Its memory regions, adjacent ones merged.
    ranges: Vec<Range>,
    /// Its reservations by owner: bytes and ranges.
    by_label: BTreeMap<&'a str, (u64, usize)>,
    /// Its hotpluggable memory blocks that cannot go offline.
    cannot_offline: Vec<u64>,
}

fn node_parts<'a>(f: &Facts, reservations: &'a [ReservationJson]) -> BTreeMap<Nid, NodeParts<'a>> {
    let mut parts: BTreeMap<Nid, NodeParts> = BTreeMap::new();
    for r in f.memblock.memory().regions() {
        let ranges = &mut parts.entry(r.nid).or_default().ranges;
        match ranges.last_mut() {
            Some(last) if last.end == r.base => last.end = r.end(),
            _ => ranges.push(Range { start: r.base, end: r.end() }),
        }
    }
    for r in reservations {
        let Some(nid) = r.node else { continue };
        let e = parts.entry(nid).or_default().by_label.entry(r.label.as_str()).or_default();
        e.0 += r.size;
        e.1 += 1;
    }
    for b in f.blocks.iter().flat_map(|b| &b.blocks).filter(|b| b.hotpluggable && !b.can_offline()) {
        parts.entry(b.nid).or_default().cannot_offline.push(b.index);
    }
    parts
}

/// Node `nid` as the schema shows it.
fn node_json(f: &Facts, nid: Nid, parts: Option<NodeParts>) -> NodeJson {
    let NodeParts { ranges, by_label, cannot_offline: blocks_cannot_offline } = parts.unwrap_or_default();
    let setup = f.numa.and_then(|n| n.nodes.iter().find(|n| n.nid == nid));
    let start = setup.map(|s| s.start).or(ranges.first().map(|r| r.start)).unwrap_or(0);
    let end = setup.map(|s| s.end).or(ranges.last().map(|r| r.end)).unwrap_or(start);
    let hotpluggable_ranges: Vec<Range> =
        f.hotplug.iter().filter(|h| h.0 == nid).map(|&(_, start, end)| Range { start, end }).collect();
    let zones = f
        .zones
        .and_then(|z| z.nodes.iter().find(|n| n.nid == nid))
        .map(|n| {
            n.zones
                .iter()
                .map(|z| ZoneJson {
                    kind: z.zone.name().into(),
                    start: z.start_pfn << 12,
                    end: z.end_pfn << 12,
                    present_pages: z.present_pages,
                })
                .collect()
        })
        .unwrap_or_default();
    let v = f.verdicts.iter().find(|v| v.nid == nid);
    NodeJson {
        nid,
        start,
        end,
        present_bytes: ranges.iter().map(Range::size).sum(),
        ranges,
        hotpluggable: !hotpluggable_ranges.is_empty(),
        hotpluggable_ranges,
        node_data: setup.and_then(|s| s.node_data),
        zones,
        reservations: by_label
            .into_iter()
            .map(|(label, (bytes, ranges))| LabelTotalJson { label: label.into(), bytes, ranges })
            .collect(),
        blocks_cannot_offline,
        verdict: v.map(|v| verdict_id(v.verdict).to_string()),
        blockers: v
            .map(|v| v.blockers.iter().map(|b| labelled_json(&b.label, b.start, b.end)).collect())
            .unwrap_or_default(),
        pages_outside_movable: v.map_or(0, |v| v.pages_outside_movable),
    }
}

/// memblock's reserved regions, each with the owners' ranges inside it (in the owners' order).
fn reserved_json(f: &Facts) -> Vec<ReservedRegionJson> {
    // The owners' ranges by start, so each region finds its own by binary search instead of
    // looking through all of them.
    let mut by_start: Vec<usize> = (0..f.reserved.len()).collect();
    by_start.sort_by_key(|&i| f.reserved[i].start);
    f.memblock
        .reserved()
        .regions()
        .iter()
        .map(|r| {
            let first = by_start.partition_point(|&i| f.reserved[i].start < r.base);
            let mut inside: Vec<usize> = by_start[first..]
                .iter()
                .copied()
                .take_while(|&i| f.reserved[i].start <= r.end())
                .filter(|&i| f.reserved[i].end <= r.end())
                .collect();
            inside.sort_unstable();
            ReservedRegionJson {
                region: region_json(r),
                labels: inside
                    .into_iter()
                    .map(|i| &f.reserved[i])
                    .map(|l| labelled_json(&l.label, l.start, l.end))
                    .collect(),
            }
        })
        .collect()
}

fn page_tables_json(f: &Facts, dm: &DirectMap) -> PageTablesJson {
    let pages: Vec<PgtPageJson> = dm
        .pgt_pages()
        .iter()
        .map(|p| PgtPageJson { address: p.pa, source: Cow::Borrowed(p.source.name()), node: f.node_json(p.pa) })
        .collect();
    let from_brk = dm.pgt_pages().iter().filter(|p| p.source == PgtSource::Brk).count();
    PageTablesJson { mapped_end: dm.max_pfn_mapped() << 12, from_brk, from_memblock: pages.len() - from_brk, pages }
}

fn blocks_json(b: &MemoryBlocks) -> BlocksJson {
    BlocksJson {
        block_size: b.block_size,
        blocks: b
            .blocks
            .iter()
            .map(|blk| BlockJson {
                index: blk.index,
                start: blk.start,
                end: blk.end,
                node: nid_json(blk.nid),
                zone: blk.zone.map(|z| Cow::Borrowed(z.name())),
                present_pages: blk.present_pages,
                hotpluggable: blk.hotpluggable,
                can_offline: blk.can_offline(),
                reservations: blk.reservations.iter().map(|r| labelled_json(&r.label, r.start, r.end)).collect(),
            })
            .collect(),
    }
}

fn machine_json(m: &Machine) -> MachineJson {
    MachineJson {
        name: m.name.clone(),
        cmdline: m.cmdline.clone(),
        kernel: KernelImageJson { text: m.kernel.text, bss_stop: m.kernel.bss_stop, end: m.kernel.end },
        initrd: m.initrd.map(|(start, end)| Range { start, end }),
        e820: m.e820.iter().map(e820_json).collect(),
    }
}

impl Report {
    /// The plain data of the boot `f` describes.
    pub fn from_facts(f: &Facts) -> Report {
        let reservations: Vec<ReservationJson> = f
            .reserved
            .iter()
            .map(|r| ReservationJson {
                label: r.label.to_string(),
                start: r.start,
                end: r.end,
                size: r.end.saturating_sub(r.start),
                node: f.node_json(r.start),
            })
            .collect();
        Report {
            schema: SCHEMA.into(),
            machine: machine_json(f.machine),
            profile: f.profile.name().into(),
            profile_choice: format!("profile {}", f.profile.name()),
            movable_node: match f.movable_node {
                MovableNode::Absent => "absent",
                MovableNode::Enabled => "enabled",
                MovableNode::NotSupported => "not_supported",
            }
            .into(),
            bottom_up_after_numa: f.bottom_up_after_numa,
            numa_method: f.numa.map(|n| n.method.to_string()),
            memory_bytes: f.memblock.phys_mem_size(),
            e820: f.e820.iter().map(e820_json).collect(),
            memory: f.memblock.memory().regions().iter().map(region_json).collect(),
            nodes: {
                let mut parts = node_parts(f, &reservations);
                node_ids(f).into_iter().map(|nid| node_json(f, nid, parts.remove(&nid))).collect()
            },
            reserved: reserved_json(f),
            reservations,
            memory_blocks: f.blocks.map(blocks_json),
            crash_kernel: crash_json(f),
            page_tables: f.direct_map.map(|dm| page_tables_json(f, dm)),
            steps: f.steps.iter().map(|s| StepJson { name: s.name.into(), note: s.note.clone() }).collect(),
            warnings: f.warnings.to_vec(),
            panic: f.panic.map(str::to_string),
            log: f.log.to_vec(),
        }
    }

    /// The plain data of a predicted boot.
    pub fn from_boot(boot: &Boot) -> Report {
        Report::from_facts(&Facts::of_boot(boot))
    }
}

/// The owners of early reservations by label, with the node of each range's first page.
fn owners(f: &Facts) -> Vec<Owner> {
    let mut by: BTreeMap<&str, Owner> = BTreeMap::new();
    for r in f.reserved {
        let o = by.entry(r.label.as_str()).or_default();
        o.bytes += r.end - r.start;
        o.ranges += 1;
        o.nodes.push(f.page_node(r.start));
    }
    by.into_iter()
        .map(|(label, mut o)| {
            o.label = label.to_string();
            o.nodes.sort();
            o.nodes.dedup();
            o
        })
        .collect()
}

/// Why the boot fell back to the dummy node though the machine has an SRAT: the kernel
/// rejected the table (cut short, a zero-length subtable, overlapping or uncovered nodes ...).
/// `None` when the SRAT was used, when there is none, or when `numa=off` asked for one node.
pub fn srat_rejection(f: &Facts) -> Option<String> {
    let numa = f.numa?;
    if f.machine.srat.is_none() || f.numa_off || numa.method != "dummy" {
        return None;
    }
    // The model's own words when the table could not be read at all; else the kernel's lines
    // that turned it down (a checksum warning alone does not: 3.13 keeps such a table).
    let read = f
        .warnings
        .iter()
        .filter(|w| w.contains("SRAT"))
        .map(|w| w.strip_suffix("; NUMA falls back to one node").unwrap_or(w).to_string());
    let rejects = |l: &&String| {
        (l.contains("SRAT") || l.starts_with("NUMA:"))
            && ["Invalid", "invalid", "not used", "Not used", "overlaps", "too many"].iter().any(|w| l.contains(w))
    };
    let said: Vec<String> = read.chain(f.log.iter().filter(rejects).cloned()).take(2).collect();
    let said = if said.is_empty() { String::new() } else { format!(": {}", said.join("; ")) };
    Some(format!("the kernel rejected the SRAT{said}; NUMA fell back to one dummy node covering all memory"))
}

impl View {
    /// The view of the boot `f` describes, built once for every renderer.
    pub fn build(f: &Facts) -> View {
        let mut page_table_nodes: BTreeMap<Option<Nid>, usize> = BTreeMap::new();
        for p in f.direct_map.iter().flat_map(|dm| dm.pgt_pages()).filter(|p| p.source == PgtSource::Memblock) {
            *page_table_nodes.entry(f.page_node(p.pa)).or_default() += 1;
        }
        View {
            report: Report::from_facts(f),
            srat_rejection: srat_rejection(f),
            numa_nodes: f.numa.map(|n| n.nodes.iter().map(|n| n.nid).collect()).unwrap_or_default(),
            zoned_nodes: f.zones.map(|z| z.nodes.iter().map(|n| n.nid).collect()).unwrap_or_default(),
            page_table_nodes,
            owners: owners(f),
        }
    }

    /// The view of a predicted boot.
    pub fn from_boot(boot: &Boot) -> View {
        View::build(&Facts::of_boot(boot))
    }
}
