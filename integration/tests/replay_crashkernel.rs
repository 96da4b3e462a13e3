//! `bootsim replay` on crash kernels and captures (issue 13): each `Reserving` message is
//! checked against its own allocation; a what-if re-derives the low part of a `,high` crash
//! kernel; a capture holding a boot twice is split and says which boot is which; the first
//! line names the profile.

mod cli_common;
use cli_common::{bootsim, fixture, fixture_arg, stderr, stdout, tmp};

const C2: &str = "linux-6.1-qemu-hotplug/c2-pc-4n-hp23-crash256-nomovable";
const C3: &str = "linux-6.1-qemu-hotplug/c3-pc-4n-hp23-crash256high-movable";

/// c2's real boot as it would have gone with `crashkernel=256M,high`, cut after the crash
/// kernel (spec §H.5.2; the log is the kernel's up to the crash kernel request, and the same
/// free memory then). Derived by hand:
/// * the high try, 256 MiB aligned 16 MiB in [16 MiB, 64 TiB), top-down, no movable_node:
///   the highest free block is node 3's, below NODE_DATA(3) at 0x17ffd3000, so
///   base = round_down(0x17ffd3000 - 0x10000000, 16 MiB) = 0x16f000000 (5872 MiB);
/// * at or above 4 GiB, so the low part runs: 256 MiB (max(64 MiB swiotlb + 8 MiB, 256 MiB))
///   in [0, 4 GiB), top-down: c2's own crash kernel took the same block with the same search
///   from 16 MiB, 0x6f000000 (1776 MiB);
/// * its message first, then the main one; both limits are total_size >> 20 = 4095 MiB.
fn high_log() -> std::path::PathBuf {
    let real = std::fs::read_to_string(fixture(C2).join("dmesg.txt")).unwrap();
    let mut out = String::new();
    for l in real.lines() {
        if l.contains("memblock_phys_alloc_range: 268435456") {
            for line in [
                "[    0.053646] memblock_phys_alloc_range: 268435456 bytes align=0x1000000 from=0x0000000001000000 max_addr=0x0000400000000000 setup_arch+0xa22/0xd4f",
                "[    0.053951] memblock_reserve: [0x000000016f000000-0x000000017effffff] memblock_alloc_range_nid+0xb0/0x13d",
                "[    0.053960] memblock_phys_alloc_range: 268435456 bytes align=0x1000000 from=0x0000000000000000 max_addr=0x0000000100000000 setup_arch+0xb9c/0xd4f",
                "[    0.053970] memblock_reserve: [0x000000006f000000-0x000000007effffff] memblock_alloc_range_nid+0xb0/0x13d",
                "[    0.053980] Reserving 256MB of low memory at 1776MB for crashkernel (low RAM limit: 4095MB)",
                "[    0.054153] Reserving 256MB of memory at 5872MB for crashkernel (System RAM: 4095MB)",
            ] {
                out.push_str(line);
                out.push('\n');
            }
            break;
        }
        out.push_str(&l.replace("crashkernel=256M", "crashkernel=256M,high"));
        out.push('\n');
    }
    tmp("high-dmesg.txt", out.as_bytes())
}

fn replay_json(args: &[&str]) -> serde_json::Value {
    let o = bootsim(&[&["replay"], args, &["--json"]].concat());
    assert!(o.status.code().is_some_and(|c| c <= 1), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn crash_checks(v: &serde_json::Value) -> Vec<(bool, String)> {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "crashkernel")
        .map(|c| (c["identical"].as_bool().unwrap(), c["detail"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn each_reserving_message_against_its_own_allocation() {
    let log = high_log();
    let iomem = fixture_arg(C2, "iomem.txt");
    let o = bootsim(&["replay", log.to_str().unwrap(), "--iomem", &iomem]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = replay_json(&[log.to_str().unwrap(), "--iomem", &iomem]);
    assert_eq!(
        crash_checks(&v),
        vec![
            (true, "crash kernel low 256 MiB at 1776 MiB; model 1776 MiB".to_string()),
            (true, "crash kernel 256 MiB at 5872 MiB; model 5872 MiB".to_string()),
        ]
    );
    // The real ,high boot whose crash kernel landed below 4 GiB (movable_node): right, exit 0.
    let o = bootsim(&["replay", &fixture_arg(C3, "dmesg.txt"), "--iomem", &fixture_arg(C3, "iomem.txt")]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

fn setup_arch_allocations(v: &serde_json::Value) -> Vec<(u64, u64, Option<u64>, String)> {
    v["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["caller"].as_str().unwrap().starts_with("setup_arch"))
        .map(|a| {
            (
                a["from"].as_u64().unwrap(),
                a["max_addr"].as_u64().unwrap(),
                a["model"].as_u64(),
                a["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_what_if_re_derives_the_low_part() {
    // c3 (movable_node, crashkernel=256M,high): the kernel put it at 1776 MiB, below 4 GiB,
    // so it made no low part. Without movable_node node 3 is usable: the main part goes below
    // NODE_DATA(3) at 0x17ffd5000, round_down(0x17ffd5000 - 256 MiB, 16 MiB) = 0x16f000000,
    // and the low part is needed: node 1's top free block ends below NODE_DATA(1) at
    // 0x7fdbf000, round_down(0x7fdbf000 - 256 MiB, 16 MiB) = 0x6f000000.
    let v =
        replay_json(&[&fixture_arg(C3, "dmesg.txt"), "--iomem", &fixture_arg(C3, "iomem.txt"), "--no-movable-node"]);
    assert_eq!(
        setup_arch_allocations(&v),
        vec![
            (0x100_0000, 1 << 46, Some(0x1_6f00_0000), "different".to_string()),
            (0, 1 << 32, Some(0x6f00_0000), "synthesized".to_string()),
        ]
    );
    // The other way: the boot above with movable_node skips hotpluggable nodes 2 and 3, so
    // the main part lands below 4 GiB (node 1, under NODE_DATA(1) at 0x7fd69000: 0x6f000000)
    // and the log's low part is not made.
    let log = high_log();
    let v = replay_json(&[log.to_str().unwrap(), "--iomem", &fixture_arg(C2, "iomem.txt"), "--movable-node"]);
    assert_eq!(
        setup_arch_allocations(&v),
        vec![
            (0x100_0000, 1 << 46, Some(0x6f00_0000), "different".to_string()),
            (0, 1 << 32, None, "skipped".to_string()),
        ]
    );
}

#[test]
fn a_capture_with_the_boot_twice() {
    // The console, then a dmesg dump of the same boot: two `Linux version` lines.
    let pc = fixture("linux-6.1-qemu/pc-2n");
    let once = std::fs::read_to_string(pc.join("dmesg.txt")).unwrap();
    let n = once.lines().count();
    let dir = tmp("console.log", format!("{once}{once}").as_bytes()).parent().unwrap().to_path_buf();
    std::fs::copy(pc.join("iomem.txt"), dir.join("console.iomem")).unwrap();
    let o = bootsim(&["replay", "--batch", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    // pc-2n: 61 allocations, all reproduced (spec §H.7).
    assert!(
        lines[0].starts_with(&format!(
            "console.log (boot 1 of 2, lines 1-{n}): 61 of 61 allocations identical, 2 of 2 dumps"
        )),
        "{out}"
    );
    assert!(lines[1].starts_with(&format!("console.log (boot 2 of 2, lines {}-{}): 61 of 61", n + 1, 2 * n)), "{out}");
    // One file replayed on its own: the first boot, and it says so.
    let o = bootsim(&[
        "replay",
        dir.join("console.log").to_str().unwrap(),
        "--iomem",
        pc.join("iomem.txt").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("holds 2 boots (Linux version lines at lines 1, {}): replaying the first", n + 1)),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_first_line_names_the_profile() {
    let (log, iomem) = (fixture_arg(C3, "dmesg.txt"), fixture_arg(C3, "iomem.txt"));
    let first = |args: &[&str]| stdout(&bootsim(args)).lines().next().unwrap_or_default().to_string();
    // c3's log: "Linux version 6.1.0-56-amd64 ...".
    assert_eq!(first(&["replay", &log, "--iomem", &iomem]), "profile 6.1 (the log is from Linux 6.1.0)");
    assert_eq!(
        first(&["replay", &log, "--iomem", &iomem, "--policy", "3.13"]),
        "profile 3.13 (what-if policy; the log is from Linux 6.1.0)"
    );
    assert_eq!(replay_json(&[&log, "--iomem", &iomem])["profile_choice"], "profile 6.1 (the log is from Linux 6.1.0)");
}

#[test]
fn a_low_part_that_finds_no_room_frees_the_crash_kernel() {
    // c3 booted with `crashkernel=3G,low` added: the kernel's log is the same (its crash kernel
    // went below 4 GiB, so the low size was never used). Without movable_node the main part
    // goes to 0x16f000000 (above), the low part asks 3 GiB below 4 GiB, where this machine has
    // [0x1000-0x9efff] and [0x100000-0x7ffdefff], less than 2 GiB: it fails, and 6.1 frees the
    // main part again (H.5.2).
    let real = std::fs::read_to_string(fixture(C3).join("dmesg.txt")).unwrap();
    let log = tmp(
        "c3-low3g-dmesg.txt",
        real.replace("crashkernel=256M,high", "crashkernel=256M,high crashkernel=3G,low").as_bytes(),
    );
    let v = replay_json(&[log.to_str().unwrap(), "--iomem", &fixture_arg(C3, "iomem.txt"), "--no-movable-node"]);
    let setup: Vec<&serde_json::Value> = v["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["caller"].as_str().unwrap().starts_with("setup_arch"))
        .collect();
    assert_eq!(setup.len(), 2);
    assert_eq!(
        (setup[0]["model"].as_u64(), setup[0]["freed_bytes"].as_u64()),
        (Some(0x1_6f00_0000), Some(0x1000_0000))
    );
    assert_eq!((setup[1]["size"].as_u64(), setup[1]["model"].as_u64()), (Some(3 << 30), None));
    let said: Vec<&str> = v["inferences"].as_array().unwrap().iter().filter_map(|i| i["what"].as_str()).collect();
    assert!(said.iter().any(|w| w.starts_with("Cannot reserve 3072MB crashkernel low memory")), "{said:?}");
}
