//! What the behaviour tests of the direct mapping share: a small boot driver (the order of
//! `setup_arch()` up to `init_mem_mapping()`), a placement that records every search memblock
//! was asked for, the machines worked by hand, and checkers that look at the finished tables
//! through two walkers (this crate's `DirectMap::walk` and the `x86_64` crate's
//! `Translate`), never through the code that built them.
//!
//! `x86-mm-bottomup`'s tests include this file too (`#[path]`), so that both directions are
//! checked on the very same machines.

#![allow(dead_code)]

use std::collections::BTreeSet;

use memblock_bottomup::{EventLog, FindRequest, Memblock, MemblockState, PAGE_SIZE, Placement};
use x86_64::VirtAddr;
use x86_64::structures::paging::mapper::{MappedFrame, TranslateResult};
use x86_mm_mapping::{
    CpuFeatures, DirectMap, E820Entry, E820Table, E820Type, Error, INIT_PGT_BUF_SIZE, ISA_END_ADDRESS, MapEvent,
    MappingSetup, MappingWalk, PAGE_OFFSET, PageSize, PgtSource,
};

pub const KIB: u64 = 1 << 10;
pub const MIB: u64 = 1 << 20;
pub const GIB: u64 = 1 << 30;
pub const TIB: u64 = 1 << 40;

/// `[start, end)` of RAM.
pub fn ram(start: u64, end: u64) -> E820Entry {
    E820Entry { addr: start, size: end - start, kind: E820Type::Ram }
}

/// `[start, end)` reserved by the firmware.
pub fn reserved(start: u64, end: u64) -> E820Entry {
    E820Entry { addr: start, size: end - start, kind: E820Type::Reserved }
}

/// A 2013 server: PSE, PGE and 1 GiB pages.
pub const CPU_GB: CpuFeatures = CpuFeatures { pse: true, pge: true, gbpages: true };
/// PSE but no 1 GiB pages (QEMU's `qemu64`).
pub const CPU_2M: CpuFeatures = CpuFeatures { pse: true, pge: true, gbpages: false };
/// No PSE: 4 KiB pages only.
pub const CPU_4K: CpuFeatures = CpuFeatures { pse: false, pge: true, gbpages: false };

/// A machine for the tests: the BIOS map, the CPU, where the kernel image sits, and what the
/// boot loader reserved besides.
#[derive(Debug, Clone)]
pub struct TestMachine {
    pub name: &'static str,
    pub e820: Vec<E820Entry>,
    pub cpu: CpuFeatures,
    /// `direct_gbpages` (on unless `nogbpages`).
    pub direct_gbpages: bool,
    /// Physical `_text`.
    pub text: u64,
    /// Physical `__bss_stop`; the BRK (and its 6-page page-table buffer) starts at its page.
    pub bss_stop: u64,
    /// Physical `_end` = `kernel_end`.
    pub kernel_end: u64,
    /// Other early reservations `[start, end)` (initrd, ...).
    pub reserves: Vec<(u64, u64)>,
}

impl TestMachine {
    /// The BRK page-table buffer: `early_alloc_pgt_buf()` takes it right at the start of BRK,
    /// which starts at the page after `__bss_stop` (nothing else used BRK before it here).
    pub fn pgt_buf_base(&self) -> u64 {
        self.bss_stop.next_multiple_of(PAGE_SIZE)
    }

    /// The end of the 6-page buffer, i.e. of the BRK that `reserve_brk()` reserves.
    pub fn brk_end(&self) -> u64 {
        self.pgt_buf_base() + INIT_PGT_BUF_SIZE
    }

    /// Every early reservation, in the order `setup_arch()` makes them: `[0, 64 KiB)`
    /// (`trim_low_memory_range`), the kernel image `[_text, __bss_stop)`, the used BRK, then the
    /// machine's own. Note what is *not* reserved: `[brk_end, _end)`, the unused tail of BRK.
    pub fn early_reserved(&self) -> Vec<(u64, u64)> {
        let mut v = vec![(0, 64 * KIB), (self.text, self.bss_stop), (self.pgt_buf_base(), self.brk_end())];
        v.extend(self.reserves.iter().copied());
        v
    }

    /// RAM as memblock will hold it, worked out from the e820 list directly: RAM entries
    /// with partial pages dropped (`memblock_trim_memory(PAGE_SIZE)`).
    pub fn ram_ranges(&self) -> Vec<(u64, u64)> {
        let mut v: Vec<(u64, u64)> = self
            .e820
            .iter()
            .filter(|e| e.kind == E820Type::Ram)
            .map(|e| (e.addr.next_multiple_of(PAGE_SIZE), e.end() / PAGE_SIZE * PAGE_SIZE))
            .filter(|(s, e)| s < e)
            .collect();
        v.sort();
        v
    }

    /// The end of RAM (`max_pfn << 12`).
    pub fn ram_end(&self) -> u64 {
        self.ram_ranges().last().unwrap().1
    }

    /// Free pages at or above `from`, lowest first, worked out from the RAM and the early
    /// reservations (not from memblock): where bottom-up page tables must go.
    pub fn free_pages_from(&self, from: u64, count: usize) -> Vec<u64> {
        let reserved = self.early_reserved();
        let mut out = Vec::with_capacity(count);
        for (s, e) in self.ram_ranges() {
            let mut pa = s.max(from);
            while pa < e && out.len() < count {
                match reserved.iter().find(|&&(rs, re)| pa >= rs && pa < re) {
                    Some(&(_, re)) => pa = re.next_multiple_of(PAGE_SIZE),
                    None => {
                        out.push(pa);
                        pa += PAGE_SIZE;
                    }
                }
            }
        }
        out
    }
}

/// A placement that remembers every search (the normalised window, the answer) and lets an
/// inner placement answer: what `memblock_find_in_range()` was asked, as the kernel's
/// `memblock=debug` trace would print it (`from=`, `max_addr=`).
#[derive(Debug, Clone, Default)]
pub struct Recorder<P> {
    pub inner: P,
    pub finds: Vec<(FindRequest, Option<u64>)>,
}

impl<P: Placement> Placement for Recorder<P> {
    fn find(&mut self, state: &MemblockState, req: FindRequest, log: &mut EventLog) -> Option<u64> {
        let found = self.inner.find(state, req, log);
        self.finds.push((req, found));
        found
    }
}

/// The outcome of a boot.
#[derive(Debug)]
pub struct Booted<P> {
    pub dm: DirectMap,
    pub mb: Memblock<P>,
    pub result: Result<(), Error>,
}

/// The boot path up to and including `init_mem_mapping()`: early reservations, the 1 MiB
/// limit, `memblock_x86_fill()`, `prepare` (where a test turns bottom-up on, as `movable_node`
/// does), `max_pfn`/`max_low_pfn` from e820, `early_alloc_pgt_buf()`, then the mapping.
pub fn boot<P: Placement, W: MappingWalk<P>>(
    m: &TestMachine,
    placement: P,
    prepare: impl FnOnce(&mut Memblock<P>),
    walk: &mut W,
) -> Booted<P> {
    boot_in(m, placement, prepare, walk, None)
}

/// [`boot`] in the storage of an earlier mapping, if given (`DirectMap::recycle`).
pub fn boot_in<P: Placement, W: MappingWalk<P>>(
    m: &TestMachine,
    placement: P,
    prepare: impl FnOnce(&mut Memblock<P>),
    walk: &mut W,
    earlier: Option<DirectMap>,
) -> Booted<P> {
    let mut mb = Memblock::with_placement(placement);
    for (s, e) in m.early_reserved() {
        mb.reserve(s, e - s).unwrap();
    }
    let e820 = E820Table::new(m.e820.clone()).unwrap();
    mb.set_current_limit(ISA_END_ADDRESS);
    e820.fill_memblock(&mut mb).unwrap();
    prepare(&mut mb);
    let (max_pfn, _) = e820.end_of_ram_pfn();
    let max_low_pfn = if max_pfn > 1 << 20 { e820.end_of_low_ram_pfn().0 } else { max_pfn };
    let setup = MappingSetup {
        e820,
        cpu: m.cpu,
        direct_gbpages: m.direct_gbpages,
        pgt_buf_base: m.pgt_buf_base(),
        max_pfn,
        max_low_pfn,
    };
    let mut dm = match earlier {
        Some(dm) => dm.recycle(setup),
        None => DirectMap::new(setup),
    };
    let result = dm.init_mem_mapping(&mut mb, walk);
    Booted { dm, mb, result }
}

/// Where the expected page size of the direct mapping changes: `[start, end)` mapped with
/// `size`, worked out by hand for each machine.
pub type Layout = &'static [(u64, u64, PageSize)];

fn expected_size(layout: Layout, pa: u64) -> Option<PageSize> {
    layout.iter().find(|&&(s, e, _)| pa >= s && pa < e).map(|&(_, _, size)| size)
}

/// Sample pages of `[start, end)`: its first and last page, the first and last page of
/// every piece of `layout` inside it, and one page every `stride` bytes.
fn samples(start: u64, end: u64, layout: Layout, stride: u64) -> BTreeSet<u64> {
    let mut v = BTreeSet::new();
    v.insert(start);
    v.insert(end - PAGE_SIZE);
    for &(s, e, _) in layout {
        for pa in [s, e - PAGE_SIZE] {
            if pa >= start && pa < end {
                v.insert(pa);
            }
        }
    }
    let mut pa = start;
    while pa < end {
        v.insert(pa / PAGE_SIZE * PAGE_SIZE);
        pa += stride;
    }
    v
}

/// A byte inside the sampled page, different from page to page, so that the offset inside
/// a 4K, 2M or 1G page is checked too.
fn byte_in(page: u64) -> u64 {
    page + (page >> 12).wrapping_mul(0x1a8) % PAGE_SIZE
}

/// Proves that every sampled byte of `ranges` is mapped at `PAGE_OFFSET + pa` with the page
/// size `layout` gives it, twice: through the runs of `DirectMap::walk()` and through the
/// `x86_64` crate's page-table walker. Returns the number of pages checked.
pub fn check_mapped(dm: &mut DirectMap, ranges: &[(u64, u64)], layout: Layout, stride: u64) -> usize {
    let runs = dm.walk().runs;
    let mut checked = 0;
    for &(start, end) in ranges {
        for pa in samples(start, end, layout, stride).into_iter().map(byte_in) {
            let want = expected_size(layout, pa).unwrap_or_else(|| panic!("{pa:#x} is outside the layout"));
            let run = runs.iter().find(|r| pa >= r.start && pa < r.end);
            let run = run.unwrap_or_else(|| panic!("the walk finds no mapping of {pa:#x}"));
            assert_eq!(run.size, want, "walk: page size at {pa:#x}");
            let va = VirtAddr::new(PAGE_OFFSET + pa);
            match dm.mem_mut().translate(va) {
                TranslateResult::Mapped { frame, offset, flags } => {
                    assert_eq!(frame.start_address().as_u64() + offset, pa, "x86_64: {va:?} -> wrong frame");
                    let size = match frame {
                        MappedFrame::Size4KiB(_) => PageSize::Size4K,
                        MappedFrame::Size2MiB(_) => PageSize::Size2M,
                        MappedFrame::Size1GiB(_) => PageSize::Size1G,
                    };
                    assert_eq!(size, want, "x86_64: page size at {pa:#x}");
                    use x86_64::structures::paging::PageTableFlags as F;
                    assert!(flags.contains(F::PRESENT | F::WRITABLE | F::NO_EXECUTE), "flags at {pa:#x}: {flags:?}");
                }
                other => panic!("x86_64: {va:?} (pa {pa:#x}) is not mapped: {other:?}"),
            }
            checked += 1;
        }
    }
    checked
}

/// Proves that sampled addresses of each hole are not mapped, through both walkers.
pub fn check_unmapped(dm: &mut DirectMap, holes: &[(u64, u64)], stride: u64) -> usize {
    let runs = dm.walk().runs;
    let mut checked = 0;
    for &(start, end) in holes {
        for pa in samples(start, end, &[], stride).into_iter().map(byte_in) {
            assert!(!runs.iter().any(|r| pa >= r.start && pa < r.end), "walk: hole byte {pa:#x} is mapped");
            let va = VirtAddr::new(PAGE_OFFSET + pa);
            assert!(
                matches!(dm.mem_mut().translate(va), TranslateResult::NotMapped),
                "x86_64: hole byte {pa:#x} is mapped"
            );
            checked += 1;
        }
    }
    checked
}

/// The `init_memory_mapping: [mem ...]` calls, in order, as `[start, end)`.
pub fn chunks(dm: &DirectMap) -> Vec<(u64, u64)> {
    dm.events()
        .iter()
        .filter_map(|e| match e {
            MapEvent::InitMemoryMapping { start, end } => Some((*start, *end)),
            _ => None,
        })
        .collect()
}

/// Physical addresses of the page-table pages taken from `source`, in order.
pub fn pgt_from(dm: &DirectMap, source: PgtSource) -> Vec<u64> {
    dm.pgt_pages().iter().filter(|p| p.source == source).map(|p| p.pa).collect()
}

/// A page-table page, where it came from, and the ranges mapped before it was taken.
pub type TakenAfter = (u64, PgtSource, Vec<(u64, u64)>);

/// For every page-table page, the `init_memory_mapping` ranges that had been *completed*
/// when it was taken (the call in progress does not count).
pub fn mapped_before_each_pgt(dm: &DirectMap) -> Vec<TakenAfter> {
    let mut done: Vec<(u64, u64)> = Vec::new();
    let mut current: Option<(u64, u64)> = None;
    let mut out = Vec::new();
    for ev in dm.events() {
        match ev {
            MapEvent::InitMemoryMapping { start, end } => {
                if let Some(c) = current.replace((*start, *end)) {
                    done.push(c);
                }
            }
            MapEvent::PageTable { pa, source } => out.push((*pa, *source, done.clone())),
            _ => {}
        }
    }
    out
}

/// The common page-table checks: every table page is referenced by the tables (and no other
/// page is), lies in RAM, BRK pages come in order from the 6-page buffer, memblock pages are
/// reserved in memblock.
pub fn check_pgt_pages<P>(m: &TestMachine, b: &Booted<P>) {
    let pages = b.dm.pgt_pages();
    let walk = b.dm.walk();
    let taken: BTreeSet<u64> = pages.iter().map(|p| p.pa).collect();
    assert_eq!(taken.len(), pages.len(), "a page was taken twice");
    let reachable: BTreeSet<u64> = walk.tables.keys().copied().collect();
    assert_eq!(reachable, taken, "the tables reachable from the PGD are exactly the pages taken");
    let ram = m.ram_ranges();
    for p in pages {
        assert!(ram.iter().any(|&(s, e)| p.pa >= s && p.pa + PAGE_SIZE <= e), "table {:#x} is not in RAM", p.pa);
    }
    let brk = pgt_from(&b.dm, PgtSource::Brk);
    let want: Vec<u64> = (0..brk.len() as u64).map(|i| m.pgt_buf_base() + i * PAGE_SIZE).collect();
    assert_eq!(brk, want, "BRK pages are handed out in order from the buffer");
    assert!(brk.len() <= 6);
    for pa in pgt_from(&b.dm, PgtSource::Memblock) {
        assert!(
            b.mb.reserved().regions().iter().any(|r| pa >= r.base && pa + PAGE_SIZE <= r.base + r.size),
            "memblock table {pa:#x} is not reserved"
        );
        assert!(!m.early_reserved().iter().any(|&(s, e)| pa < e && pa + PAGE_SIZE > s), "{pa:#x} was reserved already");
    }
}

// ---------------------------------------------------------------------------------------
// The machines of the behaviour tests (both directions). Their expected layouts are worked
// out in `init_mem_mapping_machines.rs`.

/// The first MiB of a PC: page 0 reserved, RAM up to the EBDA, the BIOS area reserved.
fn pc_low() -> Vec<E820Entry> {
    vec![reserved(0, 0x1000), ram(0x1000, 0x9f000), reserved(0x9f000, 0xa0000), reserved(0xf0000, MIB)]
}

/// A few MiB: RAM [1 MiB, 12 MiB); the kernel image [2 MiB, 5 MiB), BRK right after it,
/// `_end` at 6 MiB.
pub fn few_mib(cpu: CpuFeatures) -> TestMachine {
    let mut e820 = pc_low();
    e820.push(ram(MIB, 12 * MIB));
    TestMachine {
        name: "few-mib",
        e820,
        cpu,
        direct_gbpages: true,
        text: 2 * MIB,
        bss_stop: 5 * MIB,
        kernel_end: 6 * MIB,
        reserves: vec![],
    }
}

/// 4 GiB of RAM with the PCI hole: [1 MiB, 0xbff80000) (ACPI tables above it), nothing
/// usable in [3 GiB, 4 GiB), and [4 GiB, 5 GiB). The kernel at 16 MiB, `_end` at 36 MiB.
pub fn four_gib(cpu: CpuFeatures) -> TestMachine {
    let mut e820 = pc_low();
    e820.extend([
        ram(MIB, 0xbff8_0000),
        E820Entry { addr: 0xbff8_0000, size: 0x8_0000, kind: E820Type::Acpi },
        reserved(0xfec0_0000, 4 * GIB),
        ram(4 * GIB, 5 * GIB),
    ]);
    TestMachine {
        name: "4g-pci-hole",
        e820,
        cpu,
        direct_gbpages: true,
        text: 16 * MIB,
        bss_stop: 32 * MIB,
        kernel_end: 36 * MIB,
        reserves: vec![],
    }
}

/// 64 GiB: [1 MiB, 2 GiB) and [4 GiB, 66 GiB); same kernel as [`four_gib`].
pub fn sixty_four_gib(cpu: CpuFeatures) -> TestMachine {
    let mut e820 = pc_low();
    e820.extend([ram(MIB, 2 * GIB), reserved(0xfec0_0000, 4 * GIB), ram(4 * GIB, 66 * GIB)]);
    TestMachine { name: "64g", e820, ..four_gib(cpu) }
}

/// 1 TiB: [1 MiB, 3 GiB) and [4 GiB, 1 TiB + 1 GiB), across three 512 GiB PGD slots.
pub fn one_tib(cpu: CpuFeatures) -> TestMachine {
    let mut e820 = pc_low();
    e820.extend([ram(MIB, 3 * GIB), reserved(3 * GIB, 4 * GIB), ram(4 * GIB, TIB + GIB)]);
    TestMachine { name: "1t", e820, ..four_gib(cpu) }
}

/// Runs every machine of `testdata/conformance/x86map/` through the harness with memblock
/// bottom-up or not and `walk`, and compares with the kernel's `.{suffix}.out` byte for byte.
/// Returns one line per machine that differs.
pub fn x86map_conformance(
    suffix: &str,
    bottom_up: bool,
    walk: &mut dyn MappingWalk<memblock_bottomup::BottomUpPlacement>,
) -> Vec<String> {
    use memblock_bottomup::memblock_topdown::oplang::first_difference;
    use x86_mm_mapping::harness::{Machine, run};
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/conformance/x86map");
    assert!(dir.is_dir(), "the conformance data is missing: expected {}", dir.display());
    let mut machines: Vec<std::path::PathBuf> =
        std::fs::read_dir(dir.join("machines")).unwrap().map(|e| e.unwrap().path()).collect();
    machines.sort();
    assert_eq!(machines.len(), 15, "the x86map set has 15 machines");
    let mut failures = Vec::new();
    for path in &machines {
        let machine = Machine::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let expected = std::fs::read_to_string(dir.join("expected").join(format!("{stem}.{suffix}.out"))).unwrap();
        let got = run(&machine, bottom_up, walk).output;
        if let Some(diff) = first_difference(&got, &expected) {
            failures.push(format!("{stem}.{suffix}: {diff}"));
        }
    }
    failures
}
