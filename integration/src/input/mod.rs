//! # input — a machine from the files people have: what bootsim reads
//!
//! Each format has its own module and its own reader, which takes the text (or bytes, or a
//! directory) and returns typed values; every failure is an [`InputError`] whose message names
//! the file, the line (or byte offset) and what is wrong, e.g.
//! `e820.txt:7: cannot read "BIOS-e820: [mem 0x12-] usable": expected ...`. No reader panics
//! on any input.
//!
//! | format | module | reader | gives |
//! |---|---|---|---|
//! | `BIOS-e820:` lines (dmesg, with or without timestamps; 3.x and 2.6 forms) | [`e820`] | [`parse_e820`] | `Vec<E820Entry>` |
//! | `/sys/firmware/memmap` (directory, `N start= end= type=` listing, `grep .` listing) | [`memmap`] | [`read_memmap_dir`], [`parse_memmap_txt`] | `Vec<E820Entry>` |
//! | `/proc/iomem` | [`iomem`] | [`parse_iomem`] | [`Iomem`]: the kernel image, `Crash kernel`, the RAM map |
//! | a saved boot log | [`dmesg`] | [`parse_dmesg`] | [`Dmesg`]: e820, command line, initrd, SRAT nodes and CPUs |
//! | a machine description (TOML, see `MACHINE.md`) | [`machine_file`] | [`parse_machine_toml`] | [`MachineParts`] |
//! | raw SRAT bytes | [`srat`] | [`check_srat`], [`read_srat`] | the bytes, checked to be an SRAT at all |
//! | the running Linux machine | [`host`] | [`from_host`] | a [`Machine`] and what could not be read |
//! | a file holding several boots | [`boots`] | [`boots::split_boots`] | each boot's lines |
//! | all of the above together | [`mod@assemble`] | [`assemble()`] | a [`Machine`], and where each part came from |
//!
//! The readers share their lowest layer, also used by the replay's trace reader: `log_line`
//! splits a text into numbered lines and takes a kernel log line's message from behind its
//! level and timestamp; `num` reads every number (hex, decimal, sizes).
//!
//! The SRAT is only checked here (signature, size); the real parse happens in the boot, where
//! a table that does not parse means NUMA off, as in the kernel.

use std::fmt;
use std::path::{Path, PathBuf};

use movable_node::{CpuFeatures, E820Entry, E820Error};

use crate::machine::{BuildConfig, KernelImage, Machine, NodeSpec, Platform};

pub mod assemble;
pub mod boots;
pub mod dmesg;
pub mod e820;
pub mod host;
pub mod iomem;
pub(crate) mod log_line;
pub mod machine_file;
pub mod memmap;
pub(crate) mod num;
pub mod plain_facts;
pub mod srat;

pub use assemble::{Assembled, Inputs, Source, Sources, assemble};
pub use dmesg::{Dmesg, parse_dmesg};
pub use e820::{e820_type_from_kernel_name, kernel_type_name, parse_e820};
pub use host::{HostMachine, HostProblem, HostReason, from_host, from_root};
pub use iomem::{DEFAULT_BRK_SIZE, Iomem, IomemResource, KernelSections, parse_iomem};
pub(crate) use log_line::{lines, log_lines};
pub use machine_file::{parse_machine_toml, read_machine_toml};
pub use memmap::{
    E820Read, hot_added_against, hot_added_note, memmap_type, parse_e820_text, parse_memmap_txt,
    parse_memmap_txt_split, read_e820_path, read_e820_path_split, read_memmap_dir, read_memmap_dir_split,
    split_hot_added,
};
pub use srat::{SRAT_HEADER_LEN, check_srat, read_srat};

/// Where in a file: the whole file, a line, a run of lines, or a byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole.
    File,
    /// A line (1-based).
    Line(usize),
    /// Lines `first..=last` (1-based).
    Lines(usize, usize),
    /// A byte offset (0-based).
    Offset(u64),
}

/// A file and a place in it, as error messages print it: `e820.txt:7`, `e820.txt:4-11`,
/// `srat.bin: offset 0`, or the file alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The file as the user named it.
    pub file: String,
    /// Where in it.
    pub at: Location,
}

impl Place {
    /// `file` at `at`.
    pub fn new(file: impl Into<String>, at: Location) -> Place {
        Place { file: file.into(), at }
    }

    /// A line of `file`.
    pub fn line(file: impl Into<String>, line: usize) -> Place {
        Place::new(file, Location::Line(line))
    }

    /// `file` as a whole.
    pub fn file(file: impl Into<String>) -> Place {
        Place::new(file, Location::File)
    }

    /// The file as a whole, from a path.
    pub fn path(path: &Path) -> Place {
        Place::file(path.display().to_string())
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Location::File => write!(f, "{}", self.file),
            Location::Line(n) => write!(f, "{}:{n}", self.file),
            Location::Lines(a, b) if a == b => write!(f, "{}:{a}", self.file),
            Location::Lines(a, b) => write!(f, "{}:{a}-{b}", self.file),
            Location::Offset(o) => write!(f, "{}: offset {o}", self.file),
        }
    }
}

fn also(other: &Option<Box<Place>>) -> String {
    other.as_ref().map(|p| format!(" (the other entry is at {p})")).unwrap_or_default()
}

fn problem_list(problems: &[HostProblem]) -> String {
    problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; ")
}

/// Input that bootsim cannot use. Every message names the file, the line or byte offset where
/// that means something, and what is wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The file could not be read at all.
    #[error("{at}: cannot read it: {source}")]
    Io {
        /// The file.
        at: Place,
        /// What the system said.
        source: std::io::Error,
    },
    /// A line that belongs to the format but does not have its form.
    #[error("{at}: cannot read {text:?}: expected {expected}")]
    Syntax {
        /// The line.
        at: Place,
        /// The line's text (from the part that made it relevant, trimmed).
        text: String,
        /// The form it should have.
        expected: String,
    },
    /// The file ends in the middle of a line that matters (a log cut short).
    #[error("{at}: the file ends in the middle of this line (was the log cut short?): {text:?}")]
    CutLine {
        /// The last line.
        at: Place,
        /// What there is of it.
        text: String,
    },
    /// A value that reads but cannot be right (an entry that ends before it starts, an unknown
    /// type, a duplicate).
    #[error("{at}: {what}")]
    Invalid {
        /// Where.
        at: Place,
        /// What is wrong, with the values.
        what: String,
    },
    /// What the file must hold is not in it.
    #[error("{at}: {what}")]
    Missing {
        /// The file (or the place where it was expected).
        at: Place,
        /// What is missing.
        what: String,
    },
    /// The e820 map as a whole cannot be used (`movable_node::E820Table::new`'s checks).
    #[error("{at}: {source}{}", also(other))]
    E820 {
        /// The entry at fault (the later of two overlapping ones), or the lines of the map.
        at: Place,
        /// What `E820Table::new` found.
        source: E820Error,
        /// The other entry of an overlap.
        other: Option<Box<Place>>,
    },
    /// Bytes given as an SRAT that are not one.
    #[error("{at}: not an SRAT: {why}")]
    NotSrat {
        /// The file and the offset of the fault.
        at: Place,
        /// Why.
        why: String,
    },
    /// `/proc/iomem` read without root: every address is 0.
    #[error(
        "{at}: every address reads 0: /proc/iomem shows addresses only to root (CAP_SYS_ADMIN); \
         read it as root"
    )]
    ZeroedAddresses {
        /// The file.
        at: Place,
    },
    /// A machine file that is not valid TOML or does not match the documented format.
    #[error("{at}: {message}")]
    Toml {
        /// The line of the fault.
        at: Place,
        /// The TOML reader's message (or ours).
        message: String,
    },
    /// A file larger than bootsim reads ([`INPUT_LIMIT`]): not a boot log, map or table.
    #[error("{at}: larger than {} MiB, more than any boot log, memory map or ACPI table holds: is this the right file?", limit >> 20)]
    TooLarge {
        /// The file.
        at: Place,
        /// The limit in bytes.
        limit: u64,
    },
    /// Inputs were given but none of them holds a memory map.
    #[error(
        "no memory map in {given}: give the boot's own dmesg with its BIOS-e820: table (journalctl -k -b, or \
         dmesg right after boot: the ring buffer may have wrapped past it), or --e820 /sys/firmware/memmap"
    )]
    NoMemoryMap {
        /// The inputs given, as flags and files.
        given: String,
    },
    /// The running machine's memory map could not be read from anywhere.
    #[error("cannot read the running machine's memory map: {}", problem_list(problems))]
    Host {
        /// What was tried and why each failed.
        problems: Vec<HostProblem>,
    },
}

impl InputError {
    /// The place the error is about, if it is about one file.
    pub fn place(&self) -> Option<&Place> {
        match self {
            InputError::Io { at, .. }
            | InputError::Syntax { at, .. }
            | InputError::CutLine { at, .. }
            | InputError::Invalid { at, .. }
            | InputError::Missing { at, .. }
            | InputError::E820 { at, .. }
            | InputError::NotSrat { at, .. }
            | InputError::ZeroedAddresses { at }
            | InputError::TooLarge { at, .. }
            | InputError::Toml { at, .. } => Some(at),
            InputError::Host { .. } | InputError::NoMemoryMap { .. } => None,
        }
    }
}

/// A machine as far as some input describes it: each part is `None` where that input says
/// nothing. [`MachineParts::merge`] stacks inputs by precedence and
/// [`MachineParts::into_machine`] fills what is left with the defaults (see [`mod@assemble`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MachineParts {
    /// A name for reports.
    pub name: Option<String>,
    /// The kernel command line.
    pub cmdline: Option<String>,
    /// The BIOS memory map.
    pub e820: Option<Vec<E820Entry>>,
    /// Raw SRAT bytes (from a file, or built from [`MachineParts::nodes`]).
    pub srat: Option<Vec<u8>>,
    /// The NUMA layout the SRAT bytes were built from, when it was described rather than given
    /// as a table.
    pub nodes: Option<Vec<NodeSpec>>,
    /// The kernel image.
    pub kernel: Option<KernelImage>,
    /// The initrd `[start, end)`.
    pub initrd: Option<(u64, u64)>,
    /// CPU features.
    pub cpu: Option<CpuFeatures>,
    /// Build sizes and options.
    pub build: Option<BuildConfig>,
    /// What the platform's other tables say.
    pub platform: Option<Platform>,
}

impl MachineParts {
    /// `self` with every part it lacks taken from `lower` (an input of lower precedence).
    /// The SRAT and the layout it was built from travel together.
    pub fn merge(self, lower: MachineParts) -> MachineParts {
        let (srat, nodes) = if self.srat.is_some() { (self.srat, self.nodes) } else { (lower.srat, lower.nodes) };
        MachineParts {
            name: self.name.or(lower.name),
            cmdline: self.cmdline.or(lower.cmdline),
            e820: self.e820.or(lower.e820),
            srat,
            nodes,
            kernel: self.kernel.or(lower.kernel),
            initrd: self.initrd.or(lower.initrd),
            cpu: self.cpu.or(lower.cpu),
            build: self.build.or(lower.build),
            platform: self.platform.or(lower.platform),
        }
    }

    /// A [`Machine`]: every part that is given, and for the rest the built-in default machine's
    /// ([`Machine::default_machine`]), except that its SRAT and its initrd, which only make
    /// sense on its own memory map, are taken only when the e820 map is its too (otherwise: no
    /// SRAT, so NUMA off; no initrd).
    pub fn into_machine(self) -> Machine {
        let d = Machine::default_machine();
        let own_map = self.e820.is_none();
        Machine {
            name: self.name.unwrap_or(d.name),
            e820: self.e820.unwrap_or(d.e820),
            srat: if self.srat.is_some() || !own_map { self.srat } else { d.srat },
            kernel: self.kernel.unwrap_or(d.kernel),
            initrd: if self.initrd.is_some() || !own_map { self.initrd } else { d.initrd },
            cmdline: self.cmdline.unwrap_or(d.cmdline),
            cpu: self.cpu.unwrap_or(d.cpu),
            build: self.build.unwrap_or(d.build),
            platform: self.platform.unwrap_or(d.platform),
        }
    }
}

/// Up to 160 characters of `s`, trimmed, for an error message.
pub(crate) fn excerpt(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(160) {
        Some((i, _)) => format!("{}...", s.get(..i).unwrap_or(s)),
        None => s.to_string(),
    }
}

/// The error for a relevant line that does not read: [`InputError::CutLine`] if it is the last
/// line and no line end follows it, [`InputError::Syntax`] otherwise.
pub(crate) fn bad_line(file: &str, n: usize, text: &str, terminated: bool, expected: &str) -> InputError {
    let at = Place::line(file, n);
    if terminated {
        InputError::Syntax { at, text: excerpt(text), expected: expected.to_string() }
    } else {
        InputError::CutLine { at, text: excerpt(text) }
    }
}

/// Reads a file as text; bytes that are not UTF-8 become U+FFFD (a boot log may hold any
/// byte).
///
/// # Errors
/// [`InputError::Io`] when the file cannot be read, [`InputError::TooLarge`] above the input
/// limit.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    let bytes = read_bytes(path)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The most bytes bootsim reads from any one input file: 64 MiB. A real boot log, memory map,
/// `/proc/iomem` or SRAT is far smaller; `/dev/zero` given as an input stops here at once.
pub const INPUT_LIMIT: u64 = 64 << 20;

/// Reads a file's bytes, at most [`INPUT_LIMIT`] of them, or says which file could not be read
/// and why ([`InputError::TooLarge`] past the limit).
///
/// # Errors
/// [`InputError::Io`] when the file cannot be read, [`InputError::TooLarge`] above the input
/// limit.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, InputError> {
    use std::io::Read;
    let io = |source| InputError::Io { at: Place::path(path), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(INPUT_LIMIT + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > INPUT_LIMIT {
        return Err(InputError::TooLarge { at: Place::path(path), limit: INPUT_LIMIT });
    }
    Ok(bytes)
}

/// The display name of a path, for messages.
pub(crate) fn name_of(path: &Path) -> String {
    path.display().to_string()
}

/// A path joined to a directory unless it is absolute.
pub(crate) fn relative_to(dir: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() { p.to_path_buf() } else { dir.join(p) }
}
