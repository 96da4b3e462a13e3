//! The benchmarked machines, shared with `x86-mm-bottomup/benches/bottomup.rs` so that both
//! crates time the very same boots, and two references measured in the same run, each for
//! the same number of page-table pages as the mapping took, with no page-table logic at all:
//! the cold "floor" (the pages freshly allocated, zeroed and filled entry by entry) and the
//! warm rewrite (the same bytes written again into pages allocated and touched beforehand: a
//! `memset` and a fill, the least any builder of those tables must do).

#![allow(dead_code)] // each bench uses a subset

use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use memblock_bottomup::{Memblock, PAGE_SIZE, Placement};
use x86_64::PhysAddr;
use x86_64::structures::paging::{PageTable, PageTableFlags as F};
use x86_mm_mapping::{
    CpuFeatures, DirectMap, E820Entry, E820Table, E820Type, INIT_PGT_BUF_SIZE, ISA_END_ADDRESS, MAXMEM, MappingSetup,
    MappingWalk,
};

#[path = "../../../memblock-topdown/benches/conditions/mod.rs"]
mod conditions;
pub use conditions::conditions;

pub const MIB: u64 = 1 << 20;
pub const GIB: u64 = 1 << 30;
/// The BRK buffer of the early page tables, right after the kernel image `[16M, 32M)`.
const PGT_BUF_BASE: u64 = 32 * MIB;

/// A benchmarked machine.
#[derive(Debug, Clone)]
pub struct BenchMachine {
    pub label: &'static str,
    pub e820: E820Table,
    pub cpu: CpuFeatures,
    /// The kernel image `[16M, 32M)`; BRK right after it; `_end` at 36M.
    pub kernel_end: u64,
}

fn ram(start: u64, end: u64) -> E820Entry {
    E820Entry { addr: start, size: end - start, kind: E820Type::Ram }
}

fn machine(label: &'static str, high: (u64, u64), low_end: u64, cpu: CpuFeatures) -> BenchMachine {
    let e820 = E820Table::new(vec![ram(0x1000, 0x9f000), ram(MIB, low_end), ram(high.0, high.1)]).unwrap();
    BenchMachine { label, e820, cpu, kernel_end: 36 * MIB }
}

/// 4 GiB ([1M, 3G) and [4G, 5G)) with 4K pages only (no PSE).
pub fn four_gib_4k() -> BenchMachine {
    machine("4 GiB, 4K pages", (4 * GIB, 5 * GIB), 3 * GIB, CpuFeatures { pse: false, pge: true, gbpages: false })
}

/// 64 GiB ([1M, 2G) and [4G, 66G)) with 4K pages only (no PSE): 32,768 page tables.
pub fn sixty_four_gib_4k() -> BenchMachine {
    machine("64 GiB, 4K pages", (4 * GIB, 66 * GIB), 2 * GIB, CpuFeatures { pse: false, pge: true, gbpages: false })
}

/// 64 GiB ([1M, 2G) and [4G, 66G)) with 2M pages.
pub fn sixty_four_gib_2m() -> BenchMachine {
    machine("64 GiB, 2M pages", (4 * GIB, 66 * GIB), 2 * GIB, CpuFeatures { pse: true, pge: true, gbpages: false })
}

/// RAM up to 1 GiB below MAXMEM (2^46, 64 TiB) with 1G pages.
pub fn sixty_four_tib_1g() -> BenchMachine {
    machine("64 TiB, 1G pages", (4 * GIB, MAXMEM - GIB), 3 * GIB, CpuFeatures { pse: true, pge: true, gbpages: true })
}

pub fn all() -> Vec<BenchMachine> {
    vec![four_gib_4k(), sixty_four_gib_4k(), sixty_four_gib_2m(), sixty_four_tib_1g()]
}

impl BenchMachine {
    /// The state right before `init_mem_mapping()`: memblock filled, the kernel, BRK and the
    /// first 64 KiB reserved; `prepare` may turn bottom-up on.
    pub fn fresh<P: Placement>(
        &self,
        placement: P,
        prepare: impl FnOnce(&mut Memblock<P>),
    ) -> (DirectMap, Memblock<P>) {
        self.fresh_in(placement, prepare, None)
    }

    /// [`BenchMachine::fresh`] with the storage of an earlier run's map, if given
    /// ([`DirectMap::recycle`]).
    pub fn fresh_in<P: Placement>(
        &self,
        placement: P,
        prepare: impl FnOnce(&mut Memblock<P>),
        earlier: Option<DirectMap>,
    ) -> (DirectMap, Memblock<P>) {
        let mut mb = Memblock::with_placement(placement);
        mb.reserve(0, 0x1_0000).unwrap();
        mb.reserve(16 * MIB, PGT_BUF_BASE + INIT_PGT_BUF_SIZE - 16 * MIB).unwrap();
        mb.set_current_limit(ISA_END_ADDRESS);
        self.e820.fill_memblock(&mut mb).unwrap();
        prepare(&mut mb);
        let dm = match earlier {
            Some(dm) => dm.recycle(self.setup()),
            None => DirectMap::new(self.setup()),
        };
        (dm, mb)
    }

    /// What the boot code hands the mapping: the BRK buffer right after the kernel image.
    pub fn setup(&self) -> MappingSetup {
        let (max_pfn, _) = self.e820.end_of_ram_pfn();
        let (max_low_pfn, _) = self.e820.end_of_low_ram_pfn();
        MappingSetup {
            e820: self.e820.clone(),
            cpu: self.cpu,
            direct_gbpages: true,
            pgt_buf_base: PGT_BUF_BASE,
            max_pfn,
            max_low_pfn,
        }
    }
}

/// The floor: `pages` page-table pages, zeroed and every entry written, in one `Vec`.
#[inline(never)]
pub fn floor_fill(pages: usize) -> Vec<PageTable> {
    let mut v: Vec<PageTable> = Vec::with_capacity(pages);
    let flags = F::PRESENT | F::WRITABLE | F::ACCESSED | F::DIRTY | F::NO_EXECUTE;
    for t in 0..pages {
        v.push(PageTable::new());
        let table = v.last_mut().unwrap();
        let base = (t as u64) << 21;
        for (i, e) in table.iter_mut().enumerate() {
            e.set_addr(PhysAddr::new(base + i as u64 * PAGE_SIZE), flags);
        }
    }
    v
}

/// The warm rewrite: every table of `tables` zeroed and every entry written again.
#[inline(never)]
pub fn rewrite(tables: &mut [PageTable]) {
    let flags = F::PRESENT | F::WRITABLE | F::ACCESSED | F::DIRTY | F::NO_EXECUTE;
    for (t, table) in tables.iter_mut().enumerate() {
        table.zero();
        let base = (t as u64) << 21;
        for (i, e) in table.iter_mut().enumerate() {
            e.set_addr(PhysAddr::new(base + i as u64 * PAGE_SIZE), flags);
        }
    }
}

/// Milliseconds of every timed iteration, by benchmark.
static TIMES: Mutex<Vec<(String, Vec<f64>)>> = Mutex::new(Vec::new());

fn record(label: &str, dt: Duration) {
    let mut all = TIMES.lock().unwrap();
    let ms = dt.as_secs_f64() * 1e3;
    match all.iter_mut().find(|(l, _)| l == label) {
        Some((_, v)) => v.push(ms),
        None => all.push((label.to_string(), vec![ms])),
    }
}

/// The median of a benchmark's timed iterations, in milliseconds.
pub fn median(label: &str) -> f64 {
    let all = TIMES.lock().unwrap();
    let mut v = all.iter().find(|(l, _)| l == label).map(|(_, v)| v.clone()).unwrap_or_default();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

pub type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// Where a timed mapping writes its tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Memory {
    /// Memory allocated anew for each run (its pages fault in as the tables are written): to
    /// be laid beside the cold floor.
    Fresh,
    /// The storage of the run before, emptied ([`DirectMap::recycle`]), as a batch of runs
    /// uses it: to be laid beside the warm rewrite.
    Recycled,
}

/// Times `init_mem_mapping()` with `walk` on fresh states built by `new`, given the map of the
/// run before to recycle or not (building the state is not timed, dropping it neither).
/// Returns the page-table pages it took.
pub fn bench_mapping<P: Placement, W: MappingWalk<P>>(
    g: &mut Group<'_>,
    label: &str,
    m: &BenchMachine,
    memory: Memory,
    mut new: impl FnMut(Option<DirectMap>) -> (DirectMap, Memblock<P>),
    mut walk: impl FnMut() -> W,
) -> usize {
    let (mut dm, mut mb) = new(None);
    dm.init_mem_mapping(&mut mb, &mut walk()).unwrap();
    let pages = dm.pgt_pages().len();
    eprintln!("{label}: {} -> {pages} page-table pages, max_pfn_mapped {:#x}", m.label, dm.max_pfn_mapped());
    let mut spare = Some(dm);
    g.bench_function(label, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let earlier = spare.take().filter(|_| memory == Memory::Recycled);
                let (mut dm, mut mb) = new(earlier);
                let mut w = walk();
                let t = Instant::now();
                let r = dm.init_mem_mapping(black_box(&mut mb), &mut w);
                let dt = t.elapsed();
                black_box(r).unwrap();
                total += dt;
                record(label, dt);
                spare = Some(dm);
                drop(mb);
            }
            total
        })
    });
    pages
}

/// Times the floor for `pages` pages (the fill and the allocation; not the drop).
pub fn bench_floor(g: &mut Group<'_>, label: &str, pages: usize) {
    g.bench_function(label, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                let v = floor_fill(black_box(pages));
                let dt = t.elapsed();
                black_box(&v);
                total += dt;
                record(label, dt);
                drop(v);
            }
            total
        })
    });
}

/// Times the warm rewrite of `pages` page-table pages, allocated and written once before.
pub fn bench_rewrite(g: &mut Group<'_>, label: &str, pages: usize) {
    let mut tables = floor_fill(pages);
    g.bench_function(label, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                rewrite(black_box(&mut tables));
                let dt = t.elapsed();
                black_box(&tables);
                total += dt;
                record(label, dt);
            }
            total
        })
    });
}
