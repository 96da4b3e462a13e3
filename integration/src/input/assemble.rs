//! A machine from the pieces a user gives: bootsim's `--machine`, `--e820`, `--srat`,
//! `--iomem`, `--cmdline` and `--dmesg`.
//!
//! Each part of the machine comes from the most specific input that has it:
//!
//! | part | 1st | 2nd | 3rd | otherwise |
//! |---|---|---|---|---|
//! | command line | `--cmdline` | `--machine`'s `cmdline` | `--dmesg`'s `Command line:` | the default machine's |
//! | e820 map | `--e820` (boot log lines, memmap listing or directory) | `--machine`'s `[[e820]]` | `--dmesg`'s `BIOS-e820:` lines | the default machine's |
//! | SRAT | `--srat` | `--machine`'s `srat` or `[[node]]` | `--dmesg`'s `SRAT:` lines (built into a table) | the default machine's if the e820 map is its too, else none (NUMA off) |
//! | kernel image | `--iomem` | `--machine`'s `[kernel]` | — (`Memory:` lines give sizes, not places) | the default: `_text` 16 MiB, `__bss_stop` 0x4400000, `_end` 0x4430000 |
//! | initrd | `--initrd START-END` | `--machine`'s `[initrd]` | `--dmesg`'s `RAMDISK:` | the default machine's if the e820 map is its too, else none |
//! | CPU, build | `--machine`'s `[cpu]`, `[build]` | — | — | the defaults (`CpuFeatures`, `BuildConfig`) |
//! | name | `--machine`'s `name` (else its file name) | the files given, joined by ` + ` | — | the default machine's |
//!
//! So: an explicit single-part flag beats the machine file, which beats the boot log, which
//! beats the defaults. With no input at all the machine is exactly
//! [`Machine::default_machine`] (`--cmdline` alone runs it with that command line); inputs that
//! describe a machine but hold no memory map are an error ([`InputError::NoMemoryMap`]), never
//! the built-in map. RAM that a memory map read after boot shows but the boot did not have
//! (hot-added) is left out and listed in [`Assembled::hot_added`]. [`Assembled::sources`]
//! says where each part came from and [`Assembled::warnings`] what looks amiss (a real map with
//! no NUMA layout, a log that holds several boots, hot-added RAM ...).

use std::fmt;
use std::path::{Path, PathBuf};

use super::boots::split_boots;
use super::iomem::DEFAULT_BRK_SIZE;
use super::memmap::{E820Read, hot_added_against, hot_added_note, read_e820_path_split};
use super::plain_facts::PlainFacts;
use super::{InputError, MachineParts, name_of, parse_dmesg, parse_iomem, read_machine_toml, read_srat, read_text};
use crate::machine::{Machine, Platform};
use crate::profile_choice::Release;
use movable_node::{CpuFeatures, E820Entry};

/// What the user gave (bootsim's input flags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// `--machine FILE.toml`.
    pub machine: Option<PathBuf>,
    /// `--e820 FILE|DIR`.
    pub e820: Option<PathBuf>,
    /// `--srat FILE`.
    pub srat: Option<PathBuf>,
    /// `--iomem FILE`.
    pub iomem: Option<PathBuf>,
    /// `--cmdline "..."`.
    pub cmdline: Option<String>,
    /// `--dmesg FILE`.
    pub dmesg: Option<PathBuf>,
    /// The BRK size that turns `--iomem`'s `__bss_stop` into `_end`
    /// (default [`DEFAULT_BRK_SIZE`]).
    pub brk_size: Option<u64>,
    /// `--initrd START-END`: where the bootloader put the initrd, `[start, end)`.
    pub initrd: Option<(u64, u64)>,
}

impl Inputs {
    /// Whether any input describes a machine (a command line alone does not: it runs on the
    /// built-in machine).
    pub fn describes_a_machine(&self) -> bool {
        self.machine.is_some()
            || self.e820.is_some()
            || self.srat.is_some()
            || self.iomem.is_some()
            || self.dmesg.is_some()
            || self.initrd.is_some()
    }

    /// The inputs given, as flags and files, for messages.
    pub fn given(&self) -> String {
        let mut g = Vec::new();
        for (flag, p) in [
            ("--machine", &self.machine),
            ("--e820", &self.e820),
            ("--srat", &self.srat),
            ("--iomem", &self.iomem),
            ("--dmesg", &self.dmesg),
        ] {
            if let Some(p) = p {
                g.push(format!("{flag} {}", name_of(p)));
            }
        }
        if let Some((start, end)) = self.initrd {
            g.push(format!("--initrd {start:#x}-{:#x}", end.saturating_sub(1)));
        }
        g.join(", ")
    }
}

/// Where a part of an assembled machine came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file, with the flag that named it.
    File {
        /// The flag (`--e820` ...).
        flag: &'static str,
        /// The file as given.
        path: String,
    },
    /// The `--cmdline` argument.
    Argument,
    /// Another flag's own value (`--initrd`).
    Flag(&'static str),
    /// The built-in default machine (or the default values).
    Default,
    /// Nowhere: the machine has none (no SRAT, no initrd).
    Absent,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File { flag, path } => write!(f, "{flag} {path}"),
            Source::Argument => f.write_str("--cmdline"),
            Source::Flag(flag) => f.write_str(flag),
            Source::Default => f.write_str("built-in default"),
            Source::Absent => f.write_str("none"),
        }
    }
}

/// Where each part of an assembled machine came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources {
    /// The command line.
    pub cmdline: Source,
    /// The e820 map.
    pub e820: Source,
    /// The SRAT.
    pub srat: Source,
    /// The kernel image.
    pub kernel: Source,
    /// The initrd.
    pub initrd: Source,
    /// The CPU features.
    pub cpu: Source,
    /// The build sizes and options.
    pub build: Source,
}

/// An assembled machine.
#[derive(Debug, Clone)]
pub struct Assembled {
    /// The machine.
    pub machine: Machine,
    /// Where each part came from.
    pub sources: Sources,
    /// What looks amiss, one line each.
    pub warnings: Vec<String>,
    /// `--iomem`'s `Crash kernel` ranges `[start, end)`, for comparison with the model's.
    pub crash_kernel: Vec<(u64, u64)>,
    /// RAM of the memory map that was hot-added after boot, left out of the boot's map:
    /// `[start, end)` (see [`super::memmap::split_hot_added`]).
    pub hot_added: Vec<(u64, u64)>,
    /// The kernel release of `--dmesg`'s first `Linux version` line, if it has one.
    pub release: Option<Release>,
}

/// Reads every input given and builds the machine by the precedence of the module doc.
/// Errors: the first input that cannot be read or parsed, with its file and line.
///
/// # Errors
/// Any input file that cannot be read or parsed ([`InputError`], naming the file and line), or
/// [`InputError::NoMemoryMap`] when the inputs describe a machine but none of them gives a
/// memory map.
pub fn assemble(inputs: &Inputs) -> Result<Assembled, InputError> {
    let mut layers: Vec<(Source, MachineParts)> = Vec::new();
    let mut warnings = Vec::new();
    let mut crash_kernel = Vec::new();
    // The log's name, and whether it lacks SRAT lines.
    let mut dmesg_lacks: Option<(String, bool)> = None;
    let file = |flag: &'static str, p: &PathBuf| Source::File { flag, path: name_of(p) };

    if let Some(c) = &inputs.cmdline {
        layers.push((Source::Argument, MachineParts { cmdline: Some(c.clone()), ..MachineParts::default() }));
    }
    if let Some((start, end)) = inputs.initrd {
        layers.push((Source::Flag("--initrd"), MachineParts { initrd: Some((start, end)), ..MachineParts::default() }));
    }
    let mut e820_read = None;
    if let Some(p) = &inputs.e820 {
        let read = read_e820_path_split(p)?;
        layers.push((file("--e820", p), MachineParts { e820: Some(read.boot.clone()), ..MachineParts::default() }));
        e820_read = Some(read);
    }
    if let Some(p) = &inputs.srat {
        layers.push((file("--srat", p), MachineParts { srat: Some(read_srat(p)?), ..MachineParts::default() }));
    }
    if let Some(p) = &inputs.iomem {
        let iomem = parse_iomem(&name_of(p), &read_text(p)?)?;
        let kernel = iomem.kernel_image(inputs.brk_size.unwrap_or(DEFAULT_BRK_SIZE))?;
        crash_kernel = iomem.crash_kernel();
        layers.push((file("--iomem", p), MachineParts { kernel: Some(kernel), ..MachineParts::default() }));
    }
    if let Some(p) = &inputs.machine {
        layers.push((file("--machine", p), read_machine_toml(p)?));
    }
    let mut log_e820 = None;
    let mut release = None;
    if let Some(p) = &inputs.dmesg {
        let log = read_dmesg(p, &mut warnings)?;
        (log_e820, release) = (log.e820, log.release);
        dmesg_lacks = Some((name_of(p), log.lacks_srat));
        layers.push((file("--dmesg", p), log.parts));
    }

    if inputs.describes_a_machine() && !layers.iter().any(|(_, l)| l.e820.is_some()) {
        return Err(InputError::NoMemoryMap { given: inputs.given() });
    }
    let mut hot_added = match &e820_read {
        Some(read) => hot_added_since_boot(read, log_e820.as_deref(), &mut layers),
        None => Vec::new(),
    };
    hot_added.sort_unstable();
    hot_added.dedup();
    warnings.extend(hot_added.iter().map(|&(s, e)| hot_added_note(s, e)));

    let (sources, machine_name, files) = sources_of(&layers);
    let e820_given = sources.e820 != Source::Default;

    let mut merged = layers.into_iter().fold(MachineParts::default(), |acc, (_, l)| acc.merge(l));
    if machine_name.is_none() && !files.is_empty() {
        merged.name = Some(files.join(" + "));
    }
    if let Some((log, true)) = dmesg_lacks
        && matches!(sources.srat, Source::Default | Source::Absent)
    {
        warnings.push(format!("{log}: no SRAT: Node lines"));
    }
    if e820_given && sources.srat == Source::Absent {
        warnings.push(
            "no SRAT (--srat, the machine file's srat or [[node]], or a boot log's SRAT: lines): the boot runs with \
             NUMA off, one node"
                .into(),
        );
    }
    if e820_given && sources.kernel == Source::Default {
        warnings.push(
            "the kernel image is the default one (_text 0x1000000, _end 0x4430000); give --iomem for the real one"
                .into(),
        );
    }
    Ok(Assembled { machine: merged.into_machine(), sources, warnings, crash_kernel, hot_added, release })
}

/// A boot log, as the machine's layer: its first boot only (a capture may hold several).
struct DmesgLayer {
    parts: MachineParts,
    /// Its `BIOS-e820:` table.
    e820: Option<Vec<E820Entry>>,
    release: Option<Release>,
    lacks_srat: bool,
}

fn read_dmesg(p: &Path, warnings: &mut Vec<String>) -> Result<DmesgLayer, InputError> {
    let whole = read_text(p)?;
    // The same boot twice (a console capture, then a dmesg dump) or several boots: the first
    // is the machine's.
    let boots = split_boots(&whole);
    let text = boots.first().map_or(whole.as_str(), |b| b.text);
    if boots.len() > 1 {
        let starts: Vec<String> = boots.iter().map(|b| b.first_line.to_string()).collect();
        warnings.push(format!(
            "{} holds {} boots (Linux version lines at lines {}): the first, lines {}-{}, is used",
            name_of(p),
            boots.len(),
            starts.join(", "),
            boots[0].first_line,
            boots[0].last_line
        ));
    }
    let release = Release::from_log(text);
    let d = parse_dmesg(&name_of(p), text)?;
    warnings.extend(d.notes.iter().cloned());
    let mut parts = d.parts();
    parts.name = None;
    (parts.platform, parts.cpu) = platform_of(&name_of(p), text, warnings);
    Ok(DmesgLayer { parts, e820: d.e820, release, lacks_srat: d.nodes.is_empty() })
}

/// What the log says of the platform (ACPI tables, CPUs, IO-APICs, unknown parameters) and of
/// the CPU (`Using GB pages for direct mapping`): what a 6.1 boot of the machine reads. Only a
/// log that reached the ACPI table reservations (after the direct mapping) tells; a line of
/// these that does not read is noted, and the platform is then taken as unknown rather than
/// half-read.
fn platform_of(file: &str, text: &str, warnings: &mut Vec<String>) -> (Option<Platform>, Option<CpuFeatures>) {
    let f = match PlainFacts::parse(text) {
        Ok(f) => f,
        Err(e) => {
            warnings.push(format!("{file}: {e}: the ACPI tables, CPUs and IO-APICs of this log are not read"));
            return (None, None);
        }
    };
    let reached = !f.acpi_reservations.is_empty();
    let cpu = reached.then(|| CpuFeatures { gbpages: f.gbpages, ..CpuFeatures::default() });
    let platform = Platform {
        // A log that reached the ACPI tables printed every IO-APIC of the MADT (none is 0).
        ioapics: reached.then_some(f.ioapics),
        acpi_tables: f.acpi_reservations,
        acpi_upgrades: f.acpi_initrd_tables,
        cpus: f.possible_cpus,
        unknown_parameters: f.unknown_parameters,
        ..Platform::default()
    };
    (Some(platform), cpu)
}

/// RAM hot-added since boot: the log's `BIOS-e820:` table says what the boot had (and the
/// `--e820` layer becomes that); without it, the map's own order and types (see
/// `split_hot_added`).
fn hot_added_since_boot(
    read: &E820Read,
    log_e820: Option<&[E820Entry]>,
    layers: &mut [(Source, MachineParts)],
) -> Vec<(u64, u64)> {
    let mut hot_added = Vec::new();
    if let Some(boot_map) = log_e820 {
        let (boot, added) = hot_added_against(boot_map, &read.boot);
        hot_added = added;
        if let Some((_, l)) = layers.iter_mut().find(|(s, _)| matches!(s, Source::File { flag: "--e820", .. })) {
            l.e820 = Some(boot);
        }
    }
    hot_added.extend(read.hot_added.iter().map(|e| (e.addr, e.end())));
    hot_added
}

/// Where each part of the machine came from (the first layer that has it), the machine file's
/// own name if it gave one, and the files read.
fn sources_of(layers: &[(Source, MachineParts)]) -> (Sources, Option<Source>, Vec<String>) {
    let pick = |has: &dyn Fn(&MachineParts) -> bool| layers.iter().find(|(_, l)| has(l)).map(|(s, _)| s.clone());
    let e820_given = pick(&|l| l.e820.is_some());
    let own = |s: Option<Source>| s.unwrap_or(if e820_given.is_some() { Source::Absent } else { Source::Default });
    let files: Vec<String> = layers
        .iter()
        .filter_map(|(s, _)| match s {
            Source::File { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect();
    let sources = Sources {
        cmdline: pick(&|l| l.cmdline.is_some()).unwrap_or(Source::Default),
        e820: e820_given.clone().unwrap_or(Source::Default),
        srat: own(pick(&|l| l.srat.is_some())),
        kernel: pick(&|l| l.kernel.is_some()).unwrap_or(Source::Default),
        initrd: own(pick(&|l| l.initrd.is_some())),
        cpu: pick(&|l| l.cpu.is_some()).unwrap_or(Source::Default),
        build: pick(&|l| l.build.is_some()).unwrap_or(Source::Default),
    };
    (sources, pick(&|l| l.name.is_some()), files)
}
