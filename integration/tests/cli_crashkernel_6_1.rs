//! The 6.1 profile places the crash kernel with 6.1's own `reserve_crashkernel()` (spec §H.5.2:
//! a low try below 4 GiB, then high): booted forward from their files, the five real 6.1 boots
//! with `crashkernel=` print the kernel's own `Reserving ... for crashkernel` line, read from
//! their dmesg. (3.13's placement, below 896 MiB, would give 640 MiB and 768 MiB here.)

mod cli_common;

use cli_common::*;

const BOOTS: [&str; 5] = [
    "a2-pc-2n-node1-hotplug-movable",
    "b1-pc-2n-node1-hotplug-nomovable",
    "c1-pc-4n-hp23-crash256-movable",
    "c2-pc-4n-hp23-crash256-nomovable",
    "c3-pc-4n-hp23-crash256high-movable",
];

/// The crash kernel's messages of a log, without the timestamps.
fn crash_messages(log: &str) -> Vec<String> {
    log.lines()
        .map(|l| match l.strip_prefix('[').and_then(|r| r.split_once("] ")) {
            Some((_, rest)) => rest,
            None => l,
        })
        .filter(|l| l.contains("for crashkernel") || l.starts_with("crashkernel"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_6_1_profile_reserves_the_crash_kernel_where_linux_6_1_did() {
    for boot in BOOTS {
        let dir = fixture(&format!("linux-6.1-qemu-hotplug/{boot}"));
        let dmesg = dir.join("dmesg.txt");
        let iomem = dir.join("iomem.txt");
        let kernel = crash_messages(&std::fs::read_to_string(&dmesg).unwrap());
        assert_eq!(kernel.len(), 1, "{boot}: the log has one crash kernel message");
        let o = bootsim(&["--log", "--dmesg", dmesg.to_str().unwrap(), "--iomem", iomem.to_str().unwrap()]);
        assert!(o.status.success(), "{boot}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("bootsim: profile 6.1 (the log is from Linux 6.1.0)"), "{boot}: {}", stderr(&o));
        assert_eq!(crash_messages(&stdout(&o)), kernel, "{boot}");
    }
}
