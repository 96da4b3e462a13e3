//! The eleven real Linux 6.1 boots of `testdata/fixtures/` (both folders), shared by the 6.1
//! phase, prediction and machine-file tests.

// Each test file uses a part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Each boot's folder (the ones with a `dmesg.txt`), sorted.
pub fn boots() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/fixtures");
    let mut dirs = Vec::new();
    for set in ["linux-6.1-qemu", "linux-6.1-qemu-hotplug"] {
        for e in std::fs::read_dir(root.join(set)).expect("the 6.1 fixtures are in the repository") {
            let p = e.unwrap().path();
            if p.join("dmesg.txt").is_file() {
                dirs.push(p);
            }
        }
    }
    dirs.sort();
    assert_eq!(dirs.len(), 11, "eleven real boots");
    dirs
}

/// Where QEMU's `-initrd` put the initrd on each machine: QEMU's choice, which no file of a
/// machine records, so copied by hand from each dmesg's `RAMDISK: [mem …]` line.
pub fn initrd(name: &str) -> &'static str {
    match name {
        "pc-2n" => "0xbfdfa000-0xbffdffff",
        "pc-4n-uneven" => "0xbfdea000-0xbffcffff",
        "pc2g-4n"
        | "c1-pc-4n-hp23-crash256-movable"
        | "c2-pc-4n-hp23-crash256-nomovable"
        | "c3-pc-4n-hp23-crash256high-movable" => "0x7fdea000-0x7ffcffff",
        _ => "0x7fdfa000-0x7ffdffff",
    }
}

/// The `-append '…'` and `-smp N` of qemu-cmdline.txt.
pub fn qemu_args(dir: &Path) -> (String, u32) {
    let text = std::fs::read_to_string(dir.join("qemu-cmdline.txt")).unwrap();
    let append = text.split("-append '").nth(1).and_then(|r| r.split('\'').next()).unwrap().to_string();
    let smp = text.split("-smp ").nth(1).and_then(|r| r.split([',', ' ']).next()).unwrap().parse().unwrap();
    (append, smp)
}
