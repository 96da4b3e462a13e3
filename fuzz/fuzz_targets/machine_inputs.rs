//! Every text a user hands bootsim: e820 lines (both forms), memmap listings, /proc/iomem,
//! a saved dmesg, and the machine TOML. Each must parse or fail with a typed error, never
//! panic; what parses must boot or be refused with a reason.
#![no_main]

use std::path::Path;

use integration::boot::setup_arch;
use integration::input::{parse_dmesg, parse_e820_text, parse_iomem, parse_machine_toml};
use integration::movable_node::KernelProfile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &str)| {
    let (which, text) = input;
    match which % 4 {
        0 => {
            let _ = parse_e820_text("fuzz.e820", text);
        }
        1 => {
            if let Ok(io) = parse_iomem("fuzz.iomem", text) {
                let _ = io.kernel_image(0x30000);
                let _ = io.e820_entries();
            }
        }
        2 => {
            if let Ok(d) = parse_dmesg("fuzz.dmesg", text) {
                let m = d.parts().into_machine();
                let _ = setup_arch(&m, KernelProfile::V3_13);
                let _ = setup_arch(&m, KernelProfile::Modern);
            }
        }
        _ => {
            if let Ok(parts) = parse_machine_toml("fuzz.toml", text, Path::new("/nonexistent")) {
                let m = parts.into_machine();
                let _ = setup_arch(&m, KernelProfile::V3_14);
                let _ = setup_arch(&m, KernelProfile::Modern);
            }
        }
    }
});
