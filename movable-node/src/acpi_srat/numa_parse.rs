//! `acpi_numa_init()` over the SRAT: proximity domains to node ids, processors and memory ranges
//! to nodes, as Linux 3.12/3.13 x86-64 does it at boot.
//!
//! `initmem_init()` → `x86_numa_init()` → `numa_init(x86_acpi_numa_init)` → `acpi_numa_init()`
//! (`drivers/acpi/numa.c`) reads the SRAT in three passes of `acpi_table_parse_entries()`:
//!
//! 1. every x2APIC affinity subtable (`acpi_numa_x2apic_affinity_init`, `arch/x86/mm/srat.c`),
//! 2. every local APIC affinity subtable (`acpi_numa_processor_affinity_init`),
//! 3. the first `NR_NODE_MEMBLKS = 2 * MAX_NUMNODES` memory affinity subtables
//!    (`acpi_numa_memory_affinity_init`), each accepted range going to `numa_add_memblk()`.
//!
//! Node ids are handed out by `acpi_map_pxm_to_node()` in order of first appearance of each PXM,
//! so processor PXMs get the lowest ids. Anything malformed calls `bad_srat()`
//! (`SRAT: SRAT not used.`), after which every later subtable is skipped and
//! `x86_acpi_numa_init()` returns `-EINVAL`, so that NUMA falls back to the AMD or dummy init.
//!
//! [`AcpiNuma`] holds the kernel's state for one boot (`acpi_numa`, `acpi_srat_revision`, the two
//! PXM maps, `nodes_found_map`, `numa_nodes_parsed`, `parsed_numa_memblks`) and a record of every
//! decision and message, in order. `numa_add_memblk()` belongs to the caller: it is passed in as a
//! [`NumaMemblks`] (a closure works), and it is called at the kernel's point in each entry, so a
//! failure there turns into `bad_srat()` exactly as in the kernel.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::convert::Infallible;
use core::fmt;

use super::srat::{
    ACPI_SRAT_TYPE_CPU_AFFINITY, ACPI_SRAT_TYPE_MEMORY_AFFINITY, ACPI_SRAT_TYPE_X2APIC_CPU_AFFINITY, CpuAffinityFlags,
    EINVAL, LocalApicAffinityRef, MemoryAffinityFlags, MemoryAffinityRef, MessageStyle, PassReport,
    SRAT_CPU_AFFINITY_LEN, SRAT_MEM_AFFINITY_LEN, SRAT_X2APIC_CPU_AFFINITY_LEN, SratError, SratTable, Subtable,
    TableMessage, X2ApicAffinityRef,
};

/// `MAX_NUMNODES` with the x86-64 default `CONFIG_NODES_SHIFT=6`.
pub const DEFAULT_MAX_NUMNODES: u32 = 64;
/// `MAX_LOCAL_APIC` on x86-64 (`arch/x86/include/asm/apicdef.h`).
pub const MAX_LOCAL_APIC: u32 = 32768;
/// `NUMA_NO_NODE`.
pub const NUMA_NO_NODE: i32 = -1;
/// `PXM_INVAL`.
pub const PXM_INVAL: i32 = -1;
/// Linux `ENOENT`.
pub const ENOENT: i32 = 2;

/// Which `apic->apic_id_valid()` the running APIC driver has when the SRAT is parsed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ApicDriver {
    /// flat / physflat: `default_apic_id_valid()`, `apicid < 255` (as a C `int`).
    #[default]
    Default,
    /// x2apic_phys / x2apic_cluster / UV: `x2apic_apic_id_valid()`, every id.
    X2Apic,
}

impl ApicDriver {
    /// `apic->apic_id_valid(apicid)`.
    pub fn apic_id_valid(&self, apic_id: i32) -> bool {
        match self {
            ApicDriver::Default => apic_id < 255,
            ApicDriver::X2Apic => true,
        }
    }
}

/// What `acpi_map_pxm_to_node()` does with a PXM outside `[0, MAX_PXM_DOMAINS)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PxmRangeCheck {
    /// Linux 3.12/3.13: no check; the array index is out of bounds. The model stops with
    /// [`SratError::PxmOutOfRange`].
    #[default]
    None,
    /// Later kernels (6.1 has it): `if (pxm < 0 || pxm >= MAX_PXM_DOMAINS) return NUMA_NO_NODE;`,
    /// which the callers report as "Too many proximity domains" and `bad_srat()`.
    NoNode,
}

/// The kernel configuration and boot state that change how the SRAT is parsed
/// (`CONFIG_NODES_SHIFT`, `CONFIG_MEMORY_HOTPLUG`, the APIC driver, UV, `numa=noacpi`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NumaConfig {
    /// `MAX_NUMNODES` (`1 << CONFIG_NODES_SHIFT`, 1..=1024; x86-64 default 64).
    pub max_numnodes: u32,
    /// `CONFIG_MEMORY_HOTPLUG` (`save_add_info()`): without it, hot-pluggable ranges are ignored.
    pub memory_hotplug: bool,
    /// The APIC driver's `apic_id_valid()`.
    pub apic_driver: ApicDriver,
    /// `get_uv_system_type() >= UV_X2APIC`: local APIC ids are `apic_id << 8 | local_sapic_eid`.
    pub uv_x2apic: bool,
    /// Range check of PXMs in `acpi_map_pxm_to_node()`.
    pub pxm_range_check: PxmRangeCheck,
    /// `numa=noacpi`: `acpi_numa` starts at -1, so every subtable is skipped.
    pub numa_noacpi: bool,
    /// Wording of the messages.
    pub style: MessageStyle,
}

impl NumaConfig {
    /// A Linux 3.12 x86-64 kernel with `CONFIG_NODES_SHIFT=6`, `CONFIG_MEMORY_HOTPLUG=y` (which
    /// `movable_node` needs), a flat/physflat APIC, no UV, no `numa=noacpi`.
    pub const fn linux_3_12() -> Self {
        NumaConfig {
            max_numnodes: DEFAULT_MAX_NUMNODES,
            memory_hotplug: true,
            apic_driver: ApicDriver::Default,
            uv_x2apic: false,
            pxm_range_check: PxmRangeCheck::None,
            numa_noacpi: false,
            style: MessageStyle::Linux3_12,
        }
    }

    /// [`NumaConfig::linux_3_12`] with 6.1's message wording and PXM range check; the parsing
    /// rules otherwise stay 3.12's (6.1's own rule changes are not modelled).
    pub const fn linux_6_1_messages() -> Self {
        let mut c = Self::linux_3_12();
        c.style = MessageStyle::Linux6_1;
        c.pxm_range_check = PxmRangeCheck::NoNode;
        c
    }

    /// `NR_NODE_MEMBLKS = MAX_NUMNODES * 2`: the memory pass's limit.
    pub fn nr_node_memblks(&self) -> u32 {
        self.max_numnodes.saturating_mul(2)
    }

    /// `MAX_PXM_DOMAINS`: 256, or `MAX_NUMNODES` if that is larger.
    pub fn max_pxm_domains(&self) -> u32 {
        self.max_numnodes.max(256)
    }
}

impl Default for NumaConfig {
    fn default() -> Self {
        Self::linux_3_12()
    }
}

/// `numa_add_memblk(nid, start, end)`: where accepted memory ranges go (the caller's
/// `numa_meminfo`). An `Err` makes the entry fail with `bad_srat()`, as `< 0` does in the kernel.
pub trait NumaMemblks {
    /// What a refusal carries (the model only looks at whether there was one).
    type Error;

    /// Adds `[start, end)` to node `nid`. The kernel passes `end = base + length` as computed
    /// in `u64`, so `end` may have wrapped below `start`.
    fn numa_add_memblk(&mut self, nid: u32, start: u64, end: u64) -> Result<(), Self::Error>;
}

impl<F, E> NumaMemblks for F
where
    F: FnMut(u32, u64, u64) -> Result<(), E>,
{
    type Error = E;

    fn numa_add_memblk(&mut self, nid: u32, start: u64, end: u64) -> Result<(), E> {
        self(nid, start, end)
    }
}

/// A [`NumaMemblks`] whose `numa_add_memblk()` accepts everything (the accepted blocks are in
/// [`AcpiNuma::memblks`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct AcceptAll;

impl NumaMemblks for AcceptAll {
    type Error = Infallible;

    fn numa_add_memblk(&mut self, _nid: u32, _start: u64, _end: u64) -> Result<(), Infallible> {
        Ok(())
    }
}

/// A memory range accepted by `acpi_numa_memory_affinity_init()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemoryBlock {
    /// Offset of the subtable in the SRAT.
    pub offset: usize,
    /// Node id.
    pub node: u32,
    /// The PXM as used (masked to 8 bits for SRAT revision 1 or less).
    pub pxm: u32,
    /// `base_address`.
    pub start: u64,
    /// `base_address + length`, wrapping as in the kernel; `numa_add_memblk` ignores a block with
    /// `start == end` or `start > end`, but the entry still counts as accepted.
    pub end: u64,
    /// `ACPI_SRAT_MEM_HOT_PLUGGABLE` was set.
    pub hotpluggable: bool,
    /// `ACPI_SRAT_MEM_NON_VOLATILE` was set.
    pub non_volatile: bool,
}

/// What `acpi_numa_memory_affinity_init()` decided for one memory subtable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemAffinityOutcome {
    /// Accepted (returned 0; counted in `parsed_numa_memblks`).
    Accepted(MemoryBlock),
    /// Skipped: the SRAT was already marked bad.
    SratDisabled,
    /// `header.length != 40`: `bad_srat()`.
    BadLength {
        /// The length byte.
        length: u8,
    },
    /// `ACPI_SRAT_MEM_ENABLED` clear: skipped silently.
    NotEnabled,
    /// Hot-pluggable without `CONFIG_MEMORY_HOTPLUG`: skipped silently.
    HotplugUnsupported,
    /// `acpi_map_pxm_to_node()` gave `NUMA_NO_NODE`: "Too many proximity domains.", `bad_srat()`.
    TooManyDomains {
        /// The PXM.
        pxm: u32,
    },
    /// `numa_add_memblk()` failed: `bad_srat()`.
    AddMemblkFailed {
        /// The node.
        node: u32,
        /// `base_address`.
        start: u64,
        /// `base_address + length`.
        end: u64,
    },
}

/// One memory subtable that reached `acpi_parse_memory_affinity()`, and what happened to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemAffinityRecord {
    /// Offset of the subtable in the SRAT.
    pub offset: usize,
    /// The decision.
    pub outcome: MemAffinityOutcome,
}

/// A processor mapped to a node (`set_apicid_to_node()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CpuAffinity {
    /// Offset of the subtable in the SRAT.
    pub offset: usize,
    /// From an x2APIC subtable (type 2) rather than a local APIC one (type 0).
    pub x2apic: bool,
    /// The PXM.
    pub pxm: u32,
    /// The APIC id.
    pub apic_id: u32,
    /// The node.
    pub node: u32,
}

/// What `acpi_numa_x2apic_affinity_init()` or `acpi_numa_processor_affinity_init()` decided
/// for one subtable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CpuAffinityOutcome {
    /// Mapped: `apicid -> node`, node marked parsed, `acpi_numa = 1`.
    Mapped(CpuAffinity),
    /// Skipped: the SRAT was already marked bad.
    SratDisabled,
    /// Local APIC length != 16 or x2APIC length < 24: `bad_srat()`.
    BadLength {
        /// The length byte.
        length: u8,
    },
    /// `ACPI_SRAT_CPU_ENABLED` clear: skipped silently.
    NotEnabled,
    /// x2APIC id rejected by `apic->apic_id_valid()`: skipped with a message, no node assigned.
    X2ApicIdInvalid {
        /// The PXM.
        pxm: u32,
        /// The x2APIC id.
        apic_id: u32,
    },
    /// `acpi_map_pxm_to_node()` gave `NUMA_NO_NODE`: `bad_srat()`.
    TooManyDomains {
        /// The PXM.
        pxm: u32,
    },
    /// APIC id `>= MAX_LOCAL_APIC`: skipped with a message, after the node was assigned.
    ApicIdTooBig {
        /// The PXM.
        pxm: u32,
        /// The APIC id.
        apic_id: u32,
        /// The node the PXM got.
        node: u32,
    },
}

/// One processor subtable that reached `acpi_parse_x2apic_affinity()` or
/// `acpi_parse_processor_affinity()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CpuAffinityRecord {
    /// Offset of the subtable in the SRAT.
    pub offset: usize,
    /// From an x2APIC subtable.
    pub x2apic: bool,
    /// The decision.
    pub outcome: CpuAffinityOutcome,
}

/// A line the kernel prints (`printk`/`pr_*` in `arch/x86/mm/srat.c`, `drivers/acpi/numa.c`,
/// `drivers/acpi/tables.c`, ACPICA) while it parses the SRAT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// ACPICA's checksum warning or the walker's messages.
    Table(TableMessage),
    /// `SRAT: PXM %u -> X2APIC 0x%04x ignored`.
    X2ApicIgnored {
        /// The PXM.
        pxm: u32,
        /// The x2APIC id.
        apic_id: u32,
    },
    /// `SRAT: Too many proximity domains %x` (processor handlers).
    TooManyDomains {
        /// The PXM.
        pxm: u32,
    },
    /// `SRAT: PXM %u -> APIC 0x%02x -> Node %u skipped apicid that is too big` (`0x%04x` for x2APIC).
    ApicIdTooBig {
        /// The PXM.
        pxm: u32,
        /// The APIC id.
        apic_id: u32,
        /// The node.
        node: u32,
        /// x2APIC subtable.
        x2apic: bool,
    },
    /// `SRAT: PXM %u -> APIC 0x%02x -> Node %u` (`0x%04x` for x2APIC).
    ProcessorNode {
        /// The PXM.
        pxm: u32,
        /// The APIC id.
        apic_id: u32,
        /// The node.
        node: u32,
        /// x2APIC subtable.
        x2apic: bool,
    },
    /// `SRAT: Too many proximity domains.` (memory handler).
    TooManyDomainsMemory,
    /// `SRAT: SRAT not used.` (`bad_srat()`).
    SratNotUsed,
    /// `SRAT: Node %u PXM %u [mem %#010Lx-%#010Lx]%s` (` hotplug`).
    MemoryNode {
        /// The node.
        node: u32,
        /// The PXM.
        pxm: u32,
        /// First byte.
        start: u64,
        /// `base + length` (printed as `end - 1`).
        end: u64,
        /// Hot-pluggable.
        hotpluggable: bool,
        /// Non-volatile (printed by 6.1 only).
        non_volatile: bool,
    },
}

impl Message {
    /// The printk level the kernel uses.
    pub fn level(&self) -> log::Level {
        match self {
            Message::Table(t) => t.level(),
            Message::TooManyDomains { .. } | Message::TooManyDomainsMemory | Message::SratNotUsed => log::Level::Error,
            Message::X2ApicIgnored { .. }
            | Message::ApicIdTooBig { .. }
            | Message::ProcessorNode { .. }
            | Message::MemoryNode { .. } => log::Level::Info,
        }
    }

    /// The line as the kernel prints it (without the timestamp).
    pub fn render(&self, style: MessageStyle) -> String {
        alloc::format!("{}", Rendered(self, style))
    }
}

struct Rendered<'m>(&'m Message, MessageStyle);

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let style = self.1;
        // 6.1 prints these from drivers/acpi/numa.c, whose pr_fmt is "ACPI: ".
        let acpi = if style == MessageStyle::Linux6_1 { "ACPI: " } else { "" };
        match *self.0 {
            Message::Table(t) => f.write_str(&t.render(style)),
            Message::X2ApicIgnored { pxm, apic_id } => {
                write!(f, "SRAT: PXM {pxm} -> X2APIC 0x{apic_id:04x} ignored")
            }
            Message::TooManyDomains { pxm } => {
                write!(f, "SRAT: Too many proximity domains {pxm:x}")
            }
            Message::ApicIdTooBig { pxm, apic_id, node, x2apic } => {
                if x2apic {
                    write!(f, "SRAT: PXM {pxm} -> APIC 0x{apic_id:04x} -> Node {node} skipped apicid that is too big")
                } else {
                    write!(f, "SRAT: PXM {pxm} -> APIC 0x{apic_id:02x} -> Node {node} skipped apicid that is too big")
                }
            }
            Message::ProcessorNode { pxm, apic_id, node, x2apic } => {
                if x2apic {
                    write!(f, "SRAT: PXM {pxm} -> APIC 0x{apic_id:04x} -> Node {node}")
                } else {
                    write!(f, "SRAT: PXM {pxm} -> APIC 0x{apic_id:02x} -> Node {node}")
                }
            }
            Message::TooManyDomainsMemory => write!(f, "{acpi}SRAT: Too many proximity domains."),
            Message::SratNotUsed => write!(f, "{acpi}SRAT: SRAT not used."),
            Message::MemoryNode { node, pxm, start, end, hotpluggable, non_volatile } => {
                write!(f, "{acpi}SRAT: Node {node} PXM {pxm} [mem {start:#010x}-{:#010x}]", end.wrapping_sub(1))?;
                if hotpluggable {
                    f.write_str(" hotplug")?;
                }
                if non_volatile && style == MessageStyle::Linux6_1 {
                    f.write_str(" non-volatile")?;
                }
                Ok(())
            }
        }
    }
}

/// The state `acpi_numa_init()` builds during one boot, and the record of how it got there.
///
/// Fields model `acpi_numa` and `acpi_srat_revision`, `pxm_to_node_map[MAX_PXM_DOMAINS]`,
/// `node_to_pxm_map[MAX_NUMNODES]`, `nodes_found_map`, `numa_nodes_parsed`, `__apicid_to_node`
/// and `parsed_numa_memblks`. Like the kernel's statics they accumulate: use one `AcpiNuma` per
/// modelled boot.
#[derive(Clone, Debug)]
pub struct AcpiNuma {
    config: NumaConfig,
    acpi_numa: i32,
    srat_revision: u8,
    pxm_to_node_map: Vec<i32>,
    node_to_pxm_map: Vec<i32>,
    nodes_found_map: Vec<bool>,
    numa_nodes_parsed: Vec<bool>,
    parsed_numa_memblks: u32,
    memblks: Vec<MemoryBlock>,
    memory_records: Vec<MemAffinityRecord>,
    cpu_records: Vec<CpuAffinityRecord>,
    passes: Vec<PassReport>,
    messages: Vec<Message>,
}

impl AcpiNuma {
    /// Fresh boot state for `config`. Fails if `max_numnodes` is outside 1..=1024.
    pub fn new(config: NumaConfig) -> Result<Self, SratError> {
        if !(1..=1024).contains(&config.max_numnodes) {
            return Err(SratError::InvalidMaxNumnodes { value: config.max_numnodes });
        }
        let nodes = config.max_numnodes as usize;
        Ok(AcpiNuma {
            config,
            acpi_numa: if config.numa_noacpi { -1 } else { 0 },
            srat_revision: 0,
            pxm_to_node_map: vec![NUMA_NO_NODE; config.max_pxm_domains() as usize],
            node_to_pxm_map: vec![PXM_INVAL; nodes],
            nodes_found_map: vec![false; nodes],
            numa_nodes_parsed: vec![false; nodes],
            parsed_numa_memblks: 0,
            memblks: Vec::new(),
            memory_records: Vec::new(),
            cpu_records: Vec::new(),
            passes: Vec::new(),
            messages: Vec::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &NumaConfig {
        &self.config
    }

    /// `acpi_numa`: 0 untouched, 1 a processor was mapped, -1 SRAT not used.
    pub fn acpi_numa(&self) -> i32 {
        self.acpi_numa
    }

    /// `srat_disabled()`: `acpi_numa < 0` (bad SRAT, or `numa=noacpi`).
    pub fn srat_disabled(&self) -> bool {
        self.acpi_numa < 0
    }

    /// `acpi_srat_revision`.
    pub fn srat_revision(&self) -> u8 {
        self.srat_revision
    }

    /// `parsed_numa_memblks`: memory subtables accepted.
    pub fn parsed_numa_memblks(&self) -> u32 {
        self.parsed_numa_memblks
    }

    /// Accepted memory ranges in table order, as handed to `numa_add_memblk()`.
    pub fn memblks(&self) -> &[MemoryBlock] {
        &self.memblks
    }

    /// Every memory subtable that reached the handler, with its outcome.
    pub fn memory_records(&self) -> &[MemAffinityRecord] {
        &self.memory_records
    }

    /// Every processor subtable that reached a handler, with its outcome.
    pub fn cpu_records(&self) -> &[CpuAffinityRecord] {
        &self.cpu_records
    }

    /// Processors mapped to nodes, in the order `set_apicid_to_node()` ran.
    pub fn cpus(&self) -> impl Iterator<Item = &CpuAffinity> + '_ {
        self.cpu_records.iter().filter_map(|r| match &r.outcome {
            CpuAffinityOutcome::Mapped(c) => Some(c),
            _ => None,
        })
    }

    /// `__apicid_to_node[apic_id]` (the last mapping written), if any.
    pub fn apicid_to_node(&self, apic_id: u32) -> Option<u32> {
        self.cpus().filter(|c| c.apic_id == apic_id).last().map(|c| c.node)
    }

    /// The three passes' reports (x2APIC, local APIC, memory), as far as they ran.
    pub fn passes(&self) -> &[PassReport] {
        &self.passes
    }

    /// The messages, in the order the kernel prints them.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// The messages rendered in the configured style.
    pub fn message_lines(&self) -> Vec<String> {
        self.messages.iter().map(|m| m.render(self.config.style)).collect()
    }

    /// `pxm_to_node(pxm)`: `NUMA_NO_NODE` for an unmapped PXM or one outside the map.
    pub fn pxm_to_node(&self, pxm: i32) -> i32 {
        usize::try_from(pxm).ok().and_then(|i| self.pxm_to_node_map.get(i)).copied().unwrap_or(NUMA_NO_NODE)
    }

    /// `node_to_pxm(node)`: `PXM_INVAL` for an unmapped node or one outside the map.
    pub fn node_to_pxm(&self, node: i32) -> i32 {
        usize::try_from(node).ok().and_then(|i| self.node_to_pxm_map.get(i)).copied().unwrap_or(PXM_INVAL)
    }

    /// The mapped `(pxm, node)` pairs, by PXM.
    pub fn pxm_node_pairs(&self) -> Vec<(u32, u32)> {
        self.pxm_to_node_map.iter().enumerate().filter(|(_, n)| **n >= 0).map(|(p, n)| (p as u32, *n as u32)).collect()
    }

    /// `numa_nodes_parsed`: nodes that got a processor or a memory range.
    pub fn nodes_parsed(&self) -> Vec<u32> {
        bits(&self.numa_nodes_parsed)
    }

    /// `nodes_found_map`: node ids handed out to PXMs.
    pub fn nodes_found(&self) -> Vec<u32> {
        bits(&self.nodes_found_map)
    }

    fn emit(&mut self, message: Message) {
        log::log!(message.level(), "{}", message.render(self.config.style));
        self.messages.push(message);
    }

    /// `bad_srat()`: prints `SRAT: SRAT not used.` and sets `acpi_numa = -1`.
    pub fn bad_srat(&mut self) {
        self.emit(Message::SratNotUsed);
        self.acpi_numa = -1;
    }

    /// `acpi_map_pxm_to_node(pxm)`: the PXM's node, or the lowest node id not yet handed out
    /// (recorded in both maps, each keeping the smaller value), or `NUMA_NO_NODE` when all
    /// `MAX_NUMNODES` ids are taken. A PXM outside `[0, MAX_PXM_DOMAINS)` is an out-of-bounds
    /// index in 3.12 ([`SratError::PxmOutOfRange`]) or `NUMA_NO_NODE` with
    /// [`PxmRangeCheck::NoNode`].
    pub fn acpi_map_pxm_to_node(&mut self, pxm: i32) -> Result<i32, SratError> {
        self.setup_node(pxm, None)
    }

    fn setup_node(&mut self, pxm: i32, subtable_offset: Option<usize>) -> Result<i32, SratError> {
        let Some(index) = usize::try_from(pxm).ok().filter(|i| *i < self.pxm_to_node_map.len()) else {
            return match self.config.pxm_range_check {
                PxmRangeCheck::NoNode => Ok(NUMA_NO_NODE),
                PxmRangeCheck::None => Err(SratError::PxmOutOfRange {
                    pxm: pxm as u32,
                    max_pxm_domains: self.config.max_pxm_domains(),
                    subtable_offset,
                }),
            };
        };
        let node = self.pxm_to_node_map[index];
        if node >= 0 {
            return Ok(node);
        }
        // nodes_weight(nodes_found_map) >= MAX_NUMNODES, then first_unset_node().
        let Some(free) = self.nodes_found_map.iter().position(|used| !used) else {
            return Ok(NUMA_NO_NODE);
        };
        let node = free as i32;
        // __acpi_map_pxm_to_node(): each map keeps the smaller of old and new.
        let slot = &mut self.pxm_to_node_map[index];
        if *slot == NUMA_NO_NODE || node < *slot {
            *slot = node;
        }
        let slot = &mut self.node_to_pxm_map[free];
        if *slot == PXM_INVAL || pxm < *slot {
            *slot = pxm;
        }
        self.nodes_found_map[free] = true;
        Ok(node)
    }

    fn record_cpu(&mut self, sub: Subtable<'_>, x2apic: bool, outcome: CpuAffinityOutcome) {
        self.cpu_records.push(CpuAffinityRecord { offset: sub.offset(), x2apic, outcome });
    }

    fn record_mem(&mut self, sub: Subtable<'_>, outcome: MemAffinityOutcome) -> i32 {
        self.memory_records.push(MemAffinityRecord { offset: sub.offset(), outcome });
        if matches!(outcome, MemAffinityOutcome::Accepted(_)) { 0 } else { -1 }
    }

    /// `acpi_numa_x2apic_affinity_init()` (3.12 `arch/x86/mm/srat.c`) for one x2APIC subtable.
    ///
    /// Skipped when the SRAT is disabled; `bad_srat()` if shorter than 24 bytes (longer is fine);
    /// skipped if not enabled; an id the APIC driver rejects is reported and skipped before any
    /// node is assigned; then the PXM gets its node (`NUMA_NO_NODE`: "Too many proximity
    /// domains %x", `bad_srat()`); an id `>= MAX_LOCAL_APIC` is reported and skipped; otherwise
    /// `apicid -> node`, the node is marked parsed and `acpi_numa = 1`.
    pub fn x2apic_affinity_init(&mut self, pa: X2ApicAffinityRef<'_>) -> Result<(), SratError> {
        let sub = pa.subtable();
        if self.srat_disabled() {
            self.record_cpu(sub, true, CpuAffinityOutcome::SratDisabled);
            return Ok(());
        }
        if sub.length() < SRAT_X2APIC_CPU_AFFINITY_LEN {
            self.record_cpu(sub, true, CpuAffinityOutcome::BadLength { length: sub.length() });
            self.bad_srat();
            return Ok(());
        }
        if !pa.flags()?.contains(CpuAffinityFlags::ENABLED) {
            self.record_cpu(sub, true, CpuAffinityOutcome::NotEnabled);
            return Ok(());
        }
        // Both are `int` in the kernel.
        let pxm = pa.proximity_domain()? as i32;
        let apic_id = pa.apic_id()? as i32;
        let (upxm, uapic) = (pxm as u32, apic_id as u32);
        if !self.config.apic_driver.apic_id_valid(apic_id) {
            self.emit(Message::X2ApicIgnored { pxm: upxm, apic_id: uapic });
            self.record_cpu(sub, true, CpuAffinityOutcome::X2ApicIdInvalid { pxm: upxm, apic_id: uapic });
            return Ok(());
        }
        let node = self.setup_node(pxm, Some(sub.offset()))?;
        if node < 0 {
            self.emit(Message::TooManyDomains { pxm: upxm });
            self.record_cpu(sub, true, CpuAffinityOutcome::TooManyDomains { pxm: upxm });
            self.bad_srat();
            return Ok(());
        }
        if apic_id < 0 {
            return Err(SratError::ApicIdNegative { apic_id: uapic, subtable_offset: sub.offset() });
        }
        self.map_cpu(sub, true, upxm, uapic, node as u32);
        Ok(())
    }

    /// `acpi_numa_processor_affinity_init()` (3.12 `arch/x86/mm/srat.c`) for one local APIC
    /// subtable.
    ///
    /// Skipped when the SRAT is disabled; `bad_srat()` if the length is not 16; skipped if not
    /// enabled; PXM = `proximity_domain_lo`, plus `proximity_domain_hi << 8` from SRAT revision 2;
    /// the PXM gets its node (`NUMA_NO_NODE`: "Too many proximity domains %x", `bad_srat()`); the
    /// APIC id is `apic_id` (UV x2APIC: `apic_id << 8 | local_sapic_eid`); an id
    /// `>= MAX_LOCAL_APIC` is reported and skipped; otherwise `apicid -> node`, node parsed,
    /// `acpi_numa = 1`.
    pub fn processor_affinity_init(&mut self, pa: LocalApicAffinityRef<'_>) -> Result<(), SratError> {
        let sub = pa.subtable();
        if self.srat_disabled() {
            self.record_cpu(sub, false, CpuAffinityOutcome::SratDisabled);
            return Ok(());
        }
        if sub.length() != SRAT_CPU_AFFINITY_LEN {
            self.record_cpu(sub, false, CpuAffinityOutcome::BadLength { length: sub.length() });
            self.bad_srat();
            return Ok(());
        }
        if !pa.flags()?.contains(CpuAffinityFlags::ENABLED) {
            self.record_cpu(sub, false, CpuAffinityOutcome::NotEnabled);
            return Ok(());
        }
        let pxm = pa.proximity_domain(self.srat_revision)? as i32;
        let upxm = pxm as u32;
        let node = self.setup_node(pxm, Some(sub.offset()))?;
        if node < 0 {
            self.emit(Message::TooManyDomains { pxm: upxm });
            self.record_cpu(sub, false, CpuAffinityOutcome::TooManyDomains { pxm: upxm });
            self.bad_srat();
            return Ok(());
        }
        let apic_id = if self.config.uv_x2apic {
            (u32::from(pa.apic_id()?) << 8) | u32::from(pa.local_sapic_eid()?)
        } else {
            u32::from(pa.apic_id()?)
        };
        self.map_cpu(sub, false, upxm, apic_id, node as u32);
        Ok(())
    }

    fn map_cpu(&mut self, sub: Subtable<'_>, x2apic: bool, pxm: u32, apic_id: u32, node: u32) {
        if apic_id >= MAX_LOCAL_APIC {
            self.emit(Message::ApicIdTooBig { pxm, apic_id, node, x2apic });
            self.record_cpu(sub, x2apic, CpuAffinityOutcome::ApicIdTooBig { pxm, apic_id, node });
            return;
        }
        self.numa_nodes_parsed[node as usize] = true;
        self.acpi_numa = 1;
        self.emit(Message::ProcessorNode { pxm, apic_id, node, x2apic });
        self.record_cpu(
            sub,
            x2apic,
            CpuAffinityOutcome::Mapped(CpuAffinity { offset: sub.offset(), x2apic, pxm, apic_id, node }),
        );
    }

    /// `acpi_numa_memory_affinity_init()` (3.12 `arch/x86/mm/srat.c`) for one memory subtable;
    /// returns 0 (accepted) or -1.
    ///
    /// In order: SRAT disabled → reject; length != 40 → `bad_srat()`; not enabled → reject;
    /// hot-pluggable without `CONFIG_MEMORY_HOTPLUG` → reject; `start = base`,
    /// `end = base + length` (wrapping), PXM masked to 8 bits for revision ≤ 1; the PXM's node
    /// (`NUMA_NO_NODE`: "Too many proximity domains.", `bad_srat()`); `numa_add_memblk(node,
    /// start, end)` (`Err`: `bad_srat()`); node marked parsed; the `SRAT: Node ...` line.
    pub fn memory_affinity_init<M: NumaMemblks + ?Sized>(
        &mut self,
        ma: MemoryAffinityRef<'_>,
        memblks: &mut M,
    ) -> Result<i32, SratError> {
        let sub = ma.subtable();
        if self.srat_disabled() {
            return Ok(self.record_mem(sub, MemAffinityOutcome::SratDisabled));
        }
        if sub.length() != SRAT_MEM_AFFINITY_LEN {
            self.bad_srat();
            return Ok(self.record_mem(sub, MemAffinityOutcome::BadLength { length: sub.length() }));
        }
        let flags = ma.flags()?;
        if !flags.contains(MemoryAffinityFlags::ENABLED) {
            return Ok(self.record_mem(sub, MemAffinityOutcome::NotEnabled));
        }
        let hotpluggable = flags.contains(MemoryAffinityFlags::HOT_PLUGGABLE);
        if hotpluggable && !self.config.memory_hotplug {
            return Ok(self.record_mem(sub, MemAffinityOutcome::HotplugUnsupported));
        }
        let start = ma.base_address()?;
        let end = start.wrapping_add(ma.address_length()?);
        let mut pxm = ma.proximity_domain()? as i32;
        if self.srat_revision <= 1 {
            pxm &= 0xff;
        }
        let upxm = pxm as u32;
        let node = self.setup_node(pxm, Some(sub.offset()))?;
        if node < 0 {
            self.emit(Message::TooManyDomainsMemory);
            self.bad_srat();
            return Ok(self.record_mem(sub, MemAffinityOutcome::TooManyDomains { pxm: upxm }));
        }
        let node = node as u32;
        if memblks.numa_add_memblk(node, start, end).is_err() {
            self.bad_srat();
            return Ok(self.record_mem(sub, MemAffinityOutcome::AddMemblkFailed { node, start, end }));
        }
        self.numa_nodes_parsed[node as usize] = true;
        let non_volatile = flags.contains(MemoryAffinityFlags::NON_VOLATILE);
        self.emit(Message::MemoryNode { node, pxm: upxm, start, end, hotpluggable, non_volatile });
        let block = MemoryBlock { offset: sub.offset(), node, pxm: upxm, start, end, hotpluggable, non_volatile };
        self.memblks.push(block);
        Ok(self.record_mem(sub, MemAffinityOutcome::Accepted(block)))
    }

    /// `acpi_get_table_with_size("SRAT")` before ACPI's permanent mappings exist: ACPICA maps
    /// and verifies the table on every call, so the checksum warning is printed each time.
    fn get_table(&mut self, srat: &SratTable<'_>) {
        if let Some(warning) = srat.checksum().warning() {
            self.emit(Message::Table(warning));
        }
    }

    fn finish_pass(&mut self, report: PassReport) -> i32 {
        if let Some(m) = report.message {
            self.emit(Message::Table(m));
        }
        self.passes.push(report);
        report.ret
    }

    /// `acpi_numa_init()` (3.12 `drivers/acpi/numa.c`) for the SRAT; `None` when there is none.
    ///
    /// `acpi_table_parse(SRAT, acpi_parse_srat)` saves the revision; then the x2APIC pass, the
    /// local APIC pass (their results are ignored) and the memory pass limited to
    /// `NR_NODE_MEMBLKS`. Each of the four table look-ups re-verifies the checksum. SLIT parsing
    /// is not modelled. Returns the memory pass's result if negative (`-EINVAL` for a zero-length
    /// subtable), else `-ENOENT` if no memory range was accepted, else 0. `Err` only for inputs the
    /// kernel does not survive (see [`SratError`]); the state up to that point is kept.
    pub fn acpi_numa_init<M: NumaMemblks + ?Sized>(
        &mut self,
        srat: Option<&SratTable<'_>>,
        memblks: &mut M,
    ) -> Result<i32, SratError> {
        let mut cnt = 0;
        if let Some(table) = srat {
            self.get_table(table);
            self.srat_revision = table.revision();

            self.get_table(table);
            let report = table.parse_entries(ACPI_SRAT_TYPE_X2APIC_CPU_AFFINITY, 0, |sub| {
                if let Some(pa) = sub.as_x2apic_affinity() {
                    self.x2apic_affinity_init(pa)?;
                }
                Ok(0)
            })?;
            self.finish_pass(report);

            self.get_table(table);
            let report = table.parse_entries(ACPI_SRAT_TYPE_CPU_AFFINITY, 0, |sub| {
                if let Some(pa) = sub.as_local_apic_affinity() {
                    self.processor_affinity_init(pa)?;
                }
                Ok(0)
            })?;
            self.finish_pass(report);

            self.get_table(table);
            let limit = self.config.nr_node_memblks();
            let report = table.parse_entries(ACPI_SRAT_TYPE_MEMORY_AFFINITY, limit, |sub| {
                if let Some(ma) = sub.as_memory_affinity() {
                    // acpi_parse_memory_affinity(): count the accepted ones.
                    if self.memory_affinity_init(ma, memblks)? == 0 {
                        self.parsed_numa_memblks = self.parsed_numa_memblks.saturating_add(1);
                    }
                }
                Ok(0)
            })?;
            cnt = self.finish_pass(report);
        }
        Ok(if cnt < 0 {
            cnt
        } else if self.parsed_numa_memblks == 0 {
            -ENOENT
        } else {
            0
        })
    }

    /// `x86_acpi_numa_init()` (3.12 `arch/x86/mm/srat.c`): [`AcpiNuma::acpi_numa_init`], and
    /// `-EINVAL` if that succeeded but the SRAT was marked bad. A negative result makes
    /// `numa_init()` return without resetting memblock's direction, and NUMA setup falls back.
    pub fn x86_acpi_numa_init<M: NumaMemblks + ?Sized>(
        &mut self,
        srat: Option<&SratTable<'_>>,
        memblks: &mut M,
    ) -> Result<i32, SratError> {
        let ret = self.acpi_numa_init(srat, memblks)?;
        if ret < 0 {
            return Ok(ret);
        }
        Ok(if self.srat_disabled() { -EINVAL } else { 0 })
    }
}

fn bits(map: &[bool]) -> Vec<u32> {
    map.iter().enumerate().filter(|(_, set)| **set).map(|(i, _)| i as u32).collect()
}

/// One boot's SRAT parse from raw table bytes, as `x86_acpi_numa_init()` does it: the table is
/// checked ([`SratTable::from_bytes`]; a zero length field means "no SRAT", as in the kernel),
/// then parsed with `memblks` as `numa_add_memblk()`. Returns the state with
/// [`AcpiNuma::x86_acpi_numa_init`]'s return value.
pub fn x86_acpi_numa_init_bytes<M: NumaMemblks + ?Sized>(
    bytes: &[u8],
    config: NumaConfig,
    memblks: &mut M,
) -> Result<(AcpiNuma, i32), SratError> {
    let mut numa = AcpiNuma::new(config)?;
    let table = match SratTable::from_bytes(bytes) {
        Ok(t) => Some(t),
        Err(SratError::ZeroLength) => None,
        Err(e) => return Err(e),
    };
    let ret = numa.x86_acpi_numa_init(table.as_ref(), memblks)?;
    Ok((numa, ret))
}
