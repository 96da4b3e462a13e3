//! # crashkernel — patch 5/6 of the `movable_node` series
//!
//! "x86, acpi, crash, kdump: do reserve_crashkernel() after SRAT is parsed". The crash kernel
//! (`crashkernel=`) is the largest early reservation, often hundreds of MiB. In 3.12 it was
//! reserved before `initmem_init()` parsed SRAT: blind to which memory is hotpluggable. The
//! patch only moves the call after `initmem_init()`. By then `numa_init()` has put memblock
//! back to top-down (patch 6), and with the follow-up series (3.14) hotpluggable memory is
//! skipped, so the reservation is made where the kernel can afford it.
//!
//! The order is the whole patch, so the API makes it visible: [`reserve_crashkernel`] takes a
//! [`SratParsed`], which only [`initmem_init`] produces, so calling it too early does not
//! compile. The 3.12 placement stays callable as [`reserve_crashkernel_before_srat`] for a
//! before/after comparison.
//!
//! Linux 6.1's version, chosen by [`Variant::Linux61`], is [`reserve_crashkernel_6_1`] (module
//! [`linux61`]): a low try below 4 GiB, a high try below 64 TiB, a larger low part, 6.1's
//! parser ([`Grammar::Linux61`]), and every memblock request it makes, in order.
//!
//! ```
//! use crashkernel::{CrashParams, initmem_init, reserve_crashkernel};
//! use x86_mm_bottomup::memblock_bottomup::{BottomUp, SeriesMemblock};
//! let mut mb = SeriesMemblock::series(0x400_0000);
//! mb.add(0x10_0000, 0xbff0_0000).unwrap();                 // 1 MiB .. 3 GiB
//! mb.reserve(0x100_0000, 0x300_0000).unwrap();             // the kernel
//! let params = CrashParams::new(b"ro movable_node crashkernel=256M");
//! let (_, srat) = initmem_init(&mut mb, |_mb| { /* SRAT and NUMA set-up */ });
//! let ck = reserve_crashkernel(&mut mb, &params, &srat).unwrap().unwrap();
//! // Top-down below 896 MiB, 16 MiB aligned: [640 MiB, 896 MiB).
//! assert_eq!((ck.base, ck.size), (0x2800_0000, 0x1000_0000));
//! assert_eq!(ck.to_string(), "Reserving 256MB of memory at 640MB for crashkernel (System RAM: 3071MB)");
//! ```

#![no_std]
#![deny(missing_docs)]
#![warn(clippy::missing_errors_doc)]

pub mod cmdline;
mod error;
pub mod linux61;
mod phase;
mod reserve;
mod variant;

pub use cmdline::error::{CrashkernelError, EINVAL, KernelMessage};
pub use cmdline::grammar::{ENOENT, Grammar};
pub use cmdline::memparse::{Profile, memparse, memparse_with};
pub use cmdline::parse::{
    CRASHKERNEL, CrashkernelRequest, CrashkernelSpec, RangeEntries, RangeEntry, RangeList, Suffix, ZERO_BYTES,
    parse_crashkernel, parse_crashkernel_high, parse_crashkernel_in, parse_crashkernel_low, parse_crashkernel_with,
};
pub use error::Error;
pub use linux61::{
    CRASH_ADDR_HIGH_MAX, CRASH_ADDR_LOW_MAX, Linux61Outcome, PhysAllocRequest, Purpose, reserve_crashkernel_6_1,
};
pub use phase::{SratParsed, initmem_init};
pub use reserve::{
    CRASH_ALIGN, CRASH_KERNEL_ADDR_HIGH_MAX, CRASH_KERNEL_ADDR_LOW_MAX, CrashKernel, CrashParams, IO_TLB_DEFAULT_SIZE,
    IO_TLB_SEGSIZE, IO_TLB_SHIFT, LowOutcome, LowReservation, Resource, parse_swiotlb, reserve_crashkernel,
    reserve_crashkernel_before_srat, swiotlb_size_or_default,
};
pub use variant::Variant;
pub use x86_mm_bottomup;
pub use x86_mm_bottomup::memblock_bottomup;
// The items of the layers below that this layer's users name through it, listed one by one
// (no glob), so that no name of this layer silently shadows one of the layer below.
pub use x86_mm_bottomup::{
    CpuFeatures, DirectMap, E820Entry, E820Error, E820Table, E820Type, INIT_PGT_BUF_SIZE, ISA_END_ADDRESS,
    MAX_ARCH_PFN, MAXMEM, MapEvent, MappingSetup, PAGE_OFFSET, PgtSource, SeriesWalk, limit_ram, trim_bios_range,
};
