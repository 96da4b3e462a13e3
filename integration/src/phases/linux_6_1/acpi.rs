//! The ACPI tables' early memory (spec §H.5 steps 15a and 16, §H.9.2 steps 6 and 7).

use movable_node::memblock_bottomup::{PAGE_SHIFT, PAGE_SIZE, SeriesMemblock};

use super::{AcpiReservation, AcpiTableInInitrd, Issuer, PhaseResult};

/// `acpi_table_upgrade()`: the tables the initrd carries under `kernel/firmware/acpi/` are
/// copied into one block of their summed sizes (not page-rounded), page-aligned, below
/// `max_low_pfn_mapped` (the direct map's low end after `init_mem_mapping()`). It runs before
/// the SRAT is parsed, so under `movable_node` the search is still bottom-up. No tables, no
/// request.
///
/// # Errors
/// [`super::PhaseError::Overflow`] if the sizes or `max_low_pfn_mapped` pass 64 bits.
pub fn acpi_table_upgrade(
    mb: &mut SeriesMemblock,
    tables: &[AcpiTableInInitrd],
    max_low_pfn_mapped: u64,
) -> PhaseResult {
    let mut io = Issuer::new(mb, "acpi_table_upgrade");
    if tables.is_empty() {
        return Ok(io.finish());
    }
    let size = tables
        .iter()
        .try_fold(0u64, |sum, t| sum.checked_add(t.size))
        .ok_or_else(|| io.overflow("the tables' size"))?;
    let max = max_low_pfn_mapped.checked_mul(1 << PAGE_SHIFT).ok_or_else(|| io.overflow("max_low_pfn_mapped << 12"))?;
    io.phys_alloc_range("acpi_table_upgrade", size, PAGE_SIZE, 0, max);
    Ok(io.finish())
}

/// `acpi_reserve_initial_tables()`: one `memblock_reserve()` per table the kernel printed
/// `ACPI: Reserving … table memory` for.
///
/// # Errors
/// [`super::PhaseError::Memblock`] if memblock cannot hold the reservation.
pub fn acpi_reserve_initial_tables(mb: &mut SeriesMemblock, tables: &[AcpiReservation]) -> PhaseResult {
    let mut io = Issuer::new(mb, "acpi_reserve_initial_tables");
    for t in tables {
        let size = t.last.checked_sub(t.base).and_then(|d| d.checked_add(1));
        let size = size.ok_or_else(|| io.overflow("a table's size (its last byte lies below its first)"))?;
        io.reserve("acpi_reserve_initial_tables", t.base, size)?;
    }
    Ok(io.finish())
}
