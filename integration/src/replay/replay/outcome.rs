//! What a replay answers: each allocation with the kernel's and the model's answer, the
//! checks of printed facts, what was inferred, and the summary.

use super::*;

/// What the user tells the replay.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// Where the kernel image is (`--iomem`, `--kernel-range`); without it the reserved rows of
    /// the first dump stand in for the silent reservations.
    pub kernel: Option<KernelPlace>,
    /// `__pa_symbol(_end)` for the series' bottom-up start (`--kernel-end`).
    pub kernel_end: Option<u64>,
    /// Replay under this policy instead of checking 6.1 against the log.
    pub policy: Option<KernelProfile>,
    /// Override `movable_node` (default: whether the log's command line has it).
    pub movable_node: Option<bool>,
    /// Nodes to declare hotpluggable (all their SRAT ranges).
    pub hotplug: Vec<i32>,
    /// Build the end state's view model (`--svg`, `--html`): off, a replay skips it.
    pub view: bool,
}

impl ReplayOptions {
    /// Whether this is a what-if (a policy, or a node declared hotpluggable).
    pub fn is_what_if(&self) -> bool {
        self.policy.is_some() || !self.hotplug.is_empty() || self.movable_node.is_some()
    }
}

/// Why a log cannot be replayed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// Not one memblock debug line.
    #[error("no memblock lines in this log: boot with memblock=debug on the kernel command line, then save dmesg")]
    NoMemblockLines,
}

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
    /// (present when [`ReplayOptions::view`] asked for it and the log reached NUMA init).
    #[serde(skip)]
    pub view: Option<Box<crate::view::View>>,
}

/// The profile line of a replay: a check always runs 6.1's rules (the only ones the trace
/// format has); a what-if runs its policy's. Either way the log's own kernel is named.
pub(super) fn profile_line(r: &Replay, release: Option<Release>) -> String {
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
