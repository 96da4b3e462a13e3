//! Many logs at once (a fleet): every core replays logs from a shared queue, one summary line
//! each, and a log that cannot be read or replayed is reported without stopping the others.
//!
//! Plain `std::thread::scope` workers over an atomic index: each worker reads, parses and
//! replays whole logs, so nothing is shared but the counter and the result slots.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use super::place::kernel_place_from_iomem;
use super::render::summary_line;
use super::replay::{ReplayOptions, Stopped, Summary, replay};
use crate::input::boots::split_boots;
use crate::input::read_text;

/// One log of a batch: the file and, if there is one beside it, its `/proc/iomem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    /// The log.
    pub path: PathBuf,
    /// `iomem.txt` in the same folder (for `dmesg*` logs) or `<stem>.iomem`.
    pub iomem: Option<PathBuf>,
}

/// Finds the logs under `dir`: files whose name contains `dmesg` or ends in `.log`, in `dir`
/// and its subfolders (sorted by path).
///
/// # Errors
/// The I/O error of reading `dir` or one of its folders.
pub fn find_logs(dir: &Path) -> std::io::Result<Vec<LogFile>> {
    let mut out = Vec::new();
    walk(dir, 0, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<LogFile>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if depth < 8 {
                walk(&path, depth + 1, out)?;
            }
            continue;
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        if !(name.contains("dmesg") || name.ends_with(".log")) {
            continue;
        }
        let beside = path.with_extension("iomem");
        let iomem = if beside.is_file() {
            Some(beside)
        } else {
            let folder = path.with_file_name("iomem.txt");
            (name.contains("dmesg") && folder.is_file()).then_some(folder)
        };
        out.push(LogFile { path, iomem });
    }
    Ok(())
}

/// One line of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchEntry {
    /// The log's name.
    pub name: String,
    /// The counts, or why the log could not be replayed.
    pub result: Result<BatchOutcome, String>,
}

/// What a replayed log of a batch gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchOutcome {
    /// The replay's counts.
    pub summary: Summary,
    /// Whether everything agreed.
    pub all_identical: bool,
    /// Where it stopped early.
    pub stopped: Option<Stopped>,
    /// The summary line.
    pub line: String,
}

/// The number of workers to use: `threads`, or one per core.
pub fn workers(threads: Option<usize>) -> usize {
    threads.filter(|&t| t > 0).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Applies `f` to every item on `threads` workers and returns the results in item order. A
/// panic in `f` (there should be none) becomes that item's `Err`, and the others go on.
pub fn par_map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<Result<R, String>> {
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Result<R, String>>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = catch_unwind(AssertUnwindSafe(|| f(item))).map_err(|p| {
                        let msg = p
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| p.downcast_ref::<String>().cloned())
                            .unwrap_or_default();
                        format!("internal error: {msg}")
                    });
                    *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()).unwrap_or_else(|| Err("not run".into())))
        .collect()
}

/// Replays one log text for a batch.
pub fn replay_entry(name: &str, text: &str, opts: &ReplayOptions) -> BatchEntry {
    let result = replay(name, text, opts).map_err(|e| e.to_string()).map(|r| BatchOutcome {
        summary: r.summary,
        all_identical: r.all_identical(),
        stopped: r.stopped.clone(),
        line: summary_line(&r),
    });
    BatchEntry { name: name.to_string(), result }
}

/// Replays every log file on `threads` workers; `opts` applies to all (each log's own
/// `iomem.txt` gives its kernel place unless `opts` has one). A file that holds several boots
/// ([`split_boots`]) gives one entry per boot, named `file (boot 2 of 2, lines A-B)`.
pub fn run_batch(logs: &[LogFile], root: &Path, opts: &ReplayOptions, threads: usize) -> Vec<BatchEntry> {
    let name_of = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
    par_map(logs, threads, |log| {
        let name = name_of(&log.path);
        let text = match read_text(&log.path) {
            Ok(t) => t,
            Err(e) => return vec![BatchEntry { name, result: Err(format!("cannot read: {e}")) }],
        };
        let mut o = opts.clone();
        if o.kernel.is_none()
            && let Some(iomem) = &log.iomem
            && let Ok(t) = read_text(iomem)
        {
            o.kernel = kernel_place_from_iomem(&t, &name_of(iomem)).ok();
        }
        // A capture holding the same boot twice (console, then a dmesg dump), or several
        // boots: each is replayed on its own and named with its lines.
        let boots = split_boots(&text);
        boots.iter().enumerate().map(|(i, b)| replay_entry(&b.name(&name, i, boots.len()), b.text, &o)).collect()
    })
    .into_iter()
    .zip(logs)
    .flat_map(|(r, log)| r.unwrap_or_else(|e| vec![BatchEntry { name: name_of(&log.path), result: Err(e) }]))
    .collect()
}

/// The total line of a batch.
pub fn total_line(entries: &[BatchEntry]) -> String {
    let (mut ok, mut identical, mut allocs, mut same, mut failed) = (0, 0, 0, 0, 0);
    for e in entries {
        match &e.result {
            Ok(o) => {
                ok += 1;
                identical += usize::from(o.all_identical);
                allocs += o.summary.allocations;
                same += o.summary.identical;
            }
            Err(_) => failed += 1,
        }
    }
    format!(
        "total: {} log(s), {ok} replayed ({identical} wholly identical), {failed} not replayable; {same} of {allocs} allocations identical",
        entries.len()
    )
}
