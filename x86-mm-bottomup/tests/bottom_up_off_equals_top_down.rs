//! With memblock top-down (no `movable_node`), this layer's walk is the layer below's:
//! `SeriesWalk` on a `SeriesMemblock` gives exactly what `TopDownWalk` gives on a plain
//! top-down memblock: every event, every table page, the tables themselves, the counters,
//! memblock's reservations, and the error if there is one. Checked on the hand-worked
//! machines of both crates' tests and on random machines.
//!
//! And with bottom-up on, random machines map exactly what top-down maps (only the tables'
//! places differ), with every memblock table packed from `kernel_end` up unless memblock had to
//! fall back; or they fail as the kernel does, when a chunk needs more tables than the mapped
//! memory above the kernel holds.

#[path = "../../x86-mm-mapping/tests/common/mod.rs"]
mod common;

use common::*;
use memblock_bottomup::{BottomUp, BottomUpPlacement, PAGE_SIZE, TopDown};
use proptest::prelude::*;
use x86_mm_bottomup::{CpuFeatures, PgtSource, SeriesWalk, TopDownWalk};

fn regions(mb: &memblock_bottomup::Memblock<impl Sized>) -> Vec<(u64, u64)> {
    mb.reserved().regions().iter().map(|r| (r.base, r.size)).collect()
}

/// Runs `m` both ways with bottom-up off and compares everything.
fn assert_same(m: &TestMachine) {
    let series = boot(m, BottomUpPlacement::new(m.kernel_end), |_| {}, &mut SeriesWalk);
    let below = boot(m, TopDown, |_| {}, &mut TopDownWalk);
    assert!(!series.mb.bottom_up());
    assert_eq!(series.result, below.result, "{}", m.name);
    assert_eq!(series.dm.events(), below.dm.events(), "{}: events", m.name);
    assert_eq!(series.dm.pgt_pages(), below.dm.pgt_pages(), "{}: tables", m.name);
    assert_eq!(series.dm.walk(), below.dm.walk(), "{}: walk", m.name);
    assert_eq!(series.dm.pfn_mapped(), below.dm.pfn_mapped());
    assert_eq!(
        (
            series.dm.min_pfn_mapped(),
            series.dm.max_pfn_mapped(),
            series.dm.max_low_pfn_mapped(),
            series.dm.max_low_pfn()
        ),
        (below.dm.min_pfn_mapped(), below.dm.max_pfn_mapped(), below.dm.max_low_pfn_mapped(), below.dm.max_low_pfn())
    );
    assert_eq!(series.dm.direct_pages(), below.dm.direct_pages());
    assert_eq!(series.dm.pgt_buf(), below.dm.pgt_buf());
    assert_eq!(regions(&series.mb), regions(&below.mb), "{}: reserved", m.name);
    assert!(!series.mb.placement().warned());
}

#[test]
fn the_hand_worked_machines() {
    for cpu in [CPU_GB, CPU_2M, CPU_4K] {
        assert_same(&few_mib(cpu));
        assert_same(&four_gib(cpu));
    }
    assert_same(&sixty_four_gib(CPU_2M));
    assert_same(&sixty_four_gib(CPU_GB));
    assert_same(&one_tib(CPU_GB));
    assert_same(&TestMachine { direct_gbpages: false, ..one_tib(CPU_GB) });
    // A machine whose kernel is at the top of RAM with an initrd above it.
    let mut e820 = vec![reserved(0, 0x1000), ram(0x1000, 0x9f000), reserved(0x9f000, MIB)];
    e820.push(ram(MIB, 32 * MIB));
    let top = TestMachine {
        name: "kernel-at-the-top",
        e820,
        cpu: CPU_4K,
        direct_gbpages: false,
        text: 16 * MIB,
        bss_stop: 24 * MIB,
        kernel_end: 26 * MIB,
        reserves: vec![(26 * MIB, 32 * MIB)],
    };
    assert_same(&top);
}

#[test]
fn a_machine_that_fails() {
    // All RAM above 1M reserved, 4K pages: "can not alloc memory" in both (see bad_input.rs of
    // x86-mm-mapping), with the same events up to the failure.
    let m = TestMachine { reserves: vec![(MIB, 12 * MIB)], ..few_mib(CPU_4K) };
    let b = boot(&m, TopDown, |_| {}, &mut TopDownWalk);
    assert_eq!(b.result, Err(x86_mm_bottomup::Error::CannotAlloc));
    assert_same(&m);
}

const CPUS: [CpuFeatures; 3] = [CPU_GB, CPU_2M, CPU_4K];

prop_compose! {
    /// RAM from 1M in up to four pieces with holes between, the kernel at 16M inside the
    /// first piece, an optional reservation (an initrd) somewhere above it. Sizes are in
    /// 2 MiB units with PSE and 64 KiB units without (to keep 4K mappings small), plus an odd
    /// number of pages so that edges fall anywhere.
    fn random_machine()(
        cpu in 0usize..3,
        gb in any::<bool>(),
        first in 0u64..256,
        pieces in prop::collection::vec((1u64..64, 0u64..512, 1u64..1024, 0u64..512), 0..4),
        bss in 0u64..1024,
        tail in 0u64..1024,
        initrd in prop::option::of((0u64..4096, 1u64..2048)),
    ) -> TestMachine {
        let cpu = CPUS[cpu];
        let unit = if cpu.pse { 2 * MIB } else { 64 * KIB };
        let mut e820 = vec![reserved(0, 0x1000), ram(0x1000, 0x9f000), reserved(0x9f000, MIB)];
        let mut end = 64 * MIB + first * unit;
        e820.push(ram(MIB, end));
        for (gap, gap_pages, len, len_pages) in pieces {
            let start = end + gap * unit + gap_pages * PAGE_SIZE;
            end = start + len * unit + len_pages * PAGE_SIZE;
            e820.push(ram(start, end));
        }
        let bss_stop = 16 * MIB + 4 * MIB + bss * PAGE_SIZE;
        let kernel_end = bss_stop + 6 * PAGE_SIZE + tail * PAGE_SIZE;
        let reserves = initrd
            .map(|(at, len)| {
                let s = kernel_end + at * PAGE_SIZE;
                vec![(s, s + len * PAGE_SIZE)]
            })
            .unwrap_or_default();
        TestMachine { name: "random", e820, cpu, direct_gbpages: gb, text: 16 * MIB, bss_stop, kernel_end, reserves }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn bottom_up_off_is_the_layer_below(m in random_machine()) {
        assert_same(&m);
    }

    #[test]
    fn bottom_up_maps_what_top_down_maps(m in random_machine()) {
        let td = boot(&m, TopDown, |_| {}, &mut TopDownWalk);
        let bu = boot(&m, BottomUpPlacement::new(m.kernel_end), |mb| mb.set_bottom_up(true), &mut SeriesWalk);
        prop_assert_eq!(td.result, Ok(()));
        if bu.result.is_err() {
            // The kernel's own failure (see reserved_above_kernel.rs): a chunk needed more
            // tables than BRK and the mapped window above kernel_end could give; memblock tried
            // bottom-up, warned, tried top-down, and found nothing.
            prop_assert_eq!(bu.result, Err(x86_mm_bottomup::Error::CannotAlloc));
            prop_assert!(bu.mb.placement().warned());
            return Ok(());
        }
        let (wt, wb) = (td.dm.walk(), bu.dm.walk());
        prop_assert_eq!(&wt.runs, &wb.runs);
        prop_assert_eq!(td.dm.pgt_pages().len(), bu.dm.pgt_pages().len());
        prop_assert_eq!(td.dm.pfn_mapped(), bu.dm.pfn_mapped());
        check_pgt_pages(&m, &bu);
        let tables = pgt_from(&bu.dm, PgtSource::Memblock);
        if !bu.mb.placement().warned() {
            prop_assert_eq!(tables.clone(), m.free_pages_from(m.kernel_end, tables.len()));
        }
    }
}
