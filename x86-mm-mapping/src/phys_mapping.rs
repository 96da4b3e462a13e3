//! `kernel_physical_mapping_init()` and the three levels below it (`phys_pud_init`,
//! `phys_pmd_init`, `phys_pte_init`, arch/x86/mm/init_64.c): write the direct-mapping entries
//! for one piece of `split_mem_range()`.
//!
//! Each level walks its table from the slot of the start address to the end of the table.
//! Slots at or beyond the end are cleared during boot unless their block holds RAM; present
//! lower tables are reused; huge entries are kept when the piece allows that size and split
//! otherwise (the new table inherits the old protection without the huge bit). Every level
//! returns the "last mapped address" as the kernel computes it, and counts the entries it
//! wrote or walked over into `direct_pages_count`.
//!
//! The walk is the kernel's, slot by slot, with two shortcuts that change nothing it does:
//! the slots that need no lower table are handled in runs with the table borrowed once, and
//! a table that was just allocated (all its slots empty) is filled without looking at each
//! slot and without the clearing pass beyond the end (clearing an empty slot is a no-op).

use memblock_bottomup::{Memblock, PAGE_SIZE, Placement};
use x86_64::PhysAddr;
use x86_64::structures::paging::{PageTable, PageTableFlags as F};

use crate::direct_map::DirectMap;
use crate::e820::E820Table;
use crate::error::Error;
use crate::page_size::PageSizeMask;
use crate::split::{PGDIR_SIZE, PMD_SIZE, PUD_SIZE};

/// `_KERNPG_TABLE`: the flags of an entry that points to a lower table.
pub const KERNPG_TABLE: F = F::PRESENT.union(F::WRITABLE).union(F::ACCESSED).union(F::DIRTY);

/// The index of `pa`'s direct-mapping address at the level whose entries cover `size` bytes.
fn index(va: u64, size: u64) -> usize {
    ((va / size) % 512) as usize
}

/// How many of the next `left` slots of `size` bytes, the first holding `addr`, start below
/// `end`.
fn slots_below(addr: u64, end: u64, size: u64, left: usize) -> usize {
    if addr >= end {
        return 0;
    }
    let base = addr & !(size - 1);
    ((end - base).div_ceil(size)).min(left as u64) as usize
}

/// From slot `from` of `table` (block `base`), up to `below`: writes a huge entry into each
/// empty slot and keeps each huge entry, stopping at the first slot that points to a lower
/// table. Returns the number of slots covered. In a `fresh` table every slot is empty, and the
/// run is written without looking.
fn huge_run(table: &mut PageTable, from: usize, below: usize, base: u64, size: u64, flags: F, fresh: bool) -> usize {
    if fresh {
        fill(table, from, below, base, size, flags);
        return below - from;
    }
    let mut i = from;
    let mut block = base;
    while i < below {
        let entry = &mut table[i];
        if entry.is_unused() {
            entry.set_addr(entry_addr(block), flags);
        } else if !entry.flags().contains(F::HUGE_PAGE) {
            break;
        }
        block += size;
        i += 1;
    }
    i - from
}

/// Writes slots `from..below` of `table` for the blocks of `size` bytes from `base`.
// Indexed loops: `PageTable::iter_mut()` walks an index range through a closure, which makes
// `skip` linear and these loops several times slower.
// The address steps by `size` rather than being `base + k * size`: a multiplication per
// entry would cost more than the store.
fn fill(table: &mut PageTable, from: usize, below: usize, base: u64, size: u64, flags: F) {
    let mut block = base;
    for i in from..below.min(512) {
        table[i].set_addr(entry_addr(block), flags);
        block += size;
    }
}

/// Slots `from..512` of `table`, the first for the block holding `addr`, lie at or beyond the
/// end of the range being mapped: during boot each is cleared unless its block holds RAM (an
/// empty slot needs no look at e820).
fn clear_beyond_end(table: &mut PageTable, e820: &E820Table, from: usize, addr: u64, size: u64) {
    let first = addr & !(size - 1);
    let mut i = from;
    while i < 512 {
        // Most slots past the end are empty: eight aligned ones are looked at in one go.
        if i.is_multiple_of(8) && (i..i + 8).fold(true, |empty, k| empty & table[k].is_unused()) {
            i += 8;
            continue;
        }
        if table[i].is_unused() {
            i += 1;
            continue;
        }
        let block = first + (i - from) as u64 * size;
        match ram_end_overlapping(e820, block, block + size) {
            // The blocks ascend: every one that starts before the end of this RAM entry
            // overlaps it too and keeps its slot, without another look at e820.
            Some(end) => i = from + ((end - first).div_ceil(size)).min(512) as usize,
            None => {
                table[i].set_unused();
                i += 1;
            }
        }
    }
}

/// The furthest end of the e820 RAM entries (`E820_RAM` or `E820_RESERVED_KERN`) that overlap
/// `[start, end)`: `None` where [`E820Table::any_ram`] is false.
fn ram_end_overlapping(e820: &E820Table, start: u64, end: u64) -> Option<u64> {
    let ram = e820.entries().iter().filter(|e| e.kind.is_memblock_memory() && e.addr < end && e.end() > start);
    ram.map(|e| e.end()).max()
}

fn entry_addr(pa: u64) -> PhysAddr {
    // Table and page addresses stay below MAXMEM (checked by init_memory_mapping) and are page
    // aligned; saying so lets `set_addr`'s alignment check fold away, and a run of entries be
    // written with vector stores.
    PhysAddr::new_truncate(pa & !(PAGE_SIZE - 1))
}

impl DirectMap {
    /// `PAGE_KERNEL` for this CPU: present, writable, accessed, dirty, no-execute, and global
    /// when PGE is supported (`__supported_pte_mask`).
    fn page_kernel(&self) -> F {
        let base = F::PRESENT | F::WRITABLE | F::ACCESSED | F::DIRTY | F::NO_EXECUTE;
        if self.sizes.global { base | F::GLOBAL } else { base }
    }

    /// `kernel_physical_mapping_init(start, end, page_size_mask)`: maps `[start, end)` and
    /// returns the last mapped address as the kernel computes it (it can lie above `end` when
    /// a huge entry covers more, or below `end` when the last small entries already existed).
    ///
    /// # Errors
    ///
    /// The errors of [`DirectMap::alloc_low_page`] for a page table this mapping needs.
    pub fn kernel_physical_mapping_init<P: Placement>(
        &mut self,
        mb: &mut Memblock<P>,
        start: u64,
        end: u64,
        mask: PageSizeMask,
    ) -> Result<u64, Error> {
        let mut last_map_addr = end;
        let va_of = |pa: u64| crate::phys_mem::PAGE_OFFSET.wrapping_add(pa);
        let mut addr = start;
        while addr < end {
            let next = (addr & !(PGDIR_SIZE - 1)) + PGDIR_SIZE;
            let slot = index(va_of(addr), PGDIR_SIZE);
            let entry = &self.mem.pgd()[slot];
            if !entry.is_unused() {
                let pud = entry.addr().as_u64();
                last_map_addr = self.phys_pud_init(mb, pud, addr, end, mask, false)?;
            } else {
                let pud = self.alloc_low_page(mb)?;
                last_map_addr = self.phys_pud_init(mb, pud, addr, end, mask, true)?;
                self.mem.pgd_mut()[slot].set_addr(entry_addr(pud), KERNPG_TABLE);
            }
            addr = next;
        }
        Ok(last_map_addr)
    }

    /// `phys_pud_init()`: one 512 GiB table of 1 GiB slots. `fresh`: the table was just
    /// allocated, so every slot is empty.
    ///
    /// The slots that need no other table (a 1G entry written or kept, a slot beyond the end)
    /// are handled in runs with the table borrowed once; the walk leaves a run only for a
    /// slot that descends into a PMD page (existing or new), so pages are still taken
    /// depth-first in address order.
    fn phys_pud_init<P: Placement>(
        &mut self,
        mb: &mut Memblock<P>,
        pud_page: u64,
        mut addr: u64,
        end: u64,
        mask: PageSizeMask,
        fresh: bool,
    ) -> Result<u64, Error> {
        let mut pages = 0;
        let mut last_map_addr = end;
        let page_kernel = self.page_kernel();
        let large = page_kernel | F::HUGE_PAGE;
        let mut i = index(addr, PUD_SIZE);
        while i < 512 {
            let below = i + slots_below(addr, end, PUD_SIZE, 512 - i);
            if mask.contains(PageSizeMask::SIZE_1G) {
                let table =
                    if fresh { self.mem.table_to_fill(pud_page, i, below) } else { self.mem.table_mut(pud_page) };
                let run = huge_run(table, i, below, addr & !(PUD_SIZE - 1), PUD_SIZE, large, fresh);
                if run > 0 {
                    i += run;
                    addr = (addr & !(PUD_SIZE - 1)) + run as u64 * PUD_SIZE;
                    pages += run as u64;
                    last_map_addr = addr;
                }
            }
            if i < below {
                // Slot i needs a PMD page: the one it points to, a new one, or a new one
                // that splits its 1G entry (inheriting its protection without the huge bit).
                let next = (addr & !(PUD_SIZE - 1)) + PUD_SIZE;
                let entry = self.mem.table_mut(pud_page)[i].clone();
                if !entry.is_unused() && !entry.flags().contains(F::HUGE_PAGE) {
                    let pmd = entry.addr().as_u64();
                    last_map_addr = self.phys_pmd_init(mb, pmd, addr, end, mask, page_kernel, false)?;
                } else {
                    let prot = if entry.is_unused() { page_kernel } else { entry.flags() - F::HUGE_PAGE };
                    let pmd = self.alloc_low_page(mb)?;
                    last_map_addr = self.phys_pmd_init(mb, pmd, addr, end, mask, prot, true)?;
                    self.mem.table_mut(pud_page)[i].set_addr(entry_addr(pmd), KERNPG_TABLE);
                }
                addr = next;
                i += 1;
                continue;
            }
            // Slots at or beyond the end: cleared during boot unless their block holds RAM.
            if !fresh {
                clear_beyond_end(self.mem.table_mut(pud_page), &self.e820, i, addr, PUD_SIZE);
            }
            break;
        }
        self.direct_pages.g1 += pages;
        Ok(last_map_addr)
    }

    /// `phys_pmd_init()`: one 1 GiB table of 2 MiB slots, walked like
    /// [`DirectMap::phys_pud_init`]'s table.
    #[allow(clippy::too_many_arguments)] // the kernel's five, the memblock, and `fresh`
    fn phys_pmd_init<P: Placement>(
        &mut self,
        mb: &mut Memblock<P>,
        pmd_page: u64,
        mut addr: u64,
        end: u64,
        mask: PageSizeMask,
        prot: F,
        fresh: bool,
    ) -> Result<u64, Error> {
        let mut pages = 0;
        let mut last_map_addr = end;
        let large = prot | F::HUGE_PAGE;
        let mut i = index(addr, PMD_SIZE);
        while i < 512 {
            let below = i + slots_below(addr, end, PMD_SIZE, 512 - i);
            if mask.contains(PageSizeMask::SIZE_2M) {
                let table =
                    if fresh { self.mem.table_to_fill(pmd_page, i, below) } else { self.mem.table_mut(pmd_page) };
                let run = huge_run(table, i, below, addr & !(PMD_SIZE - 1), PMD_SIZE, large, fresh);
                if run > 0 {
                    i += run;
                    addr = (addr & !(PMD_SIZE - 1)) + run as u64 * PMD_SIZE;
                    pages += run as u64;
                    last_map_addr = addr;
                }
            }
            if i < below {
                // Slot i needs a PTE page: the existing one, a new one, or a new one
                // splitting a 2M entry.
                let next = (addr & !(PMD_SIZE - 1)) + PMD_SIZE;
                let entry = self.mem.table_mut(pmd_page)[i].clone();
                if !entry.is_unused() && !entry.flags().contains(F::HUGE_PAGE) {
                    last_map_addr = self.phys_pte_init(entry.addr().as_u64(), addr, end, prot, false);
                } else {
                    let new_prot = if entry.is_unused() { prot } else { entry.flags() - F::HUGE_PAGE };
                    let pte = self.alloc_low_page(mb)?;
                    last_map_addr = self.phys_pte_init(pte, addr, end, new_prot, true);
                    self.mem.table_mut(pmd_page)[i].set_addr(entry_addr(pte), KERNPG_TABLE);
                }
                addr = next;
                i += 1;
                continue;
            }
            if !fresh {
                clear_beyond_end(self.mem.table_mut(pmd_page), &self.e820, i, addr, PMD_SIZE);
            }
            break;
        }
        self.direct_pages.m2 += pages;
        Ok(last_map_addr)
    }

    /// `phys_pte_init()`: one 2 MiB table of 4 KiB entries. Existing entries are reused (and
    /// counted again).
    fn phys_pte_init(&mut self, pte_page: u64, addr: u64, end: u64, prot: F, fresh: bool) -> u64 {
        let first = index(addr, PAGE_SIZE);
        // Slots [first, below) lie below `end`, the rest of the table beyond it.
        let below = first + slots_below(addr, end, PAGE_SIZE, 512 - first);
        let base = addr & !(PAGE_SIZE - 1);
        let mut last_map_addr = end;
        if fresh {
            fill(self.mem.table_to_fill(pte_page, first, below), first, below, base, PAGE_SIZE, prot);
            if below > first {
                last_map_addr = base + (below - first) as u64 * PAGE_SIZE;
            }
        } else {
            let table = self.mem.table_mut(pte_page);
            let mut page = base;
            for i in first..below {
                let entry = &mut table[i];
                if entry.is_unused() {
                    entry.set_addr(entry_addr(page), prot);
                    last_map_addr = page + PAGE_SIZE;
                }
                page += PAGE_SIZE;
            }
            clear_beyond_end(table, &self.e820, below, base + (below - first) as u64 * PAGE_SIZE, PAGE_SIZE);
        }
        self.direct_pages.k4 += (below - first) as u64;
        last_map_addr
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::*;
    use crate::e820::{E820Entry, E820Type};

    fn kind(k: u8) -> E820Type {
        match k % 4 {
            0 => E820Type::Ram,
            1 => E820Type::ReservedKern,
            2 => E820Type::Reserved,
            _ => E820Type::Acpi,
        }
    }

    proptest! {
        /// The slots `clear_beyond_end` clears are exactly the kernel's: each present slot
        /// whose block no RAM entry overlaps, asked of `E820Table::any_ram` slot by slot.
        #[test]
        fn clear_beyond_end_clears_what_the_slot_by_slot_rule_clears(
            layout in prop::collection::vec((0u64..2048, 1u64..2048, any::<u8>()), 0..12),
            present in prop::collection::vec(any::<bool>(), 512),
            from in 0usize..512,
            shift in prop::sample::select(alloc::vec![12u32, 21, 30]),
        ) {
            let size = 1u64 << shift;
            // Entries one after another (gap, length, type) in units of size / 16, so that
            // they start and end inside blocks too; and RAM past the table, which e820 needs.
            let unit = size / 16;
            let mut entries = Vec::new();
            let mut at = 0;
            for &(gap, len, k) in &layout {
                entries.push(E820Entry { addr: (at + gap) * unit, size: len * unit, kind: kind(k) });
                at += gap + len;
            }
            entries.push(E820Entry { addr: (at + 1) * unit + 1024 * size, size, kind: E820Type::Ram });
            let e820 = E820Table::new(entries).unwrap();
            let addr = from as u64 * size + unit;
            let mut table = PageTable::new();
            for (i, &p) in present.iter().enumerate() {
                if p {
                    table[i].set_addr(entry_addr(i as u64 * size), KERNPG_TABLE);
                }
            }
            let mut expected = table.clone();
            for i in from..512 {
                let block = i as u64 * size;
                if !expected[i].is_unused() && !e820.any_ram(block, block + size) {
                    expected[i].set_unused();
                }
            }
            clear_beyond_end(&mut table, &e820, from, addr, size);
            let raw = |t: &PageTable| t.iter().map(|e| e.addr().as_u64() | e.flags().bits()).collect::<Vec<_>>();
            prop_assert_eq!(raw(&table), raw(&expected));
        }
    }
}
