//! Writing an SRAT: the header and the two x86 subtables as firmware lays them out, and a table
//! whose length and checksum are filled in. The inverse of [`table`](super::table) and
//! [`affinity`](super::affinity), for tools that describe a machine's nodes and want them to go
//! through the same parser as a firmware table.

use alloc::vec::Vec;

use super::affinity::{LocalApicAffinity, MemoryAffinity};
use super::table::{
    ACPI_SRAT_TYPE_CPU_AFFINITY, ACPI_SRAT_TYPE_MEMORY_AFFINITY, SRAT_CPU_AFFINITY_LEN, SRAT_HEADER_LEN,
    SRAT_MEM_AFFINITY_LEN, SratHeader, acpi_tb_checksum,
};

impl LocalApicAffinity {
    /// The subtable's 16 bytes (type 0, `length` as recorded; the offset is not part of it).
    pub fn to_bytes(&self) -> [u8; SRAT_CPU_AFFINITY_LEN as usize] {
        let mut b = [0; SRAT_CPU_AFFINITY_LEN as usize];
        b[..4].copy_from_slice(&[ACPI_SRAT_TYPE_CPU_AFFINITY, self.length, self.proximity_domain_lo, self.apic_id]);
        b[4..8].copy_from_slice(&self.flags.bits().to_le_bytes());
        b[8] = self.local_sapic_eid;
        b[9..12].copy_from_slice(&self.proximity_domain_hi);
        b[12..16].copy_from_slice(&self.clock_domain.to_le_bytes());
        b
    }
}

impl MemoryAffinity {
    /// The subtable's 40 bytes (type 1, `length` as recorded, reserved fields 0).
    pub fn to_bytes(&self) -> [u8; SRAT_MEM_AFFINITY_LEN as usize] {
        let mut b = [0; SRAT_MEM_AFFINITY_LEN as usize];
        b[..2].copy_from_slice(&[ACPI_SRAT_TYPE_MEMORY_AFFINITY, self.length]);
        b[2..6].copy_from_slice(&self.proximity_domain.to_le_bytes());
        b[8..16].copy_from_slice(&self.base_address.to_le_bytes());
        b[16..24].copy_from_slice(&self.address_length.to_le_bytes());
        b[28..32].copy_from_slice(&self.flags.bits().to_le_bytes());
        b
    }
}

impl SratHeader {
    /// The table with this header and `subtables` after it, `length` and `checksum` set so
    /// that [`SratTable::from_bytes`](super::SratTable::from_bytes) accepts it with a valid
    /// checksum (the header's own `length` and `checksum` are ignored; a missing
    /// `table_revision` is written as 0). `None` when the table would be longer than a 32-bit
    /// length can say.
    pub fn table_with(&self, subtables: &[u8]) -> Option<Vec<u8>> {
        let length = u32::try_from(SRAT_HEADER_LEN.checked_add(subtables.len())?).ok()?;
        let mut t = Vec::with_capacity(length as usize);
        t.extend_from_slice(&self.signature);
        t.extend_from_slice(&length.to_le_bytes());
        t.extend_from_slice(&[self.revision, 0]);
        t.extend_from_slice(&self.oem_id);
        t.extend_from_slice(&self.oem_table_id);
        t.extend_from_slice(&self.oem_revision.to_le_bytes());
        t.extend_from_slice(&self.asl_compiler_id);
        t.extend_from_slice(&self.asl_compiler_revision.to_le_bytes());
        t.extend_from_slice(&self.table_revision.unwrap_or(0).to_le_bytes());
        t.extend_from_slice(&[0; 8]); // reserved
        t.extend_from_slice(subtables);
        t[9] = 0u8.wrapping_sub(acpi_tb_checksum(&t));
        Some(t)
    }
}
