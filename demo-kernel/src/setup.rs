//! `setup_arch()` of Linux 3.13 on x86-64, the steps that place memory, in the kernel's order
//! (the order `bootsim` models for the 3.13 profile, so that the two can be compared line by
//! line), on the machine QEMU really gave, with memblock's arrays and the page tables in real
//! RAM.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use movable_node::acpi_srat::{NumaConfig, SratTable};
use movable_node::crashkernel::{CrashKernel, CrashParams, LowOutcome, SratParsed, initmem_init, reserve_crashkernel};
use movable_node::memblock_bottomup::{
    BottomUp, Event, MAX_NUMNODES, Nid, PAGE_SIZE, Placement, SeriesMemblock, page_align,
};
use movable_node::numa::{NodeSetup, NumaEvent, NumaParams, NumaState, x86_numa_init};
use movable_node::param::{MovableNode, cmdline_parse_movable_node, last_param};
use movable_node::verdict::{Verdict, hotplug_verdicts, labelled_reservations};
use movable_node::zones::{ZoneLayout, ZoneParams, free_area_init_nodes};
use movable_node::{
    CpuFeatures, DirectMap, E820Table, INIT_PGT_BUF_SIZE, ISA_END_ADDRESS, KernelProfile, MapEvent, MappingSetup,
    PgtSource, SeriesWalk, SratNuma,
};

use crate::start_info::BootInfo;
use crate::{acpi, arrays, boot, kprintln, mapping};

/// The size of the real-mode trampoline 3.13 copies below 1 MiB (`reserve_real_mode()`); this
/// kernel starts no other CPU, but reserves the same, so its low memory is laid out as Linux's.
pub const REALMODE_SIZE: u64 = 0x6000;
/// `CONFIG_X86_RESERVE_LOW`: 64 KiB at 0 (`trim_low_memory_range()`).
pub const RESERVE_LOW: u64 = 0x1_0000;
/// BRK used before `early_alloc_pgt_buf()`: none, this kernel has no other BRK user.
pub const BRK_USED: u64 = 0;
/// `roundup(sizeof(pg_data_t), PAGE_SIZE)` of a 3.x x86-64 build with 64 nodes.
pub const NODE_DATA_SIZE: u64 = 0x15000;

unsafe extern "C" {
    static _text: u8;
    static __bss_stop: u8;
    static __brk_base: u8;
    static _end: u8;
}

/// What went wrong, for the verdict line.
pub type Failure = String;

/// The kernel's console with memblock's events printed as the kernel prints them.
struct Console {
    seen: usize,
    debug: bool,
    failures: Vec<Failure>,
}

impl Console {
    fn event(&mut self, ev: &Event) {
        match ev {
            Event::Warn(w) => kprintln!("WARNING: {w}"),
            ev if !ev.is_debug() || self.debug => kprintln!("{ev}"),
            _ => {}
        }
    }

    /// memblock's events since the last call.
    fn memblock<P: Placement>(&mut self, mb: &movable_node::memblock_bottomup::Memblock<P>) {
        for ev in mb.log().events().get(self.seen..).unwrap_or_default() {
            self.event(ev);
        }
        self.seen = mb.log().events().len();
    }

    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            let what = what();
            kprintln!("demo-kernel: CHECK FAILED: {what}");
            self.failures.push(what);
        }
    }
}

/// `reserve_ebda_region()` (3.13, `arch/x86/kernel/head.c`): where the memory the BIOS keeps
/// below 1 MiB starts. The smaller of the conventional-memory size (BIOS data area word 0x413,
/// in KiB) and the EBDA (segment at 0x40e), each taken as 0x9f000 when below 128 KiB (garbage),
/// and never above 0x9f000. On QEMU/SeaBIOS both are 0x9fc00, so it is 0x9f000.
fn ebda_start() -> u64 {
    const LOWMEM_CAP: u64 = 0x9_f000;
    const INSANE_CUTOFF: u64 = 0x2_0000;
    // SAFETY: the BIOS data area at 0x400, identity mapped, read-only here.
    let (lowmem_kib, ebda_seg) =
        unsafe { ((0x413 as *const u16).read_volatile(), (0x40e as *const u16).read_volatile()) };
    let sane = |v: u64| if v < INSANE_CUTOFF { LOWMEM_CAP } else { v };
    let lowmem = sane(u64::from(lowmem_kib) << 10);
    let ebda = sane(u64::from(ebda_seg) << 4);
    lowmem.min(ebda).min(LOWMEM_CAP)
}

fn cpu_features() -> (CpuFeatures, bool) {
    let (l1, ext) = (core::arch::x86_64::__cpuid(1), core::arch::x86_64::__cpuid(0x8000_0001));
    let cpu =
        CpuFeatures { pse: l1.edx & (1 << 3) != 0, pge: l1.edx & (1 << 13) != 0, gbpages: ext.edx & (1 << 26) != 0 };
    (cpu, ext.edx & (1 << 20) != 0)
}

fn flag(cmdline: &[u8], name: &str) -> bool {
    last_param(cmdline, name).is_some()
}

/// The kernel image's linker symbols (only their addresses are used).
#[derive(Clone, Copy)]
struct Image {
    text: u64,
    bss_stop: u64,
    brk_base: u64,
    end: u64,
}

impl Image {
    fn of_this_kernel() -> Self {
        Image {
            text: &raw const _text as u64,
            bss_stop: &raw const __bss_stop as u64,
            brk_base: &raw const __brk_base as u64,
            end: &raw const _end as u64,
        }
    }
}

/// What `setup_arch()` carries from step to step.
struct Setup<'a> {
    info: &'a BootInfo,
    cmdline: &'a [u8],
    profile: KernelProfile,
    con: Console,
    image: Image,
    cpu: CpuFeatures,
    nx: bool,
    e820: E820Table,
    mb: SeriesMemblock,
    movable: MovableNode,
    max_pfn: u64,
    max_low_pfn: u64,
    pgt_buf_base: u64,
}

/// Runs the boot; returns the failed checks (empty: every check passed).
pub fn setup_arch(info: &BootInfo) -> Vec<Failure> {
    let mut s = match Setup::start(info) {
        Ok(s) => s,
        Err(failures) => return failures,
    };
    s.reserve_brk_and_fill();
    s.reserve_real_mode();
    let Some(from_memblock) = s.init_mem_mapping() else { return s.con.failures };
    let (numa, after_srat, hotplug) = s.initmem_init();
    s.reserve_crashkernel(&after_srat);
    movable_node::sparse::sparse_init(&mut s.mb, &numa.nodes);
    s.con.memblock(&s.mb);
    // paging_init() -> free_area_init_nodes().
    let zp = ZoneParams { kernelcore: 0, movablecore: 0, movable_node: s.movable == MovableNode::Enabled };
    let zones = free_area_init_nodes(s.mb.state(), s.max_pfn, s.profile, zp);
    for line in zones.kernel_lines(s.profile) {
        kprintln!("{line}");
    }
    kprintln!("demo-kernel: end of setup_arch placements");
    s.hot_remove_verdicts(&numa.nodes, &hotplug, &zones, &from_memblock);
    array_doubling(&mut s.mb, &mut s.con);
    s.con.failures
}

impl<'a> Setup<'a> {
    /// The banner, the e820 map, memblock with this kernel's arrays, the image and the EBDA
    /// reserved, `parse_early_param()` and `max_pfn`; or the failures that stop the boot.
    fn start(info: &'a BootInfo) -> Result<Self, Vec<Failure>> {
        let profile = KernelProfile::V3_13;
        let cmdline = info.cmdline.as_bytes();
        let debug = matches!(last_param(cmdline, "memblock"), Some(Some(b"debug")));
        let mut con = Console { seen: 0, debug, failures: Vec::new() };
        let image = Image::of_this_kernel();
        let (cpu, nx) = cpu_features();
        kprintln!("Linux version 3.13 (demo-kernel, the movable_node series in Rust)");
        kprintln!("Command line: {}", info.cmdline);
        kprintln!("demo-kernel: image _text {:#x} __bss_stop {:#x} _end {:#x}", image.text, image.bss_stop, image.end);
        kprintln!(
            "demo-kernel: cpu pse={} pge={} gbpages={} nx={nx}; build realmode_size={REALMODE_SIZE:#x} brk_used={BRK_USED:#x} reserve_low={RESERVE_LOW:#x} node_data_size={NODE_DATA_SIZE:#x}",
            cpu.pse,
            cpu.pge,
            cpu.gbpages
        );
        kprintln!("e820: BIOS-provided physical RAM map:");
        for e in &info.e820 {
            kprintln!("BIOS-e820: [mem {:#018x}-{:#018x}] {}", e.addr, e.end() - 1, e.kind);
        }
        let e820 = match E820Table::new(movable_node::trim_bios_range(&info.e820)) {
            Ok(t) => t,
            Err(e) => {
                con.check(false, || format!("the e820 map is unusable: {e}"));
                return Err(con.failures);
            }
        };
        let (max_pfn, line) = e820.end_of_ram_pfn();
        if max_pfn << 12 > boot::BOOT_IDENTITY_GIB << 30 {
            con.check(false, || format!("RAM ends above the {} GiB this kernel maps at boot", boot::BOOT_IDENTITY_GIB));
            return Err(con.failures);
        }
        // Before setup_arch(): the image and the EBDA. memblock's arrays are this kernel's.
        let mut mb = profile.memblock(image.end, false);
        // SAFETY: called once; `arrays::phys_to_virt` is the identity map, which covers all RAM
        // (checked above) and stays loaded; memblock reserves every block it hands out.
        let provided = unsafe { mb.use_array_memory(arrays::take()) };
        con.check(provided, || "memblock refused the static region arrays".into());
        mb.log_mut().set_trace(true);
        mb.log_mut().set_debug(debug);
        let _ = mb.reserve_as(image.text, image.bss_stop - image.text, "kernel image");
        let ebda = ebda_start();
        let _ = mb.reserve_as(ebda, ISA_END_ADDRESS - ebda, "reserve_ebda_region");
        kprintln!("demo-kernel: EBDA starts at {ebda:#x} (reserve_ebda_region keeps [{ebda:#x}, 1 MiB))");
        // parse_early_param(): movable_node turns bottom-up on (patch 6).
        let movable = cmdline_parse_movable_node(&mut mb, cmdline, profile, true);
        if let Some(w) = movable.warning() {
            kprintln!("{w}");
        }
        // memblock=debug takes effect here: what came before is silent, as in the kernel.
        con.seen = mb.log().events().len();
        kprintln!("{line}");
        let max_low_pfn = if max_pfn > 1 << 20 {
            let (low, line) = e820.end_of_low_ram_pfn();
            kprintln!("{line}");
            low
        } else {
            max_pfn
        };
        Ok(Setup {
            info,
            cmdline,
            profile,
            con,
            image,
            cpu,
            nx,
            e820,
            mb,
            movable,
            max_pfn,
            max_low_pfn,
            pgt_buf_base: 0,
        })
    }

    /// `early_alloc_pgt_buf()`, `reserve_brk()` and `memblock_x86_fill()` (with its dump).
    fn reserve_brk_and_fill(&mut self) {
        let (image, mb, con) = (self.image, &mut self.mb, &mut self.con);
        let brk_start = page_align(image.bss_stop);
        con.check(brk_start == image.brk_base, || {
            format!("BRK starts at {:#x}, not at __bss_stop {brk_start:#x}", image.brk_base)
        });
        self.pgt_buf_base = page_align(brk_start + BRK_USED);
        let brk_end = self.pgt_buf_base + INIT_PGT_BUF_SIZE;
        con.check(brk_end <= image.end, || "BRK is too small for the page-table buffer".into());
        let _ = mb.reserve_as(brk_start, brk_end - brk_start, "reserve_brk");
        mb.set_current_limit(ISA_END_ADDRESS);
        con.memblock(mb);
        if let Err(e) = self.e820.fill_memblock(mb) {
            con.check(false, || format!("memblock_x86_fill: {e}"));
        }
        con.memblock(mb);
        if con.debug {
            // memblock_x86_fill() ends with memblock_dump_all().
            for line in format!("{}", mb.dump_all()).lines() {
                kprintln!("{line}");
            }
        }
    }

    /// `reserve_real_mode()` and `trim_low_memory_range()`.
    fn reserve_real_mode(&mut self) {
        let mb = &mut self.mb;
        match mb.with_caller("reserve_real_mode", |mb| mb.find_in_range(0, ISA_END_ADDRESS, REALMODE_SIZE, PAGE_SIZE)) {
            Some(at) => {
                let _ = mb.reserve_as(at, REALMODE_SIZE, "reserve_real_mode");
            }
            None => self.con.check(false, || "Cannot allocate trampoline".into()),
        }
        let _ = mb.reserve_as(0, RESERVE_LOW, "trim_low_memory_range");
        self.con.memblock(mb);
    }

    /// `init_mem_mapping()`: the tables laid out by x86-mm-bottomup, then written, loaded and
    /// checked (every mapping, and that holes fault). The page-table pages memblock gave, or
    /// `None` when the boot cannot go on.
    fn init_mem_mapping(&mut self) -> Option<Vec<u64>> {
        let (image, mb, con) = (self.image, &mut self.mb, &mut self.con);
        let mut dm = DirectMap::new(MappingSetup {
            e820: self.e820.clone(),
            cpu: self.cpu,
            direct_gbpages: !flag(self.cmdline, "nogbpages"),
            pgt_buf_base: self.pgt_buf_base,
            max_pfn: self.max_pfn,
            max_low_pfn: self.max_low_pfn,
        });
        let mapped = dm.init_mem_mapping(mb, &mut SeriesWalk);
        for ev in dm.events() {
            match ev {
                MapEvent::Memblock(ev) => con.event(ev),
                MapEvent::PageTable { .. } => {}
                ev => kprintln!("{ev}"),
            }
        }
        con.seen = mb.log().events().len();
        if let Err(e) = mapped {
            con.check(false, || format!("init_mem_mapping: {e}"));
            return None;
        }
        mb.set_current_limit(dm.max_pfn_mapped() << 12);
        let from_memblock: Vec<u64> =
            dm.pgt_pages().iter().filter(|p| p.source == PgtSource::Memblock).map(|p| p.pa).collect();
        for &pa in &from_memblock {
            con.check(mb.is_reserved(pa) && (pa >= image.end || pa + PAGE_SIZE <= image.text), || {
                format!("page-table page {pa:#x} is not reserved, or lies in the image")
            });
        }
        // SAFETY: every table page is BRK (in the image, reserved) or a memblock allocation
        // (reserved, checked above), below the identity map's end (install checks).
        match unsafe { mapping::install(&dm, self.nx) } {
            Ok(n) => kprintln!(
                "demo-kernel: CR3 loaded: {n} page-table pages ({} from BRK, {} from memblock), max_pfn_mapped {:#x}",
                dm.pgt_pages().len() - from_memblock.len(),
                from_memblock.len(),
                dm.max_pfn_mapped()
            ),
            Err(e) => {
                con.check(false, || format!("installing the page tables: {e}"));
                return None;
            }
        }
        let every_page = matches!(last_param(self.cmdline, "demo_kernel.check"), Some(Some(b"every-page")));
        let checked = mapping::check(&dm, mb.state(), every_page);
        kprintln!(
            "demo-kernel: direct mapping checked: {} leaf entries walked in the loaded tables; {} RAM pages accessed through __va(), {} free ones written and read back",
            checked.walked,
            checked.pages,
            checked.written
        );
        if let Some((pa, why)) = checked.failure {
            con.check(false, || format!("page {pa:#x}: {why}"));
            return None;
        }
        let (holes, mapped_hole) = mapping::check_holes(&dm);
        kprintln!(
            "demo-kernel: holes checked: {holes} addresses outside pfn_mapped have no translation, and reading them faults"
        );
        if let Some(pa) = mapped_hole {
            con.check(false, || format!("__va({pa:#x}) is mapped outside pfn_mapped, or not to itself inside it"));
        }
        Some(from_memblock)
    }

    /// `initmem_init()`: SRAT found through the firmware's ACPI tables, NUMA, and patch 6's
    /// return to top-down. The nodes, the proof that SRAT was parsed, SRAT's hotpluggable
    /// ranges.
    fn initmem_init(&mut self) -> (NumaState, SratParsed, Vec<(Nid, u64, u64)>) {
        let srat_bytes = match acpi::srat(self.info.rsdp, &self.info.e820) {
            Ok(found) => {
                kprintln!(
                    "demo-kernel: SRAT at {:#x} ({} bytes, from the {})",
                    found.address,
                    found.bytes.len(),
                    found.root
                );
                Some(found.bytes)
            }
            Err(e) => {
                kprintln!("ACPI: SRAT not found: {e}");
                None
            }
        };
        let table = srat_bytes.as_deref().map(SratTable::from_bytes).transpose();
        let table = table.unwrap_or_else(|e| {
            kprintln!("ACPI: SRAT unusable: {e}");
            None
        });
        let mut srat = SratNuma::new(table, NumaConfig::linux_3_12());
        let numa_params = NumaParams {
            max_pfn: self.max_pfn,
            numa_off: matches!(last_param(self.cmdline, "numa"), Some(Some(b"off"))),
            node_data_size: NODE_DATA_SIZE,
            profile: self.profile,
        };
        let (numa, after_srat) = initmem_init(&mut self.mb, |mb| x86_numa_init(mb, &numa_params, &mut [&mut srat]));
        for ev in &numa.events {
            match ev {
                NumaEvent::DirectionReset => {}
                NumaEvent::Memblock(ev) => self.con.event(ev),
                ev => kprintln!("{ev}"),
            }
        }
        self.con.seen = self.mb.log().events().len();
        self.con.check(!self.mb.bottom_up(), || "memblock is still bottom-up after NUMA init".into());
        (numa, after_srat, srat.hotplug_ranges())
    }

    /// `reserve_crashkernel()`, after SRAT (patch 5).
    fn reserve_crashkernel(&mut self, after_srat: &SratParsed) {
        let crash = reserve_crashkernel(&mut self.mb, &CrashParams::new(self.cmdline), after_srat);
        self.con.memblock(&self.mb);
        let asked = flag(self.cmdline, "crashkernel");
        match &crash {
            Ok(Some(ck)) => print_crash(ck),
            Ok(None) => self.con.check(!asked, || "crashkernel= was given but nothing was reserved".into()),
            Err(e) => {
                kprintln!("{e}");
                self.con.check(!asked, || format!("crashkernel: {e}"));
            }
        }
    }

    /// Each hotpluggable node's verdict, where memblock's page tables landed, and the checks of
    /// the series' promise under `movable_node`.
    fn hot_remove_verdicts(
        &mut self,
        nodes: &[NodeSetup],
        hotplug: &[(Nid, u64, u64)],
        zones: &ZoneLayout,
        from_memblock: &[u64],
    ) {
        let (image, mb) = (self.image, &self.mb);
        let reserved = labelled_reservations(mb.state(), mb.log().events());
        let verdicts = hotplug_verdicts(mb.state(), hotplug, &reserved, zones);
        let node_of = |pa: u64| nodes.iter().find(|n| n.start <= pa && pa < n.end).map(|n| n.nid);
        let kernel_node = nodes.iter().find(|n| n.start <= image.text && image.bss_stop <= n.end).map(|n| n.nid);
        for (nid, s, e) in hotplug {
            kprintln!("demo-kernel: SRAT hotpluggable: node {nid} [mem {s:#018x}-{:#018x}]", e - 1);
        }
        for &pa in from_memblock {
            kprintln!("demo-kernel: page table from memblock at {pa:#x}, node {}", node_of(pa).unwrap_or(-1));
        }
        let mut hot_nodes: Vec<Nid> = hotplug.iter().map(|h| h.0).collect();
        hot_nodes.dedup();
        for nid in hot_nodes {
            let Some(v) = verdicts.iter().find(|v| v.nid == nid) else {
                kprintln!(
                    "demo-kernel: node {nid}: no memory at boot: its hotpluggable ranges are a hot-add window, where no early allocation can land"
                );
                continue;
            };
            let blockers: Vec<String> =
                v.blockers.iter().map(|b| format!("{} [{:#x}-{:#x}]", b.label, b.start, b.end - 1)).collect();
            let present =
                v.hotpluggable.iter().any(|&(s, e)| mb.memory().regions().iter().any(|r| r.base < e && s < r.end()));
            kprintln!(
                "demo-kernel: node {}: {} ({} early reservations in its hotpluggable memory{}{}){}",
                v.nid,
                v.verdict.word(),
                v.blockers.len(),
                if blockers.is_empty() { "" } else { ": " },
                blockers.join(", "),
                if present { "" } else { "; its hotpluggable ranges hold no memory at boot (a hot-add window)" }
            );
        }
        if self.movable == MovableNode::Enabled {
            // Bottom-up from the kernel's end: the tables memblock gave lie in the kernel's node.
            for &pa in from_memblock {
                let node = node_of(pa);
                self.con.check(node == kernel_node && pa >= image.end, || {
                    format!(
                        "movable_node: page table at {pa:#x} is on node {node:?}, not above _end on the kernel's node"
                    )
                });
            }
            for v in &verdicts {
                self.con.check(v.verdict != Verdict::Blocked, || format!("movable_node: node {} is blocked", v.nid));
            }
        }
        let zero = mb.memory().regions().first().map(|r| r.nid);
        self.con
            .check(zero.is_some() && zero != Some(MAX_NUMNODES), || "memory has no node ids after NUMA init".into());
    }
}

fn print_crash(ck: &CrashKernel) {
    if let Some(e) = &ck.ignored {
        kprintln!("{e}");
    }
    kprintln!("{ck}");
    match ck.low {
        Some(LowOutcome::Reserved(low)) => kprintln!("{low}"),
        Some(LowOutcome::Failed { user_specified: true, .. }) => {
            kprintln!("crashkernel low reservation failed - No suitable area found.")
        }
        _ => {}
    }
}

/// Shows the array seam at work: reserves one page in every other page of free memory until
/// the reserved array doubles, checks that the entries now live in the block memblock found
/// (through `__va()`), then frees the pages again. After the boot's placements, so that they
/// are not disturbed.
fn array_doubling(mb: &mut SeriesMemblock, con: &mut Console) {
    let before = mb.reserved().regions().as_ptr();
    con.check(arrays::is_static(before), || "the reserved array is not the static one at first".into());
    mb.log_mut().set_trace(false);
    let Some(base) = mb.find_in_range(0, movable_node::memblock_bottomup::MEMBLOCK_ALLOC_ACCESSIBLE, 0x20_0000, 0x1000)
    else {
        con.check(false, || "no free 2 MiB for the array doubling check".into());
        return;
    };
    let n = mb.reserved().max() as u64 + 8;
    let mut ok = true;
    for i in 0..n {
        ok &= mb.reserve_as(base + i * 2 * PAGE_SIZE, PAGE_SIZE, "array_doubling_check").is_ok();
    }
    let at = mb.reserved().array_addr();
    let entries = mb.reserved().regions().as_ptr();
    kprintln!(
        "demo-kernel: reserved array: {} entries, max {}, in the block at {:#x} (entries at {:p})",
        mb.reserved().cnt(),
        mb.reserved().max(),
        at.unwrap_or(0),
        entries
    );
    con.check(ok, || "reserving the test pages failed".into());
    con.check(at.is_some_and(|pa| core::ptr::eq(arrays::phys_to_virt(pa).cast_const(), entries.cast())), || {
        "after doubling, the reserved array does not live at __va() of its block".into()
    });
    con.check(at.is_some_and(|pa| mb.is_reserved(pa)), || "the doubled array's block is not reserved".into());
    for i in 0..n {
        ok &= mb.free_as(base + i * 2 * PAGE_SIZE, PAGE_SIZE, "array_doubling_check").is_ok();
    }
    con.check(ok, || "freeing the test pages failed".into());
}
