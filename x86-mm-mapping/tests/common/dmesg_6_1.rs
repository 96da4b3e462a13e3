//! Reading a Linux 6.1 boot log (`dmesg.txt` of the real machines): the pieces the 6.1 tests
//! of `x86-mm-mapping` and `x86-mm-bottomup` share (included with `#[path]`).

#![allow(dead_code)]

use x86_mm_mapping::{E820Entry, E820Type};

/// The message of a dmesg line, without its `[    0.123456] ` timestamp if it has one.
pub fn message(line: &str) -> &str {
    match line.strip_prefix('[').and_then(|rest| rest.split_once("] ")) {
        Some((stamp, msg)) if stamp.trim().chars().all(|c| c.is_ascii_digit() || c == '.') => msg,
        _ => line,
    }
}

pub fn hex(t: &str) -> u64 {
    u64::from_str_radix(t.trim().trim_start_matches("0x"), 16).unwrap_or_else(|_| panic!("not hex: {t:?}"))
}

/// `[mem 0xA-0xB]` or `[0xA-0xB]` (inclusive) at the start of `t`, as `[A, B + 1)`, and the rest.
pub fn bracket(t: &str) -> ((u64, u64), &str) {
    let t = t.trim_start();
    let t = t.strip_prefix("[mem ").or_else(|| t.strip_prefix('[')).unwrap();
    let (range, rest) = t.split_once(']').unwrap();
    let (a, b) = range.split_once('-').unwrap();
    ((hex(a), hex(b) + 1), rest)
}

pub fn e820_kind(word: &str) -> E820Type {
    match word.trim() {
        "usable" => E820Type::Ram,
        "reserved" => E820Type::Reserved,
        "ACPI data" => E820Type::Acpi,
        "ACPI NVS" => E820Type::Nvs,
        other => panic!("e820 type {other:?}"),
    }
}

/// `e820__range_update()` / `e820__range_remove()` on the table as printed: the part of every
/// entry of type `from` inside `[s, e)` becomes `to` (or goes away).
pub fn e820_change(table: &mut Vec<E820Entry>, (s, e): (u64, u64), from: E820Type, to: Option<E820Type>) {
    let mut out = Vec::new();
    for x in table.drain(..) {
        if x.kind != from || x.end() <= s || x.addr >= e {
            out.push(x);
            continue;
        }
        if x.addr < s {
            out.push(E820Entry { addr: x.addr, size: s - x.addr, kind: x.kind });
        }
        if let Some(to) = to {
            let (a, b) = (x.addr.max(s), x.end().min(e));
            out.push(E820Entry { addr: a, size: b - a, kind: to });
        }
        if x.end() > e {
            out.push(E820Entry { addr: e, size: x.end() - e, kind: x.kind });
        }
    }
    out.sort_by_key(|x| x.addr);
    *table = out;
}

/// Applies one line of the e820 story to `table`: a `BIOS-e820:` entry, or an `e820: update`
/// / `e820: remove` fix-up. Returns whether the line was one of them.
pub fn read_e820_line(table: &mut Vec<E820Entry>, msg: &str) -> bool {
    if let Some(rest) = msg.strip_prefix("BIOS-e820: ") {
        let ((s, e), kind) = bracket(rest);
        table.push(E820Entry { addr: s, size: e - s, kind: e820_kind(kind) });
    } else if let Some(rest) = msg.strip_prefix("e820: update ") {
        let (range, rest) = bracket(rest);
        let (from, to) = rest.split_once("==>").unwrap();
        e820_change(table, range, e820_kind(from), Some(e820_kind(to)));
    } else if let Some(rest) = msg.strip_prefix("e820: remove ") {
        let (range, kind) = bracket(rest);
        e820_change(table, range, e820_kind(kind), None);
    } else {
        return false;
    }
    true
}
