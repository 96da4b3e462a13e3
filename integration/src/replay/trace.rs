//! The boot trace of a Linux 6.1 kernel booted with `memblock=debug`, read line by line
//! (spec §H.4).
//!
//! Every memblock debug line becomes a typed [`TraceEvent`] with its line number: the range
//! operations (`memblock_add`, `memblock_add_node`, `memblock_remove`, `memblock_reserve`,
//! `memblock_phys_free`, `memblock_free_late`), the allocation requests with their size,
//! alignment, node, window and caller, the array-doubling messages, and the rows of each
//! `MEMBLOCK configuration` dump. So do the lines that tell what memblock=debug does not print:
//! `Command line:`, `BIOS-e820:`, `last_pfn =`, `RAMDISK:`, `ACPI:` (the first one marks the
//! end of `init_mem_mapping()`), `ACPI: SRAT: Node`, `NUMA: Node ... ->`, `NODE_DATA(n)
//! allocated`, `NODE_DATA(n) on node m`, the dummy node, `Movable zone start for each node`
//! with its `Node` lines, and the crash kernel's messages.
//!
//! Lines may carry a `[    0.123456]` timestamp (and a `<6>` level prefix, as `dmesg -r`
//! prints), end in CRLF, and be interleaved with any other output, which is skipped. A memblock
//! line (or one of the lines above) that does not parse is reported as [`Garbled`] with its
//! line number; a last line without a newline is remembered ([`Trace::unterminated`]), since a
//! log cut mid-line usually ends in one.

use serde::Serialize;

use movable_node::memblock_bottomup::{Found, Label, ModernAlloc, Nid, SeriesMemblock};

use crate::input::{log_lines, num};

/// What a range line of memblock did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeOp {
    /// `memblock_add: [%pa-%pa] %pS` (`memblock_add()`).
    Add,
    /// `memblock_remove: [%pa-%pa] %pS` (`memblock_remove()`).
    Remove,
    /// `memblock_reserve: [%pa-%pa] %pS` (`memblock_reserve()`).
    Reserve,
    /// `memblock_phys_free: [%pa-%pa] %pS` (`memblock_phys_free()`, also behind `memblock_free()`).
    PhysFree,
    /// `memblock_free_late: [%pa-%pa] %pS` (`memblock_free_late()`: does not touch `memblock.reserved`).
    FreeLate,
}

impl RangeOp {
    /// The kernel function, as the line names it.
    pub const fn name(self) -> &'static str {
        match self {
            RangeOp::Add => "memblock_add",
            RangeOp::Remove => "memblock_remove",
            RangeOp::Reserve => "memblock_reserve",
            RangeOp::PhysFree => "memblock_phys_free",
            RangeOp::FreeLate => "memblock_free_late",
        }
    }
}

/// Which 6.1 allocation entry point printed a request line (spec §H.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// `memblock_phys_alloc_range()` (also `memblock_phys_alloc()`); no `nid=` field.
    PhysAllocRange,
    /// `memblock_alloc_try_nid()` (also `memblock_alloc`, `_from`, `_low`, `_node`).
    AllocTryNid,
    /// `memblock_alloc_try_nid_raw()` (also `memblock_alloc_raw`).
    AllocTryNidRaw,
    /// `memblock_alloc_exact_nid_raw()`: no fallback to another node.
    AllocExactNidRaw,
    /// `memblock_phys_alloc_try_nid()`: prints no request line; `NODE_DATA` is allocated so.
    PhysAllocTryNid,
}

impl RequestKind {
    /// The kernel function.
    pub const fn name(self) -> &'static str {
        match self {
            RequestKind::PhysAllocRange => "memblock_phys_alloc_range",
            RequestKind::AllocTryNid => "memblock_alloc_try_nid",
            RequestKind::AllocTryNidRaw => "memblock_alloc_try_nid_raw",
            RequestKind::AllocExactNidRaw => "memblock_alloc_exact_nid_raw",
            RequestKind::PhysAllocTryNid => "memblock_phys_alloc_try_nid",
        }
    }

    /// Asks `mb` through this entry point (memblock-bottomup's [`ModernAlloc`]): `[size,
    /// align, from, max]` and the node; `memblock_phys_alloc_try_nid` has no window and
    /// `memblock_phys_alloc_range` no node.
    pub fn ask(self, mb: &mut SeriesMemblock, args: [u64; 4], nid: Nid, caller: Label) -> Option<Found> {
        let [size, align, from, max] = args;
        match self {
            RequestKind::PhysAllocRange => mb.memblock_phys_alloc_range(size, align, from, max, caller),
            RequestKind::AllocTryNid => mb.memblock_alloc_try_nid(size, align, from, max, nid, caller),
            RequestKind::AllocTryNidRaw => mb.memblock_alloc_try_nid_raw(size, align, from, max, nid, caller),
            RequestKind::AllocExactNidRaw => mb.memblock_alloc_exact_nid_raw(size, align, from, max, nid, caller),
            RequestKind::PhysAllocTryNid => mb.memblock_phys_alloc_try_nid(size, align, nid, caller),
        }
    }
}

/// One allocation request as its debug line gives it: the caller's arguments, before any
/// capping or retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    /// The entry point.
    pub kind: RequestKind,
    /// Bytes asked for (`%llu`).
    pub size: u64,
    /// Alignment.
    pub align: u64,
    /// Node asked for (`None` for `memblock_phys_alloc_range`, which always asks any node).
    pub nid: Option<i32>,
    /// `from=`: the lowest acceptable address.
    pub from: u64,
    /// `max_addr=`: the end of the window (0: `MEMBLOCK_ALLOC_ACCESSIBLE`).
    pub max_addr: u64,
    /// `%pS`: `symbol+0xoff/0xsize`.
    pub caller: String,
}

/// Which array a dump line describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DumpKind {
    /// `memory`.
    Memory,
    /// `reserved`.
    Reserved,
}

/// A message of the crash kernel reservation (x86 `reserve_crashkernel()` in 6.1, §H.5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashMessage {
    /// `Reserving %ldMB of memory at %ldMB for crashkernel (System RAM: %ldMB)`.
    Reserved {
        /// Size in MiB.
        size_mb: u64,
        /// Base in MiB.
        at_mb: u64,
        /// `memblock_phys_mem_size() >> 20`.
        system_ram_mb: u64,
    },
    /// `Reserving %ldMB of low memory at %ldMB for crashkernel (low RAM limit: %ldMB)`.
    LowReserved {
        /// Size in MiB.
        size_mb: u64,
        /// Base in MiB.
        at_mb: u64,
        /// The low RAM limit in MiB.
        limit_mb: u64,
    },
    /// Any other crash kernel message (failures, parse errors), as printed.
    Other(String),
}

/// One thing the trace says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum TraceEvent {
    /// A range line: `[base, last]` (the kernel prints inclusive ends) by `caller`.
    Range {
        /// The operation.
        op: RangeOp,
        /// First byte.
        base: u64,
        /// Last byte (inclusive).
        last: u64,
        /// `%pS`.
        caller: String,
    },
    /// `memblock_add_node: [%pa-%pa] nid=%d flags=%x %pS` (`memblock_add_node()`).
    AddNode {
        /// First byte.
        base: u64,
        /// Last byte (inclusive).
        last: u64,
        /// Node.
        nid: i32,
        /// Region flags.
        flags: u64,
        /// `%pS`.
        caller: String,
    },
    /// An allocation request line.
    Request(Request),
    /// `memblock: %s is doubled to %ld at [%pa-%pa]` (`memblock_double_array()`).
    Doubled {
        /// `memory` or `reserved`.
        kind: DumpKind,
        /// The new number of entries.
        new_max: u64,
        /// Where the new array is.
        base: u64,
        /// Its last byte.
        last: u64,
    },
    /// `memblock: Failed to double %s array from %ld to %ld entries !`.
    DoubleFailed {
        /// `memory` or `reserved`.
        kind: DumpKind,
        /// Entries before.
        from: u64,
    },
    /// `MEMBLOCK configuration:` (`__memblock_dump_all()`).
    DumpHeader,
    /// ` memory size = %pa reserved size = %pa`.
    DumpSizes {
        /// `memblock.memory.total_size`.
        memory: u64,
        /// `memblock.reserved.total_size`.
        reserved: u64,
    },
    /// ` %s.cnt  = 0x%lx`.
    DumpCount {
        /// The array.
        kind: DumpKind,
        /// Its `cnt`.
        cnt: u64,
    },
    /// ` %s[%#x]\t[%pa-%pa], %pa bytes[ on node %d] flags: %#x`.
    DumpRow {
        /// The array.
        kind: DumpKind,
        /// The index.
        index: u64,
        /// First byte.
        base: u64,
        /// Last byte.
        last: u64,
        /// Size.
        size: u64,
        /// The node, `None` when the kernel printed none (`MAX_NUMNODES`).
        nid: Option<i32>,
        /// Flags.
        flags: u64,
    },
    /// `Command line: ...` (the boot command line, printed first thing in `setup_arch()`).
    CommandLine(String),
    /// `BIOS-e820: [mem %#018Lx-%#018Lx] <type>`.
    E820 {
        /// First byte.
        base: u64,
        /// Last byte.
        last: u64,
        /// The type as printed (`usable`, `reserved`, `ACPI data`, ...).
        kind: String,
    },
    /// `last_pfn = 0x%lx max_arch_pfn = 0x%lx` (the first is `max_pfn`, the second `max_low_pfn`).
    LastPfn {
        /// The page frame number.
        last_pfn: u64,
        /// `max_arch_pfn`.
        max_arch_pfn: u64,
    },
    /// `RAMDISK: [mem %#010llx-%#010llx]` (`reserve_initrd()`): where the initrd is.
    Ramdisk {
        /// First byte.
        base: u64,
        /// Last byte.
        last: u64,
    },
    /// `Move RAMDISK from [mem ...] to [mem ...]`: the initrd was moved into mapped memory.
    RamdiskMoved {
        /// First byte of the old place.
        from_base: u64,
        /// Last byte of the old place.
        from_last: u64,
        /// First byte of the new place.
        to_base: u64,
        /// Last byte of the new place.
        to_last: u64,
    },
    /// Any other line that starts with `ACPI:`; the first one after the e820 adds marks the end
    /// of `init_mem_mapping()` (spec §H.6 step 4).
    Acpi,
    /// `ACPI: SRAT: Node %u PXM %u [mem %#010Lx-%#010Lx]%s%s` (`acpi_numa_memory_affinity_init()`).
    SratNode {
        /// The node.
        node: i32,
        /// The proximity domain.
        pxm: u32,
        /// First byte.
        base: u64,
        /// Last byte.
        last: u64,
        /// ` hotplug`: the range is hotpluggable (and was marked `MEMBLOCK_HOTPLUG`).
        hotplug: bool,
        /// ` non-volatile`.
        non_volatile: bool,
    },
    /// `NUMA: Node %d [mem ...] + [mem ...] -> [mem %#010Lx-%#010Lx]` (`numa_cleanup_meminfo()`).
    NumaMerge {
        /// The node.
        node: i32,
        /// The merged block's first byte.
        base: u64,
        /// Its last byte.
        last: u64,
    },
    /// `No NUMA configuration found` (`dummy_numa_init()`).
    NoNuma,
    /// `Faking a node at [mem %#018Lx-%#018Lx]`.
    FakingNode {
        /// First byte.
        base: u64,
        /// Last byte.
        last: u64,
    },
    /// `NODE_DATA(%d) allocated [mem %#010Lx-%#010Lx]` (`alloc_node_data()`).
    NodeData {
        /// The node.
        nid: i32,
        /// First byte.
        base: u64,
        /// Last byte.
        last: u64,
    },
    /// `    NODE_DATA(%d) on node %d`: it came from another node.
    NodeDataOnNode {
        /// The node whose data it is.
        nid: i32,
        /// The node of the memory holding it.
        on: i32,
    },
    /// `Movable zone start for each node` (`free_area_init()`).
    MovableZoneStart,
    /// `  Node %d: %#018Lx` under it.
    MovableZoneNode {
        /// The node.
        nid: i32,
        /// Where ZONE_MOVABLE starts.
        addr: u64,
    },
    /// A crash kernel message.
    Crashkernel(CrashMessage),
}

impl TraceEvent {
    /// Whether this is a memblock debug line (a range, request, doubling or dump line): such
    /// a line between a request and its answer means the request failed (spec §H.4).
    pub fn is_memblock(&self) -> bool {
        matches!(
            self,
            TraceEvent::Range { .. }
                | TraceEvent::AddNode { .. }
                | TraceEvent::Request(_)
                | TraceEvent::Doubled { .. }
                | TraceEvent::DoubleFailed { .. }
                | TraceEvent::DumpHeader
                | TraceEvent::DumpSizes { .. }
                | TraceEvent::DumpCount { .. }
                | TraceEvent::DumpRow { .. }
        )
    }
}

/// An event and the line it came from (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// Line number in the log, from 1.
    pub number: usize,
    /// What the line says.
    pub event: TraceEvent,
}

/// A line that looks like one of the formats above but does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Garbled {
    /// Line number, from 1.
    pub line: usize,
    /// The line, without timestamp (at most 200 characters).
    pub text: String,
    /// What was wrong.
    pub reason: &'static str,
}

/// A whole log, read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// The recognised lines, in order.
    pub events: Vec<Line>,
    /// Lines that look like trace lines but do not parse.
    pub garbled: Vec<Garbled>,
    /// Number of lines in the log.
    pub lines: usize,
    /// The number of the last line if the log does not end with a newline.
    pub unterminated: Option<usize>,
    /// How many memblock debug lines were read (garbled ones included).
    pub memblock_lines: usize,
}

impl Trace {
    /// Reads a whole log. Never fails: what cannot be read is in [`Trace::garbled`].
    pub fn parse(text: &str) -> Trace {
        // About one line in two of a boot log with memblock=debug is a trace line.
        let mut t = Trace { events: Vec::with_capacity(text.len() / 160), ..Trace::default() };
        for (number, message, terminated) in log_lines(text) {
            if !terminated {
                t.unterminated = Some(number);
            }
            t.read_line(number, message);
            t.lines = number;
        }
        t
    }

    /// Reads one message (timestamp already removed).
    fn read_line(&mut self, number: usize, msg: &str) {
        // A dump row starts with one space; the movable zone lines with two.
        let trimmed = msg.trim_start_matches(' ');
        let parsed = match classify(trimmed) {
            Kind::Unrelated => return,
            Kind::Memblock(f) => {
                let parsed = f(trimmed);
                if !matches!(parsed, Ok(None)) {
                    self.memblock_lines += 1;
                }
                parsed
            }
            Kind::Other(f) => f(trimmed),
        };
        match parsed {
            Ok(Some(event)) => self.events.push(Line { number, event }),
            Ok(None) => {}
            Err(reason) => self.garbled.push(Garbled { line: number, text: clip(trimmed), reason }),
        }
    }
}

type ParseFn = fn(&str) -> Result<Option<TraceEvent>, &'static str>;

enum Kind {
    Unrelated,
    Memblock(ParseFn),
    Other(ParseFn),
}

/// Decides from the first word which parser a line goes to.
fn classify(m: &str) -> Kind {
    let b = m.as_bytes();
    match b.first() {
        Some(b'm') if m.starts_with("memblock_") || m.starts_with("memblock:") => Kind::Memblock(parse_memblock),
        Some(b'm') if m.starts_with("memory") => Kind::Memblock(parse_dump_line),
        Some(b'r') if m.starts_with("reserved") => Kind::Memblock(parse_dump_line),
        Some(b'M') if m.starts_with("MEMBLOCK configuration") => Kind::Memblock(|_| Ok(Some(TraceEvent::DumpHeader))),
        Some(b'M') if m.starts_with("Movable zone start for each node") => {
            Kind::Other(|_| Ok(Some(TraceEvent::MovableZoneStart)))
        }
        Some(b'M') if m.starts_with("Move RAMDISK from") => Kind::Other(parse_ramdisk_move),
        Some(b'C') if m.starts_with("Command line: ") => Kind::Other(parse_command_line),
        Some(b'B') if m.starts_with("BIOS-e820: ") => Kind::Other(parse_e820),
        Some(b'l') if m.starts_with("last_pfn = ") => Kind::Other(parse_last_pfn),
        Some(b'R') if m.starts_with("RAMDISK: ") => Kind::Other(parse_ramdisk),
        Some(b'R') if m.starts_with("Reserving ") && m.contains("for crashkernel") => Kind::Other(parse_crash),
        Some(b'A') if m.starts_with("ACPI: SRAT: Node ") => Kind::Other(parse_srat_node),
        Some(b'A') if m.starts_with("ACPI:") => Kind::Other(|_| Ok(Some(TraceEvent::Acpi))),
        Some(b'N') if m.starts_with("NUMA: Node ") && m.contains(" -> ") => Kind::Other(parse_numa_merge),
        Some(b'N') if m.starts_with("NODE_DATA(") => Kind::Other(parse_node_data),
        Some(b'N') if m.starts_with("No NUMA configuration found") => Kind::Other(|_| Ok(Some(TraceEvent::NoNuma))),
        Some(b'N') if m.starts_with("Node ") && m.contains(": 0x") => Kind::Other(parse_movable_node),
        Some(b'F') if m.starts_with("Faking a node at ") => Kind::Other(parse_faking),
        Some(b'c' | b'C') if m.starts_with("crashkernel") || m.starts_with("Cannot reserve ") => {
            Kind::Other(parse_crash)
        }
        Some(b'I') if m.starts_with("Ignoring crashkernel") => Kind::Other(parse_crash),
        _ => Kind::Unrelated,
    }
}

mod boot_lines;
mod cursor;
mod memblock_lines;

use boot_lines::{
    parse_command_line, parse_crash, parse_e820, parse_faking, parse_last_pfn, parse_movable_node, parse_node_data,
    parse_numa_merge, parse_ramdisk, parse_ramdisk_move, parse_srat_node,
};
use cursor::{Cur, clip};
use memblock_lines::{parse_dump_line, parse_memblock};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_without_nid() {
        let t = Trace::parse(
            "memblock_phys_alloc_range: 28672 bytes align=0x1000 from=0x0000000000000000 max_addr=0x0000000000100000 reserve_real_mode+0x50/0x89\n",
        );
        let TraceEvent::Request(r) = &t.events[0].event else { panic!("{t:?}") };
        assert_eq!((r.size, r.align, r.nid, r.from, r.max_addr), (28672, 0x1000, None, 0, 0x100000));
        assert_eq!(r.caller, "reserve_real_mode+0x50/0x89");
    }
}
