//! `bootsim`'s boot of a machine under the 6.1 profile: Linux 6.1's own phases ([`boot_6_1`])
//! run on the facts of the machine's description ([`machine_facts`], each value no input gave
//! assumed and listed), and the prediction laid out as the [`Boot`] every report draws: the
//! steps, the kernel's lines, memblock, NUMA, the crash kernel, the direct map, the zones and
//! the hot-remove verdicts.

use std::fmt::Write as _;

use movable_node::memblock_bottomup::Label;
use movable_node::param::{MovableNode, last_param};
use movable_node::verdict::labelled_reservations;
use movable_node::{E820Table, KernelProfile};

use super::boot::{Prediction, Stopped, boot_6_1};
use super::kernel_lines::{early_node_ranges, movable_starts, node_spans, zone_ranges};
use super::machine_facts::{MachineFacts, WhenMissing, machine_facts};
use super::numa::SratBlock;
use super::{Build6_1, KernelSymbols, PhaseError, PhaseOp, PhaseOps};
use crate::machine::Machine;
use crate::params::EarlyParams;
use crate::phases::state::{Boot, Step};
use crate::phases::zones::hot_remove_verdicts;

/// The build the sizes come from, said first among the assumptions.
const BUILD_PROFILE: &str = "the Debian 6.1 amd64 build (spec §H.9.1: its brk page-table buffer, trampoline, \
                             pg_data_t, mem_section, percpu and swiotlb sizes; bootsim predict lists each)";

/// Why a machine's 6.1 boot is not modelled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Linux 6.1's boot of this machine is not derived: {0}")]
pub struct NotDerived(pub String);

/// The kernel image's symbols as the machine places it: `early_reserve_memory()` keeps
/// `[_text, __bss_stop)`, the brk follows, `_end` ends it.
fn symbols(machine: &Machine) -> KernelSymbols {
    let k = machine.kernel;
    KernelSymbols { text: k.text, end_of_kernel_reserve: k.bss_stop, brk_base: k.bss_stop, end: k.end }
}

/// Boots `machine` through Linux 6.1's phases with the Debian build profile. `params`, `e820`
/// and `banner` (the first lines of the log) are those `setup_arch()` read before memblock.
///
/// # Errors
/// [`NotDerived`] for a machine whose 6.1 boot the model does not derive (a `mem=` command line,
/// an SRAT that does not parse, more CPUs than the build has, a case spec §H.9.3 leaves out). A
/// boot the kernel would stop (memblock finds no room where it must) comes back with
/// [`Boot::panic`] set.
pub fn setup_arch(
    machine: &Machine,
    params: EarlyParams,
    e820: E820Table,
    banner: Vec<String>,
) -> Result<Boot, NotDerived> {
    let mut build = Build6_1::DEBIAN_6_1_AMD64;
    let MachineFacts { facts, mut assumed } =
        machine_facts(machine, &build, WhenMissing::Assume).map_err(|e| NotDerived(e.to_string()))?;
    let cpus = facts.possible_cpus.unwrap_or(1);
    if cpus > build.spp_getpage_checked_cpus {
        // Spec §H.9.3: the CPU-entry-area tables were seen for up to 4 CPUs; more may need more.
        assumed.push(format!(
            "spp_getpage: {} page-table pages for {cpus} CPUs, as seen for up to {} (more CPUs may take more; spec \
             §H.9.3)",
            build.spp_getpage_pages, build.spp_getpage_checked_cpus
        ));
        build.spp_getpage_checked_cpus = cpus;
    }
    let movable_node = if last_param(machine.cmdline.as_bytes(), "movable_node").is_some() {
        MovableNode::Enabled
    } else {
        MovableNode::Absent
    };
    let debug = params.memblock_debug;
    let boot = |memblock| {
        let mut b = Boot::new(machine.clone(), KernelProfile::Modern, params, e820, memblock, movable_node);
        b.log = banner;
        b.warnings = std::iter::once(BUILD_PROFILE)
            .chain(assumed.iter().map(String::as_str))
            .map(|a| format!("assumed: {a}"))
            .collect();
        b
    };
    let p = match boot_6_1(&facts, &build, &symbols(machine)) {
        Ok(p) => p,
        Err(s) => {
            let Stopped { phases, error, memblock } = s;
            return stopped_boot(boot(*memblock), &phases, error, debug);
        }
    };
    let (steps, lines, callers) = (steps(&p.phases), kernel_log(&p, debug), callers(&p.phases));
    let Prediction { memblock, crash, zones, numa, direct_map, .. } = p;
    let mut boot = boot(memblock);
    boot.steps = steps;
    boot.log.extend(lines);
    let blocks = facts.srat_memory.iter().map(SratBlock::from);
    boot.hotplug = blocks.filter(|b| b.hotplug).map(|b| (b.nid, b.start, b.end)).collect();
    boot.reserved = labelled_reservations(boot.memblock.state(), boot.memblock.log().events());
    for r in boot.reserved.iter_mut().filter(|r| r.label.as_str() == "memblock_alloc_range_nid") {
        if let Ok(i) = callers.binary_search_by_key(&r.start, |c| c.0) {
            r.label = callers[i].1;
        }
    }
    boot.crash = Some(crash);
    boot.zones = Some(zones);
    boot.numa = Some(numa);
    boot.direct_map = Some(direct_map);
    hot_remove_verdicts(&mut boot, facts.max_pfn.unwrap_or_default());
    Ok(boot)
}

/// A boot that stopped in a phase: a panic where the kernel panics (or memblock refuses),
/// otherwise the case is not derived.
fn stopped_boot(mut boot: Boot, phases: &[PhaseOps], error: PhaseError, debug: bool) -> Result<Boot, NotDerived> {
    let panic = match &error {
        PhaseError::KernelPanics { .. } | PhaseError::Memblock { .. } => error.to_string(),
        e => return Err(NotDerived(e.to_string())),
    };
    boot.steps = steps(phases);
    if debug {
        boot.log.extend(phases.iter().flat_map(|ph| ph.ops.iter().flat_map(PhaseOp::kernel_lines)));
    }
    boot.log.push(format!("Kernel panic - not syncing: {panic}"));
    boot.reserved = labelled_reservations(boot.memblock.state(), boot.memblock.log().events());
    boot.panic = Some(panic);
    Ok(boot)
}

/// Where each answered request landed and who asked (its `%pS` caller), by address: the owner
/// shown for a reservation the mapping layer's allocations leave under memblock's own name
/// (`memblock_reserve: … memblock_alloc_range_nid`).
fn callers(phases: &[PhaseOps]) -> Vec<(u64, Label)> {
    let mut out: Vec<(u64, Label)> = phases
        .iter()
        .flat_map(|ph| &ph.ops)
        .filter_map(|op| match op {
            PhaseOp::Request(r) => r.answer.map(|at| (at, r.caller)),
            _ => None,
        })
        .collect();
    out.sort_by_key(|c| c.0);
    out
}

/// One step per phase, saying what it did to memblock.
fn steps(phases: &[PhaseOps]) -> Vec<Step> {
    phases.iter().filter(|ph| !ph.ops.is_empty()).map(|ph| Step { name: ph.phase, note: note(&ph.ops) }).collect()
}

/// What a phase did: each operation with its owner and range when there are a few
/// (`kernel image [0x1000000-0x43fffff], first 64 KiB [0x0-0xffff]`), else the counts with the
/// places of up to three allocations (`17 allocations; 4 frees`).
fn note(ops: &[PhaseOp]) -> String {
    let range = |base: u64, size: u64| format!("[{base:#x}-{:#x}]", base.saturating_add(size).saturating_sub(1));
    if ops.len() <= 4 {
        let each = ops.iter().map(|op| match op {
            PhaseOp::Request(r) => match r.answer {
                Some(at) => format!("{} {}", r.caller, range(at, r.size)),
                None => format!("{} {:#x} bytes: no room", r.caller, r.size),
            },
            PhaseOp::Reserve { caller, base, size } => format!("{caller} {}", range(*base, *size)),
            PhaseOp::Silent { what, base, size } => format!("{what} {}", range(*base, *size)),
            PhaseOp::Free { base, size, .. } => format!("freed {}", range(*base, *size)),
            PhaseOp::Add { base, size, .. } => format!("memory {}", range(*base, *size)),
        });
        return each.collect::<Vec<_>>().join(", ");
    }
    let (mut found, mut failed, mut reserved, mut freed, mut added) = (Vec::new(), 0, 0, 0, 0);
    for op in ops {
        match op {
            PhaseOp::Request(r) => match r.answer {
                Some(at) => found.push(range(at, r.size)),
                None => failed += 1,
            },
            PhaseOp::Reserve { .. } | PhaseOp::Silent { .. } => reserved += 1,
            PhaseOp::Free { .. } => freed += 1,
            PhaseOp::Add { .. } => added += 1,
        }
    }
    let plural = |n: usize, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
    let mut parts = Vec::new();
    if !found.is_empty() {
        let mut s = plural(found.len(), "allocation");
        if found.len() <= 3 {
            let _ = write!(s, " {}", found.join(", "));
        }
        parts.push(s);
    }
    for (n, what) in [(failed, "failed request"), (reserved, "reservation"), (freed, "free"), (added, "add")] {
        if n > 0 {
            parts.push(plural(n, what));
        }
    }
    parts.join("; ")
}

/// The lines the kernel prints of its early boot: the last_pfn lines, memblock's own (under
/// `memblock=debug`), `NODE_DATA`, the crash kernel and the zones.
fn kernel_log(p: &Prediction, debug: bool) -> Vec<String> {
    let mut out = Vec::new();
    if debug {
        out.extend(p.trace_lines());
    }
    out.extend(p.node_data_lines());
    out.extend(p.crash_messages.iter().cloned());
    out.push("Zone ranges:".to_string());
    out.extend(zone_ranges(&p.zones));
    out.push("Movable zone start for each node".to_string());
    out.extend(movable_starts(&p.zones));
    out.push("Early memory node ranges".to_string());
    out.extend(early_node_ranges(&p.zones));
    out.extend(node_spans(&p.zones));
    out
}
