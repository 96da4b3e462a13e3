//! The SRAT (System Resource Affinity Table) as Linux 3.12/3.13 reads it at boot, and the
//! `acpi_numa_init()` flow that turns it into nodes.
//!
//! * [`srat`]: the table (`struct acpi_table_srat`, an `acpi::AcpiTable` of the project's own,
//!   because acpi 6/7's SRAT parser misreads every subtable), its subtables and the kernel's
//!   walk over them (`acpi_table_parse_entries`), with ACPICA's checksum warning (it warns and
//!   uses the table, `ACPI_CHECKSUM_ABORT` being false).
//! * [`firmware`]: finding the SRAT from the RSDP in simulated firmware memory with
//!   `acpi::AcpiTables::from_rsdp` and a bounds-checked `acpi::AcpiHandler`.
//! * [`numa_parse`]: `acpi_numa_init()` / `x86_acpi_numa_init()`: PXM to node ids, processors
//!   and memory ranges to nodes, every rejection rule, `bad_srat()`, and the kernel's messages.
//!
//! Nothing here panics or overflows on any input: reads past the end of the table's memory and
//! out-of-bounds indexes that the kernel would commit are reported as [`SratError`].

pub mod firmware;
pub mod numa_parse;
pub mod srat;

pub use firmware::{Discovery, FirmwareWindow, FoundSrat, WindowHandler, find_srat};
pub use numa_parse::{
    AcceptAll, AcpiNuma, ApicDriver, CpuAffinity, CpuAffinityOutcome, CpuAffinityRecord, MemAffinityOutcome,
    MemAffinityRecord, MemoryBlock, Message, NumaConfig, NumaMemblks, PxmRangeCheck, x86_acpi_numa_init_bytes,
};
pub use srat::{
    Checksum, CpuAffinityFlags, MemoryAffinityFlags, MessageStyle, PassReport, Srat, SratEntry, SratError, SratHeader,
    SratTable, Subtable, TableMessage,
};
