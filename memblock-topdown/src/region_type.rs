//! One region array, the kernel's `struct memblock_type`: sorted, non-overlapping regions with
//! the counters the kernel reports (`cnt`, `max`, `total_size`).
//!
//! The kernel never lets `cnt` drop to zero: an empty array holds one zero-size dummy region.
//! The model keeps only real regions and reports the dummy where the kernel would show it
//! ([`RegionType::cnt`], [`RegionType::entry`]).

use crate::error::{Bug, Error};
use crate::events::Warning;
use crate::region::{INIT_MEMBLOCK_REGIONS, MAX_NUMNODES, Nid, Region, RegionFlags};
use crate::regions::Regions;
use crate::storage::{RelocateFailed, Storage};

/// Which of memblock's two arrays a [`RegionType`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegionKind {
    /// `memblock.memory`: RAM known to memblock.
    Memory,
    /// `memblock.reserved`: ranges taken by someone.
    Reserved,
}

impl RegionKind {
    /// `memblock_type_name()`: the name the kernel prints.
    pub const fn name(self) -> &'static str {
        match self {
            RegionKind::Memory => "memory",
            RegionKind::Reserved => "reserved",
        }
    }
}

/// `struct memblock_type`.
///
/// Clone (with the `alloc` feature) gives a host-side snapshot, whatever memory the entries
/// live in.
#[derive(Debug)]
#[cfg_attr(feature = "alloc", derive(Clone))]
pub struct RegionType {
    kind: RegionKind,
    regions: Storage,
    max: usize,
    total_size: u64,
    /// nid of the dummy entry while the array is empty: 0 from static initialisation, and
    /// `MAX_NUMNODES` once the array has been emptied by a removal (spec §G.2).
    dummy_nid: Nid,
    /// Physical placement of a doubled array (`None`: the static `__initdata` array).
    array_at: Option<u64>,
    /// Set when a bare isolation may have left mergeable neighbours; the next merge then
    /// walks the whole array, as the kernel always does. While it is clear, no two
    /// neighbours can merge, which is what lets an insertion merge in place.
    unmerged: bool,
    /// Set while two neighbours overlap (a region wrapped by `memblock_trim_memory()`, spec
    /// §G.5): the array is no longer sorted, so walks start at entry 0 as the kernel's do, and
    /// the next merge is the kernel's `BUG_ON`.
    out_of_order: bool,
}

impl RegionType {
    pub(crate) fn new(kind: RegionKind) -> Self {
        RegionType {
            kind,
            regions: Storage::new(),
            max: INIT_MEMBLOCK_REGIONS,
            total_size: 0,
            dummy_nid: 0,
            array_at: None,
            unmerged: false,
            out_of_order: false,
        }
    }

    /// Index access that remembers where it last read, for the free-range walks.
    #[inline]
    pub(crate) fn cursor(&self) -> crate::regions::Cursor<'_> {
        crate::regions::Cursor::new(&self.regions)
    }

    /// Which array this is.
    pub fn kind(&self) -> RegionKind {
        self.kind
    }

    /// The real regions, sorted by base (the dummy of an empty array is not included), read
    /// by index or in order like a slice.
    #[inline]
    pub fn regions(&self) -> Regions<'_> {
        Regions::new(&self.regions)
    }

    /// `cnt`: the number of entries, at least 1 (the dummy of an empty array counts).
    #[inline]
    pub fn cnt(&self) -> usize {
        self.regions.len().max(1)
    }

    /// `max`: the capacity of the array.
    #[inline]
    pub fn max(&self) -> usize {
        self.max
    }

    /// `total_size`: the sum of sizes, as the kernel keeps it (including its drift after
    /// `memblock_trim_memory`, spec §G.6).
    pub fn total_size(&self) -> u64 {
        self.total_size
    }

    /// Whether the array holds no real region.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.regions.len() == 0
    }

    /// `regions[i]` as the kernel holds it: for an empty array, entry 0 is the dummy.
    pub fn entry(&self, i: usize) -> Option<Region> {
        if self.is_empty() {
            (i == 0).then_some(Region { base: 0, size: 0, nid: self.dummy_nid, flags: RegionFlags::empty() })
        } else {
            self.regions.get(i).copied()
        }
    }

    /// Physical address of the array when it was doubled into memblock memory, or `None`
    /// while the static array is in use.
    pub fn array_addr(&self) -> Option<u64> {
        self.array_at
    }

    /// `memblock_search()`: the index of the region containing `addr`. In a sorted array at
    /// most one region contains it, and a seek finds it; on an array out of order, the
    /// kernel's own bisection finds what the kernel finds.
    pub fn search(&self, addr: u64) -> Option<usize> {
        if !self.out_of_order {
            let (mut rs, i) = self.cursor_at_first_ending_above(addr);
            return rs.get(i).filter(|r| r.base <= addr).map(|_| i);
        }
        let rs = self.regions();
        let (mut left, mut right) = (0, rs.len());
        while left < right {
            let mid = (left + right) / 2;
            let r = rs[mid];
            if addr < r.base {
                right = mid;
            } else if addr >= r.end() {
                left = mid + 1;
            } else {
                return Some(mid);
            }
        }
        None
    }

    /// `memblock_overlaps_region()`: the first region that overlaps `[base, base + size)`,
    /// with the kernel's strict test (touching ranges do not overlap; a zero-size range
    /// strictly inside a region does).
    pub fn overlaps(&self, base: u64, size: u64) -> Option<usize> {
        let rs = self.regions();
        let end = base.wrapping_add(size);
        let overlap = |r: &Region| r.base < end && base < r.end();
        if self.out_of_order {
            // The kernel's linear scan.
            return rs.iter().position(overlap);
        }
        // Sorted: only the first region ending above `base` can be the first to overlap.
        let (mut rs, i) = self.cursor_at_first_ending_above(base);
        rs.get(i).filter(|r| overlap(r)).map(|_| i)
    }

    /// Index of the first region that ends above `addr` (0 while the array is out of order:
    /// the kernel's walks start at the first entry).
    #[inline]
    pub(crate) fn first_ending_above(&self, addr: u64) -> usize {
        if self.out_of_order {
            return 0;
        }
        self.regions().partition_point(|r| r.end() <= addr)
    }

    /// All the entries as one slice, when they are one run (a single leaf, or a flat array).
    #[inline]
    pub(crate) fn whole(&self) -> Option<&[Region]> {
        self.regions.whole()
    }

    /// [`RegionType::first_ending_above`] in `run`, this array's [`RegionType::whole`].
    #[inline]
    pub(crate) fn first_ending_above_in(&self, run: &[Region], addr: u64) -> usize {
        if self.out_of_order { 0 } else { run.partition_point(|r| r.end() <= addr) }
    }

    /// A cursor, and the index of the first region that ends above `addr` (as
    /// [`RegionType::first_ending_above`]), found through the cursor.
    #[inline]
    pub(crate) fn cursor_at_first_ending_above(&self, addr: u64) -> (crate::regions::Cursor<'_>, usize) {
        let mut cursor = self.cursor();
        let i = if self.out_of_order { 0 } else { cursor.partition_point(|r| r.end() <= addr) };
        (cursor, i)
    }

    /// Whether two neighbours overlap (only after a `memblock_trim_memory()` that wrapped).
    pub fn is_out_of_order(&self) -> bool {
        self.out_of_order
    }

    /// Looks again whether any neighbours overlap (after a trim that wrapped).
    pub(crate) fn recheck_order(&mut self) {
        let rs = self.regions();
        self.out_of_order = rs.iter().zip(rs.iter().skip(1)).any(|(a, b)| a.end() > b.base);
    }

    /// After a removal: an array out of order may be in order again (a sorted one stays so).
    pub(crate) fn recheck_order_if_needed(&mut self) {
        if self.out_of_order {
            self.recheck_order();
        }
    }

    /// Changes entry `i` in place (the caller keeps the array sorted, or rechecks its order).
    pub(crate) fn update(&mut self, i: usize, f: impl FnOnce(&mut Region)) {
        self.regions.update(i, f);
    }

    /// Changes the entries `range` in place, one by one.
    pub(crate) fn update_range(&mut self, range: core::ops::Range<usize>, mut f: impl FnMut(&mut Region)) {
        for i in range {
            self.regions.update(i, &mut f);
        }
    }

    /// The switch of `memblock_double_array()`: the array now has `max` slots in the block at
    /// physical `at`, where caller-provided storage moves its entries.
    pub(crate) fn set_max(&mut self, max: usize, at: u64) -> Result<(), RelocateFailed> {
        self.regions.relocate(at, max)?;
        self.max = max;
        self.array_at = Some(at);
        Ok(())
    }

    /// Whether the entries can grow to `n` slots in a doubled block of `block_bytes`.
    pub(crate) fn can_grow_to(&self, n: usize, block_bytes: u64) -> bool {
        self.regions.can_grow_to(n, block_bytes)
    }

    /// Moves the entries into caller-provided memory (see [`crate::ArrayMemory`]); `false`
    /// (nothing changed) if they do not fit in `items`.
    pub(crate) fn use_provided(&mut self, items: &'static mut [Region], phys_to_virt: fn(u64) -> *mut u8) -> bool {
        if self.array_at.is_some() || items.len() < self.max {
            return false;
        }
        match self.regions.provided(items, phys_to_virt) {
            Some(storage) => {
                self.regions = storage;
                true
            }
            None => false,
        }
    }

    pub(crate) fn mark_unmerged(&mut self) {
        self.unmerged = true;
    }

    pub(crate) fn take_unmerged(&mut self) -> bool {
        core::mem::replace(&mut self.unmerged, false)
    }

    pub(crate) fn is_unmerged(&self) -> bool {
        self.unmerged
    }

    pub(crate) fn restore_unmerged(&mut self, was: bool) {
        self.unmerged = was;
    }

    pub(crate) fn total_sub(&mut self, n: u64) {
        self.total_size = self.total_size.wrapping_sub(n);
    }

    /// The empty-array case of `memblock_add_region()`: the dummy becomes the region and
    /// `total_size` is *set* to its size. Returns the kernel's warning if the counters were
    /// not those of an empty array.
    pub(crate) fn fill_empty(&mut self, r: Region) -> Option<Warning> {
        let warn = (self.total_size != 0).then_some(Warning::AddToEmptyNotClean);
        self.regions.insert(0, r);
        self.total_size = r.size;
        warn
    }

    /// `memblock_insert_region()`.
    pub(crate) fn insert(&mut self, idx: usize, r: Region) {
        self.regions.insert(idx, r);
        self.total_size = self.total_size.wrapping_add(r.size);
    }

    /// `memblock_insert_region()` followed by the merges of `memblock_merge_regions()` that
    /// the new entry makes possible. `r` must fit between entries `idx - 1` and `idx` without
    /// overlapping them. In an array without mergeable neighbours (the usual state) those are
    /// the only merges, so `r` is joined to a touching compatible neighbour in place instead
    /// of being inserted and merged away: the same array, without moving the tail twice.
    /// Otherwise `r` is inserted and the caller's [`RegionType::merge`] does the rest.
    pub(crate) fn insert_merging(&mut self, idx: usize, r: Region) {
        if self.unmerged {
            return self.insert(idx, r);
        }
        // An array in one run (every small one) grows a neighbour as the slice it is.
        if let Some(run) = self.regions.whole_mut()
            && grow_neighbour(run, idx, r)
        {
            self.total_size = self.total_size.wrapping_add(r.size);
            return;
        }
        let mut neighbours = self.cursor();
        let prev = idx.checked_sub(1).and_then(|i| neighbours.get(i));
        let next = neighbours.get(idx);
        let joins_prev = prev.is_some_and(|p| p.end() == r.base && p.compatible(&r));
        let joins_next = next.filter(|n| r.end() == n.base && n.compatible(&r));
        match (joins_prev, joins_next) {
            (false, None) => self.regions.insert(idx, r),
            (true, None) => self.regions.update(idx - 1, |p| p.size += r.size),
            (false, Some(_)) => self.regions.update(idx, |n| {
                n.base = r.base;
                n.size += r.size;
            }),
            (true, Some(n)) => {
                self.regions.update(idx - 1, |p| p.size += r.size + n.size);
                self.regions.remove(idx);
            }
        }
        self.total_size = self.total_size.wrapping_add(r.size);
    }

    /// The usual `memblock_add_region()` in one step: `r` lies in a single gap of an array in one
    /// run (every small array) that is sorted, fully merged and has room for one more entry.
    /// Then the kernel's walk finds exactly one piece, `r` itself, no doubling, and the merges
    /// are those of [`RegionType::insert_merging`]; the entry is found with one binary search of
    /// the run instead of the walk. `false`, nothing changed, when any of that does not hold
    /// (the caller then walks).
    #[inline]
    pub(crate) fn add_in_one_gap(&mut self, r: Region) -> bool {
        // `cnt + 1 <= max`, `cnt` being the number of entries in a non-empty array.
        if self.unmerged || self.out_of_order || self.regions.len() >= self.max {
            return false;
        }
        let Some(run) = self.regions.whole_mut() else {
            return false;
        };
        if run.is_empty() {
            return false;
        }
        // The first entry that ends above `r.base`: `r` is uncovered if it starts at or above
        // `r`'s end (every entry before it ends at or below `r.base`).
        let idx = run.partition_point(|x| x.end() <= r.base);
        if run.get(idx).is_some_and(|next| next.base < r.end()) {
            return false;
        }
        if grow_neighbour(run, idx, r) {
            self.total_size = self.total_size.wrapping_add(r.size);
        } else {
            self.insert_merging(idx, r);
        }
        true
    }

    /// `memblock_remove_region()`: removes entry `idx`; when the array becomes empty the
    /// dummy is restored with nid `MAX_NUMNODES` and the kernel's `WARN_ON` fires if
    /// `total_size` is not zero (it is reported, not corrected).
    pub(crate) fn remove(&mut self, idx: usize) -> Option<Warning> {
        let r = self.regions.remove(idx);
        self.total_size = self.total_size.wrapping_sub(r.size);
        self.became_empty()
    }

    /// Removes `range` of entries at once (the same result as removing them one by one
    /// from the top, which is what `__memblock_remove()` does).
    pub(crate) fn remove_range(&mut self, range: core::ops::Range<usize>) -> Option<Warning> {
        if range.is_empty() {
            return None;
        }
        let removed: u64 =
            self.regions().iter().skip(range.start).take(range.len()).fold(0u64, |a, r| a.wrapping_add(r.size));
        self.regions.drain(range);
        self.total_size = self.total_size.wrapping_sub(removed);
        self.became_empty()
    }

    fn became_empty(&mut self) -> Option<Warning> {
        if self.is_empty() {
            self.dummy_nid = MAX_NUMNODES;
            (self.total_size != 0).then_some(Warning::TotalSizeNotZero)
        } else {
            None
        }
    }

    /// `memblock_merge_regions()`, restricted to the entries `[lo, hi]` when the array is
    /// known to have been fully merged before the change that touched them. On an array out of
    /// order it is the kernel's `BUG_ON`.
    pub(crate) fn merge(&mut self, lo: usize, hi: usize) -> Result<(), Error> {
        if self.out_of_order {
            return Err(Error::Bug(Bug::MergeOverlap));
        }
        let (mut i, mut stop) = if self.take_unmerged() { (0, usize::MAX) } else { (lo.saturating_sub(1), hi) };
        while i < stop {
            let (Some(&this), Some(&next)) = (self.regions.get(i), self.regions.get(i + 1)) else {
                break;
            };
            if this.end() != next.base || !this.compatible(&next) {
                i += 1;
                continue;
            }
            self.regions.update(i, |r| r.size += next.size);
            self.regions.remove(i + 1);
            stop = stop.saturating_sub(1);
        }
        Ok(())
    }
}

/// The joins of [`RegionType::insert_merging`] that change one entry of `run` in place: `r`
/// touches exactly one compatible neighbour, which grows to cover it. `false` (nothing
/// changed) when `r` is to be inserted or joins both neighbours.
#[inline]
fn grow_neighbour(run: &mut [Region], idx: usize, r: Region) -> bool {
    let joins_prev = idx.checked_sub(1).and_then(|i| run.get(i)).is_some_and(|p| p.end() == r.base && p.compatible(&r));
    let joins_next = run.get(idx).is_some_and(|n| r.end() == n.base && n.compatible(&r));
    match (joins_prev, joins_next, idx.checked_sub(1)) {
        (true, false, Some(prev)) => run[prev].size += r.size,
        (false, true, _) => {
            run[idx].base = r.base;
            run[idx].size += r.size;
        }
        _ => return false,
    }
    true
}
