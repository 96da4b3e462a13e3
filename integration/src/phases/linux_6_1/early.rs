//! Spec §H.9.2 steps 1–4, and `reserve_initrd()`: what `setup_arch()` of 6.1 does to memblock
//! before and around `init_mem_mapping()`, from the boot's plain dmesg and the kernel's
//! symbols.
//!
//! | step | kernel function | here |
//! |---|---|---|
//! | 1 | `early_reserve_memory()` (silent) | [`early_reserve_memory`] |
//! | 2 | `reserve_brk()` | [`reserve_brk`] |
//! | 3 | `e820__memblock_setup()` and `memblock_trim_memory()` | [`e820_memblock_setup`] |
//! | 4 | `reserve_real_mode()` | [`reserve_real_mode`] |
//! | — | `reserve_initrd()` | [`reserve_initrd`] |

use movable_node::E820Type;
use movable_node::memblock_bottomup::{PAGE_SIZE, SeriesMemblock, page_align, round_down};

use crate::input::e820::SOFT_RESERVED;

use super::{Build6_1, Issuer, KernelSymbols, PhaseError, PhaseResult, PlainFacts};

/// `ISA_END_ADDRESS`: the end of low memory, `current_limit` while memblock is filled.
pub const ISA_END_ADDRESS: u64 = 0x10_0000;
/// `BIOS_START_MIN` of `reserve_bios_regions()`.
pub const BIOS_START_MIN: u64 = 0x2_0000;
/// `BIOS_START_MAX` of `reserve_bios_regions()`.
pub const BIOS_START_MAX: u64 = 0x9_f000;
/// `early_reserve_memory()`'s first 64 KiB (`SZ_64K`, for BIOS corruption).
pub const LOW_RESERVE: u64 = 0x1_0000;

/// `reserve_bios_regions()`'s `bios_start` from the BIOS RAM size (the word at 0x413, in KiB;
/// on these machines the end of the `usable` `BIOS-e820` entry at 0): a size below
/// [`BIOS_START_MIN`] or above [`BIOS_START_MAX`] is taken as `BIOS_START_MAX`, and the start is
/// rounded down to a page. The EBDA is assumed to start there (`get_bios_ebda()` reads a
/// pointer no log prints). Spec §H.9.2 step 1 says "clamped"; 6.1's `ebda.c` replaces an
/// out-of-range size by the maximum, which the two agree on for every shared boot.
pub fn bios_start_from(bios_ram_end: Option<u64>) -> u64 {
    let start = match bios_ram_end.map(|e| round_down(e, 0x400)) {
        Some(s) if (BIOS_START_MIN..=BIOS_START_MAX).contains(&s) => s,
        _ => BIOS_START_MAX,
    };
    round_down(start, PAGE_SIZE)
}

/// [`bios_start_from`] the `BIOS-e820:` table of a plain dmesg.
pub fn bios_start(facts: &PlainFacts) -> u64 {
    bios_start_from(facts.bios_e820.iter().find(|e| e.kind == E820Type::Ram && e.addr == 0).map(|e| e.end()))
}

/// One of step 1's silent reservations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilentReservation {
    /// The kernel image [`_text`, `__end_of_kernel_reserve`).
    KernelImage {
        /// First byte.
        start: u64,
        /// End (exclusive).
        end: u64,
    },
    /// [0, 64 KiB), kept from the BIOS (`SZ_64K`).
    FirstPages,
    /// The initrd where the boot loader put it, its end page-aligned.
    Initrd {
        /// First byte.
        start: u64,
        /// End (exclusive), page-aligned.
        end: u64,
    },
    /// `reserve_bios_regions()`: [`bios_start`, 1 MiB).
    BiosRegions {
        /// First byte.
        start: u64,
    },
}

impl SilentReservation {
    /// Its owner's label.
    pub const fn label(self) -> &'static str {
        match self {
            SilentReservation::KernelImage { .. } => "kernel image",
            SilentReservation::FirstPages => "first 64 KiB",
            SilentReservation::Initrd { .. } => "initrd",
            SilentReservation::BiosRegions { .. } => "BIOS regions",
        }
    }

    /// `(base, size)`.
    pub const fn range(self) -> (u64, u64) {
        match self {
            SilentReservation::KernelImage { start, end } | SilentReservation::Initrd { start, end } => {
                (start, end.saturating_sub(start))
            }
            SilentReservation::FirstPages => (0, LOW_RESERVE),
            SilentReservation::BiosRegions { start } => (start, ISA_END_ADDRESS.saturating_sub(start)),
        }
    }
}

/// Step 1's reservations in the kernel's order: the kernel image (when its place is known),
/// the first 64 KiB, the initrd `[start, end)` (its end page-aligned here), the BIOS area from
/// `bios_start`. The MP table's reservations lie inside the BIOS area and are not repeated.
pub fn silent_reservations(
    kernel: Option<(u64, u64)>,
    initrd: Option<(u64, u64)>,
    bios_start: u64,
) -> Vec<SilentReservation> {
    let mut list = Vec::with_capacity(4);
    if let Some((start, end)) = kernel {
        list.push(SilentReservation::KernelImage { start, end });
    }
    list.push(SilentReservation::FirstPages);
    if let Some((start, end)) = initrd {
        list.push(SilentReservation::Initrd { start, end: page_align(end) });
    }
    list.push(SilentReservation::BiosRegions { start: bios_start });
    list
}

/// Step 1, the silent reservations before `memblock=debug` is parsed
/// ([`silent_reservations`]), from the kernel's symbols and the plain dmesg.
///
/// # Errors
/// [`PhaseError::Invalid`] for a kernel image that ends before it starts; memblock's errors.
pub fn early_reserve_memory(mb: &mut SeriesMemblock, kernel: &KernelSymbols, facts: &PlainFacts) -> PhaseResult {
    const PHASE: &str = "early_reserve_memory";
    if kernel.end_of_kernel_reserve < kernel.text {
        return Err(PhaseError::Invalid {
            phase: PHASE,
            what: format!(
                "the kernel image ends at {:#x}, before its start {:#x}",
                kernel.end_of_kernel_reserve, kernel.text
            ),
        });
    }
    let image = (kernel.text, kernel.end_of_kernel_reserve);
    let mut mb = Issuer::new(mb, PHASE);
    for r in silent_reservations(Some(image), facts.initrd, bios_start(facts)) {
        let (base, size) = r.range();
        mb.silent(r.label(), base, size)?;
    }
    Ok(mb.finish())
}

/// Step 2, `reserve_brk()`: `memblock_reserve(__brk_base, used brk)` (the build's used brk;
/// only the overlap test of the page-table buffer depends on it).
///
/// # Errors
/// memblock's errors.
pub fn reserve_brk(mb: &mut SeriesMemblock, build: &Build6_1, kernel: &KernelSymbols) -> PhaseResult {
    let mut mb = Issuer::new(mb, "reserve_brk");
    mb.reserve("setup_arch", kernel.brk_base, build.used_brk_bytes)?;
    Ok(mb.finish())
}

/// Step 3, `e820__memblock_setup()`: `current_limit` = 1 MiB, resizing allowed, one
/// `memblock_reserve` per soft-reserved entry and one `memblock_add` per `usable` (or
/// `RESERVED_KERN`) entry of the kernel's e820 table after the `e820: update` and
/// `e820: remove` fix-ups, then `memblock_trim_memory(PAGE_SIZE)` (which leaves `total_size` as
/// it was, as the kernel does).
///
/// # Errors
/// [`PhaseError::NotDerived`] for RAM past the build's `MAX_PHYSMEM_BITS` (the model does not
/// follow a kernel that cannot map it); memblock's errors.
pub fn e820_memblock_setup(mb: &mut SeriesMemblock, build: &Build6_1, facts: &PlainFacts) -> PhaseResult {
    const PHASE: &str = "e820__memblock_setup";
    let table = facts.e820_after_fixups();
    let is_ram = |k: E820Type| matches!(k, E820Type::Ram | E820Type::ReservedKern);
    let ram: Vec<_> = table.iter().filter(|e| is_ram(e.kind)).collect();
    let max_phys = 1u64 << build.max_physmem_bits;
    if let Some(e) = ram.iter().find(|e| e.addr.saturating_add(e.size) > max_phys) {
        return Err(PhaseError::NotDerived {
            phase: PHASE,
            what: format!(
                "usable RAM [mem {:#018x}-{:#018x}] reaches past this build's {}-bit physical address space",
                e.addr,
                e.addr.saturating_add(e.size).saturating_sub(1),
                build.max_physmem_bits
            ),
        });
    }
    e820_memblock_setup_begin(mb);
    let mut issuer = Issuer::new(mb, PHASE);
    // In table order: soft-reserved memory is reserved, RAM (and RESERVED_KERN) added.
    for e in &table {
        if e.kind == E820Type::Other(SOFT_RESERVED) {
            issuer.reserve(PHASE, e.addr, e.size)?;
        } else if is_ram(e.kind) {
            issuer.add(PHASE, e.addr, e.size)?;
        }
    }
    let ops = issuer.finish();
    e820_memblock_setup_end(mb);
    Ok(ops)
}

/// What `e820__memblock_setup()` does before its first entry, silently: `current_limit` =
/// [`ISA_END_ADDRESS`] (`setup_arch()` sets it just before) and `memblock_allow_resize()`.
pub fn e820_memblock_setup_begin(mb: &mut SeriesMemblock) {
    mb.set_current_limit(ISA_END_ADDRESS);
    mb.allow_resize();
}

/// What it does after its last entry, silently: `memblock_trim_memory(PAGE_SIZE)`.
pub fn e820_memblock_setup_end(mb: &mut SeriesMemblock) {
    mb.trim_memory(PAGE_SIZE);
}

/// Step 4, `reserve_real_mode()`: the trampoline below 1 MiB (the build's size, page-aligned),
/// then `memblock_reserve(0, 1 MiB)` whether or not it was found.
///
/// # Errors
/// memblock's errors.
pub fn reserve_real_mode(mb: &mut SeriesMemblock, build: &Build6_1) -> PhaseResult {
    let mut mb = Issuer::new(mb, "reserve_real_mode");
    let size = page_align(build.trampoline_bytes);
    if mb.phys_alloc_range("reserve_real_mode", size, PAGE_SIZE, 0, ISA_END_ADDRESS).is_none() {
        log::warn!("No sub-1M memory is available for the trampoline");
    }
    mb.reserve("setup_arch", 0, ISA_END_ADDRESS)?;
    Ok(mb.finish())
}

/// `reserve_initrd()`: an initrd inside mapped RAM stays where it is (it was reserved in step
/// 1). Moving one (`relocate_initrd()`) was never seen, so it is refused (spec §H.9.3).
///
/// # Errors
/// [`PhaseError::NotDerived`] for an initrd outside RAM mapped below `max_pfn_mapped`, or a
/// log that shows the move.
pub fn reserve_initrd(mb: &mut SeriesMemblock, facts: &PlainFacts, max_pfn_mapped: u64) -> PhaseResult {
    if facts.initrd_moved {
        return Err(PhaseError::NotDerived {
            phase: "reserve_initrd",
            what: "the log shows the kernel moving the initrd (relocate_initrd), which the spec does not derive \
                   (§H.9.3)"
                .into(),
        });
    }
    let Some((start, end)) = facts.initrd else { return Ok(Vec::new()) };
    let end = page_align(end);
    let mapped_end = max_pfn_mapped.saturating_mul(PAGE_SIZE);
    let in_ram = end <= mapped_end
        && mb.memory().regions().iter().any(|r| r.base <= start && end <= r.base.saturating_add(r.size));
    if in_ram {
        return Ok(Vec::new());
    }
    Err(PhaseError::NotDerived {
        phase: "reserve_initrd",
        what: format!(
            "the initrd [mem {start:#010x}-{:#010x}] is not in mapped RAM, so the kernel moves it (relocate_initrd), \
             which the spec does not derive (§H.9.3)",
            end.saturating_sub(1)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use movable_node::KernelProfile;

    fn facts(log: &str) -> PlainFacts {
        PlainFacts::parse(log).unwrap()
    }

    /// `reserve_bios_regions()` by hand (6.1 `arch/x86/kernel/ebda.c`): QEMU's 639 KiB
    /// (0x9fc00) is above 0x9f000, so the maximum; 0x9e7ff is 633 KiB (0x9e400), in range, and
    /// its page is 0x9e000; 64 KiB is below 128 KiB, so the maximum again.
    #[test]
    fn bios_start_follows_reserve_bios_regions() {
        let one = |end: u64| facts(&format!("BIOS-e820: [mem 0x0000000000000000-{:#018x}] usable\n", end - 1));
        assert_eq!(bios_start(&one(0x9_fc00)), 0x9_f000);
        assert_eq!(bios_start(&one(0x9_e7ff)), 0x9_e000);
        assert_eq!(bios_start(&one(0x1_0000)), 0x9_f000);
        assert_eq!(bios_start(&PlainFacts::default()), BIOS_START_MAX, "no e820 line: the maximum");
    }

    /// The trampoline: top-down it lands right below the BIOS area (0x9f000 - 0x7000 = 0x98000),
    /// bottom-up at the first free page above the reserved first 64 KiB; then [0, 1 MiB).
    #[test]
    fn real_mode_both_ways() {
        let build = Build6_1::DEBIAN_6_1_AMD64;
        let f = facts(
            "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n\
             BIOS-e820: [mem 0x0000000000100000-0x000000003fffffff] usable\n",
        );
        for (bottom_up, at) in [(false, 0x9_8000), (true, 0x1_0000)] {
            let mut mb = KernelProfile::Modern.memblock(build.kernel.end, bottom_up);
            early_reserve_memory(&mut mb, &build.kernel, &f).unwrap();
            movable_node::memblock_bottomup::BottomUp::set_bottom_up(&mut mb, bottom_up);
            e820_memblock_setup(&mut mb, &build, &f).unwrap();
            let ops = reserve_real_mode(&mut mb, &build).unwrap();
            let lines: Vec<String> = ops.iter().flat_map(|o| o.kernel_lines()).collect();
            assert_eq!(
                lines[1],
                format!("memblock_reserve: [{at:#018x}-{:#018x}] memblock_alloc_range_nid", at + 0x6fff)
            );
            assert_eq!(lines[2], "memblock_reserve: [0x0000000000000000-0x00000000000fffff] setup_arch");
        }
    }

    #[test]
    fn a_moved_initrd_is_refused() {
        let f = facts("Move RAMDISK from [mem 0x7fdea000-0x7ffcffff] to [mem 0x3fdea000-0x3ffcffff]\n");
        let mut mb = KernelProfile::Modern.memblock(0x443_0000, false);
        let e = reserve_initrd(&mut mb, &f, 0x8_0000).unwrap_err();
        assert!(matches!(e, PhaseError::NotDerived { phase: "reserve_initrd", .. }), "{e}");
    }
}
