//! What the direct-mapping code prints, in order, interleaved with memblock's warnings.

use core::fmt;

use memblock_bottomup::Event;

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
        }
    }
}
