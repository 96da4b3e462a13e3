//! The replay of a 6.1 `memblock=debug` log (spec §H.6), and the same walk under another
//! policy (what-if).
//!
//! The walk starts from an empty memblock with the silent early reservations (the kernel image,
//! the first 64 KiB, the initrd, the BIOS area), then follows the log: every range line is
//! applied as printed, every request is answered by the model with the 6.1 entry points
//! ([`ModernAlloc`](movable_node::memblock_bottomup::ModernAlloc), memblock-bottomup's) and compared with the kernel's `memblock_reserve: ...
//! memblock_alloc_range_nid+...` answer (or its absence: a failure), and what memblock=debug
//! does not print is inferred where the recipe says (limits, trim, direction, hotplug marks,
//! NUMA init, `NODE_DATA`), each inference shown. Dumps, NUMA merges, `NODE_DATA ... on node`,
//! the movable zone starts and the crash kernel messages are checked against the model.
//!
//! After a difference the model takes the kernel's answer, so that each later request is
//! checked on its own. Under a what-if policy the model keeps its own answers instead, and
//! frees of allocated blocks follow the blocks to where the policy put them.

use std::collections::HashMap;

use movable_node::KernelProfile;
use movable_node::memblock_bottomup::{
    Attempt, BottomUp, Found, Label, MAX_NUMNODES, NUMA_NO_NODE, Nid, PAGE_SHIFT, PAGE_SIZE, RegionFlags, RegionKind,
    SMP_CACHE_BYTES, Semantics, SeriesMemblock, page_align, round_down,
};
use movable_node::numa::{NumaEvent, NumaParams};
use movable_node::param::last_param;
use movable_node::verdict::{hotplug_verdicts, labelled_reservations};
use movable_node::zones::{ZoneParams, free_area_init_nodes};
use serde::Serialize;

use super::place::KernelPlace;
use super::trace::{CrashMessage, DumpKind, Garbled, Request, RequestKind, Trace, TraceEvent};
use super::whatif::{Adjustment, NodeReport, node_reports};
use crate::profile_choice::{ProfileChoice, Release, Source as ChoiceSource};
use crate::report::node_of;

/// `ISA_END_ADDRESS`: `current_limit` while `e820__memblock_setup()` runs.
const ISA_END_ADDRESS: u64 = 0x10_0000;
/// `PA_SECTION_SHIFT` on x86-64: 128 MiB sections.
const SECTION_SIZE: u64 = 128 << 20;
/// `PMD_SIZE`: a section's memmap, and the probe of `init_mem_mapping()`.
const PMD_SIZE: u64 = 2 << 20;
/// `__pa(MAX_DMA_ADDRESS)`: the goal of node-local boot allocations.
const MAX_DMA_ADDRESS: u64 = 16 << 20;

mod caller;
mod checks;
mod early;
mod final_state;
mod numa;
mod outcome;
mod requests;

use crate::phases::linux_6_1::early::{e820_memblock_setup_begin, e820_memblock_setup_end};
use crate::phases::linux_6_1::numa::SratBlock;
use caller::{function_of, label, show_nid};
use outcome::profile_line;
pub use outcome::{
    Allocation, Answer, Check, CheckKind, How, Inference, Mode, Outcome, Replay, ReplayError, ReplayOptions, Stopped,
    Summary,
};
use requests::{CRASH_ADDR_LOW_MAX, CRASH_ALIGN, is_crash_low_part};

/// Replays one log (its text) under `opts`.
///
/// # Errors
/// [`ReplayError::NoMemblockLines`] when the log has no `memblock=debug` line.
pub fn replay(name: &str, text: &str, opts: &ReplayOptions) -> Result<Replay, ReplayError> {
    let mut r = replay_trace(name, &Trace::parse(text), opts)?;
    r.profile_choice = profile_line(&r, Release::from_log(text));
    Ok(r)
}

/// Replays a log already read.
///
/// # Errors
/// [`ReplayError::NoMemblockLines`] when the trace has no memblock line.
pub fn replay_trace(name: &str, trace: &Trace, opts: &ReplayOptions) -> Result<Replay, ReplayError> {
    if trace.memblock_lines == 0 {
        return Err(ReplayError::NoMemblockLines);
    }
    let mut e = Engine::new(name, trace, opts);
    e.run();
    let mut r = e.finish();
    r.profile_choice = profile_line(&r, None);
    Ok(r)
}

/// Private bookkeeping of one allocation.
#[derive(Debug, Clone, Copy)]
struct Booked {
    /// Bytes the model reserved.
    model_size: u64,
    label: Label,
}

/// A dump row as printed: base, size, node, flags.
type DumpRow = (u64, u64, Option<i32>, u64);

#[derive(Debug)]
struct DumpBuild {
    line: usize,
    sizes: Option<(u64, u64)>,
    counts: [Option<u64>; 2],
    rows: [Vec<DumpRow>; 2],
}

/// What the walk needs from the whole log before it starts.
struct LogFacts {
    cmdline: String,
    /// The first `last_pfn` line.
    max_pfn: Option<u64>,
    srat: Vec<SratBlock>,
    log_merges: Vec<(i32, u64, u64)>,
    /// In a bottom-up boot the first pass's page tables print `from=kernel_end`.
    bottom_up_from: Option<u64>,
}

impl LogFacts {
    fn scan(trace: &Trace) -> Self {
        let mut f = LogFacts {
            cmdline: String::new(),
            max_pfn: None,
            srat: Vec::new(),
            log_merges: Vec::new(),
            bottom_up_from: None,
        };
        for l in &trace.events {
            match &l.event {
                TraceEvent::CommandLine(c) if f.cmdline.is_empty() => f.cmdline = c.clone(),
                TraceEvent::LastPfn { last_pfn, .. } if f.max_pfn.is_none() => f.max_pfn = Some(*last_pfn),
                TraceEvent::SratNode { node, base, last, hotplug, .. } => {
                    f.srat.push(SratBlock { nid: *node, start: *base, end: last.saturating_add(1), hotplug: *hotplug })
                }
                TraceEvent::NumaMerge { node, base, last } => f.log_merges.push((*node, *base, last.saturating_add(1))),
                TraceEvent::Request(r)
                    if f.bottom_up_from.is_none()
                        && function_of(&r.caller) == "alloc_low_pages"
                        && r.from > ISA_END_ADDRESS =>
                {
                    f.bottom_up_from = Some(r.from);
                }
                _ => {}
            }
        }
        f
    }
}

struct Engine<'t> {
    trace: &'t Trace,
    opts: &'t ReplayOptions,
    what_if: bool,
    profile: KernelProfile,
    movable_node: bool,
    cmdline: String,
    mb: SeriesMemblock,
    out: Replay,
    booked: Vec<Booked>,
    pending: Option<usize>,
    in_adds: bool,
    adds_seen: bool,
    limit_set: bool,
    numa_done: bool,
    kernel_place_known: bool,
    first_dump_seen: bool,
    max_pfn: Option<u64>,
    srat: Vec<SratBlock>,
    log_merges: Vec<(i32, u64, u64)>,
    model_node_data: HashMap<Nid, (Option<u64>, u64)>,
    model_off_node: HashMap<Nid, Nid>,
    kernel_node_data: HashMap<Nid, u64>,
    node_data_checked: Vec<Nid>,
    dump: Option<DumpBuild>,
    movable: Option<(usize, Vec<(i32, u64)>)>,
    kernel_end: u64,
    kernel_end_from: Option<&'static str>,
    last_line: usize,
    /// Whether the log shows a crash kernel low part request.
    log_has_crash_low: bool,
}

impl<'t> Engine<'t> {
    fn new(name: &str, trace: &'t Trace, opts: &'t ReplayOptions) -> Self {
        let what_if = opts.is_what_if();
        let profile = opts.policy.unwrap_or(KernelProfile::Modern);
        let LogFacts { cmdline, max_pfn, srat, log_merges, mut bottom_up_from } = LogFacts::scan(trace);
        let log_movable_node = last_param(cmdline.as_bytes(), "movable_node").is_some();
        let movable_node = opts.movable_node.unwrap_or(log_movable_node);
        if !log_movable_node {
            bottom_up_from = None;
        }
        let mut out = Replay {
            name: name.to_string(),
            mode: if what_if { Mode::WhatIf } else { Mode::Check },
            policy: profile.name(),
            profile_choice: String::new(),
            movable_node,
            log_movable_node,
            declared_hotplug: opts.hotplug.clone(),
            inferences: Vec::new(),
            allocations: Vec::new(),
            checks: Vec::new(),
            garbled: trace.garbled.clone(),
            stopped: None,
            nodes: Vec::new(),
            view: None,
            summary: Summary { lines: trace.lines, garbled: trace.garbled.len(), ..Summary::default() },
        };
        // __pa_symbol(_end): given, or the bottom-up page tables' from=, or the end of the
        // kernel's reservation with its brk (the unused brk tail is not in the log).
        let (kernel_end, kernel_end_from) = match (opts.kernel_end, bottom_up_from) {
            (Some(k), _) => (k, Some("--kernel-end")),
            (None, Some(k)) => (k, Some("the from= of the log's bottom-up page tables")),
            (None, None) => (opts.kernel.as_ref().map_or(0, |k| k.end), None),
        };
        let mut mb = profile.memblock(kernel_end, movable_node);
        mb.log_mut().set_trace(true);
        if movable_node {
            profile.set_movable_node(&mut mb, true);
        }
        let direction = if mb.bottom_up() {
            match mb.placement().semantics() {
                Semantics::Modern => "bottom-up (memblock_set_bottom_up(true) right after parse_early_param)",
                Semantics::Series => "bottom-up above kernel_end (movable_node's early parameter)",
            }
        } else {
            "top-down"
        };
        out.inferences.push(Inference {
            line: 0,
            what: format!(
                "Linux {} memblock, {}; movable_node {}{}",
                profile.name(),
                direction,
                if movable_node { "on" } else { "off" },
                match (opts.movable_node, log_movable_node) {
                    (Some(m), l) if m != l => " (overriding the log's command line)",
                    (None, true) => " (from the Command line)",
                    _ => "",
                }
            ),
        });
        let mut e = Engine {
            trace,
            opts,
            what_if,
            profile,
            movable_node,
            cmdline,
            mb,
            out,
            booked: Vec::new(),
            pending: None,
            in_adds: false,
            adds_seen: false,
            limit_set: false,
            numa_done: false,
            kernel_place_known: opts.kernel.is_some(),
            first_dump_seen: false,
            max_pfn,
            srat,
            log_merges,
            model_node_data: HashMap::new(),
            model_off_node: HashMap::new(),
            kernel_node_data: HashMap::new(),
            node_data_checked: Vec::new(),
            dump: None,
            movable: None,
            kernel_end,
            kernel_end_from,
            last_line: 0,
            log_has_crash_low: trace
                .events
                .iter()
                .any(|e| matches!(&e.event, TraceEvent::Request(r) if is_crash_low_part(r))),
        };
        e.early_reservations();
        e
    }

    fn infer(&mut self, line: usize, what: String) {
        self.out.inferences.push(Inference { line, what });
    }

    fn run(&mut self) {
        let trace = self.trace;
        for (i, l) in trace.events.iter().enumerate() {
            let (line, ev) = (l.number, &l.event);
            self.last_line = line;
            if self.in_adds && !matches!(ev, TraceEvent::Range { op: super::trace::RangeOp::Add, .. }) {
                self.in_adds = false;
                e820_memblock_setup_end(&mut self.mb);
                self.infer(
                    line,
                    "memblock_trim_memory(PAGE_SIZE) after the e820 adds (total_size left as it was)".into(),
                );
            }
            if self.dump.is_some()
                && !matches!(
                    ev,
                    TraceEvent::DumpSizes { .. } | TraceEvent::DumpCount { .. } | TraceEvent::DumpRow { .. }
                )
            {
                self.finish_dump();
            }
            if self.movable.is_some() && !matches!(ev, TraceEvent::MovableZoneNode { .. }) {
                self.finish_movable();
            }
            if ev.is_memblock()
                && !matches!(ev, TraceEvent::Range { op: super::trace::RangeOp::Reserve, caller, .. } if function_of(caller) == "memblock_alloc_range_nid")
            {
                self.resolve_pending(Answer::Failed, 0, None);
            }
            match ev {
                TraceEvent::Range { op, base, last, caller } => self.range(i, line, *op, *base, *last, caller),
                TraceEvent::AddNode { base, last, nid, flags, .. } => {
                    let size = last.wrapping_sub(*base).wrapping_add(1);
                    let _ = self.mb.add_node(*base, size, *nid);
                    let f = RegionFlags::from_bits_truncate(*flags as u32); // every known flag is in the low bits
                    if !f.is_empty() {
                        let _ = self.mb.set_flags(*base, size, f, true);
                    }
                }
                TraceEvent::Request(r) => self.request(line, r),
                TraceEvent::DumpHeader => {
                    self.dump = Some(DumpBuild { line, sizes: None, counts: [None; 2], rows: [Vec::new(), Vec::new()] })
                }
                TraceEvent::DumpSizes { memory, reserved } => {
                    if let Some(d) = &mut self.dump {
                        d.sizes = Some((*memory, *reserved));
                    }
                }
                TraceEvent::DumpCount { kind, cnt } => {
                    if let Some(d) = &mut self.dump {
                        d.counts[*kind as usize] = Some(*cnt);
                    }
                }
                TraceEvent::DumpRow { kind, base, size, nid, flags, .. } => {
                    if let Some(d) = &mut self.dump {
                        d.rows[*kind as usize].push((*base, *size, *nid, *flags));
                    }
                }
                TraceEvent::Ramdisk { .. } | TraceEvent::RamdiskMoved { .. } | TraceEvent::Acpi => {
                    self.after_init_mem_mapping(line)
                }
                TraceEvent::NodeDataOnNode { nid, on } => self.node_data_on_node(line, *nid, Some(*on)),
                TraceEvent::MovableZoneStart => self.movable = Some((line, Vec::new())),
                TraceEvent::MovableZoneNode { nid, addr } => {
                    if let Some((_, v)) = &mut self.movable {
                        v.push((*nid, *addr));
                    }
                }
                TraceEvent::Crashkernel(m) => self.crashkernel(line, m),
                _ => {}
            }
        }
        self.end_of_log();
    }

    /// What is still open when the log ends: a dump, the movable zone lines, a request without
    /// its answer, a cut last line, a boot that never reached NUMA init.
    fn end_of_log(&mut self) {
        if self.dump.is_some() {
            self.finish_dump();
        }
        if self.movable.is_some() {
            self.finish_movable();
        }
        if let Some(p) = self.pending {
            let a = &self.out.allocations[p];
            let (idx, l) = (a.index, a.line);
            self.out.stopped = Some(Stopped {
                line: self.last_line,
                reason: format!("the log ends after request #{idx} (line {l}) and before its answer"),
            });
            self.out.allocations[p].outcome = Outcome::LogEnded;
            self.pending = None;
        }
        if let Some(n) = self.trace.unterminated {
            let reason = if self.trace.garbled.iter().any(|g| g.line == n) {
                format!("the log is cut in the middle of line {n}")
            } else if let Some(st) = &self.out.stopped {
                format!("{}; the log ends without a newline (cut?)", st.reason)
            } else {
                format!("the log ends without a newline at line {n}: it may be cut there")
            };
            self.out.stopped = Some(Stopped { line: n, reason });
        }
        if self.out.stopped.is_none() && !self.numa_done {
            self.out.stopped = Some(Stopped {
                line: self.last_line,
                reason: "the log ends before NUMA init (no NODE_DATA line)".into(),
            });
        }
    }

    /// A range line.
    fn range(&mut self, i: usize, line: usize, op: super::trace::RangeOp, base: u64, last: u64, caller: &str) {
        use super::trace::RangeOp;
        let size = last.wrapping_sub(base).wrapping_add(1);
        match op {
            RangeOp::Add => {
                if !self.adds_seen {
                    self.adds_seen = true;
                    e820_memblock_setup_begin(&mut self.mb);
                    self.infer(
                        line,
                        "memblock_set_current_limit(ISA_END_ADDRESS = 0x100000) and memblock_allow_resize() before e820__memblock_setup"
                            .into(),
                    );
                }
                self.in_adds = true;
                let _ = self.mb.add(base, size);
            }
            RangeOp::Remove => {
                let _ = self.mb.remove(base, size);
            }
            RangeOp::Reserve if function_of(caller) == "memblock_alloc_range_nid" => {
                // A NODE_DATA reservation right after a request that failed: its size is not
                // the request's and a NODE_DATA line follows.
                let node_data_after_failure = self
                    .pending
                    .is_some_and(|p| self.out.allocations[p].size != size && self.node_data_follows(i).is_some());
                if node_data_after_failure {
                    self.resolve_pending(Answer::Failed, 0, None);
                }
                if self.pending.is_some() {
                    self.resolve_pending(Answer::At(base), size, Some(line));
                } else {
                    self.unannounced(i, line, base, size);
                }
            }
            RangeOp::Reserve => {
                let _ = self.mb.reserve_as(base, size, label(caller));
                let after_kernel = self.opts.kernel.as_ref().is_none_or(|k| k.end == base);
                if self.kernel_end_from.is_none()
                    && function_of(caller) == "setup_arch"
                    && after_kernel
                    && !self.adds_seen
                {
                    // reserve_brk(): the used brk, right after the kernel image.
                    self.kernel_end_from = Some("the brk reservation");
                    self.kernel_end = last.saturating_add(1);
                    self.mb.placement_mut().set_kernel_end(self.kernel_end);
                    if self.what_if {
                        self.infer(
                            line,
                            format!(
                                "kernel_end (__pa_symbol(_end)) taken as the end of the brk reservation {:#x} \
                                 (the unused brk tail is not in the log; give --kernel-end)",
                                self.kernel_end
                            ),
                        );
                    }
                }
            }
            RangeOp::PhysFree => self.free(line, base, size, caller),
            RangeOp::FreeLate => self
                .infer(line, "memblock_free_late: pages go to the buddy allocator, memblock.reserved unchanged".into()),
        }
    }

    /// A `memblock_phys_free` line: as printed, or (what-if) moved with the block it frees.
    fn free(&mut self, line: usize, base: u64, size: u64, caller: &str) {
        let end = base.saturating_add(size);
        let hit = self.out.allocations.iter().rposition(|a| match a.kernel {
            Answer::At(k) => k <= base && base < k.saturating_add(a.size),
            _ => false,
        });
        let Some(j) = hit else {
            let _ = self.mb.free_as(base, size, label(caller));
            return;
        };
        let a = &self.out.allocations[j];
        let Answer::At(k) = a.kernel else { return };
        let kend = k.saturating_add(a.size);
        let (off, len) = (base - k, end.min(kend) - base);
        let target = if self.what_if { a.model.map(|m| m.saturating_add(off)) } else { Some(base) };
        match target {
            Some(t) => {
                let _ = self.mb.free_as(t, len, label(caller));
                self.out.allocations[j].freed_bytes += len;
            }
            None if self.what_if => {
                let idx = a.index;
                self.infer(
                    line,
                    format!("memblock_phys_free of allocation #{idx}, which this policy did not make: dropped"),
                );
            }
            None => {}
        }
        if end > kend {
            let _ = self.mb.free_as(kend, end - kend, label(caller));
        }
    }

    /// The first `RAMDISK:`/`ACPI:` line after the e820 adds: `init_mem_mapping()` is done and
    /// `current_limit` is `max_pfn_mapped << PAGE_SHIFT`.
    fn after_init_mem_mapping(&mut self, line: usize) {
        if self.limit_set || !self.adds_seen {
            return;
        }
        self.limit_set = true;
        let (limit, why) = match self.max_pfn {
            Some(p) => (p << PAGE_SHIFT, "max_pfn from the first last_pfn line"),
            None => (self.mb.end_of_dram(), "no last_pfn line: the end of memory"),
        };
        self.mb.set_current_limit(limit);
        self.infer(
            line,
            format!("memblock_set_current_limit({limit:#x}) after init_mem_mapping (max_pfn_mapped = {why})"),
        );
    }

    fn finish(mut self) -> Replay {
        // Nodes as memblock knows them at the end (before NUMA init every region has none).
        for a in &mut self.out.allocations {
            if let Some(m) = a.model {
                a.model_node = node_of(self.mb.state(), m).and_then(show_nid).or(a.model_node);
            }
        }
        // The hotplug picture: SRAT's hotpluggable ranges and the declared nodes'.
        let hotplug: Vec<(Nid, u64, u64)> = self
            .srat
            .iter()
            .filter(|b| b.hotplug || self.opts.hotplug.contains(&b.nid))
            .map(|b| (b.nid, b.start, b.end))
            .collect();
        for n in &self.opts.hotplug {
            if !self.srat.iter().any(|b| b.nid == *n) {
                self.out
                    .inferences
                    .push(Inference { line: 0, what: format!("--hotplug {n}: the log's SRAT has no node {n}") });
            }
        }
        if !hotplug.is_empty() && self.numa_done {
            let max_pfn = self.max_pfn.unwrap_or_else(|| self.mb.end_of_dram() >> PAGE_SHIFT);
            let zones = free_area_init_nodes(self.mb.state(), max_pfn, self.profile, self.zone_params());
            let reserved = labelled_reservations(self.mb.state(), self.mb.log().events());
            let verdicts = hotplug_verdicts(self.mb.state(), &hotplug, &reserved, &zones);
            let allocs: Vec<(usize, usize, &str, u64, u64, bool)> = self
                .out
                .allocations
                .iter()
                .zip(&self.booked)
                .filter_map(|(a, b)| {
                    let m = a.model?;
                    Some((a.index, a.line, a.caller.as_str(), m, b.model_size, a.freed_bytes >= b.model_size))
                })
                .collect();
            self.out.nodes = node_reports(&hotplug, &self.opts.hotplug, &allocs, &verdicts);
        }
        if self.numa_done && self.opts.view {
            self.out.view = Some(Box::new(self.view(&hotplug)));
        }
        let s = &mut self.out.summary;
        for a in &self.out.allocations {
            match a.outcome {
                Outcome::Identical | Outcome::Different => {
                    s.allocations += 1;
                    if a.outcome == Outcome::Identical {
                        s.identical += 1;
                    }
                    if a.kernel == Answer::Failed {
                        s.kernel_failures += 1;
                    }
                }
                Outcome::Skipped => s.allocations += 1,
                _ => {}
            }
        }
        for c in &self.out.checks {
            if c.kind == CheckKind::Dump {
                s.dumps += 1;
                s.dumps_identical += usize::from(c.identical);
            } else {
                s.checks += 1;
                s.checks_identical += usize::from(c.identical);
            }
        }
        self.out
    }
}
