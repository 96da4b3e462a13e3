//! `setup_arch()` as a list of phases, in the kernel's order, each a small function over one
//! boot state and named after the kernel function it models. A [`KernelProfile`] picks the
//! list ([`setup_arch_phases`]); [`run`] runs it until the end or a modelled panic. The
//! [`Boot`] the phases fill is in [`state`].
//!
//! | phase | file |
//! |---|---|
//! | `x86_64_start_reservations`, `early_reserve_initrd`, `parse_early_param` | [`early`] |
//! | `e820_end_of_ram_pfn`, `reserve_brk`, `memblock_x86_fill` | [`e820_memblock`] |
//! | `reserve_real_mode`, `trim_low_memory_range` | [`real_mode`] |
//! | `init_mem_mapping` | [`mapping`] |
//! | `dma_contiguous_reserve`, `setup_log_buf` | [`buffers`] |
//! | `reserve_initrd` | [`initrd`] |
//! | `initmem_init` | [`numa`] |
//! | `reserve_crashkernel` (before SRAT in 3.12, after it from the series on) | [`crash`] |
//! | `sparse_init` | [`sparse`] |
//! | `free_area_init_nodes`, then the hot-remove verdicts | [`zones`] |
//!
//! [`linux_6_1`] holds Linux 6.1's steps that the series' list does not have (ACPI tables,
//! sparse and the vmemmap as 6.1 asks for them, the late `setup_arch()` and early
//! `start_kernel()` allocations), generated from a plain dmesg and a build profile.

pub mod buffers;
pub mod crash;
pub mod e820_memblock;
pub mod early;
pub mod initrd;
pub mod kernel_log;
pub mod linux_6_1;
pub mod mapping;
pub mod numa;
pub mod real_mode;
pub mod sparse;
pub mod state;
pub mod zones;

use movable_node::KernelProfile;
use movable_node::verdict::labelled_reservations;

pub use kernel_log::KernelLog;
pub use state::{Boot, BootState, Step};

/// Whether the boot goes on after a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// On to the next phase.
    Continue,
    /// The kernel stopped (panic or fault); `boot.panic` says why.
    Stop,
}

/// One phase: the kernel function it models and the step that runs it.
#[derive(Clone, Copy)]
pub struct Phase {
    /// The kernel function.
    pub name: &'static str,
    /// The step.
    pub run: fn(&mut BootState) -> Flow,
}

impl core::fmt::Debug for Phase {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name)
    }
}

const fn phase(name: &'static str, run: fn(&mut BootState) -> Flow) -> Phase {
    Phase { name, run }
}

/// The phases before the crash kernel's 3.12 position.
const UP_TO_INITRD: [Phase; 9] = [
    phase("x86_64_start_reservations", early::start_reservations),
    phase("parse_early_param", early::parse_early_param),
    phase("e820_end_of_ram_pfn", e820_memblock::end_of_ram_pfn),
    phase("reserve_brk", e820_memblock::reserve_brk),
    phase("memblock_x86_fill", e820_memblock::memblock_x86_fill),
    phase("reserve_real_mode", real_mode::reserve_real_mode),
    phase("init_mem_mapping", mapping::init_mem_mapping),
    phase("dma_contiguous_reserve", buffers::dma_contiguous_reserve),
    phase("setup_log_buf", buffers::setup_log_buf),
];

const RESERVE_INITRD: Phase = phase("reserve_initrd", initrd::reserve_initrd);
const INITMEM_INIT: Phase = phase("initmem_init", numa::initmem_init);
const CRASHKERNEL_BEFORE_SRAT: Phase = phase("reserve_crashkernel", crash::before_srat);
const CRASHKERNEL_AFTER_SRAT: Phase = phase("reserve_crashkernel", crash::after_srat);
const PAGING_INIT: [Phase; 2] =
    [phase("sparse_init", sparse::sparse_init), phase("free_area_init_nodes", zones::free_area_init_nodes)];

/// `setup_arch()`'s phases under `profile`: 3.12 reserves the crash kernel before SRAT is
/// parsed, the series (patch 5) and every later kernel after it.
pub fn setup_arch_phases(profile: KernelProfile) -> Vec<Phase> {
    let mut list = UP_TO_INITRD.to_vec();
    list.push(RESERVE_INITRD);
    if profile.has_series() {
        list.extend([INITMEM_INIT, CRASHKERNEL_AFTER_SRAT]);
    } else {
        list.extend([CRASHKERNEL_BEFORE_SRAT, INITMEM_INIT]);
    }
    list.extend(PAGING_INIT);
    list
}

/// Runs `phases` over `state` in order, until the end or the first phase that stops the boot;
/// then files memblock's last lines, the reservations by owner and, when the zones were
/// reached, the hot-remove verdicts.
pub fn run(mut state: BootState, phases: &[Phase]) -> Boot {
    for p in phases {
        if (p.run)(&mut state) == Flow::Stop {
            break;
        }
    }
    let BootState { mut boot, mut log, max_pfn, .. } = state;
    log.memblock(&boot.memblock);
    boot.reserved = labelled_reservations(boot.memblock.state(), boot.memblock.log().events());
    boot.log = log.lines;
    boot.warnings = log.warnings;
    zones::hot_remove_verdicts(&mut boot, max_pfn);
    boot
}
