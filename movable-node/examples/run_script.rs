//! Runs an op script (`testdata/conformance/memblock/OPLANG.md`) in a kernel profile and prints
//! what the kernel's driver would print: `cargo run -p movable-node --example run_script -- PROFILE
//! SCRIPT`, PROFILE one of 3.12, 3.13, 3.13.11, 3.14.

use std::io::Read;
use std::process::ExitCode;

use movable_node::KernelProfile;
use movable_node::oplang::run_script;

/// Scripts larger than this are refused (the stored ones are below 100 KiB).
const MAX_SCRIPT_BYTES: u64 = 64 << 20;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [profile, path] = args.as_slice() else {
        eprintln!("usage: run_script PROFILE SCRIPT (PROFILE: 3.12, 3.13, 3.13.11 or 3.14)");
        return ExitCode::from(2);
    };
    let Some(profile) = KernelProfile::from_name(profile).filter(|p| *p != KernelProfile::Modern) else {
        eprintln!("run_script: the op language has no profile {profile:?} (use 3.12, 3.13, 3.13.11 or 3.14)");
        return ExitCode::from(2);
    };
    let mut script = String::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(MAX_SCRIPT_BYTES + 1).read_to_string(&mut script));
    if let Err(e) = read {
        eprintln!("run_script: cannot read {path}: {e}");
        return ExitCode::from(1);
    }
    if script.len() as u64 > MAX_SCRIPT_BYTES {
        eprintln!("run_script: {path} is larger than {MAX_SCRIPT_BYTES} bytes");
        return ExitCode::from(1);
    }
    let Some(out) = run_script(profile, &script) else { return ExitCode::from(2) };
    // A closed pipe is not an error worth a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
    ExitCode::SUCCESS
}
