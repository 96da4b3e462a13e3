//! The same-run baseline: Linux 3.13's memblock algorithm, written here from spec §A/§G (not
//! the kernel's code) with the kernel's costs kept on purpose, so that a benchmark can say how
//! much faster the model is than the kernel's way of doing the same work, measured in the
//! same run on the same workload:
//!
//! - each type is a fixed-capacity array sorted by base; every insertion and removal moves
//!   the tail of the array (`memmove`), and a full array is doubled into memblock memory
//!   (`PAGE_ALIGN(2 × max × 24)` bytes, the old one freed, the new one reserved);
//! - adding a range walks the array from the start twice (count, then insert), then walks
//!   the whole array once more to merge neighbours;
//! - removing a range isolates it with a walk from the start, then removes region by region;
//! - the free-range walks (`__next_free_mem_range` and its reverse) step over the reserved
//!   regions one by one, and the top-down and bottom-up searches stop at the first fit.
//!
//! Only what the workloads use is here: add (with a node), reserve, free, `alloc_nid`, both
//! search directions (the series' bottom-up rule: from `max(start, kernel_end)`, falling back
//! to top-down). Every result is checked equal to the model's before anything is timed.

use memblock_topdown::{MAX_NUMNODES, MemblockState, Nid, RegionType};

const PAGE_SIZE: u64 = 4096;
/// `sizeof(struct memblock_region)` in 3.13.
const REGION_BYTES: u64 = 24;
/// `INIT_MEMBLOCK_REGIONS`.
const INIT_REGIONS: usize = 128;

/// One `struct memblock_region` of 3.13 (no flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rgn {
    pub base: u64,
    pub size: u64,
    pub nid: Nid,
}

impl Rgn {
    fn end(&self) -> u64 {
        self.base + self.size
    }
}

/// One `struct memblock_type`: `regions` has `max` slots, the first `cnt` in use.
#[derive(Debug, Clone)]
pub struct KType {
    pub regions: Vec<Rgn>,
    pub cnt: usize,
    pub max: usize,
    pub total_size: u64,
    /// Where a doubled array lives (`None`: the static array).
    pub array_at: Option<u64>,
}

impl KType {
    fn new() -> Self {
        KType { regions: vec![Rgn::default(); INIT_REGIONS], cnt: 1, max: INIT_REGIONS, total_size: 0, array_at: None }
    }

    /// The real regions (the dummy of an empty array left out).
    pub fn real(&self) -> &[Rgn] {
        if self.cnt == 1 && self.regions[0].size == 0 { &[] } else { &self.regions[..self.cnt] }
    }

    /// A copy of one of the model's arrays, entry for entry.
    fn from_model(t: &RegionType) -> Self {
        let mut regions = vec![Rgn::default(); t.max()];
        for (i, slot) in regions.iter_mut().enumerate().take(t.cnt()) {
            let r = t.entry(i).expect("entries below cnt exist");
            *slot = Rgn { base: r.base, size: r.size, nid: r.nid };
        }
        KType { regions, cnt: t.cnt(), max: t.max(), total_size: t.total_size(), array_at: t.array_addr() }
    }

    fn insert_region(&mut self, idx: usize, base: u64, size: u64, nid: Nid) {
        assert!(self.cnt < self.max, "baseline: insert into a full array");
        self.regions.copy_within(idx..self.cnt, idx + 1);
        self.regions[idx] = Rgn { base, size, nid };
        self.cnt += 1;
        self.total_size += size;
    }

    fn remove_region(&mut self, idx: usize) {
        self.total_size -= self.regions[idx].size;
        self.regions.copy_within(idx + 1..self.cnt, idx);
        self.cnt -= 1;
        if self.cnt == 0 {
            self.cnt = 1;
            self.regions[0] = Rgn { base: 0, size: 0, nid: MAX_NUMNODES };
        }
    }

    fn merge_regions(&mut self) {
        let mut i = 0;
        while i + 1 < self.cnt {
            let (this, next) = (self.regions[i], self.regions[i + 1]);
            if this.end() != next.base || this.nid != next.nid {
                i += 1;
                continue;
            }
            self.regions[i].size += next.size;
            self.regions.copy_within(i + 2..self.cnt, i + 1);
            self.cnt -= 1;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Memory,
    Reserved,
}

/// `struct memblock` the kernel's way, with the series' direction switch.
#[derive(Debug, Clone)]
pub struct KernelMemblock {
    pub memory: KType,
    pub reserved: KType,
    bottom_up: bool,
    kernel_end: u64,
    current_limit: u64,
    can_resize: bool,
}

fn cap_size(base: u64, size: u64) -> u64 {
    size.min(u64::MAX - base)
}

fn round_down(x: u64, align: u64) -> u64 {
    x & !(align - 1)
}

fn round_up(x: u64, align: u64) -> u64 {
    (x.wrapping_sub(1) | (align - 1)).wrapping_add(1)
}

impl KernelMemblock {
    /// An empty memblock; `bottom_up` with the kernel image ending at `kernel_end`.
    pub fn new(bottom_up: bool, kernel_end: u64) -> Self {
        KernelMemblock {
            memory: KType::new(),
            reserved: KType::new(),
            bottom_up,
            kernel_end,
            current_limit: u64::MAX,
            can_resize: false,
        }
    }

    /// A top-down memblock holding exactly the model's arrays, limit and resize switch.
    pub fn from_state(state: &MemblockState) -> Self {
        KernelMemblock {
            memory: KType::from_model(state.memory()),
            reserved: KType::from_model(state.reserved()),
            bottom_up: false,
            kernel_end: 0,
            current_limit: state.current_limit(),
            can_resize: state.can_resize(),
        }
    }

    fn ty(&mut self, kind: Kind) -> &mut KType {
        match kind {
            Kind::Memory => &mut self.memory,
            Kind::Reserved => &mut self.reserved,
        }
    }

    pub fn allow_resize(&mut self) {
        self.can_resize = true;
    }

    pub fn add_node(&mut self, base: u64, size: u64, nid: Nid) -> bool {
        self.add_region(Kind::Memory, base, size, nid)
    }

    pub fn reserve(&mut self, base: u64, size: u64) -> bool {
        self.add_region(Kind::Reserved, base, size, MAX_NUMNODES)
    }

    pub fn free(&mut self, base: u64, size: u64) -> bool {
        self.remove_range(Kind::Reserved, base, size)
    }

    /// `memblock_alloc_nid(size, align, nid)`: 0 when nothing fits.
    pub fn alloc_nid(&mut self, size: u64, align: u64, nid: Nid) -> u64 {
        let size = round_up(size, align);
        let found = self.find_in_range_node(size, align, 0, self.current_limit, nid);
        if found != 0 && self.reserve(found, size) { found } else { 0 }
    }

    /// `memblock_add_region()`: count the new pieces, double until they fit, insert, merge.
    fn add_region(&mut self, kind: Kind, base: u64, size: u64, nid: Nid) -> bool {
        let size = cap_size(base, size);
        let end = base + size;
        if size == 0 {
            return true;
        }
        let t = self.ty(kind);
        if t.regions[0].size == 0 {
            t.regions[0] = Rgn { base, size, nid };
            t.total_size = size;
            return true;
        }
        let mut insert = false;
        loop {
            let t = self.ty(kind);
            let mut b = base;
            let mut nr_new = 0;
            let mut i = 0;
            while i < t.cnt {
                let r = t.regions[i];
                if r.base >= end {
                    break;
                }
                if r.end() > b {
                    if r.base > b {
                        nr_new += 1;
                        if insert {
                            t.insert_region(i, b, r.base - b, nid);
                            i += 1;
                        }
                    }
                    b = r.end().min(end);
                }
                i += 1;
            }
            if b < end {
                nr_new += 1;
                if insert {
                    t.insert_region(i, b, end - b, nid);
                }
            }
            if insert {
                t.merge_regions();
                return true;
            }
            while self.ty(kind).cnt + nr_new > self.ty(kind).max {
                if !self.double_array(kind, base, size) {
                    return false;
                }
            }
            insert = true;
        }
    }

    /// `memblock_isolate_range()` then removal of the isolated regions, last first.
    fn remove_range(&mut self, kind: Kind, base: u64, size: u64) -> bool {
        let size = cap_size(base, size);
        let end = base + size;
        if size == 0 {
            return true;
        }
        while self.ty(kind).cnt + 2 > self.ty(kind).max {
            if !self.double_array(kind, base, size) {
                return false;
            }
        }
        let t = self.ty(kind);
        let (mut start_rgn, mut end_rgn) = (0, 0);
        let mut i = 0;
        while i < t.cnt {
            let r = t.regions[i];
            let (rbase, rend) = (r.base, r.end());
            if rbase >= end {
                break;
            }
            if rend <= base {
                i += 1;
                continue;
            }
            if rbase < base {
                t.regions[i].base = base;
                t.regions[i].size -= base - rbase;
                t.total_size -= base - rbase;
                t.insert_region(i, rbase, base - rbase, r.nid);
            } else if rend > end {
                t.regions[i].base = end;
                t.regions[i].size -= end - rbase;
                t.total_size -= end - rbase;
                t.insert_region(i, rbase, end - rbase, r.nid);
                // Look at the piece just inserted again.
                continue;
            } else {
                if end_rgn == 0 {
                    start_rgn = i;
                }
                end_rgn = i + 1;
            }
            i += 1;
        }
        for i in (start_rgn..end_rgn).rev() {
            t.remove_region(i);
        }
        true
    }

    /// `memblock_double_array()`: a twice bigger array found by a search, the old one freed.
    fn double_array(&mut self, kind: Kind, new_area_start: u64, new_area_size: u64) -> bool {
        if !self.can_resize {
            return false;
        }
        let old_size = self.ty(kind).max as u64 * REGION_BYTES;
        let old_alloc = round_up(old_size, PAGE_SIZE);
        let new_alloc = round_up(old_size * 2, PAGE_SIZE);
        let (area_start, area_size) = if kind == Kind::Reserved { (new_area_start, new_area_size) } else { (0, 0) };
        let limit = self.current_limit;
        let mut addr = self.find_in_range_node(new_alloc, PAGE_SIZE, area_start + area_size, limit, MAX_NUMNODES);
        if addr == 0 && area_size != 0 {
            addr = self.find_in_range_node(new_alloc, PAGE_SIZE, 0, area_start.min(limit), MAX_NUMNODES);
        }
        if addr == 0 {
            return false;
        }
        let t = self.ty(kind);
        let mut bigger = vec![Rgn::default(); t.max * 2];
        bigger[..t.max].copy_from_slice(&t.regions);
        t.regions = bigger;
        t.max *= 2;
        let old_at = t.array_at.replace(addr);
        if let Some(old) = old_at {
            self.free(old, old_alloc);
        }
        assert!(self.reserve(addr, new_alloc), "baseline: reserving the doubled array failed");
        true
    }

    /// `memblock_find_in_range_node()` of the series: bottom-up above the kernel when asked,
    /// else (or on failure) top-down.
    fn find_in_range_node(&self, size: u64, align: u64, start: u64, end: u64, nid: Nid) -> u64 {
        let start = start.max(PAGE_SIZE);
        let end = end.max(start);
        if self.bottom_up && end > self.kernel_end {
            let found = self.find_bottom_up(start.max(self.kernel_end), end, size, align, nid);
            if found != 0 {
                return found;
            }
        }
        self.find_top_down(start, end, size, align, nid)
    }

    fn find_top_down(&self, start: u64, end: u64, size: u64, align: u64, nid: Nid) -> u64 {
        let mut walk = FreeWalk::reverse(self);
        while let Some((s, e)) = walk.prev(self, nid) {
            let (s, e) = (s.clamp(start, end), e.clamp(start, end));
            if e < size {
                continue;
            }
            let cand = round_down(e - size, align);
            if cand >= s {
                return cand;
            }
        }
        0
    }

    fn find_bottom_up(&self, start: u64, end: u64, size: u64, align: u64, nid: Nid) -> u64 {
        let mut walk = FreeWalk::forward();
        while let Some((s, e)) = walk.next(self, nid) {
            let (s, e) = (s.clamp(start, end), e.clamp(start, end));
            let cand = round_up(s, align);
            if cand < e && e - cand >= size {
                return cand;
            }
        }
        0
    }
}

/// The state of `__next_free_mem_range()` and its reverse: a memory index and a reserved
/// "gap" index (gap `ri` lies between reserved regions `ri - 1` and `ri`).
struct FreeWalk {
    mi: isize,
    ri: isize,
}

impl FreeWalk {
    fn forward() -> Self {
        FreeWalk { mi: 0, ri: 0 }
    }

    fn reverse(mb: &KernelMemblock) -> Self {
        FreeWalk { mi: mb.memory.cnt as isize - 1, ri: mb.reserved.cnt as isize }
    }

    /// The gap before reserved region `ri`: `[end of ri - 1, base of ri)`.
    fn gap(rsv: &KType, ri: usize) -> (u64, u64) {
        let start = if ri > 0 { rsv.regions[ri - 1].end() } else { 0 };
        let end = if ri < rsv.cnt { rsv.regions[ri].base } else { u64::MAX };
        (start, end)
    }

    fn next(&mut self, mb: &KernelMemblock, nid: Nid) -> Option<(u64, u64)> {
        let (mem, rsv) = (&mb.memory, &mb.reserved);
        while (self.mi as usize) < mem.cnt {
            let m = mem.regions[self.mi as usize];
            if nid != MAX_NUMNODES && nid != m.nid {
                self.mi += 1;
                continue;
            }
            while (self.ri as usize) < rsv.cnt + 1 {
                let (r_start, r_end) = Self::gap(rsv, self.ri as usize);
                if r_start >= m.end() {
                    break;
                }
                if m.base < r_end {
                    let out = (m.base.max(r_start), m.end().min(r_end));
                    if m.end() <= r_end {
                        self.mi += 1;
                    } else {
                        self.ri += 1;
                    }
                    return Some(out);
                }
                self.ri += 1;
            }
            self.mi += 1;
        }
        None
    }

    fn prev(&mut self, mb: &KernelMemblock, nid: Nid) -> Option<(u64, u64)> {
        let (mem, rsv) = (&mb.memory, &mb.reserved);
        while self.mi >= 0 {
            let m = mem.regions[self.mi as usize];
            if nid != MAX_NUMNODES && nid != m.nid {
                self.mi -= 1;
                continue;
            }
            while self.ri >= 0 {
                let (r_start, r_end) = Self::gap(rsv, self.ri as usize);
                if r_end <= m.base {
                    break;
                }
                if m.end() > r_start {
                    let out = (m.base.max(r_start), m.end().min(r_end));
                    if m.base >= r_start {
                        self.mi -= 1;
                    } else {
                        self.ri -= 1;
                    }
                    return Some(out);
                }
                self.ri -= 1;
            }
            self.mi -= 1;
        }
        None
    }
}
