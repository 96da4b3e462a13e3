//! `bootsim`: boot a machine through the model of the `movable_node` series and report where
//! every early allocation lands, where the crash kernel goes, the zones of each node, and what
//! blocks hot-removal.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use integration::boot::{Boot, setup_arch};
use integration::input::{Inputs, assemble, from_host};
use integration::machine::Machine;
use integration::movable_node::KernelProfile;
use integration::{html, json, report, svg};

/// Boot a machine through the model of Linux's movable_node series and report what pins each
/// hotpluggable node. With no arguments it boots a built-in two-socket machine.
#[derive(Debug, Parser)]
#[command(
    name = "bootsim",
    version,
    after_help = "Examples:\n  bootsim --compare\n  bootsim --dmesg dmesg.txt --iomem iomem.txt --profile 6.1\n  bootsim --e820 /sys/firmware/memmap --srat SRAT --cmdline \"movable_node\"\n  bootsim --from-host --html report.html"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Kernel profile: 3.12 (before the series), 3.13 (the series), 3.13.11 (the series as
    /// released, `int ret` bug included), 3.14 (with its follow-up), 6.1.
    #[arg(long, default_value = "3.13")]
    profile: String,
    /// A machine description (TOML, see integration/MACHINE.md).
    #[arg(long, value_name = "FILE.toml")]
    machine: Option<PathBuf>,
    /// The e820 map: the kernel's `BIOS-e820:` lines, or a /sys/firmware/memmap directory.
    #[arg(long, value_name = "FILE|DIR")]
    e820: Option<PathBuf>,
    /// Raw SRAT bytes (/sys/firmware/acpi/tables/SRAT, or `acpidump -b` output).
    #[arg(long, value_name = "FILE")]
    srat: Option<PathBuf>,
    /// /proc/iomem: its `Kernel code/data/bss` lines place the kernel.
    #[arg(long, value_name = "FILE")]
    iomem: Option<PathBuf>,
    /// The kernel command line.
    #[arg(long)]
    cmdline: Option<String>,
    /// A saved boot log: its BIOS-e820, Command line, RAMDISK and SRAT lines.
    #[arg(long, value_name = "FILE")]
    dmesg: Option<PathBuf>,
    /// Read everything from the running Linux machine.
    #[arg(long, conflicts_with_all = ["machine", "e820", "srat", "iomem", "dmesg"])]
    from_host: bool,
    /// Print the kernel-style log instead of the report.
    #[arg(long)]
    log: bool,
    /// Print the report as JSON (schema bootsim/1, integration/SCHEMA.md).
    #[arg(long)]
    json: bool,
    /// Write an SVG map of the physical address space.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Write a self-contained HTML page (map, node table, log).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Show the machine under 3.12, 3.13 and 3.14 side by side.
    #[arg(long)]
    compare: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replay a real kernel's `memblock=debug` boot log, check the model against every
    /// allocation, or ask what another policy would have done.
    Replay(integration::replay::ReplayArgs),
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("bootsim: {msg}");
    ExitCode::from(1)
}

fn machine(cli: &Cli) -> Result<Machine, String> {
    if cli.from_host {
        let host = from_host().map_err(|e| e.to_string())?;
        for p in &host.problems {
            eprintln!("bootsim: --from-host could not read {p}");
        }
        let mut m = host.machine;
        if let Some(c) = &cli.cmdline {
            m.cmdline = c.clone();
        }
        return Ok(m);
    }
    let inputs = Inputs {
        machine: cli.machine.clone(),
        e820: cli.e820.clone(),
        srat: cli.srat.clone(),
        iomem: cli.iomem.clone(),
        cmdline: cli.cmdline.clone(),
        dmesg: cli.dmesg.clone(),
        brk_size: None,
    };
    if inputs == Inputs::default() {
        return Ok(Machine::default_machine());
    }
    let a = assemble(&inputs).map_err(|e| e.to_string())?;
    for w in &a.warnings {
        eprintln!("bootsim: note: {w}");
    }
    Ok(a.machine)
}

fn write(path: &PathBuf, text: String) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn outputs(cli: &Cli, boot: &Boot) -> Result<(), String> {
    if let Some(p) = &cli.svg {
        write(p, svg::render(boot))?;
    }
    if let Some(p) = &cli.html {
        write(p, html::render(boot))?;
    }
    if cli.json {
        print!("{}", json::to_pretty_string(&json::Report::from_boot(boot)));
    } else if cli.log {
        for l in &boot.log {
            println!("{l}");
        }
    } else if cli.svg.is_none() && cli.html.is_none() {
        print!("{}", report::render(boot));
    }
    Ok(())
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("off")).init();
    let cli = Cli::parse();
    if let Some(Command::Replay(args)) = &cli.command {
        return integration::replay::run(args);
    }
    let Some(profile) = KernelProfile::from_name(&cli.profile) else {
        eprintln!("bootsim: unknown profile {:?} (use 3.12, 3.13, 3.13.11, 3.14 or 6.1)", cli.profile);
        return ExitCode::from(2);
    };
    let machine = match machine(&cli) {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    if cli.compare {
        let mut boots = Vec::new();
        for p in [KernelProfile::V3_12, KernelProfile::V3_13, KernelProfile::V3_14] {
            match setup_arch(&machine, p) {
                Ok(b) => boots.push(b),
                Err(e) => return fail(e),
            }
        }
        if cli.json {
            print!("{}", json::to_pretty_string(&json::Comparison::from_boots(&boots)));
        } else {
            print!("{}", report::compare(&boots));
        }
        return ExitCode::SUCCESS;
    }
    let boot = match setup_arch(&machine, profile) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    match outputs(&cli, &boot) {
        Ok(()) if boot.panic.is_some() => ExitCode::from(3),
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}
