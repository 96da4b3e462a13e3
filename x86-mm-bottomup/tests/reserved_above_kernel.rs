//! Bottom-up when the memory right above the kernel is taken: the tables go to the next free
//! pages above it; and when nothing above the kernel is free at all, memblock-bottomup's
//! fallback (warn once, then search top-down over the whole window) places them, below the
//! kernel.

#[path = "../../x86-mm-mapping/tests/common/mod.rs"]
mod common;

use common::*;
use memblock_bottomup::{BOTTOM_UP_FAILED, BottomUp, BottomUpPlacement, Event};
use x86_mm_bottomup::{MapEvent, PageSize, PgtSource, SeriesWalk};

fn bottom_up(m: &TestMachine) -> Booted<BottomUpPlacement> {
    boot(m, BottomUpPlacement::new(m.kernel_end), |mb| mb.set_bottom_up(true), &mut SeriesWalk)
}

/// The 64 GiB machine with an 8 MiB initrd right at kernel_end (36M) and two more pages
/// reserved 64K above the initrd's end.
#[test]
fn an_initrd_right_above_the_kernel_pushes_the_tables_up() {
    let mut m = sixty_four_gib(CPU_2M);
    m.reserves = vec![(36 * MIB, 44 * MIB), (44 * MIB + 0x1_0000, 44 * MIB + 0x1_2000)];
    let mut b = bottom_up(&m);
    assert_eq!(b.result, Ok(()));
    assert!(!b.mb.placement().warned());
    check_pgt_pages(&m, &b);
    // The mapping is that of the machine without the initrd: memblock *memory* decides what
    // is mapped, reservations only where tables go. 60 tables from memblock (see
    // bottom_up_machines.rs): 16 pages [44M, 44M + 64K), the two reserved pages skipped, then
    // 44 pages from 44M + 72K.
    let tables = pgt_from(&b.dm, PgtSource::Memblock);
    let mut want: Vec<u64> = (0..16).map(|i| 44 * MIB + i * 4096).collect();
    want.extend((0..44).map(|i| 44 * MIB + 0x1_2000 + i * 4096));
    assert_eq!(tables, want);
    assert_eq!(tables, m.free_pages_from(m.kernel_end, 60));
    assert_eq!(*tables.last().unwrap(), 0x2c3_d000);
    // The first chunk still maps [36M, 38M): the initrd is RAM, just reserved.
    assert_eq!(chunks(&b.dm)[1], (36 * MIB, 38 * MIB));
    const LAYOUT: Layout =
        &[(0, 2 * MIB, PageSize::Size4K), (2 * MIB, 2 * GIB, PageSize::Size2M), (4 * GIB, 66 * GIB, PageSize::Size2M)];
    check_mapped(&mut b.dm, &[(0, MIB), (MIB, 2 * GIB), (4 * GIB, 66 * GIB)], LAYOUT, 64 * MIB + 4096);
}

/// RAM [1M, 32M), 4K pages only. The kernel [16M, 24M), BRK [24M, 24M + 24K), `_end` at 26M,
/// and the initrd fills [26M, 32M): nothing above the kernel is free.
fn full_above_kernel() -> TestMachine {
    let mut e820 = vec![reserved(0, 0x1000), ram(0x1000, 0x9f000), reserved(0x9f000, 0xa0000), reserved(0xf0000, MIB)];
    e820.push(ram(MIB, 32 * MIB));
    TestMachine {
        name: "full-above-kernel",
        e820,
        cpu: CPU_4K,
        direct_gbpages: false,
        text: 16 * MIB,
        bss_stop: 24 * MIB,
        kernel_end: 26 * MIB,
        reserves: vec![(26 * MIB, 32 * MIB)],
    }
}

#[test]
fn nothing_free_above_the_kernel_falls_back_top_down_and_warns_once() {
    let m = full_above_kernel();
    let mut b = bottom_up(&m);
    assert_eq!(b.result, Ok(()));
    // Above the kernel: [26M, 28M) (its PTE page: BRK #4; step 64M), [28M, 32M) (BRK #5, #6).
    // Below: [1M, 2M) (the ISA PTE page), then [2M, 26M), which needs 12 PTE pages. BRK is
    // used up; memblock is asked for pages in [min_pfn_mapped, max_pfn_mapped) = [1M, 32M):
    // bottom-up from kernel_end finds nothing in [26M, 32M) (the initrd), warns once, and
    // searches [1M, 32M) top-down. The highest free page is just below kernel_end, in the
    // unused tail of BRK [24M + 24K, 26M) that reserve_brk() left free: 12 pages down from
    // 26M - 4K.
    assert_eq!(
        chunks(&b.dm),
        [(0, MIB), (26 * MIB, 28 * MIB), (28 * MIB, 32 * MIB), (MIB, 2 * MIB), (2 * MIB, 26 * MIB)]
    );
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 6);
    let want: Vec<u64> = (1..=12).map(|i| 26 * MIB - i * 4096).collect();
    assert_eq!(pgt_from(&b.dm, PgtSource::Memblock), want);
    assert!(want.iter().all(|&pa| pa < m.kernel_end), "the fallback put them below the kernel");
    check_pgt_pages(&m, &b);
    // The window rule only asks for [min_pfn_mapped, max_pfn_mapped), and the second call set
    // min_pfn_mapped to 1 MiB: these pages lie in [2M, 26M), the very range the current call
    // is mapping, so no completed call had mapped them when they were taken.
    for (pa, source, done) in mapped_before_each_pgt(&b.dm) {
        if source == PgtSource::Memblock {
            assert!(!done.iter().any(|&(s, e)| pa >= s && pa < e), "{pa:#x}");
        }
    }
    // 1 PUD + 1 PMD + 16 PTE pages for [0, 32M).
    assert_eq!(b.dm.pgt_pages().len(), 18);

    // The warning: once in memblock (WARN_ONCE), once in the mapping's log, right before the
    // first table memblock gave; every one of the 12 searches fell back.
    assert!(b.mb.placement().warned());
    assert_eq!(b.mb.placement().fallbacks(), 12);
    let warn = MapEvent::Memblock(Event::Warn(BOTTOM_UP_FAILED));
    let events = b.dm.events();
    assert_eq!(events.iter().filter(|e| **e == warn).count(), 1);
    let at = events.iter().position(|e| *e == warn).unwrap();
    assert_eq!(events[at + 1], MapEvent::PageTable { pa: 26 * MIB - 4096, source: PgtSource::Memblock });
    assert_eq!(events[at - 1].to_string(), " [mem 0x00200000-0x019fffff] page 4k");
    assert_eq!(warn.to_string(), "memblock: bottom-up allocation failed, memory hotunplug may be affected");

    // The mapping itself is complete and all 4K.
    check_mapped(&mut b.dm, &[(0, MIB), (MIB, 32 * MIB)], &[(0, 32 * MIB, PageSize::Size4K)], 4096);
    check_unmapped(&mut b.dm, &[(32 * MIB, 64 * MIB)], 64 * 1024 + 4096);
}

#[test]
fn the_same_machine_top_down_needs_no_fallback() {
    // Top-down, memblock's direction never looks at kernel_end: no warning. The probe finds
    // no free 2 MiB block above the kernel but [14M, 16M) below it (the kernel starts at 16M):
    // real_end = 16M, and the last chunk [16M, 32M) is mapped after the loop.
    let m = full_above_kernel();
    let b = boot(&m, BottomUpPlacement::new(m.kernel_end), |_| {}, &mut SeriesWalk);
    assert_eq!(b.result, Ok(()));
    assert!(!b.mb.placement().warned());
    assert_eq!(b.dm.pgt_pages().len(), 18);
    let c = chunks(&b.dm);
    assert_eq!(c[1], (14 * MIB, 16 * MIB));
    assert_eq!(*c.last().unwrap(), (16 * MIB, 32 * MIB));
}

/// Bottom-up with 4K pages and `kernel_end` just below a 2 MiB boundary: the first chunk
/// above the kernel is only 16 pages, and the next one is the whole rest (64M is not longer
/// than the 64M step), needing 20 PTE pages that can only come from BRK's two last pages and
/// those 16 mapped pages. 3.13 panics ("alloc_low_pages: can not alloc memory", after the
/// WARN_ONCE); the model returns the error. Top-down maps the same machine without trouble.
#[test]
fn a_first_chunk_too_small_for_the_next_one_panics_the_kernel() {
    let mut e820 = vec![reserved(0, 0x1000), ram(0x1000, 0x9f000), reserved(0x9f000, 0xa0000), reserved(0xf0000, MIB)];
    e820.push(ram(MIB, 64 * MIB));
    let m = TestMachine {
        name: "small-first-chunk",
        e820,
        cpu: CPU_4K,
        direct_gbpages: false,
        text: 16 * MIB,
        bss_stop: 22 * MIB,
        kernel_end: 24 * MIB - 0x1_0000,
        reserves: vec![],
    };
    let b = bottom_up(&m);
    assert_eq!(b.result, Err(x86_mm_bottomup::Error::CannotAlloc));
    // [24M - 64K, 24M): PTE page of PMD slot 11, BRK #4 (ISA took 1-3); [24M, 64M): slots 12
    // and 13 from BRK #5, #6, slots 14..29 from the 16 pages [24M - 64K, 24M), the only mapped
    // RAM at or above kernel_end (the window is [kernel_end, max_pfn_mapped << 12) = that
    // chunk); slot 30 finds nothing, bottom-up or top-down.
    assert_eq!(chunks(&b.dm), [(0, MIB), (24 * MIB - 0x1_0000, 24 * MIB), (24 * MIB, 64 * MIB)]);
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 6);
    let want: Vec<u64> = (0..16).map(|i| 24 * MIB - 0x1_0000 + i * 4096).collect();
    assert_eq!(pgt_from(&b.dm, PgtSource::Memblock), want);
    assert!(b.mb.placement().warned());
    assert_eq!(b.mb.placement().fallbacks(), 1);
    let td = boot(&m, BottomUpPlacement::new(m.kernel_end), |_| {}, &mut SeriesWalk);
    assert_eq!(td.result, Ok(()));
}
