//! What `acpi_numa_init()` decides for each subtable, and where accepted memory goes: the
//! caller's `numa_add_memblk()` ([`NumaMemblks`]), the accepted ranges ([`MemoryBlock`]), and one
//! record per processor or memory subtable with its outcome.

use core::convert::Infallible;

/// `numa_add_memblk(nid, start, end)`: where accepted memory ranges go (the caller's
/// `numa_meminfo`). An `Err` makes the entry fail with `bad_srat()`, as `< 0` does in the kernel.
pub trait NumaMemblks {
    /// What a refusal carries (the model only looks at whether there was one).
    type Error;

    /// Adds `[start, end)` to node `nid`. The kernel passes `end = base + length` as computed
    /// in `u64`, so `end` may have wrapped below `start`.
    ///
    /// # Errors
    ///
    /// `Self::Error` when the range is refused (too many blocks, for one); the entry then fails
    /// with `bad_srat()`.
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
/// [`AcpiNuma::memblks`](super::AcpiNuma::memblks)).
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
