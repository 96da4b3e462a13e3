//! One memblock operation as data, for the property tests, the differential tests and the
//! benchmarks of this crate and of the layers above (feature `testing`): one definition of
//! the operations they generate and of how each is applied, instead of a copy per test.
//!
//! [`Op::apply`] runs an operation on any [`Memblock`], whatever its placement, and returns
//! what the call returned ([`Answer`]). Operations a layer adds (patch 2's `set_bottom_up`, a
//! moved `kernel_end`) stay in that layer's tests, wrapped around these.

use crate::error::Error;
use crate::memblock::Memblock;
use crate::region::Nid;
use crate::region_type::RegionKind;
use crate::search::Placement;

/// One call of memblock's API, with its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `memblock_add(base, size)`.
    Add {
        /// First byte.
        base: u64,
        /// Length.
        size: u64,
    },
    /// `memblock_add_node(base, size, nid)`.
    AddNode {
        /// First byte.
        base: u64,
        /// Length.
        size: u64,
        /// Node.
        nid: Nid,
    },
    /// `memblock_remove(base, size)`.
    Remove {
        /// First byte.
        base: u64,
        /// Length.
        size: u64,
    },
    /// `memblock_reserve(base, size)`.
    Reserve {
        /// First byte.
        base: u64,
        /// Length.
        size: u64,
    },
    /// `memblock_free(base, size)`.
    Free {
        /// First byte.
        base: u64,
        /// Length.
        size: u64,
    },
    /// `memblock_set_node(base, size, nid)`.
    SetNode {
        /// First byte.
        base: u64,
        /// Length.
        size: u64,
        /// Node.
        nid: Nid,
    },
    /// `memblock_isolate_range(type, base, size)`.
    Isolate {
        /// Which array.
        kind: RegionKind,
        /// First byte.
        base: u64,
        /// Length.
        size: u64,
    },
    /// `memblock_alloc_nid(size, align, nid)`.
    AllocNid {
        /// Bytes.
        size: u64,
        /// Alignment.
        align: u64,
        /// Node.
        nid: Nid,
    },
    /// `__memblock_alloc_base(size, align, max_addr)` (any node, `None` on failure).
    AllocBase {
        /// Bytes.
        size: u64,
        /// Alignment.
        align: u64,
        /// The block ends at or below this.
        max_addr: u64,
    },
    /// `memblock_alloc(size, align)` (the kernel panics on failure).
    Alloc {
        /// Bytes.
        size: u64,
        /// Alignment.
        align: u64,
    },
    /// `memblock_alloc_try_nid(size, align, nid)` (the kernel panics on failure).
    AllocTryNid {
        /// Bytes.
        size: u64,
        /// Alignment.
        align: u64,
        /// Node tried first.
        nid: Nid,
    },
    /// `memblock_find_in_range_node(start, end, size, align, nid)`.
    Find {
        /// Lowest address.
        start: u64,
        /// End of the window.
        end: u64,
        /// Bytes.
        size: u64,
        /// Alignment.
        align: u64,
        /// Node.
        nid: Nid,
    },
    /// `memblock_set_current_limit(limit)`.
    SetLimit {
        /// The new limit.
        limit: u64,
    },
    /// `memblock_allow_resize()`.
    AllowResize,
    /// `memblock_trim_memory(align)`.
    Trim {
        /// Alignment.
        align: u64,
    },
    /// `memblock_enforce_memory_limit(limit)`.
    EnforceLimit {
        /// Bytes of memory to keep.
        limit: u64,
    },
}

/// What an operation returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// An add, remove, reserve, free or set-node call.
    Changed(Result<(), Error>),
    /// An isolation: the index range of the regions inside the range.
    Isolated(Result<(usize, usize), Error>),
    /// A search or a non-panicking allocation: the address, or the kernel's 0.
    Found(Option<u64>),
    /// An allocation whose failure the kernel turns into a panic.
    Allocated(Result<u64, Error>),
    /// A call that returns nothing.
    Done,
}

impl Op {
    /// Calls the operation on `mb` and returns what it returned.
    pub fn apply<P: Placement>(self, mb: &mut Memblock<P>) -> Answer {
        match self {
            Op::Add { base, size } => Answer::Changed(mb.add(base, size)),
            Op::AddNode { base, size, nid } => Answer::Changed(mb.add_node(base, size, nid)),
            Op::Remove { base, size } => Answer::Changed(mb.remove(base, size)),
            Op::Reserve { base, size } => Answer::Changed(mb.reserve(base, size)),
            Op::Free { base, size } => Answer::Changed(mb.free(base, size)),
            Op::SetNode { base, size, nid } => Answer::Changed(mb.set_node(base, size, nid)),
            Op::Isolate { kind, base, size } => Answer::Isolated(mb.isolate_range(kind, base, size)),
            Op::AllocNid { size, align, nid } => Answer::Found(mb.alloc_nid(size, align, nid)),
            Op::AllocBase { size, align, max_addr } => Answer::Found(mb.alloc_base_nopanic(size, align, max_addr)),
            Op::Alloc { size, align } => Answer::Allocated(mb.alloc(size, align)),
            Op::AllocTryNid { size, align, nid } => Answer::Allocated(mb.alloc_try_nid(size, align, nid)),
            Op::Find { start, end, size, align, nid } => {
                Answer::Found(mb.find_in_range_node(start, end, size, align, nid))
            }
            Op::SetLimit { limit } => {
                mb.set_current_limit(limit);
                Answer::Done
            }
            Op::AllowResize => {
                mb.allow_resize();
                Answer::Done
            }
            Op::Trim { align } => {
                mb.trim_memory(align);
                Answer::Done
            }
            Op::EnforceLimit { limit } => {
                mb.enforce_memory_limit(limit);
                Answer::Done
            }
        }
    }
}
