//! `bootsim`: boot a machine through the model of the `movable_node` series and report where
//! every early allocation lands, where the crash kernel goes, the zones of each node, and what
//! blocks hot-removal.

use std::process::ExitCode;

use clap::Parser;
use integration::boot::setup_arch;
use integration::machine::Machine;
use integration::movable_node::KernelProfile;
use integration::report;

/// Boot a machine through the model of Linux's movable_node series (3.12, 3.13, 3.14, 6.1).
#[derive(Debug, Parser)]
#[command(name = "bootsim", version)]
struct Cli {
    /// Kernel profile: 3.12 (before the series), 3.13 (the series), 3.14 (with the follow-up), 6.1.
    #[arg(long, default_value = "3.13")]
    profile: String,
    /// Override the kernel command line.
    #[arg(long)]
    cmdline: Option<String>,
    /// Print the kernel-style log instead of the report.
    #[arg(long)]
    log: bool,
    /// Show the machine under 3.12, 3.13 and 3.14 side by side.
    #[arg(long)]
    compare: bool,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("off")).init();
    let cli = Cli::parse();
    let Some(profile) = KernelProfile::from_name(&cli.profile) else {
        eprintln!("bootsim: unknown profile {:?} (use 3.12, 3.13, 3.14 or 6.1)", cli.profile);
        return ExitCode::from(2);
    };
    let mut machine = Machine::default_machine();
    if let Some(c) = cli.cmdline {
        machine.cmdline = c;
    }
    if cli.compare {
        let mut boots = Vec::new();
        for p in [KernelProfile::V3_12, KernelProfile::V3_13, KernelProfile::V3_14] {
            match setup_arch(&machine, p) {
                Ok(b) => boots.push(b),
                Err(e) => {
                    eprintln!("bootsim: {e}");
                    return ExitCode::from(1);
                }
            }
        }
        print!("{}", report::compare(&boots));
        return ExitCode::SUCCESS;
    }
    match setup_arch(&machine, profile) {
        Ok(boot) => {
            if cli.log {
                for l in &boot.log {
                    println!("{l}");
                }
            } else {
                print!("{}", report::render(&boot));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bootsim: {e}");
            ExitCode::from(1)
        }
    }
}
