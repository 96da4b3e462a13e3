//! Simulated physical memory that stores only what is written: page-table pages, each at the
//! physical address the model chose for it.
//!
//! The top-level table (`init_level4_pgt`, the kernel's `swapper_pg_dir`) lives in the kernel
//! image, not in memory memblock hands out, so it is kept apart from the frames. Translation
//! can go through the `x86_64` crate's own walker ([`SimPhysMem::translate`]), which is
//! independent of this crate's code and so a fair referee for tests.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;

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
#[derive(Debug, Clone, Default)]
struct Frames {
    tables: BTreeMap<u64, Box<PageTable>>,
    /// What a walker sees at an address that holds no table: an empty one.
    empty: Box<PageTable>,
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
        self.frames.tables.get(&pa).map(|t| &**t)
    }

    /// The table at `pa`, created empty if nothing was there.
    pub(crate) fn table_mut(&mut self, pa: u64) -> &mut PageTable {
        self.frames.tables.entry(pa).or_insert_with(|| Box::new(PageTable::new()))
    }

    /// `clear_page()` on a freshly allocated table page.
    pub(crate) fn zero_page(&mut self, pa: u64) {
        self.table_mut(pa).zero();
    }

    /// Physical addresses of every page that ever held a table.
    pub fn table_pages(&self) -> impl Iterator<Item = u64> + '_ {
        self.frames.tables.keys().copied()
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
        let table = self.tables.get(&frame.start_address().as_u64()).unwrap_or(&self.empty);
        core::ptr::from_ref::<PageTable>(table).cast_mut()
    }
}
