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

use memblock_bottomup::{Memblock, PAGE_SIZE, Placement};
use x86_64::PhysAddr;
use x86_64::structures::paging::PageTableFlags as F;

use crate::direct_map::DirectMap;
use crate::error::Error;
use crate::page_size::PageSizeMask;
use crate::split::{PGDIR_SIZE, PMD_SIZE, PUD_SIZE};

/// `_KERNPG_TABLE`: the flags of an entry that points to a lower table.
pub const KERNPG_TABLE: F = F::PRESENT.union(F::WRITABLE).union(F::ACCESSED).union(F::DIRTY);

/// The index of `pa`'s direct-mapping address at the level whose entries cover `size` bytes.
fn index(va: u64, size: u64) -> usize {
    ((va / size) % 512) as usize
}

fn entry_addr(pa: u64) -> PhysAddr {
    // Table and page addresses stay below MAXMEM (checked by init_memory_mapping).
    PhysAddr::new_truncate(pa)
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
                last_map_addr = self.phys_pud_init(mb, pud, addr, end, mask)?;
            } else {
                let pud = self.alloc_low_page(mb)?;
                last_map_addr = self.phys_pud_init(mb, pud, addr, end, mask)?;
                self.mem.pgd_mut()[slot].set_addr(entry_addr(pud), KERNPG_TABLE);
            }
            addr = next;
        }
        Ok(last_map_addr)
    }

    /// `phys_pud_init()`: one 512 GiB table of 1 GiB slots.
    fn phys_pud_init<P: Placement>(
        &mut self,
        mb: &mut Memblock<P>,
        pud_page: u64,
        mut addr: u64,
        end: u64,
        mask: PageSizeMask,
    ) -> Result<u64, Error> {
        let mut pages = 0;
        let mut last_map_addr = end;
        for i in index(addr, PUD_SIZE)..512 {
            let next = (addr & !(PUD_SIZE - 1)) + PUD_SIZE;
            let entry = self.mem.table_mut(pud_page)[i].clone();
            if addr >= end {
                if !self.e820.any_ram(addr & !(PUD_SIZE - 1), next) {
                    self.mem.table_mut(pud_page)[i].set_unused();
                }
                addr = next;
                continue;
            }
            let mut prot = self.page_kernel();
            if !entry.is_unused() {
                if !entry.flags().contains(F::HUGE_PAGE) {
                    last_map_addr = self.phys_pmd_init(mb, entry.addr().as_u64(), addr, end, mask, prot)?;
                    addr = next;
                    continue;
                }
                if mask.contains(PageSizeMask::SIZE_1G) {
                    pages += 1;
                    last_map_addr = next;
                    addr = next;
                    continue;
                }
                prot = entry.flags() - F::HUGE_PAGE;
            }
            if mask.contains(PageSizeMask::SIZE_1G) {
                pages += 1;
                let large = self.page_kernel() | F::HUGE_PAGE;
                self.mem.table_mut(pud_page)[i].set_addr(entry_addr(addr & !(PUD_SIZE - 1)), large);
                last_map_addr = next;
                addr = next;
                continue;
            }
            let pmd = self.alloc_low_page(mb)?;
            last_map_addr = self.phys_pmd_init(mb, pmd, addr, end, mask, prot)?;
            self.mem.table_mut(pud_page)[i].set_addr(entry_addr(pmd), KERNPG_TABLE);
            addr = next;
        }
        self.direct_pages.g1 += pages;
        Ok(last_map_addr)
    }

    /// `phys_pmd_init()`: one 1 GiB table of 2 MiB slots.
    fn phys_pmd_init<P: Placement>(
        &mut self,
        mb: &mut Memblock<P>,
        pmd_page: u64,
        mut addr: u64,
        end: u64,
        mask: PageSizeMask,
        prot: F,
    ) -> Result<u64, Error> {
        let mut pages = 0;
        let mut last_map_addr = end;
        for i in index(addr, PMD_SIZE)..512 {
            let next = (addr & !(PMD_SIZE - 1)) + PMD_SIZE;
            let entry = self.mem.table_mut(pmd_page)[i].clone();
            if addr >= end {
                if !self.e820.any_ram(addr & !(PMD_SIZE - 1), next) {
                    self.mem.table_mut(pmd_page)[i].set_unused();
                }
                addr = next;
                continue;
            }
            let mut new_prot = prot;
            if !entry.is_unused() {
                if !entry.flags().contains(F::HUGE_PAGE) {
                    last_map_addr = self.phys_pte_init(entry.addr().as_u64(), addr, end, prot);
                    addr = next;
                    continue;
                }
                if mask.contains(PageSizeMask::SIZE_2M) {
                    pages += 1;
                    last_map_addr = next;
                    addr = next;
                    continue;
                }
                new_prot = entry.flags() - F::HUGE_PAGE;
            }
            if mask.contains(PageSizeMask::SIZE_2M) {
                pages += 1;
                self.mem.table_mut(pmd_page)[i].set_addr(entry_addr(addr & !(PMD_SIZE - 1)), prot | F::HUGE_PAGE);
                last_map_addr = next;
                addr = next;
                continue;
            }
            let pte = self.alloc_low_page(mb)?;
            last_map_addr = self.phys_pte_init(pte, addr, end, new_prot);
            self.mem.table_mut(pmd_page)[i].set_addr(entry_addr(pte), KERNPG_TABLE);
            addr = next;
        }
        self.direct_pages.m2 += pages;
        Ok(last_map_addr)
    }

    /// `phys_pte_init()`: one 2 MiB table of 4 KiB entries. Existing entries are reused (and
    /// counted again).
    fn phys_pte_init(&mut self, pte_page: u64, mut addr: u64, end: u64, prot: F) -> u64 {
        let mut pages = 0;
        let mut last_map_addr = end;
        for i in index(addr, PAGE_SIZE)..512 {
            let page = addr & !(PAGE_SIZE - 1);
            let next = page + PAGE_SIZE;
            if addr >= end {
                if !self.e820.any_ram(page, next) {
                    self.mem.table_mut(pte_page)[i].set_unused();
                }
                addr = next;
                continue;
            }
            let table = self.mem.table_mut(pte_page);
            if table[i].is_unused() {
                table[i].set_addr(entry_addr(page), prot);
                last_map_addr = next;
            }
            pages += 1;
            addr = next;
        }
        self.direct_pages.k4 += pages;
        last_map_addr
    }
}
