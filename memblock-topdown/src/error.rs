//! The errors of this layer. Where the kernel returns `-ENOMEM` the model returns a typed
//! error; where the kernel panics, the model returns an error carrying the panic message and
//! says so: a real kernel would stop there.

use crate::region_type::RegionKind;

/// A `BUG_ON` of the kernel's memblock code that the model reproduces: the kernel stops
/// there, and so does the model, with the condition's source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Bug {
    /// `memblock_merge_regions()` met two neighbours that overlap: the array lost its order,
    /// which only a `memblock_trim_memory()` that wrapped past 2^64 does (spec §G.5).
    MergeOverlap,
}

impl Bug {
    /// The `BUG_ON` as the kernel's source writes it.
    pub const fn kernel_text(self) -> &'static str {
        match self {
            Bug::MergeOverlap => "BUG_ON(this->base + this->size > next->base)",
        }
    }

    /// The kernel function that holds it.
    pub const fn function(self) -> &'static str {
        match self {
            Bug::MergeOverlap => "memblock_merge_regions",
        }
    }
}

/// What went wrong in a memblock operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The array is full and may not grow yet: the kernel returns `-ENOMEM` silently before
    /// `memblock_allow_resize()` (spec §G.3).
    #[error(
        "memblock: the {} array is full ({max} regions) and cannot grow before memblock_allow_resize() is called",
        kind.name()
    )]
    ResizeNotAllowed {
        /// Which array.
        kind: RegionKind,
        /// Its current capacity.
        max: usize,
    },
    /// `memblock_double_array()` found no memory for a bigger array (`-ENOMEM`; the kernel
    /// prints this message).
    #[error("memblock: Failed to double {} array from {from} to {} entries !", kind.name(), from.saturating_mul(2))]
    DoubleFailed {
        /// Which array.
        kind: RegionKind,
        /// Its capacity before.
        from: usize,
    },
    /// `memblock_alloc_base()` and its wrappers found no room. The kernel panics with this
    /// message; the model returns it instead.
    #[error("ERROR: Failed to allocate {size:#x} bytes below {max_addr:#x}.")]
    AllocFailed {
        /// The size asked for (before rounding to the alignment).
        size: u64,
        /// The limit as given (`0` is `MEMBLOCK_ALLOC_ACCESSIBLE`).
        max_addr: u64,
    },
    /// 3.14's `memblock_virt_alloc_try_nid()` found no room even after dropping the node and
    /// `min_addr`. The kernel panics with this message (every argument as the caller passed
    /// it); the model returns it instead.
    #[error(
        "memblock_virt_alloc_try_nid: Failed to allocate {} bytes align={:#x} nid={} from={:#x} max_addr={:#x}",
        .0.size, .0.align, .0.nid, .0.min_addr, .0.max_addr
    )]
    VirtAllocFailed(crate::allocate::VirtAllocRequest),
    /// A `BUG_ON` fired: the kernel stops here, and nothing after it is modelled. The model
    /// stops just before the failing check (a merge pass may have joined earlier neighbours
    /// first in the kernel); the memblock should not be used further.
    #[error("kernel BUG in {}(): {}", .0.function(), .0.kernel_text())]
    Bug(Bug),
}

impl Error {
    /// The kernel's return code for this error (`-ENOMEM` for every array failure).
    pub const fn errno(&self) -> i32 {
        -12
    }

    /// Whether the kernel would have panicked here rather than returned.
    pub const fn is_kernel_panic(&self) -> bool {
        matches!(self, Error::AllocFailed { .. } | Error::VirtAllocFailed { .. } | Error::Bug(_))
    }
}
