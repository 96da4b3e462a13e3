//! Finding the SRAT from the RSDP in simulated firmware memory through `acpi` 5.2.0
//! (`AcpiTables::from_rsdp`, `find_table::<Srat>()`), with RSDP and XSDT from rust-vmm's
//! `acpi_tables` and the SRATs compiled by `iasl`.

mod common;

use acpi_tables::{Aml, rsdp::Rsdp, sdt::Sdt, xsdt::XSDT};
use common::*;
use movable_node::Error;
use movable_node::acpi_srat::{AcceptAll, AcpiNuma, Discovery, FirmwareWindow, NumaConfig, find_srat};

const BASE: u64 = 0xe_0000;
const RSDP_PA: u64 = 0xe_0000;
const XSDT_PA: u64 = 0xe_0100;
const APIC_PA: u64 = 0xe_0800;
const SRAT_PA: u64 = 0xe_1000;
const SRAT2_PA: u64 = 0xe_2000;
const WINDOW: usize = 0x2_0000;

fn aml(t: &dyn Aml) -> Vec<u8> {
    let mut v = Vec::new();
    t.to_aml_bytes(&mut v);
    v
}

fn put(mem: &mut [u8], pa: u64, bytes: &[u8]) {
    let off = (pa - BASE) as usize;
    mem[off..off + bytes.len()].copy_from_slice(bytes);
}

/// BIOS area with an RSDP (revision 2), an XSDT listing `entries`, a dummy MADT and `tables`.
fn firmware(entries: &[u64], tables: &[(u64, &[u8])]) -> Vec<u8> {
    let mut mem = vec![0u8; WINDOW];
    let mut xsdt = XSDT::new(*b"MHPSIM", *b"XSDTTEST", 1);
    for e in entries {
        xsdt.add_entry(*e);
    }
    put(&mut mem, RSDP_PA, &aml(&Rsdp::new(*b"MHPSIM", XSDT_PA)));
    put(&mut mem, XSDT_PA, &aml(&xsdt));
    put(&mut mem, APIC_PA, Sdt::new(*b"APIC", 44, 4, *b"MHPSIM", *b"MADTTEST", 1).as_slice());
    for (pa, bytes) in tables {
        put(&mut mem, *pa, bytes);
    }
    mem
}

#[test]
fn srat_found_through_acpi_from_the_rsdp() {
    let mem = firmware(&[APIC_PA, SRAT_PA], &[(SRAT_PA, TWO_NODE)]);
    let window = FirmwareWindow::new(BASE, &mem).unwrap();
    let found = find_srat(&window, RSDP_PA).unwrap();
    assert_eq!((found.address, found.discovery, found.root), (SRAT_PA, Discovery::Acpi, "XSDT"));
    assert_eq!(found.table.table_bytes(), TWO_NODE);
    let mut numa = AcpiNuma::new(NumaConfig::linux_3_12()).unwrap();
    assert_eq!(numa.x86_acpi_numa_init(Some(&found.table), &mut AcceptAll).unwrap(), Ok(()));
    assert_eq!(numa.message_lines(), parse(TWO_NODE, NumaConfig::linux_3_12()).0.message_lines());
}

#[test]
fn srat_with_a_bad_checksum_is_used_like_the_kernel_does() {
    // acpi's find_table skips it (TableMissing); ACPICA 3.12 installs it and only warns.
    let mut bad = TWO_NODE.to_vec();
    bad[40] = 1;
    let mem = firmware(&[APIC_PA, SRAT_PA], &[(SRAT_PA, &bad)]);
    let window = FirmwareWindow::new(BASE, &mem).unwrap();
    let found = find_srat(&window, RSDP_PA).unwrap();
    assert_eq!((found.address, found.discovery), (SRAT_PA, Discovery::RootScan));
    let mut numa = AcpiNuma::new(NumaConfig::linux_3_12()).unwrap();
    assert_eq!(numa.x86_acpi_numa_init(Some(&found.table), &mut AcceptAll).unwrap(), Ok(()));
    let warnings = numa
        .message_lines()
        .iter()
        .filter(|l| l.starts_with("ACPI BIOS Warning (bug): Incorrect checksum in table [SRAT] - 0x76, should be 0x75"))
        .count();
    assert_eq!(warnings, 4);
}

#[test]
fn the_kernel_takes_the_first_srat_even_when_acpi_prefers_a_later_valid_one() {
    let mut bad = TWO_NODE.to_vec();
    bad[40] = 1;
    let mem = firmware(&[SRAT_PA, SRAT2_PA], &[(SRAT_PA, &bad), (SRAT2_PA, FOUR_NODE_HOTPLUG)]);
    let window = FirmwareWindow::new(BASE, &mem).unwrap();
    let found = find_srat(&window, RSDP_PA).unwrap();
    assert_eq!((found.address, found.discovery), (SRAT_PA, Discovery::RootScan));
    assert_eq!(found.table.length(), 280);
}

#[test]
fn rsdp_revision_0_uses_the_rsdt() {
    // ACPI 1.0 RSDP (20 bytes, revision 0) -> RSDT with 32-bit entries.
    let mut mem = firmware(&[], &[(SRAT_PA, REV1_MASKED)]);
    let mut rsdp = [0u8; 36];
    rsdp[..8].copy_from_slice(b"RSD PTR ");
    rsdp[9..15].copy_from_slice(b"MHPSIM");
    rsdp[16..20].copy_from_slice(&0xe_0400u32.to_le_bytes());
    rsdp[8] = 0u8.wrapping_sub(rsdp[..20].iter().fold(0u8, |s, b| s.wrapping_add(*b)));
    let mut rsdt = Sdt::new(*b"RSDT", 36, 1, *b"MHPSIM", *b"RSDTTEST", 1);
    rsdt.append_slice(&(APIC_PA as u32).to_le_bytes());
    rsdt.append_slice(&(SRAT_PA as u32).to_le_bytes());
    put(&mut mem, RSDP_PA, &rsdp);
    put(&mut mem, 0xe_0400, rsdt.as_slice());
    let window = FirmwareWindow::new(BASE, &mem).unwrap();
    let found = find_srat(&window, RSDP_PA).unwrap();
    assert_eq!((found.address, found.discovery, found.root), (SRAT_PA, Discovery::Acpi, "RSDT"));
    assert_eq!(found.table.table_bytes(), REV1_MASKED);
}

#[test]
fn no_srat_in_the_root_table() {
    let mem = firmware(&[APIC_PA], &[]);
    let window = FirmwareWindow::new(BASE, &mem).unwrap();
    let err = find_srat(&window, RSDP_PA).unwrap_err();
    assert!(matches!(err, Error::SratNotFound { root: "XSDT", address: XSDT_PA }), "{err}");
}

#[test]
fn tables_outside_the_window() {
    // The XSDT lists a table above the window.
    let mem = firmware(&[APIC_PA, 0x10_0000], &[]);
    let window = FirmwareWindow::new(BASE, &mem).unwrap();
    let err = find_srat(&window, RSDP_PA).unwrap_err();
    assert!(matches!(err, Error::OutOfWindow { address: 0x10_0000, size: 36, .. }), "{err}");
    // The RSDP itself outside.
    let err = find_srat(&window, 0xd_0000).unwrap_err();
    assert!(matches!(err, Error::OutOfWindow { what: "RSDP", .. }), "{err}");
    // An SRAT whose length runs past the window.
    let mut long = TWO_NODE.to_vec();
    set_length(&mut long, 0x2_0000);
    let mem = firmware(&[SRAT_PA], &[(SRAT_PA, &long)]);
    let window = FirmwareWindow::new(BASE, &mem).unwrap();
    let err = find_srat(&window, RSDP_PA).unwrap_err();
    assert!(matches!(err, Error::OutOfWindow { what: "SRAT", address: SRAT_PA, size: 0x2_0000, .. }), "{err}");
}

#[test]
fn broken_rsdp_and_root_table() {
    let mut mem = firmware(&[SRAT_PA], &[(SRAT_PA, TWO_NODE)]);
    mem[8] ^= 0xff; // RSDP checksum
    let window = FirmwareWindow::new(BASE, &mem).unwrap();
    let err = find_srat(&window, RSDP_PA).unwrap_err();
    assert!(matches!(err, Error::Acpi(acpi::AcpiError::RsdpInvalidChecksum)), "{err}");

    let mut mem = firmware(&[SRAT_PA], &[(SRAT_PA, TWO_NODE)]);
    let off = (XSDT_PA - BASE) as usize;
    mem[off + 4..off + 8].copy_from_slice(&0u32.to_le_bytes()); // XSDT length 0
    let window = FirmwareWindow::new(BASE, &mem).unwrap();
    let err = find_srat(&window, RSDP_PA).unwrap_err();
    assert!(matches!(err, Error::RootTableTooShort { what: "XSDT", length: 0, .. }), "{err}");

    assert!(matches!(FirmwareWindow::new(u64::MAX - 10, &mem), Err(Error::WindowOverflow { .. })));
}

#[test]
fn a_subtable_past_the_table_end_reads_the_following_firmware_memory() {
    // Length field 256 with the full 280 bytes in memory: the subtable at 240 is read from the
    // bytes after the table, as the kernel would.
    let mut short = TWO_NODE.to_vec();
    set_length(&mut short, 256);
    fix_checksum(&mut short);
    let mem = firmware(&[SRAT_PA], &[(SRAT_PA, &short)]);
    let window = FirmwareWindow::new(BASE, &mem).unwrap();
    let found = find_srat(&window, RSDP_PA).unwrap();
    assert_eq!(found.discovery, Discovery::Acpi);
    let mut numa = AcpiNuma::new(NumaConfig::linux_3_12()).unwrap();
    assert_eq!(numa.x86_acpi_numa_init(Some(&found.table), &mut AcceptAll).unwrap(), Ok(()));
    assert_eq!(numa.memblks().last().unwrap().start, 0x1_0000_0000);
}

#[test]
fn handler_outside_the_window_maps_zeroed_scratch_and_records_the_fault() {
    use acpi::AcpiHandler;
    use std::cell::Cell;
    let mem = vec![0xaau8; 64];
    let window = FirmwareWindow::new(0x1000, &mem).unwrap();
    let fault = Cell::new(None);
    let handler = movable_node::acpi_srat::WindowHandler::new(window, &fault);
    // Inside: a pointer into the buffer, nothing recorded.
    // SAFETY: the handler maps only window or scratch memory.
    let inside = unsafe { handler.map_physical_region::<[u8; 16]>(0x1010, 16) };
    assert_eq!(*inside, [0xaa; 16]);
    assert_eq!(fault.get(), None);
    drop(inside);
    // Straddling the end: scratch memory, zeroed, and the fault is recorded.
    // SAFETY: as above.
    let outside = unsafe { handler.map_physical_region::<[u8; 32]>(0x1030, 32) };
    assert_eq!(*outside, [0; 32]);
    assert_eq!(fault.get(), Some((0x1030, 32)));
    drop(outside);
}
