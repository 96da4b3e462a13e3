//! memblock's own lines: range operations, allocation requests, messages and dumps.

use super::*;

pub(super) const BAD_RANGE: &str = "bad [start-end] range";
pub(super) const BAD_REQUEST: &str = "bad allocation request (size, align, nid, from, max_addr, caller)";

pub(super) fn parse_memblock(m: &str) -> Result<Option<TraceEvent>, &'static str> {
    let (name, rest) = m.split_once(':').ok_or("no ':' after the memblock function")?;
    let mut c = Cur::new(rest);
    c.spaces();
    let op = match name {
        "memblock_add" => RangeOp::Add,
        "memblock_remove" => RangeOp::Remove,
        "memblock_reserve" => RangeOp::Reserve,
        "memblock_phys_free" | "memblock_free" => RangeOp::PhysFree,
        "memblock_free_late" => RangeOp::FreeLate,
        "memblock_add_node" => {
            let (base, last) = c.range().ok_or(BAD_RANGE)?;
            let mut f = || -> Option<(i32, u64, String)> {
                c.spaces();
                c.lit("nid=")?;
                let nid = c.nid()?;
                c.spaces();
                c.lit("flags=")?;
                let flags = c.hex().or_else(|| c.hex_digits())?;
                Some((nid, flags, c.caller()?))
            };
            let (nid, flags, caller) = f().ok_or("bad memblock_add_node line (nid, flags, caller)")?;
            return Ok(Some(TraceEvent::AddNode { base, last, nid, flags, caller }));
        }
        "memblock_phys_alloc_range" => return parse_request(RequestKind::PhysAllocRange, c).map(Some),
        "memblock_alloc_try_nid" => return parse_request(RequestKind::AllocTryNid, c).map(Some),
        "memblock_alloc_try_nid_raw" => return parse_request(RequestKind::AllocTryNidRaw, c).map(Some),
        "memblock_alloc_exact_nid_raw" => return parse_request(RequestKind::AllocExactNidRaw, c).map(Some),
        "memblock" => return parse_memblock_message(c.rest()),
        // Other memblock_* debug lines (none in 6.1's x86 boot) are not trace lines we know.
        _ => return Err("unknown memblock function"),
    };
    let (base, last) = c.range().ok_or(BAD_RANGE)?;
    let caller = c.caller().ok_or("no caller after the range")?;
    Ok(Some(TraceEvent::Range { op, base, last, caller }))
}

pub(super) fn parse_request(kind: RequestKind, mut c: Cur<'_>) -> Result<TraceEvent, &'static str> {
    let mut f = || -> Option<Request> {
        let size = c.dec()?;
        c.spaces();
        c.lit("bytes")?;
        c.spaces();
        c.lit("align=")?;
        let align = c.hex()?;
        c.spaces();
        let nid = if kind == RequestKind::PhysAllocRange {
            None
        } else {
            c.lit("nid=")?;
            let n = c.nid()?;
            c.spaces();
            Some(n)
        };
        c.lit("from=")?;
        let from = c.hex()?;
        c.spaces();
        c.lit("max_addr=")?;
        let max_addr = c.hex()?;
        let caller = c.caller()?;
        Some(Request { kind, size, align, nid, from, max_addr, caller })
    };
    f().map(TraceEvent::Request).ok_or(BAD_REQUEST)
}

pub(super) fn dump_kind(name: &str) -> Option<DumpKind> {
    match name {
        "memory" => Some(DumpKind::Memory),
        "reserved" => Some(DumpKind::Reserved),
        _ => None,
    }
}

/// `memblock: %s is doubled to %ld at [...]` and `memblock: Failed to double ...`.
pub(super) fn parse_memblock_message(rest: &str) -> Result<Option<TraceEvent>, &'static str> {
    let mut c = Cur::new(rest);
    c.spaces();
    if c.lit("Failed to double ").is_some() {
        let mut f = || -> Option<TraceEvent> {
            let (kind, r) = c.rest().split_once(' ')?;
            let kind = dump_kind(kind)?;
            c = Cur::new(r);
            c.lit("array from ")?;
            let from = c.dec()?;
            Some(TraceEvent::DoubleFailed { kind, from })
        };
        return f().map(Some).ok_or("bad 'Failed to double' line");
    }
    let mut f = || -> Option<TraceEvent> {
        let (kind, r) = c.rest().split_once(' ')?;
        let kind = dump_kind(kind)?;
        c = Cur::new(r);
        c.lit("is doubled to ")?;
        let new_max = c.dec()?;
        c.lit(" at ")?;
        let (base, last) = c.range()?;
        Some(TraceEvent::Doubled { kind, new_max, base, last })
    };
    match f() {
        Some(e) => Ok(Some(e)),
        // Other `memblock:` messages (the MAX_NUMNODES warning, ...) carry nothing to replay.
        None if !rest.contains("doubled") => Ok(None),
        None => Err("bad 'is doubled' line"),
    }
}

/// A line of `__memblock_dump_all()` other than the header.
pub(super) fn parse_dump_line(m: &str) -> Result<Option<TraceEvent>, &'static str> {
    if let Some(rest) = m.strip_prefix("memory size = ") {
        let mut c = Cur::new(rest);
        let mut f = || -> Option<TraceEvent> {
            let memory = c.hex()?;
            c.spaces();
            c.lit("reserved size = ")?;
            let reserved = c.hex()?;
            Some(TraceEvent::DumpSizes { memory, reserved })
        };
        return f().map(Some).ok_or("bad dump sizes line");
    }
    let name_end = m.find(['[', '.']).ok_or("bad dump line")?;
    let Some(kind) = dump_kind(&m[..name_end]) else {
        // "memory" or "reserved" at the start of some unrelated message.
        return Ok(None);
    };
    let mut c = Cur::new(&m[name_end..]);
    if c.lit(".cnt").is_some() {
        c.spaces();
        c.lit("=").ok_or("bad dump count line")?;
        c.spaces();
        let cnt = c.hex().ok_or("bad dump count line")?;
        return Ok(Some(TraceEvent::DumpCount { kind, cnt }));
    }
    let mut f = || -> Option<TraceEvent> {
        c.lit("[")?;
        let index = c.hex()?;
        c.lit("]")?;
        c.spaces();
        let (base, last) = c.range()?;
        c.lit(",")?;
        c.spaces();
        let size = c.hex()?;
        c.spaces();
        c.lit("bytes")?;
        c.spaces();
        let nid = if c.lit("on node ").is_some() {
            let n = c.nid()?;
            c.spaces();
            Some(n)
        } else {
            None
        };
        c.lit("flags:")?;
        c.spaces();
        let flags = c.hex()?;
        Some(TraceEvent::DumpRow { kind, index, base, last, size, nid, flags })
    };
    match f() {
        Some(e) => Ok(Some(e)),
        None if m[name_end..].starts_with('[') => Err("bad dump row"),
        None => Ok(None),
    }
}
