//! `bootsim`: boot a machine through the model of the `movable_node` series and report where
//! every early allocation lands, where the crash kernel goes, the zones of each node, and what
//! blocks hot-removal.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use integration::boot::{Boot, setup_arch};
use integration::input::{Inputs, assemble, from_host, hot_added_note};
use integration::machine::Machine;
use integration::movable_node::KernelProfile;
use integration::out::{EXIT_BAD_INPUT, EXIT_PANIC, print, print_with, say, write_file};
use integration::profile_choice::{ProfileChoice, Release, Source};
use integration::replay::place::parse_range;
use integration::view::View;
use integration::{html, json, report, svg};

/// Boot a machine through the model of Linux's movable_node series and report what pins each
/// hotpluggable node. With no arguments it boots a built-in two-socket machine.
#[derive(Debug, Parser)]
#[command(
    name = "bootsim",
    version,
    args_conflicts_with_subcommands = true,
    after_help = concat!(
        "Examples:\n",
        "  bootsim --compare\n",
        "  bootsim --dmesg dmesg.txt --iomem iomem.txt\n",
        "  bootsim --e820 /sys/firmware/memmap --srat SRAT --cmdline \"movable_node\" --profile 6.1\n",
        "  bootsim --from-host --html report.html\n",
        "  bootsim replay dmesg.txt --iomem iomem.txt\n",
        "  bootsim predict dmesg.txt --iomem iomem.txt\n",
        "\n",
        "The first line of every output names the kernel profile and why: the kernel a boot log\n",
        "(Linux version ...) or --from-host names, mapped to the nearest modelled one; --profile;\n",
        "or the default, 3.13, when nothing says.\n",
        "\n",
        "Results go to stdout; errors and notes to stderr, prefixed \"bootsim:\". Every input file\n",
        "is read up to 64 MiB; a larger one is refused.\n",
        "\n",
        "Exit status: 0 done; 1 a difference found (replay, predict: the model and the log differ);\n",
        "2 bad input or flags; 3 the modelled kernel panicked (the report says where)."
    )
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Kernel profile: 3.12 (before the series), 3.13 (the series), 3.13.11 (the series as
    /// released, `int ret` bug included), 3.14 (with its follow-up), 6.1. Default: the kernel the input names (a boot log's Linux version line, the running
    /// kernel with --from-host), else 3.13.
    #[arg(long)]
    profile: Option<String>,
    /// A machine description (TOML, see integration/MACHINE.md).
    #[arg(long, value_name = "FILE.toml")]
    machine: Option<PathBuf>,
    /// The e820 map: the kernel's `BIOS-e820:` lines, or a /sys/firmware/memmap directory or
    /// listing (RAM hot-added after boot is left out and reported).
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
    /// A saved boot log: its Linux version, BIOS-e820, Command line, RAMDISK and SRAT lines.
    #[arg(long, value_name = "FILE")]
    dmesg: Option<PathBuf>,
    /// Where the bootloader put the initrd, as the kernel's `RAMDISK: [mem START-END]` line
    /// prints it (an END ending in fff is the last byte), e.g. 0x7fdfa000-0x7ffdffff.
    #[arg(long, value_name = "START-END")]
    initrd: Option<String>,
    /// Read everything from the running Linux machine.
    #[arg(long, conflicts_with_all = ["machine", "e820", "srat", "iomem", "dmesg"])]
    from_host: bool,
    /// Print the kernel-style log (kernel lines only) instead of the report.
    #[arg(long)]
    log: bool,
    /// Print the report as JSON (schema bootsim/1, integration/SCHEMA.md); its `log` field
    /// holds the kernel-style log.
    #[arg(long, conflicts_with = "log")]
    json: bool,
    /// Write an SVG map of the physical address space.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Write a self-contained HTML page (map, node table, log).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Show the machine under every profile (3.12, 3.13, 3.14, 6.1) side by side; with --json,
    /// one report per profile.
    #[arg(long, conflicts_with_all = ["profile", "log", "svg", "html"])]
    compare: bool,
    /// The platform, read by the 6.1 profile only: its ACPI tables, CPUs, IO-APICs and the
    /// parameters the kernel does not know (a boot log gives them; flags override it).
    #[command(flatten, next_help_heading = "Platform (profile 6.1)")]
    platform: integration::predict::args::PlatformArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replay a real kernel's `memblock=debug` boot log, check the model against every
    /// allocation, or ask what another policy would have done.
    Replay(integration::replay::ReplayArgs),
    /// Predict Linux 6.1's early boot from a plain boot log (its memblock=debug lines hidden
    /// from the model) and lay the prediction beside the log's own trace; or, without a log,
    /// from a machine's own files and flags (--e820, --srat, --cmdline, --acpi-table ...).
    Predict(integration::predict::PredictArgs),
}

/// A failure and its exit status.
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn input(message: impl std::fmt::Display) -> Failure {
        Failure { message: message.to_string(), code: EXIT_BAD_INPUT }
    }
}

/// The machine, and what its inputs say about which kernel booted it.
fn machine(cli: &Cli) -> Result<(Machine, Option<(Release, Source)>), Failure> {
    if cli.from_host {
        let host = from_host().map_err(Failure::input)?;
        for p in &host.problems {
            say(format!("note: --from-host could not read {p}"));
        }
        for &(s, e) in &host.hot_added {
            say(format!("note: {}", hot_added_note(s, e)));
        }
        let mut m = host.machine;
        if let Some(c) = &cli.cmdline {
            m.cmdline = c.clone();
        }
        if let Some(r) = &cli.initrd {
            m.initrd = Some(initrd(r)?);
        }
        cli.platform.apply(&mut m).map_err(Failure::input)?;
        let release = host.release.as_deref().and_then(Release::parse).map(|r| (r, Source::Host));
        return Ok((m, release));
    }
    let inputs = Inputs {
        machine: cli.machine.clone(),
        e820: cli.e820.clone(),
        srat: cli.srat.clone(),
        iomem: cli.iomem.clone(),
        cmdline: cli.cmdline.clone(),
        dmesg: cli.dmesg.clone(),
        brk_size: None,
        initrd: cli.initrd.as_deref().map(initrd).transpose()?,
    };
    let (mut m, release) = if inputs == Inputs::default() {
        (Machine::default_machine(), None)
    } else {
        let a = assemble(&inputs).map_err(Failure::input)?;
        for w in &a.warnings {
            say(format!("note: {w}"));
        }
        (a.machine, a.release.map(|r| (r, Source::Log)))
    };
    cli.platform.apply(&mut m).map_err(Failure::input)?;
    Ok((m, release))
}

fn initrd(s: &str) -> Result<(u64, u64), Failure> {
    parse_range(s).map_err(|_| {
        Failure::input(format!(
            "--initrd {s:?}: expected START-END, e.g. 0x7fdfa000-0x7ffdffff as the kernel's RAMDISK: line prints it"
        ))
    })
}

fn profile(cli: &Cli, detected: Option<(Release, Source)>) -> Result<ProfileChoice, Failure> {
    if let Some(name) = &cli.profile {
        let p = <KernelProfile as clap::ValueEnum>::from_str(name, false)
            .map_err(|_| Failure::input(format!("unknown profile {name:?} (use 3.12, 3.13, 3.13.11, 3.14 or 6.1)")))?;
        return Ok(ProfileChoice::flag(p, "--profile"));
    }
    Ok(match detected {
        Some((release, from)) => ProfileChoice::detected(release, from),
        None => ProfileChoice::default_profile(),
    })
}

fn emit(text: &str) -> Result<(), Failure> {
    print(text).map_err(|e| Failure { message: format!("stdout: {e}"), code: EXIT_BAD_INPUT })
}

/// The kernel-style log, a line each, streamed to stdout.
fn print_log(boot: &Boot) -> Result<(), Failure> {
    print_with(|w| boot.log.iter().try_for_each(|l| writeln!(w, "{l}")))
        .map_err(|e| Failure { message: format!("stdout: {e}"), code: EXIT_BAD_INPUT })
}

fn outputs(cli: &Cli, boot: &Boot, choice: &ProfileChoice) -> Result<(), Failure> {
    let drawn = cli.svg.is_some() || cli.html.is_some();
    if cli.log && !cli.json && !drawn {
        // Kernel lines only: which profile and why goes to stderr. The log needs no view.
        say(choice);
        return print_log(boot);
    }
    let mut view = View::from_boot(boot);
    view.report.profile_choice = choice.to_string();
    // The map is drawn once for both files.
    let map = if drawn { svg::render(&view) } else { String::new() };
    if let Some(p) = &cli.svg {
        write_file(p, &map).map_err(Failure::input)?;
    }
    if let Some(p) = &cli.html {
        write_file(p, &html::render_with_map(&view, &map)).map_err(Failure::input)?;
    }
    let done = if cli.json {
        print_with(|w| json::write_pretty(w, &view.report))
            .map_err(|e| Failure { message: format!("stdout: {e}"), code: EXIT_BAD_INPUT })
    } else if cli.log {
        say(choice);
        print_log(boot)
    } else if !drawn {
        emit(&format!("{choice}\n{}", report::render(&view)))
    } else {
        say(choice);
        Ok(())
    };
    // The process ends right after: handing a large machine's hundred thousand small
    // allocations back one by one would cost more than drawing some of them.
    std::mem::forget(view);
    done
}

fn compare(cli: &Cli, machine: &Machine) -> Result<(), Failure> {
    let profiles = [KernelProfile::V3_12, KernelProfile::V3_13, KernelProfile::V3_14, KernelProfile::Modern];
    let boots = profiles
        .iter()
        .map(|&p| setup_arch(machine, p).map_err(Failure::input))
        .collect::<Result<Vec<Boot>, Failure>>()?;
    let views: Vec<View> = boots.iter().map(View::from_boot).collect();
    if cli.json {
        let reports = views
            .into_iter()
            .map(|v| json::Report { profile_choice: format!("profile {} (--compare)", v.report.profile), ..v.report })
            .collect();
        emit(&json::to_pretty_string(&json::Comparison::from_reports(reports)))
    } else {
        let names: Vec<&str> = profiles.iter().map(|p| p.name()).collect();
        emit(&format!("profiles {} (--compare)\n{}", names.join(", "), report::compare(&views)))
    }
}

fn run(cli: &Cli) -> Result<ExitCode, Failure> {
    let (machine, detected) = machine(cli)?;
    if cli.compare {
        compare(cli, &machine)?;
        return Ok(ExitCode::SUCCESS);
    }
    let choice = profile(cli, detected)?;
    let platform_flags = cli.platform.given();
    if choice.profile != KernelProfile::Modern && !platform_flags.is_empty() {
        return Err(Failure::input(format!(
            "{} describe what only the 6.1 profile reads, and this runs {choice}: give --profile 6.1, or leave them out",
            platform_flags.join(", ")
        )));
    }
    let boot = setup_arch(&machine, choice.profile).map_err(Failure::input)?;
    outputs(cli, &boot, &choice)?;
    let code = if boot.panic.is_some() { ExitCode::from(EXIT_PANIC) } else { ExitCode::SUCCESS };
    // As the view in `outputs`: the process is about to end, nothing needs freeing.
    std::mem::forget(boot);
    Ok(code)
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("off")).init();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if e.use_stderr() => {
            // Usage errors: clap's own message, on one line prefixed like every other.
            let text = e.render().to_string();
            let first: Vec<&str> = text.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
            say(format!("{} (bootsim --help lists the flags)", first.join(" ").trim_start_matches("error: ")));
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        Err(e) => {
            // --help, --version: to stdout, through the closed-pipe-safe writer.
            let _ = print(&e.render().to_string());
            return ExitCode::SUCCESS;
        }
    };
    match &cli.command {
        Some(Command::Replay(args)) => return integration::replay::run(args),
        Some(Command::Predict(args)) => return integration::predict::run(args),
        None => {}
    }
    match run(&cli) {
        Ok(code) => code,
        Err(f) => {
            say(f.message);
            ExitCode::from(f.code)
        }
    }
}
