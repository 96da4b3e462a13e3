//! `reserve_crashkernel()` and `reserve_crashkernel_low()` of x86-64 (arch/x86/kernel/setup.c,
//! 3.12/3.13) and the resources they leave in `/proc/iomem`.

use core::fmt;

use x86_mm_bottomup::MAXMEM;
use x86_mm_bottomup::memblock_bottomup::{Memblock, Placement};

use crate::cmdline::error::CrashkernelError;
use crate::cmdline::memparse::{Profile, simple_strtoull};
use crate::cmdline::parse::{CrashkernelRequest, Suffix, parse_crashkernel_with};
use crate::error::Error;
use crate::phase::SratParsed;
use crate::variant::Variant;

/// The alignment of both reservations: a local `16<<20` in 3.12 (`CRASH_ALIGN` later).
pub const CRASH_ALIGN: u64 = 16 << 20;

/// `CRASH_KERNEL_ADDR_LOW_MAX` on x86-64: 896 MiB ("old kexec-tools need bzImage below
/// 896M"). 512 MiB on x86-32.
pub const CRASH_KERNEL_ADDR_LOW_MAX: u64 = 896 << 20;

/// `CRASH_KERNEL_ADDR_HIGH_MAX` on x86-64: `MAXMEM`, 64 TiB. 512 MiB on x86-32.
pub const CRASH_KERNEL_ADDR_HIGH_MAX: u64 = MAXMEM;

/// `IO_TLB_DEFAULT_SIZE`: the default swiotlb bounce buffer, 64 MiB.
pub const IO_TLB_DEFAULT_SIZE: u64 = 64 << 20;

/// `IO_TLB_SHIFT`: one swiotlb slab is 2 KiB.
pub const IO_TLB_SHIFT: u32 = 11;

/// `IO_TLB_SEGSIZE`: `swiotlb=` slab counts are rounded up to a multiple of 128.
pub const IO_TLB_SEGSIZE: u64 = 128;

/// `setup_io_tlb_npages()`: the slab count of `swiotlb=<nslabs>[,force]`, rounded up to
/// `IO_TLB_SEGSIZE`.
pub fn parse_swiotlb(value: &[u8]) -> u64 {
    let (nslabs, _) = simple_strtoull(value, 0);
    nslabs.wrapping_add(IO_TLB_SEGSIZE - 1) & !(IO_TLB_SEGSIZE - 1)
}

/// `swiotlb_size_or_default()`: the bounce buffer's size for `nslabs` slabs (0: not set).
pub fn swiotlb_size_or_default(nslabs: u64) -> u64 {
    match nslabs.wrapping_shl(IO_TLB_SHIFT) {
        0 => IO_TLB_DEFAULT_SIZE,
        size => size,
    }
}

/// What `reserve_crashkernel()` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrashParams<'a> {
    /// `boot_command_line`.
    pub cmdline: &'a [u8],
    /// `io_tlb_nslabs` from `swiotlb=` (0 when not given).
    pub swiotlb_nslabs: u64,
    /// Which kernel's `memparse` suffixes apply (to the series' `reserve_crashkernel()`; 6.1's
    /// always uses its own).
    pub profile: Profile,
}

impl<'a> CrashParams<'a> {
    /// The command line with 3.12's defaults for the rest.
    pub fn new(cmdline: &'a [u8]) -> Self {
        CrashParams { cmdline, swiotlb_nslabs: 0, profile: Profile::default() }
    }
}

/// A resource as `/proc/iomem` lists it (`crashk_res`, `crashk_low_res`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    /// First byte.
    pub start: u64,
    /// Last byte.
    pub end: u64,
    /// `Crash kernel`.
    pub name: &'static str,
}

impl fmt::Display for Resource {
    /// `%08llx-%08llx : name`, the line of `/proc/iomem` (without its nesting indent).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}-{:08x} : {}", self.start, self.end, self.name)
    }
}

/// The low part that a crash kernel above 4 GiB needs for DMA (`reserve_crashkernel_low()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LowReservation {
    /// Base.
    pub base: u64,
    /// Size.
    pub size: u64,
    /// As printed: `memblock_mem_size(4 GiB)` (3.13's "System low RAM"), or 6.1's
    /// `low_mem_limit`, min(`memblock_phys_mem_size()`, 4 GiB).
    pub total_low_mem: u64,
    /// Whether the size was the default (swiotlb + 8 MiB; in 6.1 at least 256 MiB) rather
    /// than `crashkernel=Y,low`.
    pub auto: bool,
    /// Which kernel reserved it (the message differs).
    pub variant: Variant,
}

impl LowReservation {
    /// `crashk_low_res`.
    pub fn resource(&self) -> Resource {
        Resource { start: self.base, end: self.base + self.size - 1, name: "Crash kernel" }
    }
}

impl fmt::Display for LowReservation {
    /// `Reserving %ldMB of low memory at %ldMB for crashkernel (System low RAM: %ldMB)`, or
    /// in 6.1 `(low RAM limit: %ldMB)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.variant {
            Variant::Series => "System low RAM",
            Variant::Linux61 => "low RAM limit",
        };
        write!(
            f,
            "Reserving {}MB of low memory at {}MB for crashkernel ({what}: {}MB)",
            self.size >> 20,
            self.base >> 20,
            self.total_low_mem >> 20
        )
    }
}

/// What `reserve_crashkernel_low()` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LowOutcome {
    /// Reserved.
    Reserved(LowReservation),
    /// `crashkernel=0,low`: the user declined it.
    Disabled,
    /// No room below 4 GiB. The kernel says so only when the user gave the size
    /// (`crashkernel low reservation failed - No suitable area found.`).
    Failed {
        /// Bytes asked for.
        size: u64,
        /// Whether the size came from `crashkernel=Y,low`.
        user_specified: bool,
    },
}

/// A reserved crash kernel (`crashk_res`) and what came with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrashKernel {
    /// Base.
    pub base: u64,
    /// Size.
    pub size: u64,
    /// Whether it came from `crashkernel=X,high`.
    pub high: bool,
    /// `memblock_phys_mem_size()` as printed.
    pub system_ram: u64,
    /// The low part, for a crash kernel at or above 4 GiB.
    pub low: Option<LowOutcome>,
    /// A plain `crashkernel=` that failed to parse before `,high` was used (its warning was
    /// printed).
    pub ignored: Option<CrashkernelError>,
}

impl CrashKernel {
    /// `crashk_res`.
    pub fn resource(&self) -> Resource {
        Resource { start: self.base, end: self.base + self.size - 1, name: "Crash kernel" }
    }
}

impl fmt::Display for CrashKernel {
    /// The kernel's `Reserving %ldMB of memory at %ldMB for crashkernel (System RAM: %ldMB)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Reserving {}MB of memory at {}MB for crashkernel (System RAM: {}MB)",
            self.size >> 20,
            self.base >> 20,
            self.system_ram >> 20
        )
    }
}

/// `reserve_crashkernel()` where patch 5 puts it: after `initmem_init()`, which the
/// [`SratParsed`] proves. `Ok(None)`: no crash kernel was asked for.
///
/// # Errors
///
/// [`Error::Syntax`] when `crashkernel=` does not read (the kernel warns and reserves nothing),
/// [`Error::NoSuitableArea`] when no block of the size fits below the limit, [`Error::MemoryInUse`]
/// when a fixed base is not free RAM for the whole size, [`Error::Memblock`] when memblock cannot
/// record the reservation.
pub fn reserve_crashkernel<P: Placement>(
    mb: &mut Memblock<P>,
    params: &CrashParams<'_>,
    _after: &SratParsed,
) -> Result<Option<CrashKernel>, Error> {
    reserve(mb, params)
}

/// `reserve_crashkernel()` where 3.12 called it: before SRAT is parsed (so, with
/// `movable_node`, bottom-up right above the kernel). Kept for before/after comparisons.
///
/// # Errors
///
/// [`Error::Syntax`] when `crashkernel=` does not read (the kernel warns and reserves nothing),
/// [`Error::NoSuitableArea`] when no block of the size fits below the limit, [`Error::MemoryInUse`]
/// when a fixed base is not free RAM for the whole size, [`Error::Memblock`] when memblock cannot
/// record the reservation.
pub fn reserve_crashkernel_before_srat<P: Placement>(
    mb: &mut Memblock<P>,
    params: &CrashParams<'_>,
) -> Result<Option<CrashKernel>, Error> {
    reserve(mb, params)
}

fn reserve<P: Placement>(mb: &mut Memblock<P>, params: &CrashParams<'_>) -> Result<Option<CrashKernel>, Error> {
    let total_mem = mb.phys_mem_size();
    let plain = parse_crashkernel_with(params.cmdline, total_mem, Suffix::Null, params.profile);
    let high = || parse_crashkernel_with(params.cmdline, total_mem, Suffix::High, params.profile);
    let Some(Chosen { request, high, plain_error: ignored }) = choose_request(plain, high)? else {
        return Ok(None);
    };
    let CrashkernelRequest { size, base } = request;
    let base = if base == 0 {
        let limit = if high { CRASH_KERNEL_ADDR_HIGH_MAX } else { CRASH_KERNEL_ADDR_LOW_MAX };
        mb.with_caller("reserve_crashkernel", |mb| mb.find_in_range(CRASH_ALIGN, limit, size, CRASH_ALIGN))
            .ok_or(Error::NoSuitableArea { size, limit })
            .inspect_err(|e| log::info!("{e}"))?
    } else {
        // The window is exactly `size` long: only `base` itself can be found.
        let found = base.checked_add(size).and_then(|end| mb.find_in_range(base, end, size, 1 << 20));
        if found != Some(base) {
            let e = Error::MemoryInUse { base, size };
            log::info!("{e}");
            return Err(e);
        }
        base
    };
    mb.reserve_as(base, size, "reserve_crashkernel")?;
    let mut ck = CrashKernel { base, size, high, system_ram: total_mem, low: None, ignored };
    log::info!("{ck}");
    if base >= 1 << 32 {
        ck.low = Some(reserve_crashkernel_low(mb, params)?);
    }
    Ok(Some(ck))
}

/// What `reserve_crashkernel()` goes on with: the plain form's request, or else `,high`'s.
pub(crate) struct Chosen {
    /// Size and base.
    pub(crate) request: CrashkernelRequest,
    /// Whether it came from `,high`.
    pub(crate) high: bool,
    /// How the plain form failed, when `,high` was used.
    pub(crate) plain_error: Option<CrashkernelError>,
}

/// The choice at the top of `reserve_crashkernel()` (3.12 to 6.1 alike): the plain form if it
/// asks for memory, else `,high` if that does. `Ok(None)`: neither does, silently; the plain
/// form's error when it failed with a warning and `,high` does not help.
pub(crate) fn choose_request(
    plain: Result<CrashkernelRequest, CrashkernelError>,
    high: impl FnOnce() -> Result<CrashkernelRequest, CrashkernelError>,
) -> Result<Option<Chosen>, Error> {
    match plain {
        Ok(request) if request.size > 0 => Ok(Some(Chosen { request, high: false, plain_error: None })),
        plain => match high() {
            Ok(request) if request.size > 0 => Ok(Some(Chosen { request, high: true, plain_error: plain.err() })),
            _ => match plain {
                Err(e) if !matches!(e, CrashkernelError::NotFound { .. }) => Err(Error::Syntax(e)),
                _ => Ok(None),
            },
        },
    }
}

/// `reserve_crashkernel_low()`: memory below 4 GiB for a crash kernel placed above it;
/// `crashkernel=Y,low`, or swiotlb's size + 8 MiB by default. The search starts at the size
/// itself (3.12; later kernels start at 0).
fn reserve_crashkernel_low<P: Placement>(mb: &mut Memblock<P>, params: &CrashParams<'_>) -> Result<LowOutcome, Error> {
    let total_low_mem = mb.mem_size(1 << (32 - 12));
    let (size, auto) = match parse_crashkernel_with(params.cmdline, total_low_mem, Suffix::Low, params.profile) {
        Err(_) => (swiotlb_size_or_default(params.swiotlb_nslabs).wrapping_add(8 << 20), true),
        Ok(r) if r.size == 0 => return Ok(LowOutcome::Disabled),
        Ok(r) => (r.size, false),
    };
    let Some(base) = mb.with_caller("reserve_crashkernel_low", |mb| mb.find_in_range(size, 1 << 32, size, CRASH_ALIGN))
    else {
        if !auto {
            log::info!("crashkernel low reservation failed - No suitable area found.");
        }
        return Ok(LowOutcome::Failed { size, user_specified: !auto });
    };
    mb.reserve_as(base, size, "reserve_crashkernel_low")?;
    let low = LowReservation { base, size, total_low_mem, auto, variant: Variant::Series };
    log::info!("{low}");
    Ok(LowOutcome::Reserved(low))
}
