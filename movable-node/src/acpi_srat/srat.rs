//! The System Resource Affinity Table (SRAT) and the kernel's walk over it.
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
//! * [`Subtable`] and the typed views ([`MemoryAffinityRef`], [`LocalApicAffinityRef`],
//!   [`X2ApicAffinityRef`]) are the kernel's pointer casts, with every field read checked against the
//!   buffer: where the kernel would read past the end, they return [`SratError::ReadPastEnd`].
//!
//! What the kernel checks and what it does not is kept as it is: no subtable is checked to fit in
//! the table's length, and a subtable of length 1 moves the walk by one byte.

use alloc::format;
use alloc::string::String;
use bitflags::bitflags;

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

/// Linux `EINVAL`, as the kernel's negative return codes use it.
pub const EINVAL: i32 = 22;

// ------------------------------------------------------------------------------------------------
// Errors

/// Everything that stops the SRAT reader, the firmware-window lookup or the NUMA parse.
///
/// These are the inputs that the kernel (Linux 3.12 `drivers/acpi/tables.c`,
/// `drivers/acpi/numa.c`, `arch/x86/mm/srat.c`) does not survive or does not define: reads past the
/// end of the table's memory, out-of-bounds array indexes. Inputs that the kernel handles (bad
/// checksum, zero-length subtable, bad subtable length, too many domains) are not errors: they are
/// modelled, with the kernel's messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SratError {
    /// The buffer is shorter than the 36-byte ACPI header that ACPICA maps when it installs a table
    /// (`acpi_tb_install_table`).
    #[error("SRAT buffer of {len} bytes is shorter than the {ACPI_TABLE_HEADER_LEN}-byte ACPI table header")]
    Truncated {
        /// Bytes available.
        len: usize,
    },
    /// The header's signature is not `SRAT`.
    #[error("table signature {found:02x?} at offset 0 is not \"SRAT\"")]
    BadSignature {
        /// The four signature bytes found.
        found: [u8; 4],
    },
    /// The length field is 0. `acpi_os_map_memory(addr, 0)` returns NULL in early boot
    /// (`__acpi_map_table`), so `acpi_get_table_with_size` fails and the kernel treats the SRAT as
    /// absent (`acpi_numa_init` returns `-ENOENT`).
    #[error("SRAT length field (offset 4) is 0: the kernel cannot map a zero-length table and treats SRAT as absent")]
    ZeroLength,
    /// The length field is larger than the buffer: ACPICA would map and checksum `length` bytes,
    /// past the end.
    #[error(
        "SRAT length field {length:#x} (offset 4) exceeds the {buffer_len}-byte buffer: the kernel would checksum past its end"
    )]
    LengthExceedsBuffer {
        /// The header's length field.
        length: u32,
        /// Bytes available.
        buffer_len: usize,
    },
    /// A handler would read a subtable field past the end of the buffer. The kernel never checks
    /// that a subtable fits in the table and would read whatever memory follows it.
    #[error(
        "{field} ({size} bytes at offset {offset:#x}) of the type {entry_type} subtable at offset {subtable_offset:#x} runs past the end of the {buffer_len}-byte buffer"
    )]
    ReadPastEnd {
        /// The field being read, named as in the kernel's struct.
        field: &'static str,
        /// Offset of the subtable in the table.
        subtable_offset: usize,
        /// The subtable's type byte.
        entry_type: u8,
        /// Offset of the field in the table.
        offset: usize,
        /// Size of the read in bytes.
        size: usize,
        /// Bytes available.
        buffer_len: usize,
    },
    /// `acpi_map_pxm_to_node` in 3.12 indexes `pxm_to_node_map[MAX_PXM_DOMAINS]` with an `int`
    /// PXM without a range check: a negative PXM or one at or above `MAX_PXM_DOMAINS` is an
    /// out-of-bounds access. (Later kernels return `NUMA_NO_NODE` instead; see the NUMA config.)
    #[error("proximity domain {pxm:#x}{} is outside pxm_to_node_map[{max_pxm_domains}]: Linux 3.12 would index past the array", AtOffset(*.subtable_offset))]
    PxmOutOfRange {
        /// The PXM, as the unsigned value the kernel prints.
        pxm: u32,
        /// `MAX_PXM_DOMAINS` of the configuration.
        max_pxm_domains: u32,
        /// Offset of the subtable in the table, when a subtable supplied the PXM.
        subtable_offset: Option<usize>,
    },
    /// An x2APIC id of 2^31 or more is a negative `int apic_id` in `acpi_numa_x2apic_affinity_init`;
    /// it passes both `apic_id_valid()` and the `>= MAX_LOCAL_APIC` check and indexes
    /// `__apicid_to_node[]` out of bounds.
    #[error(
        "x2APIC id {apic_id:#x} of the subtable at offset {subtable_offset:#x} is a negative C int: Linux 3.12 would index __apicid_to_node[] out of bounds"
    )]
    ApicIdNegative {
        /// The x2APIC id.
        apic_id: u32,
        /// Offset of the subtable in the table.
        subtable_offset: usize,
    },
    /// `MAX_NUMNODES` must be `1 << CONFIG_NODES_SHIFT` with a shift of 0..=10.
    #[error("MAX_NUMNODES = {value} is outside 1..=1024 (CONFIG_NODES_SHIFT 0..=10)")]
    InvalidMaxNumnodes {
        /// The configured value.
        value: u32,
    },
    /// The simulated firmware window does not fit in the physical address space.
    #[error("firmware window at {base:#x} of {len} bytes wraps past the end of the address space")]
    WindowOverflow {
        /// Physical address of the window's first byte.
        base: u64,
        /// Window size in bytes.
        len: usize,
    },
    /// A firmware structure (RSDP, RSDT/XSDT, a table) lies partly or wholly outside the simulated
    /// firmware window.
    #[error(
        "{what} needs [{address:#x}, +{size:#x}), outside the firmware window [{window_base:#x}, +{window_len:#x})"
    )]
    OutOfWindow {
        /// Which structure.
        what: &'static str,
        /// Its physical address.
        address: u64,
        /// Bytes needed.
        size: u64,
        /// Physical address of the window.
        window_base: u64,
        /// Window size in bytes.
        window_len: u64,
    },
    /// The RSDT/XSDT length field is below its 36-byte header (the `acpi` crate would underflow).
    #[error("{what} at {address:#x} has length {length}, below the {ACPI_TABLE_HEADER_LEN}-byte table header")]
    RootTableTooShort {
        /// `"RSDT"` or `"XSDT"`.
        what: &'static str,
        /// Its physical address.
        address: u64,
        /// Its length field.
        length: u32,
    },
    /// The `acpi` crate rejected the RSDP or the root table.
    #[error("acpi crate rejected the firmware tables: {0:?}")]
    Acpi(acpi::AcpiError),
    /// The root table lists no table with the signature `SRAT`.
    #[error("no table with signature \"SRAT\" in the {root} at {address:#x}")]
    SratNotFound {
        /// `"RSDT"` or `"XSDT"`.
        root: &'static str,
        /// Its physical address.
        address: u64,
    },
}

/// Formats `Some(offset)` as " of the subtable at offset 0x.." and `None` as nothing.
struct AtOffset(Option<usize>);

impl core::fmt::Display for AtOffset {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(offset) => write!(f, " of the subtable at offset {offset:#x}"),
            None => Ok(()),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Messages

/// Which kernel's wording the messages are rendered in. The parsing rules are always 3.12/3.13's;
/// only the text changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MessageStyle {
    /// Linux 3.12 (ACPICA 20130725): no `ACPI: ` prefix on the SRAT lines of `arch/x86/mm/srat.c`.
    #[default]
    Linux3_12,
    /// Linux 3.13 (ACPICA 20131115): as 3.12; only the ACPICA message suffix differs.
    Linux3_13,
    /// Linux 6.1: the memory-affinity lines and `bad_srat()` moved to `drivers/acpi/numa.c`, whose
    /// `pr_fmt` adds `ACPI: `; the memory line gains a ` non-volatile` suffix; the walker's limit
    /// message reads `found the maximum %i entries`. Processor lines keep their 3.12 text.
    Linux6_1,
}

/// A message printed by ACPICA or by `acpi_table_parse_entries()` while the SRAT is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableMessage {
    /// `acpi_tb_verify_checksum()` (`drivers/acpi/acpica/tbprint.c`): `ACPI_BIOS_WARNING`
    /// `Incorrect checksum in table [SRAT] - 0x%2.2X, should be 0x%2.2X`; the table is used anyway.
    IncorrectChecksum {
        /// The header's checksum byte.
        stored: u8,
        /// The value that would make the table sum to zero.
        expected: u8,
    },
    /// `acpi_table_parse_entries()`: `ACPI: [SRAT:0x%02x] Invalid zero length` (the pass's type).
    InvalidZeroLength {
        /// The type this pass was looking for.
        entry_id: u8,
    },
    /// `acpi_table_parse_entries()`: `ACPI: [SRAT:0x%02x] ignored %i entries of %i found`.
    IgnoredEntries {
        /// The type this pass was looking for.
        entry_id: u8,
        /// Matching entries beyond the limit.
        ignored: u32,
        /// Matching entries in the table.
        found: u32,
    },
}

impl TableMessage {
    /// The printk level the kernel uses.
    pub fn level(&self) -> log::Level {
        match self {
            TableMessage::IncorrectChecksum { .. } | TableMessage::IgnoredEntries { .. } => log::Level::Warn,
            TableMessage::InvalidZeroLength { .. } => log::Level::Error,
        }
    }

    /// The line as the kernel prints it (without the timestamp).
    pub fn render(&self, style: MessageStyle) -> String {
        match *self {
            TableMessage::IncorrectChecksum { stored, expected } => {
                // ACPI_MSG_SUFFIX: " (%8.8X/%s-%u)" = ACPICA version / module-line of the
                // ACPI_BIOS_WARNING call (the line of its closing parenthesis with gcc).
                let suffix = match style {
                    MessageStyle::Linux3_12 => " (20130725/tbprint-204)",
                    MessageStyle::Linux3_13 => " (20131115/tbprint-214)",
                    MessageStyle::Linux6_1 => "",
                };
                format!(
                    "ACPI BIOS Warning (bug): Incorrect checksum in table [SRAT] - 0x{stored:02X}, should be 0x{expected:02X}{suffix}"
                )
            }
            TableMessage::InvalidZeroLength { entry_id } => {
                format!("ACPI: [SRAT:0x{entry_id:02x}] Invalid zero length")
            }
            TableMessage::IgnoredEntries { entry_id, ignored, found } => match style {
                // `%i` of unsigned values: printed as C ints.
                MessageStyle::Linux3_12 | MessageStyle::Linux3_13 => format!(
                    "ACPI: [SRAT:0x{entry_id:02x}] ignored {} entries of {} found",
                    ignored as i32, found as i32
                ),
                MessageStyle::Linux6_1 => {
                    format!("ACPI: [SRAT:0x{entry_id:02x}] found the maximum {} entries", found as i32)
                }
            },
        }
    }
}

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
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, SratError> {
        if bytes.len() < ACPI_TABLE_HEADER_LEN {
            return Err(SratError::Truncated { len: bytes.len() });
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
            return Err(SratError::BadSignature { found: header.signature });
        }
        if header.length == 0 {
            return Err(SratError::ZeroLength);
        }
        let Some(table) = usize::try_from(header.length).ok().and_then(|len| bytes.get(..len)) else {
            return Err(SratError::LengthExceedsBuffer { length: header.length, buffer_len: bytes.len() });
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
    pub fn parse_entries<F>(&self, entry_id: u8, max_entries: u32, mut handler: F) -> Result<PassReport, SratError>
    where
        F: FnMut(Subtable<'a>) -> Result<i32, SratError>,
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
                    return Ok(PassReport { entry_id, ret: -EINVAL, handled, message: None });
                }
            }
            if sub.length == 0 {
                return Ok(PassReport {
                    entry_id,
                    ret: -EINVAL,
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
    pub fn read_bytes<const N: usize>(&self, rel: usize, field: &'static str) -> Result<[u8; N], SratError> {
        let past_end = || SratError::ReadPastEnd {
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
    pub fn read_u8(&self, rel: usize, field: &'static str) -> Result<u8, SratError> {
        Ok(self.read_bytes::<1>(rel, field)?[0])
    }

    /// Reads a little-endian `u32` at `rel`.
    pub fn read_u32(&self, rel: usize, field: &'static str) -> Result<u32, SratError> {
        self.read_bytes(rel, field).map(u32::from_le_bytes)
    }

    /// Reads a little-endian `u64` at `rel`.
    pub fn read_u64(&self, rel: usize, field: &'static str) -> Result<u64, SratError> {
        self.read_bytes(rel, field).map(u64::from_le_bytes)
    }

    /// The kernel's cast to `struct acpi_srat_mem_affinity *`, if the type is 1 (the length is
    /// not checked, as in the kernel).
    pub fn as_memory_affinity(&self) -> Option<MemoryAffinityRef<'a>> {
        (self.entry_type == ACPI_SRAT_TYPE_MEMORY_AFFINITY).then_some(MemoryAffinityRef(*self))
    }

    /// The kernel's cast to `struct acpi_srat_cpu_affinity *`, if the type is 0.
    pub fn as_local_apic_affinity(&self) -> Option<LocalApicAffinityRef<'a>> {
        (self.entry_type == ACPI_SRAT_TYPE_CPU_AFFINITY).then_some(LocalApicAffinityRef(*self))
    }

    /// The kernel's cast to `struct acpi_srat_x2apic_cpu_affinity *`, if the type is 2.
    pub fn as_x2apic_affinity(&self) -> Option<X2ApicAffinityRef<'a>> {
        (self.entry_type == ACPI_SRAT_TYPE_X2APIC_CPU_AFFINITY).then_some(X2ApicAffinityRef(*self))
    }

    /// Decodes the subtable fully by its type (see [`SratEntry`]).
    pub fn decode(&self) -> Result<SratEntry<'a>, SratError> {
        Ok(match self.entry_type {
            ACPI_SRAT_TYPE_CPU_AFFINITY => SratEntry::LocalApic(LocalApicAffinityRef(*self).decode()?),
            ACPI_SRAT_TYPE_MEMORY_AFFINITY => SratEntry::Memory(MemoryAffinityRef(*self).decode()?),
            ACPI_SRAT_TYPE_X2APIC_CPU_AFFINITY => SratEntry::X2Apic(X2ApicAffinityRef(*self).decode()?),
            _ => SratEntry::Other(*self),
        })
    }
}

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
pub struct MemoryAffinityRef<'a>(Subtable<'a>);

impl<'a> MemoryAffinityRef<'a> {
    /// The underlying subtable.
    pub fn subtable(&self) -> Subtable<'a> {
        self.0
    }

    /// `flags` (offset 28).
    pub fn flags(&self) -> Result<MemoryAffinityFlags, SratError> {
        self.0.read_u32(28, "flags").map(MemoryAffinityFlags::from_bits_retain)
    }

    /// `proximity_domain` (offset 2), all 32 bits.
    pub fn proximity_domain(&self) -> Result<u32, SratError> {
        self.0.read_u32(2, "proximity_domain")
    }

    /// `base_address` (offset 8).
    pub fn base_address(&self) -> Result<u64, SratError> {
        self.0.read_u64(8, "base_address")
    }

    /// `length` (offset 16), the size of the range.
    pub fn address_length(&self) -> Result<u64, SratError> {
        self.0.read_u64(16, "length")
    }

    /// Reads the fields the kernel reads, in its order (flags first).
    pub fn decode(&self) -> Result<MemoryAffinity, SratError> {
        let flags = self.flags()?;
        Ok(MemoryAffinity {
            offset: self.0.offset,
            length: self.0.length,
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
pub struct LocalApicAffinityRef<'a>(Subtable<'a>);

impl<'a> LocalApicAffinityRef<'a> {
    /// The underlying subtable.
    pub fn subtable(&self) -> Subtable<'a> {
        self.0
    }

    /// `flags` (offset 4).
    pub fn flags(&self) -> Result<CpuAffinityFlags, SratError> {
        self.0.read_u32(4, "flags").map(CpuAffinityFlags::from_bits_retain)
    }

    /// `proximity_domain_lo` (offset 2).
    pub fn proximity_domain_lo(&self) -> Result<u8, SratError> {
        self.0.read_u8(2, "proximity_domain_lo")
    }

    /// `apic_id` (offset 3).
    pub fn apic_id(&self) -> Result<u8, SratError> {
        self.0.read_u8(3, "apic_id")
    }

    /// `local_sapic_eid` (offset 8).
    pub fn local_sapic_eid(&self) -> Result<u8, SratError> {
        self.0.read_u8(8, "local_sapic_eid")
    }

    /// The PXM as `acpi_numa_processor_affinity_init()` builds it: `proximity_domain_lo`, and for
    /// `acpi_srat_revision >= 2` also `*(unsigned int *)proximity_domain_hi << 8`. That is a 4-byte
    /// read at offset 9 (it touches the first byte of `clock_domain`, which the shift drops).
    pub fn proximity_domain(&self, srat_revision: u8) -> Result<u32, SratError> {
        let lo = u32::from(self.proximity_domain_lo()?);
        if srat_revision >= 2 {
            let hi = self.0.read_u32(9, "proximity_domain_hi")?;
            Ok(lo | (hi << 8))
        } else {
            Ok(lo)
        }
    }

    /// Reads every field of the 16-byte structure.
    pub fn decode(&self) -> Result<LocalApicAffinity, SratError> {
        let flags = self.flags()?;
        Ok(LocalApicAffinity {
            offset: self.0.offset,
            length: self.0.length,
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
pub struct X2ApicAffinityRef<'a>(Subtable<'a>);

impl<'a> X2ApicAffinityRef<'a> {
    /// The underlying subtable.
    pub fn subtable(&self) -> Subtable<'a> {
        self.0
    }

    /// `flags` (offset 12).
    pub fn flags(&self) -> Result<CpuAffinityFlags, SratError> {
        self.0.read_u32(12, "flags").map(CpuAffinityFlags::from_bits_retain)
    }

    /// `proximity_domain` (offset 4), always all 32 bits.
    pub fn proximity_domain(&self) -> Result<u32, SratError> {
        self.0.read_u32(4, "proximity_domain")
    }

    /// `apic_id` (offset 8).
    pub fn apic_id(&self) -> Result<u32, SratError> {
        self.0.read_u32(8, "apic_id")
    }

    /// Reads every field of the 24-byte structure.
    pub fn decode(&self) -> Result<X2ApicAffinity, SratError> {
        let flags = self.flags()?;
        Ok(X2ApicAffinity {
            offset: self.0.offset,
            length: self.0.length,
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
