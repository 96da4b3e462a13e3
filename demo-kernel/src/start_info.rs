//! What the PVH loader hands over: `struct hvm_start_info` and its memory map
//! (`xen/include/public/arch-x86/hvm/start_info.h`), copied out before any memory is reused.

use alloc::string::String;
use alloc::vec::Vec;
use movable_node::{E820Entry, E820Type};

/// `XEN_HVM_START_MAGIC_VALUE`.
const MAGIC: u32 = 0x336e_c578;
/// The longest command line read (`COMMAND_LINE_SIZE` of x86).
const COMMAND_LINE_SIZE: usize = 2048;
/// The most memory-map entries read (`E820_X_MAX` would allow more; QEMU gives about ten).
const MAX_ENTRIES: u32 = 128;

#[repr(C)]
#[derive(Clone, Copy)]
struct HvmStartInfo {
    magic: u32,
    version: u32,
    flags: u32,
    nr_modules: u32,
    modlist_paddr: u64,
    cmdline_paddr: u64,
    rsdp_paddr: u64,
    memmap_paddr: u64,
    memmap_entries: u32,
    reserved: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct MemmapEntry {
    addr: u64,
    size: u64,
    kind: u32,
    reserved: u32,
}

/// The boot facts, copied into the kernel's memory.
pub struct BootInfo {
    /// The command line (`-append`).
    pub cmdline: String,
    /// The RSDP's physical address.
    pub rsdp: u64,
    /// The firmware's memory map, in its order.
    pub e820: Vec<E820Entry>,
}

fn e820_type(kind: u32) -> E820Type {
    match kind {
        1 => E820Type::Ram,
        2 => E820Type::Reserved,
        3 => E820Type::Acpi,
        4 => E820Type::Nvs,
        5 => E820Type::Unusable,
        7 | 12 => E820Type::Persistent,
        n => E820Type::Other(n),
    }
}

/// Reads the start info at `paddr`.
///
/// # Safety
/// `paddr` is the loader's `%ebx`, and the first GiBs are identity mapped.
pub unsafe fn read(paddr: u64) -> Result<BootInfo, &'static str> {
    // SAFETY: the caller's promise; the ABI does not promise alignment.
    let si = unsafe { (paddr as *const HvmStartInfo).read_unaligned() };
    if si.magic != MAGIC {
        return Err("hvm_start_info has the wrong magic");
    }
    if si.version < 1 || si.memmap_paddr == 0 {
        return Err("hvm_start_info version 0 has no memory map");
    }
    let mut cmdline = String::new();
    if si.cmdline_paddr != 0 {
        for i in 0..COMMAND_LINE_SIZE {
            // SAFETY: a NUL-terminated string the loader left in identity-mapped low memory.
            let b = unsafe { (si.cmdline_paddr as *const u8).add(i).read() };
            if b == 0 {
                break;
            }
            cmdline.push(if b.is_ascii() { b as char } else { '?' });
        }
    }
    let mut e820 = Vec::new();
    for i in 0..si.memmap_entries.min(MAX_ENTRIES) {
        // SAFETY: entry i < memmap_entries of the loader's table.
        let e = unsafe { (si.memmap_paddr as *const MemmapEntry).add(i as usize).read_unaligned() };
        if e.size != 0 {
            e820.push(E820Entry { addr: e.addr, size: e.size, kind: e820_type(e.kind) });
        }
    }
    Ok(BootInfo { cmdline, rsdp: si.rsdp_paddr, e820 })
}
