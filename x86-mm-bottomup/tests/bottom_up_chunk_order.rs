//! The order of the bottom-up walk, worked by hand (spec §B.8, §B.9) on a machine whose
//! `kernel_end` is not 2 MiB aligned and whose RAM has a hole right above the kernel, so that
//! one chunk maps less than all before it and the step does not grow.
//!
//! `init_mem_mapping()` with memblock bottom-up: `[0, 1M)`, then
//! `memory_map_bottom_up(kernel_end, end)`, then `memory_map_bottom_up(1M, kernel_end)`. Each
//! chunk ends at `round_up(start + 1, step)` (or at `map_end` once the rest is no longer than
//! a step); the step starts at 2M and grows ×32 only after a chunk that mapped more RAM than
//! all the chunks before it in the same call.

#[path = "../../x86-mm-mapping/tests/common/mod.rs"]
mod common;

use common::*;
use memblock_bottomup::{BottomUp, BottomUpPlacement, SeriesMemblock};
use x86_mm_bottomup::{DirectMap, ISA_END_ADDRESS, MapEvent, PageSize, PgtSource, SeriesWalk, memory_map_bottom_up};

/// RAM [1M, 37M), a device window [37M, 64M), RAM [64M, 3G) and [4G, 5G). The kernel
/// [16M, 32M), BRK [32M, 32M + 24K), `_end` 4K past 34M.
fn machine() -> TestMachine {
    let mut e820 = vec![reserved(0, 0x1000), ram(0x1000, 0x9f000), reserved(0x9f000, 0xa0000), reserved(0xf0000, MIB)];
    e820.extend([
        ram(MIB, 0x250_0000),
        reserved(0x250_0000, 0x400_0000),
        ram(0x400_0000, 0xc000_0000),
        reserved(0xfec0_0000, 4 * GIB),
        ram(4 * GIB, 5 * GIB),
    ]);
    TestMachine {
        name: "bottom-up-order",
        e820,
        cpu: CPU_2M,
        direct_gbpages: true,
        text: 16 * MIB,
        bss_stop: 32 * MIB,
        kernel_end: 0x220_1000,
        reserves: vec![],
    }
}

fn boot_bottom_up(m: &TestMachine) -> Booted<BottomUpPlacement> {
    boot(m, BottomUpPlacement::new(m.kernel_end), |mb| mb.set_bottom_up(true), &mut SeriesWalk)
}

#[test]
fn chunks_above_then_below_the_kernel() {
    let m = machine();
    let mut b = boot_bottom_up(&m);
    assert_eq!(b.result, Ok(()));
    // Above the kernel (mapped so far: 0):
    //  1. [0x2201000, round_up(0x2201001, 2M) = 0x2400000): 0x1ff000 bytes > 0: step 64M.
    //  2. [0x2400000, round_up(0x2400001, 64M) = 0x4000000): RAM only [0x2400000, 0x2500000),
    //     1M, not more than 0x1ff000: the step stays 64M.
    //  3. [0x4000000, 0x8000000): 64M > 0x2ff000: step 2G.
    //  4. [0x8000000, round_up(0x8000001, 2G) = 0x80000000): 1920M > 0x42ff000: step 64G.
    //  5. 5G - 2G <= 64G: [2G, 5G), RAM [2G, 3G) and [4G, 5G).
    // Below the kernel (a new call: mapped 0, step 2M):
    //  6. [1M, round_up(1M + 1, 2M) = 2M): step 64M.
    //  7. [2M, 0x2201000): the rest is shorter than a step.
    // Each RAM range a chunk holds is one init_memory_mapping call, in address order.
    assert_eq!(
        chunks(&b.dm),
        [
            (0, ISA_END_ADDRESS),
            (0x220_1000, 0x240_0000),
            (0x240_0000, 0x250_0000),
            (0x400_0000, 0x800_0000),
            (0x800_0000, 0x8000_0000),
            (0x8000_0000, 0xc000_0000),
            (4 * GIB, 5 * GIB),
            (MIB, 2 * MIB),
            (2 * MIB, 0x220_1000),
        ]
    );
    // Chunk 1 is a 4k head, upgraded because its 2 MiB block [0x2200000, 0x2400000) is RAM:
    // one 2M entry that also covers [0x2200000, kernel_end), and no table page. Chunk 2's 1M
    // is a 4k piece whose block holds the hole: a PTE page. Tables, in order: ISA PUD, PMD,
    // PTE (BRK 1-3); the PTE page of [0x2400000, 0x2600000) (BRK 4); the PMD pages of PUD
    // slots 1 (chunk 4) and 2 (chunk 5) (BRK 5, 6); the PMD page of PUD slot 4: BRK is used up,
    // memblock gives the lowest free page at or above kernel_end, kernel_end itself.
    assert_eq!(pgt_from(&b.dm, PgtSource::Brk).len(), 6);
    assert_eq!(pgt_from(&b.dm, PgtSource::Memblock), [0x220_1000]);
    check_pgt_pages(&m, &b);
    for (pa, source, done) in mapped_before_each_pgt(&b.dm) {
        if source == PgtSource::Memblock {
            assert!(done.iter().any(|&(s, e)| pa >= s && pa < e));
        }
    }
    // min_pfn_mapped ends as the second call set it.
    assert_eq!(b.dm.min_pfn_mapped(), 0x100);
    // The splits of chunks 1, 2 and 7 as the kernel prints them.
    let splits: Vec<String> =
        b.dm.events().iter().filter(|e| matches!(e, MapEvent::Split(_))).map(|e| e.to_string()).collect();
    assert_eq!(splits[1], " [mem 0x02201000-0x023fffff] page 2M");
    assert_eq!(splits[2], " [mem 0x02400000-0x024fffff] page 4k");
    assert_eq!(splits.last().unwrap(), " [mem 0x00200000-0x02200fff] page 2M");
    const LAYOUT: Layout = &[
        (0, 2 * MIB, PageSize::Size4K),
        (2 * MIB, 0x240_0000, PageSize::Size2M),
        (0x240_0000, 0x250_0000, PageSize::Size4K),
        (0x400_0000, 0xc000_0000, PageSize::Size2M),
        (4 * GIB, 5 * GIB, PageSize::Size2M),
    ];
    check_mapped(
        &mut b.dm,
        &[(0, MIB), (MIB, 0x250_0000), (0x400_0000, 0xc000_0000), (4 * GIB, 5 * GIB)],
        LAYOUT,
        MIB + 4096,
    );
    check_unmapped(&mut b.dm, &[(0x250_0000, 0x400_0000), (0xc000_0000, 4 * GIB)], 256 * 1024 + 4096);
}

/// `memory_map_bottom_up()` alone, on an aligned start: `start + 1` makes an aligned start
/// move a whole step (the first chunk is [start, start + 2M), not empty).
#[test]
fn an_aligned_start_moves_a_whole_step() {
    let m = TestMachine { kernel_end: 0x240_0000, ..machine() };
    let b = boot_bottom_up(&m);
    assert_eq!(b.result, Ok(()));
    // round_up(0x2400001, 2M) = 0x2600000; the hole cuts it to [0x2400000, 0x2500000); 1M > 0:
    // step 64M; then [0x2600000, 0x4000000) holds no RAM (no call), mapped 0: no growth;
    // [0x4000000, 0x8000000) ...
    assert_eq!(chunks(&b.dm)[1..4], [(0x240_0000, 0x250_0000), (0x400_0000, 0x800_0000), (0x800_0000, 0x8000_0000)]);
}

/// The same walk driven directly, on a memblock whose direction the walk does not read:
/// `memory_map_bottom_up` maps in its own order whatever memblock's direction.
#[test]
fn memory_map_bottom_up_by_itself() {
    let m = machine();
    let mut mb = SeriesMemblock::series(m.kernel_end);
    for (s, e) in m.early_reserved() {
        mb.reserve(s, e - s).unwrap();
    }
    let e820 = x86_mm_bottomup::E820Table::new(m.e820.clone()).unwrap();
    e820.fill_memblock(&mut mb).unwrap();
    let mut dm = DirectMap::new(x86_mm_bottomup::MappingSetup {
        e820,
        cpu: m.cpu,
        direct_gbpages: true,
        pgt_buf_base: m.pgt_buf_base(),
        max_pfn: 0x14_0000,
        max_low_pfn: 0xc_0000,
    });
    // Map [64M, 2G + 64M): chunks [64M, 66M) (step 64M), [66M, 128M) (62M > 2M: step 2G);
    // what is left, 2G + 64M - 128M = 2G - 64M, is not longer than the step: one last chunk
    // [128M, 2G + 64M).
    memory_map_bottom_up(&mut dm, &mut mb, 64 * MIB, 2 * GIB + 64 * MIB).unwrap();
    assert_eq!(chunks(&dm), [(64 * MIB, 66 * MIB), (66 * MIB, 128 * MIB), (128 * MIB, 2 * GIB + 64 * MIB)]);
    assert_eq!(dm.min_pfn_mapped(), (64 * MIB) >> 12);
    // Nothing below 64M was mapped; nothing above either.
    assert_eq!(dm.pfn_mapped(), [((64 * MIB) >> 12, (2 * GIB + 64 * MIB) >> 12)]);
}
