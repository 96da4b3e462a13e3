//! `setup_arch()` after `paging_init()` (spec §H.9.2 step 11): the ACPI/HPET and IO-APIC
//! resources, the e820 resources, the firmware map and the hibernation nosave regions, each a
//! `memblock_alloc()` (top-down below `current_limit`, any node, 64-byte aligned, unrounded).

use movable_node::memblock_bottomup::{PAGE_SHIFT, PAGE_SIZE, SeriesMemblock};
use movable_node::{E820Entry, E820Type};

use super::{Build6_1, Issuer, PhaseResult, SMP_CACHE_BYTES, panics};

/// `acpi_parse_hpet()`: a `struct resource` with the `"HPET %u"` name behind it, when the
/// MADT/HPET table was found (the log's `ACPI: HPET id:`).
///
/// # Errors
/// [`super::PhaseError::KernelPanics`] when memblock has no room.
pub fn acpi_parse_hpet(mb: &mut SeriesMemblock, build: &Build6_1, hpet: bool) -> PhaseResult {
    let mut io = Issuer::new(mb, "acpi_parse_hpet");
    if hpet {
        let size = build.resource_bytes + build.hpet_name_bytes;
        io.memblock_alloc("acpi_parse_hpet", size, SMP_CACHE_BYTES)
            .ok_or_else(|| panics("acpi_parse_hpet", format!("no room for {size} bytes")))?;
    }
    Ok(io.finish())
}

/// `io_apic_init_mappings()` (via `ioapic_setup_resources()`): one block of a `struct
/// resource` and its name per IO-APIC (the log's `IOAPIC[n]:` lines).
///
/// # Errors
/// [`super::PhaseError::KernelPanics`] when memblock has no room.
pub fn io_apic_init_mappings(mb: &mut SeriesMemblock, build: &Build6_1, ioapics: u64) -> PhaseResult {
    let mut io = Issuer::new(mb, "io_apic_init_mappings");
    if ioapics > 0 {
        let each = build.resource_bytes + build.ioapic_name_bytes;
        let size = each.checked_mul(ioapics).ok_or_else(|| io.overflow("the IO-APIC resources"))?;
        io.memblock_alloc("io_apic_init_mappings", size, SMP_CACHE_BYTES)
            .ok_or_else(|| panics("io_apic_init_mappings", format!("no room for {size} bytes")))?;
    }
    Ok(io.finish())
}

/// `e820__reserve_resources()`: one `struct resource` per entry of the kernel's e820 table.
///
/// # Errors
/// [`super::PhaseError::KernelPanics`] when memblock has no room.
pub fn e820_reserve_resources(mb: &mut SeriesMemblock, build: &Build6_1, kernel_e820: &[E820Entry]) -> PhaseResult {
    let mut io = Issuer::new(mb, "e820__reserve_resources");
    let size =
        build.resource_bytes.checked_mul(kernel_e820.len() as u64).ok_or_else(|| io.overflow("the resources"))?;
    io.memblock_alloc("e820__reserve_resources", size, SMP_CACHE_BYTES)
        .ok_or_else(|| panics("e820__reserve_resources", format!("no room for {size} bytes")))?;
    Ok(io.finish())
}

/// `firmware_map_add_early()` for each entry of the firmware's own map (`e820_table_firmware`:
/// the `BIOS-e820:` lines, before any fix-up): one `struct firmware_map_entry` each. A failed
/// allocation only loses that entry.
pub fn firmware_map_add_early(mb: &mut SeriesMemblock, build: &Build6_1, bios_e820: &[E820Entry]) -> PhaseResult {
    let mut io = Issuer::new(mb, "firmware_map_add_early");
    for _ in bios_e820 {
        io.memblock_alloc("firmware_map_add_early", build.firmware_map_entry_bytes, SMP_CACHE_BYTES);
    }
    Ok(io.finish())
}

/// `e820__register_nosave_regions(max_pfn)`: walks the kernel's e820 table, registering each
/// hole and each non-RAM entry with `register_nosave_region()`, which extends the last region
/// when the new one starts where it ends and otherwise takes a `struct nosave_region` from
/// memblock. The walk stops after the entry that reaches `max_pfn`.
///
/// # Errors
/// [`super::PhaseError::KernelPanics`] when memblock has no room (`register_nosave_region`
/// panics).
pub fn e820_register_nosave_regions(
    mb: &mut SeriesMemblock,
    build: &Build6_1,
    kernel_e820: &[E820Entry],
    max_pfn: u64,
) -> PhaseResult {
    let mut io = Issuer::new(mb, "e820__register_nosave_regions");
    let mut last: Option<(u64, u64)> = None;
    let mut register = |io: &mut Issuer<'_>, start: u64, end: u64| {
        if start >= end {
            return Ok(());
        }
        if let Some((_, e)) = last.as_mut().filter(|(_, e)| *e == start) {
            *e = end;
            return Ok(());
        }
        last = Some((start, end));
        io.memblock_alloc("register_nosave_region", build.nosave_region_bytes, SMP_CACHE_BYTES)
            .map(|_| ())
            .ok_or_else(|| panics("register_nosave_region", "no room for a nosave region".to_string()))
    };
    let mut pfn = 0u64;
    for e in kernel_e820 {
        let start_up = e.addr.div_ceil(PAGE_SIZE);
        if pfn < start_up {
            register(&mut io, pfn, start_up)?;
        }
        pfn = e.addr.saturating_add(e.size) >> PAGE_SHIFT;
        if !matches!(e.kind, E820Type::Ram | E820Type::ReservedKern) {
            register(&mut io, start_up, pfn)?;
        }
        if pfn >= max_pfn {
            break;
        }
    }
    Ok(io.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phases::linux_6_1::PhaseOp;
    use movable_node::KernelProfile;

    fn e(addr: u64, last: u64, kind: E820Type) -> E820Entry {
        E820Entry { addr, size: last - addr + 1, kind }
    }

    /// pc-2n's kernel table (spec §H.7 #27–29), walked by hand: [0, 4 KiB) is a region;
    /// the gap [0x9f000, 0xa0000) before the 0x9fc00 entry is another, which the BIOS entry
    /// and the gap up to 1 MiB extend; [0xbffe0000, …) is the third, extended by the hole
    /// and the flash up to 4 GiB. The walk stops at max_pfn, so the high entry adds none.
    #[test]
    fn nosave_regions_of_pc_2n() {
        use E820Type::{Ram, Reserved};
        let table = [
            e(0, 0xfff, Reserved),
            e(0x1000, 0x9_fbff, Ram),
            e(0x9_fc00, 0x9_ffff, Reserved),
            e(0xf_0000, 0xf_ffff, Reserved),
            e(0x10_0000, 0xbffd_ffff, Ram),
            e(0xbffe_0000, 0xbfff_ffff, Reserved),
            e(0xfffc_0000, 0xffff_ffff, Reserved),
            e(0x1_0000_0000, 0x1_3fff_ffff, Ram),
            e(0xfd_0000_0000, 0xff_ffff_ffff, Reserved),
        ];
        let mut mb = KernelProfile::Modern.memblock(0x443_0000, false);
        mb.add(0x10_0000, 0x1_3ff0_0000).unwrap();
        mb.set_current_limit(0x1_4000_0000);
        let ops = e820_register_nosave_regions(&mut mb, &Build6_1::DEBIAN_6_1_AMD64, &table, 0x14_0000).unwrap();
        let got: Vec<_> = ops
            .iter()
            .map(|op| match op {
                PhaseOp::Request(r) => (r.size, r.align, r.answer),
                other => panic!("{other:?}"),
            })
            .collect();
        // Top-down, 64-byte aligned, unrounded: each 0x20 block one 64-byte step lower.
        assert_eq!(
            got,
            [(0x20, 64, Some(0x1_3fff_ffc0)), (0x20, 64, Some(0x1_3fff_ff80)), (0x20, 64, Some(0x1_3fff_ff40))]
        );
    }
}
