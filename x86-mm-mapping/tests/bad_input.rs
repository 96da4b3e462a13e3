//! What the kernel panics on (or never gets, because firmware and boot code sanitise it
//! first) comes back from the model as a typed error carrying the offending values. None of
//! these may panic: a panic fails the test.

mod common;

use common::*;
use memblock_bottomup::{Memblock, TopDown};
use x86_mm_mapping::harness::{Machine, MachineError};
use x86_mm_mapping::{
    DirectMap, E820Entry, E820Error, E820Table, E820Type, Error, INIT_PGT_BUF_SIZE, MAX_ARCH_PFN, MAXMEM, MapEvent,
    MappingSetup, PgtSource, TopDownWalk,
};

/// A fresh mapping state for `m` (after `early_alloc_pgt_buf()`), and its memblock.
fn fresh(m: &TestMachine) -> (DirectMap, Memblock<TopDown>) {
    let mut mb = Memblock::with_placement(TopDown);
    for (s, e) in m.early_reserved() {
        mb.reserve(s, e - s).unwrap();
    }
    let e820 = E820Table::new(m.e820.clone()).unwrap();
    e820.fill_memblock(&mut mb).unwrap();
    let (max_pfn, _) = e820.end_of_ram_pfn();
    let dm = DirectMap::new(MappingSetup {
        e820,
        cpu: m.cpu,
        direct_gbpages: m.direct_gbpages,
        pgt_buf_base: m.pgt_buf_base(),
        max_pfn,
        max_low_pfn: max_pfn,
    });
    (dm, mb)
}

#[test]
fn a_range_that_is_not_page_aligned() {
    let (mut dm, mut mb) = fresh(&few_mib(CPU_GB));
    assert_eq!(
        dm.init_memory_mapping(&mut mb, 0x1001, 0x2000),
        Err(Error::NotPageAligned { start: 0x1001, end: 0x2000 })
    );
    assert_eq!(
        dm.init_memory_mapping(&mut mb, 0x1000, 0x2fff),
        Err(Error::NotPageAligned { start: 0x1000, end: 0x2fff })
    );
    // An empty or inverted range is refused the same way (the kernel would map nothing).
    assert_eq!(
        dm.init_memory_mapping(&mut mb, 0x2000, 0x2000),
        Err(Error::NotPageAligned { start: 0x2000, end: 0x2000 })
    );
    assert_eq!(
        Error::NotPageAligned { start: 0x1001, end: 0x2000 }.to_string(),
        "init_memory_mapping: [0x1001, 0x2000) is not page aligned"
    );
    // Nothing was printed, nothing was taken.
    assert!(dm.events().is_empty());
    assert!(dm.pgt_pages().is_empty());
}

#[test]
fn memory_that_ends_above_the_46_bit_limit() {
    // e820 caps max_pfn at MAX_ARCH_PFN (MAXMEM >> 12), as the kernel's e820_end_pfn() does,
    // and prints the kernel's line.
    let mut e820 = vec![ram(0x1000, 0x9f000), ram(MIB, 3 * GIB), ram(4 * GIB, MAXMEM + GIB)];
    e820.sort_by_key(|e| e.addr);
    let table = E820Table::new(e820.clone()).unwrap();
    let (max_pfn, line) = table.end_of_ram_pfn();
    assert_eq!(max_pfn, MAX_ARCH_PFN);
    assert_eq!(max_pfn, 0x4_0000_0000);
    assert_eq!(line.to_string(), "e820: last_pfn = 0x400000000 max_arch_pfn = 0x400000000");

    // A caller that does not cap: the top-down walk starts with the top 2 MiB of RAM,
    // [MAXMEM + 1G - 2M, MAXMEM + 1G), and init_memory_mapping refuses it.
    let m = TestMachine { e820, ..four_gib(CPU_GB) };
    let mut mb = Memblock::with_placement(TopDown);
    for (s, e) in m.early_reserved() {
        mb.reserve(s, e - s).unwrap();
    }
    table.fill_memblock(&mut mb).unwrap();
    let mut dm = DirectMap::new(MappingSetup {
        e820: table,
        cpu: m.cpu,
        direct_gbpages: true,
        pgt_buf_base: m.pgt_buf_base(),
        max_pfn: (MAXMEM + GIB) >> 12,
        max_low_pfn: 0x10_0000,
    });
    let top = MAXMEM + GIB;
    assert_eq!(
        dm.init_mem_mapping(&mut mb, &mut TopDownWalk),
        Err(Error::AbovePhysLimit { start: top - 2 * MIB, end: top })
    );
    assert_eq!(
        Error::AbovePhysLimit { start: top - 2 * MIB, end: top }.to_string(),
        "init_memory_mapping: [0x40003fe00000, 0x400040000000) ends above the 46-bit physical limit (MAXMEM 0x400000000000)"
    );
    // The first MiB was mapped before (three BRK pages), nothing after.
    assert_eq!(dm.pgt_pages().len(), 3);
    // And a direct call that crosses MAXMEM.
    assert_eq!(
        dm.init_memory_mapping(&mut mb, MAXMEM - 2 * MIB, MAXMEM + 2 * MIB),
        Err(Error::AbovePhysLimit { start: MAXMEM - 2 * MIB, end: MAXMEM + 2 * MIB })
    );
    // Exactly up to MAXMEM is allowed.
    assert!(dm.init_memory_mapping(&mut mb, MAXMEM - 2 * MIB, MAXMEM).is_ok());
}

#[test]
fn brk_exhausted_with_nothing_mapped() {
    // A fresh state: BRK holds INIT_PGT_BUF_SIZE = 6 pages, handed out in order; nothing is
    // mapped (min_pfn_mapped = max_pfn_mapped = 0), so the 7th has nowhere to come from.
    let m = few_mib(CPU_GB);
    let (mut dm, mut mb) = fresh(&m);
    assert_eq!(INIT_PGT_BUF_SIZE, 6 * 4096);
    for i in 0..6 {
        assert_eq!(dm.alloc_low_page(&mut mb), Ok(m.pgt_buf_base() + i * 4096));
    }
    assert_eq!(dm.alloc_low_page(&mut mb), Err(Error::RanOutOfMemory));
    assert_eq!(Error::RanOutOfMemory.to_string(), "alloc_low_pages: ran out of memory");
    assert_eq!(dm.pgt_buf().end, dm.pgt_buf().top);
    assert_eq!(
        dm.events().iter().filter(|e| matches!(e, MapEvent::Brk { .. })).map(|e| e.to_string()).collect::<Vec<_>>()[0],
        "BRK [0x00500000, 0x00500fff] PGTABLE"
    );
}

#[test]
fn brk_refused_for_the_first_chunk_with_nothing_mapped() {
    // 4K pages only; RAM [1M, 16M); the kernel [2M, 8M); the BRK buffer at 15M was not
    // reserved (a boot loader that put it in free RAM). ISA takes three BRK pages. The
    // top-down probe finds [14M, 16M) free, so the first chunk is [14M, 16M), and it needs
    // a PTE page. That range overlaps the unused part of BRK [15M + 12K, 15M + 24K), so BRK
    // may not serve it, and memblock may only give pages inside
    // [min_pfn_mapped, max_pfn_mapped) = [16M, 0): the kernel's "ran out of memory" panic.
    let mut e820 = vec![reserved(0, 0x1000), ram(0x1000, 0x9f000), reserved(0x9f000, MIB)];
    e820.push(ram(MIB, 16 * MIB));
    let table = E820Table::new(e820).unwrap();
    let mut mb = Memblock::with_placement(TopDown);
    mb.reserve(0, 0x10000).unwrap();
    mb.reserve(2 * MIB, 6 * MIB).unwrap();
    table.fill_memblock(&mut mb).unwrap();
    let mut dm = DirectMap::new(MappingSetup {
        e820: table,
        cpu: CPU_4K,
        direct_gbpages: false,
        pgt_buf_base: 15 * MIB,
        max_pfn: 0x1000,
        max_low_pfn: 0x1000,
    });
    assert_eq!(dm.init_mem_mapping(&mut mb, &mut TopDownWalk), Err(Error::RanOutOfMemory));
    assert_eq!(
        dm.pgt_pages().iter().map(|p| (p.pa, p.source)).collect::<Vec<_>>(),
        [(15 * MIB, PgtSource::Brk), (15 * MIB + 0x1000, PgtSource::Brk), (15 * MIB + 0x2000, PgtSource::Brk)]
    );
    assert_eq!(chunks(&dm), [(0, MIB), (14 * MIB, 16 * MIB)]);
}

#[test]
fn memblock_finds_nothing_inside_the_window() {
    // 4K pages; RAM [1M, 12M), all of it reserved (BRK at 5M inside). The probe finds no
    // free 2 MiB block: addr 0, real_end = 2M. The loop maps [1M, 2M) (the ISA PTE page
    // serves it); then [2M, 12M) is mapped in one go after the loop. That range overlaps
    // BRK, so its first PTE page must come from memblock inside
    // [min_pfn_mapped, max_pfn_mapped) = [1M, 2M), which is reserved: "can not alloc memory".
    let mut e820 = vec![reserved(0, 0x1000), ram(0x1000, 0x9f000), reserved(0x9f000, MIB)];
    e820.push(ram(MIB, 12 * MIB));
    let table = E820Table::new(e820).unwrap();
    let mut mb = Memblock::with_placement(TopDown);
    mb.reserve(0, 0x10000).unwrap();
    mb.reserve(MIB, 11 * MIB).unwrap();
    table.fill_memblock(&mut mb).unwrap();
    let mut dm = DirectMap::new(MappingSetup {
        e820: table,
        cpu: CPU_4K,
        direct_gbpages: false,
        pgt_buf_base: 5 * MIB,
        max_pfn: 0xc00,
        max_low_pfn: 0xc00,
    });
    assert_eq!(dm.init_mem_mapping(&mut mb, &mut TopDownWalk), Err(Error::CannotAlloc));
    assert_eq!(Error::CannotAlloc.to_string(), "alloc_low_pages: can not alloc memory");
    // ISA 3 BRK pages; [1M, 2M); then [2M, 12M) (it overlaps BRK at 5M: no BRK) -> the first
    // PTE page already fails.
    assert_eq!(chunks(&dm), [(0, MIB), (MIB, 2 * MIB), (2 * MIB, 12 * MIB)]);
    assert_eq!(dm.pgt_pages().len(), 3);
}

#[test]
fn e820_maps_that_cannot_be_used() {
    // Overlapping entries (sorted by start first, so the message names them in address order).
    assert_eq!(
        E820Table::new(vec![ram(0x10_0000, 0x20_0000), reserved(0x1f_f000, 0x30_0000)]),
        Err(E820Error::Overlap { a_start: 0x10_0000, a_last: 0x1f_ffff, b_start: 0x1f_f000, b_last: 0x2f_ffff })
    );
    assert_eq!(
        E820Table::new(vec![reserved(0x1f_f000, 0x30_0000), ram(0x10_0000, 0x20_0000)]).unwrap_err().to_string(),
        "e820 entries [mem 0x100000-0x1fffff] and [mem 0x1ff000-0x2fffff] overlap"
    );
    // An entry that wraps past 2^64.
    let wraps = E820Entry { addr: 0xffff_ffff_ffff_f000, size: 0x2000, kind: E820Type::Ram };
    assert_eq!(
        E820Table::new(vec![ram(0x1000, 0x9f000), wraps]),
        Err(E820Error::Wraps { addr: 0xffff_ffff_ffff_f000, size: 0x2000 })
    );
    // No RAM at all, or only less than a page of it; zero-length entries are dropped first.
    assert_eq!(E820Table::new(vec![reserved(0, MIB)]), Err(E820Error::NoRam));
    assert_eq!(E820Table::new(vec![]), Err(E820Error::NoRam));
    assert_eq!(
        E820Table::new(vec![E820Entry { addr: 0x1000, size: 0x800, kind: E820Type::Ram }, reserved(0, 0x1000)]),
        Err(E820Error::NoRam)
    );
    assert_eq!(E820Error::NoRam.to_string(), "the e820 map has no usable RAM");
    // Touching entries are fine and stay apart; a zero-length one disappears.
    let ok =
        E820Table::new(vec![ram(MIB, 2 * MIB), ram(0x1000, 0x9f000), ram(2 * MIB, 2 * MIB), ram(2 * MIB, 3 * MIB)])
            .unwrap();
    assert_eq!(ok.entries(), [ram(0x1000, 0x9f000), ram(MIB, 2 * MIB), ram(2 * MIB, 3 * MIB)]);
}

#[test]
fn machine_descriptions_that_cannot_be_read() {
    const GOOD: &str =
        "name m\ncpu pse=1 pge=1 gbpages=0\nkernel 0x1000000 0x2000000 0x2400000\ne820 0x100000 0x4000000 ram\n";
    assert!(Machine::parse(GOOD).is_ok());
    let bad = |text: &str| Machine::parse(text).unwrap_err();
    let line = |n: usize, text: &str| MachineError::BadLine { line: n, text: text.to_string() };
    // An unknown keyword on line 7 (after a comment, a blank line and the four good lines).
    assert_eq!(bad(&format!("# a machine\n\n{GOOD}frobnicate 1 2\n")), line(7, "frobnicate 1 2"));
    // An e820 line whose end lies below its start, or with an unknown type.
    assert_eq!(bad(&format!("{GOOD}e820 0x5000000 0x4000000 ram\n")), line(5, "e820 0x5000000 0x4000000 ram"));
    assert_eq!(bad(&format!("{GOOD}e820 0x5000000 0x6000000 rom\n")), line(5, "e820 0x5000000 0x6000000 rom"));
    // Not a number; too few numbers; a cpu line without gbpages.
    assert_eq!(bad(&format!("{GOOD}brk_used 0xzz\n")), line(5, "brk_used 0xzz"));
    assert_eq!(bad(&format!("{GOOD}initrd 0x1000\n")), line(5, "initrd 0x1000"));
    assert_eq!(bad("name m\ncpu pse=1 pge=1\n"), line(2, "cpu pse=1 pge=1"));
    assert_eq!(bad(&format!("{GOOD}param hugepages\n")), line(5, "param hugepages"));
    assert_eq!(line(2, "cpu pse=1 pge=1").to_string(), "line 2: cannot read \"cpu pse=1 pge=1\"");
    // Missing items, and an e820 map the table refuses.
    assert_eq!(bad("cpu pse=1 pge=1 gbpages=0\nkernel 1 2 3\ne820 0x1000 0x2000 ram\n"), MachineError::Missing("name"));
    assert_eq!(bad("name m\ncpu pse=1 pge=1 gbpages=0\n"), MachineError::Missing("kernel"));
    assert_eq!(
        bad(&format!("{GOOD}e820 0x3000000 0x5000000 reserved\n")),
        MachineError::E820(E820Error::Overlap {
            a_start: 0x10_0000,
            a_last: 0x3ff_ffff,
            b_start: 0x300_0000,
            b_last: 0x4ff_ffff
        })
    );
}

/// `trim_bios_range()` on QEMU's SeaBIOS map and on a RAM entry across the legacy hole, by
/// hand from the kernel's rules: page 0 reserved, [640 KiB, 1 MiB) gone from RAM.
#[test]
fn trim_bios_range_reserves_page_0_and_drops_ram_in_the_legacy_hole() {
    use x86_mm_mapping::{E820Entry, E820Type, trim_bios_range};
    let e = |addr, end: u64, kind| E820Entry { addr, size: end - addr, kind };
    let qemu = [
        e(0, 0x9_fc00, E820Type::Ram),
        e(0x9_fc00, 0xa_0000, E820Type::Reserved),
        e(0xf_0000, 0x10_0000, E820Type::Reserved),
        e(0x10_0000, 0x7ffe_0000, E820Type::Ram),
    ];
    assert_eq!(
        trim_bios_range(&qemu),
        [
            e(0, 0x1000, E820Type::Reserved),
            e(0x1000, 0x9_fc00, E820Type::Ram),
            e(0x9_fc00, 0xa_0000, E820Type::Reserved),
            e(0xf_0000, 0x10_0000, E820Type::Reserved),
            e(0x10_0000, 0x7ffe_0000, E820Type::Ram),
        ]
    );
    let across = [e(0x9_0000, 0x11_0000, E820Type::Ram)];
    assert_eq!(
        trim_bios_range(&across),
        [e(0x9_0000, 0xa_0000, E820Type::Ram), e(0x10_0000, 0x11_0000, E820Type::Ram)]
    );
    let wraps = [E820Entry { addr: u64::MAX - 0xfff, size: 0x2000, kind: E820Type::Ram }];
    assert_eq!(trim_bios_range(&wraps), wraps);
}

/// `mem=2G` on QEMU's map with RAM to 5 GiB, worked by hand from `e820_remove_range(2 GiB,
/// ULLONG_MAX - 2 GiB, E820_RAM, 1)`: the RAM entry across 2 GiB is cut there, the one above
/// 4 GiB goes, the reserved entries stay; an entry that wraps is left for `E820Table::new`.
#[test]
fn mem_limit_cuts_ram_at_the_limit_and_keeps_other_types() {
    use x86_mm_mapping::{E820Entry, E820Type, limit_ram};
    let e = |addr: u64, size: u64, kind| E820Entry { addr, size, kind };
    let map = [
        e(0x1000, 0x9e000, E820Type::Ram),
        e(0x10_0000, 0xbfee_0000, E820Type::Ram),
        e(0xfeff_c000, 0x4000, E820Type::Reserved),
        e(0x1_0000_0000, 0x4000_0000, E820Type::Ram),
    ];
    assert_eq!(
        limit_ram(&map, 0x8000_0000),
        [
            e(0x1000, 0x9e000, E820Type::Ram),
            e(0x10_0000, 0x7ff0_0000, E820Type::Ram),
            e(0xfeff_c000, 0x4000, E820Type::Reserved)
        ]
    );
    // A limit at an entry's end keeps it whole; one at its start drops it.
    assert_eq!(limit_ram(&map[..2], 0xc000_0000), map[..2]);
    assert_eq!(limit_ram(&map[1..2], 0x10_0000), []);
    let wraps = e(u64::MAX - 0xfff, 0x2000, E820Type::Ram);
    assert_eq!(limit_ram(&[wraps], 0x8000_0000), [wraps]);
}

/// Every type's BIOS number reads back as that type; 12 (`E820_PRAM`) stays apart from 7.
#[test]
fn e820_types_read_back_from_their_codes() {
    use x86_mm_mapping::E820Type;
    for t in [
        E820Type::Ram,
        E820Type::Reserved,
        E820Type::Acpi,
        E820Type::Nvs,
        E820Type::Unusable,
        E820Type::Persistent,
        E820Type::ReservedKern,
        E820Type::Other(12),
        E820Type::Other(0xefff_ffff),
    ] {
        assert_eq!(E820Type::from_code(t.code()), t);
    }
    assert_eq!(E820Type::from_code(7), E820Type::Persistent);
    assert_eq!(E820Type::from_code(12), E820Type::Other(12));
}
