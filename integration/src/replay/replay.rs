//! The replay of a 6.1 `memblock=debug` log (spec §H.6), and the same walk under another
//! policy (what-if).
//!
//! The walk starts from an empty memblock with the silent early reservations (the kernel image,
//! the first 64 KiB, the initrd, the BIOS area), then follows the log: every range line is
//! applied as printed, every request is answered by the model with the 6.1 entry points
//! ([`super::modern`]) and compared with the kernel's `memblock_reserve: ...
//! memblock_alloc_range_nid+...` answer (or its absence: a failure), and what memblock=debug
//! does not print is inferred where the recipe says (limits, trim, direction, hotplug marks,
//! NUMA init, `NODE_DATA`), each inference shown. Dumps, NUMA merges, `NODE_DATA ... on node`,
//! the movable zone starts and the crash kernel messages are checked against the model.
//!
//! After a difference the model takes the kernel's answer, so that each later request is
//! checked on its own. Under a what-if policy the model keeps its own answers instead, and
//! frees of allocated blocks follow the blocks to where the policy put them.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Mutex, OnceLock};

use movable_node::memblock_bottomup::{
    BottomUp, Label, MAX_NUMNODES, NUMA_NO_NODE, Nid, PAGE_SHIFT, PAGE_SIZE, RegionFlags, RegionKind, Semantics,
    SeriesMemblock, page_align, round_down,
};
use movable_node::numa::{NumaDiscovery, NumaEvent, NumaInitFn, NumaMeminfo, NumaParams, x86_numa_init};
use movable_node::param::last_param;
use movable_node::verdict::{hotplug_verdicts, labelled_reservations};
use movable_node::zones::{ZoneParams, free_area_init_nodes};
use movable_node::{KernelProfile, memparse};
use serde::Serialize;

use super::modern::{Attempt, Found, ModernAlloc, SMP_CACHE_BYTES};
use super::place::KernelPlace;
use super::trace::{CrashMessage, DumpKind, Garbled, Request, RequestKind, Trace, TraceEvent};
use super::whatif::{Adjustment, NodeReport, Policy, node_reports};
use crate::profile_choice::{ProfileChoice, Release, Source as ChoiceSource};
use crate::report::node_of;

/// `ISA_END_ADDRESS`: `current_limit` while `e820__memblock_setup()` runs.
const ISA_END_ADDRESS: u64 = 0x10_0000;
/// `BIOS_START_MIN` and `BIOS_START_MAX` of `reserve_bios_regions()`.
const BIOS_START_MIN: u64 = 0x2_0000;
const BIOS_START_MAX: u64 = 0x9_f000;
/// `PA_SECTION_SHIFT` on x86-64: 128 MiB sections.
const SECTION_SIZE: u64 = 128 << 20;
/// `PMD_SIZE`: a section's memmap, and the probe of `init_mem_mapping()`.
const PMD_SIZE: u64 = 2 << 20;
/// `__pa(MAX_DMA_ADDRESS)`: the goal of node-local boot allocations.
const MAX_DMA_ADDRESS: u64 = 16 << 20;

/// What the user tells the replay.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// Where the kernel image is (`--iomem`, `--kernel-range`); without it the reserved rows of
    /// the first dump stand in for the silent reservations.
    pub kernel: Option<KernelPlace>,
    /// `__pa_symbol(_end)` for the series' bottom-up start (`--kernel-end`).
    pub kernel_end: Option<u64>,
    /// Replay under this policy instead of checking 6.1 against the log.
    pub policy: Option<Policy>,
    /// Override `movable_node` (default: whether the log's command line has it).
    pub movable_node: Option<bool>,
    /// Nodes to declare hotpluggable (all their SRAT ranges).
    pub hotplug: Vec<i32>,
}

impl ReplayOptions {
    /// Whether this is a what-if (a policy, or a node declared hotpluggable).
    pub fn is_what_if(&self) -> bool {
        self.policy.is_some() || !self.hotplug.is_empty() || self.movable_node.is_some()
    }
}

/// Why a log cannot be replayed at all.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplayError {
    /// Not one memblock debug line.
    NoMemblockLines,
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::NoMemblockLines => f.write_str(
                "no memblock lines in this log: boot with memblock=debug on the kernel command line, then save dmesg",
            ),
        }
    }
}

impl std::error::Error for ReplayError {}

/// Whether the model's answers were checked against the kernel's or replayed under a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Linux 6.1's rules, checked against the log.
    Check,
    /// Another policy (or hotplug declared): the log's requests, the policy's answers.
    WhatIf,
}

/// Something the replay did that no line printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inference {
    /// The line it was inferred at (0: before the first line).
    pub line: usize,
    /// What and why.
    pub what: String,
}

/// The kernel's answer to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "addr")]
pub enum Answer {
    /// Reserved at this address.
    At(u64),
    /// No reserve line: the request failed.
    Failed,
    /// The log ends (or the request was not in the log).
    Unknown,
}

/// How a request came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The model's answer is the kernel's.
    Identical,
    /// It is not (check mode: a mismatch; what-if: the policy moved it).
    Different,
    /// The log ends before the kernel's answer.
    LogEnded,
    /// Not made under the what-if policy.
    Skipped,
    /// Made only under the what-if policy.
    Synthesized,
}

/// The model's reason for its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct How {
    /// The search rule: `top-down`, `bottom-up`, `bottom-up above kernel_end`, `top-down
    /// (bottom-up fallback)`.
    pub rule: &'static str,
    /// The try that found it.
    pub attempt: Attempt,
    /// The window searched.
    pub window: (u64, u64),
    /// The node searched (`None`: any).
    pub nid: Option<i32>,
    /// The free range `[start, end)` that held the block, and its node.
    pub free_range: Option<(u64, u64, Option<i32>)>,
}

/// One allocation: the request, the kernel's answer and the model's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    /// 1-based, in log order.
    pub index: usize,
    /// The request line (for `NODE_DATA`, which has none, its reserve line).
    pub line: usize,
    /// The kernel's reserve line, if any.
    pub answer_line: Option<usize>,
    /// The entry point.
    pub function: &'static str,
    /// Who asked (`%pS`).
    pub caller: String,
    /// Bytes.
    pub size: u64,
    /// Alignment.
    pub align: u64,
    /// Node asked for (`None`: any).
    pub nid: Option<i32>,
    /// `from=` as asked (after a what-if adjustment, the adjusted one).
    pub from: u64,
    /// `max_addr=` as asked (0: accessible).
    pub max_addr: u64,
    /// The kernel's answer.
    pub kernel: Answer,
    /// The model's answer (`None`: it found nothing).
    pub model: Option<u64>,
    /// The node of the model's block.
    pub model_node: Option<i32>,
    /// How the model found it.
    pub how: Option<How>,
    /// The comparison.
    pub outcome: Outcome,
    /// The first difference with the model's reason, or what the what-if changed.
    pub note: Option<String>,
    /// What-if changes to the request.
    pub adjustment: Option<Adjustment>,
    /// Bytes of the model's block freed again later in the log.
    pub freed_bytes: u64,
}

/// What else was compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// A `MEMBLOCK configuration` dump, region for region.
    Dump,
    /// The `NUMA: Node ... ->` merges of `numa_cleanup_meminfo()`.
    NumaMerges,
    /// Whether each `NODE_DATA` landed on its node (`NODE_DATA(%d) on node %d`).
    NodeData,
    /// The `Movable zone start for each node` lines.
    MovableZone,
    /// A crash kernel message against the model's crash kernel block.
    Crashkernel,
}

impl CheckKind {
    /// A word for reports.
    pub const fn name(self) -> &'static str {
        match self {
            CheckKind::Dump => "MEMBLOCK configuration",
            CheckKind::NumaMerges => "NUMA merges",
            CheckKind::NodeData => "NODE_DATA node",
            CheckKind::MovableZone => "movable zone start",
            CheckKind::Crashkernel => "crash kernel",
        }
    }
}

/// One comparison other than an allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Its line.
    pub line: usize,
    /// What was compared.
    pub kind: CheckKind,
    /// Whether the model agrees.
    pub identical: bool,
    /// What agreed, or the first difference.
    pub detail: String,
}

/// Where a replay stopped before the log's end of early boot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stopped {
    /// The last line replayed.
    pub line: usize,
    /// Why.
    pub reason: String,
}

/// The counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Allocations whose kernel answer is known (failures included).
    pub allocations: usize,
    /// Of those, the ones where the model agrees.
    pub identical: usize,
    /// Requests the kernel failed.
    pub kernel_failures: usize,
    /// Dumps compared.
    pub dumps: usize,
    /// Dumps identical.
    pub dumps_identical: usize,
    /// Other checks.
    pub checks: usize,
    /// Other checks identical.
    pub checks_identical: usize,
    /// Garbled lines.
    pub garbled: usize,
    /// Lines in the log.
    pub lines: usize,
}

/// A whole replay.
#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    /// The log's name.
    pub name: String,
    /// Check or what-if.
    pub mode: Mode,
    /// The policy's name (`6.1` when checking).
    pub policy: &'static str,
    /// Which profile's rules ran and why, the first line of the text output:
    /// `profile 6.1 (the log is from Linux 6.1.0)`.
    pub profile_choice: String,
    /// Whether `movable_node` was in force.
    pub movable_node: bool,
    /// Whether the log's command line had it.
    pub log_movable_node: bool,
    /// Nodes declared hotpluggable.
    pub declared_hotplug: Vec<i32>,
    /// Silent operations, in order.
    pub inferences: Vec<Inference>,
    /// Every allocation.
    pub allocations: Vec<Allocation>,
    /// Dumps and other checks.
    pub checks: Vec<Check>,
    /// Unreadable lines.
    pub garbled: Vec<Garbled>,
    /// Where the replay stopped early, if it did.
    pub stopped: Option<Stopped>,
    /// Per node with hotpluggable memory: what lands there and the verdict.
    pub nodes: Vec<NodeReport>,
    /// The counts.
    pub summary: Summary,
    /// The state at the end of the log as bootsim's view model, for its SVG and HTML map
    /// (present when the log reached NUMA init).
    #[serde(skip)]
    pub view: Option<Box<crate::view::View>>,
}

/// The profile line of a replay: a check always runs 6.1's rules (the only ones the trace
/// format has); a what-if runs its policy's. Either way the log's own kernel is named.
fn profile_line(r: &Replay, release: Option<Release>) -> String {
    let (name, what_if) = (r.policy, r.mode == Mode::WhatIf);
    let profile = KernelProfile::from_name(name);
    let log = release.map_or("the log does not say which kernel".to_string(), |r| format!("the log is from Linux {r}"));
    if what_if {
        return format!("profile {name} (what-if policy; {log})");
    }
    match release.map(|r| ProfileChoice::detected(r, ChoiceSource::Log)) {
        Some(c) if Some(c.profile) == profile => c.to_string(),
        _ => format!("profile {name} ({log}; replay checks with 6.1's rules, the only ones it has)"),
    }
}

impl Replay {
    /// Whether every allocation and every check agreed and the log was read whole.
    pub fn all_identical(&self) -> bool {
        let s = &self.summary;
        s.identical == s.allocations && s.checks_identical == s.checks && s.dumps_identical == s.dumps
    }
}

/// Replays one log (its text) under `opts`.
pub fn replay(name: &str, text: &str, opts: &ReplayOptions) -> Result<Replay, ReplayError> {
    let mut r = replay_trace(name, &Trace::parse(text), opts)?;
    r.profile_choice = profile_line(&r, Release::from_log(text));
    Ok(r)
}

/// Replays a log already read.
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

/// `CRASH_ALIGN`: the alignment of every automatic crash kernel request.
const CRASH_ALIGN: u64 = 16 << 20;
/// `CRASH_ADDR_LOW_MAX`: the top of the low part's window.
const CRASH_ADDR_LOW_MAX: u64 = 1 << 32;
/// `CRASH_ADDR_HIGH_MAX` (6.1, x86-64): the top of the high try's window, 64 TiB.
const CRASH_ADDR_HIGH_MAX: u64 = 1 << 46;

/// The crash kernel's low part request (§H.5.2): setup_arch, from 0 below 4 GiB, 16 MiB aligned.
fn is_crash_low_part(r: &Request) -> bool {
    r.kind == RequestKind::PhysAllocRange
        && function_of(&r.caller) == "setup_arch"
        && r.align == CRASH_ALIGN
        && r.from == 0
        && r.max_addr == CRASH_ADDR_LOW_MAX
}

/// The crash kernel's high try (§H.5.2): setup_arch, from 16 MiB below 64 TiB.
fn is_crash_high_try(r: &Request) -> bool {
    r.kind == RequestKind::PhysAllocRange
        && function_of(&r.caller) == "setup_arch"
        && r.align == CRASH_ALIGN
        && r.max_addr == CRASH_ADDR_HIGH_MAX
}

/// A reservation's owner for the layers' labelled events: the caller's function. The layers
/// label with `&'static str`; names are interned once per process (at most a few thousand
/// kernel functions; past that, one shared label).
fn label(caller: &str) -> Label {
    const MAX_LABELS: usize = 4096;
    thread_local! {
        static CACHE: RefCell<HashMap<String, Label>> = RefCell::new(HashMap::new());
    }
    static LABELS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let name = function_of(caller);
    if let Some(l) = CACHE.with(|c| c.borrow().get(name).copied()) {
        return l;
    }
    let l = {
        let mut set = LABELS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
        match set.get(name) {
            Some(&l) => l,
            None if set.len() >= MAX_LABELS => "(other caller)",
            None => {
                let l: &'static str = Box::leak(name.to_string().into_boxed_str());
                set.insert(l);
                l
            }
        }
    };
    CACHE.with(|c| c.borrow_mut().insert(name.to_string(), l));
    l
}

/// `symbol` of `symbol+0xoff/0xsize [module]`.
fn function_of(caller: &str) -> &str {
    caller.split(['+', ' ']).next().unwrap_or(caller)
}

fn show_nid(nid: Nid) -> Option<i32> {
    (nid != NUMA_NO_NODE && nid != MAX_NUMNODES).then_some(nid)
}

/// The first `numa_init()` source: the log's SRAT lines, with declared nodes marked as if the
/// firmware had set the Hot Pluggable bit.
#[derive(Debug)]
struct LogNuma<'a> {
    blocks: &'a [SratBlock],
    declared: &'a [i32],
}

#[derive(Debug, Clone, Copy)]
struct SratBlock {
    nid: Nid,
    start: u64,
    end: u64,
    hotplug: bool,
}

impl NumaInitFn for LogNuma<'_> {
    fn name(&self) -> &'static str {
        "acpi"
    }

    /// `x86_acpi_numa_init()` as the `ACPI: SRAT: Node` lines tell it: each range is a node
    /// block and, from 3.14 on, hotpluggable ones are marked in memblock (6.1 marks them with
    /// or without `movable_node`). Blocks that overlap no memory go to 6.1's
    /// `numa_reserved_meminfo` (3.12 drops them in `numa_cleanup_meminfo()`): either way they
    /// are not node blocks.
    fn init(&mut self, mb: &mut SeriesMemblock, params: &NumaParams, events: &mut Vec<NumaEvent>) -> NumaDiscovery {
        let mut meminfo = NumaMeminfo::default();
        let mut nodes = Vec::new();
        let mut ret = Ok(());
        for b in self.blocks {
            nodes.push(b.nid);
            if params.profile.has_hotplug_flags() && (b.hotplug || self.declared.contains(&b.nid)) {
                let _ = mb.set_flags(b.start, b.end - b.start, RegionFlags::HOTPLUG, true);
            }
            if mb.memory().overlaps(b.start, b.end - b.start).is_none() {
                continue;
            }
            if let Err(e) = meminfo.add_memblk(b.nid, b.start, b.end, events) {
                ret = Err(e.init_ret());
            }
        }
        nodes.sort_unstable();
        nodes.dedup();
        NumaDiscovery { ret, meminfo, nodes_parsed: nodes }
    }
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
        let profile = opts.policy.unwrap_or(Policy::V6_1).profile();
        let mut cmdline = String::new();
        let mut max_pfn = None;
        let mut srat = Vec::new();
        let mut log_merges = Vec::new();
        let mut bottom_up_from = None;
        for l in &trace.events {
            match &l.event {
                TraceEvent::CommandLine(c) if cmdline.is_empty() => cmdline = c.clone(),
                TraceEvent::LastPfn { last_pfn, .. } if max_pfn.is_none() => max_pfn = Some(*last_pfn),
                TraceEvent::SratNode { node, base, last, hotplug, .. } => {
                    srat.push(SratBlock { nid: *node, start: *base, end: last.saturating_add(1), hotplug: *hotplug })
                }
                TraceEvent::NumaMerge { node, base, last } => log_merges.push((*node, *base, last.saturating_add(1))),
                TraceEvent::Request(r)
                    if bottom_up_from.is_none()
                        && function_of(&r.caller) == "alloc_low_pages"
                        && r.from > ISA_END_ADDRESS =>
                {
                    // In a bottom-up boot the first pass's page tables print from=kernel_end.
                    bottom_up_from = Some(r.from);
                }
                _ => {}
            }
        }
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

    /// `early_reserve_memory()` and friends: everything reserved before memblock=debug is on.
    fn early_reservations(&mut self) {
        if let Some(k) = &self.opts.kernel {
            let (s, e) = (k.start, k.end);
            let _ = self.mb.reserve_as(s, e - s, "kernel image");
            let src = k.source.clone();
            self.infer(
                0,
                format!(
                    "reserve [{s:#x}-{:#x}] the kernel image _text..__end_of_kernel_reserve ({src})",
                    e.wrapping_sub(1)
                ),
            );
        } else {
            self.infer(
                0,
                "the kernel image's place is not in the log (give --iomem or --kernel-range): \
                 the reserved rows of the first dump stand in for the silent reservations"
                    .into(),
            );
        }
        let _ = self.mb.reserve_as(0, 0x1_0000, "first 64 KiB");
        self.infer(0, "reserve [0x0-0xffff]: the first 64 KiB (early_reserve_memory)".into());
        // The initrd where the boot loader put it: the first RAMDISK line, or a move's source.
        let mut initrd = None;
        for l in &self.trace.events {
            match l.event {
                TraceEvent::RamdiskMoved { from_base, from_last, .. } => {
                    initrd = Some((from_base, from_last, l.number));
                    break;
                }
                TraceEvent::Ramdisk { base, last } if initrd.is_none() => initrd = Some((base, last, l.number)),
                _ => {}
            }
        }
        if let Some((b, last, n)) = initrd {
            let end = page_align(last.saturating_add(1));
            let _ = self.mb.reserve_as(b, end - b, "initrd");
            self.infer(
                0,
                format!(
                    "reserve [{b:#x}-{:#x}]: the initrd (RAMDISK: at line {n}, end page-aligned)",
                    end.wrapping_sub(1)
                ),
            );
        }
        // reserve_bios_regions(): the BIOS RAM size word (the end of the first usable e820 entry
        // on these machines), clamped; the EBDA is assumed to start there.
        let low_ram_end = self.trace.events.iter().find_map(|l| match &l.event {
            TraceEvent::E820 { base: 0, last, kind } if kind == "usable" => Some(last.saturating_add(1)),
            _ => None,
        });
        let bios_start = match low_ram_end {
            Some(e) if (BIOS_START_MIN..=BIOS_START_MAX).contains(&e) => e,
            _ => BIOS_START_MAX,
        };
        let _ = self.mb.reserve_as(bios_start, 0x10_0000 - bios_start, "BIOS regions");
        self.infer(
            0,
            format!(
                "reserve [{bios_start:#x}-0xfffff]: BIOS regions (bios_start from the BIOS RAM size{}, clamped to [0x20000, 0x9f000])",
                low_ram_end.map_or(String::from(" (no e820 line: 0x9f000)"), |e| format!(" {e:#x}"))
            ),
        );
        if let Some(src) = self.kernel_end_from {
            let k = self.kernel_end;
            self.infer(0, format!("kernel_end (__pa_symbol(_end)) = {k:#x} from {src}"));
        }
    }

    fn run(&mut self) {
        let trace = self.trace;
        for (i, l) in trace.events.iter().enumerate() {
            let (line, ev) = (l.number, &l.event);
            self.last_line = line;
            if self.in_adds && !matches!(ev, TraceEvent::Range { op: super::trace::RangeOp::Add, .. }) {
                self.in_adds = false;
                self.mb.trim_memory(PAGE_SIZE);
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
                    self.mb.set_current_limit(ISA_END_ADDRESS);
                    self.mb.allow_resize();
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

    fn push_alloc(&mut self, a: Allocation, booked: Booked) -> usize {
        self.out.allocations.push(a);
        self.booked.push(booked);
        self.out.allocations.len() - 1
    }

    /// The end a search for this entry point and `max_addr` ends at.
    fn search_end(&self, kind: RequestKind, max: u64) -> u64 {
        let limit = self.mb.current_limit();
        let end = if kind == RequestKind::PhysAllocRange { max } else { max.min(limit) };
        if end == 0 || end == super::modern::MEMBLOCK_ALLOC_NOLEAKTRACE { limit } else { end }
    }

    /// The rule the placement is about to follow for a window ending at `end`.
    fn rule(&self, end: u64) -> &'static str {
        if !self.mb.bottom_up() {
            return "top-down";
        }
        match self.mb.placement().semantics() {
            Semantics::Modern => "bottom-up",
            Semantics::Series if end > self.kernel_end => "bottom-up above kernel_end",
            Semantics::Series => "top-down (window ends below kernel_end)",
        }
    }

    /// Runs one request through the entry point its line names.
    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        kind: RequestKind,
        size: u64,
        align: u64,
        nid: Nid,
        from: u64,
        max: u64,
        l: Label,
    ) -> Option<Found> {
        match kind {
            RequestKind::PhysAllocRange => self.mb.memblock_phys_alloc_range(size, align, from, max, l),
            RequestKind::AllocTryNid => self.mb.memblock_alloc_try_nid(size, align, from, max, nid, l),
            RequestKind::AllocTryNidRaw => self.mb.memblock_alloc_try_nid_raw(size, align, from, max, nid, l),
            RequestKind::AllocExactNidRaw => self.mb.memblock_alloc_exact_nid_raw(size, align, from, max, nid, l),
            RequestKind::PhysAllocTryNid => self.mb.memblock_phys_alloc_try_nid(size, align, nid, l),
        }
    }

    fn how(&self, rule: &'static str, fallbacks_before: usize, f: &Found) -> How {
        let rule =
            if self.mb.placement().fallbacks() > fallbacks_before { "top-down (bottom-up fallback)" } else { rule };
        How {
            rule,
            attempt: f.attempt,
            window: f.window,
            nid: show_nid(f.nid),
            free_range: f.free_range.map(|r| (r.start, r.end, show_nid(r.nid))),
        }
    }

    /// A request line: the model answers now; the kernel's answer comes with the next
    /// `memblock_alloc_range_nid` reserve line.
    fn request(&mut self, line: usize, r: &Request) {
        let mut from = r.from;
        let mut max = r.max_addr;
        let mut nid = r.nid.unwrap_or(NUMA_NO_NODE);
        let mut adjustment = None;
        let fname = function_of(&r.caller);
        if self.what_if {
            if fname == "init_mem_mapping" && r.kind == RequestKind::PhysAllocRange && self.mb.bottom_up() {
                adjustment = Some(Adjustment::ProbeNotMade);
            } else if fname == "alloc_low_pages"
                && self.mb.bottom_up()
                && self.kernel_end != 0
                && from != self.kernel_end
            {
                from = self.kernel_end;
                adjustment = Some(Adjustment::PageTablesFromKernelEnd);
            } else if fname == "sparse_init_nid"
                && r.kind == RequestKind::AllocTryNid
                && max != 0
                && let Some((goal, n)) = self.usemap_goal(r.from, r.max_addr)
                && (goal != from || n != nid)
            {
                (from, max, nid) = (goal, goal.saturating_add(SECTION_SIZE), n);
                adjustment = Some(Adjustment::UsemapFollowsNodeData);
            } else if is_crash_low_part(r) && !self.crash_main_above_4g() {
                adjustment = Some(Adjustment::CrashLowNotMade);
            }
        }
        let l = label(&r.caller);
        let mut a = Allocation {
            index: self.out.allocations.len() + 1,
            line,
            answer_line: None,
            function: r.kind.name(),
            caller: r.caller.clone(),
            size: r.size,
            align: r.align,
            nid: r.nid.and(Some(nid)).and_then(show_nid),
            from,
            max_addr: max,
            kernel: Answer::Unknown,
            model: None,
            model_node: None,
            how: None,
            outcome: Outcome::LogEnded,
            note: adjustment.map(|x| x.words().to_string()),
            adjustment,
            freed_bytes: 0,
        };
        let mut booked = Booked { model_size: r.size, label: l };
        if !adjustment.is_some_and(Adjustment::not_made) {
            let rule = self.rule(self.search_end(r.kind, max));
            let fb = self.mb.placement().fallbacks();
            if let Some(f) = self.call(r.kind, r.size, r.align, nid, from, max, l) {
                a.model = Some(f.addr);
                a.model_node = node_of(self.mb.state(), f.addr).and_then(show_nid);
                a.how = Some(self.how(rule, fb, &f));
                booked.model_size = f.size;
            }
        }
        let idx = self.push_alloc(a, booked);
        self.pending = Some(idx);
        // What-if: a `,high` crash kernel the policy puts at or above 4 GiB needs its low
        // part, which the log does not show when the kernel put it below.
        if self.what_if
            && is_crash_high_try(r)
            && !self.log_has_crash_low
            && self.crash_main_above_4g()
            && let Some(low) = self.crash_low_size()
        {
            self.synthesize(
                line,
                r,
                Adjustment::CrashLowPart,
                1,
                low,
                CRASH_ALIGN,
                0,
                CRASH_ADDR_LOW_MAX,
                NUMA_NO_NODE,
            );
            // No room below 4 GiB: reserve_crashkernel_low() fails and the main part is
            // freed again ("Cannot reserve %ldMB crashkernel low memory ...").
            let low_failed = self.out.allocations.last().is_some_and(|a| a.model.is_none());
            if low_failed && let Some(main) = self.out.allocations[idx].model {
                let Booked { model_size, label } = self.booked[idx];
                let _ = self.mb.free_as(main, model_size, label);
                self.out.allocations[idx].freed_bytes += model_size;
                self.infer(
                    line,
                    format!(
                        "Cannot reserve {}MB crashkernel low memory, please try smaller size.: the crash kernel at \
                         {main:#x} is freed again (H.5.2)",
                        low >> 20
                    ),
                );
            }
        }
        // What-if follow-ups the kernel would have asked for at once.
        if self.what_if && self.out.allocations[idx].model.is_none() {
            if fname == "sparse_init_nid" && r.kind == RequestKind::AllocTryNid && max != 0 {
                self.synthesize(line, r, Adjustment::UsemapRetryNoLimit, 1, r.size, r.align, from, 0, nid);
            } else if fname == "sparse_init_nid" && r.kind == RequestKind::AllocExactNidRaw {
                // One per present section; a size beyond any machine (64 TiB) is not a memmap.
                let n = r.size / PMD_SIZE;
                if n <= (64 << 40) / SECTION_SIZE {
                    self.synthesize(
                        line,
                        r,
                        Adjustment::MemmapPerSection,
                        n,
                        PMD_SIZE,
                        PMD_SIZE,
                        MAX_DMA_ADDRESS,
                        0,
                        nid,
                    );
                }
            }
        }
    }

    /// Whether the policy's crash kernel (the main part, the last one made) lies at or above
    /// 4 GiB, so that `reserve_crashkernel_low()` runs.
    fn crash_main_above_4g(&self) -> bool {
        self.out
            .allocations
            .iter()
            .rev()
            .find(|a| {
                function_of(&a.caller) == "setup_arch"
                    && a.align == CRASH_ALIGN
                    && !(a.from == 0 && a.max_addr == CRASH_ADDR_LOW_MAX)
                    && a.model.is_some()
            })
            .and_then(|a| a.model)
            .is_some_and(|m| m >= CRASH_ADDR_LOW_MAX)
    }

    /// The size of the crash kernel's low part (§H.5.2): `crashkernel=Y,low`, else
    /// max(swiotlb + 8 MiB, 256 MiB); `None` for `crashkernel=0,low`.
    fn crash_low_size(&self) -> Option<u64> {
        let cmdline = self.cmdline.as_bytes();
        match movable_node::parse_crashkernel_with(cmdline, 0, movable_node::Suffix::Low, movable_node::Profile::Modern)
        {
            Ok(r) if r.size == 0 => None,
            Ok(r) => Some(r.size),
            Err(_) => {
                let swiotlb = last_param(cmdline, "swiotlb").flatten().map_or(0, movable_node::parse_swiotlb);
                Some((movable_node::swiotlb_size_or_default(swiotlb) + (8 << 20)).max(256 << 20))
            }
        }
    }

    /// Requests the kernel would have made under the policy and the log does not show.
    #[allow(clippy::too_many_arguments)]
    fn synthesize(
        &mut self,
        line: usize,
        r: &Request,
        why: Adjustment,
        n: u64,
        size: u64,
        align: u64,
        from: u64,
        max: u64,
        nid: Nid,
    ) {
        let (kind, caller) = match why {
            Adjustment::MemmapPerSection => (RequestKind::AllocTryNidRaw, "vmemmap_populate (synthesized)".to_string()),
            _ => (r.kind, format!("{} (synthesized)", function_of(&r.caller))),
        };
        let l = label(&caller);
        for _ in 0..n {
            let rule = self.rule(self.search_end(kind, max));
            let fb = self.mb.placement().fallbacks();
            let found = self.call(kind, size, align, nid, from, max, l);
            let a = Allocation {
                index: self.out.allocations.len() + 1,
                line,
                answer_line: None,
                function: kind.name(),
                caller: caller.clone(),
                size,
                align,
                nid: show_nid(nid),
                from,
                max_addr: max,
                kernel: Answer::Unknown,
                model: found.map(|f| f.addr),
                model_node: found.and_then(|f| node_of(self.mb.state(), f.addr)).and_then(show_nid),
                how: found.map(|f| self.how(rule, fb, &f)),
                outcome: Outcome::Synthesized,
                note: Some(why.words().to_string()),
                adjustment: Some(why),
                freed_bytes: 0,
            };
            self.push_alloc(a, Booked { model_size: found.map_or(size, |f| f.size), label: l });
        }
    }

    /// The usemap's goal and node under the policy: the section of the policy's `NODE_DATA`
    /// for the node whose kernel `NODE_DATA` lies in `[from, max)`.
    fn usemap_goal(&self, from: u64, max: u64) -> Option<(u64, Nid)> {
        let (&nid, _) = self.kernel_node_data.iter().find(|&(_, &k)| from <= k && k < max)?;
        let model = self.model_node_data.get(&nid)?.0?;
        let goal = round_down(model, SECTION_SIZE);
        let n = self.mb.search_pfn_nid(goal >> PAGE_SHIFT).map_or(nid, |p| p.nid);
        Some((goal, if show_nid(n).is_some() { n } else { nid }))
    }

    /// Closes the pending request with the kernel's answer.
    fn resolve_pending(&mut self, kernel: Answer, kernel_size: u64, answer_line: Option<usize>) {
        let Some(idx) = self.pending.take() else { return };
        self.resolve(idx, kernel, kernel_size, answer_line);
    }

    fn resolve(&mut self, idx: usize, kernel: Answer, kernel_size: u64, answer_line: Option<usize>) {
        let booked = self.booked[idx];
        let a = &mut self.out.allocations[idx];
        a.kernel = kernel;
        a.answer_line = answer_line;
        if a.adjustment.is_some_and(Adjustment::not_made) {
            a.outcome = Outcome::Skipped;
            return;
        }
        let same = match kernel {
            Answer::At(k) => a.model == Some(k),
            Answer::Failed => a.model.is_none(),
            Answer::Unknown => false,
        };
        a.outcome = if same { Outcome::Identical } else { Outcome::Different };
        if let (Answer::At(_), true) = (kernel, kernel_size != a.size) {
            let note = format!("the kernel reserved {kernel_size:#x} bytes for a {:#x}-byte request", a.size);
            a.note = Some(note);
        }
        if same || self.what_if {
            return;
        }
        // Check mode: say why, then take the kernel's answer so later requests are checked on
        // their own.
        let model = a.model;
        if let Some(m) = model {
            let _ = self.mb.free_as(m, booked.model_size, booked.label);
        }
        let note = self.diagnose(idx, kernel, kernel_size, model);
        if let Answer::At(k) = kernel {
            let _ = self.mb.reserve_as(k, kernel_size.max(1), booked.label);
        }
        self.out.allocations[idx].note = Some(note);
    }

    /// The first difference between the kernel's answer and the model's, with the model's
    /// reason (state: the model's block already given back).
    fn diagnose(&self, idx: usize, kernel: Answer, kernel_size: u64, model: Option<u64>) -> String {
        let a = &self.out.allocations[idx];
        let reason = match &a.how {
            Some(h) => {
                let fr = h.free_range.map_or(String::from("?"), |(s, e, n)| {
                    format!("[{s:#x}-{:#x}] node {}", e.wrapping_sub(1), n.map_or("-".into(), |n| n.to_string()))
                });
                format!(
                    "{} ({}) in window [{:#x}-{:#x}) took the free range {fr}",
                    h.rule,
                    h.attempt.words(),
                    h.window.0,
                    h.window.1
                )
            }
            None => "nothing fits the window on any node the rules allow".into(),
        };
        match (kernel, model) {
            (Answer::At(k), m) => {
                let st = self.mb.state();
                let where_k = if !st.is_region_memory(k, kernel_size) {
                    "is not all memory in the model".to_string()
                } else if st.is_region_reserved(k, kernel_size) {
                    let r = st.reserved().overlaps(k, kernel_size).map(|i| st.reserved().regions()[i]);
                    r.map_or("overlaps a reservation in the model".into(), |r| {
                        format!("overlaps the model's reserved [{:#x}-{:#x}]", r.base, r.end().wrapping_sub(1))
                    })
                } else {
                    "is free in the model".to_string()
                };
                let m = m.map_or("nothing".to_string(), |m| format!("{m:#x}"));
                format!("kernel {k:#x}, model {m}: the kernel's block {where_k}; the model: {reason}")
            }
            (_, Some(m)) => format!("the kernel found nothing, the model {m:#x}: {reason}"),
            _ => String::new(),
        }
    }

    /// A `memblock_alloc_range_nid` reserve line with no request before it: `NODE_DATA`
    /// (`memblock_phys_alloc_try_nid`, which prints no request), after the silent NUMA steps.
    /// The node of the `NODE_DATA(n) allocated` line that follows event `i` before any other
    /// memblock line.
    fn node_data_follows(&self, i: usize) -> Option<Nid> {
        self.trace.events[i + 1..].iter().take_while(|l| !l.event.is_memblock()).find_map(|l| match l.event {
            TraceEvent::NodeData { nid, .. } => Some(nid),
            _ => None,
        })
    }

    fn unannounced(&mut self, i: usize, line: usize, base: u64, size: u64) {
        let Some(nid) = self.node_data_follows(i) else {
            let _ = self.mb.reserve_as(base, size, "memblock_alloc_range_nid");
            self.infer(line, "an allocation with no request line and no NODE_DATA line: reserved as printed".into());
            return;
        };
        if !self.numa_done {
            self.numa_init(line, size);
        }
        self.kernel_node_data.insert(nid, base);
        let (model, model_size) = self.model_node_data.get(&nid).copied().unwrap_or((None, size));
        let l = label("alloc_node_data");
        let a = Allocation {
            index: self.out.allocations.len() + 1,
            line,
            answer_line: Some(line),
            function: RequestKind::PhysAllocTryNid.name(),
            caller: "alloc_node_data".into(),
            size,
            align: SMP_CACHE_BYTES,
            nid: Some(nid),
            from: 0,
            max_addr: 0,
            kernel: Answer::Unknown,
            model,
            model_node: model.and_then(|m| node_of(self.mb.state(), m)).and_then(show_nid),
            how: model.map(|m| How {
                rule: "top-down",
                attempt: if node_of(self.mb.state(), m) == Some(nid) { Attempt::First } else { Attempt::AnyNode },
                window: (PAGE_SIZE, self.mb.current_limit()),
                nid: Some(nid),
                free_range: None,
            }),
            outcome: Outcome::LogEnded,
            note: None,
            adjustment: None,
            freed_bytes: 0,
        };
        let idx = self.push_alloc(a, Booked { model_size, label: l });
        self.resolve(idx, Answer::At(base), size, Some(line));
        if !self.node_data_checked.contains(&nid) {
            self.node_data_checked.push(nid);
            // The "on node" line, if any, follows the NODE_DATA line; absent means its own node.
            let on =
                self.trace.events[i + 1..].iter().take_while(|l| !l.event.is_memblock()).find_map(|l| match l.event {
                    TraceEvent::NodeDataOnNode { nid: n, on } if n == nid => Some(on),
                    _ => None,
                });
            if on.is_none() {
                self.node_data_on_node(line, nid, None);
            }
        }
    }

    /// `x86_numa_init()` at the first `NODE_DATA`: everything `numa_init()` does silently.
    fn numa_init(&mut self, line: usize, node_data_size: u64) {
        self.numa_done = true;
        let max_pfn = self.max_pfn.unwrap_or_else(|| self.mb.end_of_dram() >> PAGE_SHIFT);
        let numa_off = last_param(self.cmdline.as_bytes(), "numa").flatten() == Some(&b"off"[..]);
        let params = NumaParams { max_pfn, numa_off, node_data_size, profile: self.profile };
        let srat = std::mem::take(&mut self.srat);
        let mut log_numa = LogNuma { blocks: &srat, declared: &self.opts.hotplug };
        let state = if srat.is_empty() {
            x86_numa_init(&mut self.mb, &params, &mut [])
        } else {
            x86_numa_init(&mut self.mb, &params, &mut [&mut log_numa])
        };
        let blocks: Vec<String> = state
            .meminfo
            .blks()
            .iter()
            .map(|b| format!("node {} [{:#x}-{:#x}]", b.nid, b.start, b.end.wrapping_sub(1)))
            .collect();
        let hot: Vec<String> = srat
            .iter()
            .filter(|b| b.hotplug || self.opts.hotplug.contains(&b.nid))
            .map(|b| {
                format!("[{:#x}-{:#x}]{}", b.start, b.end.wrapping_sub(1), if b.hotplug { "" } else { " (declared)" })
            })
            .collect();
        let mut what = format!("NUMA init ({}, silent): ", state.method);
        if self.profile.has_series() {
            what.push_str("memblock_set_bottom_up(false); ");
        }
        if !hot.is_empty() {
            if self.profile.has_hotplug_flags() {
                what.push_str(&format!("memblock_mark_hotplug {}; ", hot.join(", ")));
            } else {
                what.push_str(&format!(
                    "hotpluggable {} (no MEMBLOCK_HOTPLUG in {}); ",
                    hot.join(", "),
                    self.profile.name()
                ));
            }
        }
        what.push_str(&format!(
            "blocks after numa_cleanup_meminfo: {}; memblock_set_node on memory",
            blocks.join(", ")
        ));
        if self.profile.has_hotplug_flags() {
            let kn: Vec<String> = state.kernel_nodes.iter().map(|n| n.to_string()).collect();
            what.push_str(&format!(
                ", then on reserved; nodes holding reservations lose HOTPLUG: {{{}}}",
                kn.join(", ")
            ));
        }
        what.push_str(&format!(
            "; NODE_DATA: memblock_phys_alloc_try_nid({node_data_size:#x}, 64, nid) for each node{}",
            if !self.profile.has_hotplug_flags() { " (node-local only)" } else { "" }
        ));
        self.infer(line, what);
        for n in &state.nodes {
            self.model_node_data.insert(n.nid, (n.node_data, page_align(node_data_size)));
        }
        let mut model_merges = Vec::new();
        for ev in &state.events {
            match *ev {
                NumaEvent::NodeDataOffNode { nid, on } => {
                    self.model_off_node.insert(nid, on);
                }
                NumaEvent::Merge(_, _, r) => model_merges.push((r.nid, r.start, r.end)),
                _ => {}
            }
        }
        if !self.log_merges.is_empty() || !model_merges.is_empty() {
            let identical = model_merges == self.log_merges;
            let show = |v: &[(i32, u64, u64)]| {
                v.iter()
                    .map(|(n, s, e)| format!("node {n} [{s:#x}-{:#x}]", e.wrapping_sub(1)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let detail = if identical {
                format!("merged blocks as the log: {}", show(&model_merges))
            } else {
                format!("log: {}; model: {}", show(&self.log_merges), show(&model_merges))
            };
            self.out.checks.push(Check { line, kind: CheckKind::NumaMerges, identical, detail });
        }
        // The hotplug picture needs the SRAT blocks again at the end.
        self.srat = srat;
    }

    /// `NODE_DATA(%d) on node %d` (or its absence, `on` = `None`) against the model.
    fn node_data_on_node(&mut self, line: usize, nid: i32, on: Option<i32>) {
        if on.is_some() && !self.node_data_checked.contains(&nid) {
            self.node_data_checked.push(nid);
        }
        let model = self.model_off_node.get(&nid).copied();
        let identical = model == on;
        let word = |o: Option<i32>| o.map_or(format!("on node {nid}"), |o| format!("on node {o}"));
        let detail = if identical {
            format!("NODE_DATA({nid}) {}", word(on))
        } else {
            format!("NODE_DATA({nid}): kernel {}, model {}", word(on), word(model))
        };
        self.out.checks.push(Check { line, kind: CheckKind::NodeData, identical, detail });
    }

    fn finish_dump(&mut self) {
        let Some(d) = self.dump.take() else { return };
        if !self.first_dump_seen {
            self.first_dump_seen = true;
            if !self.kernel_place_known {
                // The reserved rows of the first dump stand in for the silent reservations.
                let mut added = Vec::new();
                for &(base, size, ..) in &d.rows[DumpKind::Reserved as usize] {
                    if size > 0 && !covered(&self.mb, base, size) {
                        let _ = self.mb.reserve_as(base, size, "early_reserve_memory");
                        added.push(format!("[{base:#x}-{:#x}]", base.wrapping_add(size).wrapping_sub(1)));
                    }
                }
                self.infer(
                    d.line,
                    format!(
                        "silent reservations taken from this dump (no kernel place given): {}",
                        if added.is_empty() { "none missing".to_string() } else { added.join(", ") }
                    ),
                );
            }
        }
        let st = self.mb.state();
        let mut diffs = Vec::new();
        let mut complete = d.sizes.is_some();
        if let Some((m, r)) = d.sizes {
            if m != st.memory().total_size() {
                diffs.push(format!("memory size {m:#x}, model {:#x}", st.memory().total_size()));
            }
            if r != st.reserved().total_size() {
                diffs.push(format!("reserved size {r:#x}, model {:#x}", st.reserved().total_size()));
            }
        }
        for (k, kind) in [(0, RegionKind::Memory), (1, RegionKind::Reserved)] {
            let ty = st.region_type(kind);
            let name = kind.name();
            match d.counts[k] {
                Some(c) if c != ty.cnt() as u64 => diffs.push(format!("{name}.cnt {c:#x}, model {:#x}", ty.cnt())),
                Some(_) => {}
                None => complete = false,
            }
            let rows = &d.rows[k];
            if d.counts[k].is_some_and(|c| rows.len() as u64 != c) {
                complete = false;
            }
            for (i, &(base, size, nid, flags)) in rows.iter().enumerate() {
                let Some(r) = ty.entry(i) else {
                    diffs.push(format!("{name}[{i:#x}] [{base:#x}+{size:#x}] is not in the model"));
                    continue;
                };
                let model_nid = show_nid(r.nid);
                if (r.base, r.size, model_nid, u64::from(r.flags.bits())) != (base, size, nid, flags) {
                    let nd = |n: Option<i32>| n.map_or(String::new(), |n| format!(" on node {n}"));
                    diffs.push(format!(
                        "{name}[{i:#x}]: kernel [{base:#x}-{:#x}]{} flags {flags:#x}, model [{:#x}-{:#x}]{} flags {:#x}",
                        base.wrapping_add(size).wrapping_sub(1),
                        nd(nid),
                        r.base,
                        r.end().wrapping_sub(1),
                        nd(model_nid),
                        r.flags.bits()
                    ));
                }
            }
        }
        let identical = diffs.is_empty() && complete;
        let detail = if identical {
            format!(
                "memory.cnt {:#x}, reserved.cnt {:#x}, memory size {:#x}, reserved size {:#x}",
                st.memory().cnt(),
                st.reserved().cnt(),
                st.memory().total_size(),
                st.reserved().total_size()
            )
        } else if diffs.is_empty() {
            "the dump is incomplete (the log ends inside it)".into()
        } else {
            diffs.truncate(4);
            diffs.join("; ")
        };
        self.out.checks.push(Check { line: d.line, kind: CheckKind::Dump, identical, detail });
    }

    /// The final state as bootsim's view model (machine from the log's e820 lines, kernel
    /// place and command line; no page tables, crash kernel or steps of its own).
    fn view(&self, hotplug: &[(Nid, u64, u64)]) -> crate::view::View {
        use crate::input::e820_type_from_kernel_name;
        use movable_node::{E820Entry, E820Table, E820Type};
        let e820: Vec<E820Entry> = self
            .trace
            .events
            .iter()
            .filter_map(|l| match &l.event {
                TraceEvent::E820 { base, last, kind } => Some(E820Entry {
                    addr: *base,
                    size: last.saturating_sub(*base).saturating_add(1),
                    kind: e820_type_from_kernel_name(kind).unwrap_or(E820Type::Reserved),
                }),
                _ => None,
            })
            .collect();
        let table = E820Table::new(e820.clone()).unwrap_or_else(|_| {
            let ram = self.mb.memory().regions().iter().map(|r| E820Entry {
                addr: r.base,
                size: r.size,
                kind: E820Type::Ram,
            });
            E820Table::new(ram.collect()).unwrap_or_default()
        });
        let mut machine = crate::machine::Machine::default_machine();
        machine.name = self.out.name.clone();
        machine.e820 = table.entries().to_vec();
        machine.srat = None;
        machine.initrd = None;
        machine.cmdline = self.cmdline.clone();
        if let Some(k) = &self.opts.kernel {
            machine.kernel =
                crate::machine::KernelImage { text: k.start, bss_stop: k.end, end: self.kernel_end.max(k.end) };
        }
        let max_pfn = self.max_pfn.unwrap_or_else(|| self.mb.end_of_dram() >> PAGE_SHIFT);
        let zones = free_area_init_nodes(self.mb.state(), max_pfn, self.profile, self.zone_params());
        let reserved = labelled_reservations(self.mb.state(), self.mb.log().events());
        let verdicts = hotplug_verdicts(self.mb.state(), hotplug, &reserved, &zones);
        let blocks =
            crate::blocks::memory_blocks_of(self.profile, self.mb.state(), &reserved, hotplug, &zones, max_pfn);
        let movable_node = if self.movable_node {
            movable_node::param::MovableNode::Enabled
        } else {
            movable_node::param::MovableNode::Absent
        };
        crate::view::View::build(&crate::view::Facts {
            machine: &machine,
            profile: self.profile,
            numa_off: false,
            e820: table.entries(),
            memblock: self.mb.state(),
            movable_node,
            bottom_up_after_numa: false,
            numa: None,
            hotplug,
            zones: Some(&zones),
            reserved: &reserved,
            verdicts: &verdicts,
            blocks: Some(&blocks),
            crash: None,
            direct_map: None,
            steps: &[],
            log: &[],
            warnings: &[],
            panic: None,
        })
    }

    fn zone_params(&self) -> ZoneParams {
        let size = |name: &str| -> u64 {
            match last_param(self.cmdline.as_bytes(), name).flatten() {
                Some(v) if v != b"mirror" && !v.ends_with(b"%") => memparse(v).0,
                _ => 0,
            }
        };
        ZoneParams { kernelcore: size("kernelcore"), movablecore: size("movablecore"), movable_node: self.movable_node }
    }

    fn finish_movable(&mut self) {
        let Some((line, log)) = self.movable.take() else { return };
        let max_pfn = self.max_pfn.unwrap_or_else(|| self.mb.end_of_dram() >> PAGE_SHIFT);
        let zones = free_area_init_nodes(self.mb.state(), max_pfn, self.profile, self.zone_params());
        let model: Vec<(i32, u64)> = zones.zone_movable_pfn.iter().map(|&(n, p)| (n, p << PAGE_SHIFT)).collect();
        let show = |v: &[(i32, u64)]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.iter().map(|(n, a)| format!("Node {n}: {a:#x}")).collect::<Vec<_>>().join(", ")
            }
        };
        let identical = model == log;
        let detail = if identical {
            format!("movable zone starts: {}", show(&model))
        } else {
            format!("kernel {}; model {}", show(&log), show(&model))
        };
        self.out.checks.push(Check { line, kind: CheckKind::MovableZone, identical, detail });
    }

    fn crashkernel(&mut self, line: usize, m: &CrashMessage) {
        let (at, what) = match *m {
            CrashMessage::Reserved { at_mb, size_mb, .. } => (at_mb << 20, format!("crash kernel {size_mb} MiB")),
            CrashMessage::LowReserved { at_mb, size_mb, .. } => {
                (at_mb << 20, format!("crash kernel low {size_mb} MiB"))
            }
            CrashMessage::Other(ref s) => {
                let s = s.clone();
                self.infer(line, format!("crash kernel: {s}"));
                return;
            }
        };
        // Each message against its own allocation (H.5.2): the requests are setup_arch's
        // (reserve_crashkernel() and reserve_crashkernel_low() are inlined); the low part of a
        // `,high` crash kernel asks from=0 below 4 GiB, 16 MiB aligned, and its message comes
        // before the main one, whose allocation was made first.
        let low = matches!(m, CrashMessage::LowReserved { .. });
        let is_low_part = |a: &Allocation| a.align == CRASH_ALIGN && a.from == 0 && a.max_addr == CRASH_ADDR_LOW_MAX;
        // The main part: automatic (16 MiB aligned), or at a given base (a window of exactly
        // its size, 1 MiB aligned).
        let is_crash = |a: &Allocation| a.align == CRASH_ALIGN || a.max_addr == a.from.saturating_add(a.size);
        let model = self
            .out
            .allocations
            .iter()
            .rev()
            .find(|a| {
                function_of(&a.caller) == "setup_arch"
                    && a.kernel != Answer::Failed
                    && is_crash(a)
                    && is_low_part(a) == low
            })
            .and_then(|a| a.model);
        let identical = model.is_some_and(|m| m >> 20 == at >> 20);
        let detail = format!(
            "{what} at {} MiB; model {}",
            at >> 20,
            model.map_or("none".into(), |m| format!("{} MiB", m >> 20))
        );
        self.out.checks.push(Check { line, kind: CheckKind::Crashkernel, identical, detail });
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
        if self.numa_done {
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

/// Whether `[base, base + size)` lies inside reserved regions entirely.
fn covered(mb: &SeriesMemblock, base: u64, size: u64) -> bool {
    let end = base.saturating_add(size);
    let mut cursor = base;
    for r in mb.reserved().regions() {
        if r.end() <= cursor {
            continue;
        }
        if r.base > cursor {
            return false;
        }
        cursor = r.end();
        if cursor >= end {
            return true;
        }
    }
    cursor >= end
}
