//! The SRAT (System Resource Affinity Table) as Linux 3.12/3.13 reads it at boot, and the
//! `acpi_numa_init()` flow that turns it into nodes.
//!
//! * [`table`]: the table (`struct acpi_table_srat`, an `acpi::AcpiTable` of the project's own,
//!   because acpi 6/7's SRAT parser misreads every subtable), its header, and the kernel's walk
//!   over its subtables (`acpi_table_parse_entries`), with ACPICA's checksum warning (it warns
//!   and uses the table, `ACPI_CHECKSUM_ABORT` being false).
//! * [`affinity`]: the processor and memory affinity subtables, as typed, bounds-checked views;
//!   `encode.rs` writes them and a whole table back (`to_bytes`, [`SratHeader::table_with`]).
//! * [`messages`]: the lines the kernel prints while it reads the table and parses it.
//! * [`firmware`]: finding the SRAT from the RSDP in simulated firmware memory with
//!   `acpi::AcpiTables::from_rsdp` and a bounds-checked `acpi::AcpiHandler`.
//! * [`numa_parse`]: `acpi_numa_init()` / `x86_acpi_numa_init()`: PXM to node ids, processors
//!   and memory ranges to nodes, every rejection rule and `bad_srat()`; [`config`] holds the
//!   kernel configuration it depends on, [`records`] what it decided for each subtable.
//!
//! Nothing here panics or overflows on any input: reads past the end of the table's memory and
//! out-of-bounds indexes that the kernel would commit are reported as [`Error`](crate::Error).

pub mod affinity;
pub mod config;
mod encode;
pub mod firmware;
pub mod messages;
pub mod numa_parse;
pub mod records;
pub mod table;

pub use affinity::{
    CpuAffinityFlags, LocalApicAffinity, LocalApicAffinityRef, MemoryAffinity, MemoryAffinityFlags, MemoryAffinityRef,
    SratEntry, X2ApicAffinity, X2ApicAffinityRef,
};
pub use config::{
    ApicDriver, DEFAULT_MAX_NUMNODES, MAX_LOCAL_APIC, NUMA_NO_NODE, NumaConfig, PXM_INVAL, PxmRangeCheck,
};
pub use firmware::{Discovery, FirmwareWindow, FoundSrat, WindowHandler, find_srat};
pub use messages::{Message, MessageStyle, TableMessage};
pub use numa_parse::{AcpiNuma, x86_acpi_numa_init_bytes};
pub use records::{
    AcceptAll, CpuAffinity, CpuAffinityOutcome, CpuAffinityRecord, MemAffinityOutcome, MemAffinityRecord, MemoryBlock,
    NumaMemblks,
};
pub use table::{
    ACPI_SIG_SRAT, ACPI_SRAT_TYPE_CPU_AFFINITY, ACPI_SRAT_TYPE_MEMORY_AFFINITY, ACPI_SRAT_TYPE_X2APIC_CPU_AFFINITY,
    ACPI_TABLE_HEADER_LEN, Checksum, PassReport, SRAT_CPU_AFFINITY_LEN, SRAT_HEADER_LEN, SRAT_MEM_AFFINITY_LEN,
    SRAT_X2APIC_CPU_AFFINITY_LEN, Srat, SratHeader, SratTable, Subtable, Subtables, acpi_tb_checksum,
};
