//! The other lines of the boot the replay reads: e820, `last_pfn`, the initrd, SRAT and NUMA,
//! `NODE_DATA`, the movable zone starts, the crash kernel.

use super::*;
use crate::input::dmesg::{command_line, last_pfn, ramdisk, srat_node_head, srat_node_range};
use crate::input::e820::parse_mem_entry;

/// `BIOS-e820: [mem a-b] type`, read by the e820 reader of the inputs
/// ([`crate::input::e820`]); the type is kept as printed.
pub(super) fn parse_e820(m: &str) -> Result<Option<TraceEvent>, &'static str> {
    let rest = m.get("BIOS-e820: ".len()..).unwrap_or_default();
    let entry = parse_mem_entry(rest).ok_or("bad BIOS-e820 line")?;
    let last =
        entry.addr.checked_add(entry.size.checked_sub(1).ok_or("bad BIOS-e820 range")?).ok_or("bad BIOS-e820 range")?;
    let kind = rest.split_once(']').map_or("", |(_, k)| k).trim().to_string();
    Ok(Some(TraceEvent::E820 { base: entry.addr, last, kind }))
}

/// `Command line: …`, read by the boot log reader ([`crate::input::dmesg`]).
pub(super) fn parse_command_line(m: &str) -> Result<Option<TraceEvent>, &'static str> {
    Ok(command_line(m).map(|c| TraceEvent::CommandLine(c.to_string())))
}

pub(super) fn parse_last_pfn(m: &str) -> Result<Option<TraceEvent>, &'static str> {
    let (last_pfn, max_arch_pfn) =
        last_pfn(m.get("last_pfn = ".len()..).unwrap_or_default()).ok_or("bad last_pfn line")?;
    Ok(Some(TraceEvent::LastPfn { last_pfn, max_arch_pfn }))
}

pub(super) fn parse_ramdisk(m: &str) -> Result<Option<TraceEvent>, &'static str> {
    let range = ramdisk(m.get("RAMDISK: ".len()..).unwrap_or_default())
        .and_then(|(base, end)| Some((base, end.checked_sub(1)?)));
    let (base, last) = range.ok_or("bad RAMDISK range")?;
    Ok(Some(TraceEvent::Ramdisk { base, last }))
}

pub(super) fn parse_ramdisk_move(m: &str) -> Result<Option<TraceEvent>, &'static str> {
    let mut c = Cur::new(m.get("Move RAMDISK from ".len()..).unwrap_or_default());
    let mut f = || -> Option<TraceEvent> {
        let (from_base, from_last) = c.mem_range()?;
        c.lit(" to ")?;
        let (to_base, to_last) = c.mem_range()?;
        Some(TraceEvent::RamdiskMoved { from_base, from_last, to_base, to_last })
    };
    f().map(Some).ok_or("bad 'Move RAMDISK' line")
}

/// `ACPI: SRAT: Node …`, read by the boot log reader's SRAT readers ([`crate::input::dmesg`]).
pub(super) fn parse_srat_node(m: &str) -> Result<Option<TraceEvent>, &'static str> {
    let f = || -> Option<TraceEvent> {
        let (node, pxm, tail) = srat_node_head(m.strip_prefix("ACPI: SRAT: ")?)?;
        let (base, end, hotplug, non_volatile) = srat_node_range(tail)?;
        let (node, last) = (i32::try_from(node).ok()?, end.checked_sub(1)?);
        Some(TraceEvent::SratNode { node, pxm, base, last, hotplug, non_volatile })
    };
    f().map(Some).ok_or("bad 'ACPI: SRAT: Node' line")
}

pub(super) fn parse_numa_merge(m: &str) -> Result<Option<TraceEvent>, &'static str> {
    let f = || -> Option<TraceEvent> {
        let mut c = Cur::new(m.get("NUMA: Node ".len()..).unwrap_or_default());
        let node = c.nid()?;
        let (_, merged) = m.rsplit_once(" -> ")?;
        let mut c = Cur::new(merged);
        let (base, last) = c.mem_range()?;
        Some(TraceEvent::NumaMerge { node, base, last })
    };
    f().map(Some).ok_or("bad 'NUMA: Node ... ->' line")
}

pub(super) fn parse_faking(m: &str) -> Result<Option<TraceEvent>, &'static str> {
    let mut c = Cur::new(m.get("Faking a node at ".len()..).unwrap_or_default());
    let (base, last) = c.mem_range().ok_or("bad 'Faking a node' line")?;
    Ok(Some(TraceEvent::FakingNode { base, last }))
}

pub(super) fn parse_node_data(m: &str) -> Result<Option<TraceEvent>, &'static str> {
    let mut c = Cur::new(m.get("NODE_DATA(".len()..).unwrap_or_default());
    let mut f = || -> Option<TraceEvent> {
        let nid = c.nid()?;
        c.lit(")")?;
        c.spaces();
        if c.lit("allocated ").is_some() {
            let (base, last) = c.mem_range()?;
            return Some(TraceEvent::NodeData { nid, base, last });
        }
        c.lit("on node ")?;
        let on = c.nid()?;
        Some(TraceEvent::NodeDataOnNode { nid, on })
    };
    f().map(Some).ok_or("bad NODE_DATA line")
}

pub(super) fn parse_movable_node(m: &str) -> Result<Option<TraceEvent>, &'static str> {
    let mut c = Cur::new(m.get("Node ".len()..).unwrap_or_default());
    let mut f = || -> Option<TraceEvent> {
        let nid = c.nid()?;
        c.lit(":")?;
        c.spaces();
        let addr = c.hex()?;
        c.rest().trim().is_empty().then_some(TraceEvent::MovableZoneNode { nid, addr })
    };
    // "Node 0: ..." in some other subsystem's words is not ours.
    Ok(f())
}

pub(super) fn parse_crash(m: &str) -> Result<Option<TraceEvent>, &'static str> {
    let mb = |c: &mut Cur<'_>| -> Option<u64> {
        let v = c.dec()?;
        c.lit("MB")?;
        Some(v)
    };
    if let Some(rest) = m.strip_prefix("Reserving ") {
        let mut c = Cur::new(rest);
        let mut f = || -> Option<CrashMessage> {
            let size_mb = mb(&mut c)?;
            let low = c.lit(" of low memory at ").is_some();
            if !low {
                c.lit(" of memory at ")?;
            }
            let at_mb = mb(&mut c)?;
            c.lit(" for crashkernel (")?;
            c.lit(if low { "low RAM limit: " } else { "System RAM: " })?;
            let third = mb(&mut c)?;
            Some(if low {
                CrashMessage::LowReserved { size_mb, at_mb, limit_mb: third }
            } else {
                CrashMessage::Reserved { size_mb, at_mb, system_ram_mb: third }
            })
        };
        return f().map(|e| Some(TraceEvent::Crashkernel(e))).ok_or("bad crashkernel 'Reserving' line");
    }
    if m.starts_with("Cannot reserve ") && !m.contains("crashkernel") {
        return Ok(None);
    }
    Ok(Some(TraceEvent::Crashkernel(CrashMessage::Other(m.trim_end().to_string()))))
}
