//! A saved boot log (`dmesg`, `journalctl -k`, a serial console capture): the lines the early
//! boot prints about the machine.
//!
//! | line | gives |
//! |---|---|
//! | `BIOS-e820: [mem 0x...-0x...] usable` (see [`super::e820`]) | the e820 map |
//! | `Command line: ...` (x86 `setup_arch()`; not `Kernel command line:`) | the command line |
//! | `RAMDISK: [mem 0x...-0x...]` (`reserve_initrd()`; old: `RAMDISK: a - b`) | the initrd where the bootloader put it |
//! | `ACPI: SRAT: Node N PXM P [mem 0x...-0x...]` (6.x), `SRAT: Node N PXM P [mem ...] hotplug` (3.x), `SRAT: Node N PXM P a-b` (2.6) | the NUMA layout: each PXM's memory, hotplug flag per range |
//! | `SRAT: PXM P -> APIC 0xA -> Node N` | each PXM's CPUs |
//!
//! Prefixes (timestamps, levels, syslog headers) and every other line are ignored. The
//! `Memory: ... kernel code` line is not used for the kernel image (it gives sizes, not
//! places): that is left to `/proc/iomem` or the defaults.
//!
//! `RAMDISK:` prints `PAGE_ALIGN(end) - 1`, so the initrd read back ends on a page boundary;
//! the boot reserves exactly that. The SRAT lines print only the ranges the kernel accepted
//! (enabled, not rejected), as they were in the table; `non-volatile` ranges are kept as
//! ordinary memory (a [`NodeMemory`] has no such flag) and noted.

use movable_node::E820Entry;

use super::{InputError, MachineParts, Place, bad_line, e820, log_lines, num};
use crate::machine::{NodeMemory, NodeSpec};
use crate::srat_builder::build_srat;

const EXPECTED_SRAT: &str = "SRAT: Node N PXM P [mem 0xSTART-0xEND] with optional ` hotplug` and ` non-volatile`, \
     or the old SRAT: Node N PXM P START-END";
const EXPECTED_CPU: &str = "SRAT: PXM P -> APIC 0xID -> Node N";
const EXPECTED_RAMDISK: &str = "RAMDISK: [mem 0xSTART-0xEND], or the old RAMDISK: START - END";

/// What a boot log says about the machine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dmesg {
    /// The file's name.
    pub file: String,
    /// The e820 map of its `BIOS-e820:` lines, checked; `None` if it has none (a ring buffer
    /// that wrapped).
    pub e820: Option<Vec<E820Entry>>,
    /// The first and last line of the `BIOS-e820:` lines.
    pub e820_lines: Option<(usize, usize)>,
    /// The `Command line:`.
    pub cmdline: Option<String>,
    /// The initrd `[start, end)` of the first `RAMDISK:` line.
    pub initrd: Option<(u64, u64)>,
    /// The NUMA layout of the `SRAT: Node` and `SRAT: PXM -> APIC` lines, in node order;
    /// empty if there are none.
    pub nodes: Vec<NodeSpec>,
    /// `(pxm, node)` as the kernel numbered them, in node order.
    pub pxm_to_node: Vec<(u32, u32)>,
    /// What was read but could not be kept exactly (non-volatile ranges, APIC ids above 255,
    /// a command line at the very end of a cut log).
    pub notes: Vec<String>,
}

fn pxm_node(file: &str, n: usize, map: &mut Vec<(u32, u32, usize)>, pxm: u32, node: u32) -> Result<(), InputError> {
    for &(p, nd, line) in map.iter() {
        if (p == pxm) != (nd == node) {
            return Err(InputError::Invalid {
                at: Place::line(file, n),
                what: format!(
                    "PXM {pxm} -> node {node} contradicts line {line} (PXM {p} -> node {nd}): is this more than one \
                     boot?"
                ),
            });
        }
    }
    if !map.iter().any(|&(p, _, _)| p == pxm) {
        map.push((pxm, node, n));
    }
    Ok(())
}

/// `Node N PXM P ...` after `SRAT: `: `Some((node, pxm, rest))` if the line is one.
pub(crate) fn srat_node_head(s: &str) -> Option<(u32, u32, &str)> {
    let r = s.strip_prefix("Node ")?;
    let (node, r) = r.split_once(' ')?;
    let r = r.strip_prefix("PXM ")?;
    let i = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
    let (pxm, rest) = r.split_at(i);
    Some((u32::try_from(num::dec(node)?).ok()?, u32::try_from(num::dec(pxm)?).ok()?, rest))
}

/// The range and flags after the PXM: `(start, end exclusive, hotplug, non_volatile)`.
pub(crate) fn srat_node_range(rest: &str) -> Option<(u64, u64, bool, bool)> {
    let rest = rest.trim();
    if let Some(r) = rest.strip_prefix("[mem ") {
        let (range, flags) = r.split_once(']')?;
        let (a, b) = range.split_once('-')?;
        let (start, last) = (num::hex(a.trim())?, num::hex(b.trim())?);
        let (mut hotplug, mut nv) = (false, false);
        for f in flags.split_whitespace() {
            match f {
                "hotplug" => hotplug = true,
                "non-volatile" => nv = true,
                _ => return None,
            }
        }
        return (last >= start).then_some(()).and(last.checked_add(1)).map(|end| (start, end, hotplug, nv));
    }
    let (a, b) = rest.split_once('-')?;
    let (start, end) = (num::hex(a.trim())?, num::hex(b.trim())?);
    (end >= start).then_some((start, end, false, false))
}

/// `PXM P -> APIC ID -> Node N` after `SRAT: `: `Some(Some(..))` when the line is one and
/// reads, `Some(None)` when it is one but does not, `None` when it is another line.
#[allow(clippy::option_option)]
pub(crate) fn srat_cpu(s: &str) -> Option<Option<(u32, u64, u32)>> {
    let r = s.strip_prefix("PXM ")?;
    let (pxm, r) = r.split_once(' ')?;
    let r = r.strip_prefix("-> APIC ")?;
    let parse = || {
        let (apic, r) = r.split_once(' ')?;
        let node = r.strip_prefix("-> Node ")?.trim();
        let apic = if apic.starts_with("0x") { num::hex(apic)? } else { num::dec(apic)? };
        Some((u32::try_from(num::dec(pxm)?).ok()?, apic, u32::try_from(num::dec(node)?).ok()?))
    };
    Some(parse())
}

/// The value of x86 `setup_arch()`'s `Command line: ...` (not `Kernel command line:`),
/// wherever the message starts in the line (a syslog header may precede it).
pub(crate) fn command_line(line: &str) -> Option<&str> {
    let i = line.find("Command line:")?;
    let value = line.get(i + "Command line:".len()..).unwrap_or("");
    Some(value.strip_prefix(' ').unwrap_or(value).trim_end())
}

/// `last_pfn = 0x%lx max_arch_pfn = 0x%lx` after `last_pfn = `: `(last_pfn, max_arch_pfn)`.
pub(crate) fn last_pfn(rest: &str) -> Option<(u64, u64)> {
    let (pfn, arch) = rest.split_once(" max_arch_pfn = ")?;
    Some((num::hex(pfn.trim())?, num::hex(arch.trim())?))
}

/// `RAMDISK: [mem a-b]` (or the old `a - b`) after `RAMDISK: `: the initrd `[start, end)`.
pub(crate) fn ramdisk(rest: &str) -> Option<(u64, u64)> {
    let rest = rest.trim();
    if let Some(r) = rest.strip_prefix("[mem ") {
        let (a, b) = r.strip_suffix(']')?.split_once('-')?;
        let (start, last) = (num::hex(a.trim())?, num::hex(b.trim())?);
        return if last >= start { Some((start, last.checked_add(1)?)) } else { None };
    }
    let (a, b) = rest.split_once(" - ")?;
    let (start, end) = (num::hex(a.trim())?, num::hex(b.trim())?);
    (end >= start).then_some((start, end))
}

/// Reads a boot log. Errors: a line of the table above that is there but does not read (the
/// e820 errors of [`super::parse_e820`], [`InputError::Syntax`], or [`InputError::CutLine`] for
/// a log cut in such a line), a PXM given two nodes, or a memory range of the SRAT lines twice.
/// A log with none of these lines is not an error: every field is then empty.
///
/// # Errors
/// [`InputError`] naming the line of a kernel line it recognises but cannot read, a table of
/// overlapping entries, or a log cut in the middle of a line it needs.
pub fn parse_dmesg(file: &str, text: &str) -> Result<Dmesg, InputError> {
    let mut d = Dmesg { file: file.to_string(), ..Dmesg::default() };
    let scanned = e820::scan(file, text)?;
    if let (Some(first), Some(last)) = (scanned.first(), scanned.last()) {
        d.e820_lines = Some((first.0, last.0));
        d.e820 = Some(e820::check(file, scanned)?);
    }
    let mut map: Vec<(u32, u32, usize)> = Vec::new();
    let mut memory: Vec<(u32, NodeMemory, usize)> = Vec::new();
    let mut cpus: Vec<(u32, u32)> = Vec::new();
    for (n, line, terminated) in log_lines(text) {
        if d.cmdline.is_none()
            && let Some(value) = command_line(line)
        {
            d.cmdline = Some(value.to_string());
            if !terminated {
                d.notes.push(format!("{file}:{n}: the log ends in its Command line: line, which may be cut short"));
            }
            continue;
        }
        if d.initrd.is_none()
            && let Some(i) = line.find("RAMDISK: ")
            && !line.get(..i).unwrap_or("").ends_with("new ")
        {
            let msg = line.get(i..).unwrap_or("");
            let rest = msg.get("RAMDISK: ".len()..).unwrap_or("");
            d.initrd = Some(ramdisk(rest).ok_or_else(|| bad_line(file, n, msg, terminated, EXPECTED_RAMDISK))?);
            continue;
        }
        let Some(i) = line.find("SRAT: ") else { continue };
        let msg = line.get(i..).unwrap_or("");
        let rest = msg.get("SRAT: ".len()..).unwrap_or("");
        if let Some((node, pxm, tail)) = srat_node_head(rest) {
            let (start, end, hotplug, nv) =
                srat_node_range(tail).ok_or_else(|| bad_line(file, n, msg, terminated, EXPECTED_SRAT))?;
            pxm_node(file, n, &mut map, pxm, node)?;
            if let Some((_, _, first)) = memory.iter().find(|(p, m, _)| *p == pxm && m.start == start && m.end == end) {
                return Err(InputError::Invalid {
                    at: Place::line(file, n),
                    what: format!(
                        "PXM {pxm}'s range [mem 0x{start:x}-0x{:x}] again (first on line {first}): is this more than one boot?",
                        end - 1
                    ),
                });
            }
            if nv {
                d.notes.push(format!(
                    "{file}:{n}: non-volatile range [mem 0x{start:x}-0x{:x}] of PXM {pxm} is taken as ordinary memory",
                    end - 1
                ));
            }
            memory.push((pxm, NodeMemory { start, end, hotpluggable: hotplug }, n));
        } else if let Some(cpu) = srat_cpu(rest) {
            if rest.contains("skipped") {
                continue;
            }
            let (pxm, apic, node) = cpu.ok_or_else(|| bad_line(file, n, msg, terminated, EXPECTED_CPU))?;
            pxm_node(file, n, &mut map, pxm, node)?;
            match u8::try_from(apic) {
                Ok(a) => cpus.push((pxm, u32::from(a))),
                Err(_) => d.notes.push(format!(
                    "{file}:{n}: APIC id 0x{apic:x} does not fit the SRAT's 8-bit local APIC entry; the CPU is left out"
                )),
            }
        }
    }
    map.sort_by_key(|&(_, node, _)| node);
    d.pxm_to_node = map.iter().map(|&(p, nd, _)| (p, nd)).collect();
    if !memory.is_empty() {
        d.nodes = map
            .iter()
            .map(|&(pxm, _, _)| NodeSpec {
                pxm,
                cpus: cpus.iter().filter(|c| c.0 == pxm).map(|c| c.1).collect(),
                memory: memory.iter().filter(|m| m.0 == pxm).map(|m| m.1).collect(),
            })
            .collect();
    }
    Ok(d)
}

impl Dmesg {
    /// The machine as far as this log describes it: the e820 map, the command line, the initrd,
    /// and SRAT bytes built from the nodes ([`build_srat`]) when the log has `SRAT: Node`
    /// lines. Its name is the file's.
    pub fn parts(&self) -> MachineParts {
        let numa = !self.nodes.is_empty();
        MachineParts {
            name: Some(self.file.clone()),
            cmdline: self.cmdline.clone(),
            e820: self.e820.clone(),
            srat: numa.then(|| build_srat(&self.nodes)),
            nodes: numa.then(|| self.nodes.clone()),
            initrd: self.initrd,
            ..MachineParts::default()
        }
    }
}
