//! NUMA set-up (arch/x86/mm/numa.c): the node map that SRAT (or the dummy fallback) gives,
//! cleaned up and registered in memblock, `NODE_DATA` allocated in each node, and patch 6's
//! reset of memblock's direction right after the first init function that succeeds.

use alloc::vec::Vec;
use core::fmt;

use crate::crashkernel::memblock_bottomup::{
    BottomUp, MAX_NUMNODES, Nid, PAGE_SHIFT, PAGE_SIZE, RegionFlags, RegionKind, SeriesMemblock,
};
use crate::error::{Errno, Error};
use crate::profile::KernelProfile;

/// `NR_NODE_MEMBLKS`: `MAX_NUMNODES * 2`.
pub const NR_NODE_MEMBLKS: usize = 2 * MAX_NUMNODES as usize;

/// `NODE_MIN_SIZE`: a node smaller than this gets no `NODE_DATA`.
pub const NODE_MIN_SIZE: u64 = 4 << 20;

/// `ZONE_ALIGN`: `1 << (MAX_ORDER + PAGE_SHIFT)`, 8 MiB.
pub const ZONE_ALIGN: u64 = 1 << (11 + PAGE_SHIFT);

/// `SMP_CACHE_BYTES` on x86-64.
pub const SMP_CACHE_BYTES: u64 = 64;

/// One `struct numa_memblk`: `[start, end)` on node `nid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumaMemblk {
    /// Start.
    pub start: u64,
    /// End (exclusive).
    pub end: u64,
    /// Node.
    pub nid: Nid,
}

/// A line the NUMA code prints.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NumaEvent {
    /// `NUMA: Warning: invalid memblk node %d [mem ...]`.
    InvalidMemblk(NumaMemblk),
    /// `NUMA: too many memblk ranges`.
    TooManyMemblks,
    /// `NUMA: node %d [mem ...] overlaps with node %d [mem ...]`.
    Overlap(NumaMemblk, NumaMemblk),
    /// `NUMA: Warning: node %d [mem ...] overlaps with itself [mem ...]`.
    OverlapSelf(NumaMemblk, NumaMemblk),
    /// `NUMA: Node %d [mem ...] + [mem ...] -> [mem ...]`.
    Merge(NumaMemblk, NumaMemblk, NumaMemblk),
    /// `NUMA: nodes only cover %LuMB of your %LuMB e820 RAM. Not used.`
    NotCovered {
        /// MiB the nodes cover.
        numa_mb: u64,
        /// MiB of RAM.
        ram_mb: u64,
    },
    /// `Initmem setup node %d [mem ...]`.
    InitmemSetup(NumaMemblk),
    /// `  NODE_DATA [mem ...]`.
    NodeData {
        /// Node.
        nid: Nid,
        /// Where it went.
        pa: u64,
        /// Its size.
        size: u64,
    },
    /// `    NODE_DATA(%d) on node %d`: it did not fit in its own node.
    NodeDataOffNode {
        /// Node whose data it is.
        nid: Nid,
        /// Node it landed in.
        on: Nid,
    },
    /// `Cannot find %zu bytes in node %d`.
    NodeDataFailed {
        /// Node.
        nid: Nid,
        /// Bytes.
        size: u64,
    },
    /// `No NUMA configuration found` or `NUMA turned off`.
    NoNuma {
        /// Whether `numa=off` was given.
        numa_off: bool,
    },
    /// `Faking a node at [mem %#018Lx-%#018Lx]`.
    FakingNode {
        /// End of RAM.
        end: u64,
    },
    /// Patch 6: `numa_init()` put memblock back to top-down (no kernel line; a report needs
    /// it).
    DirectionReset,
    /// A line of the SRAT parse (`SRAT: Node 1 PXM 1 [mem ...]`, ...).
    Srat(alloc::string::String),
    /// Something memblock recorded while NUMA init allocated (the `memblock=debug` trace of
    /// `NODE_DATA`), kept in order with the NUMA lines.
    Memblock(crate::crashkernel::memblock_bottomup::Event),
}

fn mem(b: &NumaMemblk) -> impl fmt::Display + '_ {
    struct M<'a>(&'a NumaMemblk);
    impl fmt::Display for M<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "[mem {:#010x}-{:#010x}]", self.0.start, self.0.end.wrapping_sub(1))
        }
    }
    M(b)
}

impl fmt::Display for NumaEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumaEvent::InvalidMemblk(b) => write!(f, "NUMA: Warning: invalid memblk node {} {}", b.nid, mem(b)),
            NumaEvent::TooManyMemblks => f.write_str("NUMA: too many memblk ranges"),
            NumaEvent::Overlap(a, b) => {
                write!(f, "NUMA: node {} {} overlaps with node {} {}", a.nid, mem(a), b.nid, mem(b))
            }
            NumaEvent::OverlapSelf(a, b) => {
                write!(f, "NUMA: Warning: node {} {} overlaps with itself {}", a.nid, mem(a), mem(b))
            }
            NumaEvent::Merge(a, b, r) => write!(f, "NUMA: Node {} {} + {} -> {}", a.nid, mem(a), mem(b), mem(r)),
            NumaEvent::NotCovered { numa_mb, ram_mb } => {
                write!(f, "NUMA: nodes only cover {numa_mb}MB of your {ram_mb}MB e820 RAM. Not used.")
            }
            NumaEvent::InitmemSetup(b) => write!(f, "Initmem setup node {} {}", b.nid, mem(b)),
            NumaEvent::NodeData { pa, size, .. } => {
                write!(f, "  NODE_DATA [mem {:#010x}-{:#010x}]", pa, pa + size - 1)
            }
            NumaEvent::NodeDataOffNode { nid, on } => write!(f, "    NODE_DATA({nid}) on node {on}"),
            NumaEvent::NodeDataFailed { nid, size } => write!(f, "Cannot find {size} bytes in node {nid}"),
            NumaEvent::NoNuma { numa_off } => {
                f.write_str(if *numa_off { "NUMA turned off" } else { "No NUMA configuration found" })
            }
            NumaEvent::FakingNode { end } => {
                write!(f, "Faking a node at [mem {:#018x}-{:#018x}]", 0, end.wrapping_sub(1))
            }
            NumaEvent::DirectionReset => f.write_str("memblock: bottom-up off (numa_init)"),
            NumaEvent::Srat(line) => f.write_str(line),
            NumaEvent::Memblock(ev) => write!(f, "{ev}"),
        }
    }
}

/// `struct numa_meminfo`: the node ranges an init function found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumaMeminfo {
    blks: Vec<NumaMemblk>,
}

impl NumaMeminfo {
    /// The blocks.
    pub fn blks(&self) -> &[NumaMemblk] {
        &self.blks
    }

    /// `numa_add_memblk()`: zero-length blocks are ignored; invalid ones (start above end,
    /// node out of range) are ignored with a warning.
    ///
    /// # Errors
    ///
    /// [`Error::TooManyMemblks`] past `NR_NODE_MEMBLKS` blocks (the kernel's `-EINVAL`).
    pub fn add_memblk(&mut self, nid: Nid, start: u64, end: u64, events: &mut Vec<NumaEvent>) -> Result<(), Error> {
        if start == end {
            return Ok(());
        }
        if start > end || !(0..MAX_NUMNODES).contains(&nid) {
            events.push(NumaEvent::InvalidMemblk(NumaMemblk { start, end, nid }));
            return Ok(());
        }
        if self.blks.len() >= NR_NODE_MEMBLKS {
            events.push(NumaEvent::TooManyMemblks);
            return Err(Error::TooManyMemblks { max: NR_NODE_MEMBLKS });
        }
        self.blks.push(NumaMemblk { start, end, nid });
        Ok(())
    }

    /// `numa_cleanup_meminfo()`: clips every block to `[0, end_of_ram)`, drops empty ones,
    /// rejects overlaps between nodes and merges blocks of one node, gaps included, unless the
    /// merged span would overlap another node.
    ///
    /// # Errors
    ///
    /// [`Error::NodeOverlap`] when two nodes overlap (the kernel's `-EINVAL`).
    pub fn cleanup(&mut self, end_of_ram: u64, events: &mut Vec<NumaEvent>) -> Result<(), Error> {
        for b in &mut self.blks {
            b.end = b.end.min(end_of_ram);
        }
        self.blks.retain(|b| b.start < b.end);
        let mut i = 0;
        while i < self.blks.len() {
            let mut j = i + 1;
            while j < self.blks.len() {
                let (bi, bj) = (self.blks[i], self.blks[j]);
                if bi.end > bj.start && bi.start < bj.end {
                    if bi.nid != bj.nid {
                        events.push(NumaEvent::Overlap(bi, bj));
                        return Err(Error::NodeOverlap {
                            nid: bi.nid,
                            start: bi.start,
                            last: bi.end - 1,
                            other_nid: bj.nid,
                            other_start: bj.start,
                            other_last: bj.end - 1,
                        });
                    }
                    events.push(NumaEvent::OverlapSelf(bi, bj));
                }
                if bi.nid != bj.nid {
                    j += 1;
                    continue;
                }
                let (start, end) = (bi.start.min(bj.start), bi.end.max(bj.end));
                let blocked = self.blks.iter().any(|bk| bk.nid != bi.nid && start < bk.end && end > bk.start);
                if blocked {
                    j += 1;
                    continue;
                }
                let merged = NumaMemblk { start, end, nid: bi.nid };
                events.push(NumaEvent::Merge(bi, bj, merged));
                self.blks[i] = merged;
                self.blks.remove(j);
            }
            i += 1;
        }
        Ok(())
    }
}

/// What the boot code gives NUMA init.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumaParams {
    /// `max_pfn`.
    pub max_pfn: u64,
    /// `numa=off`.
    pub numa_off: bool,
    /// `roundup(sizeof(pg_data_t), PAGE_SIZE)` for this kernel's build.
    pub node_data_size: u64,
    /// The kernel being modelled.
    pub profile: KernelProfile,
}

/// The outcome of one init function (`x86_acpi_numa_init`, `dummy_numa_init`): what it
/// returned and what it filled in.
#[derive(Debug, Clone)]
pub struct NumaDiscovery {
    /// Its return code: 0, or the negated errno (`-ENOENT`, `-EINVAL`).
    pub ret: Result<(), Errno>,
    /// The node ranges it added.
    pub meminfo: NumaMeminfo,
    /// `numa_nodes_parsed`: nodes it saw, also without memory (processor entries).
    pub nodes_parsed: Vec<Nid>,
}

impl Default for NumaDiscovery {
    /// A successful init function that found nothing.
    fn default() -> Self {
        NumaDiscovery { ret: Ok(()), meminfo: NumaMeminfo::default(), nodes_parsed: Vec::new() }
    }
}

/// A source of the node map, tried in order by `x86_numa_init()`.
pub trait NumaInitFn {
    /// Its name for reports (`acpi`, `dummy`).
    fn name(&self) -> &'static str;
    /// Runs it: fills a fresh [`NumaDiscovery`], marking hotpluggable ranges in memblock on
    /// 3.14 and later, and pushing its lines to `events`.
    fn init(&mut self, mb: &mut SeriesMemblock, params: &NumaParams, events: &mut Vec<NumaEvent>) -> NumaDiscovery;
}

/// `dummy_numa_init()`: one node 0 over `[0, max_pfn)`; never fails.
#[derive(Debug, Clone, Copy, Default)]
pub struct DummyNuma;

impl NumaInitFn for DummyNuma {
    fn name(&self) -> &'static str {
        "dummy"
    }

    fn init(&mut self, _mb: &mut SeriesMemblock, params: &NumaParams, events: &mut Vec<NumaEvent>) -> NumaDiscovery {
        let end = params.max_pfn << PAGE_SHIFT;
        events.push(NumaEvent::NoNuma { numa_off: params.numa_off });
        events.push(NumaEvent::FakingNode { end });
        let mut d = NumaDiscovery { nodes_parsed: alloc::vec![0], ..NumaDiscovery::default() };
        d.ret = d.meminfo.add_memblk(0, 0, end, events).map_err(|e| e.init_ret());
        d
    }
}

/// One node as NUMA init left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeSetup {
    /// Node.
    pub nid: Nid,
    /// Its span `[start, end)` over its blocks.
    pub start: u64,
    /// End of the span.
    pub end: u64,
    /// Where its `pg_data_t` went (`None`: too small, or no room).
    pub node_data: Option<u64>,
}

/// What `x86_numa_init()` left behind.
#[derive(Debug, Clone, Default)]
pub struct NumaState {
    /// The init function that succeeded.
    pub method: &'static str,
    /// The cleaned-up node ranges.
    pub meminfo: NumaMeminfo,
    /// Online nodes, with their spans and `NODE_DATA`.
    pub nodes: Vec<NodeSetup>,
    /// Nodes that hold a reservation of the kernel (3.14's "kernel nodes"): their
    /// hotpluggable flags were cleared.
    pub kernel_nodes: Vec<Nid>,
    /// Every line printed, in order.
    pub events: Vec<NumaEvent>,
}

/// `x86_numa_init()`: unless `numa=off`, tries each of `methods` with `numa_init()` and stops
/// at the first that succeeds; otherwise (or if all fail) the dummy node.
pub fn x86_numa_init(mb: &mut SeriesMemblock, params: &NumaParams, methods: &mut [&mut dyn NumaInitFn]) -> NumaState {
    let mut events = Vec::new();
    if !params.numa_off {
        for m in methods.iter_mut() {
            if let Ok(state) = numa_init(mb, params, *m, &mut events) {
                return NumaState { events, ..state };
            }
        }
    }
    match numa_init(mb, params, &mut DummyNuma, &mut events) {
        Ok(state) => NumaState { events, ..state },
        // The dummy node covers all RAM by construction; only a config without nodes fails.
        Err(_) => NumaState { method: "none", events, ..NumaState::default() },
    }
}

/// `numa_init(init_func)`: resets every node id, runs the init function, and — patch 6 —
/// puts memblock back to top-down as soon as it returns success, before cleaning up and
/// registering its nodes.
///
/// # Errors
///
/// [`Error::InitFailed`] with the init function's negative return, or the NUMA failure that
/// cleanup or registration hit ([`Error::errno`] gives the kernel's return code); memblock keeps
/// what was done before it.
pub fn numa_init(
    mb: &mut SeriesMemblock,
    params: &NumaParams,
    init: &mut dyn NumaInitFn,
    events: &mut Vec<NumaEvent>,
) -> Result<NumaState, Error> {
    let hotplug = params.profile.has_hotplug_flags();
    let _ = mb.set_node(0, u64::MAX, MAX_NUMNODES);
    if hotplug {
        let _ = mb.set_node_in(RegionKind::Reserved, 0, u64::MAX, MAX_NUMNODES);
        // "In case that parsing SRAT failed."
        let _ = mb.set_flags(0, u64::MAX, RegionFlags::HOTPLUG, false);
    }
    let mut d = init.init(mb, params, events);
    if let Err(errno) = d.ret {
        return Err(Error::InitFailed { method: init.name(), errno });
    }
    if params.profile.has_series() {
        mb.set_bottom_up(false);
        events.push(NumaEvent::DirectionReset);
    }
    d.meminfo.cleanup(params.max_pfn << PAGE_SHIFT, events)?;
    let (nodes, cleared) = register_memblks(mb, params, &d, events)?;
    let kernel_nodes = match cleared {
        Some(kernel_nodes) => kernel_nodes,
        // 3.14: after numa_register_memblks(), so NODE_DATA counts as a kernel reservation.
        None if hotplug => clear_kernel_node_hotplug(mb, &d.meminfo),
        None => Vec::new(),
    };
    Ok(NumaState { method: init.name(), meminfo: d.meminfo, nodes, kernel_nodes, events: Vec::new() })
}

/// `numa_register_memblks()`: gives memblock the node of every range, checks that the nodes
/// cover RAM (within 1 MiB), and sets up each node's data.
///
/// Linux 6.1 calls `numa_clear_kernel_node_hotplug()` here, right after the memory nids are
/// set and before any `NODE_DATA` is allocated (spec §H.5 step 17.5): the reserved regions are
/// tagged first, so `NODE_DATA` regions stay without a node in the dump, and they do not make
/// their node a kernel node. Then the kernel nodes are returned as well.
fn register_memblks(
    mb: &mut SeriesMemblock,
    params: &NumaParams,
    d: &NumaDiscovery,
    events: &mut Vec<NumaEvent>,
) -> Result<(Vec<NodeSetup>, Option<Vec<Nid>>), Error> {
    let mut possible: Vec<Nid> = d.nodes_parsed.clone();
    possible.extend(d.meminfo.blks().iter().map(|b| b.nid));
    possible.sort_unstable();
    possible.dedup();
    if possible.is_empty() {
        return Err(Error::NoNodes);
    }
    for b in d.meminfo.blks() {
        let _ = mb.set_node(b.start, b.end - b.start, b.nid);
    }
    let cleared = (params.profile == KernelProfile::Modern).then(|| clear_kernel_node_hotplug(mb, &d.meminfo));
    covers_memory(mb, params.max_pfn, &d.meminfo, events)?;
    let mut nodes = Vec::new();
    for &nid in &possible {
        let blks = d.meminfo.blks().iter().filter(|b| b.nid == nid);
        let start = blks.clone().map(|b| b.start).min().unwrap_or(params.max_pfn << PAGE_SHIFT);
        let end = blks.map(|b| b.end).max().unwrap_or(0);
        if start < end {
            let node_data = setup_node_data(mb, params, nid, start, end, events);
            nodes.push(NodeSetup { nid, start, end, node_data });
        }
    }
    Ok((nodes, cleared))
}

/// `numa_meminfo_cover_memory()`: the pages of memblock memory the nodes hold must be within
/// 1 MiB of all memory pages below `max_pfn`.
fn covers_memory(
    mb: &SeriesMemblock,
    max_pfn: u64,
    mi: &NumaMeminfo,
    events: &mut Vec<NumaEvent>,
) -> Result<(), Error> {
    let present = |nid: Option<Nid>, s: u64, e: u64| -> u64 {
        mb.mem_pfn_ranges(MAX_NUMNODES)
            .filter(|r| nid.is_none_or(|n| r.nid == n))
            .map(|r| r.end_pfn.min(e).saturating_sub(r.start_pfn.max(s)))
            .sum()
    };
    let numaram: u64 = mi.blks().iter().map(|b| present(Some(b.nid), b.start >> PAGE_SHIFT, b.end >> PAGE_SHIFT)).sum();
    let e820ram = present(None, 0, max_pfn);
    if e820ram.saturating_sub(numaram) >= 1 << (20 - PAGE_SHIFT) {
        let (numa_mb, ram_mb) = (numaram >> (20 - PAGE_SHIFT), e820ram >> (20 - PAGE_SHIFT));
        events.push(NumaEvent::NotCovered { numa_mb, ram_mb });
        return Err(Error::NotCovered { numa_mb, ram_mb });
    }
    Ok(())
}

/// `setup_node_data()`: `pg_data_t` for a node of at least 4 MiB, node-local and top-down
/// (bottom-up is off by now); 3.14 falls back to any node.
fn setup_node_data(
    mb: &mut SeriesMemblock,
    params: &NumaParams,
    nid: Nid,
    start: u64,
    end: u64,
    events: &mut Vec<NumaEvent>,
) -> Option<u64> {
    if end != 0 && end - start < NODE_MIN_SIZE {
        return None;
    }
    let start = start.div_ceil(ZONE_ALIGN) * ZONE_ALIGN;
    events.push(NumaEvent::InitmemSetup(NumaMemblk { start, end, nid }));
    let size = params.node_data_size.div_ceil(PAGE_SIZE) * PAGE_SIZE;
    let before = mb.log().events().len();
    let pa = mb.with_caller("setup_node_data", |mb| {
        mb.alloc_nid(size, SMP_CACHE_BYTES, nid).or_else(|| {
            params.profile.has_hotplug_flags().then(|| mb.alloc_base_nopanic(size, SMP_CACHE_BYTES, 0)).flatten()
        })
    });
    for ev in mb.log().events().get(before..).unwrap_or_default() {
        events.push(NumaEvent::Memblock(ev.clone()));
    }
    let Some(pa) = pa else {
        events.push(NumaEvent::NodeDataFailed { nid, size });
        return None;
    };
    events.push(NumaEvent::NodeData { nid, pa, size });
    let on = mb.search_pfn_nid(pa >> PAGE_SHIFT).map_or(-1, |p| p.nid);
    if on != nid {
        events.push(NumaEvent::NodeDataOffNode { nid, on });
    }
    Some(pa)
}

/// `numa_clear_kernel_node_hotplug()` (3.14): tags reserved regions with their nodes; every
/// node that holds one is a kernel node and its memory loses `MEMBLOCK_HOTPLUG`.
fn clear_kernel_node_hotplug(mb: &mut SeriesMemblock, mi: &NumaMeminfo) -> Vec<Nid> {
    for b in mi.blks() {
        let _ = mb.set_node_in(RegionKind::Reserved, b.start, b.end - b.start, b.nid);
    }
    let mut kernel_nodes: Vec<Nid> =
        mb.reserved().regions().iter().map(|r| r.nid).filter(|n| (0..MAX_NUMNODES).contains(n)).collect();
    kernel_nodes.sort_unstable();
    kernel_nodes.dedup();
    for b in mi.blks().iter().filter(|b| kernel_nodes.contains(&b.nid)) {
        let _ = mb.set_flags(b.start, b.end - b.start, RegionFlags::HOTPLUG, false);
    }
    kernel_nodes
}
