//! The allocator itself, `struct memblock`, and the operations that change its arrays: add,
//! reserve, remove, free, isolate, set node, and the doubling of a full array.

use crate::config::Config;
use crate::error::{Bug, Error};
use crate::events::{Event, EventLog, Warning};
use crate::label::Label;
use crate::region::{
    MAX_NUMNODES, MEMBLOCK_ALLOC_ACCESSIBLE, MEMBLOCK_ALLOC_ANYWHERE, Nid, PAGE_SIZE, Region, RegionFlags, cap_size,
    page_align,
};
use crate::region_type::{RegionKind, RegionType};
use crate::search::{FindRequest, Placement, TopDown};
use crate::uncovered::next_uncovered;

/// The label of a reservation made without one (the kernel would print its caller's symbol).
pub const UNKNOWN_CALLER: Label = Label::new("(unknown caller)");

/// The part of `struct memblock` that searches read: both arrays, `current_limit`, and the
/// modelled kernel's [`Config`]. A [`Memblock`] dereferences to it for every query.
#[derive(Debug)]
#[cfg_attr(feature = "alloc", derive(Clone))]
pub struct MemblockState {
    pub(crate) memory: RegionType,
    pub(crate) reserved: RegionType,
    pub(crate) current_limit: u64,
    pub(crate) can_resize: bool,
    pub(crate) config: Config,
}

impl MemblockState {
    /// `memblock.memory`.
    pub fn memory(&self) -> &RegionType {
        &self.memory
    }

    /// `memblock.reserved`.
    pub fn reserved(&self) -> &RegionType {
        &self.reserved
    }

    /// One of the two arrays.
    pub fn region_type(&self, kind: RegionKind) -> &RegionType {
        match kind {
            RegionKind::Memory => &self.memory,
            RegionKind::Reserved => &self.reserved,
        }
    }

    /// `memblock.current_limit`: the end used for `MEMBLOCK_ALLOC_ACCESSIBLE`.
    pub fn current_limit(&self) -> u64 {
        self.current_limit
    }

    /// `memblock_can_resize`: whether arrays may be doubled yet.
    pub fn can_resize(&self) -> bool {
        self.can_resize
    }

    /// The modelled kernel's facts.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn region_type_mut(&mut self, kind: RegionKind) -> &mut RegionType {
        match kind {
            RegionKind::Memory => &mut self.memory,
            RegionKind::Reserved => &mut self.reserved,
        }
    }
}

/// `struct memblock` with its search policy: Linux's early-boot memory allocator.
///
/// `P` decides where searches place blocks ([`TopDown`] here, as in 3.12). Every operation
/// that searches (allocations and array doubling) goes through it.
///
/// ```
/// use memblock_topdown::Memblock;
/// let mut mb = Memblock::new();
/// mb.add(0x10_0000, 0x3ff0_0000).unwrap();          // 1 MiB .. 1 GiB of RAM
/// mb.reserve(0x100_0000, 0x200_0000).unwrap();      // the kernel image at 16 MiB
/// let addr = mb.alloc(0x1000, 0x1000).unwrap();     // top-down: the highest free page
/// assert_eq!(addr, 0x3fff_f000);
/// assert!(mb.is_reserved(addr));
/// ```
///
/// It is `Clone` with the `alloc` feature; a clone keeps its regions on the heap even when
/// the original's live in memory a kernel provided ([`Memblock::use_array_memory`]).
#[derive(Debug)]
#[cfg_attr(feature = "alloc", derive(Clone))]
pub struct Memblock<P = TopDown> {
    state: MemblockState,
    placement: P,
    log: EventLog,
    caller: Option<Label>,
}

impl Memblock<TopDown> {
    /// A fresh 3.12 memblock: both arrays empty (one dummy entry each, `max` 128),
    /// `current_limit` `MEMBLOCK_ALLOC_ANYWHERE`, resizing not yet allowed.
    pub fn new() -> Self {
        Memblock::with_placement(TopDown)
    }
}

impl Default for Memblock<TopDown> {
    fn default() -> Self {
        Memblock::new()
    }
}

impl<P> core::ops::Deref for Memblock<P> {
    type Target = MemblockState;

    fn deref(&self) -> &MemblockState {
        &self.state
    }
}

impl<P: Placement> Memblock<P> {
    /// A fresh memblock (see [`Memblock::new`]) that places blocks with `placement`.
    pub fn with_placement(placement: P) -> Self {
        Memblock::with_config(Config::V3_13, placement)
    }

    /// A fresh memblock for the kernel described by `config`.
    pub fn with_config(config: Config, placement: P) -> Self {
        Memblock {
            state: MemblockState {
                memory: RegionType::new(RegionKind::Memory),
                reserved: RegionType::new(RegionKind::Reserved),
                current_limit: MEMBLOCK_ALLOC_ANYWHERE,
                can_resize: false,
                config,
            },
            placement,
            log: EventLog::default(),
            caller: None,
        }
    }

    /// Keeps the region arrays in memory the caller provides, as a kernel does: its static
    /// `memblock_memory_init_regions` / `memblock_reserved_init_regions` first, then each block
    /// `memblock_double_array()` finds, reached through `mem.phys_to_virt` (`__va()`). Regions
    /// already present are copied over. Placements are those of the default storage, except
    /// that a doubling whose block cannot hold this crate's entries fails (see
    /// [`ArrayMemory`](crate::ArrayMemory)).
    ///
    /// Returns `false`, changing nothing, once an array has been doubled (its block already
    /// lives in memblock memory).
    ///
    /// # Safety
    /// For as long as this memblock lives: `mem.phys_to_virt(pa)` must give a writable,
    /// 8-byte-aligned (for page-aligned `pa`) virtual address for every physical address that
    /// this memblock can find in its `memory` array below `current_limit`, and nothing but
    /// memblock's own reservations may use that memory (the caller reserves what it uses
    /// before allowing resizes: its image, page tables, firmware data).
    pub unsafe fn use_array_memory(&mut self, mem: crate::ArrayMemory) -> bool {
        let crate::ArrayMemory { memory, reserved, phys_to_virt } = mem;
        let fits = |ty: &RegionType| ty.array_addr().is_none() && ty.regions().len() <= crate::INIT_MEMBLOCK_REGIONS;
        if !fits(&self.state.memory) || !fits(&self.state.reserved) {
            return false;
        }
        self.state.memory.use_provided(memory, phys_to_virt) && self.state.reserved.use_provided(reserved, phys_to_virt)
    }

    /// The search policy.
    pub fn placement(&self) -> &P {
        &self.placement
    }

    /// The search policy, to change its settings.
    pub fn placement_mut(&mut self) -> &mut P {
        &mut self.placement
    }

    /// The read-only state that searches see.
    pub fn state(&self) -> &MemblockState {
        &self.state
    }

    /// Warnings, messages and the debug trace.
    pub fn log(&self) -> &EventLog {
        &self.log
    }

    /// The event log, to switch `memblock=debug` or tracing, or to take the events.
    pub fn log_mut(&mut self) -> &mut EventLog {
        &mut self.log
    }

    /// Changes the modelled kernel's facts (done by the layers that model later kernels).
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.state.config
    }

    /// Sets the label that the next reservations, frees and allocations are attributed to
    /// (`None`: unlabelled). Returns the previous one.
    pub fn set_caller(&mut self, caller: Option<Label>) -> Option<Label> {
        core::mem::replace(&mut self.caller, caller)
    }

    /// The label in force, or `default` when none is set.
    pub(crate) fn caller_or(&self, default: impl Into<Label>) -> Label {
        self.caller.unwrap_or_else(|| default.into())
    }

    /// Runs `f` with every reservation it makes attributed to `caller`.
    pub fn with_caller<R>(&mut self, caller: impl Into<Label>, f: impl FnOnce(&mut Self) -> R) -> R {
        let prev = self.set_caller(Some(caller.into()));
        let r = f(self);
        self.caller = prev;
        r
    }

    /// Records a warning raised by a layer above on this instance.
    pub fn warn(&mut self, w: Warning) {
        self.log.push(Event::Warn(w));
    }

    /// The first step of a free-range walk that a caller runs itself
    /// (`for_each_free_mem_range[_reverse]`): in 3.14 a `MAX_NUMNODES` node warns once per
    /// direction ([`warn_deprecated_nid`](crate::warn_deprecated_nid)).
    pub fn warn_walk_nid(&mut self, nid: Nid, site: crate::NidWarnSite) {
        crate::nid_wildcard::warn_deprecated_nid(&self.state, nid, &mut self.log, site);
    }

    /// `memblock_allow_resize()`: arrays may be doubled from now on.
    pub fn allow_resize(&mut self) {
        self.state.can_resize = true;
    }

    /// `memblock_set_current_limit()`.
    pub fn set_current_limit(&mut self, limit: u64) {
        self.state.current_limit = limit;
    }

    /// `memblock_add_node()`: adds RAM `[base, base + size)` on node `nid`. Parts already
    /// present keep their node; only the uncovered gaps are added.
    ///
    /// # Errors
    ///
    /// [`Error::ResizeNotAllowed`] when the array needs more entries than it has before
    /// `memblock_allow_resize()`, and [`Error::DoubleFailed`] when doubling it finds no memory: the
    /// kernel's `-ENOMEM`. [`Error::Bug`] when the merge that follows meets overlapping regions
    /// (the kernel's `BUG_ON`, only after a trim wrapped past 2^64).
    pub fn add_node(&mut self, base: u64, size: u64, nid: Nid) -> Result<(), Error> {
        self.add_region(RegionKind::Memory, base, size, nid, RegionFlags::empty())
    }

    /// `memblock_add()`: adds RAM with node `MAX_NUMNODES` (not known yet).
    ///
    /// # Errors
    ///
    /// [`Error::ResizeNotAllowed`] when the array needs more entries than it has before
    /// `memblock_allow_resize()`, and [`Error::DoubleFailed`] when doubling it finds no memory: the
    /// kernel's `-ENOMEM`. [`Error::Bug`] when the merge that follows meets overlapping regions
    /// (the kernel's `BUG_ON`, only after a trim wrapped past 2^64).
    pub fn add(&mut self, base: u64, size: u64) -> Result<(), Error> {
        self.add_node(base, size, MAX_NUMNODES)
    }

    /// `memblock_reserve()`: marks `[base, base + size)` as taken, by the current caller.
    ///
    /// # Errors
    ///
    /// [`Error::ResizeNotAllowed`] when the array needs more entries than it has before
    /// `memblock_allow_resize()`, and [`Error::DoubleFailed`] when doubling it finds no memory: the
    /// kernel's `-ENOMEM`. [`Error::Bug`] when the merge that follows meets overlapping regions
    /// (the kernel's `BUG_ON`, only after a trim wrapped past 2^64).
    pub fn reserve(&mut self, base: u64, size: u64) -> Result<(), Error> {
        self.reserve_labelled(base, size, |mb| mb.caller_or(UNKNOWN_CALLER))
    }

    /// `memblock_reserve()` attributed to `caller`.
    ///
    /// # Errors
    ///
    /// [`Error::ResizeNotAllowed`] when the array needs more entries than it has before
    /// `memblock_allow_resize()`, and [`Error::DoubleFailed`] when doubling it finds no memory: the
    /// kernel's `-ENOMEM`. [`Error::Bug`] when the merge that follows meets overlapping regions
    /// (the kernel's `BUG_ON`, only after a trim wrapped past 2^64).
    pub fn reserve_as(&mut self, base: u64, size: u64, caller: impl Into<Label>) -> Result<(), Error> {
        self.reserve_labelled(base, size, |_| caller.into())
    }

    /// `memblock_reserve()` attributed to the label `caller` gives. The label (up to 128
    /// bytes) is only built when the trace event is printed or kept.
    #[inline]
    pub(crate) fn reserve_labelled(
        &mut self,
        base: u64,
        size: u64,
        caller: impl FnOnce(&Self) -> Label,
    ) -> Result<(), Error> {
        if !self.log.drops_debug() {
            let caller = caller(self);
            self.log.push(Event::Reserve { base, size, caller });
        }
        let nid = self.state.config.reserve_nid;
        self.add_region(RegionKind::Reserved, base, size, nid, RegionFlags::empty())
    }

    /// `memblock_remove()`: takes `[base, base + size)` out of memory.
    ///
    /// # Errors
    ///
    /// [`Error::ResizeNotAllowed`] when the array needs more entries than it has before
    /// `memblock_allow_resize()`, and [`Error::DoubleFailed`] when doubling it finds no memory: the
    /// kernel's `-ENOMEM`.
    pub fn remove(&mut self, base: u64, size: u64) -> Result<(), Error> {
        self.remove_range(RegionKind::Memory, base, size)
    }

    /// `memblock_free()`: gives `[base, base + size)` back (removes it from reserved).
    ///
    /// # Errors
    ///
    /// [`Error::ResizeNotAllowed`] when the array needs more entries than it has before
    /// `memblock_allow_resize()`, and [`Error::DoubleFailed`] when doubling it finds no memory: the
    /// kernel's `-ENOMEM`.
    pub fn free(&mut self, base: u64, size: u64) -> Result<(), Error> {
        let caller = self.caller_or(UNKNOWN_CALLER);
        self.free_as(base, size, caller)
    }

    /// `memblock_free()` attributed to `caller`.
    ///
    /// # Errors
    ///
    /// [`Error::ResizeNotAllowed`] when the array needs more entries than it has before
    /// `memblock_allow_resize()`, and [`Error::DoubleFailed`] when doubling it finds no memory: the
    /// kernel's `-ENOMEM`.
    pub fn free_as(&mut self, base: u64, size: u64, caller: impl Into<Label>) -> Result<(), Error> {
        self.log.push(Event::Free { base, size, caller: caller.into() });
        self.remove_range(RegionKind::Reserved, base, size)
    }

    /// `memblock_set_node()` (3.12: memory only): gives `[base, base + size)` node `nid`,
    /// splitting regions at the edges, then merges.
    ///
    /// # Errors
    ///
    /// [`Error::ResizeNotAllowed`] when the array needs more entries than it has before
    /// `memblock_allow_resize()`, and [`Error::DoubleFailed`] when doubling it finds no memory: the
    /// kernel's `-ENOMEM`. [`Error::Bug`] when the merge that follows meets overlapping regions
    /// (the kernel's `BUG_ON`, only after a trim wrapped past 2^64).
    pub fn set_node(&mut self, base: u64, size: u64, nid: Nid) -> Result<(), Error> {
        self.set_node_in(RegionKind::Memory, base, size, nid)
    }

    /// `memblock_set_node()` on either array (the 3.14 form, which takes the type).
    ///
    /// # Errors
    ///
    /// [`Error::ResizeNotAllowed`] when the array needs more entries than it has before
    /// `memblock_allow_resize()`, and [`Error::DoubleFailed`] when doubling it finds no memory: the
    /// kernel's `-ENOMEM`. [`Error::Bug`] when the merge that follows meets overlapping regions
    /// (the kernel's `BUG_ON`, only after a trim wrapped past 2^64).
    pub fn set_node_in(&mut self, kind: RegionKind, base: u64, size: u64, nid: Nid) -> Result<(), Error> {
        let (start, end) = self.isolate_range(kind, base, size)?;
        let ty = self.state.region_type_mut(kind);
        ty.update_range(start..end, |r| r.nid = nid);
        ty.merge(start, end)
    }

    /// Sets or clears `flags` on `[base, base + size)` of memory, splitting regions at the
    /// edges, then merges (the shape of 3.14's `memblock_mark_hotplug` / `_clear_hotplug`).
    ///
    /// # Errors
    ///
    /// [`Error::ResizeNotAllowed`] when the array needs more entries than it has before
    /// `memblock_allow_resize()`, and [`Error::DoubleFailed`] when doubling it finds no memory: the
    /// kernel's `-ENOMEM`. [`Error::Bug`] when the merge that follows meets overlapping regions
    /// (the kernel's `BUG_ON`, only after a trim wrapped past 2^64).
    pub fn set_flags(&mut self, base: u64, size: u64, flags: RegionFlags, on: bool) -> Result<(), Error> {
        let (start, end) = self.isolate_range(RegionKind::Memory, base, size)?;
        let ty = self.state.region_type_mut(RegionKind::Memory);
        ty.update_range(start..end, |r| r.flags.set(flags, on));
        ty.merge(start, end)
    }

    /// `memblock_isolate_range()`: splits regions so that `[base, base + size)` is covered by
    /// whole regions, and returns their index range `[start_rgn, end_rgn)` (`(0, 0)` when
    /// nothing lies inside). Doubles the array first if fewer than two free slots remain.
    ///
    /// # Errors
    ///
    /// [`Error::ResizeNotAllowed`] when the array needs more entries than it has before
    /// `memblock_allow_resize()`, and [`Error::DoubleFailed`] when doubling it finds no memory: the
    /// kernel's `-ENOMEM`.
    pub fn isolate_range(&mut self, kind: RegionKind, base: u64, size: u64) -> Result<(usize, usize), Error> {
        let size = cap_size(base, size);
        if size == 0 {
            return Ok((0, 0));
        }
        let end = base + size;
        while self.state.region_type(kind).cnt() + 2 > self.state.region_type(kind).max() {
            self.double_array(kind, base, size)?;
        }
        let ty = self.state.region_type_mut(kind);
        let (mut start_rgn, mut end_rgn) = (0, 0);
        let mut i = ty.first_ending_above(base);
        while let Some(&r) = ty.regions().get(i) {
            if r.base >= end {
                break;
            }
            if r.end() <= base {
                i += 1;
            } else if r.base < base {
                // Split off the part below `base`; the rest is looked at again as entry i + 1.
                let lower = base - r.base;
                ty.update(i, |m| {
                    m.base = base;
                    m.size -= lower;
                });
                ty.total_sub(lower);
                ty.insert(i, Region { size: lower, ..r });
                ty.mark_unmerged();
                i += 1;
            } else if r.end() > end {
                // Split off the part below `end`; the new entry i is looked at again.
                let inner = end - r.base;
                ty.update(i, |m| {
                    m.base = end;
                    m.size -= inner;
                });
                ty.total_sub(inner);
                ty.insert(i, Region { size: inner, ..r });
                ty.mark_unmerged();
            } else {
                if end_rgn == 0 {
                    start_rgn = i;
                }
                end_rgn = i + 1;
                i += 1;
            }
        }
        Ok((start_rgn, end_rgn))
    }

    /// `memblock_add_region()`: inserts the parts of `[base, base + size)` that no region
    /// covers yet, with `nid` and `flags`, then merges. Nothing is inserted if the array
    /// cannot grow enough.
    pub(crate) fn add_region(
        &mut self,
        kind: RegionKind,
        base: u64,
        size: u64,
        nid: Nid,
        flags: RegionFlags,
    ) -> Result<(), Error> {
        let size = cap_size(base, size);
        if size == 0 {
            return Ok(());
        }
        let end = base + size;
        let new = Region { base, size, nid, flags };
        if self.state.region_type(kind).is_empty() {
            if let Some(w) = self.state.region_type_mut(kind).fill_empty(new) {
                self.warn(w);
            }
            return Ok(());
        }
        if self.state.region_type_mut(kind).add_in_one_gap(new) {
            return Ok(());
        }
        let ty = self.state.region_type(kind);
        let first_piece = next_uncovered(ty, base, end);
        let mut nr_new = 0;
        let mut piece = first_piece;
        while let Some((_, _, piece_end)) = piece {
            nr_new += 1;
            piece = next_uncovered(ty, piece_end, end);
        }
        let mut doubled = false;
        while self.state.region_type(kind).cnt() + nr_new > self.state.region_type(kind).max() {
            self.double_array(kind, base, size)?;
            doubled = true;
        }
        let ty = self.state.region_type_mut(kind);
        if ty.is_out_of_order() {
            // The insertion keeps the overlap, and the merge after it stops the kernel.
            return Err(Error::Bug(Bug::MergeOverlap));
        }
        // Doubling may have changed the reserved array, so then the pieces are found again.
        let mut piece = if doubled { next_uncovered(ty, base, end) } else { first_piece };
        while let Some((at, piece_start, piece_end)) = piece {
            ty.insert_merging(at, Region { base: piece_start, size: piece_end - piece_start, ..new });
            piece = next_uncovered(ty, piece_end, end);
        }
        // The kernel merges the whole array after every insertion pass. Without split regions
        // left by an isolation, the only merges are those of the new pieces, done as they went
        // in; otherwise this is the kernel's whole pass.
        if ty.is_unmerged() {
            ty.merge(0, usize::MAX)?;
        }
        Ok(())
    }

    /// `__memblock_remove()`: takes `[base, base + size)` out of one array.
    pub(crate) fn remove_range(&mut self, kind: RegionKind, base: u64, size: u64) -> Result<(), Error> {
        // Read, not cleared: a doubling inside the isolation must still see split regions.
        let was_unmerged = self.state.region_type(kind).is_unmerged();
        let (start, end) = self.isolate_range(kind, base, size)?;
        let ty = self.state.region_type_mut(kind);
        // The splits at the edges were removed or border the removed range: nothing new to merge.
        ty.restore_unmerged(was_unmerged);
        let warning = ty.remove_range(start..end);
        ty.recheck_order_if_needed();
        if let Some(w) = warning {
            self.warn(w);
        }
        Ok(())
    }

    /// Removes entry `idx` of memory (for `memblock_trim_memory`).
    pub(crate) fn remove_memory_entry(&mut self, idx: usize) {
        if let Some(w) = self.state.memory.remove(idx) {
            self.warn(w);
        }
    }

    pub(crate) fn memory_mut(&mut self) -> &mut RegionType {
        &mut self.state.memory
    }

    /// `memblock_double_array()`: doubles `kind`'s array into memory found by memblock itself
    /// (through the placement policy), keeping clear of `[avoid_base, avoid_base + avoid_size)`
    /// when the reserved array is doubled for a range about to be reserved; reserves the new
    /// array and frees the old one unless it was the static one.
    fn double_array(&mut self, kind: RegionKind, avoid_base: u64, avoid_size: u64) -> Result<(), Error> {
        let max = self.state.region_type(kind).max();
        if !self.state.can_resize {
            return Err(Error::ResizeNotAllowed { kind, max });
        }
        let region_bytes = self.state.config.region_bytes;
        let old_size = (max as u64).saturating_mul(region_bytes);
        let new_size = old_size.saturating_mul(2);
        let (old_alloc, new_alloc) = (page_align(old_size), page_align(new_size));
        let (avoid_base, avoid_size) = match kind {
            RegionKind::Reserved => (avoid_base, avoid_size),
            RegionKind::Memory => (0, 0),
        };
        let limit = self.state.current_limit;
        let grown = self.state.region_type(kind).can_grow_to(max.saturating_mul(2), new_alloc);
        let mut addr = None;
        if grown {
            addr = self.find_in_range(avoid_base + avoid_size, limit, new_alloc, PAGE_SIZE);
            if addr.is_none() && avoid_size != 0 {
                addr = self.find_in_range(0, avoid_base.min(limit), new_alloc, PAGE_SIZE);
            }
        }
        let Some(addr) = addr else {
            self.log.push(Event::DoubleFailed { kind, from: max });
            return Err(Error::DoubleFailed { kind, from: max });
        };
        let old_at = self.state.region_type(kind).array_addr();
        if self.state.region_type_mut(kind).set_max(max * 2, addr).is_err() {
            self.log.push(Event::DoubleFailed { kind, from: max });
            return Err(Error::DoubleFailed { kind, from: max });
        }
        self.log.push(Event::Doubled { kind, new_max: max * 2, addr, bytes: new_size });
        if let Some(old) = old_at {
            self.free_as(old, old_alloc, "memblock_double_array")?;
        }
        self.reserve_as(addr, new_alloc, "memblock_double_array")
    }

    /// `memblock_find_in_range_node()`: a free block of `size` bytes aligned to `align` in
    /// `[start, end)` on node `nid` (or any node), placed by the policy. `end` may be
    /// `MEMBLOCK_ALLOC_ACCESSIBLE` (use `current_limit`) or `MEMBLOCK_ALLOC_ANYWHERE`. The
    /// first page is never returned. `None` is the kernel's 0: nothing fits.
    pub fn find_in_range_node(&mut self, start: u64, end: u64, size: u64, align: u64, nid: Nid) -> Option<u64> {
        let end = if end == MEMBLOCK_ALLOC_ACCESSIBLE { self.state.current_limit } else { end };
        let start = start.max(PAGE_SIZE);
        let end = end.max(start);
        // 3.14's walks still take MAX_NUMNODES as any node, with a warning the placement raises
        // (spec §A.15 item 4).
        let req = FindRequest { start, end, size, align, nid };
        self.placement.find(&self.state, req, &mut self.log).filter(|&a| a != 0)
    }

    /// `memblock_find_in_range()`: [`Memblock::find_in_range_node`] on any node.
    pub fn find_in_range(&mut self, start: u64, end: u64, size: u64, align: u64) -> Option<u64> {
        let any = self.state.config.any_node;
        self.find_in_range_node(start, end, size, align, any)
    }
}
