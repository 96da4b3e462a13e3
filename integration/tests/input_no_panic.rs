//! No reader panics, whatever it is given: arbitrary text, and text stitched from the
//! formats' own pieces (markers, numbers at the edges of 64 bits, brackets, line ends), so
//! that the inputs get deep into each parser.

use std::path::Path;

use integration::input::{
    check_srat, parse_dmesg, parse_e820, parse_e820_text, parse_iomem, parse_machine_toml, parse_memmap_txt,
};
use proptest::prelude::*;

const PIECES: &[&str] = &[
    "BIOS-e820: ",
    "[mem ",
    "]",
    "-",
    " - ",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\r",
    "0x",
    "0",
    "1",
    "f",
    "fff",
    "9fbff",
    "ffffffffffffffff",
    "10000000000000000",
    "0000000000100000",
    "usable",
    "reserved",
    "ACPI data",
    "ACPI NVS",
    "(usable)",
    "type ",
    "persistent (type 7)",
    "4294967296",
    "[    0.000000] ",
    "Command line: ",
    "RAMDISK: ",
    "Allocated new RAMDISK: ",
    "SRAT: Node ",
    "ACPI: SRAT: Node ",
    " PXM ",
    "SRAT: PXM ",
    " -> APIC ",
    " -> Node ",
    " hotplug",
    " non-volatile",
    "e820: BIOS-provided physical RAM map:",
    " start=",
    " end=",
    " type=",
    "System RAM",
    "/sys/firmware/memmap/3/start:",
    "/end:",
    "/type:",
    " : ",
    "Kernel code",
    "Kernel bss",
    "Kernel rodata",
    "Crash kernel",
    "é",
    "\u{0}",
];

const TOML_PIECES: &[&str] = &[
    "name = \"x\"\n",
    "cmdline = \"ro\"\n",
    "[kernel]\n",
    "text = ",
    "bss_stop = ",
    "end = ",
    "start = ",
    "[initrd]\n",
    "[[e820]]\n",
    "type = \"usable\"\n",
    "type = 7\n",
    "[[node]]\n",
    "pxm = ",
    "cpus = [",
    "]\n",
    "[[node.memory]]\n",
    "hotpluggable = true\n",
    "[build]\n",
    "log_buf_len = ",
    "[cpu]\n",
    "gbpages = false\n",
    "\"0xffffffffffffffff\"\n",
    "\"16G\"\n",
    "\"99999999999999P\"\n",
    "0\n",
    "-1\n",
    "1.5\n",
    "9223372036854775807\n",
    "\"0x\"\n",
    "srat = \"/nonexistent\"\n",
    "\"\"\n",
    "[",
    "=",
    "\n",
];

fn stitched(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(pieces), 0..60).prop_map(|v| v.concat())
}

fn all_text_readers(text: &str) {
    let _ = parse_e820("f", text).map_err(|e| e.to_string());
    let _ = parse_memmap_txt("f", text).map_err(|e| e.to_string());
    let _ = parse_e820_text("f", text).map_err(|e| e.to_string());
    match parse_iomem("f", text) {
        Ok(io) => {
            for brk in [0, 0x30000, u64::MAX] {
                let _ = io.kernel_image(brk).map_err(|e| e.to_string());
            }
            let _ = (io.e820_entries(), io.crash_kernel(), io.system_ram(), io.is_zeroed());
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    match parse_dmesg("f", text) {
        Ok(d) => {
            let _ = d.parts();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn text_readers_on_stitched_text(text in stitched(PIECES)) {
        all_text_readers(&text);
    }

    #[test]
    fn text_readers_on_any_text(text in any::<String>()) {
        all_text_readers(&text);
    }

    #[test]
    fn machine_file_on_stitched_toml(text in stitched(TOML_PIECES)) {
        if let Ok(p) = parse_machine_toml("m.toml", &text, Path::new("/nonexistent")) {
            let _ = p.into_machine();
        }
    }

    #[test]
    fn srat_check_on_any_bytes(mut bytes in prop::collection::vec(any::<u8>(), 0..80), sig in any::<bool>()) {
        if sig && bytes.len() >= 4 {
            bytes[..4].copy_from_slice(b"SRAT");
        }
        let r = check_srat("s.bin", &bytes);
        prop_assert_eq!(r.is_ok(), bytes.len() >= 48 && &bytes[..4] == b"SRAT");
    }
}
