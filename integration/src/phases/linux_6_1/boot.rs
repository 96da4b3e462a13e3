//! The whole early boot of Linux 6.1 (spec §H.5, §H.9.2 steps 1–12) in the kernel's order,
//! predicted from a plain dmesg ([`PlainFacts`]), the kernel's symbols and the build profile:
//! every memblock operation under the phase that made it, the two `MEMBLOCK configuration`
//! dumps, `NODE_DATA`, the crash kernel and the zones.

use movable_node::crashkernel::{CrashKernel, Error as CrashError, initmem_init as after_initmem_init};
use movable_node::memblock_bottomup::{BottomUp, MAX_NUMNODES, NUMA_NO_NODE, Nid, RegionKind, SeriesMemblock};
use movable_node::numa::NumaState;
use movable_node::param::last_param;
use movable_node::zones::{ZoneLayout, ZoneParams, free_area_init_nodes};
use movable_node::{DirectMap, KernelProfile, memparse};

use super::early::{e820_memblock_setup, early_reserve_memory, reserve_brk, reserve_initrd, reserve_real_mode};
use super::{
    Build6_1, KernelSymbols, PhaseError, PhaseOps, PlainFacts, acpi_reserve_initial_tables, acpi_table_upgrade, crash,
    mapping, numa, paging_init_to_setup_arch_end, start_kernel_early,
};

/// One row of a `MEMBLOCK configuration` dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DumpRow {
    /// First byte.
    pub base: u64,
    /// Bytes.
    pub size: u64,
    /// ` on node %d` (none for `MAX_NUMNODES`).
    pub nid: Option<i32>,
    /// `flags: %#x`.
    pub flags: u64,
}

/// `__memblock_dump_all()`: memblock as a dump prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dump {
    /// The phase it follows.
    pub after: &'static str,
    /// `memory size`.
    pub memory_size: u64,
    /// `reserved size`.
    pub reserved_size: u64,
    /// `memory.cnt` and `reserved.cnt` (1 for an empty array: memblock keeps one empty entry).
    pub cnt: [usize; 2],
    /// `memory[…]` rows.
    pub memory: Vec<DumpRow>,
    /// `reserved[…]` rows.
    pub reserved: Vec<DumpRow>,
}

impl Dump {
    fn of(mb: &SeriesMemblock, after: &'static str) -> Dump {
        let st = mb.state();
        let rows = |kind| {
            st.region_type(kind)
                .regions()
                .iter()
                .map(|r| DumpRow {
                    base: r.base,
                    size: r.size,
                    nid: (r.nid != NUMA_NO_NODE && r.nid != MAX_NUMNODES).then_some(r.nid),
                    flags: u64::from(r.flags.bits()),
                })
                .collect()
        };
        Dump {
            after,
            memory_size: st.memory().total_size(),
            reserved_size: st.reserved().total_size(),
            cnt: [st.memory().cnt(), st.reserved().cnt()],
            memory: rows(RegionKind::Memory),
            reserved: rows(RegionKind::Reserved),
        }
    }

    /// The lines the kernel prints (6.1's format).
    pub fn kernel_lines(&self) -> Vec<String> {
        let mut out = vec![
            "MEMBLOCK configuration:".to_string(),
            format!(" memory size = {:#018x} reserved size = {:#018x}", self.memory_size, self.reserved_size),
        ];
        // An empty array still holds its one zero-sized entry, printed as ending at 2^64 - 1.
        let dummy = [DumpRow { base: 0, size: 0, nid: None, flags: 0 }];
        for (k, (name, rows)) in [("memory", &self.memory), ("reserved", &self.reserved)].into_iter().enumerate() {
            out.push(format!(" {name}.cnt  = {:#x}", self.cnt[k]));
            let rows: &[DumpRow] = if rows.is_empty() { &dummy } else { rows };
            for (i, r) in rows.iter().enumerate() {
                let node = r.nid.map_or(String::new(), |n| format!(" on node {n}"));
                out.push(format!(
                    " {name}[{i:#x}]\t[{:#018x}-{:#018x}], {:#018x} bytes{node} flags: {:#x}",
                    r.base,
                    r.base.wrapping_add(r.size).wrapping_sub(1),
                    r.size,
                    r.flags
                ));
            }
        }
        out
    }
}

/// A predicted boot.
#[derive(Debug)]
pub struct Prediction {
    /// Every phase's operations, in the kernel's order.
    pub phases: Vec<PhaseOps>,
    /// The dumps: after `e820__memblock_setup()`, and after NUMA init.
    pub dumps: Vec<Dump>,
    /// `NODE_DATA(n)`: node, address, the other node that holds it.
    pub node_data: Vec<(Nid, u64, Option<Nid>)>,
    /// The crash kernel.
    pub crash: Result<Option<CrashKernel>, CrashError>,
    /// The crash kernel's lines.
    pub crash_messages: Vec<String>,
    /// `free_area_init()`: zones and the movable zone starts.
    pub zones: ZoneLayout,
    /// memblock at the end.
    pub memblock: SeriesMemblock,
    /// NUMA init's account (method, node blocks, nodes).
    pub numa: NumaState,
    /// The direct map `init_mem_mapping()` built.
    pub direct_map: DirectMap,
}

/// A boot that stopped: the phases that ran, memblock as they left it, and why the next one
/// could not.
#[derive(Debug)]
pub struct Stopped {
    /// What ran.
    pub phases: Vec<PhaseOps>,
    /// Why it stopped.
    pub error: PhaseError,
    /// memblock when it stopped (boxed: a stopped boot is the rare case).
    pub memblock: Box<SeriesMemblock>,
}

/// `kernelcore=`, `movablecore=` and `movable_node` as `find_zone_movable_pfns_for_nodes()`
/// reads them (`mirror` and percentages are not sizes).
pub fn zone_params(command_line: &str, movable_node: bool) -> ZoneParams {
    let size = |name: &str| -> u64 {
        match last_param(command_line.as_bytes(), name).flatten() {
            Some(v) if v != b"mirror" && !v.ends_with(b"%") => memparse(v).0,
            _ => 0,
        }
    };
    ZoneParams { kernelcore: size("kernelcore"), movablecore: size("movablecore"), movable_node }
}

struct Run {
    phases: Vec<PhaseOps>,
}

impl Run {
    fn keep(&mut self, phase: &'static str, ops: Result<Vec<super::PhaseOp>, PhaseError>) -> Result<(), PhaseError> {
        self.phases.push(PhaseOps { phase, ops: ops? });
        Ok(())
    }
}

/// Runs 6.1's early boot from `facts` with `kernel`'s symbols and `build`'s sizes, in the
/// kernel's order: steps 1–5, `reserve_initrd()`, 6–7, NUMA (8), the crash kernel (9), then
/// `paging_init()` to the end of `setup_arch()` (10–11), `start_kernel()` (12) and the zones.
///
/// # Errors
/// [`Stopped`] with the phases that ran and the [`PhaseError`] of the one that could not.
pub fn boot_6_1(facts: &PlainFacts, build: &Build6_1, kernel: &KernelSymbols) -> Result<Prediction, Stopped> {
    let mut run = Run { phases: Vec::new() };
    let command_line = facts.command_line.as_deref().unwrap_or("");
    let movable_node = last_param(command_line.as_bytes(), "movable_node").is_some();
    let mut mb = KernelProfile::Modern.memblock(kernel.end, movable_node);
    match predict(&mut run, &mut mb, facts, build, kernel) {
        Ok(rest) => Ok(Prediction {
            phases: run.phases,
            dumps: rest.dumps,
            node_data: rest.node_data,
            crash: rest.crash,
            crash_messages: rest.crash_messages,
            zones: rest.zones,
            memblock: mb,
            numa: rest.numa,
            direct_map: rest.direct_map,
        }),
        Err(error) => Err(Stopped { phases: run.phases, error, memblock: Box::new(mb) }),
    }
}

/// What a prediction found besides its phases and memblock.
struct Rest {
    dumps: Vec<Dump>,
    node_data: Vec<(Nid, u64, Option<Nid>)>,
    crash: Result<Option<CrashKernel>, CrashError>,
    crash_messages: Vec<String>,
    zones: ZoneLayout,
    numa: NumaState,
    direct_map: DirectMap,
}

fn predict(
    run: &mut Run,
    mb: &mut SeriesMemblock,
    facts: &PlainFacts,
    build: &Build6_1,
    kernel: &KernelSymbols,
) -> Result<Rest, PhaseError> {
    let command_line = facts.command_line.as_deref().unwrap_or("");
    let movable_node = last_param(command_line.as_bytes(), "movable_node").is_some();
    // memblock=debug: the mapping walk reads the probe's free from memblock's own lines.
    mb.log_mut().set_trace(true);
    run.keep("early_reserve_memory", early_reserve_memory(mb, kernel, facts))?;
    // parse_early_param(): memblock=debug from here, and movable_node turns bottom-up on.
    mb.set_bottom_up(movable_node);
    run.keep("reserve_brk", reserve_brk(mb, build, kernel))?;
    run.keep("e820__memblock_setup", e820_memblock_setup(mb, build, facts))?;
    let mut dumps = vec![Dump::of(mb, "e820__memblock_setup")];
    run.keep("reserve_real_mode", reserve_real_mode(mb, build))?;
    let mapped = mapping::init_mem_mapping(mb, build, kernel, facts)?;
    run.keep("init_mem_mapping", Ok(mapped.ops))?;
    let dm = mapped.direct_map;
    run.keep("reserve_initrd", reserve_initrd(mb, facts, dm.max_pfn_mapped()))?;
    let upgrade = acpi_table_upgrade(mb, &facts.acpi_initrd_tables, dm.max_low_pfn_mapped());
    let copy = upgrade.as_ref().ok().and_then(|ops| {
        ops.iter().find_map(|op| match op {
            super::PhaseOp::Request(r) => r.answer,
            _ => None,
        })
    });
    run.keep("acpi_table_upgrade", upgrade)?;
    let facts = &facts.after_acpi_upgrade(copy);
    run.keep("acpi_reserve_initial_tables", acpi_reserve_initial_tables(mb, &facts.acpi_reservations))?;
    let max_pfn = facts.max_pfn.unwrap_or_default();
    let numa_off = last_param(command_line.as_bytes(), "numa").flatten() == Some(&b"off"[..]);
    let (numa, parsed) =
        after_initmem_init(mb, |mb| numa::initmem_init(mb, build, &facts.srat_memory, max_pfn, numa_off));
    run.keep("initmem_init", Ok(numa.ops))?;
    dumps.push(Dump::of(mb, "initmem_init"));
    let crash = crash::reserve_crashkernel(mb, command_line, &parsed);
    run.keep("reserve_crashkernel", Ok(crash.ops))?;
    let node_data: Vec<(Nid, u64)> = numa.node_data.iter().map(|&(n, at, _)| (n, at)).collect();
    run.phases.extend(paging_init_to_setup_arch_end(mb, build, facts, &node_data)?);
    // zone_sizes_init() reads memblock as NUMA init and the crash kernel left it.
    let zones =
        free_area_init_nodes(mb.state(), max_pfn, KernelProfile::Modern, zone_params(command_line, movable_node));
    let online: Vec<Nid> = node_data.iter().map(|&(n, _)| n).collect();
    run.phases.extend(start_kernel_early(mb, build, facts, &online)?);
    Ok(Rest {
        dumps,
        node_data: numa.node_data,
        crash: crash.result,
        crash_messages: crash.messages,
        zones,
        numa: numa.state,
        direct_map: dm,
    })
}
