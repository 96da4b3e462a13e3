//! `bootsim predict` on the eleven real boots of `testdata/fixtures/linux-6.1-qemu{,-hotplug}/`:
//! Linux 6.1's early boot predicted from each log with its `memblock=debug` lines hidden,
//! then laid beside those lines. The answers are the logs themselves: every allocation (request
//! line and answer), both `MEMBLOCK configuration` dumps, `NODE_DATA`, the crash kernel, the
//! zone ranges and the movable zone starts must be what Debian's 6.1.192 printed.
//!
//! The what-if pairs of `linux-6.1-qemu-hotplug/` (a2/b1 and c1/c2: the same machine booted
//! with and without `movable_node`): predicting one with `movable_node` toggled must give the
//! other's real boot.

use std::path::PathBuf;

use integration::phases::linux_6_1::Build6_1;
use integration::predict::cli::{kernel_symbols, plain_text, predict_log};
use integration::predict::compare::without_offsets;
use integration::replay::trace::Trace;

mod linux61_common;
use linux61_common::boots;

fn read(dir: &std::path::Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

fn name(dir: &std::path::Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

/// Every allocation, dump and fact of each boot, predicted from the plain log with the kernel
/// image's place from its `/proc/iomem`.
#[test]
fn every_real_boot_is_predicted_exactly() {
    let build = Build6_1::DEBIAN_6_1_AMD64;
    let (mut matched, mut logged) = (0, 0);
    for dir in boots() {
        let symbols = kernel_symbols(&build, Some(&dir.join("iomem.txt"))).unwrap();
        let o = predict_log(&name(&dir), &read(&dir, "dmesg.txt"), symbols, None, None).unwrap();
        assert_eq!(o.profile, "profile 6.1 (the log is from Linux 6.1.0)");
        let c = o.comparison.expect("the fixtures have memblock=debug lines");
        assert_eq!(c.first_difference, None, "{}", name(&dir));
        assert_eq!((c.matched, c.predicted), (c.logged, c.logged), "{}", name(&dir));
        assert_eq!((c.dumps_matched, c.dumps_logged), (2, 2), "{}: both dumps", name(&dir));
        assert!(c.facts.iter().all(|f| f.identical()), "{}: {:#?}", name(&dir), c.facts);
        // The facts are not vacuous: every boot prints NODE_DATA and its zones, the hotplug
        // boots a crash kernel, and those with movable_node movable zone starts.
        let lines = |what: &str| c.facts.iter().find(|f| f.what == what).map_or(0, |f| f.kernel.len());
        for what in ["NODE_DATA", "zone ranges", "early memory node ranges", "node spans"] {
            assert!(lines(what) > 0, "{}: {what}", name(&dir));
        }
        let n = name(&dir);
        assert_eq!(lines("crash kernel") > 0, dir.to_string_lossy().contains("hotplug"), "{n}");
        assert_eq!(lines("movable zone starts") > 0, n.ends_with("-movable"), "{n}");
        matched += c.matched;
        logged += c.logged;
    }
    // Spec §H.9: 766 requests in the eleven boots, NODE_DATA and failed requests included.
    assert_eq!((matched, logged), (766, 766));
}

/// The predicted `memblock=debug` trace is the log's, line for line once the callers' build
/// offsets are cut, but for the MP table's two reservations (`smp_scan_config`), which lie
/// inside the BIOS area reserved silently before them and which no plain line announces.
#[test]
fn the_predicted_trace_is_the_logs() {
    let build = Build6_1::DEBIAN_6_1_AMD64;
    for dir in boots() {
        let text = read(&dir, "dmesg.txt");
        let o = predict_log(&name(&dir), &text, (build.kernel, String::new()), None, None).unwrap();
        let predicted = o.prediction.as_ref().unwrap().trace_lines();
        let logged: Vec<String> = text
            .lines()
            .map(|l| l.split_once("] ").map_or(l, |(_, m)| m))
            .filter(|m| {
                m.starts_with("memblock_")
                    || m.starts_with("MEMBLOCK configuration")
                    || m.starts_with(" memory")
                    || m.starts_with(" reserved")
            })
            .filter(|m| !m.contains("smp_scan_config"))
            .map(without_offsets)
            .collect();
        let first = predicted.iter().zip(&logged).position(|(a, b)| a != b);
        assert_eq!(first, None, "{}: line {first:?} of the trace differs", name(&dir));
        assert_eq!(predicted.len(), logged.len(), "{}", name(&dir));
    }
}

/// The model never reads a memblock=debug line: the log without them predicts the same.
#[test]
fn the_plain_log_alone_gives_the_same_prediction() {
    let build = Build6_1::DEBIAN_6_1_AMD64;
    for dir in boots() {
        let text = read(&dir, "dmesg.txt");
        let plain = plain_text(&text, &Trace::parse(&text));
        assert!(plain.len() < text.len());
        let full = predict_log("full", &text, (build.kernel, String::new()), None, None).unwrap();
        let bare = predict_log("plain", &plain, (build.kernel, String::new()), None, None).unwrap();
        assert!(bare.comparison.is_none(), "no trace to compare with");
        assert_eq!(full.prediction.as_ref().unwrap().trace_lines(), bare.prediction.as_ref().unwrap().trace_lines());
    }
}

/// a2/b1 and c1/c2 are the same machines booted with and without `movable_node`: each
/// predicted with the option toggled is its twin's real boot, allocation for allocation.
#[test]
fn toggling_movable_node_gives_the_twins_real_boot() {
    let build = Build6_1::DEBIAN_6_1_AMD64;
    let hotplug = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/fixtures/linux-6.1-qemu-hotplug");
    let pairs = [
        ("a2-pc-2n-node1-hotplug-movable", "b1-pc-2n-node1-hotplug-nomovable"),
        ("c1-pc-4n-hp23-crash256-movable", "c2-pc-4n-hp23-crash256-nomovable"),
    ];
    for (movable, plain) in pairs {
        for (from, to, on) in [(movable, plain, false), (plain, movable, true)] {
            let twin = read(&hotplug.join(to), "dmesg.txt");
            let o = predict_log(
                from,
                &read(&hotplug.join(from), "dmesg.txt"),
                (build.kernel, String::new()),
                Some(on),
                Some(&twin),
            )
            .unwrap();
            let c = o.comparison.unwrap();
            assert_eq!(c.first_difference, None, "{from} toggled vs {to}");
            assert_eq!(c.matched, c.logged, "{from} toggled vs {to}");
            // And not trivially: without the toggle the twin's boot is not predicted.
            let same = predict_log(
                from,
                &read(&hotplug.join(from), "dmesg.txt"),
                (build.kernel, String::new()),
                None,
                Some(&twin),
            )
            .unwrap();
            assert!(same.comparison.unwrap().first_difference.is_some(), "{from} as booted vs {to}");
        }
    }
}
