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

use super::affinity::{
    CpuAffinityFlags, LocalApicAffinityRef, MemoryAffinityFlags, MemoryAffinityRef, X2ApicAffinityRef,
};
use super::config::{MAX_LOCAL_APIC, NUMA_NO_NODE, NumaConfig, PXM_INVAL, PxmRangeCheck};
use super::messages::Message;
use super::records::{
    CpuAffinity, CpuAffinityOutcome, CpuAffinityRecord, MemAffinityOutcome, MemAffinityRecord, MemoryBlock, NumaMemblks,
};
use super::table::{
    ACPI_SRAT_TYPE_CPU_AFFINITY, ACPI_SRAT_TYPE_MEMORY_AFFINITY, ACPI_SRAT_TYPE_X2APIC_CPU_AFFINITY, PassReport,
    SRAT_CPU_AFFINITY_LEN, SRAT_MEM_AFFINITY_LEN, SRAT_X2APIC_CPU_AFFINITY_LEN, SratTable, Subtable,
};
use crate::error::{Errno, Error};

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
    ///
    /// # Errors
    ///
    /// [`Error::InvalidMaxNumnodes`] when `max_numnodes` is outside 1..=1024.
    pub fn new(config: NumaConfig) -> Result<Self, Error> {
        if !(1..=1024).contains(&config.max_numnodes) {
            return Err(Error::InvalidMaxNumnodes { value: config.max_numnodes });
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
    /// index in 3.12 ([`Error::PxmOutOfRange`]) or `NUMA_NO_NODE` with
    /// [`PxmRangeCheck::NoNode`].
    ///
    /// # Errors
    ///
    /// [`Error::PxmOutOfRange`] for a PXM outside `[0, MAX_PXM_DOMAINS)` under 3.12's rule
    /// ([`PxmRangeCheck::None`]).
    pub fn acpi_map_pxm_to_node(&mut self, pxm: i32) -> Result<i32, Error> {
        self.setup_node(pxm, None)
    }

    fn setup_node(&mut self, pxm: i32, subtable_offset: Option<usize>) -> Result<i32, Error> {
        let Some(index) = usize::try_from(pxm).ok().filter(|i| *i < self.pxm_to_node_map.len()) else {
            return match self.config.pxm_range_check {
                PxmRangeCheck::NoNode => Ok(NUMA_NO_NODE),
                PxmRangeCheck::None => Err(Error::PxmOutOfRange {
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
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] for a field past the end of the table's memory,
    /// [`Error::ApicIdNegative`] for an x2APIC id that is a negative C `int` (3.12 indexes
    /// `__apicid_to_node[]` out of bounds), [`Error::PxmOutOfRange`] for a PXM the 3.12 map would
    /// index out of bounds.
    pub fn x2apic_affinity_init(&mut self, pa: X2ApicAffinityRef<'_>) -> Result<(), Error> {
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
            return Err(Error::ApicIdNegative { apic_id: uapic, subtable_offset: sub.offset() });
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
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] for a field past the end of the table's memory,
    /// [`Error::PxmOutOfRange`] for a PXM the 3.12 map would index out of bounds.
    pub fn processor_affinity_init(&mut self, pa: LocalApicAffinityRef<'_>) -> Result<(), Error> {
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
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] for a field past the end of the table's memory,
    /// [`Error::PxmOutOfRange`] for a PXM the 3.12 map would index out of bounds.
    pub fn memory_affinity_init<M: NumaMemblks + ?Sized>(
        &mut self,
        ma: MemoryAffinityRef<'_>,
        memblks: &mut M,
    ) -> Result<i32, Error> {
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
    /// subtable), else `-ENOENT` if no memory range was accepted, else 0, as the inner result.
    ///
    /// # Errors
    ///
    /// The outer `Err` only for inputs the kernel does not survive (see [`Error`]); the state up
    /// to that point is kept.
    pub fn acpi_numa_init<M: NumaMemblks + ?Sized>(
        &mut self,
        srat: Option<&SratTable<'_>>,
        memblks: &mut M,
    ) -> Result<Result<(), Errno>, Error> {
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
            // A zero-length subtable (or a handler's failure) ended the pass: -EINVAL.
            Err(Errno::EINVAL)
        } else if self.parsed_numa_memblks == 0 {
            Err(Errno::ENOENT)
        } else {
            Ok(())
        })
    }

    /// `x86_acpi_numa_init()` (3.12 `arch/x86/mm/srat.c`): [`AcpiNuma::acpi_numa_init`], and
    /// `-EINVAL` if that succeeded but the SRAT was marked bad. A negative result makes
    /// `numa_init()` return without resetting memblock's direction, and NUMA setup falls back.
    ///
    /// # Errors
    ///
    /// The errors of the subtable handlers ([`AcpiNuma::memory_affinity_init`] and the processor
    /// ones): inputs the kernel does not survive. Its own failures are the inner `Err(Errno)`.
    pub fn x86_acpi_numa_init<M: NumaMemblks + ?Sized>(
        &mut self,
        srat: Option<&SratTable<'_>>,
        memblks: &mut M,
    ) -> Result<Result<(), Errno>, Error> {
        let ret = self.acpi_numa_init(srat, memblks)?;
        if ret.is_err() {
            return Ok(ret);
        }
        Ok(if self.srat_disabled() { Err(Errno::EINVAL) } else { Ok(()) })
    }
}

fn bits(map: &[bool]) -> Vec<u32> {
    map.iter().enumerate().filter(|(_, set)| **set).map(|(i, _)| i as u32).collect()
}

/// One boot's SRAT parse from raw table bytes, as `x86_acpi_numa_init()` does it: the table is
/// checked ([`SratTable::from_bytes`]; a zero length field means "no SRAT", as in the kernel),
/// then parsed with `memblks` as `numa_add_memblk()`. Returns the state with
/// [`AcpiNuma::x86_acpi_numa_init`]'s return value.
///
/// # Errors
///
/// The errors of [`SratTable::from_bytes`] but [`Error::ZeroLength`] (no SRAT), and those of
/// [`AcpiNuma::x86_acpi_numa_init`]. The kernel's own failures are the inner `Err(Errno)`.
pub fn x86_acpi_numa_init_bytes<M: NumaMemblks + ?Sized>(
    bytes: &[u8],
    config: NumaConfig,
    memblks: &mut M,
) -> Result<(AcpiNuma, Result<(), Errno>), Error> {
    let mut numa = AcpiNuma::new(config)?;
    let table = match SratTable::from_bytes(bytes) {
        Ok(t) => Some(t),
        Err(Error::ZeroLength) => None,
        Err(e) => return Err(e),
    };
    let ret = numa.x86_acpi_numa_init(table.as_ref(), memblks)?;
    Ok((numa, ret))
}
