//! What the direct-mapping code prints, in order, interleaved with memblock's warnings.

use core::fmt;

use memblock_bottomup::{Event, Label};

use crate::split::MapRange;

/// Where a page-table page came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PgtSource {
    /// The early buffer in BRK (`pgt_buf`).
    Brk,
    /// memblock, from already-mapped RAM.
    Memblock,
}

impl PgtSource {
    /// `brk` or `memblock`.
    pub const fn name(self) -> &'static str {
        match self {
            PgtSource::Brk => "brk",
            PgtSource::Memblock => "memblock",
        }
    }
}

/// One event of the mapping, for a log laid beside the kernel's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MapEvent {
    /// `Using GB pages for direct mapping` (`init_gbpages()`).
    UsingGbPages,
    /// `init_memory_mapping: [mem %#010lx-%#010lx]` for `[start, end)`.
    InitMemoryMapping {
        /// Start.
        start: u64,
        /// End (exclusive).
        end: u64,
    },
    /// A split line ` [mem ...] page 2M`.
    Split(MapRange),
    /// `BRK [%#010lx, %#010lx] PGTABLE` for one page taken from the BRK buffer.
    Brk {
        /// First byte.
        start: u64,
        /// Last byte.
        last: u64,
    },
    /// A page-table page was taken (no kernel line; a report needs it).
    PageTable {
        /// Its physical address.
        pa: u64,
        /// Where it came from.
        source: PgtSource,
    },
    /// Something memblock said while the mapping asked it for a page.
    Memblock(Event),
    /// A `memblock_phys_alloc_range()` request (Linux 6.1's [`AllocLowPages::Linux6_1`] and
    /// the 6.1 walk's probe; the series searches with `memblock_find_in_range()` instead).
    ///
    /// [`AllocLowPages::Linux6_1`]: crate::AllocLowPages::Linux6_1
    PhysAllocRange(PhysAllocRange),
    /// Linux 6.1's `pr_warn("Failed to release memory for alloc_low_pages()")`: the top-down
    /// walk found no free 2 MiB block to start below (the series prints nothing there).
    ProbeFailed,
}

/// One `memblock_phys_alloc_range(size, align, start, end)` call as the caller made it (the
/// values `memblock=debug` prints), and what it returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhysAllocRange {
    /// Bytes wanted.
    pub size: u64,
    /// Alignment.
    pub align: u64,
    /// `from=`: the lowest acceptable address.
    pub start: u64,
    /// `max_addr=`: the block must end at or below this (not capped at `current_limit`).
    pub end: u64,
    /// The function that asked (`%pS` without its offset).
    pub caller: Label,
    /// The block's start, or `None` where the kernel returns 0.
    pub found: Option<u64>,
}

impl fmt::Display for PhysAllocRange {
    /// 6.1's request line: `memblock_phys_alloc_range: %llu bytes align=0x%llx from=%pa
    /// max_addr=%pa %pS`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "memblock_phys_alloc_range: {} bytes align={:#x} from={:#018x} max_addr={:#018x} {}",
            self.size, self.align, self.start, self.end, self.caller
        )
    }
}

impl MapEvent {
    /// Whether this is a line the kernel prints (rather than a note of the model).
    pub fn is_kernel_line(&self) -> bool {
        !matches!(self, MapEvent::PageTable { .. })
    }
}

impl fmt::Display for MapEvent {
    /// The kernel's line (for [`MapEvent::PageTable`], the model's note `PGT: <pa> <source>`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapEvent::UsingGbPages => f.write_str("Using GB pages for direct mapping"),
            MapEvent::InitMemoryMapping { start, end } => {
                write!(f, "init_memory_mapping: [mem {:#010x}-{:#010x}]", start, end - 1)
            }
            MapEvent::Split(r) => write!(f, "{r}"),
            MapEvent::Brk { start, last } => write!(f, "BRK [{start:#010x}, {last:#010x}] PGTABLE"),
            MapEvent::PageTable { pa, source } => write!(f, "PGT: {:#012x} {}", pa, source.name()),
            MapEvent::Memblock(ev) => write!(f, "{ev}"),
            MapEvent::PhysAllocRange(req) => write!(f, "{req}"),
            MapEvent::ProbeFailed => f.write_str("Failed to release memory for alloc_low_pages()"),
        }
    }
}
