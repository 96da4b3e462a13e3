//! The SRAT's header and the kernel's walk over its subtables.
//!
//! The SRAT (ACPI 5.0 §5.2.16) tells which proximity domain (PXM) each processor and each range of
//! physical memory belongs to. It is a 36-byte ACPI header, a 4-byte "table revision" and 8 reserved
//! bytes (`struct acpi_table_srat`, 48 bytes), then a list of subtables, each starting with a one-byte
//! type and a one-byte length (`struct acpi_subtable_header`).
//!
//! This module reads that table the way Linux 3.12/3.13 does:
//!
//! * [`SratTable::from_bytes`] takes the bytes of `/sys/firmware/acpi/tables/SRAT` or of
//!   `acpidump -b`, or the firmware memory from the table's start (see the `firmware` module). It
//!   checks the table the way ACPICA's `acpi_tb_verify_table` does: a bad checksum is a **warning**
//!   (`ACPI_CHECKSUM_ABORT` is `FALSE` in 3.12 and 3.13), never a rejection; see [`Checksum`].
//! * [`SratTable::parse_entries`] is `acpi_table_parse_entries()`: one pass over the subtables for
//!   one type, with an optional limit, stopping at a zero-length subtable.
//! * [`Subtable`] reads every field checked against the buffer: where the kernel would read past
//!   the end, it returns [`Error::ReadPastEnd`]. Its typed views, the kernel's pointer casts, are
//!   in [`super::affinity`].
//!
//! What the kernel checks and what it does not is kept as it is: no subtable is checked to fit in
//! the table's length, and a subtable of length 1 moves the walk by one byte.

use crate::error::{Errno, Error};

use super::messages::TableMessage;

/// `sizeof(struct acpi_table_header)`: the common ACPI table header.
pub const ACPI_TABLE_HEADER_LEN: usize = 36;

/// `sizeof(struct acpi_table_srat)`: the SRAT header; the first subtable starts here.
pub const SRAT_HEADER_LEN: usize = 48;

/// `ACPI_SIG_SRAT`.
pub const ACPI_SIG_SRAT: [u8; 4] = *b"SRAT";

/// `ACPI_SRAT_TYPE_CPU_AFFINITY` (`enum acpi_srat_type`): Processor Local APIC/SAPIC Affinity.
pub const ACPI_SRAT_TYPE_CPU_AFFINITY: u8 = 0;
/// `ACPI_SRAT_TYPE_MEMORY_AFFINITY` (`enum acpi_srat_type`): Memory Affinity.
pub const ACPI_SRAT_TYPE_MEMORY_AFFINITY: u8 = 1;
/// `ACPI_SRAT_TYPE_X2APIC_CPU_AFFINITY` (`enum acpi_srat_type`): Processor Local x2APIC Affinity.
pub const ACPI_SRAT_TYPE_X2APIC_CPU_AFFINITY: u8 = 2;

/// `sizeof(struct acpi_srat_cpu_affinity)`.
pub const SRAT_CPU_AFFINITY_LEN: u8 = 16;
/// `sizeof(struct acpi_srat_mem_affinity)`.
pub const SRAT_MEM_AFFINITY_LEN: u8 = 40;
/// `sizeof(struct acpi_srat_x2apic_cpu_affinity)`.
pub const SRAT_X2APIC_CPU_AFFINITY_LEN: u8 = 24;

// ------------------------------------------------------------------------------------------------
// The table type for the `acpi` crate

/// `struct acpi_table_srat`: the fixed part of the SRAT, as the `acpi` crate maps it.
///
/// Only the header is ever read through this type; the subtables are read from bytes by
/// [`SratTable`]. `Debug` is written by hand because `acpi`'s `Signature` panics when it formats
/// bytes that are not UTF-8.
#[repr(C, packed)]
pub struct Srat {
    /// The common ACPI header (`struct acpi_table_header`).
    pub header: acpi::sdt::SdtHeader,
    /// `table_revision`: "must be 1"; the kernel never reads it.
    pub table_revision: u32,
    /// Reserved.
    pub reserved: u64,
}

// SAFETY: `Srat` is `repr(C, packed)` and matches the 48-byte `struct acpi_table_srat` (ACPI 5.0
// §5.2.16), all of whose bit patterns are valid. Nothing reads past `header` through it. For a table
// whose length field is below 48, `acpi` still creates a `&Srat`: the `firmware` module's handler
// maps at least `size_of::<Srat>()` bytes, and `find_srat` requires 48 bytes of window at every
// SRAT (for `acpi`'s re-typed 36-byte header mapping), so the reference is always backed.
unsafe impl acpi::AcpiTable for Srat {
    const SIGNATURE: acpi::sdt::Signature = acpi::sdt::Signature::SRAT;

    fn header(&self) -> &acpi::sdt::SdtHeader {
        &self.header
    }
}

impl core::fmt::Debug for Srat {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (length, revision, checksum) = (self.header.length, self.header.revision, self.header.checksum);
        let table_revision = self.table_revision;
        f.debug_struct("Srat")
            .field("length", &length)
            .field("revision", &revision)
            .field("checksum", &checksum)
            .field("table_revision", &table_revision)
            .finish_non_exhaustive()
    }
}

// ------------------------------------------------------------------------------------------------
// Header and checksum

/// The SRAT header decoded from bytes (`struct acpi_table_header` + `struct acpi_table_srat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SratHeader {
    /// `signature`: `SRAT`.
    pub signature: [u8; 4],
    /// `length`: bytes in the table, header included.
    pub length: u32,
    /// `revision`: saved by `acpi_parse_srat()` as `acpi_srat_revision`; decides PXM widths.
    pub revision: u8,
    /// `checksum`: makes the table's bytes sum to zero.
    pub checksum: u8,
    /// `oem_id`.
    pub oem_id: [u8; 6],
    /// `oem_table_id`.
    pub oem_table_id: [u8; 8],
    /// `oem_revision`.
    pub oem_revision: u32,
    /// `asl_compiler_id`.
    pub asl_compiler_id: [u8; 4],
    /// `asl_compiler_revision`.
    pub asl_compiler_revision: u32,
    /// `table_revision` at offset 36, if the buffer holds it (the kernel never reads it).
    pub table_revision: Option<u32>,
}

/// The table checksum as `acpi_tb_verify_checksum()` computes it over `length` bytes.
///
/// ACPICA 20130725 (Linux 3.12) and 20131115 (Linux 3.13) print an `ACPI_BIOS_WARNING` and go on
/// using the table, because `ACPI_CHECKSUM_ABORT` is `FALSE` in `include/acpi/acconfig.h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checksum {
    /// The header's checksum byte.
    pub stored: u8,
    /// The wrapping sum of all `length` bytes (0 when the table is valid).
    pub sum: u8,
}

impl Checksum {
    /// Whether the table sums to zero.
    pub fn is_valid(&self) -> bool {
        self.sum == 0
    }

    /// The checksum byte that would make the sum zero (`table->checksum - checksum`).
    pub fn expected(&self) -> u8 {
        self.stored.wrapping_sub(self.sum)
    }

    /// The warning ACPICA prints for this table, if any.
    pub fn warning(&self) -> Option<TableMessage> {
        (!self.is_valid()).then(|| TableMessage::IncorrectChecksum { stored: self.stored, expected: self.expected() })
    }
}

/// `acpi_tb_checksum()`: the wrapping byte sum.
pub fn acpi_tb_checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |sum, b| sum.wrapping_add(*b))
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_le_bytes(w)
}

fn array<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut w = [0u8; N];
    if let Some(s) = b.get(at..at + N) {
        w.copy_from_slice(s);
    }
    w
}

// ------------------------------------------------------------------------------------------------
// The table

/// An SRAT in memory, checked the way ACPICA checks a table before the kernel gets it.
///
/// The buffer may run past the table's length field (firmware memory, or an over-long file): the
/// walk and the checksum stop at the length field, as in the kernel, but a subtable that claims to
/// run past the table's end is read from the bytes that follow, as the kernel would.
#[derive(Clone, Copy, Debug)]
pub struct SratTable<'a> {
    bytes: &'a [u8],
    header: SratHeader,
    checksum: Checksum,
}

impl<'a> SratTable<'a> {
    /// Checks and wraps an SRAT: the bytes of `/sys/firmware/acpi/tables/SRAT`, of `acpidump -b`,
    /// or firmware memory starting at the table.
    ///
    /// Models `acpi_tb_install_table()` (maps the 36-byte header, records `length`) and
    /// `acpi_tb_verify_table()` (maps `length` bytes, checksums them, warns). Errors: buffer shorter
    /// than the header, signature not `SRAT`, length 0 (the kernel treats the table as absent),
    /// length beyond the buffer. A bad checksum is not an error: see [`SratTable::checksum`].
    ///
    /// # Errors
    ///
    /// [`Error::Truncated`] for a buffer shorter than the 36-byte header, [`Error::BadSignature`]
    /// when the signature is not `SRAT`, [`Error::ZeroLength`] for a length field of 0 (the kernel
    /// treats the table as absent), [`Error::LengthExceedsBuffer`] when the length field runs past
    /// the buffer.
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, Error> {
        if bytes.len() < ACPI_TABLE_HEADER_LEN {
            return Err(Error::Truncated { len: bytes.len() });
        }
        let header = SratHeader {
            signature: array(bytes, 0),
            length: le_u32(bytes, 4),
            revision: bytes[8],
            checksum: bytes[9],
            oem_id: array(bytes, 10),
            oem_table_id: array(bytes, 16),
            oem_revision: le_u32(bytes, 24),
            asl_compiler_id: array(bytes, 28),
            asl_compiler_revision: le_u32(bytes, 32),
            table_revision: (bytes.len() >= 40).then(|| le_u32(bytes, 36)),
        };
        if header.signature != ACPI_SIG_SRAT {
            return Err(Error::BadSignature { found: header.signature });
        }
        if header.length == 0 {
            return Err(Error::ZeroLength);
        }
        let Some(table) = usize::try_from(header.length).ok().and_then(|len| bytes.get(..len)) else {
            return Err(Error::LengthExceedsBuffer { length: header.length, buffer_len: bytes.len() });
        };
        let checksum = Checksum { stored: header.checksum, sum: acpi_tb_checksum(table) };
        Ok(SratTable { bytes, header, checksum })
    }

    /// The decoded header.
    pub fn header(&self) -> &SratHeader {
        &self.header
    }

    /// `header.revision`: what `acpi_parse_srat()` stores in `acpi_srat_revision`.
    pub fn revision(&self) -> u8 {
        self.header.revision
    }

    /// The header's length field.
    pub fn length(&self) -> u32 {
        self.header.length
    }

    /// The checksum over `length` bytes.
    pub fn checksum(&self) -> Checksum {
        self.checksum
    }

    /// The table's `length` bytes.
    pub fn table_bytes(&self) -> &'a [u8] {
        // `from_bytes` checked that `length` bytes are there.
        self.bytes.get(..self.header.length as usize).unwrap_or(self.bytes)
    }

    /// All the bytes this table may read from (the table and whatever follows it in the buffer).
    pub fn buffer(&self) -> &'a [u8] {
        self.bytes
    }

    /// The subtables in the order the kernel's loop visits them (see [`Subtables`]).
    pub fn subtables(&self) -> Subtables<'a> {
        Subtables { buf: self.bytes, end: self.header.length as usize, pos: SRAT_HEADER_LEN, done: false }
    }

    /// `acpi_table_parse_entries(ACPI_SIG_SRAT, sizeof(struct acpi_table_srat), entry_id,
    /// handler, max_entries)` (3.12 `drivers/acpi/tables.c`): one pass over the subtables.
    ///
    /// Starting at offset 48 and while `pos + 2 < length`: a subtable whose type is `entry_id`
    /// goes to `handler` if `max_entries` is 0 or fewer than `max_entries` matching subtables came
    /// before it (every match is counted when there is a limit); a non-zero handler result ends the
    /// pass with `-EINVAL`; then a length byte of 0 ends the pass with
    /// `ACPI: [SRAT:0x%02x] Invalid zero length` and `-EINVAL`; else the walk moves on by the
    /// length byte. At the end, more matches than the limit give the `ignored %i entries of %i
    /// found` warning. The pass returns the count of matches, which stays 0 without a limit
    /// (the kernel's `count++` sits behind `!max_entries ||`). Handlers already run stay run.
    ///
    /// `Err` only when the handler returns one (a read past the buffer, an undefined index).
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`] when a subtable's header lies past the end of the table's memory, and
    /// any error of `handler`, which ends the pass.
    pub fn parse_entries<F>(&self, entry_id: u8, max_entries: u32, mut handler: F) -> Result<PassReport, Error>
    where
        F: FnMut(Subtable<'a>) -> Result<i32, Error>,
    {
        let end = self.header.length as usize;
        let mut pos = SRAT_HEADER_LEN;
        let mut count: u32 = 0;
        let mut handled: u32 = 0;
        // `pos + 2 < end <= bytes.len()`, so the two header bytes are always in the buffer;
        // `pos` grows by at most 255 per step, so the sum never overflows.
        while pos + 2 < end {
            let sub = Subtable::at(self.bytes, pos);
            let selected = sub.entry_type == entry_id
                && (max_entries == 0 || {
                    let before = count;
                    count = count.saturating_add(1);
                    before < max_entries
                });
            if selected {
                handled = handled.saturating_add(1);
                if handler(sub)? != 0 {
                    return Ok(PassReport { entry_id, ret: Errno::EINVAL.ret(), handled, message: None });
                }
            }
            if sub.length == 0 {
                return Ok(PassReport {
                    entry_id,
                    ret: Errno::EINVAL.ret(),
                    handled,
                    message: Some(TableMessage::InvalidZeroLength { entry_id }),
                });
            }
            pos += usize::from(sub.length);
        }
        let message = (max_entries != 0 && count > max_entries).then(|| TableMessage::IgnoredEntries {
            entry_id,
            ignored: count - max_entries,
            found: count,
        });
        Ok(PassReport {
            entry_id,
            // `return count;` converts the unsigned count to int.
            ret: count as i32,
            handled,
            message,
        })
    }
}

/// What one `acpi_table_parse_entries()` pass ([`SratTable::parse_entries`]) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PassReport {
    /// The subtable type of the pass.
    pub entry_id: u8,
    /// The kernel's return value: the match count (0 without a limit) or `-EINVAL`.
    pub ret: i32,
    /// How many subtables went to the handler.
    pub handled: u32,
    /// The message the pass printed at its end, if any.
    pub message: Option<TableMessage>,
}

/// The loop of `acpi_table_parse_entries()` as an iterator over the subtables (`pos` from 48
/// while `pos + 2 < length`, advancing by each length byte).
///
/// It yields a zero-length subtable and then stops, as the kernel's loop does.
#[derive(Clone, Debug)]
pub struct Subtables<'a> {
    buf: &'a [u8],
    end: usize,
    pos: usize,
    done: bool,
}

impl<'a> Iterator for Subtables<'a> {
    type Item = Subtable<'a>;

    fn next(&mut self) -> Option<Subtable<'a>> {
        if self.done || self.pos + 2 >= self.end {
            return None;
        }
        let sub = Subtable::at(self.buf, self.pos);
        if sub.length == 0 {
            self.done = true;
        }
        self.pos += usize::from(sub.length);
        Some(sub)
    }
}

// ------------------------------------------------------------------------------------------------
// Subtables

/// One subtable: `struct acpi_subtable_header` (`type`, `length`) at an offset of the table, with
/// bounds-checked reads of the fields behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subtable<'a> {
    buf: &'a [u8],
    offset: usize,
    entry_type: u8,
    length: u8,
}

impl<'a> Subtable<'a> {
    /// Callers guarantee `offset + 1 < buf.len()`.
    fn at(buf: &'a [u8], offset: usize) -> Self {
        Subtable {
            buf,
            offset,
            entry_type: buf.get(offset).copied().unwrap_or(0),
            length: buf.get(offset + 1).copied().unwrap_or(0),
        }
    }

    /// Offset of the subtable in the table.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// `header.type`.
    pub fn entry_type(&self) -> u8 {
        self.entry_type
    }

    /// `header.length`.
    pub fn length(&self) -> u8 {
        self.length
    }

    /// Reads `N` bytes at `rel` from the subtable's start, or says which read would leave the
    /// buffer.
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`], naming `field`, when the bytes lie past the end of the buffer.
    pub fn read_bytes<const N: usize>(&self, rel: usize, field: &'static str) -> Result<[u8; N], Error> {
        let past_end = || Error::ReadPastEnd {
            field,
            subtable_offset: self.offset,
            entry_type: self.entry_type,
            offset: self.offset.saturating_add(rel),
            size: N,
            buffer_len: self.buf.len(),
        };
        let start = self.offset.checked_add(rel).ok_or_else(past_end)?;
        let end = start.checked_add(N).ok_or_else(past_end)?;
        let slice = self.buf.get(start..end).ok_or_else(past_end)?;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    /// Reads a byte at `rel`.
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`], naming `field`, when the bytes lie past the end of the buffer.
    pub fn read_u8(&self, rel: usize, field: &'static str) -> Result<u8, Error> {
        Ok(self.read_bytes::<1>(rel, field)?[0])
    }

    /// Reads a little-endian `u32` at `rel`.
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`], naming `field`, when the bytes lie past the end of the buffer.
    pub fn read_u32(&self, rel: usize, field: &'static str) -> Result<u32, Error> {
        self.read_bytes(rel, field).map(u32::from_le_bytes)
    }

    /// Reads a little-endian `u64` at `rel`.
    ///
    /// # Errors
    ///
    /// [`Error::ReadPastEnd`], naming `field`, when the bytes lie past the end of the buffer.
    pub fn read_u64(&self, rel: usize, field: &'static str) -> Result<u64, Error> {
        self.read_bytes(rel, field).map(u64::from_le_bytes)
    }
}
