//! `bootsim replay` from the command line's side: the arguments, a batch of logs on every core
//! (bad ones reported, the others replayed), JSON, and the exit status.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use integration::movable_node::KernelProfile;
use integration::replay::batch::{find_logs, par_map, run_batch, total_line};
use integration::replay::{ReplayArgs, ReplayOptions, replay, run};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/fixtures/linux-6.1-qemu");

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: ReplayArgs,
}

fn parse(args: &[&str]) -> ReplayArgs {
    Cli::try_parse_from(std::iter::once("replay").chain(args.iter().copied())).unwrap().args
}

/// A fresh folder under the system's temporary directory.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bootsim-replay-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn arguments() {
    let a = parse(&["log.txt", "--policy", "3.13", "--movable-node", "--hotplug", "1", "--hotplug", "2"]);
    let o = a.options().unwrap();
    assert_eq!(o.policy, Some(KernelProfile::V3_13));
    assert_eq!(o.movable_node, Some(true));
    assert_eq!(o.hotplug, vec![1, 2]);
    // --hotplug alone is a what-if under 6.1.
    let o = parse(&["log.txt", "--hotplug", "1"]).options().unwrap();
    assert_eq!(o.policy, Some(KernelProfile::Modern));
    // Issue 13: the two contradict each other and are refused, not resolved by order.
    assert!(Cli::try_parse_from(["replay", "log.txt", "--movable-node", "--no-movable-node"]).is_err());
    let o = parse(&["log.txt", "--no-movable-node"]).options().unwrap();
    assert_eq!(o.movable_node, Some(false));
    let o =
        parse(&["log.txt", "--kernel-range", "0x1000000-0x4400000", "--kernel-end", "0x4430000"]).options().unwrap();
    assert_eq!(o.kernel.map(|k| (k.start, k.end)), Some((0x100_0000, 0x440_0000)));
    assert_eq!(o.kernel_end, Some(0x443_0000));
    assert!(parse(&["log.txt", "--kernel-range", "nonsense"]).options().is_err());
    assert!(Cli::try_parse_from(["replay", "x", "--policy", "2.6"]).is_err());
    assert!(Cli::try_parse_from(["replay"]).is_err(), "a log or --batch is required");
    assert!(Cli::try_parse_from(["replay", "--batch", "d"]).is_ok());
}

#[test]
fn exit_status() {
    let pc = format!("{FIXTURES}/pc-2n");
    assert_eq!(run(&parse(&[&format!("{pc}/dmesg.txt"), "--iomem", &format!("{pc}/iomem.txt")])), ExitCode::SUCCESS);
    let d = temp_dir("exit");
    let plain = d.join("plain.log");
    std::fs::write(&plain, "[    0.0] Linux version 6.1\n").unwrap();
    assert_eq!(run(&parse(&[plain.to_str().unwrap()])), ExitCode::from(2));
    assert_eq!(run(&parse(&[d.join("missing").to_str().unwrap()])), ExitCode::from(2));
    // A wrong kernel place: the first dump differs.
    let args = parse(&[&format!("{pc}/dmesg.txt"), "--kernel-range", "0x1000000-0x2000000"]);
    assert_eq!(run(&args), ExitCode::from(1));
    let _ = std::fs::remove_dir_all(&d);
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

/// A fleet: the six real logs in their folders (each with its iomem.txt), one log without
/// memblock lines, one cut in the middle, one not UTF-8, one unreadable name. Every log gets
/// its line and the batch goes on.
#[test]
fn batch_goes_on_past_bad_logs() {
    let d = temp_dir("batch");
    let names = ["pc-2n", "pc-4n-uneven", "pc2g-2n", "pc2g-2n-16g", "pc2g-4n", "q35-2n"];
    for n in names {
        for f in ["dmesg.txt", "iomem.txt"] {
            copy(&Path::new(FIXTURES).join(n).join(f), &d.join(n).join(f));
        }
    }
    std::fs::write(d.join("quiet.log"), "[    0.0] Command line: quiet\n").unwrap();
    let pc = std::fs::read_to_string(Path::new(FIXTURES).join("pc-2n/dmesg.txt")).unwrap();
    std::fs::write(d.join("cut.log"), &pc[..pc.len() / 3]).unwrap();
    let mut binary = pc.clone().into_bytes();
    binary[100] = 0xff;
    binary[2000] = 0xfe;
    std::fs::write(d.join("binary.log"), binary).unwrap();
    std::fs::create_dir_all(d.join("dir.log")).unwrap();

    let logs = find_logs(&d).unwrap();
    assert_eq!(logs.len(), 9, "{logs:#?}");
    assert!(logs.iter().filter(|l| l.iomem.is_some()).count() == 6);
    let entries = run_batch(&logs, &d, &ReplayOptions::default(), 2);
    let get = |n: &str| entries.iter().find(|e| e.name == n).unwrap();
    let expected = [61, 71, 60, 62, 70, 62];
    for (n, count) in names.iter().zip(expected) {
        let o = get(&format!("{n}/dmesg.txt")).result.as_ref().unwrap();
        assert!(o.all_identical, "{n}: {}", o.line);
        assert_eq!((o.summary.identical, o.summary.allocations), (count, count));
    }
    assert!(get("quiet.log").result.as_ref().unwrap_err().contains("memblock=debug"));
    let cut = get("cut.log").result.as_ref().unwrap();
    assert!(cut.stopped.is_some());
    assert!(cut.line.contains("stopped at line"));
    assert!(get("binary.log").result.is_ok());
    let total = total_line(&entries);
    assert!(total.starts_with("total: 9 log(s), 8 replayed"), "{total}");
    assert!(total.contains("1 not replayable"), "{total}");
    // The command itself (exit 1: not every log is identical).
    assert_eq!(run(&parse(&["--batch", d.to_str().unwrap(), "--threads", "2"])), ExitCode::from(1));
    assert_eq!(run(&parse(&["--batch", d.to_str().unwrap(), "--json"])), ExitCode::from(1));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn par_map_keeps_order_and_survives_a_panic() {
    let items: Vec<u32> = (0..100).collect();
    let out = par_map(&items, 4, |&i| {
        assert!(i != 42, "boom");
        i * 2
    });
    assert_eq!(out.len(), 100);
    assert_eq!(out[41], Ok(82));
    assert!(out[42].as_ref().unwrap_err().contains("boom"));
    assert_eq!(out[99], Ok(198));
}

#[test]
fn json_has_every_allocation() {
    let pc = Path::new(FIXTURES).join("pc-2n");
    let r =
        replay("pc-2n", &std::fs::read_to_string(pc.join("dmesg.txt")).unwrap(), &ReplayOptions::default()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(v["allocations"].as_array().unwrap().len(), 61);
    assert_eq!(v["summary"]["identical"], 61);
    assert_eq!(v["allocations"][0]["kernel"]["state"], "at");
    assert_eq!(v["allocations"][0]["kernel"]["addr"], 0x98000);
    assert_eq!(v["allocations"][0]["outcome"], "identical");
    assert_eq!(v["mode"], "check");
}
