//! Helpers shared by the integration tests.
#![allow(dead_code)]

use movable_node::Errno;
use movable_node::acpi_srat::{AcceptAll, AcpiNuma, NumaConfig, x86_acpi_numa_init_bytes};

pub const TWO_NODE: &[u8] = include_bytes!("../fixtures/two_node.aml");
pub const FOUR_NODE_HOTPLUG: &[u8] = include_bytes!("../fixtures/four_node_hotplug.aml");
pub const CPU_PXM_FIRST: &[u8] = include_bytes!("../fixtures/cpu_pxm_first.aml");
pub const REV2_PXM32: &[u8] = include_bytes!("../fixtures/rev2_pxm32.aml");
pub const REV1_MASKED: &[u8] = include_bytes!("../fixtures/rev1_masked.aml");

/// `x86_acpi_numa_init()` over `bytes` with every range accepted by `numa_add_memblk`.
pub fn parse(bytes: &[u8], config: NumaConfig) -> (AcpiNuma, Result<(), Errno>) {
    x86_acpi_numa_init_bytes(bytes, config, &mut AcceptAll).expect("the model handles this table")
}

/// Sets the checksum byte so that the first `length` bytes sum to zero (test tables only).
pub fn fix_checksum(table: &mut [u8]) {
    let length = u32::from_le_bytes(table[4..8].try_into().unwrap()) as usize;
    table[9] = 0;
    let sum = table[..length].iter().fold(0u8, |s, b| s.wrapping_add(*b));
    table[9] = 0u8.wrapping_sub(sum);
}

pub fn set_length(table: &mut [u8], length: u32) {
    table[4..8].copy_from_slice(&length.to_le_bytes());
}

pub fn strs(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| s.to_string()).collect()
}

use acpi_tables::{Aml, sdt::Sdt, srat::MemoryAffinity};

/// An SRAT built with rust-vmm's `acpi_tables::sdt::Sdt` (which keeps length and checksum right),
/// from raw subtables.
pub fn sdt_srat(revision: u8, subtables: &[Vec<u8>]) -> Vec<u8> {
    let mut sdt = Sdt::new(*b"SRAT", 48, revision, *b"MHPSIM", *b"TESTSRAT", 1);
    sdt.write_u32(36, 1); // table_revision, "must be 1"
    for s in subtables {
        sdt.append_slice(s);
    }
    sdt.as_slice().to_vec()
}

/// A Memory Affinity subtable from `acpi_tables::srat::MemoryAffinity`.
pub fn mem(pxm: u32, base: u64, len: u64, hotpluggable: bool) -> Vec<u8> {
    let mut m = MemoryAffinity::new(pxm, base, len).enabled();
    if hotpluggable {
        m = m.hotpluggable();
    }
    let mut v = Vec::new();
    m.to_aml_bytes(&mut v);
    assert_eq!(v.len(), 40);
    v
}

/// A Processor Local APIC/SAPIC Affinity subtable (acpi_tables has no x86 builder).
pub fn lapic(pxm: u32, apic_id: u8, sapic_eid: u8, enabled: bool) -> Vec<u8> {
    let mut e = vec![0u8; 16];
    e[0] = 0;
    e[1] = 16;
    e[2] = pxm as u8;
    e[3] = apic_id;
    e[4] = enabled as u8;
    e[8] = sapic_eid;
    e[9..12].copy_from_slice(&pxm.to_le_bytes()[1..]);
    e
}

/// A Processor Local x2APIC Affinity subtable.
pub fn x2apic(pxm: u32, apic_id: u32, enabled: bool) -> Vec<u8> {
    let mut e = vec![0u8; 24];
    e[0] = 2;
    e[1] = 24;
    e[4..8].copy_from_slice(&pxm.to_le_bytes());
    e[8..12].copy_from_slice(&apic_id.to_le_bytes());
    e[12] = enabled as u8;
    e
}

/// Changes a subtable's length byte, padding or cutting its bytes to match.
pub fn with_length(mut e: Vec<u8>, len: u8) -> Vec<u8> {
    e[1] = len;
    e.resize(len as usize, 0);
    e
}
