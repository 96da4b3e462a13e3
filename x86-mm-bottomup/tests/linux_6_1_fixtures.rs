//! Linux 6.1's `init_mem_mapping()` ([`Linux6_1Walk`] on a [`BuildProfile::DEBIAN_6_1`] map) on
//! the eleven real QEMU boots of `testdata/fixtures/linux-6.1-qemu{,-hotplug}/`, laid beside
//! what Debian's 6.1.192 printed with `memblock=debug`.
//!
//! Each machine is built from its own log, up to the point where `init_mem_mapping()` starts:
//! * memory: the `BIOS-e820:` table with the `e820: update` / `e820: remove` fix-ups;
//! * reserved: the rows of the first `MEMBLOCK configuration` dump (the silent early
//!   reservations, the MP table, the used brk), then every `memblock_reserve` printed after it
//!   (the trampoline and `[0, 1 MiB)`);
//! * `kernel_end` = `__pa_symbol(_end)` from `kernel_symbols.txt`; the used brk is the
//!   reservation that starts at `__brk_base`, and the 16-page page-table buffer is its last 16
//!   pages (the DMI data took the brk's first bytes before `early_alloc_pgt_buf()`);
//! * `max_pfn` / `max_low_pfn` from the e820 table, checked against the two `last_pfn` lines;
//! * memblock bottom-up exactly when the `Command line:` has `movable_node`.
//!
//! Then every line the kernel printed between `reserve_real_mode()` and `RAMDISK:` (the probe
//! request, its reservation and its free, each `alloc_low_pages` request and where it landed)
//! must be the model's, byte for byte once the build-specific `+0xoff/0xsize` of the caller
//! symbol is cut. 6.1 prints `init_memory_mapping: [mem …]` with `pr_debug`, so these logs
//! have none: the model's are checked against the log's absence and against hand-worked lists.

#[path = "../../x86-mm-mapping/tests/common/dmesg_6_1.rs"]
mod dmesg_6_1;

use std::path::{Path, PathBuf};

use dmesg_6_1::{bracket, hex, message, read_e820_line};

use memblock_bottomup::{AlignZero, BottomUp, NUMA_NO_NODE, RegionFlags, Semantics, SeriesMemblock};
use x86_mm_bottomup::{
    BuildProfile, DirectMap, E820Entry, E820Table, Linux6_1Walk, MappingSetup, PgtSource, QEMU64, lines_6_1,
    memblock_requests,
};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
/// `__START_KERNEL_map`: kernel symbols are linked here; with `nokaslr`, `phys_base` is 0.
const START_KERNEL_MAP: u64 = 0xffff_ffff_8000_0000;

fn fixture_dirs() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/fixtures");
    let mut dirs = Vec::new();
    for set in ["linux-6.1-qemu", "linux-6.1-qemu-hotplug"] {
        let d = root.join(set);
        assert!(d.is_dir(), "the fixtures are missing: expected {}", d.display());
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.join("dmesg.txt").is_file() {
                dirs.push(p);
            }
        }
    }
    dirs.sort();
    dirs
}

// ---------------------------------------------------------------------------------------
// Reading a 6.1 boot log.

/// The line with every `symbol+0xoff/0xsize` cut to `symbol` (the offsets belong to one build).
fn without_offsets(msg: &str) -> String {
    msg.split(' ')
        .map(|w| match w.split_once("+0x") {
            Some((sym, off)) if off.contains("/0x") => sym,
            _ => w,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a 6.1 log says about the machine up to `init_mem_mapping()`, and what it printed then.
#[derive(Debug, Default)]
struct Boot61 {
    movable_node: bool,
    e820: Vec<E820Entry>,
    last_pfns: Vec<u64>,
    dump_reserved: Vec<(u64, u64)>,
    reserved_after_dump: Vec<(u64, u64)>,
    /// The lines between the `[0, 1 MiB)` reservation of `reserve_real_mode()` and `RAMDISK:`.
    mapping_lines: Vec<String>,
}

fn parse(text: &str) -> Boot61 {
    #[derive(PartialEq)]
    enum At {
        BeforeDump,
        Dump,
        AfterDump,
        Mapping,
        Done,
    }
    let mut b = Boot61::default();
    let mut at = At::BeforeDump;
    for msg in text.lines().map(message) {
        if at == At::Dump && !msg.starts_with(' ') {
            at = At::AfterDump;
        }
        if msg.starts_with("RAMDISK: ") && at == At::Mapping {
            at = At::Done;
        }
        match at {
            At::Mapping => b.mapping_lines.push(without_offsets(msg)),
            At::Done => break,
            _ => {}
        }
        if read_e820_line(&mut b.e820, msg) {
            continue;
        }
        if let Some(cmd) = msg.strip_prefix("Command line: ") {
            b.movable_node = cmd.split_whitespace().any(|w| w == "movable_node");
        } else if let Some(rest) = msg.strip_prefix("last_pfn = ") {
            b.last_pfns.push(hex(rest.split_whitespace().next().unwrap()));
        } else if msg == "MEMBLOCK configuration:" && at == At::BeforeDump {
            at = At::Dump;
        } else if at == At::Dump && msg.starts_with(" reserved[") {
            b.dump_reserved.push(bracket(msg.split_once('\t').unwrap().1).0);
        } else if at == At::AfterDump
            && let Some(rest) = msg.strip_prefix("memblock_reserve: ")
        {
            let (range, _) = bracket(rest);
            b.reserved_after_dump.push(range);
            // `reserve_real_mode()` ends with the unconditional `[0, 1 MiB)`.
            if range == (0, MIB) {
                at = At::Mapping;
            }
        }
    }
    assert!(at == At::Done, "the log has no init_mem_mapping section");
    b
}

/// A symbol's physical address from `kernel_symbols.txt` (`nokaslr`: `phys_base` is 0).
fn symbol(symbols: &str, name: &str) -> u64 {
    let line = symbols.lines().find(|l| l.split_whitespace().nth(2) == Some(name)).unwrap();
    hex(line.split_whitespace().next().unwrap()) - START_KERNEL_MAP
}

// ---------------------------------------------------------------------------------------
// The model on the machine.

/// memblock with 6.1's rules (spec §H.1, §H.2): `NUMA_NO_NODE` the wildcard, 24-byte regions,
/// no size rounding, align 0 as 64, NOMAP (and, under `movable_node`, HOTPLUG) skipped by
/// both walks, bottom-up from the search's own start.
fn memblock_6_1(kernel_end: u64, movable_node: bool) -> SeriesMemblock {
    let mut mb = SeriesMemblock::series(kernel_end);
    let c = mb.config_mut();
    c.any_node = NUMA_NO_NODE;
    c.align_zero = AlignZero::Use(64);
    c.round_size = false;
    c.skip_top_down = if movable_node { RegionFlags::HOTPLUG | RegionFlags::NOMAP } else { RegionFlags::NOMAP };
    c.skip_bottom_up = c.skip_top_down;
    mb.placement_mut().set_semantics(Semantics::Modern);
    mb.log_mut().set_trace(true);
    mb
}

struct Run {
    name: String,
    log: Boot61,
    kernel_end: u64,
    dm: DirectMap,
    mb: SeriesMemblock,
}

fn run(dir: &Path) -> Run {
    run_built(dir, BuildProfile::DEBIAN_6_1)
}

fn run_built(dir: &Path, profile: BuildProfile) -> Run {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let log = parse(&std::fs::read_to_string(dir.join("dmesg.txt")).unwrap());
    let symbols = std::fs::read_to_string(dir.join("kernel_symbols.txt")).unwrap();
    let (text, brk_base, kernel_end) =
        (symbol(&symbols, "_text"), symbol(&symbols, "__brk_base"), symbol(&symbols, "_end"));
    // The used brk is reserved by `reserve_brk()`; the kernel image reservation starts at _text.
    let brk_end =
        log.reserved_after_dump.iter().chain(&log.dump_reserved).find_map(|&(s, e)| (s == brk_base).then_some(e));
    let brk_end = brk_end.or_else(|| {
        // Merged into the image's row in the dump: [_text, brk_end).
        log.dump_reserved.iter().find_map(|&(s, e)| (s == text && e > brk_base).then_some(e))
    });
    let brk_end = brk_end.unwrap_or_else(|| panic!("{name}: no brk reservation"));
    let pgt_buf_base = brk_end - profile.pgt_buf_pages() * 4096;
    assert!(pgt_buf_base >= brk_base && brk_end <= kernel_end, "{name}: the buffer fits the used brk");

    let mut mb = memblock_6_1(kernel_end, log.movable_node);
    for &(s, e) in log.dump_reserved.iter().chain(&log.reserved_after_dump) {
        mb.reserve(s, e - s).unwrap();
    }
    let e820 = E820Table::new(log.e820.clone()).unwrap();
    mb.set_current_limit(0x10_0000);
    e820.fill_memblock(&mut mb).unwrap();
    mb.set_bottom_up(log.movable_node);
    let (max_pfn, max_low_pfn) = (e820.end_of_ram_pfn().0, e820.end_of_low_ram_pfn().0);
    assert_eq!(vec![max_pfn, max_low_pfn], log.last_pfns, "{name}: last_pfn");
    let mut dm = profile.direct_map(MappingSetup {
        e820,
        cpu: QEMU64,
        direct_gbpages: true,
        pgt_buf_base,
        max_pfn,
        max_low_pfn,
    });
    let result = dm.init_mem_mapping(&mut mb, &mut Linux6_1Walk);
    assert_eq!(result, Ok(()), "{name}");
    Run { name, log, kernel_end, dm, mb }
}

/// The model's lines that a kernel without dynamic debug prints (no `pr_debug`).
fn printed(dm: &DirectMap) -> Vec<String> {
    lines_6_1(dm.events()).filter(|l| !l.is_pr_debug()).map(|l| l.to_string()).collect()
}

fn init_memory_mapping_lines(dm: &DirectMap) -> Vec<String> {
    lines_6_1(dm.events()).map(|l| l.to_string()).filter(|l| l.starts_with("init_memory_mapping:")).collect()
}

// ---------------------------------------------------------------------------------------

#[test]
fn offsets_are_cut_from_caller_symbols_only() {
    let msg = "memblock_phys_alloc_range: 4096 bytes align=0x1000 from=0x0000000120000000 max_addr=0x0000000140000000 alloc_low_pages+0x137/0x160";
    assert_eq!(
        without_offsets(msg),
        "memblock_phys_alloc_range: 4096 bytes align=0x1000 from=0x0000000120000000 max_addr=0x0000000140000000 alloc_low_pages"
    );
    assert_eq!(message("[    0.030805] RAMDISK: [mem 0x1-0x2]"), "RAMDISK: [mem 0x1-0x2]");
    assert_eq!(
        without_offsets("vmemmap_alloc_block_zero.constprop.0+0xc/0x28"),
        "vmemmap_alloc_block_zero.constprop.0"
    );
}

/// Every machine: the lines the kernel printed during `init_mem_mapping()` are the model's.
#[test]
fn every_real_boot_prints_what_the_model_prints() {
    let dirs = fixture_dirs();
    assert_eq!(dirs.len(), 11, "six plain and five hotplug boots");
    let mut exact = Vec::new();
    let mut differ = Vec::new();
    for dir in &dirs {
        let r = run(dir);
        assert!(
            !r.log.mapping_lines.iter().any(|l| l.starts_with("init_memory_mapping:")),
            "{}: 6.1 prints init_memory_mapping with pr_debug",
            r.name
        );
        let ours = printed(&r.dm);
        if ours == r.log.mapping_lines {
            exact.push(r.name);
        } else {
            differ.push(format!("{}:\n  kernel: {:#?}\n  model:  {:#?}", r.name, r.log.mapping_lines, ours));
        }
    }
    assert!(differ.is_empty(), "{} of {} machines exact; differing:\n{}", exact.len(), dirs.len(), differ.join("\n"));
}

/// The top-down boots: one probe (allocated, then freed) whose window is [1 MiB, end of RAM)
/// and whose block is the top 2 MiB of RAM; then the page-table requests, each one page inside
/// the window the ×256 step left mapped. Values read off the logs' lines; the model's request
/// records (not only its printed lines) must say the same.
#[test]
fn top_down_requests_and_where_they_landed() {
    // name, end of RAM, the kernel's alloc_low_pages `from=`, and the pages it got.
    let cases: [(&str, u64, u64, &[u64]); 7] = [
        ("pc-2n", 5 * GIB, 0x1_2000_0000, &[0x1_3fff_f000, 0x1_3fff_e000, 0x1_3fff_d000]),
        ("pc-4n-uneven", 5 * GIB, 0x1_2000_0000, &[0x1_3fff_f000, 0x1_3fff_e000, 0x1_3fff_d000]),
        ("pc2g-2n", 6 * GIB, 0x1_6000_0000, &[0x1_7fff_f000, 0x1_7fff_e000]),
        ("pc2g-4n", 6 * GIB, 0x1_6000_0000, &[0x1_7fff_f000, 0x1_7fff_e000]),
        ("q35-2n", 6 * GIB, 0x1_6000_0000, &[0x1_7fff_f000, 0x1_7fff_e000]),
        ("pc2g-2n-16g", 18 * GIB, 0x4_6000_0000, &[0x4_7fff_f000, 0x4_7fff_e000, 0x4_7fff_d000]),
        ("b1-pc-2n-node1-hotplug-nomovable", 6 * GIB, 0x1_6000_0000, &[0x1_7fff_f000, 0x1_7fff_e000]),
    ];
    let dirs = fixture_dirs();
    for (name, ram_end, from, pages) in cases {
        let r = run(dirs.iter().find(|d| d.ends_with(name)).unwrap());
        let reqs: Vec<_> = memblock_requests(r.dm.events()).copied().collect();
        let (probe, tables) = reqs.split_first().unwrap();
        assert_eq!(
            (probe.size, probe.align, probe.start, probe.end, probe.caller.as_str(), probe.found),
            (2 * MIB, 2 * MIB, MIB, ram_end, "init_mem_mapping", Some(ram_end - 2 * MIB)),
            "{name}: the probe"
        );
        let got: Vec<_> =
            tables.iter().map(|t| (t.size, t.align, t.start, t.end, t.caller.as_str(), t.found.unwrap())).collect();
        let want: Vec<_> = pages.iter().map(|&pa| (4096, 4096, from, ram_end, "alloc_low_pages", pa)).collect();
        assert_eq!(got, want, "{name}: alloc_low_pages");
        // The probe's block is free again; the tables stay reserved.
        assert!(!r.mb.is_region_reserved(ram_end - 2 * MIB, MIB), "{name}");
        assert!(pages.iter().all(|&pa| r.mb.is_region_reserved(pa, 4096)), "{name}");
        assert_eq!(r.dm.max_pfn_mapped() << 12, ram_end, "{name}: everything mapped");
    }
}

/// The movable boots (a2, c1, c3): bottom-up, so no probe and, on these small machines, every
/// page table from the 16-page BRK buffer: no memblock request at all, as their logs show.
/// The chunks, worked by hand for a2 (RAM [1M, 0x7ffe0000) and [4G, 6G), `_end` 0x4430000):
/// pass 1 from `_end` with step 2M: [_end, 0x4600000) maps 0x1d0000 < 2M, so the step stays;
/// [0x4600000, 0x4800000) brings the total to 0x3d0000 >= 2M: step 512M; [0x4800000, 512M)
/// (total 0x1bbd0000 < 512M, step stays); [512M, 1G) (total >= 512M: step 128G); then the rest
/// [1G, 6G) in one chunk, one call per memory region. Pass 2 from 1M: [1M, 2M) (1M < 2M),
/// [2M, 4M) (3M >= 2M: 512M), then [4M, _end).
#[test]
fn movable_boots_map_bottom_up_from_the_kernel_end() {
    let dirs = fixture_dirs();
    for name in
        ["a2-pc-2n-node1-hotplug-movable", "c1-pc-4n-hp23-crash256-movable", "c3-pc-4n-hp23-crash256high-movable"]
    {
        let r = run(dirs.iter().find(|d| d.ends_with(name)).unwrap());
        assert!(r.log.movable_node && r.mb.bottom_up(), "{name}");
        assert_eq!(r.kernel_end, 0x443_0000, "{name}: _end");
        assert!(r.log.mapping_lines.is_empty(), "{name}: the kernel printed nothing");
        assert_eq!(memblock_requests(r.dm.events()).count(), 0, "{name}");
        // 1 PUD + 4 PMD (PUD slots 0, 1, 4, 5) + 2 PTE ([0, 2M) and the 4K tail below 2 GiB).
        let pages = r.dm.pgt_pages();
        assert_eq!(pages.len(), 7, "{name}");
        assert!(pages.iter().all(|p| p.source == PgtSource::Brk), "{name}");
    }
    let a2 = run(dirs.iter().find(|d| d.ends_with("a2-pc-2n-node1-hotplug-movable")).unwrap());
    assert_eq!(
        init_memory_mapping_lines(&a2.dm),
        [
            "init_memory_mapping: [mem 0x00000000-0x000fffff]",
            "init_memory_mapping: [mem 0x04430000-0x045fffff]",
            "init_memory_mapping: [mem 0x04600000-0x047fffff]",
            "init_memory_mapping: [mem 0x04800000-0x1fffffff]",
            "init_memory_mapping: [mem 0x20000000-0x3fffffff]",
            "init_memory_mapping: [mem 0x40000000-0x7ffdffff]",
            "init_memory_mapping: [mem 0x100000000-0x17fffffff]",
            "init_memory_mapping: [mem 0x00100000-0x001fffff]",
            "init_memory_mapping: [mem 0x00200000-0x003fffff]",
            "init_memory_mapping: [mem 0x00400000-0x0442ffff]",
        ]
    );
}

/// pc-2n top-down, by hand (spec §H.5.1): RAM [1M, 0xbffe0000) and [4G, 5G); the probe gives
/// real_end 5G; chunks [5G-2M, 5G) (2M mapped: step 512M), [4.5G, 5G-2M) (total 512M: step
/// 128G), then [1M, 4.5G), i.e. the low region and [4G, 4.5G); real_end is the end of RAM,
/// so nothing is mapped last.
#[test]
fn pc_2n_chunks_top_down() {
    let r = run(fixture_dirs().iter().find(|d| d.ends_with("pc-2n")).unwrap());
    assert_eq!(
        init_memory_mapping_lines(&r.dm),
        [
            "init_memory_mapping: [mem 0x00000000-0x000fffff]",
            "init_memory_mapping: [mem 0x13fe00000-0x13fffffff]",
            "init_memory_mapping: [mem 0x120000000-0x13fdfffff]",
            "init_memory_mapping: [mem 0x00100000-0xbffdffff]",
            "init_memory_mapping: [mem 0x100000000-0x11fffffff]",
        ]
    );
}

/// The 16-page buffer is what the logs need: every other build of the two options gives
/// pc2g-2n-16g another number of memblock requests (the other boots need 7 pages in all, so
/// they cannot tell). By hand: the first MiB and the first chunk take 4 pages from BRK; the
/// last chunk [1M, 17.5G) needs 2 tables for the low region, which overlaps the buffer and so
/// asks memblock, and 13 PMD pages for [4G, 17.5G) (PUD slots 4..16), from BRK while it has
/// room: with B pages, 13 - (B - 4) of them ask memblock. 16: 1 (+2 = 3, the log's count);
/// 12: 5 (7); 8: 9 (11); 6: 11 (13).
#[test]
fn only_the_debian_buffer_size_matches_the_16_gib_boot() {
    let dir = fixture_dirs().into_iter().find(|d| d.ends_with("pc2g-2n-16g")).unwrap();
    for (x86_5level, randomize_memory, pages, requests) in
        [(false, false, 6, 13), (true, false, 8, 11), (false, true, 12, 7)]
    {
        let profile = BuildProfile { x86_5level, randomize_memory };
        assert_eq!(profile.pgt_buf_pages(), pages);
        let r = run_built(&dir, profile);
        // 19 tables in all (1 PUD + 17 PMD + 2 PTE), whatever the buffer holds; the probe too.
        assert_eq!(r.dm.pgt_pages().len(), 19);
        assert_eq!(memblock_requests(r.dm.events()).count(), 1 + requests, "{pages} pages");
        assert_ne!(printed(&r.dm), r.log.mapping_lines);
    }
    assert_eq!(BuildProfile::DEBIAN_6_1.pgt_buf_pages(), 16);
    let r = run(&dir);
    assert_eq!(memblock_requests(r.dm.events()).count(), 1 + 3);
}
