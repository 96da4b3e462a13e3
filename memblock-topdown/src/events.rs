//! What memblock tells the world: warnings, messages and the `memblock=debug` trace.
//!
//! Every event is logged through the `log` crate in the kernel's own words as it happens.
//! With the `alloc` feature the events are also kept, in order, so that a report (or the
//! op-script interpreter) can lay them beside a kernel's output: warnings and errors always,
//! the debug trace (`memblock_reserve: [...] caller`) while tracing is on.

use core::fmt;

use crate::allocate::VirtAllocRequest;
use crate::label::Label;
use crate::printk::alt_hex;
use crate::region_type::RegionKind;

/// How the modelled kernel prints its `memblock=debug` trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum TraceFormat {
    /// 3.12 and 3.13: `memblock_reserve: [%#016llx-%#016llx] %pF`, the end printed as
    /// `base + size` (exclusive).
    #[default]
    Series,
    /// 3.14: `memblock_reserve: [%#016llx-%#016llx] flags %#02lx %pF` and `memblock_free`
    /// with the end printed as `base + size - 1` (inclusive; it wraps for size 0 at base 0).
    V3_14,
}

/// A kernel warning (`WARN_ON`, `WARN_ONCE`) that memblock or a layer above it raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Warning {
    /// `WARN_ON(!align)` in `memblock_alloc_base_nid()`: an allocation asked for alignment 0
    /// (3.12/3.13 then use 8). It fires on every such call.
    AlignZero,
    /// `WARN_ON(type->cnt != 1 || type->total_size)` in `memblock_add_region()`: an empty
    /// array whose `total_size` drifted (after `memblock_trim_memory`) got a new region.
    AddToEmptyNotClean,
    /// `WARN_ON(type->total_size != 0)` in `memblock_remove_region()`: an array became empty
    /// while its `total_size` was not zero.
    TotalSizeNotZero,
    /// A warning that a later patch or kernel defines and raises through this layer's seams:
    /// patch 2's bottom-up fallback (`memblock_bottomup::BOTTOM_UP_FAILED`), 3.14's
    /// `MAX_NUMNODES` deprecation ([`MAX_NUMNODES_DEPRECATED`](crate::MAX_NUMNODES_DEPRECATED)).
    /// memblock logs, counts and records it as it does its own.
    Layer(LayerWarning),
}

/// A warning defined by the layer (patch or kernel version) that raises it: its text, as the
/// kernel prints it. Two are the same warning when their texts are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LayerWarning {
    text: &'static str,
}

impl LayerWarning {
    /// A warning whose kernel text (the `WARN_ONCE` message or the `WARN_ON` condition) is
    /// `text`.
    pub const fn new(text: &'static str) -> Self {
        LayerWarning { text }
    }

    /// The text the kernel prints.
    pub const fn kernel_text(self) -> &'static str {
        self.text
    }
}

impl Warning {
    /// The text the kernel prints: the `WARN_ONCE` message, or the condition of a `WARN_ON`.
    pub const fn kernel_text(self) -> &'static str {
        match self {
            Warning::AlignZero => "WARN_ON(!align)",
            Warning::AddToEmptyNotClean => "WARN_ON(type->cnt != 1 || type->total_size)",
            Warning::TotalSizeNotZero => "WARN_ON(type->total_size != 0)",
            Warning::Layer(w) => w.kernel_text(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kernel_text())
    }
}

/// One thing memblock did or said, in the kernel's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A warning (printed by the kernel whether or not `memblock=debug` is on).
    Warn(Warning),
    /// `memblock_reserve()` of `[base, base + size)` by `caller` (a debug line).
    Reserve {
        /// First byte.
        base: u64,
        /// Length as the caller asked (uncapped, as the kernel prints it).
        size: u64,
        /// Who asked.
        caller: Label,
    },
    /// `memblock_free()` of `[base, base + size)` by `caller` (a debug line).
    Free {
        /// First byte.
        base: u64,
        /// Length as the caller asked.
        size: u64,
        /// Who asked.
        caller: Label,
    },
    /// `memblock: %s is doubled to %ld at [...]` (a debug line).
    Doubled {
        /// Which array.
        kind: RegionKind,
        /// The new `max`.
        new_max: usize,
        /// Where the new array lives.
        addr: u64,
        /// Its unaligned size in bytes (`2 × max × sizeof(region)`).
        bytes: u64,
    },
    /// `memblock: Failed to double %s array from %ld to %ld entries !` (`pr_err`, always
    /// printed).
    DoubleFailed {
        /// Which array.
        kind: RegionKind,
        /// `max` before.
        from: usize,
    },
    /// The entry line of 3.14's `memblock_virt_alloc_try_nid[_nopanic]()` (a debug line):
    /// `<function>: %llu bytes align=0x%llx nid=%d from=0x%llx max_addr=0x%llx %pF`, with the
    /// caller's arguments as passed.
    VirtAlloc {
        /// `memblock_virt_alloc_try_nid` or `memblock_virt_alloc_try_nid_nopanic`.
        function: &'static str,
        /// The arguments as passed.
        req: VirtAllocRequest,
        /// Who asked.
        caller: Label,
    },
    /// 3.14's `__memblock_free_early()` of `[base, base + size)` (a debug line,
    /// `__memblock_free_early: [%#016llx-%#016llx] %pF` with an inclusive end).
    FreeEarly {
        /// First byte.
        base: u64,
        /// Length.
        size: u64,
        /// Who asked.
        caller: Label,
    },
}

impl Event {
    /// Whether the kernel prints this only under `memblock=debug`.
    pub const fn is_debug(&self) -> bool {
        matches!(
            self,
            Event::Reserve { .. }
                | Event::Free { .. }
                | Event::Doubled { .. }
                | Event::VirtAlloc { .. }
                | Event::FreeEarly { .. }
        )
    }

    /// The line a kernel printing its trace in `format` prints for this event, with `%pF`
    /// rendered as `caller` (or as the event's own label when `caller` is `None`).
    pub fn kernel_line<'a>(&'a self, format: TraceFormat, caller: Option<&'a str>) -> KernelLine<'a> {
        KernelLine { event: self, format, caller }
    }
}

/// One event as a kernel line: see [`Event::kernel_line`].
#[derive(Debug, Clone, Copy)]
pub struct KernelLine<'a> {
    event: &'a Event,
    format: TraceFormat,
    caller: Option<&'a str>,
}

impl<'a> fmt::Display for KernelLine<'a> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let event: &'a Event = self.event;
        let caller = |label: &'a Label| -> &'a str { self.caller.unwrap_or(label.as_str()) };
        // 3.14 prints inclusive ends in its reserve and free lines.
        let last = |base: u64, size: u64| match self.format {
            TraceFormat::Series => base.wrapping_add(size),
            TraceFormat::V3_14 => base.wrapping_add(size).wrapping_sub(1),
        };
        match *event {
            Event::Warn(w) => f.write_str(w.kernel_text()),
            Event::Reserve { base, size, caller: ref who } => {
                write!(f, "memblock_reserve: [{}-{}] ", alt_hex(base, 16), alt_hex(last(base, size), 16))?;
                if self.format == TraceFormat::V3_14 {
                    // The public API always reserves with flags 0.
                    write!(f, "flags {} ", alt_hex(0, 2))?;
                }
                f.write_str(caller(who))
            }
            Event::Free { base, size, caller: ref who } => {
                let (from, to) = (alt_hex(base, 16), alt_hex(last(base, size), 16));
                write!(f, "   memblock_free: [{from}-{to}] {}", caller(who))
            }
            Event::Doubled { kind, new_max, addr, bytes } => write!(
                f,
                "memblock: {} is doubled to {} at [{}-{}]",
                kind.name(),
                new_max,
                alt_hex(addr, 10),
                alt_hex(addr.wrapping_add(bytes).wrapping_sub(1), 10)
            ),
            Event::VirtAlloc { function, req: r, caller: ref who } => write!(
                f,
                "{function}: {} bytes align={:#x} nid={} from={:#x} max_addr={:#x} {}",
                r.size,
                r.align,
                r.nid,
                r.min_addr,
                r.max_addr,
                caller(who)
            ),
            Event::FreeEarly { base, size, caller: ref who } => write!(
                f,
                "__memblock_free_early: [{}-{}] {}",
                alt_hex(base, 16),
                alt_hex(base.wrapping_add(size).wrapping_sub(1), 16),
                caller(who)
            ),
            Event::DoubleFailed { kind, from } => write!(
                f,
                "memblock: Failed to double {} array from {} to {} entries !",
                kind.name(),
                from,
                from.saturating_mul(2)
            ),
        }
    }
}

impl fmt::Display for Event {
    /// The line the kernel prints in 3.12/3.13's trace format (`%pF` is rendered as the
    /// label).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kernel_line(TraceFormat::Series, None).fmt(f)
    }
}

/// The event record of one memblock instance.
#[derive(Debug, Clone, Default)]
pub struct EventLog {
    debug: bool,
    format: TraceFormat,
    trace: bool,
    warnings: usize,
    /// One bit per `WARN_ONCE` site that has fired.
    once: u16,
    #[cfg(feature = "alloc")]
    events: alloc::vec::Vec<Event>,
}

impl EventLog {
    /// `memblock_debug` (`memblock=debug`): debug lines go to `log` at info level.
    pub fn set_debug(&mut self, on: bool) {
        self.debug = on;
    }

    /// Whether `memblock=debug` is on.
    pub fn debug(&self) -> bool {
        self.debug
    }

    /// Sets how the modelled kernel prints its trace (3.12/3.13 or 3.14).
    pub fn set_format(&mut self, format: TraceFormat) {
        self.format = format;
    }

    /// How the modelled kernel prints its trace.
    pub fn format(&self) -> TraceFormat {
        self.format
    }

    /// Keep debug events (reserve/free/doubling) in the record even without `memblock=debug`.
    pub fn set_trace(&mut self, on: bool) {
        self.trace = on;
    }

    /// How many warnings were raised so far.
    pub fn warnings(&self) -> usize {
        self.warnings
    }

    /// Records the `WARN_ONCE` whose site is `bit` (0..16) of the once-only register: only
    /// its first call is recorded. Returns whether it fired.
    pub(crate) fn warn_once_bit(&mut self, bit: u16, w: Warning) -> bool {
        let bit = 1 << (bit % 16);
        let first = self.once & bit == 0;
        self.once |= bit;
        if first {
            self.push(Event::Warn(w));
        }
        first
    }

    /// Records and logs one event.
    #[inline]
    pub fn push(&mut self, ev: Event) {
        // The usual case, inlined so that the event (a label of up to 128 bytes) need not be
        // built: a debug-only event with neither the debug log nor the trace on is dropped.
        if ev.is_debug() && self.drops_debug() {
            return;
        }
        self.log_and_record(ev);
    }

    /// Whether a debug-only event ([`Event::is_debug`]) would be neither printed nor kept.
    #[inline]
    pub(crate) fn drops_debug(&self) -> bool {
        !self.debug && !self.trace
    }

    fn log_and_record(&mut self, ev: Event) {
        match &ev {
            Event::Warn(w) => {
                self.warnings += 1;
                log::warn!("{w}");
            }
            Event::DoubleFailed { .. } => log::error!("{ev}"),
            _ if self.debug => log::info!("{}", ev.kernel_line(self.format, None)),
            _ => {}
        }
        #[cfg(feature = "alloc")]
        if !ev.is_debug() || self.trace || self.debug {
            self.events.push(ev);
        }
    }

    /// The events recorded so far, oldest first.
    #[cfg(feature = "alloc")]
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Takes the recorded events, leaving the record empty.
    #[cfg(feature = "alloc")]
    pub fn take(&mut self) -> alloc::vec::Vec<Event> {
        core::mem::take(&mut self.events)
    }
}
