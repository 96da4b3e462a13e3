//! What stops a crash-kernel reservation. The kernel prints a line and carries on without a
//! crash kernel; the model returns the line as a typed error.

use crate::cmdline::error::CrashkernelError;

/// Why no crash kernel was reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The `crashkernel=` value does not parse (the kernel printed this warning and reserved
    /// nothing).
    #[error(transparent)]
    Syntax(#[from] CrashkernelError),
    /// No free block of the size below the limit (automatic placement).
    #[error("crashkernel reservation failed - No suitable area found.")]
    NoSuitableArea {
        /// Bytes asked for.
        size: u64,
        /// Upper limit of the last search (896 MiB, or 64 TiB for `,high`; 64 TiB in 6.1,
        /// whose high try follows a failed low try).
        limit: u64,
    },
    /// 6.1: the crash kernel landed at or above 4 GiB and its low part found no room below
    /// 4 GiB, so the crash kernel was freed again.
    #[error("Cannot reserve {}MB crashkernel low memory, please try smaller size.", .low_size >> 20)]
    LowPartFailed {
        /// The low part's size.
        low_size: u64,
        /// The crash kernel's base (freed).
        base: u64,
        /// The crash kernel's size.
        size: u64,
    },
    /// The fixed base is not free RAM for the whole size (or not 1 MiB aligned).
    #[error("crashkernel reservation failed - memory is in use.")]
    MemoryInUse {
        /// The base asked for.
        base: u64,
        /// Bytes asked for.
        size: u64,
    },
    /// memblock could not record the reservation.
    #[error(transparent)]
    Memblock(#[from] x86_mm_bottomup::memblock_bottomup::Error),
}
