//! `bootsim replay`: the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use super::batch::{find_logs, run_batch, total_line, workers};
use super::place::{KernelPlace, PlaceError, kernel_place_from_iomem, parse_addr, parse_range};
use super::render::render_text;
use super::replay::{ReplayOptions, replay};
use crate::input::boots::split_boots;
use crate::input::read_text;
use crate::out::{EXIT_BAD_INPUT, EXIT_DIFFERENT, EXIT_DONE, print, say, write_file};
use movable_node::KernelProfile;

/// Replay a real boot log of Linux 6.1 booted with `memblock=debug`: check every allocation
/// against the model, or ask what another policy would have done.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReplayArgs {
    /// The boot log (`dmesg` of a kernel booted with `memblock=debug`).
    #[arg(value_name = "DMESG", required_unless_present = "batch")]
    pub log: Option<PathBuf>,
    /// `/proc/iomem` of the same boot, read as root: where the kernel image is.
    #[arg(long, value_name = "FILE")]
    pub iomem: Option<PathBuf>,
    /// The kernel image `_text-__end_of_kernel_reserve`, e.g. `0x1000000-0x4400000`.
    #[arg(long, value_name = "A-B", conflicts_with = "iomem")]
    pub kernel_range: Option<String>,
    /// `__pa_symbol(_end)`: where the series' bottom-up allocations start (default: the end of
    /// the brk reservation).
    #[arg(long, value_name = "ADDR")]
    pub kernel_end: Option<String>,
    /// Replay the log's requests under this kernel's placement rules (what-if).
    #[arg(long, value_enum)]
    pub policy: Option<KernelProfile>,
    /// What-if: with `movable_node` (default: as the log's command line).
    #[arg(long, conflicts_with = "no_movable_node")]
    pub movable_node: bool,
    /// What-if: without `movable_node`.
    #[arg(long)]
    pub no_movable_node: bool,
    /// What-if: declare this node hotpluggable (all its SRAT ranges), as if the firmware had.
    #[arg(long = "hotplug", value_name = "NODE")]
    pub hotplug: Vec<i32>,
    /// Replay every log under DIR (files named `*dmesg*` or `*.log`) on every core.
    #[arg(long, value_name = "DIR", conflicts_with = "log")]
    pub batch: Option<PathBuf>,
    /// Workers for `--batch` (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Print the replay as JSON.
    #[arg(long)]
    pub json: bool,
    /// Show only what differs (and the summary).
    #[arg(long)]
    pub differences: bool,
    /// Write bootsim's SVG map of the state at the end of the log (under the policy).
    #[arg(long, value_name = "FILE", conflicts_with = "batch")]
    pub svg: Option<PathBuf>,
    /// Write bootsim's HTML page of the state at the end of the log (under the policy).
    #[arg(long, value_name = "FILE", conflicts_with = "batch")]
    pub html: Option<PathBuf>,
}

/// Replay arguments that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    /// `--iomem` cannot be read.
    #[error(transparent)]
    Read(#[from] crate::input::InputError),
    /// `--iomem` does not show the kernel image.
    #[error("{}: {source}", path.display())]
    Iomem {
        /// The file.
        path: PathBuf,
        /// Why.
        source: PlaceError,
    },
    /// `--kernel-range` is not `A-B`.
    #[error(transparent)]
    KernelRange(#[from] PlaceError),
    /// `--kernel-end` is not an address.
    #[error("bad --kernel-end {0:?}")]
    KernelEnd(String),
}

impl ReplayArgs {
    /// The replay options these arguments give (without reading the log).
    ///
    /// # Errors
    /// [`ArgsError`] when `--iomem` cannot be read or shows no kernel, or `--kernel-
    /// range`/`--kernel-end` do not read as addresses.
    pub fn options(&self) -> Result<ReplayOptions, ArgsError> {
        let kernel = if let Some(path) = &self.iomem {
            let text = read_text(path)?;
            let place = kernel_place_from_iomem(&text, &path.display().to_string())
                .map_err(|source| ArgsError::Iomem { path: path.clone(), source })?;
            Some(place)
        } else if let Some(r) = &self.kernel_range {
            let (start, end) = parse_range(r)?;
            Some(KernelPlace { start, end, source: "--kernel-range".into() })
        } else {
            None
        };
        let kernel_end = match &self.kernel_end {
            Some(s) => Some(parse_addr(s).ok_or_else(|| ArgsError::KernelEnd(s.clone()))?),
            None => None,
        };
        let movable_node = match (self.movable_node, self.no_movable_node) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        let mut policy = self.policy;
        if policy.is_none() && (movable_node.is_some() || !self.hotplug.is_empty()) {
            policy = Some(KernelProfile::Modern);
        }
        let view = self.svg.is_some() || self.html.is_some();
        Ok(ReplayOptions { kernel, kernel_end, policy, movable_node, hotplug: self.hotplug.clone(), view })
    }
}

/// Runs `bootsim replay`: results to stdout, errors to stderr (`bootsim: replay: ...`). Exit
/// status: 0 when everything the log shows was reproduced (or a what-if ran), 1 when something
/// differs, 2 for bad input. A file holding several boots ([`split_boots`]) replays the first
/// and says so on stderr; `--batch` replays each.
pub fn run(args: &ReplayArgs) -> ExitCode {
    match run_replay(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            say(format!("replay: {e}"));
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn emit(text: &str) -> Result<(), String> {
    print(text).map_err(|e| format!("stdout: {e}"))
}

fn run_replay(args: &ReplayArgs) -> Result<u8, String> {
    let opts = args.options().map_err(|e| e.to_string())?;
    if let Some(dir) = &args.batch {
        let logs = find_logs(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if logs.is_empty() {
            return Err(format!("no logs (*dmesg*, *.log) under {}", dir.display()));
        }
        let entries = run_batch(&logs, dir, &opts, workers(args.threads));
        let total = total_line(&entries);
        if args.json {
            let v = serde_json::json!({ "logs": entries, "total": total });
            emit(&format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default()))?;
        } else {
            let mut out = String::new();
            for e in &entries {
                match &e.result {
                    Ok(o) => out.push_str(&format!("{}: {}\n", e.name, o.line)),
                    Err(err) => out.push_str(&format!("{}: not replayed: {err}\n", e.name)),
                }
            }
            out.push_str(&format!("{total}\n"));
            emit(&out)?;
        }
        let bad = entries.iter().any(|e| !e.result.as_ref().is_ok_and(|o| o.all_identical));
        return Ok(if bad && !opts.is_what_if() { EXIT_DIFFERENT } else { EXIT_DONE });
    }
    let path = args.log.as_ref().ok_or("give a log (DMESG) or --batch DIR")?;
    let text = read_text(path).map_err(|e| e.to_string())?;
    let name = path.display().to_string();
    let boots = split_boots(&text);
    let boot = boots.first().map_or(text.as_str(), |b| b.text);
    if boots.len() > 1 {
        let starts: Vec<String> = boots.iter().map(|b| b.first_line.to_string()).collect();
        say(format!(
            "note: {name} holds {} boots (Linux version lines at lines {}): replaying the first, {}; \
             `--batch` on its folder replays each",
            boots.len(),
            starts.join(", "),
            boots[0].name(&name, 0, boots.len())
        ));
    }
    let r = replay(&name, boot, &opts).map_err(|e| format!("{name}: {e}"))?;
    for (path, render) in [
        (&args.svg, crate::view::svg::render as fn(&crate::view::View) -> String),
        (&args.html, crate::view::html::render),
    ] {
        let Some(path) = path else { continue };
        let mut view = r.view.as_deref().ok_or("no map: the log stops before NUMA init")?.clone();
        view.report.profile_choice.clone_from(&r.profile_choice);
        write_file(path, &render(&view)).map_err(|e| e.to_string())?;
    }
    if args.json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&r).unwrap_or_default()))?;
    } else {
        emit(&render_text(&r, args.differences))?;
    }
    Ok(if r.all_identical() || opts.is_what_if() { EXIT_DONE } else { EXIT_DIFFERENT })
}
