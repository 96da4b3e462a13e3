//! The crate's one error type, and the kernel's error numbers.
//!
//! [`Error`] covers what stops the SRAT reader, the firmware-window lookup and the NUMA parse
//! (inputs the kernel does not survive or does not define), and why a NUMA init function fails
//! (what the kernel turns into a negative return and a fall-back to the next init function).
//! [`Errno`] is the kernel's error number where the model keeps the kernel's return value.

use core::fmt;

use crate::acpi_srat::ACPI_TABLE_HEADER_LEN;
use crate::crashkernel::memblock_bottomup::Nid;

/// An error number of `include/uapi/asm-generic/errno-base.h` that the NUMA and SRAT code
/// returns negated (`return -EINVAL;`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Errno {
    /// `ENOENT` (2): no such table, or no memory in it.
    ENOENT,
    /// `EINVAL` (22): a table or node map the kernel will not use.
    EINVAL,
}

impl Errno {
    /// The error number (positive, as the kernel defines it).
    pub const fn number(self) -> i32 {
        match self {
            Errno::ENOENT => 2,
            Errno::EINVAL => 22,
        }
    }

    /// What a kernel function returns for it: the number, negated.
    pub const fn ret(self) -> i32 {
        -self.number()
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Errno::ENOENT => "ENOENT",
            Errno::EINVAL => "EINVAL",
        })
    }
}

/// Everything that stops the SRAT reader, the firmware-window lookup or the NUMA parse, and why
/// a NUMA init function fails.
///
/// The SRAT variants are the inputs that the kernel (Linux 3.12 `drivers/acpi/tables.c`,
/// `drivers/acpi/numa.c`, `arch/x86/mm/srat.c`) does not survive or does not define: reads past the
/// end of the table's memory, out-of-bounds array indexes. Inputs that the kernel handles (bad
/// checksum, zero-length subtable, bad subtable length, too many domains) are not errors: they are
/// modelled, with the kernel's messages. The NUMA variants are the kernel's own failures, each
/// with the errno it returns ([`Error::errno`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
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

    /// `numa_add_memblk()`: more than `NR_NODE_MEMBLKS` ranges (`NUMA: too many memblk ranges`);
    /// the kernel returns `-EINVAL`.
    #[error("NUMA: too many memblk ranges (at most {max}); the init function fails with -EINVAL")]
    TooManyMemblks {
        /// `NR_NODE_MEMBLKS`.
        max: usize,
    },
    /// `numa_cleanup_meminfo()`: two nodes' ranges overlap; the kernel returns `-EINVAL`.
    #[error(
        "NUMA: node {nid} [mem {start:#018x}-{last:#018x}] overlaps with node {other_nid} [mem {other_start:#018x}-{other_last:#018x}]; the init function fails with -EINVAL"
    )]
    NodeOverlap {
        /// The first node.
        nid: Nid,
        /// Its range's start.
        start: u64,
        /// Its range's last byte.
        last: u64,
        /// The node it overlaps.
        other_nid: Nid,
        /// That range's start.
        other_start: u64,
        /// That range's last byte.
        other_last: u64,
    },
    /// `numa_register_memblks()`: no node is possible (no memory range and no processor
    /// gave one); the kernel returns `-EINVAL`.
    #[error("NUMA: the init function gave no node; it fails with -EINVAL")]
    NoNodes,
    /// `numa_meminfo_cover_memory()`: the nodes leave more than 1 MiB of e820 RAM uncovered
    /// (`NUMA: nodes only cover %LuMB of your %LuMB e820 RAM. Not used.`); `-EINVAL`.
    #[error("NUMA: nodes only cover {numa_mb}MB of your {ram_mb}MB e820 RAM; the init function fails with -EINVAL")]
    NotCovered {
        /// MiB the nodes cover.
        numa_mb: u64,
        /// MiB of RAM.
        ram_mb: u64,
    },
    /// An init function (`x86_acpi_numa_init`, `dummy_numa_init`) returned a negative errno:
    /// no SRAT (`-ENOENT`), or an SRAT that was marked bad (`-EINVAL`).
    #[error("{method} NUMA init failed with -{errno}")]
    InitFailed {
        /// The init function's name (`acpi`, `dummy`).
        method: &'static str,
        /// What it returned, negated.
        errno: Errno,
    },
}

impl Error {
    /// The negated errno the kernel returns where it survives this (the NUMA failures, which
    /// make `numa_init()` fall back to the next init function); `None` for inputs the kernel
    /// does not survive or define.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            Error::TooManyMemblks { .. } | Error::NodeOverlap { .. } | Error::NoNodes | Error::NotCovered { .. } => {
                Some(Errno::EINVAL)
            }
            Error::ZeroLength => Some(Errno::ENOENT),
            Error::InitFailed { errno, .. } => Some(*errno),
            _ => None,
        }
    }

    /// What a NUMA init function returns when it hits this: its errno, and `-EINVAL` for the
    /// inputs the kernel does not survive (the model treats such a table as a bad SRAT).
    pub fn init_ret(&self) -> Errno {
        self.errno().unwrap_or(Errno::EINVAL)
    }
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
