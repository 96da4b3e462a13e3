//! `bootsim predict`'s arguments: a boot log, or a machine's own files and flags.

use std::path::PathBuf;

use crate::acpi_tables::{GivenTable, parse_given_table, parse_table_file, parse_upgrade, read_table_dir};
use crate::input::read_text;
use crate::machine::Machine;

/// Predict Linux 6.1's early boot from a plain boot log (every `memblock=debug` line hidden
/// from the model), and lay the prediction beside the log's own trace when it has one.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PredictArgs {
    /// The boot log (`dmesg` of Linux 6.1; with `memblock=debug` the prediction is checked).
    #[arg(value_name = "DMESG", required_unless_present_any = ["batch", "e820"])]
    pub log: Option<PathBuf>,
    /// `/proc/iomem` of the same boot, read as root: the kernel image's place (default: the
    /// build profile's symbols).
    #[arg(long, value_name = "FILE")]
    pub iomem: Option<PathBuf>,
    /// Print the predicted `memblock=debug` trace, in the kernel's format, instead of the report.
    #[arg(long = "log", conflicts_with_all = ["json", "batch"])]
    pub log_trace: bool,
    /// Print the prediction and the comparison as JSON.
    #[arg(long)]
    pub json: bool,
    /// Predict every log under DIR (files named `*dmesg*` or `*.log`; `iomem.txt` beside one is used).
    #[arg(long, value_name = "DIR", conflicts_with = "log")]
    pub batch: Option<PathBuf>,
    /// What-if: boot with `movable_node` (added to the log's command line).
    #[arg(long, conflicts_with = "no_movable_node")]
    pub movable_node: bool,
    /// What-if: boot without `movable_node` (removed from the log's command line).
    #[arg(long)]
    pub no_movable_node: bool,
    /// Compare with this log instead (e.g. the same machine's boot with the other `movable_node`,
    /// or, predicting from a machine's files, its real boot).
    #[arg(long, value_name = "DMESG", conflicts_with = "batch")]
    pub against: Option<PathBuf>,
    /// Without a DMESG: the machine's own files and flags.
    #[command(flatten)]
    pub machine: MachineArgs,
}

/// A machine that has not booted (or whose log is not at hand): its own files and flags in
/// place of a DMESG. None goes with DMESG or `--batch`: a log is predicted from its own lines.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct MachineArgs {
    /// The firmware's memory map: /sys/firmware/memmap, a memmap.txt, or e820 text (no DMESG).
    #[arg(long, value_name = "FILE|DIR", conflicts_with_all = ["log", "batch"])]
    pub e820: Option<PathBuf>,
    /// Raw SRAT bytes: /sys/firmware/acpi/tables/SRAT (the initrd's, if it upgrades it).
    #[arg(long, value_name = "FILE")]
    pub srat: Option<PathBuf>,
    /// The kernel command line.
    #[arg(long)]
    pub cmdline: Option<String>,
    /// Where the boot loader puts the initrd, as the kernel's `RAMDISK: [mem START-END]` prints it.
    #[arg(long, value_name = "START-END")]
    pub initrd: Option<String>,
    /// The initrd file's length, when where the boot loader puts it is not known: placed as
    /// QEMU's `-initrd` places it (the top of the RAM below 4 GiB, rounded down to 64 KiB).
    #[arg(long, value_name = "SIZE", conflicts_with = "initrd")]
    pub initrd_size: Option<String>,
    /// The kernel image's length from `_text` to `__end_of_kernel_reserve` (`/proc/iomem`'s
    /// `Kernel code` start to `Kernel bss` end), loaded at 16 MiB (`LOAD_PHYSICAL_ADDR`, no KASLR).
    #[arg(long, value_name = "SIZE", conflicts_with_all = ["kernel", "iomem"])]
    pub kernel_size: Option<String>,
    /// Where the kernel image lies before its brk, `_text` to `__end_of_kernel_reserve`, e.g.
    /// 0x1000000-0x4400000 (`/proc/iomem`'s `Kernel code` start to `Kernel bss` end; default:
    /// the build profile's).
    #[arg(long, value_name = "START-END", conflicts_with = "iomem")]
    pub kernel: Option<String>,
    /// The platform: ACPI tables, CPUs, IO-APICs, unknown parameters.
    #[command(flatten)]
    pub platform: PlatformArgs,
}

/// What the platform tells Linux 6.1 beyond the memory map and the SRAT
/// ([`crate::machine::Platform`]), by flag.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PlatformArgs {
    /// One ACPI table the kernel reserves: NAME@ADDR+SIZE, or NAME:SIZE when its place is not
    /// known (repeatable, in the firmware's order).
    #[arg(long = "acpi-table", value_name = "NAME@ADDR+SIZE|NAME:SIZE")]
    pub acpi_table: Vec<String>,
    /// The ACPI tables: a file of them, one NAME@ADDR+SIZE or NAME:SIZE a line, in the firmware's
    /// order (`#` comments); or a /sys/firmware/acpi/tables directory (lengths only). The
    /// `--acpi-table`s follow them.
    #[arg(long = "acpi-tables", value_name = "FILE|DIR")]
    pub acpi_tables: Option<PathBuf>,
    /// A table the initrd upgrades (kernel/firmware/acpi/): NAME:SIZE (repeatable).
    #[arg(long = "acpi-upgrade", value_name = "NAME:SIZE")]
    pub acpi_upgrade: Vec<String>,
    /// Possible CPUs (default: the SRAT's CPU entries).
    #[arg(long, value_name = "N")]
    pub cpus: Option<u32>,
    /// IO-APICs in the MADT (default: QEMU's 1).
    #[arg(long, value_name = "N")]
    pub ioapics: Option<u64>,
    /// A word the kernel lists as an unknown command line parameter (repeatable; default: those
    /// only the decompressor reads, e.g. nokaslr).
    #[arg(long = "unknown-param", value_name = "WORD")]
    pub unknown_param: Vec<String>,
    /// The CPU has no 1 GiB pages (no `pdpe1gb` in /proc/cpuinfo; QEMU's default qemu64 CPU):
    /// the direct map uses 2 MiB pages at most.
    #[arg(long)]
    pub no_gbpages: bool,
}

impl MachineArgs {
    /// The machine flags given, for the message that refuses them beside a log.
    pub fn given(&self) -> Vec<&'static str> {
        let mut g = Vec::new();
        for (flag, on) in [
            ("--e820", self.e820.is_some()),
            ("--srat", self.srat.is_some()),
            ("--cmdline", self.cmdline.is_some()),
            ("--initrd", self.initrd.is_some()),
            ("--kernel", self.kernel.is_some()),
            ("--initrd-size", self.initrd_size.is_some()),
            ("--kernel-size", self.kernel_size.is_some()),
        ] {
            if on {
                g.push(flag);
            }
        }
        g.extend(self.platform.given());
        g
    }
}

impl PlatformArgs {
    /// The platform flags given.
    pub fn given(&self) -> Vec<&'static str> {
        let mut g = Vec::new();
        for (flag, on) in [
            ("--acpi-table", !self.acpi_table.is_empty()),
            ("--acpi-tables", self.acpi_tables.is_some()),
            ("--acpi-upgrade", !self.acpi_upgrade.is_empty()),
            ("--cpus", self.cpus.is_some()),
            ("--ioapics", self.ioapics.is_some()),
            ("--unknown-param", !self.unknown_param.is_empty()),
            ("--no-gbpages", self.no_gbpages),
        ] {
            if on {
                g.push(flag);
            }
        }
        g
    }

    /// `machine` with what these flags say put over its platform: the tables when any are given
    /// (the file's first, then each `--acpi-table`), the upgrades when any are given, each count,
    /// and the CPU's 1 GiB pages.
    ///
    /// # Errors
    /// The tables file that cannot be read, or the first table that does not read.
    pub fn apply(&self, machine: &mut Machine) -> Result<(), String> {
        let platform = &mut machine.platform;
        let mut tables = Vec::new();
        match &self.acpi_tables {
            Some(p) if p.is_dir() => tables.extend(read_table_dir(p)?.into_iter().map(GivenTable::Sized)),
            Some(p) => {
                let text = read_text(p).map_err(|e| e.to_string())?;
                tables = parse_table_file(&p.display().to_string(), &text).map_err(|e| e.to_string())?;
            }
            None => {}
        }
        for t in &self.acpi_table {
            tables.push(parse_given_table("--acpi-table", t).map_err(|e| e.to_string())?);
        }
        if !tables.is_empty() {
            platform.set_tables(tables);
        }
        let upgrades = self.acpi_upgrade.iter().map(|u| parse_upgrade("--acpi-upgrade", u));
        let upgrades = upgrades.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())?;
        if !upgrades.is_empty() {
            platform.acpi_upgrades = upgrades;
        }
        platform.cpus = self.cpus.or(platform.cpus);
        platform.ioapics = self.ioapics.or(platform.ioapics);
        if !self.unknown_param.is_empty() {
            platform.unknown_parameters = Some(self.unknown_param.clone());
        }
        if self.no_gbpages {
            machine.cpu.gbpages = false;
        }
        Ok(())
    }
}
