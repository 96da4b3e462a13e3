//! Simulated physical memory that stores only what is written: page-table pages, each at the
//! physical address the model chose for it.
//!
//! The top-level table (`init_level4_pgt`, the kernel's `swapper_pg_dir`) lives in the kernel
//! image, not in memory memblock hands out, so it is kept apart from the frames. Translation
//! can go through the `x86_64` crate's own walker ([`SimPhysMem::translate`]), which is
//! independent of this crate's code and so a fair referee for tests.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use x86_64::VirtAddr;
use x86_64::structures::paging::mapper::{MappedPageTable, PageTableFrameMapping, Translate, TranslateResult};
use x86_64::structures::paging::{PageTable, PhysFrame};

/// `PAGE_OFFSET` of 3.13 on x86-64: where the direct mapping of physical address 0 starts.
pub const PAGE_OFFSET: u64 = 0xffff_8800_0000_0000;

/// `__va(pa)`: the direct-mapping address of a physical address.
pub fn phys_to_virt(pa: u64) -> VirtAddr {
    VirtAddr::new_truncate(PAGE_OFFSET.wrapping_add(pa))
}

/// Page-table pages keyed by physical address, plus the top-level table.
#[derive(Debug, Clone)]
pub struct SimPhysMem {
    pgd: Box<PageTable>,
    frames: Frames,
}

/// The frames half of [`SimPhysMem`], kept apart so that the top-level table can be borrowed
/// mutably while the walker reads the frames.
///
/// Tables live in slabs of growing size (16, 32, ... up to 512 tables, 2 MiB), so that a
/// mapping with thousands of tables makes a few large allocations rather than one per table.
#[derive(Debug, Clone, Default)]
struct Frames {
    /// Physical address of each table -> (slab, index in the slab).
    index: BTreeMap<u64, (u32, u32)>,
    /// Each slab is allocated at its full capacity and never grows past it, so tables do
    /// not move; a table is zeroed when it is handed out.
    slabs: Vec<Vec<PageTable>>,
    /// What a walker sees at an address that holds no table: an empty one.
    empty: Box<PageTable>,
}

impl Frames {
    const FIRST_SLAB: usize = 16;
    const MAX_SLAB: usize = 512;

    fn get(&self, pa: u64) -> Option<&PageTable> {
        let &(slab, i) = self.index.get(&pa)?;
        Some(&self.slabs[slab as usize][i as usize])
    }

    /// The table at `pa`, a new zeroed one if there was none; and whether it is new.
    fn get_or_insert(&mut self, pa: u64) -> (&mut PageTable, bool) {
        let (at, new) = match self.index.get(&pa) {
            Some(&at) => (at, false),
            None => {
                if self.slabs.last().is_none_or(|s| s.len() == s.capacity()) {
                    let len = (Self::FIRST_SLAB << self.slabs.len().min(5)).min(Self::MAX_SLAB);
                    self.slabs.push(Vec::with_capacity(len));
                }
                let last = self.slabs.len() - 1;
                let slab = &mut self.slabs[last];
                slab.push(PageTable::new());
                let at = (last as u32, (slab.len() - 1) as u32);
                self.index.insert(pa, at);
                (at, true)
            }
        };
        (&mut self.slabs[at.0 as usize][at.1 as usize], new)
    }
}

impl Default for SimPhysMem {
    fn default() -> Self {
        SimPhysMem { pgd: Box::new(PageTable::new()), frames: Frames::default() }
    }
}

impl SimPhysMem {
    /// Empty memory and an empty top-level table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The top-level table (PGD).
    pub fn pgd(&self) -> &PageTable {
        &self.pgd
    }

    pub(crate) fn pgd_mut(&mut self) -> &mut PageTable {
        &mut self.pgd
    }

    /// The table stored at `pa`, if a table page was ever placed there.
    pub fn table(&self, pa: u64) -> Option<&PageTable> {
        self.frames.get(pa)
    }

    /// The table at `pa`, created empty if nothing was there.
    pub(crate) fn table_mut(&mut self, pa: u64) -> &mut PageTable {
        self.frames.get_or_insert(pa).0
    }

    /// `clear_page()` on a freshly allocated table page.
    pub(crate) fn zero_page(&mut self, pa: u64) {
        // A new table starts zeroed; only a page that held a table before needs clearing.
        if let (table, false) = self.frames.get_or_insert(pa) {
            table.zero();
        }
    }

    /// Physical addresses of every page that ever held a table.
    pub fn table_pages(&self) -> impl Iterator<Item = u64> + '_ {
        self.frames.index.keys().copied()
    }

    /// Translates a virtual address through the tables with the `x86_64` crate's walker.
    pub fn translate(&mut self, va: VirtAddr) -> TranslateResult {
        // SAFETY: `Frames` maps each frame either to a table it owns or to its own empty
        // table, every pointer stays valid while `self` is borrowed, and the walker only reads.
        let mapper = unsafe { MappedPageTable::new(&mut self.pgd, &self.frames) };
        mapper.translate(va)
    }
}

// SAFETY: `frame_to_pointer` returns a pointer to a live, properly aligned `PageTable` owned by
// `Frames` (or to its empty table) for as long as the `Frames` is borrowed. The walker built on
// it (`SimPhysMem::translate`) only reads through it.
unsafe impl PageTableFrameMapping for Frames {
    fn frame_to_pointer(&self, frame: PhysFrame) -> *mut PageTable {
        let table = self.get(frame.start_address().as_u64()).unwrap_or(&self.empty);
        core::ptr::from_ref::<PageTable>(table).cast_mut()
    }
}
