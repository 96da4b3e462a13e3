//! Kernel command lines: the three `crashkernel=` parsers in both memparse profiles, the
//! parameter tokenizer with `movable_node`, and bootsim's early parameters.
#![no_main]

use crashkernel::{Profile, Suffix, memparse_with, parse_crashkernel_with};
use libfuzzer_sys::fuzz_target;
use movable_node::param::{last_param, params};

fuzz_target!(|input: (u64, &[u8])| {
    let (ram, cmdline) = input;
    for profile in [Profile::Linux312, Profile::Modern] {
        let _ = memparse_with(cmdline, profile);
        for suffix in [Suffix::Null, Suffix::High, Suffix::Low] {
            if let Ok(r) = parse_crashkernel_with(cmdline, ram, suffix, profile) {
                let _ = r.size.checked_add(r.base);
            }
        }
    }
    let _ = params(cmdline).count();
    let _ = last_param(cmdline, "movable_node");
    let _ = integration::params::EarlyParams::parse(&String::from_utf8_lossy(cmdline));
});
