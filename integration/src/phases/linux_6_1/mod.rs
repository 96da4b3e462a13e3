//! Linux 6.1's early boot, as request generators (spec §H.9.2):
//! each phase works out, from the Debian build profile ([`Build6_1`]) and what a plain dmesg
//! says ([`PlainFacts`]), which requests the kernel makes, asks the model memblock through
//! 6.1's allocation API ([`ModernAlloc`]), and returns every request with its answer
//! ([`PhaseOp`]) so that a prediction can be laid beside a `memblock=debug` log.
//!
//! | step (§H.9.2) | kernel function | here |
//! |---|---|---|
//! | 1–4 | `early_reserve_memory()`, `reserve_brk()`, `e820__memblock_setup()`, `reserve_real_mode()`, and `reserve_initrd()` | [`early`] |
//! | 5 | `init_mem_mapping()` (the 6.1 walk of `x86-mm-bottomup`) | [`mapping`] |
//! | 6 | `acpi_table_upgrade()` | [`acpi_table_upgrade`] |
//! | 7 | `acpi_reserve_initial_tables()` | [`acpi_reserve_initial_tables`] |
//! | 8 | `initmem_init()`: NUMA from the SRAT lines, `NODE_DATA` | [`numa`] |
//! | 9 | `reserve_crashkernel()` | [`crash`] |
//! | 10 | `sparse_init()` and the vmemmap | [`sparse_init`] |
//! | 11 | `acpi_parse_hpet()`, `io_apic_init_mappings()`, `e820__reserve_resources()`, `firmware_map_add_early()`, `e820__register_nosave_regions()` | [`acpi_parse_hpet`], [`io_apic_init_mappings`], [`e820_reserve_resources`], [`firmware_map_add_early`], [`e820_register_nosave_regions`] |
//! | 12 | `setup_command_line()`, `setup_per_cpu_areas()`, the boot cpumasks, `print_unknown_bootoptions()`, `spp_getpage()`, `swiotlb_init()` | [`setup_command_line`], [`setup_per_cpu_areas`], [`alloc_bootmem_cpumask_var`], [`print_unknown_bootoptions`], [`spp_getpage`], [`swiotlb_init`] |
//!
//! [`acpi_early`], [`paging_init_to_setup_arch_end`] and [`start_kernel_early`] run steps of
//! them in the kernel's order from a [`PlainFacts`], each phase's operations under its name;
//! [`boot::boot_6_1`] runs the whole boot, with the dumps, `NODE_DATA`, the crash kernel and
//! the zones.
//!
//! Every phase takes the model memblock as the kernel has it when the phase starts (6.1's
//! rules: `KernelProfile::Modern`) and leaves it as the kernel does.

pub mod acpi;
pub mod boot;
pub mod build;
pub mod crash;
pub mod early;
pub mod kernel_lines;
pub mod late_setup_arch;
pub mod machine_facts;
pub mod mapping;
pub mod numa;
pub mod setup_arch;
pub mod sparse;
pub mod start_kernel;
pub mod steps;

use core::fmt;

use movable_node::memblock_bottomup::{Label, ModernAlloc, Nid, SeriesMemblock};
use serde::Serialize;

use crate::replay::trace::RequestKind;

pub use crate::input::plain_facts::{
    AcpiReservation, AcpiTableInInitrd, E820Change, FactsError, PlainFacts, SratCpu, SratMemory,
};
pub use acpi::{acpi_reserve_initial_tables, acpi_table_upgrade};
pub use build::{Build6_1, KernelSymbols, PercpuGeometry, Swiotlb};
pub use late_setup_arch::{
    acpi_parse_hpet, e820_register_nosave_regions, e820_reserve_resources, firmware_map_add_early,
    io_apic_init_mappings,
};
pub use sparse::sparse_init;
pub use start_kernel::{
    alloc_bootmem_cpumask_var, print_unknown_bootoptions, setup_command_line, setup_per_cpu_areas, spp_getpage,
    swiotlb_init,
};
pub use steps::{PhaseOps, acpi_early, paging_init_to_setup_arch_end, start_kernel_early};

/// `__pa(MAX_DMA_ADDRESS)` on x86-64: the `from=0x1000000` of the per-node requests.
pub const MAX_DMA_PHYS: u64 = 0x100_0000;

/// `SMP_CACHE_BYTES` on x86-64, the alignment of `memblock_alloc()`.
pub const SMP_CACHE_BYTES: u64 = 64;

/// `MEMBLOCK_ALLOC_ACCESSIBLE`: a `max_addr` of 0 means "up to `current_limit`".
pub const ACCESSIBLE: u64 = 0;

/// `ARCH_LOW_ADDRESS_LIMIT` (x86 keeps the generic 4 GiB − 1): `memblock_alloc_low()`'s end.
pub const ARCH_LOW_ADDRESS_LIMIT: u64 = 0xffff_ffff;

/// `NUMA_NO_NODE` as the request lines print it.
pub const NO_NODE: i32 = -1;

/// One allocation request a phase made, as its `memblock=debug` line would print it, with the
/// model's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhaseRequest {
    /// The entry point (`memblock_alloc_try_nid` for `memblock_alloc`, `_node`, `_low`...).
    pub kind: RequestKind,
    /// The `%pS` symbol the kernel prints (the caller after inlining, e.g. `start_kernel` for
    /// `setup_command_line()`), without its build-specific `+0xoff/0xsize`.
    pub caller: Label,
    /// Bytes asked for.
    pub size: u64,
    /// Alignment.
    pub align: u64,
    /// `from=` (`min_addr`).
    pub from: u64,
    /// `max_addr=` as the caller passed it (0: `MEMBLOCK_ALLOC_ACCESSIBLE`).
    pub max_addr: u64,
    /// `nid=` (`None` for `memblock_phys_alloc_range`, which prints none).
    pub nid: Option<i32>,
    /// Where the model put it; `None` when memblock found nothing (the kernel's 0).
    pub answer: Option<u64>,
}

/// One memblock operation of a phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum PhaseOp {
    /// An allocation request and its answer.
    Request(PhaseRequest),
    /// A `memblock_reserve()` of a range the phase was given (`memblock_reserve:` line).
    Reserve {
        /// The `%pS` symbol.
        caller: Label,
        /// First byte.
        base: u64,
        /// Bytes.
        size: u64,
    },
    /// A `memblock_add()` (`memblock_add:` line).
    Add {
        /// The `%pS` symbol.
        caller: Label,
        /// First byte.
        base: u64,
        /// Bytes.
        size: u64,
    },
    /// A reservation made before `memblock=debug` is parsed (spec §H.4): no line.
    Silent {
        /// What it reserves (the kernel image, the initrd...).
        what: Label,
        /// First byte.
        base: u64,
        /// Bytes.
        size: u64,
    },
    /// A `memblock_free()` / `memblock_phys_free()` (`memblock_phys_free:` line).
    Free {
        /// The `%pS` symbol.
        caller: Label,
        /// First byte.
        base: u64,
        /// Bytes.
        size: u64,
    },
}

impl fmt::Display for PhaseRequest {
    /// The request line a `memblock=debug` kernel prints (spec §H.3), with the caller's symbol
    /// only (its `+0xoff/0xsize` belongs to one build).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let PhaseRequest { kind, caller, size, align, from, max_addr, nid, .. } = self;
        write!(f, "{}: {size} bytes align={align:#x} ", kind.name())?;
        if let Some(nid) = nid {
            write!(f, "nid={nid} ")?;
        }
        write!(f, "from={from:#018x} max_addr={max_addr:#018x} {caller}")
    }
}

impl PhaseOp {
    /// The lines a `memblock=debug` kernel prints for the operation: a request line and, if
    /// memblock found a block, its `memblock_reserve: … memblock_alloc_range_nid` line; a
    /// reservation's or a free's range line (ends inclusive, as 6.1 prints them).
    pub fn kernel_lines(&self) -> Vec<String> {
        let range =
            |base: u64, size: u64| format!("[{base:#018x}-{:#018x}]", base.saturating_add(size.saturating_sub(1)));
        match self {
            PhaseOp::Request(r) => {
                // memblock_phys_alloc_try_nid() (NODE_DATA) prints no request line.
                let mut lines = if r.kind == RequestKind::PhysAllocTryNid { Vec::new() } else { vec![r.to_string()] };
                if let Some(at) = r.answer {
                    lines.push(format!("memblock_reserve: {} memblock_alloc_range_nid", range(at, r.size)));
                }
                lines
            }
            PhaseOp::Reserve { caller, base, size } => {
                vec![format!("memblock_reserve: {} {caller}", range(*base, *size))]
            }
            PhaseOp::Free { caller, base, size } => {
                vec![format!("memblock_phys_free: {} {caller}", range(*base, *size))]
            }
            PhaseOp::Add { caller, base, size } => vec![format!("memblock_add: {} {caller}", range(*base, *size))],
            PhaseOp::Silent { .. } => Vec::new(),
        }
    }
}

/// Why a phase could not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum PhaseError {
    /// memblock refused an operation (an array that cannot grow, a range past 2^64).
    #[error("{phase}: {source}")]
    Memblock {
        /// The kernel function.
        phase: &'static str,
        /// What memblock said.
        source: movable_node::memblock_bottomup::Error,
    },
    /// A size or address the inputs lead to does not fit in 64 bits.
    #[error("{phase}: {what} does not fit in 64 bits")]
    Overflow {
        /// The kernel function.
        phase: &'static str,
        /// The value.
        what: &'static str,
    },
    /// memblock found no room for a request the kernel cannot do without: the kernel panics.
    #[error("{phase}: {what} (the kernel panics here)")]
    KernelPanics {
        /// The kernel function.
        phase: &'static str,
        /// The request that failed.
        what: String,
    },
    /// The inputs describe a case the spec does not derive (spec §H.9.3): the model refuses
    /// rather than guess.
    #[error("{phase}: {what}")]
    NotDerived {
        /// The kernel function.
        phase: &'static str,
        /// What is not derived.
        what: String,
    },
    /// The inputs contradict the build profile (a log of another kernel).
    #[error("{phase}: {what}")]
    Invalid {
        /// The kernel function.
        phase: &'static str,
        /// The contradiction, with the values.
        what: String,
    },
    /// An input the phase needs is missing.
    #[error("{phase}: {what}")]
    Missing {
        /// The kernel function.
        phase: &'static str,
        /// What is missing, and where it would come from.
        what: String,
    },
}

/// What the kernel does when memblock has no room where it must have some.
pub(crate) fn panics(phase: &'static str, what: String) -> PhaseError {
    PhaseError::KernelPanics { phase, what }
}

/// The result of a phase: its operations in the kernel's order.
pub type PhaseResult = Result<Vec<PhaseOp>, PhaseError>;

/// Issues a phase's operations on the model memblock and records each one.
pub(crate) struct Issuer<'a> {
    mb: &'a mut SeriesMemblock,
    phase: &'static str,
    ops: Vec<PhaseOp>,
}

impl<'a> Issuer<'a> {
    pub(crate) fn new(mb: &'a mut SeriesMemblock, phase: &'static str) -> Self {
        Issuer { mb, phase, ops: Vec::new() }
    }

    pub(crate) fn memblock(&self) -> &SeriesMemblock {
        self.mb
    }

    pub(crate) fn overflow(&self, what: &'static str) -> PhaseError {
        PhaseError::Overflow { phase: self.phase, what }
    }

    /// Keeps `op`, and logs it in the kernel's words (`memblock=debug`'s lines).
    fn push(&mut self, op: PhaseOp) {
        for line in op.kernel_lines() {
            log::debug!("{line}");
        }
        self.ops.push(op);
    }

    fn record(&mut self, request: PhaseRequest) -> Option<u64> {
        let answer = request.answer;
        self.push(PhaseOp::Request(request));
        answer
    }

    /// `memblock_phys_alloc_range(size, align, start, end)`.
    pub(crate) fn phys_alloc_range(
        &mut self,
        caller: impl Into<Label>,
        size: u64,
        align: u64,
        from: u64,
        max: u64,
    ) -> Option<u64> {
        let caller = caller.into();
        let answer = self.mb.memblock_phys_alloc_range(size, align, from, max, caller).map(|f| f.addr);
        let kind = RequestKind::PhysAllocRange;
        self.record(PhaseRequest { kind, caller, size, align, from, max_addr: max, nid: None, answer })
    }

    /// `memblock_alloc_try_nid(size, align, min_addr, max_addr, nid)` (also what
    /// `memblock_alloc`, `_node`, `_low` and `_from` print).
    pub(crate) fn try_nid(&mut self, caller: impl Into<Label>, args: [u64; 4], nid: Nid) -> Option<u64> {
        self.virt(RequestKind::AllocTryNid, caller.into(), args, nid)
    }

    /// `memblock_alloc_try_nid_raw(size, align, min_addr, max_addr, nid)`.
    pub(crate) fn try_nid_raw(&mut self, caller: impl Into<Label>, args: [u64; 4], nid: Nid) -> Option<u64> {
        self.virt(RequestKind::AllocTryNidRaw, caller.into(), args, nid)
    }

    /// `memblock_alloc_exact_nid_raw(size, align, min_addr, max_addr, nid)`: no other node.
    pub(crate) fn exact_nid_raw(&mut self, caller: impl Into<Label>, args: [u64; 4], nid: Nid) -> Option<u64> {
        self.virt(RequestKind::AllocExactNidRaw, caller.into(), args, nid)
    }

    /// One request with a node through `kind`'s entry point, recorded with its answer.
    fn virt(&mut self, kind: RequestKind, caller: Label, args: [u64; 4], nid: Nid) -> Option<u64> {
        let answer = kind.ask(self.mb, args, nid, caller).map(|f| f.addr);
        let [size, align, from, max_addr] = args;
        self.record(PhaseRequest { kind, caller, size, align, from, max_addr, nid: Some(nid), answer })
    }

    /// `memblock_alloc(size, align)`: any node, below `current_limit`.
    pub(crate) fn memblock_alloc(&mut self, caller: impl Into<Label>, size: u64, align: u64) -> Option<u64> {
        let caller = caller.into();
        self.try_nid(caller, [size, align, 0, ACCESSIBLE], NO_NODE)
    }

    /// `memblock_reserve(base, size)`.
    pub(crate) fn reserve(&mut self, caller: impl Into<Label>, base: u64, size: u64) -> Result<(), PhaseError> {
        let caller = caller.into();
        self.mb.reserve_as(base, size, caller).map_err(|source| PhaseError::Memblock { phase: self.phase, source })?;
        self.push(PhaseOp::Reserve { caller, base, size });
        Ok(())
    }

    /// `memblock_add()`.
    pub(crate) fn add(&mut self, caller: impl Into<Label>, base: u64, size: u64) -> Result<(), PhaseError> {
        let caller = caller.into();
        self.mb.add(base, size).map_err(|source| PhaseError::Memblock { phase: self.phase, source })?;
        self.push(PhaseOp::Add { caller, base, size });
        Ok(())
    }

    /// A reservation before `memblock=debug` is on: no line.
    pub(crate) fn silent(&mut self, what: impl Into<Label>, base: u64, size: u64) -> Result<(), PhaseError> {
        let what = what.into();
        self.mb.reserve_as(base, size, what).map_err(|source| PhaseError::Memblock { phase: self.phase, source })?;
        self.ops.push(PhaseOp::Silent { what, base, size });
        Ok(())
    }

    /// Keeps operations another layer made (the mapping walk's, the crash kernel's).
    pub(crate) fn extend(&mut self, ops: impl IntoIterator<Item = PhaseOp>) {
        for op in ops {
            self.push(op);
        }
    }

    /// `memblock_free()` / `memblock_phys_free()`.
    pub(crate) fn free(&mut self, caller: impl Into<Label>, base: u64, size: u64) -> Result<(), PhaseError> {
        let caller = caller.into();
        self.mb.free_as(base, size, caller).map_err(|source| PhaseError::Memblock { phase: self.phase, source })?;
        self.push(PhaseOp::Free { caller, base, size });
        Ok(())
    }

    pub(crate) fn finish(self) -> Vec<PhaseOp> {
        self.ops
    }
}
