//! Boot logs through the `bootsim replay` trace reader and the replay itself, as recorded and
//! under every what-if policy: a typed error or a result, never a panic or a hang.
#![no_main]

use integration::movable_node::KernelProfile;
use integration::replay::replay::{ReplayOptions, replay};
use integration::replay::trace::Trace;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &str)| {
    let (mode, text) = input;
    let _ = Trace::parse(text).events.len();
    // None (6.1's check), then every profile as a what-if policy.
    let policy = match usize::from(mode % 8) {
        0 => None,
        n => KernelProfile::ALL.get(n - 1).copied(),
    };
    let opts = ReplayOptions {
        policy,
        movable_node: Some(mode & 0x10 != 0),
        hotplug: if mode & 0x20 != 0 { vec![1] } else { Vec::new() },
        ..ReplayOptions::default()
    };
    let _ = replay("fuzz.dmesg", text, &opts);
});
