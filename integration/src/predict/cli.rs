//! `bootsim predict`: the command line.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use serde_json::json;

use super::args::{MachineArgs, PredictArgs};
use super::compare::{Comparison, compare, has_trace, model_allocations};
use crate::input::assemble::{Inputs, Source as InputSource, assemble};
use crate::input::boots::split_boots;
use crate::input::num;
use crate::input::read_text;
use crate::out::{EXIT_BAD_INPUT, EXIT_DIFFERENT, EXIT_DONE, print, say};
use crate::phases::linux_6_1::boot::{Prediction, Stopped, boot_6_1};
use crate::phases::linux_6_1::kernel_lines::{early_node_ranges, movable_starts, node_spans, zone_ranges};
use crate::phases::linux_6_1::machine_facts::{
    LOAD_PHYSICAL_ADDR, MachineFactsError, WhenMissing, machine_facts, qemu_initrd_place,
};
use crate::phases::linux_6_1::{Build6_1, KernelSymbols, PlainFacts};
use crate::profile_choice::{ProfileChoice, Release, Source};
use crate::replay::batch::find_logs;
use crate::replay::place::{kernel_place_from_iomem, parse_range};
use crate::replay::trace::Trace;
use movable_node::KernelProfile;
use movable_node::x86_mm_bottomup::QEMU64;

/// Runs `bootsim predict`: the report to stdout, errors to stderr (`bootsim: predict: ...`).
/// Exit status: 0 when the prediction is the log's (or there is nothing to compare), 1 at the
/// first difference, 2 for bad input or a boot the model cannot derive.
pub fn run(args: &PredictArgs) -> ExitCode {
    match run_predict(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            say(format!("predict: {e}"));
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn emit(text: &str) -> Result<(), String> {
    print(text).map_err(|e| format!("stdout: {e}"))
}

/// The kernel image's symbols: from `/proc/iomem` (`_text` and `__end_of_kernel_reserve`;
/// `__brk_base` follows the latter, `_end` is the build's brk size above it), else the build's.
pub fn kernel_symbols(build: &Build6_1, iomem: Option<&Path>) -> Result<(KernelSymbols, String), String> {
    let Some(path) = iomem else {
        return Ok((build.kernel, "the build profile (no --iomem)".to_string()));
    };
    let text = read_text(path).map_err(|e| e.to_string())?;
    let place =
        kernel_place_from_iomem(&text, &path.display().to_string()).map_err(|e| format!("{}: {e}", path.display()))?;
    kernel_symbols_at(build, (place.start, place.end), &path.display().to_string())
}

/// The kernel image's symbols for an image at `[_text, __end_of_kernel_reserve)` (`--kernel`,
/// or `/proc/iomem`'s `Kernel code` to `Kernel bss`): `__brk_base` follows it and `_end` is the
/// build's brk size above that.
pub fn kernel_symbols_at(
    build: &Build6_1,
    (start, end): (u64, u64),
    from: &str,
) -> Result<(KernelSymbols, String), String> {
    let brk = build.kernel.end - build.kernel.brk_base;
    let brk_end = end.checked_add(brk).ok_or_else(|| format!("{from}: the kernel image ends past 2^64"))?;
    let symbols = KernelSymbols { text: start, end_of_kernel_reserve: end, brk_base: end, end: brk_end };
    Ok((symbols, format!("{from} (_end = __brk_base + the build's brk, {brk:#x})")))
}

/// What the build profile makes the model assume, one line each (spec §H.9.1).
pub fn assumptions(build: &Build6_1) -> Vec<String> {
    vec![
        format!("trampoline {:#x} bytes (reserve_real_mode)", build.trampoline_bytes),
        format!(
            "used brk {:#x} bytes; page-table brk buffer {} pages",
            build.used_brk_bytes,
            build.mapping.pgt_buf_pages()
        ),
        "direct map with 4 KiB and 2 MiB pages (qemu64: no 1 GiB pages), 4-level paging".to_string(),
        format!("sizeof(pg_data_t) {:#x}; NODE_MIN_SIZE {:#x}", build.pg_data_bytes, build.node_min_size),
        format!(
            "mem_section roots {:#x} bytes, one root per {} sections; usemap {:#x} per section; struct page {} bytes",
            build.section_roots_bytes, build.sections_per_root, build.usemap_bytes_per_section, build.struct_page_bytes
        ),
        format!(
            "percpu s{} r{} d{} u{} (when the log has no `percpu: Embedded` line)",
            build.percpu.static_size, build.percpu.reserved_size, build.percpu.dyn_size, build.percpu.unit_size
        ),
        format!("spp_getpage {} pages; swiotlb {} MiB", build.spp_getpage_pages, build.swiotlb.buffer_bytes >> 20),
    ]
}

/// The log's command line with `movable_node` added or removed (a what-if).
fn toggled(facts: &mut PlainFacts, on: bool) {
    let words: Vec<&str> =
        facts.command_line.as_deref().unwrap_or("").split_whitespace().filter(|w| *w != "movable_node").collect();
    let mut line = words.join(" ");
    if on {
        line.push_str(" movable_node");
    }
    facts.command_line = Some(line);
}

/// The log's text with every `memblock=debug` line taken out: what the model may read.
pub fn plain_text(text: &str, trace: &Trace) -> String {
    let hidden: std::collections::HashSet<usize> = trace
        .events
        .iter()
        .filter(|l| l.event.is_memblock())
        .map(|l| l.number)
        .chain(trace.garbled.iter().map(|g| g.line))
        .collect();
    let mut out = String::with_capacity(text.len() / 2);
    for (n, line, _) in crate::input::log_line::lines(text) {
        if !hidden.contains(&n) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// One log predicted (and compared, when it has a trace).
#[derive(Debug)]
pub struct Outcome {
    /// The profile line.
    pub profile: String,
    /// Where the kernel symbols came from.
    pub symbols_from: String,
    /// Memblock lines hidden from the model.
    pub hidden: usize,
    /// The prediction.
    pub prediction: Result<Prediction, Stopped>,
    /// The comparison, when the log (or `--against`) has a trace.
    pub comparison: Option<Comparison>,
    /// What the user should know (a file holding several boots).
    pub notes: Vec<String>,
    /// What the prediction was made from, for the report's head.
    pub from: String,
    /// The machine's values no input gave (a prediction from files and flags).
    pub assumed: Vec<String>,
}

/// Predicts the boot of `text` and compares it with `against` (its own text by default).
pub fn predict_log(
    name: &str,
    text: &str,
    symbols: (KernelSymbols, String),
    movable_node: Option<bool>,
    against: Option<&str>,
) -> Result<Outcome, String> {
    let boots = split_boots(text);
    let text = boots.first().map_or(text, |b| b.text);
    let mut notes = Vec::new();
    if boots.len() > 1 {
        let starts: Vec<String> = boots.iter().map(|b| b.first_line.to_string()).collect();
        notes.push(format!(
            "note: {name} holds {} boots (Linux version lines at lines {}): predicting the first",
            boots.len(),
            starts.join(", ")
        ));
    }
    let choice = match Release::from_log(text) {
        Some(r) => ProfileChoice::detected(r, Source::Log),
        None => ProfileChoice::flag(KernelProfile::Modern, "bootsim predict models Linux 6.1; the log names no kernel"),
    };
    if choice.profile != KernelProfile::Modern {
        return Err(format!("{name}: {choice}: bootsim predict models Linux 6.1 only"));
    }
    let trace = Trace::parse(text);
    let plain = plain_text(text, &trace);
    let mut facts = PlainFacts::parse(&plain).map_err(|e| format!("{name}: {e}"))?;
    if let Some(on) = movable_node {
        toggled(&mut facts, on);
    }
    let build = Build6_1::DEBIAN_6_1_AMD64;
    let prediction = boot_6_1(&facts, &build, &symbols.0);
    let (cmp_text, cmp_trace) = match against {
        Some(t) => (t, Trace::parse(t)),
        None if movable_node.is_none() => (text, trace.clone()),
        None => ("", Trace::default()),
    };
    let comparison = match &prediction {
        Ok(p) if has_trace(&cmp_trace) => Some(compare(p, cmp_text, &cmp_trace)),
        _ => None,
    };
    let hidden = trace.events.iter().filter(|l| l.event.is_memblock()).count() + trace.garbled.len();
    let from = format!("the plain log ({hidden} memblock=debug lines hidden from the model)");
    Ok(Outcome {
        profile: choice.to_string(),
        symbols_from: symbols.1,
        hidden,
        prediction,
        comparison,
        notes,
        from,
        assumed: Vec::new(),
    })
}

/// Predicts the boot of a machine from its own files and flags ([`MachineArgs`]), compared
/// with `against` when given.
pub fn predict_machine(
    m: &MachineArgs,
    iomem: Option<&Path>,
    symbols: (KernelSymbols, String),
    movable_node: Option<bool>,
    against: Option<&str>,
) -> Result<Outcome, String> {
    let build = Build6_1::DEBIAN_6_1_AMD64;
    let initrd = match &m.initrd {
        Some(r) => Some(parse_range(r).map_err(|_| {
            format!(
                "--initrd {r:?}: expected START-END, e.g. 0x7fdfa000-0x7ffdffff as the kernel's RAMDISK: line prints it"
            )
        })?),
        None => None,
    };
    let cmdline = m.cmdline.clone().ok_or_else(|| {
        MachineFactsError::Missing { what: "command line", how: "--cmdline \"...\" (\"\" for an empty one)" }
            .to_string()
    })?;
    let inputs = Inputs {
        e820: m.e820.clone(),
        srat: m.srat.clone(),
        iomem: iomem.map(Path::to_path_buf),
        cmdline: Some(cmdline),
        initrd,
        ..Inputs::default()
    };
    let a = assemble(&inputs).map_err(|e| e.to_string())?;
    // The kernel image is predict's own (`--kernel`, `--iomem` or the build's, named in the
    // report), not assemble's default: its note about that default does not apply.
    let assembled_kernel = a.sources.kernel != InputSource::Default;
    let mut notes: Vec<String> = a
        .warnings
        .iter()
        .filter(|w| assembled_kernel || !w.starts_with("the kernel image is the default one"))
        .map(|w| format!("note: {w}"))
        .collect();
    let mut machine = a.machine;
    // The build profile's CPU (qemu64: no 1 GiB pages), listed among its assumptions.
    machine.cpu = QEMU64;
    m.platform.apply(&mut machine)?;
    let mut placed = None;
    if let Some(text) = &m.initrd_size {
        let size = num::flexible(text).map_err(|e| format!("--initrd-size {text:?}: {e}"))?;
        let (start, end) = qemu_initrd_place(&machine.e820, size)
            .ok_or_else(|| format!("--initrd-size {text}: no usable RAM below 4 GiB holds it"))?;
        machine.initrd = Some((start, end));
        placed = Some(format!(
            "initrd of {size:#x} bytes at [{start:#x}-{:#x}], where QEMU's -initrd puts it (the top of the RAM below \
             4 GiB, rounded down to 64 KiB); another boot loader chooses otherwise (--initrd START-END)",
            end - 1
        ));
    }
    let mut mf = machine_facts(&machine, &build, WhenMissing::Refuse).map_err(|e| e.to_string())?;
    mf.assumed.extend(placed);
    if let Some(on) = movable_node {
        toggled(&mut mf.facts, on);
    }
    if machine.srat.is_none() {
        notes.push("note: no --srat: one node, as a boot without an SRAT".to_string());
    }
    let prediction = boot_6_1(&mf.facts, &build, &symbols.0);
    let comparison = match (&prediction, against) {
        (Ok(p), Some(t)) => {
            let trace = Trace::parse(t);
            has_trace(&trace).then(|| compare(p, t, &trace))
        }
        _ => None,
    };
    let from = format!("{} and flags (no boot log)", inputs.given());
    Ok(Outcome {
        profile: ProfileChoice::flag(KernelProfile::Modern, "bootsim predict models Linux 6.1").to_string(),
        symbols_from: symbols.1,
        hidden: 0,
        prediction,
        comparison,
        notes,
        from,
        assumed: mf.assumed,
    })
}

fn run_predict(args: &PredictArgs) -> Result<u8, String> {
    let build = Build6_1::DEBIAN_6_1_AMD64;
    let movable_node = match (args.movable_node, args.no_movable_node) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let machine_flags = args.machine.given();
    if (args.log.is_some() || args.batch.is_some()) && !machine_flags.is_empty() {
        return Err(format!(
            "{} describe a machine without a log; a DMESG (or --batch) is predicted from its own lines: give one \
             or the other",
            machine_flags.join(", ")
        ));
    }
    if let Some(dir) = &args.batch {
        return run_batch(args, dir, movable_node);
    }
    let against = match &args.against {
        Some(p) => Some(read_text(p).map_err(|e| e.to_string())?),
        None => None,
    };
    let symbols = match (&args.machine.kernel, &args.machine.kernel_size) {
        (_, Some(text)) => {
            let size = num::flexible(text).map_err(|e| format!("--kernel-size {text:?}: {e}"))?;
            let end = LOAD_PHYSICAL_ADDR.checked_add(size).ok_or_else(|| format!("--kernel-size {text}: past 2^64"))?;
            let from = format!("--kernel-size {text} at LOAD_PHYSICAL_ADDR {LOAD_PHYSICAL_ADDR:#x} (no KASLR)");
            kernel_symbols_at(&build, (LOAD_PHYSICAL_ADDR, end), &from)?
        }
        (Some(r), None) => {
            let range = parse_range(r).map_err(|_| {
                format!(
                    "--kernel {r:?}: expected START-END, e.g. 0x1000000-0x4400000 (_text to __end_of_kernel_reserve)"
                )
            })?;
            kernel_symbols_at(&build, range, &format!("--kernel {r}"))?
        }
        (None, None) => kernel_symbols(&build, args.iomem.as_deref())?,
    };
    let (name, o) = match &args.log {
        Some(path) => {
            let text = read_text(path).map_err(|e| e.to_string())?;
            let name = path.display().to_string();
            let o = predict_log(&name, &text, symbols, movable_node, against.as_deref())?;
            (name, o)
        }
        None if args.machine.e820.is_some() => (
            "the machine".to_string(),
            predict_machine(&args.machine, args.iomem.as_deref(), symbols, movable_node, against.as_deref())?,
        ),
        None => {
            return Err(format!(
                "{} describe a machine: give its memory map too (--e820 /sys/firmware/memmap or a memmap.txt)",
                machine_flags.join(", ")
            ));
        }
    };
    for n in &o.notes {
        say(n);
    }
    let p = match &o.prediction {
        Ok(p) => p,
        Err(s) => return Err(format!("{name}: {} (after {} phases)", s.error, s.phases.len())),
    };
    if args.log_trace {
        // Like `bootsim --log`: stdout is the kernel's lines only (diffable against a real
        // trace); the profile is named on stderr.
        say(&o.profile);
        emit(&(p.trace_lines().join("\n") + "\n"))?;
    } else if args.json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&json_of(&o, p, &build)).unwrap_or_default()))?;
    } else {
        emit(&render(&name, &o, p, &build, movable_node))?;
    }
    Ok(match &o.comparison {
        Some(c) if !c.identical() => EXIT_DIFFERENT,
        _ => EXIT_DONE,
    })
}

fn run_batch(args: &PredictArgs, dir: &Path, movable_node: Option<bool>) -> Result<u8, String> {
    let build = Build6_1::DEBIAN_6_1_AMD64;
    let logs = find_logs(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if logs.is_empty() {
        return Err(format!("no logs (*dmesg*, *.log) under {}", dir.display()));
    }
    let mut out = String::new();
    let mut entries = Vec::new();
    let mut any_bad = false;
    let (mut matched, mut logged) = (0, 0);
    let mut first_profile = None;
    for log in &logs {
        let name = log.path.strip_prefix(dir).unwrap_or(&log.path).display().to_string();
        let iomem = args.iomem.as_deref().or(log.iomem.as_deref());
        let result = read_text(&log.path)
            .map_err(|e| e.to_string())
            .and_then(|text| Ok((text, kernel_symbols(&build, iomem)?)))
            .and_then(|(text, symbols)| predict_log(&name, &text, symbols, movable_node, None));
        let line = match result {
            Ok(o) => {
                first_profile.get_or_insert_with(|| o.profile.clone());
                match (&o.prediction, &o.comparison) {
                    (Err(s), _) => {
                        any_bad = true;
                        format!("not predicted: {}", s.error)
                    }
                    (Ok(_), Some(c)) => {
                        matched += c.matched;
                        logged += c.logged;
                        any_bad |= !c.identical();
                        summary(c)
                    }
                    (Ok(p), None) => format!(
                        "{} allocations predicted (no memblock=debug lines to compare)",
                        model_allocations(p).len()
                    ),
                }
            }
            Err(e) => {
                any_bad = true;
                format!("not predicted: {e}")
            }
        };
        let _ = writeln!(out, "{name}: {line}");
        entries.push(json!({ "name": name, "result": line }));
    }
    let head =
        first_profile.unwrap_or_else(|| ProfileChoice::flag(KernelProfile::Modern, "bootsim predict").to_string());
    let total = format!("{matched} of {logged} allocations predicted at the kernel's address in {} logs", logs.len());
    if args.json {
        let v = json!({ "profile": head, "logs": entries, "total": total });
        emit(&format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default()))?;
    } else {
        emit(&format!("{head}\n{out}total: {total}\n"))?;
    }
    Ok(if any_bad { EXIT_DIFFERENT } else { EXIT_DONE })
}

fn summary(c: &Comparison) -> String {
    let mut s = format!(
        "{} of {} allocations predicted at the kernel's address; dumps {} of {}; facts {} of {}",
        c.matched,
        c.logged,
        c.dumps_matched,
        c.dumps_logged,
        c.facts.iter().filter(|f| f.identical()).count(),
        c.facts.len()
    );
    if let Some(d) = &c.first_difference {
        let _ = write!(s, "; first difference: {} from {}", d.what, d.phase);
    }
    s
}

fn render(name: &str, o: &Outcome, p: &Prediction, build: &Build6_1, movable_node: Option<bool>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", o.profile);
    let _ = writeln!(s, "{name}: Linux 6.1's early boot predicted from {}", o.from);
    if let Some(on) = movable_node {
        let _ = writeln!(s, "what-if: the command line {} movable_node", if on { "with" } else { "without" });
    }
    let _ = writeln!(s, "build profile Debian 6.1 amd64 (spec §H.9.1), assumed:");
    for a in assumptions(build) {
        let _ = writeln!(s, "  {a}");
    }
    if !o.assumed.is_empty() {
        let _ = writeln!(s, "the machine, assumed (no input gives these):");
        for a in &o.assumed {
            let _ = writeln!(s, "  {a}");
        }
    }
    let _ = writeln!(s, "kernel symbols from {}", o.symbols_from);
    let Some(c) = &o.comparison else {
        let _ = writeln!(
            s,
            "no memblock=debug lines to compare with: the prediction alone ({} allocations)",
            model_allocations(p).len()
        );
        for ph in &p.phases {
            let n = ph.ops.len();
            if n > 0 {
                let _ = writeln!(s, "  {:<32} {n} operations", ph.phase);
            }
        }
        for (what, lines) in [
            ("NODE_DATA", p.node_data_lines()),
            ("crash kernel", p.crash_messages.clone()),
            ("zone ranges", zone_ranges(&p.zones)),
            ("movable zone starts", movable_starts(&p.zones)),
            ("early memory node ranges", early_node_ranges(&p.zones)),
            ("node spans", node_spans(&p.zones)),
        ] {
            let _ = writeln!(s, "{what}:{}", if lines.is_empty() { " none" } else { "" });
            for l in lines {
                let _ = writeln!(s, "  {l}");
            }
        }
        return s;
    };
    let _ = writeln!(s, "{} of {} allocations predicted at the kernel's address", c.matched, c.logged);
    if c.predicted != c.logged {
        let _ = writeln!(s, "  (the model made {})", c.predicted);
    }
    let _ = writeln!(s, "dumps: {} of {} identical", c.dumps_matched, c.dumps_logged);
    for f in &c.facts {
        let verdict = if f.identical() { "identical" } else { "DIFFERENT" };
        let _ = writeln!(
            s,
            "{}: {verdict}{}",
            f.what,
            if f.kernel.is_empty() && f.model.is_empty() { " (none)" } else { "" }
        );
        for l in &f.model {
            let _ = writeln!(s, "  model  {l}");
        }
        if !f.identical() {
            for l in &f.kernel {
                let _ = writeln!(s, "  kernel {l}");
            }
        }
    }
    match &c.first_difference {
        None => {
            let _ = writeln!(s, "the prediction is the log's: every allocation, dump and fact");
        }
        Some(d) => {
            let _ = writeln!(s, "first difference: {} (phase {})", d.what, d.phase);
            let _ = writeln!(s, "  kernel {}", d.kernel);
            let _ = writeln!(s, "  model  {}", d.model);
        }
    }
    s
}

fn json_of(o: &Outcome, p: &Prediction, build: &Build6_1) -> serde_json::Value {
    let phases: Vec<serde_json::Value> =
        p.phases.iter().map(|ph| json!({ "phase": ph.phase, "ops": ph.ops })).collect();
    json!({
        "profile": o.profile,
        "build_profile": "Debian 6.1 amd64",
        "assumed": assumptions(build),
        "machine_assumed": o.assumed,
        "predicted_from": o.from,
        "kernel_symbols_from": o.symbols_from,
        "hidden_memblock_lines": o.hidden,
        "phases": phases,
        "node_data": p.node_data_lines(),
        "crash_kernel": p.crash_messages,
        "zone_ranges": zone_ranges(&p.zones),
        "movable_zone_starts": movable_starts(&p.zones),
        "comparison": o.comparison,
    })
}
