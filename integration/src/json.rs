//! `bootsim --json`: a boot as plain data, in a documented and versioned schema
//! (`integration/SCHEMA.md`, schema string [`SCHEMA`]).
//!
//! [`Report::from_boot`] flattens a [`Boot`] into serde structs that hold only numbers, strings,
//! booleans, lists and options: no type of the layers below leaks into the schema, so a
//! change inside a layer cannot silently change the output. The structs implement both
//! `Serialize` and `Deserialize`, so a consumer written in Rust (and the tests) can read the
//! output back; the SVG and HTML outputs ([`crate::svg`], [`crate::html`]) are drawn from a
//! [`Report`] too, so a saved `--json` can be drawn again later.
//!
//! Addresses and sizes are bytes, as JSON integers (every address of x86-64 fits in 52 bits,
//! so JavaScript's doubles read them exactly); ranges are half-open `[start, end)`; nodes are
//! integers, `null` where memblock has none.

use std::collections::BTreeMap;

use movable_node::crashkernel::LowOutcome;
use movable_node::memblock_bottomup::{MAX_NUMNODES, Nid, Region, RegionFlags};
use movable_node::param::MovableNode;
use movable_node::verdict::Verdict;
use movable_node::{KernelProfile, PgtSource};
use serde::{Deserialize, Serialize};

use crate::boot::Boot;

/// The schema string of every document this module writes. The number changes only when a
/// field is removed or renamed or its meaning or unit changes; new fields keep it (readers
/// ignore fields they do not know).
pub const SCHEMA: &str = "bootsim/1";

/// A half-open range of physical addresses, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
}

impl Range {
    /// `end - start` (0 for an inverted range).
    pub fn size(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }
}

/// Where the bootloader put the kernel image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelImageJson {
    /// `_text`.
    pub text: u64,
    /// `__bss_stop`: the end of what `setup_arch()` reserves as the image.
    pub bss_stop: u64,
    /// `_end`: the end of the image with BRK, memblock's `kernel_end`.
    pub end: u64,
}

/// One e820 entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct E820Json {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// Bytes.
    pub size: u64,
    /// The word the kernel prints (`usable`, `reserved`, `ACPI data`, `ACPI NVS`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// The BIOS type number (1 usable, 2 reserved, 3 ACPI, 4 NVS, 5 unusable, 128 reserved
    /// by the kernel).
    pub code: u32,
}

/// The machine that was booted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineJson {
    /// The machine's name.
    pub name: String,
    /// The kernel command line.
    pub cmdline: String,
    /// The kernel image.
    pub kernel: KernelImageJson,
    /// The initrd where the bootloader put it, if any.
    pub initrd: Option<Range>,
    /// The BIOS-provided e820 map, as given.
    pub e820: Vec<E820Json>,
}

/// A memblock region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionJson {
    /// `base`.
    pub base: u64,
    /// `size` in bytes.
    pub size: u64,
    /// `base + size`.
    pub end: u64,
    /// `nid`; `null` while memblock does not know it (`MAX_NUMNODES`).
    pub nid: Option<Nid>,
    /// `flags` by name: `hotplug`, `mirror`, `nomap`.
    pub flags: Vec<String>,
}

/// A piece of a reserved range with the label of whoever reserved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelledJson {
    /// Who reserved it (the caller's name, as `memblock=debug` prints it).
    pub label: String,
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// Bytes.
    pub size: u64,
}

/// A reserved memblock region and who owns its pieces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservedRegionJson {
    /// The region.
    #[serde(flatten)]
    pub region: RegionJson,
    /// Its pieces by owner, in address order; together they cover the region.
    pub labels: Vec<LabelledJson>,
}

/// An early reservation: a labelled piece of reserved memory, with the node it lies in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationJson {
    /// Who reserved it.
    pub label: String,
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// Bytes.
    pub size: u64,
    /// The node of its first byte, `null` where that is not memory (the EBDA, page 0).
    pub node: Option<Nid>,
}

/// One zone of one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneJson {
    /// `DMA`, `DMA32`, `Normal` or `Movable` (the kernel's `zone_names[]`).
    #[serde(rename = "type")]
    pub kind: String,
    /// First byte of the zone's span.
    pub start: u64,
    /// One past the last byte of its span.
    pub end: u64,
    /// 4 KiB pages of memory inside the span (holes left out).
    pub present_pages: u64,
}

/// The early reservations of a node that carry one label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelTotalJson {
    /// Who reserved them.
    pub label: String,
    /// Bytes in all.
    pub bytes: u64,
    /// How many ranges.
    pub ranges: usize,
}

/// One NUMA node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeJson {
    /// The node id.
    pub nid: Nid,
    /// Start of its span (the lowest byte of its memory).
    pub start: u64,
    /// End of its span.
    pub end: u64,
    /// Its memory: memblock's memory regions of this node, merged where they touch.
    pub ranges: Vec<Range>,
    /// Bytes of memory in `ranges`.
    pub present_bytes: u64,
    /// Whether SRAT marks any of its memory hotpluggable.
    pub hotpluggable: bool,
    /// SRAT's hotpluggable ranges of this node.
    pub hotpluggable_ranges: Vec<Range>,
    /// Where its `pg_data_t` (`NODE_DATA`) went; `null` if it got none.
    pub node_data: Option<u64>,
    /// Its non-empty zones, in order.
    pub zones: Vec<ZoneJson>,
    /// The early reservations that lie in it, by label.
    pub reservations: Vec<LabelTotalJson>,
    /// Memory blocks (`memoryN`) of its hotpluggable memory that early reservations keep
    /// from going offline.
    pub blocks_cannot_offline: Vec<u64>,
    /// The hot-remove verdict: `not_hotpluggable`, `blocked`, `not_guaranteed`, `removable`;
    /// `null` if the boot stopped before it was assessed.
    pub verdict: Option<String>,
    /// The early reservations inside its hotpluggable memory: what blocks removal.
    pub blockers: Vec<LabelledJson>,
    /// 4 KiB pages of its hotpluggable memory that come up outside ZONE_MOVABLE.
    pub pages_outside_movable: u64,
}

/// A memory block as `/sys/devices/system/memory/memoryN` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockJson {
    /// `N` of `memoryN`.
    pub index: u64,
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// The node of its memory.
    pub node: Option<Nid>,
    /// The zone it comes up in (`valid_zones`); `null` when it spans several (`none`).
    pub zone: Option<String>,
    /// 4 KiB pages of memory in it.
    pub present_pages: u64,
    /// Whether SRAT marks any of it hotpluggable.
    pub hotpluggable: bool,
    /// Whether no early reservation lies in it (`echo offline` can succeed).
    pub can_offline: bool,
    /// The early reservations inside it, clipped to the block.
    pub reservations: Vec<LabelledJson>,
}

/// All memory blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlocksJson {
    /// `block_size_bytes`.
    pub block_size: u64,
    /// Every block that holds memory, in order.
    pub blocks: Vec<BlockJson>,
}

/// The low part of a crash kernel placed above 4 GiB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrashLowJson {
    /// `reserved`, `disabled` (`crashkernel=0,low`) or `failed`.
    pub status: String,
    /// Base, when reserved.
    pub base: Option<u64>,
    /// Bytes reserved, or asked for when it failed; `null` when disabled.
    pub size: Option<u64>,
}

/// The crash kernel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrashJson {
    /// `reserved`, `not_requested`, `failed`, or `not_reached` (the boot stopped first).
    pub status: String,
    /// When `reserve_crashkernel()` ran: `before_srat` (3.12) or `after_srat` (the series).
    pub placement: String,
    /// Base, when reserved.
    pub base: Option<u64>,
    /// Bytes, when reserved.
    pub size: Option<u64>,
    /// Whether `crashkernel=X,high` was used.
    pub high: bool,
    /// The node of its base.
    pub node: Option<Nid>,
    /// The low part of a high crash kernel.
    pub low: Option<CrashLowJson>,
    /// The kernel's message when it failed.
    pub error: Option<String>,
}

/// A page-table page of the direct mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PgtPageJson {
    /// Physical address of the 4 KiB page.
    pub address: u64,
    /// `brk` (the early buffer in the kernel image's BRK) or `memblock`.
    pub source: String,
    /// The node it lies in.
    pub node: Option<Nid>,
}

/// The direct mapping's page tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageTablesJson {
    /// `max_pfn_mapped` as an address (bytes).
    pub mapped_end: u64,
    /// Pages taken from BRK.
    pub from_brk: usize,
    /// Pages taken from memblock.
    pub from_memblock: usize,
    /// Every page, in the order they were taken.
    pub pages: Vec<PgtPageJson>,
}

/// A step of `setup_arch()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepJson {
    /// The kernel function.
    pub name: String,
    /// What it did.
    pub note: String,
}

/// One boot, as `bootsim --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA`].
    pub schema: String,
    /// The machine.
    pub machine: MachineJson,
    /// The kernel profile: `3.12`, `3.13`, `3.14` or `6.1`.
    pub profile: String,
    /// Which profile and why, as the first line of the text report says it: `profile 6.1 (the
    /// log is from Linux 6.1.0)`, `profile 3.13 (--profile)`. Empty in reports written before
    /// it existed.
    #[serde(default)]
    pub profile_choice: String,
    /// What `movable_node` did: `enabled`, `absent` or `not_supported`.
    pub movable_node: String,
    /// Whether memblock was still bottom-up right after NUMA init.
    pub bottom_up_after_numa: bool,
    /// The NUMA init that succeeded (`acpi`, `dummy`, ...); `null` if not reached.
    pub numa_method: Option<String>,
    /// Bytes of memory memblock knows (`memblock_phys_mem_size()`).
    pub memory_bytes: u64,
    /// The e820 map the kernel used (after `trim_bios_range()` and `mem=`).
    pub e820: Vec<E820Json>,
    /// memblock's memory regions at the end of early boot.
    pub memory: Vec<RegionJson>,
    /// memblock's reserved regions at the end of early boot, with their owners.
    pub reserved: Vec<ReservedRegionJson>,
    /// Every early reservation by owner, in address order.
    pub reservations: Vec<ReservationJson>,
    /// The NUMA nodes.
    pub nodes: Vec<NodeJson>,
    /// The memory blocks; `null` if the boot stopped first.
    pub memory_blocks: Option<BlocksJson>,
    /// The crash kernel.
    pub crash_kernel: CrashJson,
    /// The direct mapping's page tables; `null` if not reached.
    pub page_tables: Option<PageTablesJson>,
    /// The steps of `setup_arch()`, in order.
    pub steps: Vec<StepJson>,
    /// The kernel's warnings and the model's notes.
    pub warnings: Vec<String>,
    /// The panic message, if the boot stopped.
    pub panic: Option<String>,
    /// The kernel-style log, one line per entry.
    pub log: Vec<String>,
}

/// Several boots of one machine, as `bootsim --compare --json` prints them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// [`SCHEMA`].
    pub schema: String,
    /// The profiles, in the order of `reports`.
    pub profiles: Vec<String>,
    /// One report per profile.
    pub reports: Vec<Report>,
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

fn e820_json(e: &movable_node::E820Entry) -> E820Json {
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

/// The JSON node of the page holding `addr` (no node past `MAX_NUMNODES`).
fn node_json(boot: &Boot, addr: u64) -> Option<Nid> {
    crate::report::page_node(boot, addr).and_then(nid_json)
}

/// The machine-readable name of a verdict.
pub fn verdict_id(v: Verdict) -> &'static str {
    match v {
        Verdict::NotHotpluggable => "not_hotpluggable",
        Verdict::Blocked => "blocked",
        Verdict::NotGuaranteed => "not_guaranteed",
        Verdict::Removable => "removable",
    }
}

fn crash_json(boot: &Boot) -> CrashJson {
    let placement = if boot.profile.has_series() { "after_srat" } else { "before_srat" };
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
    match &boot.crash {
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
            c.node = node_json(boot, ck.base);
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

fn nodes_json(boot: &Boot, reservations: &[ReservationJson]) -> Vec<NodeJson> {
    let mut nids: Vec<Nid> = Vec::new();
    if let Some(numa) = &boot.numa {
        nids.extend(numa.nodes.iter().map(|n| n.nid));
    }
    nids.extend(boot.verdicts.iter().map(|v| v.nid));
    if let Some(z) = &boot.zones {
        nids.extend(z.nodes.iter().map(|n| n.nid));
    }
    nids.sort_unstable();
    nids.dedup();
    nids.into_iter()
        .map(|nid| {
            let mut ranges: Vec<Range> = Vec::new();
            for r in boot.memblock.memory().regions().iter().filter(|r| r.nid == nid) {
                match ranges.last_mut() {
                    Some(last) if last.end == r.base => last.end = r.end(),
                    _ => ranges.push(Range { start: r.base, end: r.end() }),
                }
            }
            let setup = boot.numa.as_ref().and_then(|n| n.nodes.iter().find(|n| n.nid == nid));
            let start = setup.map(|s| s.start).or(ranges.first().map(|r| r.start)).unwrap_or(0);
            let end = setup.map(|s| s.end).or(ranges.last().map(|r| r.end)).unwrap_or(start);
            let hotpluggable_ranges: Vec<Range> =
                boot.hotplug.iter().filter(|h| h.0 == nid).map(|&(_, start, end)| Range { start, end }).collect();
            let zones = boot
                .zones
                .as_ref()
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
            let mut by_label: BTreeMap<&str, (u64, usize)> = BTreeMap::new();
            for r in reservations.iter().filter(|r| r.node == Some(nid)) {
                let e = by_label.entry(r.label.as_str()).or_default();
                e.0 += r.size;
                e.1 += 1;
            }
            let blocks_cannot_offline = boot
                .blocks
                .as_ref()
                .map(|b| {
                    b.blocks
                        .iter()
                        .filter(|b| b.nid == nid && b.hotpluggable && !b.can_offline())
                        .map(|b| b.index)
                        .collect()
                })
                .unwrap_or_default();
            let v = boot.verdicts.iter().find(|v| v.nid == nid);
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
        })
        .collect()
}

impl Report {
    /// The report of `boot`.
    pub fn from_boot(boot: &Boot) -> Report {
        let m = &boot.machine;
        let reservations: Vec<ReservationJson> = boot
            .reserved
            .iter()
            .map(|r| ReservationJson {
                label: r.label.to_string(),
                start: r.start,
                end: r.end,
                size: r.end.saturating_sub(r.start),
                node: node_json(boot, r.start),
            })
            .collect();
        let reserved = boot
            .memblock
            .reserved()
            .regions()
            .iter()
            .map(|r| ReservedRegionJson {
                region: region_json(r),
                labels: boot
                    .reserved
                    .iter()
                    .filter(|l| l.start >= r.base && l.end <= r.end())
                    .map(|l| labelled_json(&l.label, l.start, l.end))
                    .collect(),
            })
            .collect();
        let page_tables = boot.direct_map.as_ref().map(|dm| {
            let pages: Vec<PgtPageJson> = dm
                .pgt_pages()
                .iter()
                .map(|p| PgtPageJson { address: p.pa, source: p.source.name().into(), node: node_json(boot, p.pa) })
                .collect();
            let from_brk = dm.pgt_pages().iter().filter(|p| p.source == PgtSource::Brk).count();
            PageTablesJson {
                mapped_end: dm.max_pfn_mapped() << 12,
                from_brk,
                from_memblock: pages.len() - from_brk,
                pages,
            }
        });
        let memory_blocks = boot.blocks.as_ref().map(|b| BlocksJson {
            block_size: b.block_size,
            blocks: b
                .blocks
                .iter()
                .map(|blk| BlockJson {
                    index: blk.index,
                    start: blk.start,
                    end: blk.end,
                    node: nid_json(blk.nid),
                    zone: blk.zone.map(|z| z.name().to_string()),
                    present_pages: blk.present_pages,
                    hotpluggable: blk.hotpluggable,
                    can_offline: blk.can_offline(),
                    reservations: blk.reservations.iter().map(|r| labelled_json(&r.label, r.start, r.end)).collect(),
                })
                .collect(),
        });
        Report {
            schema: SCHEMA.into(),
            machine: MachineJson {
                name: m.name.clone(),
                cmdline: m.cmdline.clone(),
                kernel: KernelImageJson { text: m.kernel.text, bss_stop: m.kernel.bss_stop, end: m.kernel.end },
                initrd: m.initrd.map(|(start, end)| Range { start, end }),
                e820: m.e820.iter().map(e820_json).collect(),
            },
            profile: boot.profile.name().into(),
            profile_choice: format!("profile {}", boot.profile.name()),
            movable_node: match boot.movable_node {
                MovableNode::Absent => "absent",
                MovableNode::Enabled => "enabled",
                MovableNode::NotSupported => "not_supported",
            }
            .into(),
            bottom_up_after_numa: boot.bottom_up_after_numa,
            numa_method: boot.numa.as_ref().map(|n| n.method.to_string()),
            memory_bytes: boot.memblock.phys_mem_size(),
            e820: boot.e820.entries().iter().map(e820_json).collect(),
            memory: boot.memblock.memory().regions().iter().map(region_json).collect(),
            nodes: nodes_json(boot, &reservations),
            reserved,
            reservations,
            memory_blocks,
            crash_kernel: crash_json(boot),
            page_tables,
            steps: boot.steps.iter().map(|s| StepJson { name: s.name.into(), note: s.note.clone() }).collect(),
            warnings: boot.warnings.clone(),
            panic: boot.panic.clone(),
            log: boot.log.clone(),
        }
    }

    /// The profile this report was made under, if it names one the model knows.
    pub fn kernel_profile(&self) -> Option<KernelProfile> {
        KernelProfile::from_name(&self.profile)
    }
}

impl Comparison {
    /// The comparison of `boots` (one machine under several profiles).
    pub fn from_boots(boots: &[Boot]) -> Comparison {
        Comparison {
            schema: SCHEMA.into(),
            profiles: boots.iter().map(|b| b.profile.name().to_string()).collect(),
            reports: boots.iter().map(Report::from_boot).collect(),
        }
    }
}

/// `bootsim --json`: the report of `boot` as a JSON value.
pub fn to_json(boot: &Boot) -> serde_json::Value {
    // Serializing these plain structs cannot fail (no maps with non-string keys, no floats).
    serde_json::to_value(Report::from_boot(boot)).unwrap_or(serde_json::Value::Null)
}

/// `bootsim --compare --json`: the reports of `boots` as one JSON value.
pub fn compare_to_json(boots: &[Boot]) -> serde_json::Value {
    serde_json::to_value(Comparison::from_boots(boots)).unwrap_or(serde_json::Value::Null)
}

/// `value` (a [`Report`], a [`Comparison`] or a JSON value) as indented JSON text with a
/// final newline, ready to print; the fields come in the order the schema lists them.
pub fn to_pretty_string<T: Serialize>(value: &T) -> String {
    // Serializing these plain structs cannot fail (no maps with non-string keys, no floats).
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}
