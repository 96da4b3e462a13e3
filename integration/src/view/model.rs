//! The view model: one finished boot as plain data, built once from a prediction
//! ([`crate::boot::Boot`]) or from a replay ([`crate::replay::Replay`]) by [`super::build`],
//! and drawn by every renderer: the text report ([`super::report`]), `--json`
//! ([`super::json`]), the SVG map ([`super::svg`]) and the HTML page ([`super::html`]).
//!
//! [`Report`] holds the regions, their owners, the nodes with their zones and verdicts, the
//! memory blocks, the crash kernel, the page tables, the steps, warnings and log: numbers,
//! strings, booleans, lists and options, in the documented and versioned schema that `--json`
//! prints (`integration/SCHEMA.md`, schema string [`SCHEMA`]). No type of the layers below
//! leaks into it, so a change inside a layer cannot silently change an output; it is both
//! `Serialize` and `Deserialize`, so a saved `--json` can be read back and drawn again.
//! [`View`] adds the few things only the text report shows, which the schema does not hold.
//!
//! Addresses and sizes are bytes, as JSON integers (every address of x86-64 fits in 52 bits,
//! so JavaScript's doubles read them exactly); ranges are half-open `[start, end)`; nodes are
//! integers, `null` where memblock has none.

use std::borrow::Cow;
use std::collections::BTreeMap;

use movable_node::KernelProfile;
use movable_node::memblock_bottomup::Nid;
use movable_node::verdict::Verdict;
use serde::{Deserialize, Serialize};

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
    /// Borrowed from the zone's static name when built from a boot (tens of thousands of
    /// blocks on a large machine), owned when read back from a document.
    pub zone: Option<Cow<'static, str>>,
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
    /// `brk` (the early buffer in the kernel image's BRK) or `memblock` (borrowed from the
    /// layer's name when built, owned when read back: a large machine has many pages).
    pub source: Cow<'static, str>,
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

impl Report {
    /// The profile this report was made under, if it names one the model knows.
    pub fn kernel_profile(&self) -> Option<KernelProfile> {
        KernelProfile::from_name(&self.profile)
    }

    /// The node of the memory region holding `addr`, by binary search over [`Report::memory`]
    /// (memblock keeps its regions sorted and apart).
    pub fn node_of(&self, addr: u64) -> Option<Nid> {
        let i = self.memory.partition_point(|m| m.end <= addr);
        self.memory.get(i).filter(|m| m.base <= addr).and_then(|m| m.nid)
    }
}

/// An owner of early reservations, as the text report lists it: every range it holds, with
/// the nodes exactly as memblock answered for them (a node id past `MAX_NUMNODES`, which the
/// schema writes as `null`, kept apart from "in no region").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Owner {
    /// Who made the reservations.
    pub label: String,
    /// Their bytes.
    pub bytes: u64,
    /// How many ranges.
    pub ranges: usize,
    /// The node of each range's first page, sorted, each once.
    pub nodes: Vec<Option<Nid>>,
}

/// A finished boot as every renderer sees it: the [`Report`] (what `--json` prints) and what
/// only the text report shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The plain data of the boot.
    pub report: Report,
    /// Why the kernel turned the machine's SRAT down, when it did.
    pub srat_rejection: Option<String>,
    /// The nodes NUMA init set up, in its order.
    pub numa_nodes: Vec<Nid>,
    /// The nodes the zone layout lists, in its order (the verdicts follow it).
    pub zoned_nodes: Vec<Nid>,
    /// Page-table pages taken from memblock, by node as memblock answered.
    pub page_table_nodes: BTreeMap<Option<Nid>, usize>,
    /// The owners of early reservations, by label.
    pub owners: Vec<Owner>,
}

impl View {
    /// The view of a report read back from `--json`: enough for the SVG and the HTML page; the
    /// text report's extras (SRAT rejection, owners, node order) are not in the schema and
    /// stay empty.
    pub fn from_report(report: Report) -> View {
        View {
            report,
            srat_rejection: None,
            numa_nodes: Vec::new(),
            zoned_nodes: Vec::new(),
            page_table_nodes: BTreeMap::new(),
            owners: Vec::new(),
        }
    }
}

/// The machine-readable name of a verdict, as the schema writes it.
pub fn verdict_id(v: Verdict) -> &'static str {
    match v {
        Verdict::NotHotpluggable => "not_hotpluggable",
        Verdict::Blocked => "blocked",
        Verdict::NotGuaranteed => "not_guaranteed",
        Verdict::Removable => "removable",
    }
}

/// The verdict a schema name stands for.
pub fn verdict_of(id: &str) -> Option<Verdict> {
    [Verdict::NotHotpluggable, Verdict::Blocked, Verdict::NotGuaranteed, Verdict::Removable]
        .into_iter()
        .find(|&v| verdict_id(v) == id)
}
