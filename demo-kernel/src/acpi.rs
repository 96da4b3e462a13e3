//! The SRAT, found from the RSDP the loader gave, through movable-node's reader (which runs
//! the `acpi` crate's `AcpiTables::from_rsdp` and `find_table`) over the firmware's memory.

use alloc::vec::Vec;
use movable_node::E820Type;
use movable_node::acpi_srat::{FirmwareWindow, find_srat};

/// Where the ACPI window starts: the BIOS area, where the RSDP is.
const WINDOW_START: u64 = 0xe_0000;

/// The SRAT's bytes, copied out of firmware memory, and where it was.
pub struct FoundTable {
    /// Its physical address.
    pub address: u64,
    /// The root table it was listed in (`XSDT`/`RSDT`).
    pub root: &'static str,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Finds the SRAT. The window runs from the BIOS area to the end of the highest ACPI or
/// reserved e820 range below 4 GiB that the tables can sit in (QEMU puts them at the top of
/// low RAM, in a `reserved` range), all identity mapped by the boot page tables.
pub fn srat(rsdp: u64, e820: &[movable_node::E820Entry]) -> Result<FoundTable, alloc::string::String> {
    let end = e820
        .iter()
        .filter(|e| e.addr >= WINDOW_START && e.end() <= 0xfec0_0000)
        .filter(|e| matches!(e.kind, E820Type::Acpi | E820Type::Nvs | E820Type::Reserved))
        .map(|e| e.end())
        .max()
        .unwrap_or(0x10_0000)
        .max(rsdp.saturating_add(36));
    let len = usize::try_from(end - WINDOW_START).map_err(|_| alloc::string::String::from("window too large"))?;
    // SAFETY: [WINDOW_START, end) lies below 4 GiB, identity mapped, and is firmware memory
    // (BIOS area, RAM and the ACPI ranges) that nothing writes while the slice lives.
    let window_bytes = unsafe { core::slice::from_raw_parts(WINDOW_START as *const u8, len) };
    let window = FirmwareWindow::new(WINDOW_START, window_bytes).map_err(|e| alloc::format!("{e}"))?;
    let found = find_srat(&window, rsdp).map_err(|e| alloc::format!("{e}"))?;
    let bytes = usize::try_from(found.address - WINDOW_START)
        .ok()
        .and_then(|at| window_bytes.get(at..)?.get(..usize::try_from(found.table.length()).ok()?))
        .ok_or_else(|| alloc::format!("the SRAT at {:#x} runs past the ACPI window", found.address))?;
    Ok(FoundTable { address: found.address, root: found.root, bytes: bytes.to_vec() })
}
