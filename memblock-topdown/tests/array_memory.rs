//! Region arrays in caller-provided memory (`Memblock::use_array_memory`): the same memblock
//! as with host storage, with the entries in the caller's static arrays and then in the block
//! `memblock_double_array()` reserved, reached through the caller's `__va()`.

use std::sync::OnceLock;

use memblock_topdown::{ArrayMemory, INIT_MEMBLOCK_REGIONS, Memblock, Region, RegionFlags};

/// The "physical memory" `[WINDOW, WINDOW + WINDOW_LEN)` that `phys_to_virt` reaches: where
/// the doubled arrays land in the machine below (the top of RAM, top-down).
const WINDOW: u64 = 0x4f_0000;
const WINDOW_LEN: usize = 0x1_0000;

fn window() -> usize {
    static BUF: OnceLock<usize> = OnceLock::new();
    *BUF.get_or_init(|| {
        let words: &'static mut [u64] = Box::leak(vec![0u64; WINDOW_LEN / 8].into_boxed_slice());
        words.as_mut_ptr() as usize
    })
}

fn phys_to_virt(pa: u64) -> *mut u8 {
    match pa.checked_sub(WINDOW) {
        Some(off) if off < WINDOW_LEN as u64 => (window() + off as usize) as *mut u8,
        _ => std::ptr::null_mut(),
    }
}

fn provided() -> ArrayMemory {
    let empty = Region { base: 0, size: 0, nid: 0, flags: RegionFlags::empty() };
    ArrayMemory {
        memory: Box::leak(Box::new([empty; INIT_MEMBLOCK_REGIONS])),
        reserved: Box::leak(Box::new([empty; INIT_MEMBLOCK_REGIONS])),
        phys_to_virt,
    }
}

/// 4 MiB of RAM at 1 MiB, resizing allowed, and `n` one-page reservations two pages apart
/// from 1 MiB up.
fn machine(mb: &mut Memblock, n: u64) -> Vec<Result<(), memblock_topdown::Error>> {
    mb.add(0x10_0000, 0x40_0000).unwrap();
    mb.allow_resize();
    mb.log_mut().set_trace(true);
    (0..n).map(|i| mb.reserve(0x10_0000 + i * 0x2000, 0x1000)).collect()
}

#[test]
fn the_first_doubling_moves_the_entries_into_the_block_memblock_reserved() {
    let mut host = Memblock::new();
    let mut kernel = Memblock::new();
    // SAFETY: `phys_to_virt` reaches a leaked host buffer for the only block this machine's
    // doubling takes (checked below), and null elsewhere, which the storage refuses.
    assert!(unsafe { kernel.use_array_memory(provided()) });
    let static_at = kernel.reserved().regions().as_ptr();
    let r_host = machine(&mut host, 129);
    let r_kernel = machine(&mut kernel, 129);
    assert_eq!(r_kernel, r_host);
    assert!(r_kernel.iter().all(Result::is_ok));
    // 129 regions do not fit in 128: the reserved array doubles to 256 entries, 256 * 24 bytes
    // rounded to two pages, found top-down below the end of RAM (0x500000): 0x4fe000.
    assert_eq!(kernel.reserved().array_addr(), Some(0x4f_e000));
    assert_eq!(kernel.reserved().max(), 256);
    assert_eq!(kernel.reserved().regions().as_ptr() as usize, window() + 0xe000);
    assert_ne!(kernel.reserved().regions().as_ptr(), static_at);
    // The entries, and what memblock said, are those of host storage.
    assert_eq!(kernel.reserved().regions(), host.reserved().regions());
    assert_eq!(kernel.memory().regions(), host.memory().regions());
    assert_eq!(kernel.log().events(), host.log().events());
    assert!(kernel.is_reserved(0x4f_e000) && kernel.is_reserved(0x4f_f000));
    // 128 reservations two pages apart, the 129th, and the array's own block: 130 entries.
    assert_eq!(kernel.reserved().cnt(), 130);
}

#[test]
fn the_second_doubling_moves_the_entries_again_and_frees_the_first_block() {
    let mut host = Memblock::new();
    let mut kernel = Memblock::new();
    // SAFETY: as in the first test; both doubled blocks lie inside the window.
    assert!(unsafe { kernel.use_array_memory(provided()) });
    let r_host = machine(&mut host, 256);
    let r_kernel = machine(&mut kernel, 256);
    assert_eq!(r_kernel, r_host);
    assert!(r_kernel.iter().all(Result::is_ok));
    // 256 one-page reservations from 1 MiB take [1 MiB, 3 MiB); with the first doubled block
    // (two pages at 0x4fe000) the array fills again and doubles to 512 entries: 512 * 24 bytes
    // (3.13's struct memblock_region, which this crate's 24-byte Region fits) = three pages,
    // found top-down above the new reservation, just below the first block: 0x4fb000. The
    // first block is freed, as memblock_double_array() frees an array that was not static.
    assert_eq!(core::mem::size_of::<Region>(), 24);
    assert_eq!(kernel.reserved().max(), 512);
    assert_eq!(kernel.reserved().array_addr(), Some(0x4f_b000));
    assert_eq!(kernel.reserved().regions().as_ptr() as usize, window() + 0xb000);
    assert!(kernel.is_reserved(0x4f_b000) && kernel.is_reserved(0x4f_d000));
    assert!(!kernel.is_reserved(0x4f_e000));
    assert_eq!(kernel.reserved().regions(), host.reserved().regions());
    assert_eq!(kernel.log().events(), host.log().events());
}

#[test]
fn arrays_are_refused_once_doubled_and_a_clone_is_a_host_copy() {
    let mut mb = Memblock::new();
    machine(&mut mb, 129);
    // SAFETY: refused before any use: the reserved array already lives in a doubled block.
    assert!(!unsafe { mb.use_array_memory(provided()) });

    let mut kernel = Memblock::new();
    // SAFETY: as in the first test.
    assert!(unsafe { kernel.use_array_memory(provided()) });
    machine(&mut kernel, 129);
    let copy = kernel.clone();
    assert_eq!(copy.reserved().regions(), kernel.reserved().regions());
    assert_ne!(copy.reserved().regions().as_ptr(), kernel.reserved().regions().as_ptr());
}
