//! The running Linux machine, read from `/sys` and `/proc`:
//!
//! | part | from | fallback / note |
//! |---|---|---|
//! | e820 map | `/sys/firmware/memmap` (the firmware's map) | `/proc/iomem`'s `System RAM`, `Reserved`, `ACPI ...` lines (the map after the kernel's edits; needs root) |
//! | SRAT | `/sys/firmware/acpi/tables/SRAT` (root only) | none: NUMA off |
//! | kernel image | `/proc/iomem`'s `Kernel code`/`bss` (root only: others see zeroed addresses), `_end` with [`DEFAULT_BRK_SIZE`] | the default kernel at 16 MiB |
//! | initrd | `/sys/kernel/boot_params/data` (`hdr.ramdisk_image`/`ramdisk_size` and their `ext_` high halves: where the bootloader put it) | none |
//! | command line | `/proc/cmdline` | the default's |
//! | CPU features | `/proc/cpuinfo` (`pse`, `pge`, `pdpe1gb`) | all on |
//! | ACPI tables (6.1 profile) | `/sys/firmware/acpi/tables` (each file's length; their places are in the boot's dmesg only) | none, said in the 6.1 report |
//! | possible CPUs (6.1 profile) | `/sys/devices/system/cpu/possible` (`0-7`) | the SRAT's CPUs |
//! | kernel release (for the profile) | `/proc/sys/kernel/osrelease` | none: the default profile |
//!
//! RAM hot-added after boot is left out of the machine and listed in
//! [`HostMachine::hot_added`]: what `/sys/firmware/memmap` appends after its boot entries, or,
//! in the `/proc/iomem` fallback, what a driver added (`System RAM (kmem)`, `System RAM
//! (virtio_mem)`). A DIMM hot-added through ACPI is plain `System RAM` in `/proc/iomem` and
//! cannot be told apart there; `/sys/firmware/memmap` or the boot's dmesg can.
//!
//! Whatever cannot be read is listed with the reason (permission denied, missing, zeroed
//! addresses, unreadable content) and the machine is built from the rest; only a machine with
//! no memory map at all is an error.

use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use movable_node::CpuFeatures;

use super::e820::check_placed;
use super::iomem::DEFAULT_BRK_SIZE;
use super::memmap::read_memmap_dir_split;
use super::{InputError, MachineParts, Place, name_of, parse_iomem, read_srat, read_text};
use crate::machine::{Machine, Platform};

/// Why a part of the running machine could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostReason {
    /// The file is there but only root may read it.
    PermissionDenied,
    /// The file is not there.
    Missing,
    /// `/proc/iomem` read without root: every address is 0.
    ZeroedAddresses,
    /// The file was read but its content could not be used (the reader's message).
    Unreadable(String),
}

impl fmt::Display for HostReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostReason::PermissionDenied => f.write_str("permission denied (run as root)"),
            HostReason::Missing => f.write_str("missing"),
            HostReason::ZeroedAddresses => f.write_str("every address reads 0 (the kernel hides them from non-root)"),
            HostReason::Unreadable(m) => write!(f, "unreadable: {m}"),
        }
    }
}

/// A part of the running machine that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostProblem {
    /// The file or directory tried.
    pub path: PathBuf,
    /// What it would have given, and what is used instead.
    pub what: &'static str,
    /// Why it could not be read.
    pub reason: HostReason,
}

impl fmt::Display for HostProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.path.display(), self.reason, self.what)
    }
}

/// The running machine as far as it could be read.
#[derive(Debug, Clone)]
pub struct HostMachine {
    /// The machine (parts that could not be read take the defaults, see
    /// [`MachineParts::into_machine`]).
    pub machine: Machine,
    /// What was read.
    pub parts: MachineParts,
    /// What could not be read, and why.
    pub problems: Vec<HostProblem>,
    /// The `Crash kernel` ranges of `/proc/iomem`, `[start, end)`, for comparison.
    pub crash_kernel: Vec<(u64, u64)>,
    /// RAM hot-added since boot, `[start, end)`, left out of the machine
    /// ([`super::split_hot_added`]).
    pub hot_added: Vec<(u64, u64)>,
    /// The running kernel's release (`/proc/sys/kernel/osrelease`, as `uname -r` prints it).
    pub release: Option<String>,
}

fn reason_of(e: &InputError) -> HostReason {
    match e {
        InputError::Io { source, .. } if source.kind() == ErrorKind::NotFound => HostReason::Missing,
        InputError::Io { source, .. } if source.kind() == ErrorKind::PermissionDenied => HostReason::PermissionDenied,
        InputError::ZeroedAddresses { .. } => HostReason::ZeroedAddresses,
        e => HostReason::Unreadable(e.to_string()),
    }
}

/// What a 6.1 boot reads of the platform that `/sys` tells: the ACPI tables' lengths and the
/// possible CPUs, and what could not be read.
fn host_platform(root: &Path, problems: &mut Vec<HostProblem>) -> Platform {
    let tables = root.join("sys/firmware/acpi/tables");
    let possible = root.join("sys/devices/system/cpu/possible");
    let mut platform = Platform::default();
    match crate::acpi_tables::read_table_dir(&tables) {
        Ok(t) => platform.acpi_table_sizes = t,
        Err(e) => {
            let reason = if tables.exists() { HostReason::Unreadable(e) } else { HostReason::Missing };
            problems.push(HostProblem { path: tables, what: "the ACPI tables' lengths (6.1: none reserved)", reason });
        }
    }
    match read_text(&possible).map(|t| possible_cpus(t.trim())) {
        Ok(Some(n)) => platform.cpus = Some(n),
        Ok(None) => problems.push(HostProblem {
            path: possible,
            what: "the possible CPUs (6.1: the SRAT's)",
            reason: HostReason::Unreadable("not a CPU list such as 0-7".into()),
        }),
        Err(e) => problems.push(HostProblem {
            path: possible,
            what: "the possible CPUs (6.1: the SRAT's)",
            reason: reason_of(&e),
        }),
    }
    platform
}

/// The number of CPUs in a cpu list such as `0-7` or `0-3,8-11` (`cpulist_parse()`'s form).
fn possible_cpus(list: &str) -> Option<u32> {
    let mut n: u32 = 0;
    for part in list.split(',') {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let (a, b): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        n = n.checked_add(b.checked_sub(a)?.checked_add(1)?)?;
    }
    (n > 0).then_some(n)
}

/// Reads the running machine (see the module doc): [`from_root`] at `/`.
///
/// # Errors
/// [`InputError`] naming the file under `/` that cannot be read (most need root) or parsed.
pub fn from_host() -> Result<HostMachine, InputError> {
    from_root(Path::new("/"))
}

/// The same with `/sys` and `/proc` under `root` (a copy of a machine's files, or a test's).
/// Errors: [`InputError::Host`] when neither `/sys/firmware/memmap` nor `/proc/iomem` gives a
/// memory map, with the reasons.
///
/// # Errors
/// [`InputError`] naming the file under `root` that cannot be read or parsed.
pub fn from_root(root: &Path) -> Result<HostMachine, InputError> {
    let memmap_dir = root.join("sys/firmware/memmap");
    let srat_path = root.join("sys/firmware/acpi/tables/SRAT");
    let iomem_path = root.join("proc/iomem");
    let cmdline_path = root.join("proc/cmdline");
    let cpuinfo_path = root.join("proc/cpuinfo");
    let boot_params_path = root.join("sys/kernel/boot_params/data");
    let mut problems = Vec::new();
    let mut parts = MachineParts::default();
    let mut problem = |path: &Path, what: &'static str, e: &InputError| {
        problems.push(HostProblem { path: path.to_path_buf(), what, reason: reason_of(e) });
    };

    let iomem = read_text(&iomem_path).and_then(|t| parse_iomem(&name_of(&iomem_path), &t));
    let iomem = match iomem {
        Ok(i) if i.is_zeroed() => {
            problem(
                &iomem_path,
                "the kernel image (the default one at 16 MiB is used)",
                &InputError::ZeroedAddresses { at: Place::path(&iomem_path) },
            );
            None
        }
        Ok(i) => {
            match i.kernel_image(DEFAULT_BRK_SIZE) {
                Ok(k) => parts.kernel = Some(k),
                Err(e) => problem(&iomem_path, "the kernel image (the default one at 16 MiB is used)", &e),
            }
            Some(i)
        }
        Err(e) => {
            problem(&iomem_path, "the kernel image (the default one at 16 MiB is used)", &e);
            None
        }
    };

    let mut hot_added = Vec::new();
    match read_memmap_dir_split(&memmap_dir) {
        Ok(e) => {
            hot_added = e.hot_added.iter().map(|e| (e.addr, e.end())).collect();
            parts.e820 = Some(e.boot);
        }
        Err(e) => {
            problem(&memmap_dir, "the firmware's e820 map (falling back to /proc/iomem's)", &e);
            if let Some(i) = &iomem {
                // RAM a driver added after boot (dax kmem, virtio-mem) is named for it.
                hot_added.extend(
                    i.resources
                        .iter()
                        .filter(|r| r.name.starts_with("System RAM ("))
                        .map(|r| (r.start, r.last.saturating_add(1))),
                );
                let placed = i.e820_entries().into_iter().map(|e| (Place::path(&iomem_path), e)).collect::<Vec<_>>();
                match check_placed(&name_of(&iomem_path), placed) {
                    Ok(e) => parts.e820 = Some(e),
                    Err(e) => problem(&iomem_path, "the e820 map from its System RAM lines", &e),
                }
            }
        }
    }

    match read_srat(&srat_path) {
        Ok(b) => parts.srat = Some(b),
        Err(e) => problem(&srat_path, "the SRAT (without it: one node, NUMA off)", &e),
    }

    match read_text(&cmdline_path) {
        Ok(c) => parts.cmdline = Some(c.trim_end_matches(['\n', '\0', ' ']).to_string()),
        Err(e) => problem(&cmdline_path, "the command line (the default one is used)", &e),
    }

    match read_text(&cpuinfo_path) {
        Ok(t) => {
            if let Some(flags) = t.lines().find(|l| l.starts_with("flags")).and_then(|l| l.split_once(':')) {
                let has = |f: &str| flags.1.split_whitespace().any(|x| x == f);
                parts.cpu = Some(CpuFeatures { pse: has("pse"), pge: has("pge"), gbpages: has("pdpe1gb") });
            }
        }
        Err(e) => problem(&cpuinfo_path, "the CPU features (all taken as present)", &e),
    }

    match super::read_bytes(&boot_params_path).and_then(|b| initrd_from_boot_params(&name_of(&boot_params_path), &b)) {
        Ok(i) => parts.initrd = i,
        Err(e) => problem(&boot_params_path, "where the bootloader put the initrd (none is assumed)", &e),
    }

    parts.platform = Some(host_platform(root, &mut problems));

    if parts.e820.is_none() {
        return Err(InputError::Host { problems });
    }
    if let Ok(h) = read_text(&root.join("proc/sys/kernel/hostname")) {
        parts.name = Some(format!("this machine ({})", h.trim()));
    } else {
        parts.name = Some("this machine".into());
    }
    let crash_kernel = iomem.map(|i| i.crash_kernel()).unwrap_or_default();
    let release = read_text(&root.join("proc/sys/kernel/osrelease")).ok().map(|r| r.trim().to_string());
    Ok(HostMachine { machine: parts.clone().into_machine(), parts, problems, crash_kernel, hot_added, release })
}

/// `struct boot_params` offsets: `ext_ramdisk_image`, `ext_ramdisk_size`, the setup header's
/// `HdrS` magic, `ramdisk_image`, `ramdisk_size`.
const EXT_RAMDISK_IMAGE: usize = 0x0c0;
const EXT_RAMDISK_SIZE: usize = 0x0c4;
const HDR_MAGIC: usize = 0x202;
const RAMDISK_IMAGE: usize = 0x218;
const RAMDISK_SIZE: usize = 0x21c;

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// The initrd `[start, end)` recorded in `/sys/kernel/boot_params/data`, as the kernel's
/// `get_ramdisk_image()`/`get_ramdisk_size()` read it; `None` when its size is 0.
fn initrd_from_boot_params(file: &str, b: &[u8]) -> Result<Option<(u64, u64)>, InputError> {
    if b.get(HDR_MAGIC..HDR_MAGIC + 4) != Some(b"HdrS".as_slice()) {
        return Err(InputError::Invalid {
            at: Place::new(file, super::Location::Offset(HDR_MAGIC as u64)),
            what: "no \"HdrS\" setup header magic: not a struct boot_params".into(),
        });
    }
    let get = |at: usize| {
        le32(b, at).ok_or_else(|| InputError::Invalid {
            at: Place::new(file, super::Location::Offset(at as u64)),
            what: format!("the file ends before offset 0x{at:x} of struct boot_params"),
        })
    };
    let image = u64::from(get(RAMDISK_IMAGE)?) | u64::from(get(EXT_RAMDISK_IMAGE)?) << 32;
    let size = u64::from(get(RAMDISK_SIZE)?) | u64::from(get(EXT_RAMDISK_SIZE)?) << 32;
    if size == 0 {
        return Ok(None);
    }
    Ok(image.checked_add(size).map(|end| (image, end)))
}

#[cfg(test)]
mod tests {
    use super::possible_cpus;

    /// `/sys/devices/system/cpu/possible` as `cpulist_parse()` writes it.
    #[test]
    fn cpu_lists_count_their_cpus() {
        assert_eq!(possible_cpus("0"), Some(1));
        assert_eq!(possible_cpus("0-7"), Some(8));
        assert_eq!(possible_cpus("0-3,8-11"), Some(8));
        for bad in ["", "x", "5-2", "0-", "0-4294967295,0-1"] {
            assert_eq!(possible_cpus(bad), None, "{bad:?}");
        }
    }
}
