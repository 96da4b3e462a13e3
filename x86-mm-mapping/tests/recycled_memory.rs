//! A mapping made in the storage of an earlier one (`DirectMap::recycle`, what a batch of
//! runs does to avoid faulting in fresh memory) holds exactly what the same mapping in a new
//! map holds: the same table pages with the same bytes, the same top-level table, the same
//! events, page-table pages and counters; and nothing of the earlier mapping is left. The
//! reference is the same boot in a new map, checked against the kernel's rules by the other
//! tests; the earlier mappings are larger and smaller, with other page sizes, so that table
//! pages are written over pages that held another table, or none.

mod common;

use common::*;
use memblock_bottomup::TopDown;
use x86_mm_mapping::{DirectMap, MappingSetup, TopDownWalk};

fn boot_top_down_in(m: &TestMachine, earlier: Option<DirectMap>) -> DirectMap {
    let b = boot_in(m, TopDown, |_| {}, &mut TopDownWalk, earlier);
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

fn assert_same(recycled: &DirectMap, new: &DirectMap, what: &str) {
    assert_eq!(tables(recycled), tables(new), "{what}: tables");
    assert_eq!(recycled.events(), new.events(), "{what}: events");
    assert_eq!(recycled.pgt_pages(), new.pgt_pages(), "{what}: page-table pages");
    assert_eq!(recycled.pfn_mapped(), new.pfn_mapped(), "{what}: pfn_mapped");
    assert_eq!(recycled.direct_pages(), new.direct_pages(), "{what}: direct_pages_count");
    assert_eq!(recycled.pgt_buf(), new.pgt_buf(), "{what}: BRK buffer");
    let counters = |dm: &DirectMap| (dm.min_pfn_mapped(), dm.max_pfn_mapped(), dm.max_low_pfn_mapped());
    assert_eq!(counters(recycled), counters(new), "{what}: pfn counters");
    assert_eq!(recycled.walk(), new.walk(), "{what}: walk");
}

#[test]
fn a_mapping_in_recycled_storage_equals_one_in_a_new_map() {
    // 4 GiB of 4K pages (2,000-odd tables), then 1 TiB of 1G pages (a few), 4 GiB of 2M
    // pages, a few MiB, then the 4K mapping again into the storage that held all of those.
    let machines = [four_gib(CPU_4K), one_tib(CPU_GB), four_gib(CPU_2M), few_mib(CPU_4K), four_gib(CPU_4K)];
    let mut earlier = None;
    for m in &machines {
        let new = boot_top_down_in(m, None);
        let recycled = boot_top_down_in(m, earlier);
        assert_same(&recycled, &new, m.name);
        earlier = Some(recycled);
    }
}

#[test]
fn clear_forgets_every_table() {
    let dm = boot_top_down_in(&four_gib(CPU_4K), None);
    let taken: Vec<u64> = dm.pgt_pages().iter().map(|p| p.pa).collect();
    let mut mem = dm.mem().clone();
    mem.clear();
    assert_eq!(mem.table_pages().count(), 0);
    assert!(taken.iter().all(|&pa| mem.table(pa).is_none()));
    assert!(mem.pgd().iter().all(|e| e.is_unused()));
}

#[test]
fn table_pages_come_in_address_order() {
    // Top-down memblock hands out pages from the top down, BRK from the bottom up: the
    // listing is sorted anyway, and holds every page taken, once.
    let dm = boot_top_down_in(&four_gib(CPU_4K), None);
    let listed: Vec<u64> = dm.mem().table_pages().collect();
    let mut taken: Vec<u64> = dm.pgt_pages().iter().map(|p| p.pa).collect();
    taken.sort_unstable();
    taken.dedup();
    assert_eq!(listed, taken);
}

#[test]
fn a_page_taken_in_recycled_storage_reads_as_zeroes() {
    // The storage held 2,000-odd tables full of 4K entries; the pages handed out now take
    // their slots, and must read as empty tables (`clear_page()`).
    let m = few_mib(CPU_4K);
    let e820 = x86_mm_mapping::E820Table::new(m.e820.clone()).unwrap();
    let max_pfn = e820.end_of_ram_pfn().0;
    let setup = MappingSetup {
        e820,
        cpu: m.cpu,
        direct_gbpages: true,
        pgt_buf_base: m.pgt_buf_base(),
        max_pfn,
        max_low_pfn: max_pfn,
    };
    let mut dm = boot_top_down_in(&four_gib(CPU_4K), None).recycle(setup);
    let mut mb = memblock_bottomup::Memblock::with_placement(TopDown);
    // Nothing is mapped yet: the 6 BRK pages serve.
    for i in 0..6 {
        let pa = dm.alloc_low_page(&mut mb).unwrap();
        assert_eq!(pa, m.pgt_buf_base() + i * 4096);
        let table = dm.mem().table(pa).expect("a table page");
        assert!(table.iter().all(|e| e.is_unused()), "{pa:#x}");
    }
    assert_eq!(dm.mem().table_pages().count(), 6);
    assert!(dm.walk().runs.is_empty());
}
