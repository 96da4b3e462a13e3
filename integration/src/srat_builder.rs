//! Real SRAT bytes for a described NUMA layout, so that a machine file's nodes go through the
//! same parser as a firmware table: a revision-3 table with one local APIC affinity entry per
//! CPU and one memory affinity entry per range, written with movable-node's SRAT types
//! (`to_bytes`, `SratHeader::table_with`, which sets the length and the checksum).

use movable_node::acpi_srat::{
    ACPI_SIG_SRAT, CpuAffinityFlags, LocalApicAffinity, MemoryAffinity, MemoryAffinityFlags, SRAT_CPU_AFFINITY_LEN,
    SRAT_MEM_AFFINITY_LEN, SratHeader,
};

/// One memory range of a node in a described NUMA layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeMemory {
    /// Start.
    pub start: u64,
    /// End (exclusive).
    pub end: u64,
    /// SRAT's `HOT_PLUGGABLE` flag.
    pub hotpluggable: bool,
}

/// A node of a described NUMA layout (turned into SRAT bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    /// Proximity domain.
    pub pxm: u32,
    /// Local APIC ids of its CPUs.
    pub cpus: Vec<u32>,
    /// Its memory ranges.
    pub memory: Vec<NodeMemory>,
}

/// The header bootsim signs its tables with (OEM `BOOTSM`, table `MOVABLE `, compiler `BTSM`).
const HEADER: SratHeader = SratHeader {
    signature: ACPI_SIG_SRAT,
    length: 0,
    revision: 3,
    checksum: 0,
    oem_id: *b"BOOTSM",
    oem_table_id: *b"MOVABLE ",
    oem_revision: 1,
    asl_compiler_id: *b"BTSM",
    asl_compiler_revision: 1,
    table_revision: Some(1),
};

/// The table for `nodes`: every CPU's entry, then every memory range's. An APIC id is cut to
/// the 8 bits of a local APIC entry.
pub fn build_srat(nodes: &[NodeSpec]) -> Vec<u8> {
    let mut body = Vec::new();
    for n in nodes {
        let [lo, hi @ ..] = n.pxm.to_le_bytes();
        for &apic in &n.cpus {
            let cpu = LocalApicAffinity {
                offset: 0,
                length: SRAT_CPU_AFFINITY_LEN,
                proximity_domain_lo: lo,
                apic_id: apic as u8,
                flags: CpuAffinityFlags::ENABLED,
                local_sapic_eid: 0,
                proximity_domain_hi: hi,
                clock_domain: 0,
            };
            body.extend_from_slice(&cpu.to_bytes());
        }
    }
    for n in nodes {
        for m in &n.memory {
            let mut flags = MemoryAffinityFlags::ENABLED;
            flags.set(MemoryAffinityFlags::HOT_PLUGGABLE, m.hotpluggable);
            let mem = MemoryAffinity {
                offset: 0,
                length: SRAT_MEM_AFFINITY_LEN,
                proximity_domain: n.pxm,
                base_address: m.start,
                address_length: m.end - m.start,
                flags,
            };
            body.extend_from_slice(&mem.to_bytes());
        }
    }
    // A machine's nodes are a few hundred entries at most; a body past 4 GiB cannot be built.
    HEADER.table_with(&body).unwrap_or_default()
}
