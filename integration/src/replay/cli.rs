//! `bootsim replay`: the command line.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::batch::{find_logs, run_batch, total_line, workers};
use super::place::{KernelPlace, PlaceError, kernel_place_from_iomem, parse_addr, parse_range};
use super::render::render_text;
use super::replay::{ReplayOptions, replay};
use super::whatif::Policy;

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
    pub policy: Option<Policy>,
    /// What-if: with `movable_node` (default: as the log's command line).
    #[arg(long, overrides_with = "no_movable_node")]
    pub movable_node: bool,
    /// What-if: without `movable_node`.
    #[arg(long, overrides_with = "movable_node")]
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

impl ReplayArgs {
    /// The replay options these arguments give (without reading the log).
    pub fn options(&self) -> Result<ReplayOptions, String> {
        let kernel = if let Some(path) = &self.iomem {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Some(
                kernel_place_from_iomem(&text, &path.display().to_string())
                    .map_err(|e| format!("{}: {e}", path.display()))?,
            )
        } else if let Some(r) = &self.kernel_range {
            let (start, end) = parse_range(r).map_err(|e: PlaceError| e.to_string())?;
            Some(KernelPlace { start, end, source: "--kernel-range".into() })
        } else {
            None
        };
        let kernel_end = match &self.kernel_end {
            Some(s) => Some(parse_addr(s).ok_or_else(|| format!("bad --kernel-end {s:?}"))?),
            None => None,
        };
        let movable_node = match (self.movable_node, self.no_movable_node) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        let mut policy = self.policy;
        if policy.is_none() && (movable_node.is_some() || !self.hotplug.is_empty()) {
            policy = Some(Policy::V6_1);
        }
        Ok(ReplayOptions { kernel, kernel_end, policy, movable_node, hotplug: self.hotplug.clone() })
    }
}

/// Runs `bootsim replay` and prints to stdout. Exit status: 0 when everything the log shows was
/// reproduced (or a what-if ran), 1 when something differs, 2 for bad input.
pub fn run(args: &ReplayArgs) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    let opts = match args.options() {
        Ok(o) => o,
        Err(e) => {
            let _ = writeln!(stdout, "bootsim replay: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = &args.batch {
        let logs = match find_logs(dir) {
            Ok(l) => l,
            Err(e) => {
                let _ = writeln!(stdout, "bootsim replay: {}: {e}", dir.display());
                return ExitCode::from(2);
            }
        };
        if logs.is_empty() {
            let _ = writeln!(stdout, "bootsim replay: no logs (*dmesg*, *.log) under {}", dir.display());
            return ExitCode::from(2);
        }
        let entries = run_batch(&logs, dir, &opts, workers(args.threads));
        let total = total_line(&entries);
        if args.json {
            let v = serde_json::json!({ "logs": entries, "total": total });
            let _ = writeln!(stdout, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        } else {
            for e in &entries {
                match &e.result {
                    Ok(o) => {
                        let _ = writeln!(stdout, "{}: {}", e.name, o.line);
                    }
                    Err(err) => {
                        let _ = writeln!(stdout, "{}: not replayed: {err}", e.name);
                    }
                }
            }
            let _ = writeln!(stdout, "{total}");
        }
        let bad = entries.iter().any(|e| !e.result.as_ref().is_ok_and(|o| o.all_identical));
        return if bad && !opts.is_what_if() { ExitCode::from(1) } else { ExitCode::SUCCESS };
    }
    let Some(path) = &args.log else {
        let _ = writeln!(stdout, "bootsim replay: give a log (DMESG) or --batch DIR");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(stdout, "bootsim replay: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    match replay(&path.display().to_string(), &text, &opts) {
        Ok(r) => {
            for (path, render) in
                [(&args.svg, crate::svg::render as fn(&crate::boot::Boot) -> String), (&args.html, crate::html::render)]
            {
                let Some(path) = path else { continue };
                let Some(boot) = &r.map else {
                    let _ = writeln!(stdout, "bootsim replay: no map: the log stops before NUMA init");
                    return ExitCode::from(2);
                };
                if let Err(e) = std::fs::write(path, render(boot)) {
                    let _ = writeln!(stdout, "bootsim replay: {}: {e}", path.display());
                    return ExitCode::from(2);
                }
            }
            if args.json {
                let _ = writeln!(stdout, "{}", serde_json::to_string_pretty(&r).unwrap_or_default());
            } else {
                let _ = write!(stdout, "{}", render_text(&r, args.differences));
            }
            if r.all_identical() || opts.is_what_if() { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
        Err(e) => {
            let _ = writeln!(stdout, "bootsim replay: {}: {e}", path.display());
            ExitCode::from(2)
        }
    }
}
