//! What a boot produces, and what it carries from phase to phase.

use movable_node::KernelProfile;
use movable_node::crashkernel::{CrashKernel, Error as CrashError, SratParsed};
use movable_node::memblock_bottomup::{Nid, SeriesMemblock};
use movable_node::numa::NumaState;
use movable_node::param::MovableNode;
use movable_node::verdict::{Labelled, NodeVerdict};
use movable_node::zones::ZoneLayout;
use movable_node::{DirectMap, E820Table};

use super::{Flow, KernelLog};
use crate::blocks::MemoryBlocks;
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

/// The state a boot carries from phase to phase: the [`Boot`] being built (memblock included)
/// and what the kernel keeps in globals between the steps.
#[derive(Debug)]
pub struct BootState {
    /// The boot so far; `boot.memblock` is the live memblock.
    pub boot: Boot,
    /// The kernel's log.
    pub log: KernelLog,
    /// `max_pfn` (`e820_end_of_ram_pfn()`).
    pub max_pfn: u64,
    /// `max_low_pfn`.
    pub max_low_pfn: u64,
    /// Where the brk page-table buffer starts (`early_alloc_pgt_buf()`).
    pub pgt_buf_base: u64,
    /// Proof that SRAT has been parsed (`initmem_init()` has run).
    pub srat_parsed: Option<SratParsed>,
}

impl BootState {
    /// Records a step of the boot with what it did.
    pub fn step(&mut self, name: &'static str, note: String) {
        self.boot.steps.push(Step { name, note });
    }

    /// Stops the boot with the kernel's panic message (`Kernel panic - not syncing: ...`).
    pub fn panic(&mut self, msg: String) -> Flow {
        self.log.k(format!("Kernel panic - not syncing: {msg}"));
        self.boot.panic = Some(msg);
        Flow::Stop
    }
}
