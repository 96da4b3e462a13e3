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
/// Tables live in slabs of growing size (16, 32, ... up to 512 tables, 2 MiB), allocated
/// zeroed, so that a mapping with thousands of tables makes a few large allocations rather
/// than one per table, and tables never move. A table is found through the directory of its
/// 2 MiB block: page tables are taken a few at a time from the same blocks, so the one-entry
/// cache of the last block serves nearly every lookup of a mapping without searching the map
/// of blocks.
///
/// A page handed out again (after [`Frames::clear`], or taken twice) still holds an old table:
/// it is marked stale, reads as zeroes, and is cleared at its first write, or not at all when
/// that write covers every entry ([`Frames::fill_mut`]), so most tables are written once.
#[derive(Debug, Clone, Default)]
struct Frames {
    /// 2 MiB block number (`pa >> 21`) -> index of its directory in `dirs`, in address order.
    blocks: BTreeMap<u64, u32>,
    /// The block directories; those past `blocks.len()` are zeroed spares from a [`clear`].
    ///
    /// [`clear`]: Frames::clear
    dirs: Vec<BlockDir>,
    /// The last block looked up by [`Frames::dir_mut`] and its directory.
    last: Option<(u64, u32)>,
    slabs: Vec<Box<[PageTable]>>,
    /// Tables handed out since the last clear, and the most ever handed out: slots below the
    /// latter hold old tables.
    handed: usize,
    touched: usize,
    /// The table that reads as zeroes but still holds an old one.
    stale: Option<Slot>,
    /// What a walker sees at an address that holds no table: an empty one.
    empty: Box<PageTable>,
}

impl Frames {
    const FIRST_SLAB: usize = 16;
    const MAX_SLAB: usize = 512;

    /// The slot of the `n`th table handed out: slabs hold 16, 32, 64, 128, 256, then 512.
    fn nth_slot(n: usize) -> Slot {
        const SMALL: usize = Frames::MAX_SLAB - Frames::FIRST_SLAB; // 16 + 32 + ... + 256
        if n < SMALL {
            let slab = (n / Self::FIRST_SLAB + 1).ilog2() as usize;
            let first = Self::FIRST_SLAB * ((1 << slab) - 1);
            (slab << 9) | (n - first)
        } else {
            let big = n - SMALL;
            ((5 + big / Self::MAX_SLAB) << 9) | (big % Self::MAX_SLAB)
        }
    }

    /// The number of tables slab `n` holds.
    fn slab_len(n: usize) -> usize {
        (Self::FIRST_SLAB << n.min(5)).min(Self::MAX_SLAB)
    }

    /// The block of `pa` and the page's index in it; `None` for an address no table can have.
    fn split(pa: u64) -> Option<(u64, usize)> {
        pa.is_multiple_of(4096).then_some((pa >> 21, ((pa >> 12) & 511) as usize))
    }

    fn slot_of(&self, pa: u64) -> Option<Slot> {
        let (block, page) = Self::split(pa)?;
        let &dir = self.blocks.get(&block)?;
        self.dirs[dir as usize][page].checked_sub(1).map(|slot| slot as Slot)
    }

    fn table(&self, slot: Slot) -> &PageTable {
        &self.slabs[slot >> 9][slot & 511]
    }

    fn table_mut(&mut self, slot: Slot) -> &mut PageTable {
        &mut self.slabs[slot >> 9][slot & 511]
    }

    fn get(&self, pa: u64) -> Option<&PageTable> {
        let slot = self.slot_of(pa)?;
        Some(if self.stale == Some(slot) { &self.empty } else { self.table(slot) })
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

    /// The slot of the table at `pa`, a new one if there was none (which reads as zeroes);
    /// and whether it is new.
    ///
    /// `pa` is page aligned: it comes from `alloc_low_page()` or from a table entry.
    fn slot_or_insert(&mut self, pa: u64) -> (Slot, bool) {
        let (block, page) = (pa >> 21, ((pa >> 12) & 511) as usize);
        if let Some(slot) = self.dir_mut(block)[page].checked_sub(1) {
            return (slot as Slot, false);
        }
        let slot = Self::nth_slot(self.handed);
        if slot >> 9 == self.slabs.len() {
            let len = Self::slab_len(self.slabs.len());
            // SAFETY: a page table of zeroes is a valid, empty one (512 `u64` entries).
            self.slabs.push(unsafe { Box::<[PageTable]>::new_zeroed_slice(len).assume_init() });
        }
        let old = self.handed < self.touched;
        self.handed += 1;
        self.touched = self.touched.max(self.handed);
        // A slot is below 2^32: it would take 16 TiB of tables to pass it.
        self.dir_mut(block)[page] = (slot + 1) as u32;
        if old {
            self.make_stale(slot);
        }
        (slot, true)
    }

    /// Lets `slot` read as zeroes without clearing it yet (clearing the table that was stale
    /// before).
    fn make_stale(&mut self, slot: Slot) {
        if self.stale != Some(slot) {
            self.settle();
            self.stale = Some(slot);
        }
    }

    /// Clears the stale table now, if there is one.
    fn settle(&mut self) {
        if let Some(slot) = self.stale.take() {
            self.table_mut(slot).zero();
        }
    }

    /// `clear_page()` on the page at `pa`, which becomes (or stays) a table page.
    fn clear_page(&mut self, pa: u64) {
        // A new slot reads as zeroes already; an old table taken again must too.
        if let (slot, false) = self.slot_or_insert(pa) {
            self.make_stale(slot);
        }
    }

    /// The table at `pa`, created empty if there was none, for writing.
    fn get_or_insert(&mut self, pa: u64) -> &mut PageTable {
        let (slot, _) = self.slot_or_insert(pa);
        if self.stale == Some(slot) {
            self.settle();
        }
        self.table_mut(slot)
    }

    /// The table at `pa`, created empty if there was none, for a write of entries
    /// `from..below`: a stale table is cleared outside them only.
    fn fill_mut(&mut self, pa: u64, from: usize, below: usize) -> &mut PageTable {
        let (slot, _) = self.slot_or_insert(pa);
        if self.stale == Some(slot) {
            self.stale = None;
            let table = self.table_mut(slot);
            for i in (0..from).chain(below..512) {
                table[i].set_unused();
            }
        }
        self.table_mut(slot)
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
        self.handed = 0;
        self.stale = None;
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
        self.frames.get_or_insert(pa)
    }

    /// The table at `pa` (created empty if nothing was there) for a caller that writes its
    /// entries `from..below` at once: the others read as zeroes afterwards.
    pub(crate) fn table_to_fill(&mut self, pa: u64, from: usize, below: usize) -> &mut PageTable {
        self.frames.fill_mut(pa, from, below)
    }

    /// `clear_page()` on a freshly allocated table page.
    pub(crate) fn zero_page(&mut self, pa: u64) {
        self.frames.clear_page(pa);
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
