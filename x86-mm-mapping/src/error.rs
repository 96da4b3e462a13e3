//! The errors of the direct-mapping layer. The kernel panics on every one of them during
//! boot; the model returns them with the kernel's message.

/// What stopped the direct mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `alloc_low_pages()`: the BRK buffer is used up and nothing is mapped yet that memblock
    /// could give a page-table page from (kernel panic).
    #[error("alloc_low_pages: ran out of memory")]
    RanOutOfMemory,
    /// `alloc_low_pages()`: memblock found no free page inside what is mapped (kernel panic).
    #[error("alloc_low_pages: can not alloc memory")]
    CannotAlloc,
    /// Linux 6.1's `alloc_low_pages()` falls back to `extend_brk()` when memblock gives
    /// nothing and the BRK buffer may serve the range; but `reserve_brk()` has already closed
    /// the brk (`_brk_start = 0`) before `init_mem_mapping()`, so `extend_brk()` hits its
    /// `BUG_ON(_brk_start == 0)` (a kernel BUG, not the panic).
    #[error(
        "kernel BUG at arch/x86/kernel/setup.c: extend_brk() from alloc_low_pages() after reserve_brk() closed the brk (BUG_ON(_brk_start == 0))"
    )]
    BrkClosed,
    /// A range to map is not page aligned.
    #[error("init_memory_mapping: [{start:#x}, {end:#x}) is not page aligned")]
    NotPageAligned {
        /// Start.
        start: u64,
        /// End.
        end: u64,
    },
    /// A range to map ends above `MAXMEM` (2^46), beyond what the 3.13 direct mapping covers.
    #[error("init_memory_mapping: [{start:#x}, {end:#x}) ends above the 46-bit physical limit (MAXMEM 0x400000000000)")]
    AbovePhysLimit {
        /// Start.
        start: u64,
        /// End.
        end: u64,
    },
    /// `alloc_low_pages()` cleared a page that is not RAM: the kernel faults in `clear_page()`.
    /// Only a search result truncated by the `int ret` bug of 3.13–3.16 (spec §A.12) can
    /// point there, e.g. a bottom-up hit in [2 GiB, 4 GiB) that comes back as
    /// `0xffffffff_xxxxx000`.
    #[error("clear_page pa={pa:#x}")]
    ClearPageFault {
        /// The physical address handed to `clear_page()`.
        pa: u64,
    },
    /// memblock failed to reserve a page-table page.
    #[error(transparent)]
    Memblock(#[from] memblock_bottomup::Error),
}
