//! The loop closed: the demo kernel (`demo-kernel/`) boots under QEMU on each machine of
//! `demo-kernel/machines.txt` and prints every placement it made on real (virtual) hardware;
//! `bootsim` boots the same machine, read back from that serial log (its `BIOS-e820:`,
//! `Command line:` and `SRAT:` lines) plus the kernel image, CPU and build facts the kernel
//! printed, and must print the same placements, address for address.
//!
//! Skipped, with a line saying so, where QEMU or the `x86_64-unknown-none` target is missing.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Status QEMU exits with when the kernel writes 0x10 to isa-debug-exit: `(0x10 << 1) | 1`.
const QEMU_PASS: i32 = 33;
const BOOT_TIMEOUT: Duration = Duration::from_secs(180);
/// The most serial output read from one boot.
const MAX_LOG: u64 = 1 << 20;
/// Where the kernel's setup_arch() placements end (its own checks follow).
const END_MARK: &str = "demo-kernel: end of setup_arch placements";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn on_path(cmd: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(cmd).is_file()))
}

/// Builds the kernel as its own project would be built (from its directory, so that its
/// `.cargo/config.toml` applies; without the flags the outer build may have set).
fn build_kernel() -> Result<PathBuf, String> {
    let dir = repo().join("demo-kernel");
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "--quiet"])
        .current_dir(&dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(dir.join("target/x86_64-unknown-none/release/demo-kernel"))
}

struct Machine {
    name: String,
    qemu_args: Vec<String>,
    cmdline: String,
}

fn machines() -> Vec<Machine> {
    let text = std::fs::read_to_string(repo().join("demo-kernel/machines.txt")).expect("demo-kernel/machines.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| {
            let mut f = l.split('|').map(str::trim);
            let (name, args, cmdline) = (f.next(), f.next(), f.next());
            let (Some(name), Some(args), Some(cmdline)) = (name, args, cmdline) else {
                panic!("machines.txt: `{l}` is not `name | QEMU arguments | command line`")
            };
            Machine {
                name: name.into(),
                qemu_args: args.split_whitespace().map(String::from).collect(),
                cmdline: cmdline.into(),
            }
        })
        .collect()
}

/// Boots `m`; returns QEMU's exit status and the serial log without SeaBIOS's terminal
/// escapes and CRs.
fn boot(kernel: &Path, m: &Machine) -> (Option<i32>, String) {
    let mut child = Command::new("qemu-system-x86_64")
        .args(["-accel", "tcg", "-nodefaults", "-nographic", "-serial", "stdio", "-monitor", "none", "-no-reboot"])
        .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel"])
        .arg(kernel)
        .args(&m.qemu_args)
        .args(["-append", &m.cmdline])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qemu-system-x86_64 starts");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut raw = Vec::new();
        let _ = (&mut stdout).take(MAX_LOG).read_to_end(&mut raw);
        raw
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for QEMU") {
            break s.code();
        }
        if start.elapsed() > BOOT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let raw = String::from_utf8_lossy(&reader.join().expect("reader thread")).into_owned();
    (status, clean(&raw))
}

/// Drops `ESC c`, `ESC [ ... letter` and CRs.
fn clean(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {}
            '\x1b' => {
                if chars.next() == Some('[') {
                    while chars.next().is_some_and(|c| !c.is_ascii_alphabetic()) {}
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The hex number after `key` on the line starting with `prefix`.
fn fact(log: &str, prefix: &str, key: &str) -> String {
    let line = log.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no `{prefix}` line"));
    let at = line.find(key).unwrap_or_else(|| panic!("no `{key}` in `{line}`"));
    line[at + key.len()..].split(|c: char| c.is_whitespace() || c == ';').next().unwrap_or_default().to_string()
}

/// What bootsim cannot read from a dmesg log, as the kernel printed it: the image, the CPU's
/// page sizes, the build's sizes and the EBDA.
fn facts_toml(log: &str) -> String {
    let image = "demo-kernel: image";
    let cpu = "demo-kernel: cpu";
    format!(
        "[kernel]\ntext = \"{}\"\nbss_stop = \"{}\"\nend = \"{}\"\n\
         [cpu]\npse = {}\npge = {}\ngbpages = {}\n\
         [build]\nrealmode_size = \"{}\"\nbrk_used = \"{}\"\nreserve_low = \"{}\"\nnode_data_size = \"{}\"\nebda_start = \"{}\"\n",
        fact(log, image, "_text "),
        fact(log, image, "__bss_stop "),
        fact(log, image, "_end "),
        fact(log, cpu, "pse="),
        fact(log, cpu, "pge="),
        fact(log, cpu, "gbpages="),
        fact(log, cpu, "realmode_size="),
        fact(log, cpu, "brk_used="),
        fact(log, cpu, "reserve_low="),
        fact(log, cpu, "node_data_size="),
        fact(log, "demo-kernel: EBDA starts at", "at "),
    )
}

/// The kernel's lines from `e820: last_pfn` to the end of its placements, its own
/// `demo-kernel:` lines left out.
fn kernel_placements(log: &str) -> Vec<&str> {
    log.lines()
        .skip_while(|l| !l.starts_with("e820: last_pfn"))
        .take_while(|l| *l != END_MARK)
        .filter(|l| !l.starts_with("demo-kernel:"))
        .collect()
}

#[test]
fn bootsim_places_everything_where_the_demo_kernel_did_under_qemu() {
    if !on_path("qemu-system-x86_64") {
        println!("demo_kernel: skipped: qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)");
        return;
    }
    let kernel = match build_kernel() {
        Ok(k) => k,
        Err(e) if e.contains("may not be installed") => {
            println!(
                "demo_kernel: skipped: the x86_64-unknown-none target is not installed (rustup target add x86_64-unknown-none)"
            );
            return;
        }
        Err(e) => panic!("the demo kernel does not build:\n{e}"),
    };
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("demo_kernel");
    std::fs::create_dir_all(&tmp).expect("temporary directory");
    let all = machines();
    assert!(all.len() >= 5, "machines.txt lists the five machine shapes");
    for m in &all {
        let (status, log) = boot(&kernel, m);
        let log_file = tmp.join(format!("{}.log", m.name));
        std::fs::write(&log_file, &log).expect("write the serial log");
        assert!(
            status == Some(QEMU_PASS) && log.lines().any(|l| l == "demo-kernel: PASS"),
            "{}: the kernel did not pass (QEMU status {status:?}); its log:\n{log}",
            m.name
        );
        let toml_file = tmp.join(format!("{}.toml", m.name));
        std::fs::write(&toml_file, facts_toml(&log)).expect("write the machine facts");
        let out = Command::new(env!("CARGO_BIN_EXE_bootsim"))
            .args(["--profile", "3.13", "--log", "--dmesg"])
            .arg(&log_file)
            .arg("--machine")
            .arg(&toml_file)
            .output()
            .expect("bootsim runs");
        let sim = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}: bootsim failed: {}", m.name, String::from_utf8_lossy(&out.stderr));
        let sim_lines: Vec<&str> = sim.lines().skip_while(|l| !l.starts_with("e820: last_pfn")).collect();
        let kernel_lines = kernel_placements(&log);
        assert!(
            kernel_lines.iter().any(|l| l.starts_with("init_memory_mapping:")),
            "{}: no placements in:\n{log}",
            m.name
        );
        if let Some(i) = (0..kernel_lines.len().max(sim_lines.len())).find(|&i| kernel_lines.get(i) != sim_lines.get(i))
        {
            panic!(
                "{}: line {} differs\n  kernel: {:?}\n  bootsim: {:?}\nkernel log: {}\nbootsim: {}",
                m.name,
                i + 1,
                kernel_lines.get(i),
                sim_lines.get(i),
                log_file.display(),
                sim
            );
        }
        println!("demo_kernel: {}: {} placement lines identical to bootsim's", m.name, kernel_lines.len());
    }
}
