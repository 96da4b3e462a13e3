//! `setup_arch()` on x86-64, condensed to the steps that touch memblock, in the kernel's
//! order, for one kernel profile: where every early allocation lands, where the crash kernel
//! goes, how NUMA and the zones come out, and what pins each hotpluggable node.

use movable_node::acpi_srat::{MessageStyle, NumaConfig, SratTable};
use movable_node::crashkernel::{
    CrashKernel, CrashParams, Error as CrashError, Grammar, Profile as MemparseProfile, Variant as CrashVariant,
    initmem_init, reserve_crashkernel, reserve_crashkernel_6_1, reserve_crashkernel_before_srat,
};
use movable_node::memblock_bottomup::{BottomUp, Event, Nid, PAGE_SIZE, SeriesMemblock, TraceFormat, page_align};
use movable_node::numa::{NumaEvent, NumaParams, NumaState, x86_numa_init};
use movable_node::param::{MovableNode, cmdline_parse_movable_node};
use movable_node::verdict::{Labelled, NodeVerdict, hotplug_verdicts, labelled_reservations};
use movable_node::zones::{ZoneLayout, ZoneParams, free_area_init_nodes};
use movable_node::{
    DirectMap, E820Table, INIT_PGT_BUF_SIZE, ISA_END_ADDRESS, KernelProfile, MapEvent, MappingSetup, SeriesWalk,
    SratNuma, limit_ram,
};

use crate::blocks::{MemoryBlocks, memory_blocks};
use crate::input::kernel_type_name;
use crate::machine::Machine;
use crate::params::EarlyParams;

/// A step of `setup_arch()` and what it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The kernel function.
    pub name: &'static str,
    /// What happened, in a few words.
    pub note: String,
}

/// The result of one boot.
#[derive(Debug, Clone)]
pub struct Boot {
    /// The machine.
    pub machine: Machine,
    /// The kernel profile.
    pub profile: KernelProfile,
    /// The early parameters.
    pub params: EarlyParams,
    /// The e820 map after `trim_bios_range()` and `mem=`.
    pub e820: E820Table,
    /// memblock at the end.
    pub memblock: SeriesMemblock,
    /// The direct mapping.
    pub direct_map: Option<DirectMap>,
    /// `movable_node`'s handler.
    pub movable_node: MovableNode,
    /// The crash kernel.
    pub crash: Option<Result<Option<CrashKernel>, CrashError>>,
    /// NUMA set-up.
    pub numa: Option<NumaState>,
    /// Whether memblock was bottom-up right after NUMA init.
    pub bottom_up_after_numa: bool,
    /// SRAT's hotpluggable ranges `(node, start, end)`.
    pub hotplug: Vec<(Nid, u64, u64)>,
    /// Zones.
    pub zones: Option<ZoneLayout>,
    /// Reserved ranges by owner at the end of early boot.
    pub reserved: Vec<Labelled>,
    /// Per-node hot-remove verdicts.
    pub verdicts: Vec<NodeVerdict>,
    /// Memory blocks as `/sys/devices/system/memory` will show them.
    pub blocks: Option<MemoryBlocks>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// The kernel-style log.
    pub log: Vec<String>,
    /// Warnings (the kernel's `WARN`s and the model's notes).
    pub warnings: Vec<String>,
    /// The kernel's panic message, if the boot stopped.
    pub panic: Option<String>,
}

impl Boot {
    /// A boot of `machine` that has its inputs (profile, early parameters, e820 map, memblock,
    /// `movable_node`) and nothing yet of what `setup_arch()` goes on to build: no page tables,
    /// NUMA, crash kernel, zones, reservations, verdicts, steps or log. The prediction fills it as
    /// it boots; the replay fills it from the log's final state.
    pub fn new(
        machine: Machine,
        profile: KernelProfile,
        params: EarlyParams,
        e820: E820Table,
        memblock: SeriesMemblock,
        movable_node: MovableNode,
    ) -> Self {
        Boot {
            machine,
            profile,
            params,
            e820,
            memblock,
            direct_map: None,
            movable_node,
            crash: None,
            numa: None,
            bottom_up_after_numa: false,
            hotplug: Vec::new(),
            zones: None,
            reserved: Vec::new(),
            verdicts: Vec::new(),
            blocks: None,
            steps: Vec::new(),
            log: Vec::new(),
            warnings: Vec::new(),
            panic: None,
        }
    }
}

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

struct Logger {
    lines: Vec<String>,
    warnings: Vec<String>,
    mb_seen: usize,
    debug: bool,
    /// The profile's `memblock=debug` format (3.14 prints inclusive ends and flags).
    trace: TraceFormat,
}

impl Logger {
    fn k(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    fn memblock_event(&mut self, ev: &Event) {
        match ev {
            Event::Warn(w) => {
                self.warnings.push(w.kernel_text().to_string());
                self.lines.push(format!("WARNING: {w}"));
            }
            ev if !ev.is_debug() => self.lines.push(ev.to_string()),
            ev if self.debug => self.lines.push(ev.kernel_line(self.trace, None).to_string()),
            _ => {}
        }
    }

    /// memblock's events since the last call.
    fn memblock(&mut self, mb: &SeriesMemblock) {
        let new: Vec<Event> = mb.log().events().get(self.mb_seen..).unwrap_or_default().to_vec();
        for ev in &new {
            self.memblock_event(ev);
        }
        self.mb_seen = mb.log().events().len();
    }
}

/// Boots `machine` under `profile`.
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
    let trace = profile.memblock(k.end, false).log().format();
    let mut lg = Logger { lines: Vec::new(), warnings: Vec::new(), mb_seen: 0, debug: params.memblock_debug, trace };
    lg.k(format!("Linux version {} (bootsim model)", profile.name()));
    lg.k(format!("Command line: {}", machine.cmdline));
    lg.k("e820: BIOS-provided physical RAM map:");
    for e in &machine.e820 {
        lg.k(format!("BIOS-e820: [mem {:#018x}-{:#018x}] {}", e.addr, e.end() - 1, kernel_type_name(e.kind)));
    }
    let mut steps = Vec::new();
    let mut step = |name: &'static str, note: String| steps.push(Step { name, note });

    let mut mb = profile.memblock(k.end, false);
    mb.log_mut().set_trace(true);
    mb.log_mut().set_debug(params.memblock_debug);
    // Before setup_arch(): the kernel image and the EBDA (head64.c).
    let _ = mb.reserve_as(k.text, k.bss_stop - k.text, "kernel image");
    let ebda = machine.build.ebda_start.min(ISA_END_ADDRESS);
    let _ = mb.reserve_as(ebda, ISA_END_ADDRESS - ebda, "reserve_ebda_region");
    step("memblock_reserve", format!("kernel image [{:#x}-{:#x}], EBDA [{ebda:#x}-0xfffff]", k.text, k.bss_stop - 1));
    if let Some((s, e)) = machine.initrd {
        let _ = mb.reserve_as(s, page_align(e) - s, "early_reserve_initrd");
        step("early_reserve_initrd", format!("[{s:#x}-{:#x}]", page_align(e) - 1));
    }
    // parse_early_param().
    let movable_node =
        cmdline_parse_movable_node(&mut mb, machine.cmdline.as_bytes(), profile, machine.build.config_movable_node);
    if let Some(w) = movable_node.warning() {
        lg.k(w);
        lg.warnings.push(w.into());
    }
    step("parse_early_param", format!("movable_node: {movable_node:?}, bottom-up: {}", mb.bottom_up()));
    // memblock=debug takes effect here: what was reserved before it is silent in the kernel's
    // log (the report still has it).
    lg.mb_seen = mb.log().events().len();
    let (max_pfn, line) = e820.end_of_ram_pfn();
    lg.k(line.to_string());
    let max_low_pfn = if max_pfn > 1 << 20 {
        let (low, line) = e820.end_of_low_ram_pfn();
        lg.k(line.to_string());
        low
    } else {
        max_pfn
    };
    // early_alloc_pgt_buf() and reserve_brk().
    let brk_start = page_align(k.bss_stop);
    let pgt_buf_base = page_align(brk_start + machine.build.brk_used);
    let brk_end = pgt_buf_base + INIT_PGT_BUF_SIZE;
    let _ = mb.reserve_as(brk_start, brk_end - brk_start, "reserve_brk");
    step("reserve_brk", format!("[{brk_start:#x}-{:#x}], page-table buffer at {pgt_buf_base:#x}", brk_end - 1));
    mb.set_current_limit(ISA_END_ADDRESS);
    lg.memblock(&mb);
    let _ = e820.fill_memblock(&mut mb);
    step("memblock_x86_fill", format!("{} memory regions, {:#x} bytes", mb.memory().cnt(), mb.phys_mem_size()));
    lg.memblock(&mb);
    if params.memblock_debug {
        for line in mb.dump_all().to_string().lines() {
            lg.k(line);
        }
    }
    lg.memblock(&mb);

    let mut boot =
        Boot::new(machine.clone(), profile, params.clone(), e820.clone(), SeriesMemblock::series(0), movable_node);
    let finish = |mut boot: Boot, mb: SeriesMemblock, mut lg: Logger, steps: Vec<Step>| {
        lg.memblock(&mb);
        boot.reserved = labelled_reservations(mb.state(), mb.log().events());
        boot.memblock = mb;
        boot.steps = steps;
        boot.log = lg.lines;
        boot.warnings = lg.warnings;
        boot
    };

    // reserve_real_mode().
    let realmode = page_align(machine.build.realmode_size);
    match mb.with_caller("reserve_real_mode", |mb| mb.find_in_range(0, ISA_END_ADDRESS, realmode, PAGE_SIZE)) {
        Some(at) => {
            let _ = mb.reserve_as(at, realmode, "reserve_real_mode");
            step("reserve_real_mode", format!("[{at:#x}-{:#x}]", at + realmode - 1));
        }
        None => {
            boot.panic = Some("Cannot allocate trampoline".into());
            lg.k("Kernel panic - not syncing: Cannot allocate trampoline");
            return Ok(finish(boot, mb, lg, steps));
        }
    }
    let _ = mb.reserve_as(0, machine.build.reserve_low, "trim_low_memory_range");
    step("trim_low_memory_range", format!("{:#x} bytes at 0", machine.build.reserve_low));
    lg.memblock(&mb);

    // init_mem_mapping().
    let mut dm = DirectMap::new(MappingSetup {
        e820: e820.clone(),
        cpu: machine.cpu,
        direct_gbpages: params.gbpages.unwrap_or(true),
        pgt_buf_base,
        max_pfn,
        max_low_pfn,
    });
    let mapped = dm.init_mem_mapping(&mut mb, &mut SeriesWalk);
    for ev in dm.events() {
        match ev {
            MapEvent::Memblock(ev) => lg.memblock_event(ev),
            MapEvent::PageTable { .. } => {}
            ev => lg.k(ev.to_string()),
        }
    }
    lg.mb_seen = mb.log().events().len();
    let tables = dm.pgt_pages().len();
    step("init_mem_mapping", format!("{tables} page-table pages, max_pfn_mapped {:#x}", dm.max_pfn_mapped()));
    if let Err(e) = mapped {
        // 3.13.11's truncated table address that is not RAM: the kernel faults, it does not
        // panic with a message.
        if matches!(e, movable_node::x86_mm_bottomup::x86_mm_mapping::Error::ClearPageFault { .. }) {
            boot.panic = Some(format!("FAULT: {e}"));
            lg.k(format!("FAULT: {e}"));
        } else {
            boot.panic = Some(e.to_string());
            lg.k(format!("Kernel panic - not syncing: {e}"));
        }
        boot.direct_map = Some(dm);
        return Ok(finish(boot, mb, lg, steps));
    }
    mb.set_current_limit(dm.max_pfn_mapped() << 12);
    step("memblock_set_current_limit", format!("{:#x}", dm.max_pfn_mapped() << 12));

    // dma_contiguous_reserve(0): a CMA area on any node below current_limit, 4 MiB aligned.
    if let Some(size) = params.cma.filter(|&s| s > 0) {
        let at = mb.with_caller("dma_contiguous_reserve", |mb| mb.alloc_base_nopanic(size, 4 << 20, 0));
        step("dma_contiguous_reserve", at.map_or("no room".into(), |a| format!("[{a:#x}-{:#x}]", a + size - 1)));
    }
    // setup_log_buf(1): only log_buf_len= above the built-in buffer allocates.
    if let Some(len) = params.log_buf_len.filter(|&l| l > machine.build.log_buf_len) {
        match mb.with_caller("setup_log_buf", |mb| mb.alloc(len, PAGE_SIZE)) {
            Ok(a) => step("setup_log_buf", format!("[{a:#x}-{:#x}]", a + len - 1)),
            Err(e) => {
                boot.panic = Some(e.to_string());
                lg.memblock(&mb);
                lg.k(format!("Kernel panic - not syncing: {e}"));
                boot.direct_map = Some(dm);
                return Ok(finish(boot, mb, lg, steps));
            }
        }
    }
    // reserve_initrd(): relocated when the bootloader put it outside the mapping.
    if let Some((s, e)) = machine.initrd {
        let end = page_align(e);
        lg.k(format!("RAMDISK: [mem {s:#010x}-{:#010x}]", end - 1));
        if dm.pfn_range_is_mapped(s >> 12, end >> 12) {
            step("reserve_initrd", "in place".into());
        } else {
            let size = page_align(e - s);
            let limit = dm.max_pfn_mapped() << 12;
            match mb.with_caller("relocate_initrd", |mb| mb.find_in_range(0, limit, size, PAGE_SIZE)) {
                Some(here) => {
                    let _ = mb.reserve_as(here, size, "relocate_initrd");
                    lg.k(format!("Allocated new RAMDISK: [mem {here:#010x}-{:#010x}]", here + (e - s) - 1));
                    let _ = mb.free_as(s, end - s, "reserve_initrd");
                    step("reserve_initrd", format!("relocated to [{here:#x}-{:#x}]", here + size - 1));
                }
                None => {
                    let msg = format!("Cannot find place for new RAMDISK of size {}", e - s);
                    boot.panic = Some(msg.clone());
                    lg.k(format!("Kernel panic - not syncing: {msg}"));
                    boot.direct_map = Some(dm);
                    return Ok(finish(boot, mb, lg, steps));
                }
            }
        }
    }
    lg.memblock(&mb);

    let crash_params = CrashParams {
        cmdline: machine.cmdline.as_bytes(),
        swiotlb_nslabs: params.swiotlb_nslabs,
        profile: if profile == KernelProfile::Modern { MemparseProfile::Modern } else { MemparseProfile::default() },
    };
    if !profile.has_series() {
        let r = reserve_crashkernel_before_srat(&mut mb, &crash_params);
        step("reserve_crashkernel", format!("3.12 position (before SRAT): {}", crash_note(&r)));
        lg.memblock(&mb);
        log_crash(&mut lg, &r);
        boot.crash = Some(r);
    }

    // initmem_init(): SRAT, NUMA, patch 6's reset.
    let mut srat_table = None;
    if let Some(bytes) = &machine.srat {
        match SratTable::from_bytes(bytes) {
            Ok(t) => srat_table = Some(t),
            Err(e) => {
                lg.warnings.push(format!("the SRAT could not be read ({e}); NUMA falls back to one node"));
            }
        }
    }
    let mut config = NumaConfig::linux_3_12();
    config.memory_hotplug = machine.build.memory_hotplug;
    if profile == KernelProfile::Modern {
        config.style = MessageStyle::Linux6_1;
    }
    let mut srat = SratNuma::new(srat_table, config);
    let numa_params = NumaParams {
        max_pfn,
        numa_off: params.numa_off,
        node_data_size: machine.build.node_data_size_for(profile),
        profile,
    };
    let (numa, after_srat) = initmem_init(&mut mb, |mb| x86_numa_init(mb, &numa_params, &mut [&mut srat]));
    for ev in &numa.events {
        match ev {
            NumaEvent::DirectionReset => {}
            NumaEvent::Memblock(ev) => lg.memblock_event(ev),
            ev => lg.k(ev.to_string()),
        }
    }
    lg.mb_seen = mb.log().events().len();
    let bottom_up_after_numa = mb.bottom_up();
    step(
        "initmem_init",
        format!("{} NUMA: {} node(s); bottom-up now {}", numa.method, numa.nodes.len(), bottom_up_after_numa),
    );
    boot.hotplug = srat.hotplug_ranges();
    if profile.has_series() {
        let r = match profile.crashkernel_variant() {
            CrashVariant::Series => {
                let r = reserve_crashkernel(&mut mb, &crash_params, &after_srat);
                lg.memblock(&mb);
                log_crash(&mut lg, &r);
                r
            }
            // 6.1 (spec H.5.2): low below 4 GiB, then high, the low part; its lines in its order.
            CrashVariant::Linux61 => {
                let out = reserve_crashkernel_6_1(&mut mb, &crash_params, &after_srat);
                lg.memblock(&mb);
                for m in out.steps.messages() {
                    lg.k(m.to_string());
                }
                out.result
            }
        };
        step("reserve_crashkernel", format!("after SRAT (patch 5): {}", crash_note(&r)));
        boot.crash = Some(r);
    }

    // sparse_init(): each node's struct page array, node-local from 16 MiB up, any node if not.
    sparse_init(&mut mb, &numa, &mut lg, &mut step);

    // paging_init() -> zone_sizes_init() -> free_area_init_nodes().
    let zp = ZoneParams {
        kernelcore: params.kernelcore,
        movablecore: params.movablecore,
        movable_node: movable_node == MovableNode::Enabled,
    };
    let zones = free_area_init_nodes(mb.state(), max_pfn, profile, zp);
    for line in zones.kernel_lines(profile) {
        lg.k(line);
    }
    step("free_area_init_nodes", format!("ZONE_MOVABLE on {} node(s)", zones.zone_movable_pfn.len()));

    boot.direct_map = Some(dm);
    boot.numa = Some(numa);
    boot.bottom_up_after_numa = bottom_up_after_numa;
    let mut boot = finish(boot, mb, lg, steps);
    boot.verdicts = hotplug_verdicts(boot.memblock.state(), &boot.hotplug, &boot.reserved, &zones);
    boot.blocks = Some(memory_blocks(&boot, &zones, max_pfn));
    boot.zones = Some(zones);
    Ok(boot)
}

fn crash_note(r: &Result<Option<CrashKernel>, CrashError>) -> String {
    match r {
        Ok(Some(ck)) => format!("[{:#x}-{:#x}]", ck.base, ck.base + ck.size - 1),
        Ok(None) => "not requested".into(),
        Err(e) => e.to_string(),
    }
}

fn log_crash(lg: &mut Logger, r: &Result<Option<CrashKernel>, CrashError>) {
    match r {
        Ok(Some(ck)) => {
            // The plain form's failure, where the kernel printed one (a missing option is silent).
            if let Some(m) = ck.ignored.and_then(|e| e.message(Grammar::Linux312)) {
                lg.k(m.to_string());
            }
            lg.k(ck.to_string());
            match ck.low {
                Some(movable_node::crashkernel::LowOutcome::Reserved(low)) => lg.k(low.to_string()),
                Some(movable_node::crashkernel::LowOutcome::Failed { user_specified: true, .. }) => {
                    lg.k("crashkernel low reservation failed - No suitable area found.")
                }
                _ => {}
            }
        }
        Ok(None) => {}
        Err(e) => lg.k(e.to_string()),
    }
}

/// `sparse_init()` (movable-node's), with its steps and log lines.
fn sparse_init(
    mb: &mut SeriesMemblock,
    numa: &NumaState,
    lg: &mut Logger,
    step: &mut impl FnMut(&'static str, String),
) {
    for m in movable_node::sparse::sparse_init(mb, &numa.nodes) {
        step(
            "sparse_init",
            match m.at {
                Some(a) => format!("node {} mem_map [{a:#x}-{:#x}] ({} sections)", m.nid, a + m.size - 1, m.sections),
                None => format!("node {}: no room for mem_map of {:#x} bytes", m.nid, m.size),
            },
        );
    }
    lg.memblock(mb);
}
