//! Boot logs through the `bootsim replay` trace reader and the replay itself, as recorded and
//! under every what-if policy: a typed error or a result, never a panic or a hang.
#![no_main]

use integration::replay::replay::{ReplayOptions, replay};
use integration::replay::trace::Trace;
use integration::replay::whatif::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &str)| {
    let (mode, text) = input;
    let _ = Trace::parse(text).events.len();
    let policy = match mode % 5 {
        0 => None,
        1 => Some(Policy::V3_12),
        2 => Some(Policy::V3_13),
        3 => Some(Policy::V3_14),
        _ => Some(Policy::V6_1),
    };
    let opts = ReplayOptions {
        policy,
        movable_node: Some(mode & 0x10 != 0),
        hotplug: if mode & 0x20 != 0 { vec![1] } else { Vec::new() },
        ..ReplayOptions::default()
    };
    let _ = replay("fuzz.dmesg", text, &opts);
});
