//! What memblock tells the world: warnings, messages and the `memblock=debug` trace.
//!
//! Every event is logged through the `log` crate in the kernel's own words as it happens.
//! With the `alloc` feature the events are also kept, in order, so that a report (or the
//! op-script interpreter) can lay them beside a kernel's output: warnings and errors always,
//! the debug trace (`memblock_reserve: [...] caller`) while tracing is on.

use core::fmt;

use crate::region::Label;
use crate::region_type::RegionKind;

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
    /// `WARN_ONCE` of `memblock_find_in_range_node()` after patch 2: a bottom-up search above
    /// the kernel found nothing and memblock fell back to top-down.
    BottomUpFailed,
    /// The 3.14 one-time warning for an iterator or search called with `MAX_NUMNODES`.
    MaxNumnodesDeprecated,
}

impl Warning {
    /// The text the kernel prints: the `WARN_ONCE` message, or the condition of a `WARN_ON`.
    pub const fn kernel_text(self) -> &'static str {
        match self {
            Warning::AlignZero => "WARN_ON(!align)",
            Warning::AddToEmptyNotClean => "WARN_ON(type->cnt != 1 || type->total_size)",
            Warning::TotalSizeNotZero => "WARN_ON(type->total_size != 0)",
            Warning::BottomUpFailed => "memblock: bottom-up allocation failed, memory hotunplug may be affected",
            Warning::MaxNumnodesDeprecated => "Usage of MAX_NUMNODES is deprecated. Use NUMA_NO_NODE instead",
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
}

impl Event {
    /// Whether the kernel prints this only under `memblock=debug`.
    pub const fn is_debug(&self) -> bool {
        matches!(self, Event::Reserve { .. } | Event::Free { .. } | Event::Doubled { .. })
    }
}

impl fmt::Display for Event {
    /// The line the kernel prints (3.12 formats; `%pF` is rendered as the label).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Event::Warn(w) => f.write_str(w.kernel_text()),
            Event::Reserve { base, size, caller } => {
                write!(f, "memblock_reserve: [{:#016x}-{:#016x}] {}", base, base.wrapping_add(size), caller)
            }
            Event::Free { base, size, caller } => {
                write!(f, "   memblock_free: [{:#016x}-{:#016x}] {}", base, base.wrapping_add(size), caller)
            }
            Event::Doubled { kind, new_max, addr, bytes } => write!(
                f,
                "memblock: {} is doubled to {} at [{:#010x}-{:#010x}]",
                kind.name(),
                new_max,
                addr,
                addr.wrapping_add(bytes).wrapping_sub(1)
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

/// The event record of one memblock instance.
#[derive(Debug, Clone, Default)]
pub struct EventLog {
    debug: bool,
    trace: bool,
    warnings: usize,
    /// One bit per `WARN_ONCE` site that has fired.
    once: u8,
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

    /// Keep debug events (reserve/free/doubling) in the record even without `memblock=debug`.
    pub fn set_trace(&mut self, on: bool) {
        self.trace = on;
    }

    /// How many warnings were raised so far.
    pub fn warnings(&self) -> usize {
        self.warnings
    }

    /// Records a `WARN_ONCE`: only the first call for each warning is recorded. Returns
    /// whether it fired.
    pub fn warn_once(&mut self, w: Warning) -> bool {
        let bit = 1u8 << (w as u8);
        let first = self.once & bit == 0;
        self.once |= bit;
        if first {
            self.push(Event::Warn(w));
        }
        first
    }

    /// Records and logs one event.
    pub fn push(&mut self, ev: Event) {
        match &ev {
            Event::Warn(w) => {
                self.warnings += 1;
                log::warn!("{w}");
            }
            Event::DoubleFailed { .. } => log::error!("{ev}"),
            _ if self.debug => log::info!("{ev}"),
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
