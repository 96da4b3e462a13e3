//! A mapping whose tables go into the memory of an earlier mapping (`DirectMap::with_mem`,
//! what a batch of runs does to avoid faulting in fresh memory) holds exactly what the same
//! mapping in fresh memory holds: the same table pages with the same bytes, the same top-level
//! table, the same events and page-table pages; and no table of the earlier mapping is left.
//! The reference is the same boot in fresh memory, checked against the kernel's rules by the
//! other tests; the earlier mappings are chosen larger and smaller, with other page sizes, so
//! that every table page is written over a page that held another table, or none.

mod common;

use common::*;
use memblock_bottomup::TopDown;
use x86_mm_mapping::{DirectMap, SimPhysMem, TopDownWalk};

fn boot_top_down_in(m: &TestMachine, mem: SimPhysMem) -> DirectMap {
    let b = boot_in(m, TopDown, |_| {}, &mut TopDownWalk, mem);
    assert_eq!(b.result, Ok(()), "{}", m.name);
    b.dm
}

/// Every table page with its 512 entries as raw values, in address order, then the top-level
/// table's.
fn tables(dm: &DirectMap) -> (Vec<(u64, Vec<u64>)>, Vec<u64>) {
    let raw = |t: &x86_64::structures::paging::PageTable| -> Vec<u64> {
        t.iter().map(|e| e.addr().as_u64() | e.flags().bits()).collect()
    };
    let pages = dm.mem().table_pages().map(|pa| (pa, raw(dm.mem().table(pa).unwrap()))).collect();
    (pages, raw(dm.mem().pgd()))
}

fn assert_same(recycled: &DirectMap, fresh: &DirectMap, what: &str) {
    assert_eq!(tables(recycled), tables(fresh), "{what}: tables");
    assert_eq!(recycled.events(), fresh.events(), "{what}: events");
    assert_eq!(recycled.pgt_pages(), fresh.pgt_pages(), "{what}: page-table pages");
    assert_eq!(recycled.walk(), fresh.walk(), "{what}: walk");
    assert_eq!(recycled.direct_pages(), fresh.direct_pages(), "{what}: direct_pages_count");
}

#[test]
fn a_mapping_in_recycled_memory_equals_one_in_fresh_memory() {
    // 4 GiB of 4K pages (2,000-odd tables), then 1 TiB of 1G pages (a few), then 4 GiB of 2M
    // pages, then the 4K mapping again into the memory that held all of those.
    let machines = [four_gib(CPU_4K), one_tib(CPU_GB), four_gib(CPU_2M), few_mib(CPU_4K), four_gib(CPU_4K)];
    let mut mem = SimPhysMem::new();
    for m in &machines {
        let fresh = boot_top_down_in(m, SimPhysMem::new());
        let recycled = boot_top_down_in(m, mem);
        assert_same(&recycled, &fresh, m.name);
        mem = recycled.into_mem();
    }
}

#[test]
fn clear_forgets_every_table() {
    let dm = boot_top_down_in(&four_gib(CPU_4K), SimPhysMem::new());
    let taken: Vec<u64> = dm.pgt_pages().iter().map(|p| p.pa).collect();
    let mut mem = dm.into_mem();
    mem.clear();
    assert_eq!(mem.table_pages().count(), 0);
    assert!(taken.iter().all(|&pa| mem.table(pa).is_none()));
    assert!(mem.pgd().iter().all(|e| e.is_unused()));
}

#[test]
fn table_pages_come_in_address_order() {
    // Top-down memblock hands out pages from the top down, BRK from the bottom up: the
    // listing is sorted anyway, and holds every page taken once.
    let dm = boot_top_down_in(&four_gib(CPU_4K), SimPhysMem::new());
    let listed: Vec<u64> = dm.mem().table_pages().collect();
    let mut taken: Vec<u64> = dm.pgt_pages().iter().map(|p| p.pa).collect();
    taken.sort_unstable();
    taken.dedup();
    assert_eq!(listed, taken);
}
