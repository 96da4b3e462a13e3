//! A prediction laid beside the log it was made from: the allocations (request line and
//! answer, in the kernel's words), the dumps, `NODE_DATA`, the crash kernel, the zones and the
//! movable zone starts. The log's side is read from its own lines; the model's side is what
//! the model would print.

use serde::Serialize;

use super::facts::FactCheck;
use crate::input::log_lines;
use crate::phases::linux_6_1::PhaseOp;
use crate::phases::linux_6_1::boot::{Dump, Prediction};
use crate::replay::trace::{RangeOp, Trace, TraceEvent};

/// One allocation: the lines the kernel prints for it (the request line, unless it is
/// `NODE_DATA`'s, and the reservation of its answer), callers without their offsets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    /// The phase that made it (model), or the log line it starts at (log).
    pub at: String,
    /// Its lines.
    pub lines: Vec<String>,
}

/// One difference, the first of its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What differs (`allocation 12`, `dump 2`, `NODE_DATA`, ...).
    pub what: String,
    /// The phase the model's side came from.
    pub phase: String,
    /// The kernel's side.
    pub kernel: String,
    /// The model's side.
    pub model: String,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// Allocations predicted at the kernel's address (same lines, same place in the order).
    pub matched: usize,
    /// Allocations the log shows.
    pub logged: usize,
    /// Allocations the model made.
    pub predicted: usize,
    /// Dumps identical, of those the log shows.
    pub dumps_matched: usize,
    /// Dumps the log shows.
    pub dumps_logged: usize,
    /// `NODE_DATA`, crash kernel, zones, movable zone starts.
    pub facts: Vec<FactCheck>,
    /// The first difference, if any.
    pub first_difference: Option<Difference>,
}

impl Comparison {
    /// Whether everything the log shows was predicted.
    pub fn identical(&self) -> bool {
        self.first_difference.is_none()
    }
}

/// `symbol+0xoff/0xsize` (and a `.constprop.0`-like suffix) → `symbol`, word by word: the
/// offsets belong to one build.
pub fn without_offsets(msg: &str) -> String {
    msg.split(' ')
        .map(|w| match w.split_once("+0x") {
            Some((sym, _)) => sym.split('.').next().unwrap_or(sym),
            None => w,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The model's allocations, in order, each with its phase.
pub fn model_allocations(p: &Prediction) -> Vec<Allocation> {
    p.phases
        .iter()
        .flat_map(|ph| {
            ph.ops.iter().filter_map(move |op| match op {
                PhaseOp::Request(_) => Some(Allocation { at: ph.phase.to_string(), lines: op.kernel_lines() }),
                _ => None,
            })
        })
        .collect()
}

/// The log's allocations, in order: each request line with the `memblock_alloc_range_nid`
/// reservation that answers it (if the next memblock line is one), and each such reservation
/// without a request line (`NODE_DATA`).
pub fn log_allocations(text: &str, trace: &Trace) -> Vec<Allocation> {
    let messages: Vec<&str> = log_lines(text).map(|(_, m, _)| m).collect();
    let line = |number: usize| without_offsets(messages.get(number.wrapping_sub(1)).copied().unwrap_or(""));
    let is_answer = |e: &TraceEvent| matches!(e, TraceEvent::Range { op: RangeOp::Reserve, caller, .. } if caller.starts_with("memblock_alloc_range_nid"));
    let ev = &trace.events;
    let mut out = Vec::new();
    let mut i = 0;
    while i < ev.len() {
        let number = ev[i].number;
        if matches!(ev[i].event, TraceEvent::Request(_)) {
            let mut lines = vec![line(number)];
            if let Some(j) = (i + 1..ev.len()).find(|&j| ev[j].event.is_memblock())
                && is_answer(&ev[j].event)
            {
                lines.push(line(ev[j].number));
                i = j;
            }
            out.push(Allocation { at: format!("line {number}"), lines });
        } else if is_answer(&ev[i].event) {
            out.push(Allocation { at: format!("line {number}"), lines: vec![line(number)] });
        }
        i += 1;
    }
    out
}

/// The log's dumps as the model's [`Dump::kernel_lines`] would print them.
pub fn log_dumps(text: &str, trace: &Trace) -> Vec<Vec<String>> {
    let messages: Vec<&str> = log_lines(text).map(|(_, m, _)| m).collect();
    let mut dumps: Vec<Vec<String>> = Vec::new();
    for l in &trace.events {
        let msg = || messages.get(l.number.wrapping_sub(1)).copied().unwrap_or("").to_string();
        match &l.event {
            TraceEvent::DumpHeader => dumps.push(vec![msg()]),
            TraceEvent::DumpSizes { .. } | TraceEvent::DumpCount { .. } | TraceEvent::DumpRow { .. } => {
                if let Some(d) = dumps.last_mut() {
                    d.push(msg());
                }
            }
            _ => {}
        }
    }
    dumps
}

/// Lays `p` beside the log `text` (read as `trace`).
pub fn compare(p: &Prediction, text: &str, trace: &Trace) -> Comparison {
    let model = model_allocations(p);
    let log = log_allocations(text, trace);
    let mut first: Option<Difference> = None;
    let mut matched = 0;
    for k in 0..model.len().max(log.len()) {
        match (model.get(k), log.get(k)) {
            (Some(m), Some(l)) if m.lines == l.lines => matched += 1,
            (m, l) => {
                if first.is_none() {
                    first = Some(Difference {
                        what: format!("allocation {} ({})", k + 1, l.map_or("past the log's end", |l| l.at.as_str())),
                        phase: m.map_or_else(|| "(the model made no more)".to_string(), |m| m.at.clone()),
                        kernel: l.map_or_else(|| "(none)".to_string(), |l| l.lines.join(" / ")),
                        model: m.map_or_else(|| "(none)".to_string(), |m| m.lines.join(" / ")),
                    });
                }
            }
        }
    }
    let log_d = log_dumps(text, trace);
    let mut dumps_matched = 0;
    for (k, l) in log_d.iter().enumerate() {
        let m: Option<&Dump> = p.dumps.get(k);
        let mine = m.map(Dump::kernel_lines).unwrap_or_default();
        if &mine == l {
            dumps_matched += 1;
        } else if first.is_none() {
            let at = mine.iter().zip(l).position(|(a, b)| a != b).unwrap_or(mine.len().min(l.len()));
            first = Some(Difference {
                what: format!("dump {}", k + 1),
                phase: m.map_or("(no such dump)", |d| d.after).to_string(),
                kernel: l.get(at).cloned().unwrap_or_else(|| "(end of dump)".into()),
                model: mine.get(at).cloned().unwrap_or_else(|| "(end of dump)".into()),
            });
        }
    }
    let facts = super::facts::fact_checks(p, text, trace);
    if first.is_none()
        && let Some(f) = facts.iter().find(|f| !f.identical())
    {
        first = Some(Difference {
            what: f.what.to_string(),
            phase: f.phase.to_string(),
            kernel: f.kernel.join(" / "),
            model: f.model.join(" / "),
        });
    }
    Comparison {
        matched,
        logged: log.len(),
        predicted: model.len(),
        dumps_matched,
        dumps_logged: log_d.len(),
        facts,
        first_difference: first,
    }
}

/// Whether a log has `memblock=debug` lines to compare with.
pub fn has_trace(trace: &Trace) -> bool {
    trace.events.iter().any(|l| l.event.is_memblock())
}
