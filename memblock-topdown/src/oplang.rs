//! An interpreter for the project's memblock op-script language
//! (`testdata/conformance/memblock/OPLANG.md`): one operation a line, run against one fresh
//! memblock, one result line each, with the kernel's warnings and messages before it.
//!
//! The project's conformance suites compare its output byte for byte with what the kernel's
//! own `mm/memblock.c` printed for the same script. Reviewers can write their own scenarios in
//! the same language. Layers above this one add their operations (`set_bottom_up`, ...) by
//! implementing [`OpSet`] for their memblock, and run scripts with [`run_script`] and both op
//! sets; nothing here is copied.
//!
//! ```
//! use memblock_topdown::{Memblock, oplang::{run_script, BaseOps}};
//! let mut mb = Memblock::new();
//! let out = run_script(&mut mb, "add 0x1000 0x2000\nalloc 0x800 0x800\n", &mut [&mut BaseOps::default()]);
//! assert_eq!(out, "add = 0\nalloc = 0x2800\n");
//! ```

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use crate::events::Event;
use crate::memblock::Memblock;
use crate::nid_wildcard::NidWarnSite;
use crate::region::{MEMBLOCK_ALLOC_ACCESSIBLE, MEMBLOCK_ALLOC_ANYWHERE, Nid};
use crate::region_type::RegionKind;
use crate::search::Placement;

/// What one operation produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The result text: `NAME = VALUE`, or a header line with item lines for listings
    /// (without the final newline).
    Result(String),
    /// The operation panicked the kernel with this message; the script stops.
    Panic(String),
    /// A `BUG_ON` fired (its condition as the kernel's source writes it); the script stops.
    Bug(String),
}

impl Outcome {
    /// The outcome of an operation that returns an `int` status: `NAME = 0` or `NAME =
    /// -errno`, or the `BUG_ON` that stopped the kernel.
    pub fn status(op: &str, r: Result<(), crate::Error>) -> Outcome {
        match r {
            Ok(()) => Outcome::Result(format!("{op} = 0")),
            Err(crate::Error::Bug(bug)) => Outcome::Bug(bug.kernel_text().into()),
            Err(e) => Outcome::Result(format!("{op} = {}", e.errno())),
        }
    }
}

/// A line the interpreter could not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError;

/// The arguments of one operation, with the conversions of the language.
#[derive(Debug, Clone, Copy)]
pub struct Args<'a> {
    toks: &'a [&'a str],
    any_node: Nid,
}

impl Args<'_> {
    /// Number of arguments.
    pub fn len(&self) -> usize {
        self.toks.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.toks.is_empty()
    }

    /// Argument `i` as an unsigned 64-bit number (decimal, `0x` hex, `-N` wrapped,
    /// `ANYWHERE`, `ACCESSIBLE`).
    ///
    /// # Errors
    ///
    /// [`ParseError`] when there is no argument `i` or it is not such a number.
    pub fn u64(&self, i: usize) -> Result<u64, ParseError> {
        let t = *self.toks.get(i).ok_or(ParseError)?;
        match t {
            "ANYWHERE" => Ok(MEMBLOCK_ALLOC_ANYWHERE),
            "ACCESSIBLE" => Ok(MEMBLOCK_ALLOC_ACCESSIBLE),
            _ => parse_number(t).ok_or(ParseError),
        }
    }

    /// Argument `i` as a node id (`any` is the modelled kernel's "any node").
    ///
    /// # Errors
    ///
    /// [`ParseError`] when there is no argument `i` or it is neither `any` nor a number (a
    /// number is cut to 32 bits, as the kernel's test driver passes it).
    pub fn nid(&self, i: usize) -> Result<Nid, ParseError> {
        if self.toks.get(i) == Some(&"any") {
            return Ok(self.any_node);
        }
        // Truncation to `int`, as the kernel's driver passes it.
        Ok(self.u64(i)? as u32 as Nid)
    }

    /// Argument `i` as a boolean (`0` or `1`).
    ///
    /// # Errors
    ///
    /// [`ParseError`] when there is no argument `i` or it is neither `0` nor `1`.
    pub fn flag(&self, i: usize) -> Result<bool, ParseError> {
        Ok(self.u64(i)? != 0)
    }
}

fn parse_number(t: &str) -> Option<u64> {
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else if let Some(neg) = t.strip_prefix('-') {
        neg.parse::<u64>().ok().map(|v| v.wrapping_neg())
    } else {
        t.parse::<u64>().ok()
    }
}

/// A set of operations an interpreter knows.
pub trait OpSet<P> {
    /// Whether `op` is one of this set's.
    fn knows(&self, op: &str) -> bool;

    /// Runs `op`. Only called for ops this set knows.
    ///
    /// # Errors
    ///
    /// [`ParseError`] when an argument is missing or does not read as the operation needs.
    fn exec(&mut self, mb: &mut Memblock<P>, op: &str, args: Args<'_>) -> Result<Outcome, ParseError>;
}

/// Formats a listing: a header line and indented item lines.
pub fn listing<I: IntoIterator<Item = String>>(header: &str, items: I) -> String {
    let items: Vec<String> = items.into_iter().collect();
    let mut s = format!("{header} n={}", items.len());
    for it in items {
        let _ = write!(s, "\n  {it}");
    }
    s
}

/// The operations of this layer: everything of 3.12/3.13 memblock but the direction and
/// `kernel_end`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BaseOps {
    /// Print region flags in `dump` (the 3.14 format).
    pub dump_flags: bool,
}

const BASE_OPS: &[&str] = &[
    "add",
    "add_node",
    "reserve",
    "remove",
    "free",
    "set_node",
    "isolate",
    "allow_resize",
    "set_current_limit",
    "current_limit",
    "debug",
    "find_in_range_node",
    "find_in_range",
    "alloc_base_nid",
    "alloc",
    "alloc_nid",
    "alloc_try_nid",
    "alloc_base",
    "__alloc_base",
    "trim_memory",
    "enforce_memory_limit",
    "phys_mem_size",
    "mem_size",
    "start_of_dram",
    "end_of_dram",
    "is_reserved",
    "is_memory",
    "is_region_reserved",
    "is_region_memory",
    "search_pfn_nid",
    "free_ranges",
    "free_ranges_rev",
    "mem_pfn_ranges",
    "dump",
    "dump_all",
    "reserved_regions_info",
];

fn hex(v: Option<u64>) -> String {
    format!("{:#x}", v.unwrap_or(0))
}

impl<P: Placement> OpSet<P> for BaseOps {
    fn knows(&self, op: &str) -> bool {
        BASE_OPS.contains(&op)
    }

    fn exec(&mut self, mb: &mut Memblock<P>, op: &str, a: Args<'_>) -> Result<Outcome, ParseError> {
        let value: String = match op {
            "add" => return Ok(Outcome::status(op, mb.add(a.u64(0)?, a.u64(1)?))),
            "add_node" => return Ok(Outcome::status(op, mb.add_node(a.u64(0)?, a.u64(1)?, a.nid(2)?))),
            "reserve" => return Ok(Outcome::status(op, mb.reserve_as(a.u64(0)?, a.u64(1)?, "caller"))),
            "remove" => return Ok(Outcome::status(op, mb.remove(a.u64(0)?, a.u64(1)?))),
            "free" => return Ok(Outcome::status(op, mb.free_as(a.u64(0)?, a.u64(1)?, "caller"))),
            "set_node" => return Ok(Outcome::status(op, mb.set_node(a.u64(0)?, a.u64(1)?, a.nid(2)?))),
            "isolate" => match mb.isolate_range(RegionKind::Memory, a.u64(0)?, a.u64(1)?) {
                Ok((s, e)) => format!("0 {s} {e}"),
                Err(err) => format!("{} 0 0", err.errno()),
            },
            "allow_resize" => {
                mb.allow_resize();
                "ok".into()
            }
            "set_current_limit" => {
                mb.set_current_limit(a.u64(0)?);
                "ok".into()
            }
            "current_limit" => format!("{:#x}", mb.current_limit()),
            "debug" => {
                mb.log_mut().set_debug(a.flag(0)?);
                "ok".into()
            }
            "find_in_range_node" => hex(mb.find_in_range_node(a.u64(0)?, a.u64(1)?, a.u64(2)?, a.u64(3)?, a.nid(4)?)),
            "find_in_range" => hex(mb.find_in_range(a.u64(0)?, a.u64(1)?, a.u64(2)?, a.u64(3)?)),
            "alloc_base_nid" => hex(mb.alloc_base_nid(a.u64(0)?, a.u64(1)?, a.u64(2)?, a.nid(3)?)),
            "alloc_nid" => hex(mb.alloc_nid(a.u64(0)?, a.u64(1)?, a.nid(2)?)),
            "__alloc_base" => hex(mb.alloc_base_nopanic(a.u64(0)?, a.u64(1)?, a.u64(2)?)),
            "alloc" | "alloc_base" | "alloc_try_nid" => {
                let r = match op {
                    "alloc" => mb.alloc(a.u64(0)?, a.u64(1)?),
                    "alloc_base" => mb.alloc_base(a.u64(0)?, a.u64(1)?, a.u64(2)?),
                    _ => mb.alloc_try_nid(a.u64(0)?, a.u64(1)?, a.nid(2)?),
                };
                match r {
                    Ok(addr) => format!("{addr:#x}"),
                    Err(e) => return Ok(Outcome::Panic(format!("{e}"))),
                }
            }
            "trim_memory" => {
                mb.trim_memory(a.u64(0)?);
                "ok".into()
            }
            "enforce_memory_limit" => {
                mb.enforce_memory_limit(a.u64(0)?);
                "ok".into()
            }
            "phys_mem_size" => format!("{:#x}", mb.phys_mem_size()),
            "mem_size" => format!("{:#x}", mb.mem_size(a.u64(0)?)),
            "start_of_dram" => format!("{:#x}", mb.start_of_dram()),
            "end_of_dram" => format!("{:#x}", mb.end_of_dram()),
            "is_reserved" => i32::from(mb.is_reserved(a.u64(0)?)).to_string(),
            "is_memory" => i32::from(mb.is_memory(a.u64(0)?)).to_string(),
            "is_region_reserved" => i32::from(mb.is_region_reserved(a.u64(0)?, a.u64(1)?)).to_string(),
            "is_region_memory" => i32::from(mb.is_region_memory(a.u64(0)?, a.u64(1)?)).to_string(),
            // The kernel returns -1 for "no region", so a region whose nid is -1 reads as a miss.
            "search_pfn_nid" => match mb.search_pfn_nid(a.u64(0)?) {
                Some(p) if p.nid != -1 => format!("{} {:#x} {:#x}", p.nid, p.start_pfn, p.end_pfn),
                _ => "-1".into(),
            },
            "free_ranges" | "free_ranges_rev" => {
                let nid = a.nid(0)?;
                let site = if op == "free_ranges" { NidWarnSite::Forward } else { NidWarnSite::Reverse };
                mb.warn_walk_nid(nid, site);
                let fmt = |r: crate::FreeRange| format!("{:#x} {:#x} {}", r.start, r.end, r.nid);
                let body = if op == "free_ranges" {
                    listing(op, mb.free_ranges(nid).map(fmt))
                } else {
                    listing(op, mb.free_ranges_rev(nid).map(fmt))
                };
                return Ok(Outcome::Result(body));
            }
            "mem_pfn_ranges" => {
                let items =
                    mb.mem_pfn_ranges(a.nid(0)?).map(|r| format!("{:#x} {:#x} {}", r.start_pfn, r.end_pfn, r.nid));
                return Ok(Outcome::Result(listing(op, items)));
            }
            "dump" => return Ok(Outcome::Result(self.dump(mb))),
            "dump_all" => {
                let text = format!("{}", if self.dump_flags { mb.dump_all_with_flags() } else { mb.dump_all() });
                let mut s = String::new();
                for line in text.lines() {
                    let _ = writeln!(s, "K: {line}");
                }
                s.push_str("dump_all = ok");
                return Ok(Outcome::Result(s));
            }
            "reserved_regions_info" => match mb.reserved_regions_info() {
                Some(i) => format!("{:#x} {:#x}", i.size, i.addr),
                None => "0x0 0x0".into(),
            },
            _ => return Err(ParseError),
        };
        Ok(Outcome::Result(format!("{op} = {value}")))
    }
}

impl BaseOps {
    fn dump<P>(&self, mb: &Memblock<P>) -> String {
        let mut s = String::new();
        for ty in [mb.memory(), mb.reserved()] {
            if !s.is_empty() {
                s.push('\n');
            }
            let _ = write!(
                s,
                "dump {} cnt={} max={} total_size={:#x}",
                ty.kind().name(),
                ty.cnt(),
                ty.max(),
                ty.total_size()
            );
            for i in 0..ty.cnt() {
                let Some(r) = ty.entry(i) else { break };
                let _ = write!(s, "\n  [{i}] {:#x} {:#x} {}", r.base, r.size, r.nid);
                if self.dump_flags {
                    let _ = write!(s, " {:#x}", r.flags.bits());
                }
            }
        }
        s
    }
}

/// The operation names a script uses, in order of first use.
pub fn ops_used(script: &str) -> Vec<&str> {
    let mut ops: Vec<&str> = Vec::new();
    for line in script.lines() {
        if let Some(op) = line.split_whitespace().next().filter(|t| !t.starts_with('#'))
            && !ops.contains(&op)
        {
            ops.push(op);
        }
    }
    ops
}

/// Runs `script` against `mb` with the given op sets (the first that knows an op runs it)
/// and returns everything it prints. Events are rendered as the kernel's driver printed them:
/// `WARN:` for warnings, `K:` for messages (and for the debug trace while `debug 1` is on, in
/// the memblock's [`TraceFormat`](crate::TraceFormat), every `%pF` rendered as `caller`).
pub fn run_script<P: Placement>(mb: &mut Memblock<P>, script: &str, sets: &mut [&mut dyn OpSet<P>]) -> String {
    let mut out = String::new();
    mb.log_mut().take();
    for (n, line) in script.lines().enumerate() {
        let toks: Vec<&str> = line.split_whitespace().collect();
        let Some((&op, rest)) = toks.split_first() else { continue };
        if op.starts_with('#') {
            continue;
        }
        let args = Args { toks: rest, any_node: mb.config().any_node };
        let result = match sets.iter_mut().find(|s| s.knows(op)) {
            Some(set) => set.exec(mb, op, args),
            None => Err(ParseError),
        };
        let (debug, format) = (mb.log().debug(), mb.log().format());
        for ev in mb.log_mut().take() {
            match ev {
                Event::Warn(w) => {
                    let _ = writeln!(out, "WARN: {w}");
                }
                // The driver prints every `%pF` as `caller`.
                ev if !ev.is_debug() || debug => {
                    let _ = writeln!(out, "K: {}", ev.kernel_line(format, Some("caller")));
                }
                _ => {}
            }
        }
        match result {
            Ok(Outcome::Result(text)) => {
                out.push_str(&text);
                out.push('\n');
            }
            Ok(Outcome::Panic(msg)) => {
                let _ = writeln!(out, "PANIC: {msg}");
                break;
            }
            Ok(Outcome::Bug(condition)) => {
                let _ = writeln!(out, "BUG: {condition}");
                break;
            }
            Err(ParseError) => {
                let _ = writeln!(out, "ERROR: parse error at line {}", n + 1);
                break;
            }
        }
    }
    out
}

/// Where two outputs first differ, as a line for a test failure: `None` when they are equal.
pub fn first_difference(got: &str, expected: &str) -> Option<String> {
    if got == expected {
        return None;
    }
    let (g, e): (Vec<&str>, Vec<&str>) = (got.lines().collect(), expected.lines().collect());
    let at = g.iter().zip(&e).position(|(a, b)| a != b).unwrap_or(g.len().min(e.len()));
    Some(format!("first difference at output line {}: model {:?}, kernel {:?}", at + 1, g.get(at), e.get(at)))
}
