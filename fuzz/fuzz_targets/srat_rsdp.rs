//! A firmware memory window (RSDP, XSDT/RSDT, SRAT) searched from an RSDP address, as the
//! kernel finds the table.
#![no_main]

use libfuzzer_sys::fuzz_target;
use movable_node::acpi_srat::{FirmwareWindow, find_srat};

const BASE: u64 = 0xe_0000;

fuzz_target!(|input: (u16, &[u8])| {
    let (rsdp_offset, bytes) = input;
    let Ok(window) = FirmwareWindow::new(BASE, bytes) else { return };
    if let Ok(found) = find_srat(&window, BASE + u64::from(rsdp_offset)) {
        let _ = found.table.subtables().count();
    }
});
