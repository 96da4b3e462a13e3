//! The conformance harness for `testdata/conformance/x86map/`: reads a machine description and
//! replays the driver that ran Linux 3.13.11's own `init_mem_mapping()` on it, printing the
//! same lines (kernel lines, every page-table page, the final counters, a walk of the tables,
//! memblock's reserved ranges). Layers above run it with their own walk.
//!
//! The machine format (one item a line, `#` comments):
//! `name N`, `cpu pse=0|1 pge=0|1 gbpages=0|1`, `param nogbpages|gbpages`,
//! `kernel TEXT BSS_STOP END`, `brk_used BYTES`, `e820 START END TYPE` (END exclusive; TYPE is
//! ram, reserved, acpi, nvs, unusable or kern), `initrd START END`, `reserve START END`,
//! `realmode SIZE`, `reserve_low BYTES`.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use memblock_bottomup::{BottomUp, BottomUpPlacement, Event, PAGE_SIZE, SeriesMemblock, page_align, round_up};

use crate::direct_map::{DirectMap, INIT_PGT_BUF_SIZE, ISA_END_ADDRESS, MappingSetup, MappingWalk};
use crate::e820::{E820Entry, E820Error, E820Table, E820Type};
use crate::events::{MapEvent, PgtSource};
use crate::page_size::CpuFeatures;
use crate::table_walk::TableLevel;

/// A machine of the conformance set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// Its name.
    pub name: String,
    /// CPU features.
    pub cpu: CpuFeatures,
    /// `direct_gbpages` after the early parameters (`nogbpages` clears it).
    pub direct_gbpages: bool,
    /// Physical `_text`.
    pub text: u64,
    /// Physical `__bss_stop`.
    pub bss_stop: u64,
    /// Physical `_end`: `kernel_end` for memblock.
    pub end: u64,
    /// BRK already used before `early_alloc_pgt_buf()`.
    pub brk_used: u64,
    /// The BIOS map (already sanitised).
    pub e820: E820Table,
    /// Where the bootloader put the initrd.
    pub initrd: Option<(u64, u64)>,
    /// Other early reservations, `[start, end)`.
    pub reserves: Vec<(u64, u64)>,
    /// Size of the real-mode trampoline, placed below 1 MiB.
    pub realmode: u64,
    /// `reserve_low`: bytes reserved at 0 (`CONFIG_X86_RESERVE_LOW`, 64 KiB by default).
    pub reserve_low: u64,
}

/// A machine description that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MachineError {
    /// A line that is not one of the format's.
    #[error("line {line}: cannot read {text:?}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
    /// A required item is missing.
    #[error("the machine has no `{0}` line")]
    Missing(&'static str),
    /// The e820 map is not usable.
    #[error(transparent)]
    E820(#[from] E820Error),
}

fn num(t: &str) -> Option<u64> {
    match t.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => t.parse().ok(),
    }
}

fn flag(t: &str, key: &str) -> Option<bool> {
    t.strip_prefix(key)?.strip_prefix('=').and_then(num).map(|v| v != 0)
}

impl Machine {
    /// Reads a machine description.
    ///
    /// # Errors
    ///
    /// [`MachineError::BadLine`] for a line that is not one of the format's,
    /// [`MachineError::Missing`] when a required item is absent, [`MachineError::E820`] when the
    /// map is not usable.
    pub fn parse(text: &str) -> Result<Machine, MachineError> {
        let mut name = None;
        let mut cpu = None;
        let mut direct_gbpages = true;
        let mut kernel = None;
        let (mut brk_used, mut realmode, mut reserve_low) = (0, 0, 0x10000);
        let mut e820 = Vec::new();
        let mut initrd = None;
        let mut reserves = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let toks: Vec<&str> = line.split_whitespace().collect();
            let bad = || MachineError::BadLine { line: n + 1, text: line.to_string() };
            let nums = |k: usize| -> Result<Vec<u64>, MachineError> {
                let v: Option<Vec<u64>> = toks.get(1..=k).ok_or_else(bad)?.iter().map(|t| num(t)).collect();
                v.ok_or_else(bad)
            };
            match toks.first().copied() {
                None => {}
                Some(t) if t.starts_with('#') => {}
                Some("name") => name = Some(toks.get(1).ok_or_else(bad)?.to_string()),
                Some("cpu") => {
                    let get = |k| toks.iter().skip(1).find_map(|t| flag(t, k)).ok_or_else(bad);
                    cpu = Some(CpuFeatures { pse: get("pse")?, pge: get("pge")?, gbpages: get("gbpages")? });
                }
                Some("param") => match toks.get(1).copied() {
                    Some("nogbpages") => direct_gbpages = false,
                    Some("gbpages") => direct_gbpages = true,
                    _ => return Err(bad()),
                },
                Some("kernel") => kernel = Some(nums(3)?),
                Some("brk_used") => brk_used = nums(1)?[0],
                Some("realmode") => realmode = nums(1)?[0],
                Some("reserve_low") => reserve_low = nums(1)?[0],
                Some("initrd") => {
                    let v = nums(2)?;
                    initrd = Some((v[0], v[1]));
                }
                Some("reserve") => {
                    let v = nums(2)?;
                    reserves.push((v[0], v[1]));
                }
                Some("e820") => {
                    let v = nums(2)?;
                    let kind = match toks.get(3).copied() {
                        Some("ram") => E820Type::Ram,
                        Some("reserved") => E820Type::Reserved,
                        Some("acpi") => E820Type::Acpi,
                        Some("nvs") => E820Type::Nvs,
                        Some("unusable") => E820Type::Unusable,
                        Some("kern") => E820Type::ReservedKern,
                        _ => return Err(bad()),
                    };
                    let size = v[1].checked_sub(v[0]).ok_or_else(bad)?;
                    e820.push(E820Entry { addr: v[0], size, kind });
                }
                Some(_) => return Err(bad()),
            }
        }
        let kernel = kernel.ok_or(MachineError::Missing("kernel"))?;
        Ok(Machine {
            name: name.ok_or(MachineError::Missing("name"))?,
            cpu: cpu.ok_or(MachineError::Missing("cpu"))?,
            direct_gbpages,
            text: kernel[0],
            bss_stop: kernel[1],
            end: kernel[2],
            brk_used,
            e820: E820Table::new(e820)?,
            initrd,
            reserves,
            realmode,
            reserve_low,
        })
    }
}

/// `%#lx` as glibc prints it (no `0x` for zero).
fn c_hex(v: u64) -> String {
    if v == 0 { "0".into() } else { format!("{v:#x}") }
}

/// `%#0Nllx` as glibc prints it (zero is padded without `0x`).
fn c_hex_pad(v: u64, width: usize) -> String {
    if v == 0 { format!("{:0width$}", 0) } else { format!("{v:#0width$x}") }
}

/// Everything the run produced, for tests that look past the printed lines.
#[derive(Debug)]
pub struct Run {
    /// The printed output.
    pub output: String,
    /// The memblock after the run.
    pub memblock: SeriesMemblock,
    /// The direct mapping after the run.
    pub direct_map: DirectMap,
    /// The kernel's panic message, if it stopped.
    pub panic: Option<crate::Error>,
}

/// The kernel whose memblock the harness runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Kernel {
    /// `3.13`: the series with the later fix of the `int ret` truncation (what the stored
    /// answers were made with; none of their machines reaches the truncation).
    #[default]
    V3_13,
    /// `3.13.11`: the series as released, with the `int ret` truncation of spec §A.12. A
    /// truncated page-table address that is not RAM ends the run with `FAULT: clear_page
    /// pa=...`; one that is RAM may be handed out more than once.
    V3_13_11,
}

impl Kernel {
    /// `3.13` or `3.13.11`.
    pub const fn name(self) -> &'static str {
        match self {
            Kernel::V3_13 => "3.13",
            Kernel::V3_13_11 => "3.13.11",
        }
    }

    /// Reads a name given by [`Kernel::name`].
    pub fn from_name(name: &str) -> Option<Kernel> {
        [Kernel::V3_13, Kernel::V3_13_11].into_iter().find(|k| k.name() == name)
    }
}

/// Replays the driver on `machine` with memblock bottom-up or not, mapping above the first
/// MiB with `walk`, and prints what the kernel's run printed (3.13 with the `int ret` fix).
pub fn run<W: MappingWalk<BottomUpPlacement> + ?Sized>(machine: &Machine, bottom_up: bool, walk: &mut W) -> Run {
    run_kernel(machine, bottom_up, walk, Kernel::V3_13)
}

/// [`run`] under the memblock of `kernel`.
pub fn run_kernel<W: MappingWalk<BottomUpPlacement> + ?Sized>(
    machine: &Machine,
    bottom_up: bool,
    walk: &mut W,
    kernel: Kernel,
) -> Run {
    let m = machine;
    let mut out = String::new();
    let _ = writeln!(out, "# direction {}", if bottom_up { "bottom-up" } else { "top-down" });
    let mut mb = SeriesMemblock::series(m.end);
    mb.placement_mut().set_int_ret_bug(kernel == Kernel::V3_13_11);
    let mut printed = 0;
    let mut flush = |mb: &SeriesMemblock, out: &mut String| {
        for ev in mb.log().events().get(printed..).unwrap_or_default() {
            print_memblock_event(ev, out);
        }
        printed = mb.log().events().len();
    };
    // 1. The kernel image, the initrd and the other early reservations. A reservation can
    // only fail when an array cannot grow, which these few cannot reach.
    let _ = mb.reserve_as(m.text, m.bss_stop - m.text, "kernel image");
    if let Some((s, e)) = m.initrd {
        let _ = mb.reserve_as(s, page_align(e) - s, "initrd");
    }
    for &(s, e) in &m.reserves {
        let _ = mb.reserve_as(s, e - s, "reserve");
    }
    // 2. movable_node.
    if bottom_up {
        mb.set_bottom_up(true);
    }
    // 3. max_pfn and max_low_pfn.
    let (max_pfn, line) = m.e820.end_of_ram_pfn();
    let _ = writeln!(out, "K: {line}");
    let max_low_pfn = if max_pfn > 1 << 20 {
        let (low, line) = m.e820.end_of_low_ram_pfn();
        let _ = writeln!(out, "K: {line}");
        low
    } else {
        max_pfn
    };
    // 4. early_alloc_pgt_buf() and reserve_brk().
    let brk_start = page_align(m.bss_stop);
    let pgt_buf_base = round_up(brk_start + m.brk_used, PAGE_SIZE);
    let brk_end = pgt_buf_base + INIT_PGT_BUF_SIZE;
    let _ = mb.reserve_as(brk_start, brk_end - brk_start, "reserve_brk");
    // 5. memblock_x86_fill() under the 1 MiB limit.
    mb.set_current_limit(ISA_END_ADDRESS);
    let _ = m.e820.fill_memblock(&mut mb);
    // 6. The real-mode trampoline.
    match mb.find_in_range(0, ISA_END_ADDRESS, m.realmode, PAGE_SIZE) {
        Some(at) => {
            let _ = mb.reserve_as(at, m.realmode, "reserve_real_mode");
            flush(&mb, &mut out);
            let _ = writeln!(out, "DRV: real-mode trampoline at {at:#x} size {:#x}", m.realmode);
        }
        None => {
            flush(&mb, &mut out);
            let _ = writeln!(out, "DRV: no room for the real-mode trampoline");
        }
    }
    // 7. trim_low_memory_range(), then init_mem_mapping().
    let _ = mb.reserve_as(0, m.reserve_low, "trim_low_memory_range");
    flush(&mb, &mut out);
    let mut dm = DirectMap::new(MappingSetup {
        e820: m.e820.clone(),
        cpu: m.cpu,
        direct_gbpages: m.direct_gbpages,
        pgt_buf_base,
        max_pfn,
        max_low_pfn,
    });
    let result = dm.init_mem_mapping(&mut mb, walk);
    for ev in dm.events() {
        match ev {
            MapEvent::Memblock(ev) => print_memblock_event(ev, &mut out),
            MapEvent::PageTable { .. } => {
                let _ = writeln!(out, "{ev}");
            }
            ev => {
                let _ = writeln!(out, "K: {ev}");
            }
        }
    }
    let panic = result.err();
    match panic {
        Some(e @ crate::Error::ClearPageFault { .. }) => {
            let _ = writeln!(out, "FAULT: {e}\nEND: fault");
        }
        Some(e) => {
            let _ = writeln!(out, "PANIC: {e}\nEND: panic");
        }
        None => out.push_str("END: ok\n"),
    }
    print_results(&dm, &mb, brk_end, &mut out);
    Run { output: out, memblock: mb, direct_map: dm, panic }
}

fn print_memblock_event(ev: &Event, out: &mut String) {
    match ev {
        Event::Warn(w) => {
            let _ = writeln!(out, "WARN: {w}");
        }
        ev if !ev.is_debug() => {
            let _ = writeln!(out, "K: {ev}");
        }
        _ => {}
    }
}

fn print_results(dm: &DirectMap, mb: &SeriesMemblock, brk_end: u64, out: &mut String) {
    let buf = dm.pgt_buf();
    let pages = dm.pgt_pages();
    let brk = pages.iter().filter(|p| p.source == PgtSource::Brk).count();
    let dp = dm.direct_pages();
    let walk = dm.walk();
    let _ = writeln!(
        out,
        "RESULT: max_pfn={} max_low_pfn={} max_pfn_mapped={} max_low_pfn_mapped={} min_pfn_mapped={}",
        c_hex(dm.max_pfn()),
        c_hex(dm.max_low_pfn()),
        c_hex(dm.max_pfn_mapped()),
        c_hex(dm.max_low_pfn_mapped()),
        c_hex(dm.min_pfn_mapped())
    );
    let _ = writeln!(
        out,
        "RESULT: pgt_buf start={} end={} top={} (pfn) brk_end={}",
        c_hex(buf.start),
        c_hex(buf.end),
        c_hex(buf.top),
        c_hex(brk_end)
    );
    let _ = writeln!(out, "RESULT: pgt_pages total={} brk={brk} memblock={}", pages.len(), pages.len() - brk);
    let _ = writeln!(out, "RESULT: direct_pages_count 4k={} 2M={} 1G={}", dp.k4, dp.m2, dp.g1);
    for r in &walk.runs {
        let _ = writeln!(out, "MAP: [{}-{}] {}", c_hex_pad(r.start, 14), c_hex_pad(r.end - 1, 14), r.size.name());
    }
    // Tables are counted as the kernel's tables reference them: a page referenced twice counts
    // twice, and a page taken again but referenced once is unreferenced for its second taking.
    let level_count = |l: TableLevel| walk.referenced(l);
    let taken = walk.match_taken(pages.iter().map(|p| p.pa));
    let unreferenced = taken.iter().filter(|l| l.is_none()).count();
    let foreign = walk.tables.keys().filter(|pa| !pages.iter().any(|p| p.pa == **pa)).count();
    let _ = writeln!(
        out,
        "RESULT: tables pud={} pmd={} pte={} unreferenced={unreferenced} foreign={foreign}",
        level_count(TableLevel::Pud),
        level_count(TableLevel::Pmd),
        level_count(TableLevel::Pte)
    );
    let _ = writeln!(
        out,
        "RESULT: mapped_entries 4k={} 2M={} 1G={} map_runs={}",
        walk.entries[0],
        walk.entries[1],
        walk.entries[2],
        walk.runs.len()
    );
    for &(s, e) in dm.pfn_mapped() {
        let _ = writeln!(out, "PFN_MAPPED: [{}-{})", c_hex(s), c_hex(e));
    }
    let taken_count = |l: TableLevel| taken.iter().filter(|&&t| t == Some(l)).count();
    let _ = writeln!(
        out,
        "RESULT: pgt_levels pud={} pmd={} pte={} none={unreferenced}",
        taken_count(TableLevel::Pud),
        taken_count(TableLevel::Pmd),
        taken_count(TableLevel::Pte)
    );
    let letters: String = taken
        .iter()
        .map(|l| match l {
            Some(TableLevel::Pud) => 'U',
            Some(TableLevel::Pmd) => 'M',
            Some(TableLevel::Pte) => 'T',
            None => 'x',
        })
        .collect();
    let _ = writeln!(out, "PGTLEVELS:{letters}");
    for r in mb.reserved().regions() {
        let _ = writeln!(out, "RESERVED: [{}-{}]", c_hex_pad(r.base, 14), c_hex_pad(r.end() - 1, 14));
    }
}
