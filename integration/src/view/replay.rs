//! A replay in words: the inferences, each allocation with the kernel's and the model's
//! answers, the checks, the hotplug picture of each node, and the summary line.

use std::fmt::Write;

use crate::replay::replay::{Allocation, Answer, Mode, Outcome, Replay};

fn hex_or(v: Option<u64>, none: &str) -> String {
    v.map_or(none.to_string(), |v| format!("{v:#x}"))
}

fn node(n: Option<i32>) -> String {
    n.map_or("-".into(), |n| n.to_string())
}

/// The one-line summary: `N of M allocations identical, ...`.
pub fn summary_line(r: &Replay) -> String {
    let s = &r.summary;
    let mut out = match r.mode {
        Mode::Check => format!("{} of {} allocations identical", s.identical, s.allocations),
        Mode::WhatIf => format!(
            "{} of {} allocations at the kernel's address under {}{}",
            s.identical,
            s.allocations,
            r.policy,
            if r.movable_node { " with movable_node" } else { "" }
        ),
    };
    if s.kernel_failures > 0 {
        let _ = write!(out, " ({} failed in the kernel)", s.kernel_failures);
    }
    if r.mode == Mode::Check {
        let _ = write!(out, ", {} of {} dumps", s.dumps_identical, s.dumps);
        if s.checks > 0 {
            let _ = write!(out, ", {} of {} other checks", s.checks_identical, s.checks);
        }
    } else {
        let pinned: Vec<String> = r
            .nodes
            .iter()
            .map(|n| format!("node {}: {} allocation(s), {}", n.nid, n.allocations.len(), n.verdict))
            .collect();
        if !pinned.is_empty() {
            let _ = write!(out, "; {}", pinned.join("; "));
        }
    }
    if s.garbled > 0 {
        let _ = write!(out, ", {} garbled line(s)", s.garbled);
    }
    if let Some(st) = &r.stopped {
        let _ = write!(out, "; stopped at line {}: {}", st.line, st.reason);
    }
    out
}

fn allocation(out: &mut String, r: &Replay, a: &Allocation) {
    let nid = a.nid.map_or(String::new(), |n| format!(" nid {n}"));
    let _ = writeln!(
        out,
        "  #{:<3} line {:<5} {} {:#x} align {:#x}{nid} from {:#x} max {:#x}  {}",
        a.index, a.line, a.function, a.size, a.align, a.from, a.max_addr, a.caller
    );
    let kernel = match a.kernel {
        Answer::At(k) => format!("{k:#x}"),
        Answer::Failed => "failed".into(),
        Answer::Unknown => "-".into(),
    };
    let verdict = match (r.mode, a.outcome) {
        (_, Outcome::LogEnded) => "the log ends before the answer",
        (Mode::Check, Outcome::Identical) => "identical",
        (Mode::Check, Outcome::Different) => "DIFFERENT",
        (Mode::WhatIf, Outcome::Identical) => "same",
        (Mode::WhatIf, Outcome::Different) if a.model.is_none() => "fails under this policy",
        (Mode::WhatIf, Outcome::Different) => "moved",
        (_, Outcome::Skipped) => "not made",
        (_, Outcome::Synthesized) => "made only under this policy",
    };
    let model = match (a.outcome, a.model) {
        (Outcome::Skipped, _) => "-".to_string(),
        (_, Some(m)) => format!("{m:#x} (node {})", node(a.model_node)),
        (_, None) => "none".to_string(),
    };
    let who = if r.mode == Mode::Check { "model".to_string() } else { r.policy.to_string() };
    let how = a.how.as_ref().map_or(String::new(), |h| {
        let fr = h.free_range.map_or(String::new(), |(s, e, n)| {
            format!(", free range [{s:#x}-{:#x}] node {}", e.wrapping_sub(1), node(n))
        });
        format!("  [{}, {}{fr}]", h.rule, h.attempt.words())
    });
    let _ = writeln!(out, "        kernel {kernel}  {who} {model}  {verdict}{how}");
    if let Some(n) = &a.note {
        let _ = writeln!(out, "        {n}");
    }
}

/// The whole replay as text. With `differences` only, identical allocations are left out.
pub fn render_text(r: &Replay, differences: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", r.profile_choice);
    let what = match r.mode {
        Mode::Check => "Linux 6.1's rules against the kernel's answers".to_string(),
        Mode::WhatIf => format!("the log's requests under Linux {}", r.policy),
    };
    let _ = writeln!(
        out,
        "replay of {}: {what} (movable_node {}{})",
        r.name,
        if r.movable_node { "on" } else { "off" },
        if r.declared_hotplug.is_empty() {
            String::new()
        } else {
            format!(
                ", node(s) {} declared hotpluggable",
                r.declared_hotplug.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ")
            )
        }
    );
    let _ = writeln!(out, "\ninferred (what memblock=debug does not print):");
    for i in &r.inferences {
        if i.line == 0 {
            let _ = writeln!(out, "  before line 1: {}", i.what);
        } else {
            let _ = writeln!(out, "  line {}: {}", i.line, i.what);
        }
    }
    allocations(&mut out, r, differences);
    if !r.checks.is_empty() {
        let _ = writeln!(out, "\nchecks:");
        for c in &r.checks {
            if differences && c.identical {
                continue;
            }
            let word = match (r.mode, c.identical) {
                (_, true) => "identical",
                (Mode::Check, false) => "DIFFERENT",
                (Mode::WhatIf, false) => "differs from the log",
            };
            let _ = writeln!(out, "  line {:<5} {}: {word}: {}", c.line, c.kind.name(), c.detail);
        }
    }
    if !r.garbled.is_empty() {
        let _ = writeln!(out, "\nlines that could not be read:");
        for g in &r.garbled {
            let _ = writeln!(out, "  line {}: {} ({})", g.line, g.text, g.reason);
        }
    }
    hotplug_nodes(&mut out, r);
    let _ = writeln!(out, "\nsummary: {}", summary_line(r));
    out
}

/// The allocations, a run of synthesized ones in one line; with `differences`, the identical
/// ones are counted instead of shown.
fn allocations(out: &mut String, r: &Replay, differences: bool) {
    let _ = writeln!(out, "\nallocations:");
    let mut hidden = 0;
    let mut i = 0;
    while i < r.allocations.len() {
        let a = &r.allocations[i];
        // A run of synthesized requests (a memmap built section by section) in one line.
        let run = r.allocations[i..]
            .iter()
            .take_while(|b| b.outcome == Outcome::Synthesized && b.line == a.line && b.caller == a.caller)
            .count();
        if run > 2 {
            let placed: Vec<u64> = r.allocations[i..i + run].iter().filter_map(|b| b.model).collect();
            let (lo, hi) = (placed.iter().min(), placed.iter().max());
            let mut nodes: Vec<String> = r.allocations[i..i + run].iter().map(|b| node(b.model_node)).collect();
            nodes.sort();
            nodes.dedup();
            let _ = writeln!(
                out,
                "  #{}..#{} line {:<5} {} x{run} {:#x} align {:#x}  {}",
                a.index,
                a.index + run - 1,
                a.line,
                a.function,
                a.size,
                a.align,
                a.caller
            );
            let _ = writeln!(
                out,
                "        {}: {} placed in [{}-{}] (node {}), {} found nothing; {}",
                r.policy,
                placed.len(),
                hex_or(lo.copied(), "-"),
                hex_or(hi.map(|h| h.wrapping_add(a.size).wrapping_sub(1)), "-"),
                nodes.join(", "),
                run - placed.len(),
                a.note.as_deref().unwrap_or("")
            );
            i += run;
            continue;
        }
        i += 1;
        if differences && a.outcome == Outcome::Identical {
            hidden += 1;
            continue;
        }
        allocation(out, r, a);
    }
    if hidden > 0 {
        let _ = writeln!(out, "  ({hidden} identical allocation(s) not shown)");
    }
}

/// Each node with hotpluggable memory: what lands in it and the verdict.
fn hotplug_nodes(out: &mut String, r: &Replay) {
    if !r.nodes.is_empty() {
        let _ = writeln!(out, "\nhotpluggable memory under {}:", r.policy);
        for n in &r.nodes {
            let ranges: Vec<String> =
                n.hotpluggable.iter().map(|(s, e)| format!("[{s:#x}-{:#x}]", e.wrapping_sub(1))).collect();
            let _ = writeln!(
                out,
                "  node {}{}: {}  -> {}",
                n.nid,
                if n.declared { " (declared)" } else { "" },
                ranges.join(" "),
                n.verdict
            );
            let _ = writeln!(out, "    {} allocation(s) land in it, {:#x} bytes", n.allocations.len(), n.bytes);
            for (c, count, bytes) in &n.callers {
                let _ = writeln!(out, "      {c:<32} x{count:<3} {bytes:#x} bytes");
            }
            let freed = n.allocations.iter().filter(|a| a.freed).count();
            if freed > 0 {
                let _ = writeln!(out, "    ({freed} of them freed again before the end of the log)");
            }
            if n.pages_outside_movable > 0 {
                let _ = writeln!(out, "    {} page(s) of it outside ZONE_MOVABLE", n.pages_outside_movable);
            }
        }
    }
}
