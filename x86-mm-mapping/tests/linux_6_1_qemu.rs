//! This layer (the 3.13 direct mapping) on the six real QEMU machines of
//! `testdata/fixtures/linux-6.1-qemu/`, laid beside what Linux 6.1 did on them.
//!
//! Each `dmesg.txt` (booted `nokaslr memblock=debug`, qemu64 CPU: PSE, no 1 GiB pages, no
//! `movable_node`) logs every page-table page that 6.1's `alloc_low_pages()` took from
//! memblock: a `memblock_phys_alloc_range: 4096 bytes align=0x1000 from=... max_addr=...
//! alloc_low_pages+...` request, then the `memblock_reserve: [...] memblock_alloc_range_nid+...`
//! line that gives its address. `from` and `max_addr` are `min_pfn_mapped` and
//! `max_pfn_mapped` at that moment. Pages served by the BRK buffer are not logged, and neither
//! are the `init_memory_mapping: [mem ...]` lines: they are `pr_debug` in 6.1 (spec §H.4).
//!
//! The machine is built for this layer from the log itself: the `BIOS-e820:` lines with the
//! `e820: update`/`e820: remove` fix-ups applied, the reservations memblock held when
//! `init_mem_mapping()` started (the first dump's reserved rows and every reservation logged
//! after it), the kernel at `_text` 0x1000000 with `__bss_stop` 0x4400000 and `_end` 0x4430000
//! (iomem.txt, facts.txt), PSE and no GB pages.
//!
//! Where the two differ, the test asserts the difference exactly and names its cause:
//! * the window's `from=`: 6.1 grows the step by `<< 8` (×256), 3.13 by `<< 5` (×32)
//!   (Jan Beulich, "x86: Fix step size adjustment during initial memory mapping", spec §0.2
//!   and §H.5.1), so 6.1's chunk before the last one ends lower;
//! * how many pages come from memblock: 6.1's BRK buffer holds 16 pages where 3.13's holds 6
//!   (`INIT_PGT_BUF_SIZE` = (2, ×2 with `CONFIG_RANDOMIZE_MEMORY`) × (3, 4 with
//!   `CONFIG_X86_5LEVEL`) pages; Debian has both; spec §H.5 step 8);
//! * the probe for `real_end`: 6.1 allocates the 2 MiB block and frees it again
//!   (`memblock_phys_alloc_range` + `memblock_phys_free`, since `memblock_find_in_range()` was
//!   made private), 3.13 only searches; the answer is the same block.

mod common;
#[path = "common/dmesg_6_1.rs"]
mod dmesg_6_1;

use std::path::{Path, PathBuf};

use common::*;
use dmesg_6_1::{bracket, hex, message, read_e820_line};
use memblock_bottomup::TopDown;
use x86_mm_mapping::{E820Entry, E820Table, MapEvent, PgtSource, TopDownWalk};

fn fixtures() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/fixtures/linux-6.1-qemu");
    assert!(d.is_dir(), "the fixtures are missing: expected {}", d.display());
    d
}

// ---------------------------------------------------------------------------------------
// Reading a 6.1 boot log.

/// `key=0x...` in a request line.
fn field(msg: &str, key: &str) -> u64 {
    let v = msg.split_whitespace().find_map(|w| w.strip_prefix(key)).unwrap();
    hex(v)
}

/// One page-table page of 6.1: its window and its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct KernelPgt {
    from: u64,
    max_addr: u64,
    pa: u64,
}

/// What the log says about `init_mem_mapping()` and the machine before it.
#[derive(Debug, Default)]
struct Log {
    e820: Vec<E820Entry>,
    last_pfns: Vec<u64>,
    dump_memory: Vec<(u64, u64)>,
    reserved_before_mapping: Vec<(u64, u64)>,
    probe: Option<(u64, u64, u64)>,
    probe_freed: Option<(u64, u64)>,
    pgts: Vec<KernelPgt>,
    init_memory_mapping_lines: usize,
}

fn parse(text: &str) -> Log {
    let mut log = Log::default();
    let mut in_dump = 0; // 0 before the first dump, 1 inside it, 2 after it
    let mut pending: Option<(u64, u64, bool)> = None; // a request waiting for its reserve line
    for msg in text.lines().map(message) {
        // The rows of a dump are indented; the first line that is not ends it.
        if in_dump == 1 && !msg.starts_with(' ') {
            in_dump = 2;
        }
        if msg.starts_with("init_memory_mapping:") {
            log.init_memory_mapping_lines += 1;
        }
        if read_e820_line(&mut log.e820, msg) {
            continue;
        }
        if let Some(rest) = msg.strip_prefix("last_pfn = ") {
            log.last_pfns.push(hex(rest.split_whitespace().next().unwrap()));
        } else if msg == "MEMBLOCK configuration:" {
            in_dump = if in_dump == 0 { 1 } else { 2 };
        } else if in_dump == 1 && msg.starts_with(" memory[") {
            log.dump_memory.push(bracket(msg.split_once('\t').unwrap().1).0);
        } else if in_dump == 1 && msg.starts_with(" reserved[") {
            log.reserved_before_mapping.push(bracket(msg.split_once('\t').unwrap().1).0);
        } else if msg.starts_with("memblock_phys_alloc_range:") {
            let is_pgt = msg.contains(" alloc_low_pages+");
            let is_probe = msg.contains(" init_mem_mapping+");
            if is_pgt || is_probe {
                pending = Some((field(msg, "from="), field(msg, "max_addr="), is_pgt));
            }
        } else if let Some(rest) = msg.strip_prefix("memblock_reserve: ") {
            let ((s, e), caller) = bracket(rest);
            match pending.take() {
                Some((from, max_addr, true)) if caller.contains("memblock_alloc_range_nid") => {
                    assert_eq!(e - s, 4096);
                    log.pgts.push(KernelPgt { from, max_addr, pa: s });
                }
                Some((from, max_addr, false)) if caller.contains("memblock_alloc_range_nid") => {
                    log.probe = Some((from, max_addr, s));
                }
                _ if log.probe.is_none() => log.reserved_before_mapping.push((s, e)),
                _ => {}
            }
        } else if let Some(rest) = msg.strip_prefix("memblock_phys_free: ") {
            let ((s, e), caller) = bracket(rest);
            if caller.contains("init_mem_mapping+") {
                log.probe_freed = Some((s, e));
            }
        }
    }
    log
}

// ---------------------------------------------------------------------------------------
// This layer on the same machine.

fn machine(name: &'static str, log: &Log) -> TestMachine {
    TestMachine {
        name,
        e820: log.e820.clone(),
        cpu: CPU_2M,
        direct_gbpages: true,
        text: 0x100_0000,
        bss_stop: 0x440_0000,
        kernel_end: 0x443_0000,
        reserves: log.reserved_before_mapping.clone(),
    }
}

/// What this layer does on the fixture's machine, next to what 6.1 did.
struct Compared {
    log: Log,
    /// Our memblock page-table pages with the window each was searched in.
    ours: Vec<KernelPgt>,
    brk_pages: usize,
    total_pages: usize,
    probe: (u64, u64, Option<u64>),
    memory: Vec<(u64, u64)>,
}

fn compare(name: &'static str) -> Compared {
    let text = std::fs::read_to_string(fixtures().join(name).join("dmesg.txt")).unwrap();
    let log = parse(&text);
    let m = machine(name, &log);
    // The kernel's own numbers for the machine agree with the e820 built from its log.
    let table = E820Table::new(m.e820.clone()).unwrap();
    assert_eq!(vec![table.end_of_ram_pfn().0, table.end_of_low_ram_pfn().0], log.last_pfns, "{name}: last_pfn");
    let b = boot(&m, Recorder { inner: TopDown, finds: vec![] }, |_| {}, &mut TopDownWalk);
    assert_eq!(b.result, Ok(()), "{name}");
    check_pgt_pages(&m, &b);
    assert!(!b.dm.events().contains(&MapEvent::UsingGbPages), "qemu64 has no GB pages");
    let finds = &b.mb.placement().finds;
    let (probe_req, probe_found) = finds[0];
    let ours = finds
        .iter()
        .filter(|(r, _)| r.size == 4096)
        .map(|(r, found)| KernelPgt { from: r.start, max_addr: r.end, pa: found.unwrap() })
        .collect::<Vec<_>>();
    assert_eq!(ours.iter().map(|p| p.pa).collect::<Vec<_>>(), pgt_from(&b.dm, PgtSource::Memblock));
    Compared {
        ours,
        brk_pages: pgt_from(&b.dm, PgtSource::Brk).len(),
        total_pages: b.dm.pgt_pages().len(),
        probe: (probe_req.start, probe_req.end, probe_found),
        memory: b.mb.memory().regions().iter().map(|r| (r.base, r.end())).collect(),
        log,
    }
}

/// The `from=` 6.1 prints for the tables of its last chunk, worked from its step rule
/// (§H.5.1): the first chunk is [real_end - 2M, real_end), then the step is 2M << 8 = 512M,
/// so the second chunk starts at round_down(real_end - 2M - 1, 512M); after it the step is
/// 128G, larger than these machines, so the last chunk starts at 1 MiB, with min_pfn_mapped
/// at the second chunk's start.
fn linux_6_1_from(real_end: u64) -> u64 {
    (real_end - 2 * MIB - 1) / (512 * MIB) * (512 * MIB)
}

/// The common part: the machine, the probe, and the addresses, which agree.
fn check_common(c: &Compared, ram_end: u64) {
    // The memblock memory this layer built from e820 is what the kernel's first dump shows.
    assert_eq!(c.memory, c.log.dump_memory);
    // The probe: the same search window and the same block, which 6.1 allocates and frees.
    let real_end = ram_end;
    assert_eq!(c.log.probe, Some((MIB, ram_end, real_end - 2 * MIB)));
    assert_eq!(c.log.probe_freed, Some((real_end - 2 * MIB, real_end)));
    assert_eq!(c.probe, (MIB, ram_end, Some(real_end - 2 * MIB)));
    // No init_memory_mapping lines in a 6.1 log: pr_debug.
    assert_eq!(c.log.init_memory_mapping_lines, 0);
    // The kernel's windows are what its ×256 step rule predicts; its max_addr is the end of
    // RAM (everything above the last chunk is mapped) and so is ours.
    for p in &c.log.pgts {
        assert_eq!((p.from, p.max_addr), (linux_6_1_from(real_end), ram_end));
    }
    // The addresses the kernel logged are ours, in the same order: both take them top-down
    // from the top of RAM, for the same tables (the low RAM range holds the kernel and BRK,
    // so BRK may not serve its tables in either kernel).
    let n = c.log.pgts.len();
    assert_eq!(
        c.ours.iter().take(n).map(|p| p.pa).collect::<Vec<_>>(),
        c.log.pgts.iter().map(|p| p.pa).collect::<Vec<_>>()
    );
}

#[test]
fn dmesg_lines_with_and_without_timestamps() {
    let with =
        "[    0.031051] memblock_reserve: [0x000000013ffff000-0x000000013fffffff] memblock_alloc_range_nid+0xb0/0x13d";
    let without = "memblock_reserve: [0x000000013ffff000-0x000000013fffffff] memblock_alloc_range_nid+0xb0/0x13d";
    assert_eq!(message(with), without);
    assert_eq!(message(without), without);
    assert_eq!(message("[mem 0x0-0x1] x"), "[mem 0x0-0x1] x");
    let req = "memblock_phys_alloc_range: 4096 bytes align=0x1000 from=0x0000000120000000 max_addr=0x0000000140000000 alloc_low_pages+0x137/0x160";
    let log = parse(&format!("{req}\n{without}\n"));
    assert_eq!(log.pgts, [KernelPgt { from: 0x1_2000_0000, max_addr: 0x1_4000_0000, pa: 0x1_3fff_f000 }]);
    // The same two lines stamped give the same answer.
    let log = parse(&format!("[    0.030805] {req}\n{with}\n"));
    assert_eq!(log.pgts.len(), 1);
}

#[test]
fn every_fixture_is_covered() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| Path::new(&fixtures()).join(n).join("dmesg.txt").is_file())
        .collect();
    names.sort();
    assert_eq!(names, ["pc-2n", "pc-4n-uneven", "pc2g-2n", "pc2g-2n-16g", "pc2g-4n", "q35-2n"]);
}

/// pc-2n and pc-4n-uneven: RAM [1M, ~3G) and [4G, 5G). Ours (worked as in
/// `init_mem_mapping_machines.rs`): chunks [5G-2M, 5G), [5G-64M, 5G-2M), [4G, 5G-64M), then
/// [1M, 4G), whose RAM range holds the kernel: its PMD pages for PUD slots 1, 2 and the PTE
/// page of its 4K tail come from memblock, window [4G, 5G). 6.1: chunks [5G-2M, 5G),
/// [4.5G, 5G-2M), then [1M, 4.5G): the same three tables, window [4.5G, 5G).
#[test]
fn four_gib_machines_same_three_tables_different_window() {
    for name in ["pc-2n", "pc-4n-uneven"] {
        let c = compare(name);
        check_common(&c, 5 * GIB);
        let want = [0x1_3fff_f000, 0x1_3fff_e000, 0x1_3fff_d000];
        assert_eq!(c.log.pgts.iter().map(|p| p.pa).collect::<Vec<_>>(), want, "{name}: the kernel's pages");
        assert_eq!(c.ours.iter().map(|p| p.pa).collect::<Vec<_>>(), want, "{name}: ours");
        // The difference: from=0x100000000 here, 0x120000000 in 6.1 (step << 5 vs << 8).
        assert!(c.ours.iter().all(|p| (p.from, p.max_addr) == (4 * GIB, 5 * GIB)));
        assert!(c.log.pgts.iter().all(|p| (p.from, p.max_addr) == (0x1_2000_0000, 5 * GIB)));
        // 7 tables: 1 PUD + 4 PMD (PUD slots 0, 1, 2, 4) + 2 PTE ([0, 2M) and the tail).
        // BRK gives the ISA three and the first chunk's PMD page in both kernels.
        assert_eq!((c.brk_pages, c.total_pages), (4, 7));
    }
}

/// pc2g-2n, pc2g-4n, q35-2n: RAM [1M, ~2G) and [4G, 6G). Ours: [6G-2M, 6G) (PMD of PUD slot 5,
/// BRK), [6G-64M, 6G-2M), [4G, 6G-64M) (PMD of slot 4, BRK), then [1M, 4G): the PMD page of
/// slot 1 and the PTE page of the 4K tail below 2G from memblock, window [4G, 6G). 6.1: the
/// second chunk is [5.5G, 6G-2M), and [4G, 5.5G) is mapped in the last chunk (its PMD page
/// from BRK, which 6.1 still has room in); the same two memblock tables, window [5.5G, 6G).
#[test]
fn six_gib_machines_same_two_tables_different_window() {
    for name in ["pc2g-2n", "pc2g-4n", "q35-2n"] {
        let c = compare(name);
        check_common(&c, 6 * GIB);
        let want = [0x1_7fff_f000, 0x1_7fff_e000];
        assert_eq!(c.log.pgts.iter().map(|p| p.pa).collect::<Vec<_>>(), want, "{name}: the kernel's pages");
        assert_eq!(c.ours.iter().map(|p| p.pa).collect::<Vec<_>>(), want, "{name}: ours");
        assert!(c.ours.iter().all(|p| (p.from, p.max_addr) == (4 * GIB, 6 * GIB)));
        assert!(c.log.pgts.iter().all(|p| (p.from, p.max_addr) == (0x1_6000_0000, 6 * GIB)));
        // 1 PUD + 4 PMD (slots 0, 1, 4, 5) + 2 PTE = 7; 5 of them from BRK.
        assert_eq!((c.brk_pages, c.total_pages), (5, 7));
    }
}

/// pc2g-2n-16g: RAM [1M, ~2G) and [4G, 18G). Ours: [18G-2M, 18G) (PMD of PUD slot 17, BRK #4),
/// [18G-64M, 18G-2M), round_down(18G-64M-1, 2G) = 16G: [16G, 18G-64M) (PMD of slot 16,
/// BRK #5), then [1M, 16G): the low range's PMD and PTE pages from memblock, then [4G, 16G):
/// PMD of slot 4 is BRK #6, slots 5..15 from memblock: 13 memblock pages, window [16G, 18G).
/// 6.1: the second chunk is [17.5G, 18G-2M); the last one, [1M, 17.5G), needs the same two low
/// tables from memblock and 13 PMD pages (slots 4..16) of which its 16-page BRK still has
/// 12: one more from memblock. 19 tables in both; 6 vs 16 from BRK.
#[test]
fn eighteen_gib_machine_more_memblock_tables_with_a_smaller_brk() {
    let c = compare("pc2g-2n-16g");
    check_common(&c, 18 * GIB);
    let kernel: Vec<u64> = c.log.pgts.iter().map(|p| p.pa).collect();
    assert_eq!(kernel, [0x4_7fff_f000, 0x4_7fff_e000, 0x4_7fff_d000]);
    let ours: Vec<u64> = c.ours.iter().map(|p| p.pa).collect();
    let want: Vec<u64> = (1..=13).map(|i| 18 * GIB - i * 4096).collect();
    assert_eq!(ours, want);
    assert_eq!(ours.len() - kernel.len(), 16 - 6, "the difference is the size of the BRK buffer");
    assert!(c.ours.iter().all(|p| (p.from, p.max_addr) == (16 * GIB, 18 * GIB)));
    assert!(c.log.pgts.iter().all(|p| (p.from, p.max_addr) == (0x4_6000_0000, 18 * GIB)));
    // 1 PUD + 17 PMD (slots 0, 1, 4..17) + 2 PTE = 19 tables, whoever gives them.
    assert_eq!((c.brk_pages, c.total_pages), (6, 19));
    assert_eq!(c.total_pages - c.log.pgts.len(), 16, "6.1 served the other 16 from its BRK buffer");
}
