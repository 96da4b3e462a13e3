//! Reading the finished tables back: every leaf of the direct mapping, runs of equal page
//! size, and which table page sits at which level. Used for `/proc/meminfo`-style counts,
//! reports, and by the conformance harness.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use x86_64::structures::paging::PageTableFlags as F;

use crate::direct_map::DirectMap;
use crate::phys_mem::PAGE_OFFSET;
use crate::split::{PGDIR_SIZE, PMD_SIZE, PUD_SIZE};

/// The size of a direct-mapping entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PageSize {
    /// 4 KiB (`PG_LEVEL_4K`).
    Size4K,
    /// 2 MiB (`PG_LEVEL_2M`).
    Size2M,
    /// 1 GiB (`PG_LEVEL_1G`).
    Size1G,
}

impl PageSize {
    /// Bytes covered.
    pub const fn bytes(self) -> u64 {
        match self {
            PageSize::Size4K => 4096,
            PageSize::Size2M => PMD_SIZE,
            PageSize::Size1G => PUD_SIZE,
        }
    }

    /// `4k`, `2M` or `1G`, as the kernel's split lines say.
    pub const fn name(self) -> &'static str {
        match self {
            PageSize::Size4K => "4k",
            PageSize::Size2M => "2M",
            PageSize::Size1G => "1G",
        }
    }
}

/// The level a table page serves at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableLevel {
    /// A page of PUD entries (1 GiB each).
    Pud,
    /// A page of PMD entries (2 MiB each).
    Pmd,
    /// A page of PTEs (4 KiB each).
    Pte,
}

/// One run of the direct mapping: `[start, end)` of physical memory, mapped contiguously with
/// pages of one size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapRun {
    /// First physical byte.
    pub start: u64,
    /// End (exclusive).
    pub end: u64,
    /// Page size.
    pub size: PageSize,
}

/// Everything a walk of the tables finds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableWalk {
    /// The runs, in address order.
    pub runs: Vec<MapRun>,
    /// Leaf entries per size: 4K, 2M, 1G.
    pub entries: [u64; 3],
    /// Every table page reachable from the top-level table, with its level (the first
    /// reference's, for a page referenced more than once).
    pub tables: BTreeMap<u64, TableLevel>,
    /// Every reference to a table page, in walk order: a page that several entries point at
    /// (a page handed out twice under the `int ret` bug) appears once per reference.
    pub references: Vec<(u64, TableLevel)>,
}

impl TableWalk {
    /// The level of the table at `pa`, if it is reachable.
    pub fn level_of(&self, pa: u64) -> Option<TableLevel> {
        self.tables.get(&pa).copied()
    }

    fn table(&mut self, pa: u64, level: TableLevel) {
        self.tables.entry(pa).or_insert(level);
        self.references.push((pa, level));
    }

    /// How many references point at tables of `level` (a page referenced twice counts twice).
    pub fn referenced(&self, level: TableLevel) -> usize {
        self.references.iter().filter(|r| r.1 == level).count()
    }

    /// For each page taken, in order, the level of a reference to it, or `None` if no
    /// reference is left for it: a page taken twice and referenced once is referenced for its
    /// first taking and unreferenced for its second.
    pub fn match_taken(&self, taken: impl IntoIterator<Item = u64>) -> Vec<Option<TableLevel>> {
        let mut left: BTreeMap<u64, alloc::collections::VecDeque<TableLevel>> = BTreeMap::new();
        for &(pa, level) in &self.references {
            left.entry(pa).or_default().push_back(level);
        }
        taken.into_iter().map(|pa| left.get_mut(&pa).and_then(|q| q.pop_front())).collect()
    }

    fn leaf(&mut self, pa: u64, size: PageSize) {
        self.entries[size as usize] += 1;
        match self.runs.last_mut() {
            Some(r) if r.end == pa && r.size == size => r.end += size.bytes(),
            _ => self.runs.push(MapRun { start: pa, end: pa + size.bytes(), size }),
        }
    }
}

impl DirectMap {
    /// Walks the direct mapping from the top-level table down, in address order.
    pub fn walk(&self) -> TableWalk {
        let mut w = TableWalk::default();
        let first = ((PAGE_OFFSET / PGDIR_SIZE) % 512) as usize;
        for (g, pgd) in self.mem.pgd().iter().enumerate().skip(first) {
            if pgd.is_unused() {
                continue;
            }
            let pud_pa = pgd.addr().as_u64();
            w.table(pud_pa, TableLevel::Pud);
            let base = (g - first) as u64 * PGDIR_SIZE;
            let Some(pud) = self.mem.table(pud_pa) else { continue };
            for (u, e) in pud.iter().enumerate() {
                let pa = base + u as u64 * PUD_SIZE;
                if e.is_unused() {
                    continue;
                }
                if e.flags().contains(F::HUGE_PAGE) {
                    w.leaf(pa, PageSize::Size1G);
                    continue;
                }
                w.table(e.addr().as_u64(), TableLevel::Pmd);
                let Some(pmd) = self.mem.table(e.addr().as_u64()) else { continue };
                for (m, e) in pmd.iter().enumerate() {
                    let pa = pa + m as u64 * PMD_SIZE;
                    if e.is_unused() {
                        continue;
                    }
                    if e.flags().contains(F::HUGE_PAGE) {
                        w.leaf(pa, PageSize::Size2M);
                        continue;
                    }
                    w.table(e.addr().as_u64(), TableLevel::Pte);
                    let Some(pte) = self.mem.table(e.addr().as_u64()) else { continue };
                    for (t, e) in pte.iter().enumerate() {
                        if !e.is_unused() {
                            w.leaf(pa + t as u64 * 4096, PageSize::Size4K);
                        }
                    }
                }
            }
        }
        w
    }
}
