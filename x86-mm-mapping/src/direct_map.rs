//! The state of the early direct mapping (the globals of `arch/x86/mm/init.c`) and the
//! functions that drive it: `alloc_low_pages()`, `init_memory_mapping()`,
//! `init_range_memory_mapping()`, `memory_map_top_down()` and `init_mem_mapping()`.
//!
//! Patch 3 moves the top-down loop out of `init_mem_mapping()` into
//! `memory_map_top_down(map_start, map_end)`. The model makes the choice of loop a seam,
//! [`MappingWalk`]: [`TopDownWalk`] is this layer's, and patch 4 (crate `x86-mm-bottomup`)
//! adds the walk that goes bottom-up when memblock does.

use alloc::vec::Vec;

use memblock_bottomup::{Label, MAX_NUMNODES, Memblock, PAGE_SHIFT, PAGE_SIZE, Placement, round_down};

use crate::e820::{E820Table, MAXMEM};
use crate::error::Error;
use crate::events::{MapEvent, PgtSource, PhysAllocRange};
use crate::page_size::{CpuFeatures, PageSizes, probe_page_size_mask};
use crate::page_tables::{AllocLowPages, PgtBuf, PgtPage};
use crate::phys_mem::SimPhysMem;
use crate::split::{PMD_SIZE, split_mem_range};

/// `ISA_END_ADDRESS`: the first MiB, always mapped.
pub const ISA_END_ADDRESS: u64 = 0x10_0000;

/// `INIT_PGT_BUF_SIZE`: the early page-table buffer in BRK, 6 pages ("3 for the first 2 MiB,
/// 3 for the first MiB").
pub const INIT_PGT_BUF_SIZE: u64 = 6 * PAGE_SIZE;

/// `E820_X_MAX` (x86-64 with NUMA): the capacity of `pfn_mapped[]`.
pub const E820_X_MAX: usize = 128 + 3 * 64;

/// `direct_pages_count[]`: the kernel's counters of direct-mapping entries (`DirectMap4k`,
/// `DirectMap2M`, `DirectMap1G` in `/proc/meminfo`). During boot an entry that already
/// exists is counted again each time a mapping walks over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DirectPages {
    /// 4 KiB entries.
    pub k4: u64,
    /// 2 MiB entries.
    pub m2: u64,
    /// 1 GiB entries.
    pub g1: u64,
}

/// What the boot code hands the direct mapping.
#[derive(Debug, Clone)]
pub struct MappingSetup {
    /// The BIOS map (for `max_pfn` and for clearing slots that hold no RAM).
    pub e820: E820Table,
    /// CPU features.
    pub cpu: CpuFeatures,
    /// `direct_gbpages`: on unless `nogbpages` was given.
    pub direct_gbpages: bool,
    /// Physical address of the 6-page buffer that `early_alloc_pgt_buf()` took from BRK.
    pub pgt_buf_base: u64,
    /// `max_pfn`: the end of RAM in pages.
    pub max_pfn: u64,
    /// `max_low_pfn`: the end of RAM below 4 GiB in pages.
    pub max_low_pfn: u64,
}

/// The early direct mapping: page tables in simulated memory and the bookkeeping of
/// `arch/x86/mm/init.c`.
#[derive(Debug, Clone)]
pub struct DirectMap {
    pub(crate) mem: SimPhysMem,
    pub(crate) e820: E820Table,
    cpu: CpuFeatures,
    direct_gbpages: bool,
    pub(crate) sizes: PageSizes,
    pgt_buf: PgtBuf,
    min_pfn_mapped: u64,
    max_pfn_mapped: u64,
    max_low_pfn_mapped: u64,
    max_pfn: u64,
    max_low_pfn: u64,
    can_use_brk_pgt: bool,
    low_pages: AllocLowPages,
    pfn_mapped: Vec<(u64, u64)>,
    pub(crate) direct_pages: DirectPages,
    pgt_pages: Vec<PgtPage>,
    events: Vec<MapEvent>,
}

impl DirectMap {
    /// The state right after `early_alloc_pgt_buf()`: nothing mapped, an empty top-level
    /// table, the BRK buffer unused.
    pub fn new(setup: MappingSetup) -> Self {
        Self::with_storage(setup, SimPhysMem::new(), Vec::new(), Vec::new(), Vec::new())
    }

    /// A new map for `setup` ([`DirectMap::new`]) that keeps this one's storage: its table
    /// pages ([`SimPhysMem::clear`]), event log and page lists, emptied. Every result is the
    /// same as a new map's; but a batch of mappings (one machine after another, a benchmark's
    /// runs) then writes into memory it already touched instead of faulting in fresh memory
    /// for each.
    pub fn recycle(self, setup: MappingSetup) -> Self {
        let DirectMap { mut mem, mut pfn_mapped, mut pgt_pages, mut events, .. } = self;
        mem.clear();
        pfn_mapped.clear();
        pgt_pages.clear();
        events.clear();
        Self::with_storage(setup, mem, pfn_mapped, pgt_pages, events)
    }

    /// The state of [`DirectMap::new`] in storage that is empty.
    fn with_storage(
        setup: MappingSetup,
        mem: SimPhysMem,
        pfn_mapped: Vec<(u64, u64)>,
        pgt_pages: Vec<PgtPage>,
        events: Vec<MapEvent>,
    ) -> Self {
        let base_pfn = setup.pgt_buf_base >> PAGE_SHIFT;
        DirectMap {
            mem,
            e820: setup.e820,
            cpu: setup.cpu,
            direct_gbpages: setup.direct_gbpages,
            sizes: probe_page_size_mask(setup.cpu, setup.direct_gbpages),
            pgt_buf: PgtBuf { start: base_pfn, end: base_pfn, top: base_pfn + (INIT_PGT_BUF_SIZE >> PAGE_SHIFT) },
            min_pfn_mapped: 0,
            max_pfn_mapped: 0,
            max_low_pfn_mapped: 0,
            max_pfn: setup.max_pfn,
            max_low_pfn: setup.max_low_pfn,
            can_use_brk_pgt: true,
            low_pages: AllocLowPages::Series,
            pfn_mapped,
            direct_pages: DirectPages::default(),
            pgt_pages,
            events,
        }
    }

    /// The simulated memory holding the tables.
    pub fn mem(&self) -> &SimPhysMem {
        &self.mem
    }

    /// The simulated memory, for translation through the `x86_64` crate's walker.
    pub fn mem_mut(&mut self) -> &mut SimPhysMem {
        &mut self.mem
    }

    /// The BIOS map the mapping was given.
    pub fn e820(&self) -> &E820Table {
        &self.e820
    }

    /// What `probe_page_size_mask()` decided.
    pub fn page_sizes(&self) -> PageSizes {
        self.sizes
    }

    /// The BRK buffer's state.
    pub fn pgt_buf(&self) -> PgtBuf {
        self.pgt_buf
    }

    /// Sizes the BRK buffer to `pages` pages from its start, for a kernel whose
    /// `INIT_PGT_BUF_SIZE` is not the series' 6 pages (Linux 6.1: `INIT_PGD_PAGE_COUNT`, up to
    /// 16). Call it before anything is mapped; pages already handed out stay handed out.
    pub fn set_pgt_buf_pages(&mut self, pages: u64) {
        self.pgt_buf.top = self.pgt_buf.start.saturating_add(pages);
    }

    /// Chooses which kernel's `alloc_low_pages()` runs (the series' by default).
    pub fn set_alloc_low_pages(&mut self, rule: AllocLowPages) {
        self.low_pages = rule;
    }

    /// The `alloc_low_pages()` in force.
    pub fn alloc_low_pages_rule(&self) -> AllocLowPages {
        self.low_pages
    }

    /// `min_pfn_mapped`.
    pub fn min_pfn_mapped(&self) -> u64 {
        self.min_pfn_mapped
    }

    /// `max_pfn_mapped`.
    pub fn max_pfn_mapped(&self) -> u64 {
        self.max_pfn_mapped
    }

    /// `max_low_pfn_mapped`.
    pub fn max_low_pfn_mapped(&self) -> u64 {
        self.max_low_pfn_mapped
    }

    /// `max_pfn`.
    pub fn max_pfn(&self) -> u64 {
        self.max_pfn
    }

    /// `max_low_pfn` (raised to `max_pfn` at the end of `init_mem_mapping()` on 64-bit).
    pub fn max_low_pfn(&self) -> u64 {
        self.max_low_pfn
    }

    /// `pfn_mapped[]`: the mapped page-frame ranges, sorted and merged.
    pub fn pfn_mapped(&self) -> &[(u64, u64)] {
        &self.pfn_mapped
    }

    /// `direct_pages_count[]`.
    pub fn direct_pages(&self) -> DirectPages {
        self.direct_pages
    }

    /// Every page-table page taken, in order.
    pub fn pgt_pages(&self) -> &[PgtPage] {
        &self.pgt_pages
    }

    /// What was printed, in order.
    pub fn events(&self) -> &[MapEvent] {
        &self.events
    }

    /// `pfn_range_is_mapped()`: whether `[start_pfn, end_pfn)` lies inside one mapped range.
    pub fn pfn_range_is_mapped(&self, start_pfn: u64, end_pfn: u64) -> bool {
        self.pfn_mapped.iter().any(|&(s, e)| start_pfn >= s && end_pfn <= e)
    }

    /// Records a line that a walk of a later layer prints (for example
    /// [`MapEvent::ProbeFailed`]), in order with the mapping's own.
    pub fn record(&mut self, ev: MapEvent) {
        self.push(ev);
    }

    pub(crate) fn push(&mut self, ev: MapEvent) {
        if ev.is_kernel_line() {
            log::debug!("{ev}");
        }
        self.events.push(ev);
    }

    /// Copies what memblock recorded since `before` into this log, keeping the order.
    fn absorb<P: Placement>(&mut self, mb: &Memblock<P>, before: usize) {
        for ev in mb.log().events().get(before..).unwrap_or_default() {
            self.events.push(MapEvent::Memblock(ev.clone()));
        }
    }

    /// `alloc_low_page()` (`alloc_low_pages(1)`): a zeroed page for a table. The BRK buffer
    /// serves while it has room and `can_use_brk_pgt` allows; after that memblock, but only
    /// inside `[min_pfn_mapped, max_pfn_mapped)`, since a table must be reachable through the
    /// mapping to be cleared. The search follows memblock's direction.
    /// [`AllocLowPages`] chooses the series' or Linux 6.1's way of asking memblock and failing.
    ///
    /// The page is cleared through the direct mapping: an address memblock does not know as
    /// memory (which only the `int ret` truncation returns) is [`Error::ClearPageFault`], where
    /// the kernel faults. A truncated address that is memory is used as it is, even when it is
    /// handed out again (the untruncated block stays free, so the next search finds it again):
    /// the page is cleared again and then serves two tables, as in the kernel.
    ///
    /// # Errors
    ///
    /// [`Error::RanOutOfMemory`] or [`Error::CannotAlloc`] (the series) when the BRK buffer cannot
    /// serve and memblock has no page inside what is mapped, [`Error::BrkClosed`] (Linux 6.1) when
    /// it falls back to the closed brk, [`Error::ClearPageFault`] when a truncated address is not
    /// RAM, and [`Error::Memblock`] when the page cannot be reserved.
    pub fn alloc_low_page<P: Placement>(&mut self, mb: &mut Memblock<P>) -> Result<u64, Error> {
        let brk_serves = self.pgt_buf.end < self.pgt_buf.top && self.can_use_brk_pgt;
        let (pa, source) = if !brk_serves && self.low_pages == AllocLowPages::Linux6_1 {
            (self.low_page_from_memblock_6_1(mb)?, PgtSource::Memblock)
        } else if !brk_serves {
            if self.min_pfn_mapped >= self.max_pfn_mapped {
                return Err(Error::RanOutOfMemory);
            }
            let before = mb.log().events().len();
            let found = mb.find_in_range(
                self.min_pfn_mapped << PAGE_SHIFT,
                self.max_pfn_mapped << PAGE_SHIFT,
                PAGE_SIZE,
                PAGE_SIZE,
            );
            self.absorb(mb, before);
            let pa = found.ok_or(Error::CannotAlloc)?;
            let before = mb.log().events().len();
            let reserved = mb.reserve_as(pa, PAGE_SIZE, "alloc_low_pages");
            self.absorb(mb, before);
            reserved?;
            if !mb.is_region_memory(pa, PAGE_SIZE) {
                return Err(Error::ClearPageFault { pa });
            }
            (pa, PgtSource::Memblock)
        } else {
            let pa = self.pgt_buf.end << PAGE_SHIFT;
            self.pgt_buf.end += 1;
            if self.low_pages == AllocLowPages::Series {
                self.push(MapEvent::Brk { start: pa, last: pa + PAGE_SIZE - 1 });
            }
            (pa, PgtSource::Brk)
        };
        self.mem.zero_page(pa);
        self.pgt_pages.push(PgtPage { pa, source });
        self.push(MapEvent::PageTable { pa, source });
        Ok(pa)
    }

    /// Linux 6.1's `alloc_low_pages()` once the BRK buffer cannot serve: memblock inside the
    /// mapped window if there is one, else the closed brk, else the panic.
    fn low_page_from_memblock_6_1<P: Placement>(&mut self, mb: &mut Memblock<P>) -> Result<u64, Error> {
        let mut found = None;
        if self.min_pfn_mapped < self.max_pfn_mapped {
            let (from, max_addr) = (self.min_pfn_mapped << PAGE_SHIFT, self.max_pfn_mapped << PAGE_SHIFT);
            found = self.phys_alloc_range(mb, PAGE_SIZE, PAGE_SIZE, from, max_addr, "alloc_low_pages");
        }
        match found {
            Some(pa) => Ok(pa),
            None if self.can_use_brk_pgt => Err(Error::BrkClosed),
            None => Err(Error::CannotAlloc),
        }
    }

    /// `memblock_phys_alloc_range(size, align, start, end)` as Linux 6.1 has it (the series
    /// has no such function): a search of `[start, end)` on any node in memblock's direction,
    /// the explicit `end` not capped at `current_limit`, then `memblock_reserve()` of exactly
    /// `size` bytes (printed with caller `memblock_alloc_range_nid`). `None` is the kernel's 0,
    /// also when the reservation fails. The request is recorded as
    /// [`MapEvent::PhysAllocRange`], followed by what memblock said.
    pub fn phys_alloc_range<P: Placement>(
        &mut self,
        mb: &mut Memblock<P>,
        size: u64,
        align: u64,
        start: u64,
        end: u64,
        caller: impl Into<Label>,
    ) -> Option<u64> {
        let caller = caller.into();
        let before = mb.log().events().len();
        let mut found = mb.find_in_range(start, end, size, align);
        if let Some(pa) = found
            && mb.reserve_as(pa, size, "memblock_alloc_range_nid").is_err()
        {
            found = None;
        }
        self.push(MapEvent::PhysAllocRange(PhysAllocRange { size, align, start, end, caller, found }));
        self.absorb(mb, before);
        found
    }

    /// `memblock_phys_free(base, size)` (Linux 6.1's name for a physical `memblock_free()`),
    /// with what memblock said recorded in order.
    ///
    /// # Errors
    ///
    /// [`Error::Memblock`] when memblock cannot split its reserved array to free the range
    /// (`-ENOMEM`, which the kernel's callers ignore).
    pub fn phys_free<P: Placement>(
        &mut self,
        mb: &mut Memblock<P>,
        base: u64,
        size: u64,
        caller: impl Into<Label>,
    ) -> Result<(), Error> {
        let before = mb.log().events().len();
        let freed = mb.free_as(base, size, caller);
        self.absorb(mb, before);
        Ok(freed?)
    }

    /// `init_memory_mapping(start, end)`: maps `[start, end)` at `PAGE_OFFSET + start` with
    /// the largest page sizes [`split_mem_range`] allows, records the range in `pfn_mapped`,
    /// and returns the end of what the last piece mapped, in pages.
    ///
    /// # Errors
    ///
    /// [`Error::RanOutOfMemory`] or [`Error::CannotAlloc`] when a page table cannot be had (the BRK
    /// buffer is used up and memblock has no page inside what is mapped), [`Error::BrkClosed`] for
    /// Linux 6.1's fallback to a closed brk, [`Error::ClearPageFault`] when a truncated search
    /// result points at no RAM, [`Error::NotPageAligned`] or [`Error::AbovePhysLimit`] for a range
    /// that cannot be mapped, and [`Error::Memblock`] when memblock cannot reserve a table's page:
    /// every one a kernel panic, BUG or fault.
    pub fn init_memory_mapping<P: Placement>(
        &mut self,
        mb: &mut Memblock<P>,
        start: u64,
        end: u64,
    ) -> Result<u64, Error> {
        if !start.is_multiple_of(PAGE_SIZE) || !end.is_multiple_of(PAGE_SIZE) || start >= end {
            return Err(Error::NotPageAligned { start, end });
        }
        self.map_range(mb, start, end)
    }

    /// The body of `init_memory_mapping()` for ranges the kernel itself computed.
    fn map_range<P: Placement>(&mut self, mb: &mut Memblock<P>, start: u64, end: u64) -> Result<u64, Error> {
        if end > MAXMEM {
            return Err(Error::AbovePhysLimit { start, end });
        }
        self.push(MapEvent::InitMemoryMapping { start, end });
        let pieces = split_mem_range(start, end, self.sizes.mask, |b, s| mb.is_region_memory(b, s));
        for r in pieces.as_slice() {
            self.push(MapEvent::Split(r));
        }
        let mut ret = 0;
        for r in pieces.as_slice() {
            ret = self.kernel_physical_mapping_init(mb, r.start, r.end, r.mask)?;
        }
        self.add_pfn_range_mapped(start >> PAGE_SHIFT, ret >> PAGE_SHIFT);
        Ok(ret >> PAGE_SHIFT)
    }

    /// `add_pfn_range_mapped()`: merges the range into `pfn_mapped[]` (touching ranges join)
    /// and raises `max_pfn_mapped` and, below 4 GiB, `max_low_pfn_mapped`.
    fn add_pfn_range_mapped(&mut self, start_pfn: u64, end_pfn: u64) {
        if start_pfn < end_pfn {
            let (mut s, mut e) = (start_pfn, end_pfn);
            self.pfn_mapped.retain(|&(rs, re)| {
                let joins = rs.max(s) <= re.min(e);
                if joins {
                    s = s.min(rs);
                    e = e.max(re);
                }
                !joins
            });
            if self.pfn_mapped.len() < E820_X_MAX {
                self.pfn_mapped.push((s, e));
            }
            self.pfn_mapped.sort_unstable();
        }
        self.max_pfn_mapped = self.max_pfn_mapped.max(end_pfn);
        const PFN_4G: u64 = 1 << (32 - PAGE_SHIFT);
        if start_pfn < PFN_4G {
            self.max_low_pfn_mapped = self.max_low_pfn_mapped.max(end_pfn.min(PFN_4G));
        }
    }

    /// `init_range_memory_mapping(r_start, r_end)`: maps the RAM memblock knows inside
    /// `[r_start, r_end)`, whole pages only, never the holes; returns the bytes mapped. The BRK
    /// buffer may not serve a range that overlaps its own unused part.
    ///
    /// # Errors
    ///
    /// [`Error::RanOutOfMemory`] or [`Error::CannotAlloc`] when a page table cannot be had (the BRK
    /// buffer is used up and memblock has no page inside what is mapped), [`Error::BrkClosed`] for
    /// Linux 6.1's fallback to a closed brk, [`Error::ClearPageFault`] when a truncated search
    /// result points at no RAM, [`Error::NotPageAligned`] or [`Error::AbovePhysLimit`] for a range
    /// that cannot be mapped, and [`Error::Memblock`] when memblock cannot reserve a table's page:
    /// every one a kernel panic, BUG or fault.
    pub fn init_range_memory_mapping<P: Placement>(
        &mut self,
        mb: &mut Memblock<P>,
        r_start: u64,
        r_end: u64,
    ) -> Result<u64, Error> {
        let ranges: Vec<_> = mb.mem_pfn_ranges(MAX_NUMNODES).collect();
        let mut mapped = 0;
        for r in ranges {
            let start = (r.start_pfn << PAGE_SHIFT).max(r_start).min(r_end);
            let end = (r.end_pfn << PAGE_SHIFT).max(r_start).min(r_end);
            if start >= end {
                continue;
            }
            self.can_use_brk_pgt = start.max(self.pgt_buf.end << PAGE_SHIFT) >= end.min(self.pgt_buf.top << PAGE_SHIFT);
            self.map_range(mb, start, end)?;
            mapped += end - start;
            self.can_use_brk_pgt = true;
        }
        Ok(mapped)
    }

    /// `memory_map_top_down(map_start, map_end)` (patch 3): maps from the top down in chunks
    /// that grow ×32 each time a chunk mapped more RAM than all before it, so that the tables
    /// for each chunk fit in what is already mapped. It starts below the highest free 2 MiB
    /// block (`real_end`, which skips a reserved area at the very top) and maps what lies
    /// above it last.
    ///
    /// # Errors
    ///
    /// [`Error::RanOutOfMemory`] or [`Error::CannotAlloc`] when a page table cannot be had (the BRK
    /// buffer is used up and memblock has no page inside what is mapped), [`Error::BrkClosed`] for
    /// Linux 6.1's fallback to a closed brk, [`Error::ClearPageFault`] when a truncated search
    /// result points at no RAM, [`Error::NotPageAligned`] or [`Error::AbovePhysLimit`] for a range
    /// that cannot be mapped, and [`Error::Memblock`] when memblock cannot reserve a table's page:
    /// every one a kernel panic, BUG or fault.
    pub fn memory_map_top_down<P: Placement>(
        &mut self,
        mb: &mut Memblock<P>,
        map_start: u64,
        map_end: u64,
    ) -> Result<(), Error> {
        let before = mb.log().events().len();
        let addr = mb.find_in_range(map_start, map_end, PMD_SIZE, PMD_SIZE).unwrap_or(0);
        self.absorb(mb, before);
        let real_end = addr + PMD_SIZE;
        let mut step_size = PMD_SIZE;
        self.max_pfn_mapped = 0;
        self.min_pfn_mapped = real_end >> PAGE_SHIFT;
        let mut last_start = real_end;
        let mut mapped = 0;
        while last_start > map_start {
            let start =
                if last_start > step_size { round_down(last_start - 1, step_size).max(map_start) } else { map_start };
            let new = self.init_range_memory_mapping(mb, start, last_start)?;
            last_start = start;
            self.min_pfn_mapped = last_start >> PAGE_SHIFT;
            if new > mapped {
                step_size = get_new_step_size(step_size);
            }
            mapped += new;
        }
        if real_end < map_end {
            self.init_range_memory_mapping(mb, real_end, map_end)?;
        }
        Ok(())
    }

    /// Sets `min_pfn_mapped` (for the walks of later layers).
    pub fn set_min_pfn_mapped(&mut self, pfn: u64) {
        self.min_pfn_mapped = pfn;
    }

    /// Sets `max_pfn_mapped` (for the walks of later layers: a top-down walk starts from 0).
    pub fn set_max_pfn_mapped(&mut self, pfn: u64) {
        self.max_pfn_mapped = pfn;
    }

    /// `init_mem_mapping()`: probes page sizes, maps the first MiB, then lets `walk` map the
    /// rest of RAM up to `max_pfn`; finally raises `max_low_pfn` to `max_pfn`.
    ///
    /// # Errors
    ///
    /// [`Error::RanOutOfMemory`] or [`Error::CannotAlloc`] when a page table cannot be had (the BRK
    /// buffer is used up and memblock has no page inside what is mapped), [`Error::BrkClosed`] for
    /// Linux 6.1's fallback to a closed brk, [`Error::ClearPageFault`] when a truncated search
    /// result points at no RAM, [`Error::NotPageAligned`] or [`Error::AbovePhysLimit`] for a range
    /// that cannot be mapped, and [`Error::Memblock`] when memblock cannot reserve a table's page:
    /// every one a kernel panic, BUG or fault.
    pub fn init_mem_mapping<P: Placement, W: MappingWalk<P> + ?Sized>(
        &mut self,
        mb: &mut Memblock<P>,
        walk: &mut W,
    ) -> Result<(), Error> {
        self.sizes = probe_page_size_mask(self.cpu, self.direct_gbpages);
        if self.sizes.gbpages {
            self.push(MapEvent::UsingGbPages);
        }
        let end = self.max_pfn << PAGE_SHIFT;
        self.init_memory_mapping(mb, 0, ISA_END_ADDRESS)?;
        walk.map_above_isa(self, mb, end)?;
        if self.max_pfn > self.max_low_pfn {
            self.max_low_pfn = self.max_pfn;
        }
        Ok(())
    }
}

/// `get_new_step_size()`: the next chunk may be 32 times bigger (3.13; later kernels use a
/// shift of 8, see the spec's §0.2). Like the kernel, it is not guarded against overflow.
pub fn get_new_step_size(step_size: u64) -> u64 {
    step_size << 5
}

/// The seam patch 3 creates: how `init_mem_mapping()` maps RAM above the first MiB.
pub trait MappingWalk<P: Placement> {
    /// Maps `[ISA_END_ADDRESS, end)`.
    ///
    /// # Errors
    ///
    /// [`Error::RanOutOfMemory`] or [`Error::CannotAlloc`] when a page table cannot be had (the BRK
    /// buffer is used up and memblock has no page inside what is mapped), [`Error::BrkClosed`] for
    /// Linux 6.1's fallback to a closed brk, [`Error::ClearPageFault`] when a truncated search
    /// result points at no RAM, [`Error::NotPageAligned`] or [`Error::AbovePhysLimit`] for a range
    /// that cannot be mapped, and [`Error::Memblock`] when memblock cannot reserve a table's page:
    /// every one a kernel panic, BUG or fault.
    fn map_above_isa(&mut self, dm: &mut DirectMap, mb: &mut Memblock<P>, end: u64) -> Result<(), Error>;
}

/// The walk of 3.12 and of a 3.13 boot without `movable_node`:
/// `memory_map_top_down(ISA_END_ADDRESS, end)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TopDownWalk;

impl<P: Placement> MappingWalk<P> for TopDownWalk {
    fn map_above_isa(&mut self, dm: &mut DirectMap, mb: &mut Memblock<P>, end: u64) -> Result<(), Error> {
        dm.memory_map_top_down(mb, ISA_END_ADDRESS, end)
    }
}
