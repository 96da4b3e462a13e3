//! Every warning the kernel prints is logged once, at `warn` level, in the
//! kernel's words; silent outcomes log nothing.

mod common;

use common::CAPTURE;
use crashkernel::{CrashkernelSpec, Profile, Suffix, parse_crashkernel, parse_crashkernel_high};
use log::Level;

fn take() -> Vec<(Level, String)> {
    std::mem::take(&mut *CAPTURE.0.lock().unwrap())
}

/// Only one test in this binary, so the global logger sees nothing else.
#[test]
fn warnings_are_logged_in_the_kernels_words() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    const G: u64 = 1 << 30;

    let cases: [(&str, Option<&str>); 12] = [
        ("crashkernel=", Some("crashkernel: memory value expected")),
        ("crashkernel=128Mjunk", Some("crashkernel: unrecognized char")),
        ("crashkernel=-:64M", Some("crashkernel: Memory value expected")),
        ("crashkernel=0:64M", Some("crashkernel: '-' expected")),
        ("crashkernel=0-1G1:64M", Some("crashkernel: ':' expected")),
        ("crashkernel=1G-512M:64M", Some("crashkernel: end <= start")),
        ("crashkernel=0-1G:", Some("Memory value expected")),
        ("crashkernel=1G-:2G", Some("crashkernel: invalid size")),
        ("crashkernel=0-:64M@x", Some("Memory value expected after '@'")),
        ("quiet", None),
        ("crashkernel=128M", None),
        ("crashkernel=0-:64M,junk", None),
    ];
    for (line, message) in cases {
        let _ = parse_crashkernel(line.as_bytes(), 3 * G / 2);
        let want: Vec<(Level, String)> = message.map(|m| (Level::Warn, m.to_string())).into_iter().collect();
        assert_eq!(take(), want, "{line}");
    }

    let _ = parse_crashkernel_high(b"crashkernel=256M,high,high", 4 * G);
    assert_eq!(take(), vec![(Level::Warn, "crashkernel: unrecognized char".to_string())]);

    // Reading a spec's entries or rendering it is silent; resolving logs.
    let spec = CrashkernelSpec::parse(b"crashkernel=0-1G:64M,x", Suffix::Null, Profile::Linux312).unwrap();
    if let CrashkernelSpec::Ranges(list) = spec {
        assert_eq!(list.entries().count(), 2);
    }
    let _ = spec.to_string();
    assert_eq!(take(), vec![]);
    assert!(spec.resolve(2 * G).is_err());
    assert_eq!(take(), vec![(Level::Warn, "crashkernel: Memory value expected".to_string())]);
}
