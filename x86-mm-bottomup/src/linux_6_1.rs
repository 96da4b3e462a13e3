//! Linux 6.1's `init_mem_mapping()` (spec §H.5.1), as a later-kernel walk on the seam the
//! series built, with the Debian 6.1 build profile it needs (spec §H.9.1).
//!
//! What 6.1 keeps from the series: the first MiB first, then `memory_map_bottom_up(kernel_end,
//! end)` and `memory_map_bottom_up(ISA_END_ADDRESS, kernel_end)` when memblock is bottom-up
//! (`movable_node`), else `memory_map_top_down(ISA_END_ADDRESS, end)`; chunks mapped through
//! `init_range_memory_mapping()`, page tables from BRK unless the range overlaps the buffer,
//! then from memblock inside `[min_pfn_mapped, max_pfn_mapped)`. What it changes:
//! * the top-down probe *allocates* the highest free 2 MiB block with
//!   `memblock_phys_alloc_range()` and frees it at once (`memblock_find_in_range()` became
//!   private); if there is none it warns and starts below `map_end` rounded down to 2 MiB;
//! * the step grows ×256 once the RAM mapped reaches it ([`StepGrowth::Linux6_1`]);
//! * `alloc_low_pages()` asks memblock with `memblock_phys_alloc_range()`, prints nothing for
//!   BRK pages, and falls back to a brk that is already closed ([`AllocLowPages::Linux6_1`]);
//! * the BRK buffer holds 16 pages in Debian's build ([`BuildProfile::DEBIAN_6_1`]).

use core::fmt;

use memblock_bottomup::{
    BottomUp, BottomUpPlacement, Event, Memblock, PAGE_SHIFT, Placement, SeriesMemblock, round_down,
};
use x86_mm_mapping::{
    AllocLowPages, CpuFeatures, DirectMap, Error, ISA_END_ADDRESS, MapEvent, MappingSetup, MappingWalk, PMD_SIZE,
    PhysAllocRange,
};

use crate::walk::{StepGrowth, memory_map_bottom_up_with};

/// The caller 6.1's probe prints (`init_mem_mapping+…`: `memory_map_top_down` is inlined).
pub const PROBE_CALLER: &str = "init_mem_mapping";

/// The build options of a 6.1 kernel that decide how its direct mapping is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildProfile {
    /// `CONFIG_X86_5LEVEL`: 4 table pages per early mapping instead of 3 in the BRK buffer
    /// (`INIT_PGD_PAGE_TABLES`). Whether 5-level paging is *used* is the CPU's (LA57) choice;
    /// the model builds 4-level tables, as every qemu64 boot does.
    pub x86_5level: bool,
    /// `CONFIG_RANDOMIZE_MEMORY`: twice as many early mappings in the BRK buffer
    /// (`INIT_PGD_PAGE_COUNT`). With `nokaslr` it changes nothing else here; with KASLR
    /// active, `init_trampoline_kaslr()` would take a table page more, which the model does not
    /// do (every boot it was checked on ran `nokaslr`).
    pub randomize_memory: bool,
}

impl BuildProfile {
    /// Debian's `6.1.0-*-amd64` (6.1.192): `CONFIG_X86_5LEVEL=y` and
    /// `CONFIG_RANDOMIZE_MEMORY=y`, so a 16-page BRK buffer. Read from 6.1's
    /// `arch/x86/mm/init.c` (`INIT_PGD_PAGE_COUNT`) and confirmed by the real boot
    /// `pc2g-2n-16g` (spec §H.9.1): with 12 pages or fewer, or 32, it would ask memblock for a
    /// different number of page-table pages than its log shows.
    pub const DEBIAN_6_1: BuildProfile = BuildProfile { x86_5level: true, randomize_memory: true };

    /// `INIT_PGD_PAGE_COUNT`: (2, or 4 with `RANDOMIZE_MEMORY`) × (3, or 4 with `X86_5LEVEL`)
    /// pages of BRK for the early page tables.
    pub const fn pgt_buf_pages(self) -> u64 {
        let tables = if self.x86_5level { 4 } else { 3 };
        let mappings = if self.randomize_memory { 4 } else { 2 };
        tables * mappings
    }

    /// The direct mapping of a 6.1 kernel of this build: the BRK buffer of
    /// [`BuildProfile::pgt_buf_pages`] at `setup.pgt_buf_base` and 6.1's `alloc_low_pages()`.
    /// 6.1's `probe_page_size_mask()` also turns `direct_gbpages` off on a CPU without PSE
    /// (the series would still use 1 GiB pages there).
    pub fn direct_map(self, mut setup: MappingSetup) -> DirectMap {
        setup.direct_gbpages &= setup.cpu.pse;
        let mut dm = DirectMap::new(setup);
        dm.set_pgt_buf_pages(self.pgt_buf_pages());
        dm.set_alloc_low_pages(AllocLowPages::Linux6_1);
        dm
    }
}

/// QEMU's `qemu64` CPU model: PSE and PGE but no `pdpe1gb`, so the direct map uses 4 KiB and
/// 2 MiB pages only (the fixtures' `DirectMap4k`/`DirectMap2M` lines, no `DirectMap1G`), and
/// no LA57, so paging is 4-level at run time.
pub const QEMU64: CpuFeatures = CpuFeatures { pse: true, pge: true, gbpages: false };

/// Linux 6.1's `init_mem_mapping()` above the first MiB: bottom-up from `kernel_end` when
/// memblock is bottom-up (`movable_node`), else top-down below the probed 2 MiB block. Run it
/// through [`DirectMap::init_mem_mapping`] on a map made by [`BuildProfile::direct_map`], with
/// a memblock of 6.1's rules (`Semantics::Modern`: bottom-up from the search's own start).
/// `kernel_end` is `__pa_symbol(_end)`, read from the placement as the series' walk does.
#[derive(Debug, Clone, Copy, Default)]
pub struct Linux6_1Walk;

impl MappingWalk<BottomUpPlacement> for Linux6_1Walk {
    fn map_above_isa(&mut self, dm: &mut DirectMap, mb: &mut SeriesMemblock, end: u64) -> Result<(), Error> {
        if mb.bottom_up() {
            let kernel_end = mb.placement().kernel_end();
            memory_map_bottom_up_with(dm, mb, kernel_end, end, StepGrowth::Linux6_1)?;
            memory_map_bottom_up_with(dm, mb, ISA_END_ADDRESS, kernel_end, StepGrowth::Linux6_1)
        } else {
            memory_map_top_down_6_1(dm, mb, ISA_END_ADDRESS, end)
        }
    }
}

/// Linux 6.1's `memory_map_top_down(map_start, map_end)`: the 2 MiB probe (allocated and
/// freed), then chunks downward from `real_end` with ×256 growth, then `[real_end, map_end)`.
///
/// # Errors
///
/// The errors of [`DirectMap::init_range_memory_mapping`] (a page table that cannot be had, a range
/// that cannot be mapped): kernel panics.
pub fn memory_map_top_down_6_1<P: Placement>(
    dm: &mut DirectMap,
    mb: &mut Memblock<P>,
    map_start: u64,
    map_end: u64,
) -> Result<(), Error> {
    let real_end = match dm.phys_alloc_range(mb, PMD_SIZE, PMD_SIZE, map_start, map_end, PROBE_CALLER) {
        Some(addr) => {
            dm.phys_free(mb, addr, PMD_SIZE, PROBE_CALLER)?;
            addr + PMD_SIZE
        }
        None => {
            dm.record(MapEvent::ProbeFailed);
            map_start.max(round_down(map_end, PMD_SIZE))
        }
    };
    let mut step_size = PMD_SIZE;
    dm.set_max_pfn_mapped(0);
    dm.set_min_pfn_mapped(real_end >> PAGE_SHIFT);
    let mut last_start = real_end;
    let mut mapped = 0;
    while last_start > map_start {
        // A step that overflowed to 0 rounds every start down to 0, i.e. to `map_start`.
        let start = if last_start > step_size { round_down(last_start - 1, step_size) } else { 0 }.max(map_start);
        let new = dm.init_range_memory_mapping(mb, start, last_start)?;
        last_start = start;
        dm.set_min_pfn_mapped(last_start >> PAGE_SHIFT);
        step_size = StepGrowth::Linux6_1.next(step_size, mapped, new);
        mapped += new;
    }
    if real_end < map_end {
        dm.init_range_memory_mapping(mb, real_end, map_end)?;
    }
    Ok(())
}

/// Every `memblock_phys_alloc_range()` the mapping made, in order (the probe, then
/// `alloc_low_pages`), with its answer.
pub fn memblock_requests(events: &[MapEvent]) -> impl Iterator<Item = &PhysAllocRange> {
    events.iter().filter_map(|ev| match ev {
        MapEvent::PhysAllocRange(req) => Some(req),
        _ => None,
    })
}

/// One line of a 6.1 boot log that the mapping produced, in 6.1's format (the caller symbols
/// without their `+offset/size`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line6_1<'a> {
    /// A line of the mapping: `init_memory_mapping: [mem …]` and the ` [mem …] page 2M` split
    /// lines (both `pr_debug` in 6.1), a request, a warning.
    Mapping(&'a MapEvent),
    /// The `memblock_reserve: [%pa-%pa] memblock_alloc_range_nid` that follows a request
    /// that found a block.
    Reserved(&'a PhysAllocRange),
    /// A line of memblock's own (`memblock_phys_free:`, a warning).
    Memblock(&'a Event),
}

impl Line6_1<'_> {
    /// Whether 6.1 prints the line with `pr_debug` (`init_memory_mapping: [mem …]` and the
    /// split lines), i.e. only with dynamic debug on for `arch/x86/mm/init.c`; a plain
    /// `memblock=debug` boot log does not have them.
    pub fn is_pr_debug(&self) -> bool {
        matches!(self, Line6_1::Mapping(MapEvent::InitMemoryMapping { .. } | MapEvent::Split(_)))
    }
}

impl fmt::Display for Line6_1<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Line6_1::Mapping(ev) => write!(f, "{ev}"),
            Line6_1::Reserved(req) => {
                let base = req.found.unwrap_or_default();
                let last = base.saturating_add(req.size.saturating_sub(1));
                write!(f, "memblock_reserve: [{base:#018x}-{last:#018x}] memblock_alloc_range_nid")
            }
            Line6_1::Memblock(Event::Free { base, size, caller }) => {
                let last = base.saturating_add(size.saturating_sub(1));
                write!(f, "memblock_phys_free: [{base:#018x}-{last:#018x}] {caller}")
            }
            Line6_1::Memblock(ev) => write!(f, "{ev}"),
        }
    }
}

/// The lines a 6.1 kernel with `memblock=debug` (and `pr_debug` on for `arch/x86/mm/init.c`)
/// prints for the mapping in `events`, in order. A request's `memblock_reserve` line is made
/// from the request's answer; memblock's own reserve events, when traced, are that same line
/// and are skipped. Page-table notes and 3.13's `BRK [...] PGTABLE` lines are not 6.1 lines.
pub fn lines_6_1(events: &[MapEvent]) -> impl Iterator<Item = Line6_1<'_>> {
    events.iter().flat_map(|ev| {
        let (first, second) = match ev {
            MapEvent::PhysAllocRange(req) => (Some(Line6_1::Mapping(ev)), req.found.map(|_| Line6_1::Reserved(req))),
            MapEvent::Memblock(Event::Reserve { .. }) | MapEvent::PageTable { .. } | MapEvent::Brk { .. } => {
                (None, None)
            }
            MapEvent::Memblock(mev) => (Some(Line6_1::Memblock(mev)), None),
            _ => (Some(Line6_1::Mapping(ev)), None),
        };
        first.into_iter().chain(second)
    })
}
