//! The three subtables x86 reads (ACPI 5.0 §5.2.16.1-3): processor local APIC affinity, memory
//! affinity and processor local x2APIC affinity, as the kernel's pointer casts see them: typed
//! views over a [`Subtable`] whose every field read is bounds-checked, and the decoded values.

use bitflags::bitflags;

use crate::error::Error;

use super::table::{
    ACPI_SRAT_TYPE_CPU_AFFINITY, ACPI_SRAT_TYPE_MEMORY_AFFINITY, ACPI_SRAT_TYPE_X2APIC_CPU_AFFINITY, Subtable,
};

bitflags! {
    /// `acpi_srat_mem_affinity.flags` (`ACPI_SRAT_MEM_*`). Unknown bits are kept.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct MemoryAffinityFlags: u32 {
        /// `ACPI_SRAT_MEM_ENABLED`: use this entry.
        const ENABLED = 1;
        /// `ACPI_SRAT_MEM_HOT_PLUGGABLE`: the range may be hot-added or hot-removed.
        const HOT_PLUGGABLE = 1 << 1;
        /// `ACPI_SRAT_MEM_NON_VOLATILE`: the range is non-volatile memory.
        const NON_VOLATILE = 1 << 2;
    }
}

bitflags! {
    /// `acpi_srat_cpu_affinity.flags` and `acpi_srat_x2apic_cpu_affinity.flags`
    /// (`ACPI_SRAT_CPU_*`). Unknown bits are kept.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct CpuAffinityFlags: u32 {
        /// `ACPI_SRAT_CPU_ENABLED` (`ACPI_SRAT_CPU_USE_AFFINITY`): use this entry.
        const ENABLED = 1;
    }
}

/// A Memory Affinity subtable (type 1, `struct acpi_srat_mem_affinity`, 40 bytes) read field by
/// field: 2 `proximity_domain` u32, 8 `base_address` u64, 16 `length` u64, 28 `flags` u32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryAffinityRef<'a>(pub(super) Subtable<'a>);

impl<'a> MemoryAffinityRef<'a> {
    /// The underlying subtable.
    pub fn subtable(&self) -> Subtable<'a> {
        self.0
    }

    /// `flags` (offset 28).
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when the field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn flags(&self) -> Result<MemoryAffinityFlags, Error> {
        self.0.read_u32(28, "flags").map(MemoryAffinityFlags::from_bits_retain)
    }

    /// `proximity_domain` (offset 2), all 32 bits.
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when the field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn proximity_domain(&self) -> Result<u32, Error> {
        self.0.read_u32(2, "proximity_domain")
    }

    /// `base_address` (offset 8).
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when the field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn base_address(&self) -> Result<u64, Error> {
        self.0.read_u64(8, "base_address")
    }

    /// `length` (offset 16), the size of the range.
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when the field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn address_length(&self) -> Result<u64, Error> {
        self.0.read_u64(16, "length")
    }

    /// Reads the fields the kernel reads, in its order (flags first).
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when a field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn decode(&self) -> Result<MemoryAffinity, Error> {
        let flags = self.flags()?;
        Ok(MemoryAffinity {
            offset: self.0.offset(),
            length: self.0.length(),
            base_address: self.base_address()?,
            address_length: self.address_length()?,
            proximity_domain: self.proximity_domain()?,
            flags,
        })
    }
}

/// A decoded Memory Affinity subtable (`struct acpi_srat_mem_affinity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryAffinity {
    /// Offset of the subtable in the table.
    pub offset: usize,
    /// `header.length` (40 in a valid table).
    pub length: u8,
    /// `proximity_domain`, all 32 bits (see [`MemoryAffinity::pxm`]).
    pub proximity_domain: u32,
    /// `base_address`.
    pub base_address: u64,
    /// `length`: size of the range.
    pub address_length: u64,
    /// `flags`.
    pub flags: MemoryAffinityFlags,
}

impl MemoryAffinity {
    /// `base_address + length` as the kernel computes it (`u64`, wrapping).
    pub fn end(&self) -> u64 {
        self.base_address.wrapping_add(self.address_length)
    }

    /// The PXM the kernel uses: the low 8 bits when `acpi_srat_revision <= 1`, else all 32.
    pub fn pxm(&self, srat_revision: u8) -> u32 {
        if srat_revision <= 1 { self.proximity_domain & 0xff } else { self.proximity_domain }
    }
}

/// A Processor Local APIC/SAPIC Affinity subtable (type 0, `struct acpi_srat_cpu_affinity`, 16
/// bytes) read field by field: 2 `proximity_domain_lo` u8, 3 `apic_id` u8, 4 `flags` u32,
/// 8 `local_sapic_eid` u8, 9 `proximity_domain_hi[3]`, 12 `clock_domain` u32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalApicAffinityRef<'a>(pub(super) Subtable<'a>);

impl<'a> LocalApicAffinityRef<'a> {
    /// The underlying subtable.
    pub fn subtable(&self) -> Subtable<'a> {
        self.0
    }

    /// `flags` (offset 4).
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when the field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn flags(&self) -> Result<CpuAffinityFlags, Error> {
        self.0.read_u32(4, "flags").map(CpuAffinityFlags::from_bits_retain)
    }

    /// `proximity_domain_lo` (offset 2).
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when the field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn proximity_domain_lo(&self) -> Result<u8, Error> {
        self.0.read_u8(2, "proximity_domain_lo")
    }

    /// `apic_id` (offset 3).
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when the field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn apic_id(&self) -> Result<u8, Error> {
        self.0.read_u8(3, "apic_id")
    }

    /// `local_sapic_eid` (offset 8).
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when the field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn local_sapic_eid(&self) -> Result<u8, Error> {
        self.0.read_u8(8, "local_sapic_eid")
    }

    /// The PXM as `acpi_numa_processor_affinity_init()` builds it: `proximity_domain_lo`, and for
    /// `acpi_srat_revision >= 2` also `*(unsigned int *)proximity_domain_hi << 8`. That is a 4-byte
    /// read at offset 9 (it touches the first byte of `clock_domain`, which the shift drops).
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when the field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn proximity_domain(&self, srat_revision: u8) -> Result<u32, Error> {
        let lo = u32::from(self.proximity_domain_lo()?);
        if srat_revision >= 2 {
            let hi = self.0.read_u32(9, "proximity_domain_hi")?;
            Ok(lo | (hi << 8))
        } else {
            Ok(lo)
        }
    }

    /// Reads every field of the 16-byte structure.
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when a field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn decode(&self) -> Result<LocalApicAffinity, Error> {
        let flags = self.flags()?;
        Ok(LocalApicAffinity {
            offset: self.0.offset(),
            length: self.0.length(),
            proximity_domain_lo: self.proximity_domain_lo()?,
            apic_id: self.apic_id()?,
            flags,
            local_sapic_eid: self.local_sapic_eid()?,
            proximity_domain_hi: self.0.read_bytes(9, "proximity_domain_hi")?,
            clock_domain: self.0.read_u32(12, "clock_domain")?,
        })
    }
}

/// A decoded Processor Local APIC/SAPIC Affinity subtable (`struct acpi_srat_cpu_affinity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalApicAffinity {
    /// Offset of the subtable in the table.
    pub offset: usize,
    /// `header.length` (16 in a valid table).
    pub length: u8,
    /// `proximity_domain_lo`: bits 0..7 of the PXM.
    pub proximity_domain_lo: u8,
    /// `apic_id`.
    pub apic_id: u8,
    /// `flags`.
    pub flags: CpuAffinityFlags,
    /// `local_sapic_eid`.
    pub local_sapic_eid: u8,
    /// `proximity_domain_hi`: bits 8..31 of the PXM (used when the SRAT revision is 2 or more).
    pub proximity_domain_hi: [u8; 3],
    /// `clock_domain`.
    pub clock_domain: u32,
}

impl LocalApicAffinity {
    /// The PXM the kernel uses for this SRAT revision.
    pub fn pxm(&self, srat_revision: u8) -> u32 {
        let lo = u32::from(self.proximity_domain_lo);
        if srat_revision >= 2 {
            let [a, b, c] = self.proximity_domain_hi;
            lo | u32::from_le_bytes([0, a, b, c])
        } else {
            lo
        }
    }
}

/// A Processor Local x2APIC Affinity subtable (type 2, `struct acpi_srat_x2apic_cpu_affinity`,
/// 24 bytes) read field by field: 4 `proximity_domain` u32, 8 `apic_id` u32, 12 `flags` u32,
/// 16 `clock_domain` u32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct X2ApicAffinityRef<'a>(pub(super) Subtable<'a>);

impl<'a> X2ApicAffinityRef<'a> {
    /// The underlying subtable.
    pub fn subtable(&self) -> Subtable<'a> {
        self.0
    }

    /// `flags` (offset 12).
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when the field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn flags(&self) -> Result<CpuAffinityFlags, Error> {
        self.0.read_u32(12, "flags").map(CpuAffinityFlags::from_bits_retain)
    }

    /// `proximity_domain` (offset 4), always all 32 bits.
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when the field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn proximity_domain(&self) -> Result<u32, Error> {
        self.0.read_u32(4, "proximity_domain")
    }

    /// `apic_id` (offset 8).
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when the field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn apic_id(&self) -> Result<u32, Error> {
        self.0.read_u32(8, "apic_id")
    }

    /// Reads every field of the 24-byte structure.
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when a field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn decode(&self) -> Result<X2ApicAffinity, Error> {
        let flags = self.flags()?;
        Ok(X2ApicAffinity {
            offset: self.0.offset(),
            length: self.0.length(),
            proximity_domain: self.proximity_domain()?,
            apic_id: self.apic_id()?,
            flags,
            clock_domain: self.0.read_u32(16, "clock_domain")?,
        })
    }
}

/// A decoded Processor Local x2APIC Affinity subtable (`struct acpi_srat_x2apic_cpu_affinity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct X2ApicAffinity {
    /// Offset of the subtable in the table.
    pub offset: usize,
    /// `header.length` (24 in a valid table; the kernel accepts longer).
    pub length: u8,
    /// `proximity_domain`.
    pub proximity_domain: u32,
    /// `apic_id`: the x2APIC id.
    pub apic_id: u32,
    /// `flags`.
    pub flags: CpuAffinityFlags,
    /// `clock_domain`.
    pub clock_domain: u32,
}

/// A subtable decoded by type (`acpi_table_print_srat_entry()` knows the same three types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SratEntry<'a> {
    /// Type 0.
    LocalApic(LocalApicAffinity),
    /// Type 1.
    Memory(MemoryAffinity),
    /// Type 2.
    X2Apic(X2ApicAffinity),
    /// Any other type (GICC, GIC ITS, generic initiator, reserved): not parsed on x86 in 3.12.
    Other(Subtable<'a>),
}

/// The typed views of a subtable: the kernel's casts by `header.type`.
impl<'a> Subtable<'a> {
    /// The kernel's cast to `struct acpi_srat_mem_affinity *`, if the type is 1 (the length is
    /// not checked, as in the kernel).
    pub fn as_memory_affinity(&self) -> Option<MemoryAffinityRef<'a>> {
        (self.entry_type() == ACPI_SRAT_TYPE_MEMORY_AFFINITY).then_some(MemoryAffinityRef(*self))
    }

    /// The kernel's cast to `struct acpi_srat_cpu_affinity *`, if the type is 0.
    pub fn as_local_apic_affinity(&self) -> Option<LocalApicAffinityRef<'a>> {
        (self.entry_type() == ACPI_SRAT_TYPE_CPU_AFFINITY).then_some(LocalApicAffinityRef(*self))
    }

    /// The kernel's cast to `struct acpi_srat_x2apic_cpu_affinity *`, if the type is 2.
    pub fn as_x2apic_affinity(&self) -> Option<X2ApicAffinityRef<'a>> {
        (self.entry_type() == ACPI_SRAT_TYPE_X2APIC_CPU_AFFINITY).then_some(X2ApicAffinityRef(*self))
    }

    /// Decodes the subtable fully by its type (see [`SratEntry`]).
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when a field lies past the end of the table's memory (the kernel
    /// would read beyond it).
    pub fn decode(&self) -> Result<SratEntry<'a>, Error> {
        Ok(match self.entry_type() {
            ACPI_SRAT_TYPE_CPU_AFFINITY => SratEntry::LocalApic(LocalApicAffinityRef(*self).decode()?),
            ACPI_SRAT_TYPE_MEMORY_AFFINITY => SratEntry::Memory(MemoryAffinityRef(*self).decode()?),
            ACPI_SRAT_TYPE_X2APIC_CPU_AFFINITY => SratEntry::X2Apic(X2ApicAffinityRef(*self).decode()?),
            _ => SratEntry::Other(*self),
        })
    }
}
