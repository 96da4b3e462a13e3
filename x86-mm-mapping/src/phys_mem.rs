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

/// Pages of one 2 MiB block: for each of its 512 pages, the [`Slot`] of the table stored
/// there plus one, 0 where there is none.
type BlockDir = [u32; 512];

/// Where a table lives: slab `slot >> 9`, index `slot & 511`.
type Slot = usize;

/// The frames half of [`SimPhysMem`], kept apart so that the top-level table can be borrowed
/// mutably while the walker reads the frames.
///
/// Tables live in slabs of growing size (16, 32, ... up to 512 tables, 2 MiB), so that a
/// mapping with thousands of tables makes a few large allocations rather than one per table.
/// A table is found through the directory of its 2 MiB block: page tables are taken a few at a
/// time from the same blocks, so the one-entry cache of the last block serves nearly every
/// lookup of a mapping without searching the map of blocks.
#[derive(Debug, Clone, Default)]
struct Frames {
    /// 2 MiB block number (`pa >> 21`) -> index of its directory in `dirs`, in address order.
    blocks: BTreeMap<u64, u32>,
    /// The block directories; those past `blocks.len()` are zeroed spares from a [`clear`].
    ///
    /// [`clear`]: Frames::clear
    dirs: Vec<BlockDir>,
    /// The last block looked up by [`Frames::get_or_insert`] and its directory.
    last: Option<(u64, u32)>,
    /// Each slab is allocated at its full capacity and never grows past it, so tables do
    /// not move; a table is zeroed when it is handed out.
    slabs: Vec<Vec<PageTable>>,
    /// The slab new tables go to (slabs after it are empty spares from a [`Frames::clear`]).
    filling: usize,
    /// What a walker sees at an address that holds no table: an empty one.
    empty: Box<PageTable>,
}

impl Frames {
    const FIRST_SLAB: usize = 16;
    const MAX_SLAB: usize = 512;

    /// The number of tables slab `n` holds.
    fn slab_len(n: usize) -> usize {
        (Self::FIRST_SLAB << n.min(5)).min(Self::MAX_SLAB)
    }

    /// The block of `pa` and the page's index in it; `None` for an address no table can have.
    fn split(pa: u64) -> Option<(u64, usize)> {
        pa.is_multiple_of(4096).then_some((pa >> 21, ((pa >> 12) & 511) as usize))
    }

    fn table(&self, slot: Slot) -> &PageTable {
        &self.slabs[slot >> 9][slot & 511]
    }

    fn get(&self, pa: u64) -> Option<&PageTable> {
        let (block, page) = Self::split(pa)?;
        let &dir = self.blocks.get(&block)?;
        let slot = self.dirs[dir as usize][page].checked_sub(1)?;
        Some(self.table(slot as Slot))
    }

    /// The directory of `block`, a new (zeroed) one if the block had none.
    fn dir_mut(&mut self, block: u64) -> &mut BlockDir {
        let dir = match self.last {
            Some((b, dir)) if b == block => dir,
            _ => {
                let used = self.blocks.len();
                let dir = *self.blocks.entry(block).or_insert(used as u32);
                if dir as usize == self.dirs.len() {
                    self.dirs.push([0; 512]);
                }
                self.last = Some((block, dir));
                dir
            }
        };
        &mut self.dirs[dir as usize]
    }

    /// A new zeroed table in the slab being filled.
    fn new_table(&mut self) -> Slot {
        if self.filling == self.slabs.len() {
            self.slabs.push(Vec::with_capacity(Self::slab_len(self.filling)));
        }
        let slab = &mut self.slabs[self.filling];
        slab.push(PageTable::new());
        let slot = (self.filling << 9) | (slab.len() - 1);
        if slab.len() == Self::slab_len(self.filling) {
            self.filling += 1;
        }
        slot
    }

    /// The table at `pa`, a new zeroed one if there was none; and whether it is new.
    ///
    /// `pa` is page aligned: it comes from `alloc_low_page()` or from a table entry.
    fn get_or_insert(&mut self, pa: u64) -> (&mut PageTable, bool) {
        let (block, page) = (pa >> 21, ((pa >> 12) & 511) as usize);
        let (slot, new) = match self.dir_mut(block)[page].checked_sub(1) {
            Some(slot) => (slot as Slot, false),
            None => {
                let slot = self.new_table();
                // A slot is below 2^32: it would take 16 TiB of tables to pass it.
                self.dir_mut(block)[page] = (slot + 1) as u32;
                (slot, true)
            }
        };
        (&mut self.slabs[slot >> 9][slot & 511], new)
    }

    /// Every page that holds a table, in address order.
    fn pages(&self) -> impl Iterator<Item = u64> + '_ {
        self.blocks.iter().flat_map(move |(&block, &dir)| {
            let dir = &self.dirs[dir as usize];
            (0..512u64).filter(move |&page| dir[page as usize] != 0).map(move |page| (block << 21) | (page << 12))
        })
    }

    /// Forgets every table, keeping the slabs and the directories for the next tables.
    fn clear(&mut self) {
        for dir in &mut self.dirs[..self.blocks.len()] {
            dir.fill(0);
        }
        self.blocks.clear();
        self.last = None;
        // Slabs past the one being filled were not used since the last clear.
        let used = (self.filling + 1).min(self.slabs.len());
        for slab in &mut self.slabs[..used] {
            slab.clear();
        }
        self.filling = 0;
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

    /// Physical addresses of every page that ever held a table, in address order.
    pub fn table_pages(&self) -> impl Iterator<Item = u64> + '_ {
        self.frames.pages()
    }

    /// Forgets every table and empties the top-level table, keeping the memory that held
    /// them: tables written after this reuse pages already touched, so a batch of mappings
    /// (one machine after another, or a benchmark's runs) does not fault in fresh memory for
    /// each. What is written afterwards is exactly what a [`SimPhysMem::new`] would hold.
    pub fn clear(&mut self) {
        self.pgd.zero();
        self.frames.clear();
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
