//! `reserve_crashkernel()` and `reserve_crashkernel_low()` of Linux 6.1 (x86-64,
//! arch/x86/kernel/setup.c; the generic version only arrived in 6.6), spec §H.5.2.
//!
//! What differs from the series' version ([`crate::reserve_crashkernel`]):
//! * placement goes through `memblock_phys_alloc_range()` (find and reserve in one call):
//!   without a base, first a **low try** in [16 MiB, 4 GiB), then, if that fails or the
//!   option was `,high`, a **high try** in [16 MiB, 64 TiB); both 16 MiB aligned;
//! * with a base, the window is exactly [base, base + size) with 1 MiB alignment;
//! * the **low part** (for a crash kernel at or above 4 GiB) is `crashkernel=Y,low` or, by
//!   default, max(swiotlb + 8 MiB, 256 MiB), found in [0, 4 GiB); its message names the low
//!   RAM limit, min(`memblock_phys_mem_size()`, 4 GiB). If it cannot be placed the kernel says
//!   so and frees the crash kernel again: no crash kernel at all;
//! * the low part's request, reservation and message come **before** the main message;
//! * the parser is 6.1's ([`Grammar::Linux61`]).
//!
//! The search itself is memblock's, with the rules of the memblock it is given: in 6.1 it is
//! top-down here (NUMA init has reset the direction) and, under `movable_node`, skips
//! hotpluggable memory, which `movable_node::KernelProfile::memblock_config` sets up.
//!
//! Every memblock request is returned in order ([`Steps`]), with the fields the kernel's
//! `memblock=debug` line prints, so that a replay can lay them beside a log's
//! `memblock_phys_alloc_range:` lines.

use core::fmt;

use x86_mm_bottomup::memblock_bottomup::{Label, Memblock, Placement};

use crate::cmdline::error::{CrashkernelError, KernelMessage};
use crate::cmdline::grammar::Grammar;
use crate::cmdline::memparse::Profile;
use crate::cmdline::parse::{CrashkernelRequest, CrashkernelSpec, Suffix, ZERO_BYTES};
use crate::error::Error;
use crate::phase::SratParsed;
use crate::reserve::{
    CRASH_ALIGN, Chosen, CrashKernel, CrashParams, LowOutcome, LowReservation, choose_request, swiotlb_size_or_default,
};
use crate::variant::Variant;

/// `CRASH_ADDR_LOW_MAX` of 6.1 on x86-64: 4 GiB (`SZ_4G`; 512 MiB on x86-32, not modelled).
pub const CRASH_ADDR_LOW_MAX: u64 = 1 << 32;

/// `CRASH_ADDR_HIGH_MAX` of 6.1 on x86-64: 64 TiB (`SZ_64T`), the top of RAM in 4-level
/// paging, so that a 4-level kdump kernel can be jumped to.
pub const CRASH_ADDR_HIGH_MAX: u64 = 1 << 46;

/// The alignment of a crash kernel at a given base (`SZ_1M`).
pub const CRASH_BASE_ALIGN: u64 = 1 << 20;

/// The smallest default low part in 6.1 (`256UL << 20`).
pub const CRASH_LOW_DEFAULT_MIN: u64 = 256 << 20;

/// The room 6.1 adds to swiotlb's size for the default low part (`8UL << 20`).
pub const CRASH_LOW_EXTRA: u64 = 8 << 20;

/// The caller every crash kernel request line prints: both functions are inlined into
/// `setup_arch()` (spec §H.4).
pub const REQUEST_CALLER: Label = Label::new("setup_arch");

/// The label memblock's own trace gives the crash kernel's reservation and its free.
const OWNER: Label = Label::new("reserve_crashkernel");

/// The label memblock's own trace gives the low part.
const OWNER_LOW: Label = Label::new("reserve_crashkernel_low");

/// Which call of 6.1's `reserve_crashkernel()` a memblock request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// No base, no `,high`: `memblock_phys_alloc_range(size, 16 MiB, 16 MiB, 4 GiB)`.
    LowTry,
    /// After a failed low try, or first for `,high`: the same below 64 TiB.
    HighTry,
    /// `crashkernel=X@Y`: `memblock_phys_alloc_range(size, 1 MiB, base, base + size)`.
    FixedBase,
    /// `reserve_crashkernel_low()`: `memblock_phys_alloc_range(low, 16 MiB, 0, 4 GiB)`.
    LowPart,
}

impl Purpose {
    /// `(align, from, max_addr)` of this call for `size` bytes (`base`: the fixed base).
    pub const fn window(self, size: u64, base: u64) -> (u64, u64, u64) {
        match self {
            Purpose::LowTry => (CRASH_ALIGN, CRASH_ALIGN, CRASH_ADDR_LOW_MAX),
            Purpose::HighTry => (CRASH_ALIGN, CRASH_ALIGN, CRASH_ADDR_HIGH_MAX),
            Purpose::FixedBase => (CRASH_BASE_ALIGN, base, base.wrapping_add(size)),
            Purpose::LowPart => (CRASH_ALIGN, 0, CRASH_ADDR_LOW_MAX),
        }
    }

    /// A few words for reports.
    pub const fn words(self) -> &'static str {
        match self {
            Purpose::LowTry => "low try",
            Purpose::HighTry => "high try",
            Purpose::FixedBase => "fixed base",
            Purpose::LowPart => "low part",
        }
    }
}

/// One `memblock_phys_alloc_range()` call and its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhysAllocRequest {
    /// Which call it is.
    pub purpose: Purpose,
    /// Bytes asked for (reserved exactly, never rounded).
    pub size: u64,
    /// Alignment.
    pub align: u64,
    /// `start` (`from=` in the trace).
    pub from: u64,
    /// `end` (`max_addr=`), as the kernel computed it (a base + size past 2^64 wraps).
    pub max_addr: u64,
    /// The caller's symbol in the trace ([`REQUEST_CALLER`]).
    pub caller: Label,
    /// Where memblock reserved the block; `None` is the kernel's 0 (no reserve line follows).
    pub found: Option<u64>,
}

impl fmt::Display for PhysAllocRequest {
    /// The `memblock=debug` request line, `memblock_phys_alloc_range: %llu bytes align=0x%llx
    /// from=%pa max_addr=%pa %pS`, with the caller's bare symbol (no `+offset/size`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "memblock_phys_alloc_range: {} bytes align={:#x} from={:#018x} max_addr={:#018x} {}",
            self.size, self.align, self.from, self.max_addr, self.caller
        )
    }
}

/// A line 6.1's `reserve_crashkernel()` (or the parser under it) prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// A parser warning (`pr_warn`), e.g. `crashkernel: unrecognized char: x`.
    Parse(KernelMessage),
    /// `crashkernel size resulted in zero bytes` (`pr_info`; a range form with no match).
    ZeroBytes,
    /// `crashkernel reservation failed - No suitable area found.` (`pr_info`).
    NoSuitableArea,
    /// `crashkernel reservation failed - memory is in use.` (`pr_info`).
    MemoryInUse,
    /// `Reserving %ldMB of low memory at %ldMB for crashkernel (low RAM limit: %ldMB)`.
    LowReserved(LowReservation),
    /// `Cannot reserve %ldMB crashkernel low memory, please try smaller size.` (`pr_err`).
    LowFailed {
        /// The low part's size.
        size: u64,
    },
    /// `Reserving %ldMB of memory at %ldMB for crashkernel (System RAM: %ldMB)`.
    Reserved(CrashKernel),
}

impl Message {
    /// The kernel's log level for the line.
    pub fn level(&self) -> log::Level {
        match self {
            Message::Parse(_) => log::Level::Warn,
            Message::LowFailed { .. } => log::Level::Error,
            _ => log::Level::Info,
        }
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Parse(m) => write!(f, "{m}"),
            Message::ZeroBytes => f.write_str(ZERO_BYTES),
            Message::NoSuitableArea => f.write_str("crashkernel reservation failed - No suitable area found."),
            Message::MemoryInUse => f.write_str("crashkernel reservation failed - memory is in use."),
            Message::LowReserved(low) => write!(f, "{low}"),
            Message::LowFailed { size } => {
                write!(f, "Cannot reserve {}MB crashkernel low memory, please try smaller size.", size >> 20)
            }
            Message::Reserved(ck) => write!(f, "{ck}"),
        }
    }
}

/// One thing 6.1's `reserve_crashkernel()` did, in the kernel's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A `memblock_phys_alloc_range()` request (and, when `found`, its reservation).
    Request(PhysAllocRequest),
    /// `memblock_phys_free()` of the crash kernel after its low part failed.
    Free {
        /// Base.
        base: u64,
        /// Size.
        size: u64,
        /// The caller's symbol in the trace ([`REQUEST_CALLER`]).
        caller: Label,
    },
    /// A printed line.
    Message(Message),
}

/// The most steps one call can take: a parser message for the plain form and one for
/// `,high`, or a parser message for `,low`, plus at most two requests, the low part's request
/// and its message, and the free or the main message. Six at most; room for eight.
const MAX_STEPS: usize = 8;

/// The steps of one call, in order (a fixed-size list: the crate needs no allocator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Steps {
    items: [Option<Step>; MAX_STEPS],
    len: usize,
}

impl Steps {
    const fn new() -> Self {
        Steps { items: [None; MAX_STEPS], len: 0 }
    }

    /// Appends a step. The bound above is a property of the code; a step past it would be
    /// dropped rather than panic.
    fn push(&mut self, step: Step) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = Some(step);
            self.len += 1;
        }
    }

    /// Records and logs a line of `reserve_crashkernel()` itself.
    fn say(&mut self, m: Message) {
        log::log!(m.level(), "{m}");
        self.push(Step::Message(m));
    }

    /// All steps in order.
    pub fn iter(&self) -> impl Iterator<Item = &Step> + '_ {
        self.items.iter().take(self.len).flatten()
    }

    /// The memblock requests in order.
    pub fn requests(&self) -> impl Iterator<Item = &PhysAllocRequest> + '_ {
        self.iter().filter_map(|s| match s {
            Step::Request(r) => Some(r),
            _ => None,
        })
    }

    /// The printed lines in order.
    pub fn messages(&self) -> impl Iterator<Item = &Message> + '_ {
        self.iter().filter_map(|s| match s {
            Step::Message(m) => Some(m),
            _ => None,
        })
    }

    /// How many steps.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing happened (no `crashkernel=` option).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// What 6.1's `reserve_crashkernel()` left: the crash kernel (or why there is none), and
/// everything it asked and printed on the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Linux61Outcome {
    /// As [`crate::reserve_crashkernel`]: `Ok(None)` when no crash kernel was asked for.
    pub result: Result<Option<CrashKernel>, Error>,
    /// The requests and messages, in the kernel's order.
    pub steps: Steps,
}

/// `reserve_crashkernel()` of Linux 6.1 (x86-64), after `initmem_init()` as in every kernel
/// since the series. `params.profile` is not consulted: 6.1 always has its own `memparse()`.
///
/// ```
/// use crashkernel::{CrashParams, initmem_init, reserve_crashkernel_6_1};
/// use x86_mm_bottomup::memblock_bottomup::{BottomUp, SeriesMemblock};
/// let mut mb = SeriesMemblock::series(0x443_0000);
/// mb.add(0x10_0000, 0xbff0_0000).unwrap();                 // 1 MiB .. 3 GiB
/// mb.reserve(0x100_0000, 0x341_1000).unwrap();             // the kernel
/// let (_, srat) = initmem_init(&mut mb, |_mb| {});
/// let out = reserve_crashkernel_6_1(&mut mb, &CrashParams::new(b"crashkernel=256M"), &srat);
/// let ck = out.result.unwrap().unwrap();
/// // The low try: top-down below 4 GiB, 16 MiB aligned: [2816 MiB, 3072 MiB).
/// assert_eq!((ck.base, ck.size), (0xb000_0000, 0x1000_0000));
/// let req = out.steps.requests().next().unwrap();
/// assert_eq!(
///     req.to_string(),
///     "memblock_phys_alloc_range: 268435456 bytes align=0x1000000 \
///      from=0x0000000001000000 max_addr=0x0000000100000000 setup_arch"
/// );
/// ```
pub fn reserve_crashkernel_6_1<P: Placement>(
    mb: &mut Memblock<P>,
    params: &CrashParams<'_>,
    _after: &SratParsed,
) -> Linux61Outcome {
    let mut steps = Steps::new();
    let result = reserve(mb, params, &mut steps);
    Linux61Outcome { result, steps }
}

fn reserve<P: Placement>(
    mb: &mut Memblock<P>,
    params: &CrashParams<'_>,
    steps: &mut Steps,
) -> Result<Option<CrashKernel>, Error> {
    let total_mem = mb.phys_mem_size();
    let plain = parse(params.cmdline, total_mem, Suffix::Null, steps);
    let Some(Chosen { request, high, plain_error }) =
        choose_request(plain, || parse(params.cmdline, total_mem, Suffix::High, steps))?
    else {
        return Ok(None);
    };
    // Only a plain form that printed a warning is worth keeping.
    let ignored = plain_error.filter(|e| e.kernel_message().is_some());
    let CrashkernelRequest { size, base } = request;
    let base = if base == 0 {
        let low = if high { None } else { phys_alloc_range(mb, steps, Purpose::LowTry, size, 0, OWNER) };
        let found = low.or_else(|| phys_alloc_range(mb, steps, Purpose::HighTry, size, 0, OWNER));
        let Some(base) = found else {
            steps.say(Message::NoSuitableArea);
            return Err(Error::NoSuitableArea { size, limit: CRASH_ADDR_HIGH_MAX });
        };
        base
    } else {
        // The window is exactly `size` long, so only `base` itself can be found.
        if phys_alloc_range(mb, steps, Purpose::FixedBase, size, base, OWNER) != Some(base) {
            steps.say(Message::MemoryInUse);
            return Err(Error::MemoryInUse { base, size });
        }
        base
    };
    let mut ck = CrashKernel { base, size, high, system_ram: total_mem, low: None, ignored };
    if base >= CRASH_ADDR_LOW_MAX {
        match reserve_crashkernel_low(mb, params, total_mem, steps) {
            Ok(low) => ck.low = Some(low),
            Err(low_size) => {
                // The kernel ignores whether the free worked; so does the model.
                let _ = mb.free_as(base, size, OWNER);
                steps.push(Step::Free { base, size, caller: REQUEST_CALLER });
                return Err(Error::LowPartFailed { low_size, base, size });
            }
        }
    }
    steps.say(Message::Reserved(ck));
    Ok(Some(ck))
}

/// `reserve_crashkernel_low()` of 6.1. `Err` carries the size that could not be placed.
fn reserve_crashkernel_low<P: Placement>(
    mb: &mut Memblock<P>,
    params: &CrashParams<'_>,
    total_mem: u64,
    steps: &mut Steps,
) -> Result<LowOutcome, u64> {
    let low_mem_limit = total_mem.min(CRASH_ADDR_LOW_MAX);
    let (size, auto) = match parse(params.cmdline, low_mem_limit, Suffix::Low, steps) {
        Err(_) => {
            let swiotlb = swiotlb_size_or_default(params.swiotlb_nslabs);
            (swiotlb.wrapping_add(CRASH_LOW_EXTRA).max(CRASH_LOW_DEFAULT_MIN), true)
        }
        Ok(r) if r.size == 0 => return Ok(LowOutcome::Disabled),
        Ok(r) => (r.size, false),
    };
    let Some(base) = phys_alloc_range(mb, steps, Purpose::LowPart, size, 0, OWNER_LOW) else {
        steps.say(Message::LowFailed { size });
        return Err(size);
    };
    let low = LowReservation { base, size, total_low_mem: low_mem_limit, auto, variant: Variant::Linux61 };
    steps.say(Message::LowReserved(low));
    Ok(LowOutcome::Reserved(low))
}

/// One of 6.1's three parsers, recording what it printed. The parser logs its own lines.
fn parse(
    cmdline: &[u8],
    system_ram: u64,
    suffix: Suffix,
    steps: &mut Steps,
) -> Result<CrashkernelRequest, CrashkernelError> {
    let grammar = Grammar::Linux61;
    let r = CrashkernelSpec::parse_in(cmdline, suffix, Profile::Modern, grammar).and_then(|spec| {
        let r = spec.resolve(system_ram);
        if matches!((spec, r), (CrashkernelSpec::Ranges(_), Ok(CrashkernelRequest { size: 0, .. }))) {
            steps.push(Step::Message(Message::ZeroBytes));
        }
        r
    });
    if let Err(e) = r
        && let Some(m) = e.message(grammar)
    {
        steps.push(Step::Message(Message::Parse(m)));
    }
    r
}

/// `memblock_phys_alloc_range(size, align, from, max_addr)` of 6.1 for one `purpose`:
/// `memblock_alloc_range_nid()` on any node, that is memblock's search over the window (an
/// explicit end is not capped at `current_limit`) and, if it finds a block, its reservation;
/// a reservation that fails makes the call fail, as in the kernel. Any node means there is no
/// other node to retry on. The reservation is attributed to `owner` in memblock's trace.
fn phys_alloc_range<P: Placement>(
    mb: &mut Memblock<P>,
    steps: &mut Steps,
    purpose: Purpose,
    size: u64,
    base: u64,
    owner: Label,
) -> Option<u64> {
    let (align, from, max_addr) = purpose.window(size, base);
    // A window that wraps past 2^64 holds nothing, in the kernel as here (its wrapped end
    // is at most `current_limit`, below a base that close to 2^64, or too short for the size).
    let wraps = purpose == Purpose::FixedBase && base.checked_add(size).is_none();
    let found = if wraps { None } else { mb.with_caller(owner, |mb| mb.find_in_range(from, max_addr, size, align)) }
        .filter(|&addr| mb.reserve_as(addr, size, owner).is_ok());
    steps.push(Step::Request(PhysAllocRequest { purpose, size, align, from, max_addr, caller: REQUEST_CALLER, found }));
    found
}
