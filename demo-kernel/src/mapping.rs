//! The direct mapping made real: the page tables `x86-mm-bottomup` laid out (each at the
//! physical address memblock or BRK gave it) are written to those addresses, the kernel's
//! top-level table gets them plus the boot identity map in slot 0 (where this kernel's text
//! runs, as Linux keeps `__START_KERNEL_map` beside the direct mapping), CR3 is loaded, and
//! every RAM page is then checked through its `PAGE_OFFSET` address.

use alloc::vec::Vec;
use core::cell::UnsafeCell;
use movable_node::memblock_bottomup::{MemblockState, PAGE_SIZE};
use movable_node::{DirectMap, MapEvent, PAGE_OFFSET};
use x86_64::PhysAddr;
use x86_64::registers::control::{Cr3, Cr3Flags};
use x86_64::registers::model_specific::{Efer, EferFlags};
use x86_64::structures::paging::PhysFrame;

use crate::boot;

/// 2 MiB: the smallest large page, the step of the software walk over large pages.
const LARGE: u64 = 2 << 20;

/// `_PAGE_NX`: cleared from every entry when the CPU has no NX (`__supported_pte_mask`).
const PAGE_NX: u64 = 1 << 63;

#[repr(C, align(4096))]
struct TopLevel(UnsafeCell<[u64; 512]>);

// SAFETY: written once, before it is loaded, by the only CPU.
unsafe impl Sync for TopLevel {}

/// `init_level4_pgt`: in the image, like Linux's, not in memory memblock hands out.
static KERNEL_PGD: TopLevel = TopLevel(UnsafeCell::new([0; 512]));

/// Writes the tables to RAM and loads CR3. Returns the number of table pages written.
///
/// # Safety
/// Every table page of `dm` lies in RAM that memblock has reserved for it (BRK or a memblock
/// allocation), below the boot identity map's end, and nothing else uses it.
pub unsafe fn install(dm: &DirectMap, nx: bool) -> Result<usize, &'static str> {
    let limit = boot::BOOT_IDENTITY_GIB << 30;
    let mask = if nx { u64::MAX } else { !PAGE_NX };
    if nx {
        // SAFETY: NX is supported (CPUID), and setting NXE only allows more PTE bits.
        unsafe { Efer::update(|f| f.insert(EferFlags::NO_EXECUTE_ENABLE)) };
    }
    let mut written = 0;
    for pa in dm.mem().table_pages() {
        if pa.checked_add(PAGE_SIZE).is_none_or(|end| end > limit) {
            return Err("a page-table page lies beyond the boot identity map");
        }
        let Some(table) = dm.mem().table(pa) else { continue };
        let dst = pa as *mut u64;
        for (i, entry) in table.iter().enumerate() {
            // SAFETY: the caller's promise: this page is the table's, reserved for it.
            unsafe { dst.add(i).write_volatile(entry.flags().bits() & mask | entry.addr().as_u64()) };
        }
        written += 1;
    }
    let pgd = KERNEL_PGD.0.get().cast::<u64>();
    for (i, entry) in dm.mem().pgd().iter().enumerate() {
        // SAFETY: the static top-level table, not loaded yet.
        unsafe { pgd.add(i).write_volatile(entry.flags().bits() & mask | entry.addr().as_u64()) };
    }
    // SAFETY: as above; slot 0 is free (the direct mapping starts at slot 272).
    unsafe {
        if pgd.read_volatile() != 0 {
            return Err("the direct mapping uses slot 0 of the top-level table");
        }
        pgd.write_volatile(boot::identity_slot());
    }
    let frame = PhysFrame::from_start_address(PhysAddr::new(pgd as u64)).map_err(|_| "unaligned top-level table")?;
    // SAFETY: the new tables map this kernel (slot 0, as before) and the direct mapping.
    unsafe { Cr3::write(frame, Cr3Flags::empty()) };
    Ok(written)
}

/// The physical-address bits of a page-table entry.
const ADDR_MASK: u64 = 0x000f_ffff_ffff_f000;
const PRESENT: u64 = 1;
const HUGE: u64 = 1 << 7;

/// Walks the loaded tables in software (reading them through the identity map) and returns
/// where `va` leads, `None` if no present entry maps it.
fn translate(va: u64) -> Option<u64> {
    let mut table = KERNEL_PGD.0.get().cast::<u64>().cast_const() as u64;
    for shift in [39u32, 30, 21, 12] {
        // SAFETY: every table of the hierarchy lies below the identity map's end (`install`
        // checked), and they are only read.
        let entry = unsafe { (table as *const u64).add(((va >> shift) & 511) as usize).read_volatile() };
        if entry & PRESENT == 0 {
            return None;
        }
        let size = 1u64 << shift;
        if shift == 12 || (shift < 39 && entry & HUGE != 0) {
            return Some((entry & ADDR_MASK & !(size - 1)) + (va & (size - 1)));
        }
        table = entry & ADDR_MASK;
    }
    None
}

/// Checks that the holes below `max_pfn` (address ranges outside `pfn_mapped`) fault when
/// read (three pages of each: its ends and its middle; and the first page past the end of
/// RAM) and have no translation in the loaded tables: every 4 KiB page of the 2 MiB at each edge of a hole and
/// every 2 MiB step inside it; and, as the walk's control, that both ends of every mapped
/// range translate to themselves. Returns how many hole addresses were checked, and the first
/// address that failed.
pub fn check_holes(dm: &DirectMap) -> (u64, Option<u64>) {
    let mut checked = 0;
    let mut prev_end = 0;
    let mut holes: Vec<(u64, u64)> = Vec::new();
    for &(s, e) in dm.pfn_mapped() {
        // The walker's and the probe's control: both ends of every mapped range lead to
        // themselves, and can be read.
        for pa in [s << 12, (e << 12) - PAGE_SIZE] {
            if translate(PAGE_OFFSET + pa) != Some(pa) || crate::fault::faults(PAGE_OFFSET + pa) {
                return (checked, Some(pa));
            }
        }
        if s << 12 > prev_end {
            holes.push((prev_end, s << 12));
        }
        prev_end = prev_end.max(e << 12);
    }
    if dm.max_pfn() << 12 > prev_end {
        holes.push((prev_end, dm.max_pfn() << 12));
    }
    // The first page past the end of RAM, where nothing is mapped either.
    let beyond = prev_end.max(dm.max_pfn() << 12);
    if translate(PAGE_OFFSET + beyond).is_some() || !crate::fault::faults(PAGE_OFFSET + beyond) {
        return (checked, Some(beyond));
    }
    checked += 1;
    for (s, e) in holes {
        // The first and last page of the hole, and one inside, must also fault when read.
        for pa in [s, s + (e - s) / 2 / PAGE_SIZE * PAGE_SIZE, e - PAGE_SIZE] {
            if !crate::fault::faults(PAGE_OFFSET + pa) {
                return (checked, Some(pa));
            }
        }
        let mut pa = s;
        while pa < e {
            if translate(PAGE_OFFSET + pa).is_some() {
                return (checked, Some(pa));
            }
            checked += 1;
            let near_edge = pa - s < LARGE || e - pa <= LARGE;
            pa += if near_edge { PAGE_SIZE } else { LARGE - pa % LARGE };
        }
    }
    (checked, None)
}

/// What the check of the mapping found.
#[derive(Debug, Default)]
pub struct MapCheck {
    /// Pages of memblock memory checked.
    pub pages: u64,
    /// Of those, the pages mapped 4 KiB at a time or at the ends of mapped ranges.
    pub sampled: u64,
    /// Leaf entries looked up by walking the loaded tables.
    pub walked: u64,
    /// Of the sampled pages, free ones written and read back.
    pub written: u64,
    /// The first page that failed, and why.
    pub failure: Option<(u64, &'static str)>,
}

fn pattern(pa: u64) -> u64 {
    pa ^ 0x5a5a_c3c3_0f0f_9696
}

/// Checks the new direct mapping, every leaf entry of it, two ways:
///
/// - in software: each leaf (every 4 KiB-mapped page, every 2 MiB of a larger page) is looked
///   up by walking the loaded tables, and must lead to its own physical address;
/// - through the CPU: every 4 KiB-mapped page, and the first and last page of each mapped
///   range, is accessed through `__va()` and compared with the identity map. A free one gets a
///   pattern derived from its address, read back afterwards through both mappings (which also
///   catches two virtual pages aliasing one frame); a reserved one (this kernel, its page
///   tables, memblock's arrays) is only read.
///
/// With `every_page`, every page of RAM is accessed that way. That is off by default because
/// QEMU backs guest RAM with transparent huge pages: touching one page of each 2 MiB makes the
/// host allocate all of the guest's RAM, which took 40 s for 4 GiB on a nested host.
pub fn check(dm: &DirectMap, mb: &MemblockState, every_page: bool) -> MapCheck {
    let mut out = MapCheck::default();
    let small: Vec<(u64, u64)> = dm
        .events()
        .iter()
        .filter_map(|ev| match ev {
            MapEvent::Split(r) if r.mask.kernel_name() == "4k" => Some((r.start, r.end)),
            _ => None,
        })
        .collect();
    let is_small = |pa: u64| small.iter().any(|&(s, e)| s <= pa && pa < e);
    let range_end = |pa: u64| dm.pfn_mapped().iter().any(|&(s, e)| pa == s << 12 || pa + PAGE_SIZE == e << 12);
    for &(s, e) in dm.pfn_mapped() {
        let mut pa = s << 12;
        while pa < e << 12 {
            if translate(PAGE_OFFSET + pa) != Some(pa) {
                out.failure = Some((pa, "the loaded tables do not lead __va() to it"));
                return out;
            }
            out.walked += 1;
            pa += if is_small(pa) { PAGE_SIZE } else { (LARGE - pa % LARGE).min((e << 12) - pa) };
        }
    }
    for second in [false, true] {
        for r in mb.memory().regions() {
            let mut pa = r.base.next_multiple_of(PAGE_SIZE);
            while pa + PAGE_SIZE <= r.end() {
                let pfn = pa >> 12;
                if !dm.pfn_range_is_mapped(pfn, pfn + 1) {
                    out.failure.get_or_insert((pa, "RAM page not in pfn_mapped"));
                    return out;
                }
                let sampled = is_small(pa) || range_end(pa);
                if !sampled && !every_page {
                    pa += PAGE_SIZE;
                    continue;
                }
                let free = sampled && !mb.is_reserved(pa);
                let va = (PAGE_OFFSET + pa) as *mut u64;
                let id = pa as *const u64;
                // SAFETY: the page is RAM, mapped at `va` by the tables just loaded and at `pa`
                // by the identity map; free pages belong to no one, reserved ones are only read.
                let ok = unsafe {
                    match (second, free) {
                        (false, true) => {
                            va.write_volatile(pattern(pa));
                            va.add(511).write_volatile(!pattern(pa));
                            true
                        }
                        (true, true) => {
                            va.read_volatile() == pattern(pa)
                                && id.read_volatile() == pattern(pa)
                                && va.add(511).read_volatile() == !pattern(pa)
                        }
                        (_, false) => va.read_volatile() == id.read_volatile(),
                    }
                };
                if !ok {
                    out.failure.get_or_insert((pa, "the page reads differently through __va() and the identity map"));
                    return out;
                }
                if second {
                    out.pages += 1;
                    out.sampled += u64::from(sampled);
                    out.written += u64::from(free);
                }
                pa += PAGE_SIZE;
            }
        }
    }
    out
}
