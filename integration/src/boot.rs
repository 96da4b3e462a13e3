//! `setup_arch()` on x86-64, condensed to the steps that touch memblock, in the kernel's
//! order, for one kernel profile: where every early allocation lands, where the crash kernel
//! goes, how NUMA and the zones come out, and what pins each hotpluggable node.

use movable_node::param::MovableNode;
use movable_node::{E820Table, ISA_END_ADDRESS, KernelProfile, limit_ram};

use crate::input::kernel_type_name;
use crate::machine::Machine;
use crate::params::EarlyParams;
use crate::phases::{self, BootState, KernelLog};
pub use crate::phases::{Boot, Step};

/// A machine the boot cannot start on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BootError {
    /// The e820 map is unusable.
    #[error("e820 map: {0}")]
    E820(#[from] movable_node::E820Error),
    /// The kernel image does not lie in RAM.
    #[error("the kernel image [{start:#x}-{end:#x}] does not lie in usable RAM of the e820 map")]
    KernelOutsideRam {
        /// `_text`.
        start: u64,
        /// `__bss_stop` - 1.
        end: u64,
    },
    /// A field of the machine that cannot be booted.
    #[error("the machine's {what} is invalid: {why}")]
    Invalid {
        /// Which field.
        what: &'static str,
        /// Why.
        why: String,
    },
    /// A machine whose Linux 6.1 boot the model does not derive.
    #[error(transparent)]
    Linux6_1(#[from] crate::phases::linux_6_1::setup_arch::NotDerived),
    /// The kernel image's addresses are out of order.
    #[error("the kernel image is malformed: need _text ({text:#x}) < __bss_stop ({bss_stop:#x}) <= _end ({end:#x})")]
    KernelMalformed {
        /// `_text`.
        text: u64,
        /// `__bss_stop`.
        bss_stop: u64,
        /// `_end`.
        end: u64,
    },
}

/// Refuses what no bootloader could hand the kernel, before any arithmetic on it.
fn check_machine(m: &Machine) -> Result<(), BootError> {
    E820Table::new(m.e820.clone())?;
    let invalid = |what, why: String| Err(BootError::Invalid { what, why });
    if let Some((s, e)) = m.initrd
        && !(s < e && e <= movable_node::MAXMEM)
    {
        return invalid("initrd", format!("[{s:#x}, {e:#x}) is empty, inverted or above 64 TiB"));
    }
    if m.kernel.end > movable_node::MAXMEM {
        return invalid("kernel image", format!("_end {:#x} lies above 64 TiB", m.kernel.end));
    }
    for (what, v) in [("brk_used", m.build.brk_used), ("realmode_size", m.build.realmode_size)] {
        if v > 1 << 30 {
            return invalid(what, format!("{v:#x} bytes is not a size the kernel's build could have"));
        }
    }
    if m.build.reserve_low > ISA_END_ADDRESS {
        return invalid("reserve_low", format!("{:#x} is above 1 MiB", m.build.reserve_low));
    }
    Ok(())
}

/// Boots `machine` under `profile`: refuses what no boot loader could hand the kernel, then runs
/// the profile's phases: the series' list for 3.12 to 3.14 ([`crate::phases::setup_arch_phases`]),
/// Linux 6.1's own for 6.1 ([`crate::phases::linux_6_1::setup_arch::setup_arch`]).
///
/// # Errors
/// A malformed kernel image, an e820 map that is unusable after `trim_bios_range()` and `mem=`,
/// a kernel image outside RAM, a machine field no build could have, or (6.1) a machine whose boot
/// the model does not derive ([`BootError`]). A boot
/// the kernel itself would stop is not an error: it comes back with [`Boot::panic`] set.
pub fn setup_arch(machine: &Machine, profile: KernelProfile) -> Result<Boot, BootError> {
    let k = machine.kernel;
    if !(k.text < k.bss_stop && k.bss_stop <= k.end) {
        return Err(BootError::KernelMalformed { text: k.text, bss_stop: k.bss_stop, end: k.end });
    }
    check_machine(machine)?;
    let params = EarlyParams::parse(&machine.cmdline);
    let mut raw = movable_node::trim_bios_range(&machine.e820);
    if let Some(limit) = params.mem {
        raw = limit_ram(&raw, limit);
    }
    let e820 = E820Table::new(raw)?;
    let in_ram =
        e820.entries().iter().any(|e| e.kind.is_memblock_memory() && e.addr <= k.text && k.bss_stop <= e.end());
    if !in_ram {
        return Err(BootError::KernelOutsideRam { start: k.text, end: k.bss_stop - 1 });
    }
    let mut banner = vec![
        format!("Linux version {} (bootsim model)", profile.name()),
        format!("Command line: {}", machine.cmdline),
        "e820: BIOS-provided physical RAM map:".to_string(),
    ];
    for e in &machine.e820 {
        banner.push(format!("BIOS-e820: [mem {:#018x}-{:#018x}] {}", e.addr, e.end() - 1, kernel_type_name(e.kind)));
    }
    if profile == KernelProfile::Modern {
        // Linux 6.1's own phases (spec §H.5, §H.9), not the series' list under 6.1's rules.
        return Ok(crate::phases::linux_6_1::setup_arch::setup_arch(machine, params, e820, banner)?);
    }
    let mut mb = profile.memblock(k.end, false);
    let mut log = KernelLog::new(params.memblock_debug, mb.log().format());
    for line in banner {
        log.k(line);
    }
    mb.log_mut().set_trace(true);
    mb.log_mut().set_debug(params.memblock_debug);
    let boot = Boot::new(machine.clone(), profile, params, e820, mb, MovableNode::Absent);
    let state = BootState { boot, log, max_pfn: 0, max_low_pfn: 0, pgt_buf_base: 0, srat_parsed: None };
    Ok(phases::run(state, &phases::setup_arch_phases(profile)))
}
