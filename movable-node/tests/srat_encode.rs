//! Writing an SRAT with the crate's own types: bytes laid out as ACPI 5.0 §5.2.16 says (worked
//! by hand below), and read back by the same parser as a firmware table, checksum valid.

use movable_node::acpi_srat::{
    ACPI_SIG_SRAT, CpuAffinityFlags, LocalApicAffinity, MemoryAffinity, MemoryAffinityFlags, SratEntry, SratHeader,
    SratTable,
};

const HEADER: SratHeader = SratHeader {
    signature: ACPI_SIG_SRAT,
    length: 0,
    revision: 3,
    checksum: 0,
    oem_id: *b"OEMID ",
    oem_table_id: *b"TABLEID ",
    oem_revision: 7,
    asl_compiler_id: *b"ASLC",
    asl_compiler_revision: 9,
    table_revision: Some(1),
};

fn cpu() -> LocalApicAffinity {
    LocalApicAffinity {
        offset: 48,
        length: 16,
        proximity_domain_lo: 0x01,
        apic_id: 5,
        flags: CpuAffinityFlags::ENABLED,
        local_sapic_eid: 0,
        proximity_domain_hi: [0x02, 0, 0],
        clock_domain: 0,
    }
}

fn memory() -> MemoryAffinity {
    MemoryAffinity {
        offset: 64,
        length: 40,
        proximity_domain: 0x201,
        base_address: 0x1_0000_0000,
        address_length: 0x4000_0000,
        flags: MemoryAffinityFlags::ENABLED | MemoryAffinityFlags::HOT_PLUGGABLE,
    }
}

#[test]
fn subtables_are_laid_out_as_acpi_says() {
    assert_eq!(cpu().to_bytes(), [0, 16, 0x01, 5, 1, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0]);
    let mut want = [0u8; 40];
    want[..6].copy_from_slice(&[1, 40, 0x01, 0x02, 0, 0]);
    want[12] = 1; // base 0x1_0000_0000
    want[19] = 0x40; // length 0x4000_0000
    want[28] = 3; // enabled | hot-pluggable
    assert_eq!(memory().to_bytes(), want);
}

#[test]
fn a_written_table_reads_back_with_a_valid_checksum() {
    let mut body = cpu().to_bytes().to_vec();
    body.extend_from_slice(&memory().to_bytes());
    let bytes = HEADER.table_with(&body).unwrap();
    assert_eq!(bytes.len(), 48 + 16 + 40);
    assert_eq!(bytes.iter().fold(0u8, |a, b| a.wrapping_add(*b)), 0);
    let t = SratTable::from_bytes(&bytes).unwrap();
    assert!(t.checksum().is_valid());
    assert_eq!(*t.header(), SratHeader { length: 104, checksum: bytes[9], ..HEADER });
    let entries: Vec<_> = t.subtables().map(|s| s.decode().unwrap()).collect();
    assert!(matches!(entries[0], SratEntry::LocalApic(c) if c == cpu()), "{entries:?}");
    assert!(matches!(entries[1], SratEntry::Memory(m) if m == memory()), "{entries:?}");
}
