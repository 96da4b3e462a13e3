//! Real Linux 6.1 boots with `crashkernel=` (`testdata/fixtures/linux-6.1-qemu-hotplug/`:
//! Debian 6.1.192 on QEMU, `memblock=debug`, with and without `movable_node`, `crashkernel=X`
//! and `crashkernel=X,high`). For each, the memblock state at the moment the kernel called
//! `reserve_crashkernel()` is rebuilt from the boot's own log:
//! * memory: the `memblock_add:` lines, then the silent `memblock_trim_memory(PAGE_SIZE)`, which
//!   leaves `total_size` untrimmed (the first dump's `memory size` confirms it);
//! * nodes, hotplug flags and every reservation: the second `MEMBLOCK configuration` dump,
//!   printed after `NODE_DATA` and right before the crash kernel (nothing touches memblock in
//!   between on these machines: no CMA).
//!
//! Then 6.1's `reserve_crashkernel()` runs, and what the kernel printed from its first request
//! to the next subsystem's (`sparse_init`) must come out line for line: each
//! `memblock_phys_alloc_range:` request, each `memblock_reserve:` answer and each message,
//! byte for byte once the timestamp and the callers' `+offset/size` are dropped.

mod common;

use std::path::{Path, PathBuf};

use common::memblock_6_1;
use crashkernel::linux61::Step;
use crashkernel::{CrashParams, initmem_init, reserve_crashkernel_6_1};
use x86_mm_bottomup::memblock_bottomup::{BottomUp, MAX_NUMNODES, Nid, RegionFlags, RegionKind, SeriesMemblock};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/fixtures/linux-6.1-qemu-hotplug");

/// `_end` of the Debian 6.1 image with `nokaslr` (every `kernel_symbols.txt`); the search here
/// is top-down, so it only fills the model's field.
const KERNEL_END: u64 = 0x443_0000;

fn boots() -> Vec<PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(FIXTURES)
        .unwrap_or_else(|e| panic!("fixtures missing at {FIXTURES}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::read_to_string(p.join("dmesg.txt")).is_ok_and(|d| d.contains(" crashkernel=")))
        .collect();
    dirs.sort();
    dirs
}

/// The message of a dmesg line, without its `[    0.000000] ` timestamp.
fn message(line: &str) -> &str {
    match line.find("] ") {
        Some(i) if line.starts_with('[') => &line[i + 2..],
        _ => line,
    }
}

/// A memblock trace line with its caller's `+offset/size` dropped (build-specific).
fn without_offset(m: &str) -> String {
    match m.rsplit_once(' ') {
        Some((head, caller)) if m.starts_with("memblock_") => {
            format!("{head} {}", caller.split('+').next().unwrap_or(caller))
        }
        _ => m.to_string(),
    }
}

fn hex(s: &str) -> u64 {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// `[0xA-0xB]` somewhere in `m` -> (A, B - A + 1).
fn range(m: &str) -> (u64, u64) {
    let inner = m.split_once('[').unwrap().1.split_once(']').unwrap().0;
    let (a, b) = inner.split_once('-').unwrap();
    (hex(a), hex(b) - hex(a) + 1)
}

/// A dump row: (kind, base, size, node, flags).
fn dump_row(m: &str) -> Option<(RegionKind, u64, u64, Nid, u64)> {
    let m = m.trim_start();
    let kind = if m.starts_with("memory[") {
        RegionKind::Memory
    } else if m.starts_with("reserved[") {
        RegionKind::Reserved
    } else {
        return None;
    };
    let (_, rest) = m.split_once('\t')?;
    let (base, size) = range(rest);
    let nid = rest.split_once(" on node ").map_or(MAX_NUMNODES, |(_, n)| n.split(' ').next().unwrap().parse().unwrap());
    let flags = hex(rest.rsplit_once("flags: ")?.1);
    Some((kind, base, size, nid, flags))
}

/// ` memory size = 0x… reserved size = 0x…`.
fn dump_sizes(m: &str) -> (u64, u64) {
    let rest = m.trim_start().strip_prefix("memory size = ").unwrap();
    let (mem, res) = rest.split_once(" reserved size = ").unwrap();
    (hex(mem), hex(res))
}

struct Boot {
    name: String,
    cmdline: String,
    /// Messages of the whole log.
    lines: Vec<String>,
    /// Where the crash kernel's first request is.
    crash_at: usize,
    /// Where the dump before it starts.
    dump_at: usize,
}

fn read_boot(dir: &Path) -> Boot {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let dmesg = std::fs::read_to_string(dir.join("dmesg.txt")).unwrap();
    let lines: Vec<String> = dmesg.lines().map(|l| message(l).to_string()).collect();
    let cmdline = lines.iter().find_map(|l| l.strip_prefix("Command line: ")).unwrap().to_string();
    let crash_at = lines
        .iter()
        .position(|l| {
            l.starts_with("memblock_phys_alloc_range:") && l.contains(" setup_arch+") && l.contains("align=0x1000000")
        })
        .unwrap_or_else(|| panic!("{name}: no crash kernel request"));
    let dump_at = lines[..crash_at].iter().rposition(|l| l == "MEMBLOCK configuration:").unwrap();
    Boot { name, cmdline, lines, crash_at, dump_at }
}

/// memblock as it was when `reserve_crashkernel()` ran (see the module documentation).
fn state_before_crashkernel(b: &Boot) -> SeriesMemblock {
    let movable_node = b.cmdline.split(' ').any(|w| w == "movable_node");
    let mut mb = memblock_6_1(KERNEL_END, movable_node);
    let first_dump = b.lines.iter().position(|l| l == "MEMBLOCK configuration:").unwrap();
    for l in b.lines[..first_dump].iter().filter(|l| l.starts_with("memblock_add: ")) {
        let (base, size) = range(l);
        mb.add(base, size).unwrap();
    }
    mb.trim_memory(4096);
    let (first_mem, _) = dump_sizes(&b.lines[first_dump + 1]);
    assert_eq!(mb.memory().total_size(), first_mem, "{}: memory size after the e820 adds", b.name);

    let rows: Vec<_> = b.lines[b.dump_at..b.crash_at].iter().filter_map(|l| dump_row(l)).collect();
    for &(kind, base, size, nid, flags) in &rows {
        if kind == RegionKind::Reserved {
            mb.reserve(base, size).unwrap();
        }
        if nid != MAX_NUMNODES {
            mb.set_node_in(kind, base, size, nid).unwrap();
        }
        if flags & 1 != 0 {
            mb.set_flags(base, size, RegionFlags::HOTPLUG, true).unwrap();
        }
    }
    // The rebuilt state is the dump, region for region.
    let ours: Vec<_> = [RegionKind::Memory, RegionKind::Reserved]
        .into_iter()
        .flat_map(|k| {
            mb.region_type(k).regions().iter().map(move |r| (k, r.base, r.size, r.nid, u64::from(r.flags.bits())))
        })
        .collect();
    assert_eq!(ours, rows, "{}: regions of the dump", b.name);
    let (mem, res) = dump_sizes(&b.lines[b.dump_at + 1]);
    assert_eq!((mb.memory().total_size(), mb.reserved().total_size()), (mem, res), "{}: dump sizes", b.name);
    mb
}

#[test]
fn the_crash_kernel_of_every_real_6_1_boot() {
    let boots = boots();
    let names: Vec<_> = boots.iter().map(|d| d.file_name().unwrap().to_string_lossy().into_owned()).collect();
    for want in
        ["c1-pc-4n-hp23-crash256-movable", "c2-pc-4n-hp23-crash256-nomovable", "c3-pc-4n-hp23-crash256high-movable"]
    {
        assert!(names.iter().any(|n| n == want), "{want} missing from {names:?}");
    }
    for dir in boots {
        let b = read_boot(&dir);
        let mut mb = state_before_crashkernel(&b);
        let (_, srat) = initmem_init(&mut mb, |mb| mb.set_bottom_up(false));
        let out = reserve_crashkernel_6_1(&mut mb, &CrashParams::new(b.cmdline.as_bytes()), &srat);

        // The kernel's lines from the first crash kernel request to sparse_init's.
        let end =
            b.crash_at + b.lines[b.crash_at..].iter().position(|l| l.starts_with("memblock_alloc_try_nid:")).unwrap();
        let kernel: Vec<String> = b.lines[b.crash_at..end].iter().map(|l| without_offset(l)).collect();
        let model: Vec<String> = out
            .steps
            .iter()
            .flat_map(|s| match s {
                Step::Request(r) => {
                    let mut v = vec![r.to_string()];
                    if let Some(a) = r.found {
                        v.push(format!(
                            "memblock_reserve: [{a:#018x}-{:#018x}] memblock_alloc_range_nid",
                            a + r.size - 1
                        ));
                    }
                    v
                }
                Step::Free { base, size, caller } => {
                    vec![format!("memblock_phys_free: [{base:#018x}-{:#018x}] {caller}", base + size - 1)]
                }
                Step::Message(m) => vec![m.to_string()],
            })
            .collect();
        assert_eq!(model, kernel, "{}", b.name);

        // The same crash kernel in facts.txt and /proc/iomem, and in memblock.
        let ck = out.result.unwrap().unwrap();
        let facts = std::fs::read_to_string(dir.join("facts.txt")).unwrap();
        let fact = facts.lines().skip_while(|l| *l != "## crashkernel").nth(1).unwrap();
        assert_eq!(ck.to_string(), fact, "{}", b.name);
        let iomem = std::fs::read_to_string(dir.join("iomem.txt")).unwrap();
        let line = iomem.lines().map(str::trim).find(|l| l.ends_with(": Crash kernel")).unwrap();
        assert_eq!(ck.resource().to_string(), line, "{}", b.name);
        assert!(mb.is_region_reserved(ck.base, ck.size), "{}", b.name);
    }
}

/// c3's state with `movable_node` off (worked by hand; no log of this boot exists): the high
/// try may now use hotpluggable node 3, whose top 256 MiB, 16 MiB aligned, starts at
/// 6 GiB - 256 MiB = 5888 MiB; the crash kernel is above 4 GiB, so a default low part of
/// 256 MiB follows, where c2's low try went (1776 MiB), and its limit is min(total_size,
/// 4 GiB) = 0xfff7dc00, printed as 4095MB.
#[test]
fn c3_without_movable_node_goes_high_with_a_low_part() {
    let dir = Path::new(FIXTURES).join("c3-pc-4n-hp23-crash256high-movable");
    let b = read_boot(&dir);
    let mut mb = state_before_crashkernel(&b);
    *mb.config_mut() = *memblock_6_1(KERNEL_END, false).config();
    let (_, srat) = initmem_init(&mut mb, |mb| mb.set_bottom_up(false));
    let out = reserve_crashkernel_6_1(&mut mb, &CrashParams::new(b.cmdline.as_bytes()), &srat);
    let found: Vec<_> = out.steps.requests().map(|r| (r.purpose, r.found)).collect();
    assert_eq!(
        found,
        [(crashkernel::Purpose::HighTry, Some(5888 << 20)), (crashkernel::Purpose::LowPart, Some(1776 << 20))]
    );
    let messages: Vec<_> = out.steps.messages().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "Reserving 256MB of low memory at 1776MB for crashkernel (low RAM limit: 4095MB)",
            "Reserving 256MB of memory at 5888MB for crashkernel (System RAM: 4095MB)",
        ]
    );
}
