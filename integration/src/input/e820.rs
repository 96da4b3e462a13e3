//! The BIOS memory map as the kernel prints it at boot (`e820_print_map("BIOS-e820")`):
//!
//! ```text
//! [    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable      (3.x to 6.x: inclusive end)
//! BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)                            (before 3.x: exclusive end)
//! ```
//!
//! A line counts when it holds `BIOS-e820:`; whatever precedes it (a dmesg timestamp, a
//! `<6>` level, a syslog or journal prefix) and every other line is ignored, `\r\n` line ends
//! included. Types are the kernel's words (`e820_print_type()`): `usable`, `reserved`,
//! `soft reserved`, `ACPI data`, `ACPI NVS`, `unusable`, `persistent (type N)`, `type N`, in
//! parentheses in the old form. The map is then checked by `movable_node::E820Table::new`
//! (no overlapping or wrapping entries, some usable RAM), its errors pointing at the lines.

use movable_node::{E820Entry, E820Error, E820Table, E820Type};

use super::{InputError, Location, Place, bad_line, lines, num};

/// What a `BIOS-e820:` line looks like, for messages.
pub(crate) const EXPECTED: &str = "BIOS-e820: [mem 0xSTART-0xEND] TYPE (TYPE: usable, reserved, soft reserved, \
     ACPI data, ACPI NVS, unusable, persistent (type N) or type N), or the old \
     BIOS-e820: START - END (TYPE)";

const MARKER: &str = "BIOS-e820:";
const MAP_HEADER: &str = "BIOS-provided physical RAM map:";

/// `E820_TYPE_PRAM`: legacy persistent RAM.
const PRAM: u32 = 12;

/// The words the kernel prints for `kind` in a `BIOS-e820:` line (`e820_print_type()`):
/// the layer's name, except that type 12 (`E820_PRAM`) is `persistent (type 12)`.
pub fn kernel_type_name(kind: E820Type) -> String {
    match kind {
        E820Type::Other(PRAM) => format!("persistent (type {PRAM})"),
        k => k.to_string(),
    }
}

/// `E820_TYPE_SOFT_RESERVED`.
pub(crate) const SOFT_RESERVED: u32 = 0xefff_ffff;

/// The e820 type for a word the kernel prints in `BIOS-e820:` lines (ASCII case ignored, with
/// or without the parentheses of old kernels); `None` for any other word.
pub fn e820_type_from_kernel_name(word: &str) -> Option<E820Type> {
    let w = word.trim();
    let w = w.strip_prefix('(').and_then(|w| w.strip_suffix(')')).unwrap_or(w).trim();
    let lower = w.to_ascii_lowercase();
    let code_after = |prefix: &str, suffix: &str| {
        lower.strip_prefix(prefix).and_then(|r| r.strip_suffix(suffix)).and_then(|n| num::dec(n.trim()))
    };
    Some(match lower.as_str() {
        "usable" => E820Type::Ram,
        "reserved" => E820Type::Reserved,
        "soft reserved" => E820Type::Other(SOFT_RESERVED),
        "acpi data" => E820Type::Acpi,
        "acpi nvs" => E820Type::Nvs,
        "unusable" => E820Type::Unusable,
        "persistent" => E820Type::Persistent,
        _ => {
            if let Some(n) = code_after("persistent (type ", ")") {
                let n = u32::try_from(n).ok()?;
                return Some(E820Type::from_code(n));
            }
            let n = code_after("type ", "")?;
            E820Type::from_code(u32::try_from(n).ok()?)
        }
    })
}

/// Reads the `BIOS-e820:` lines of `text` (named `file` in messages) into the map they
/// describe, sorted, and checked with `E820Table::new`.
///
/// Errors: a `BIOS-e820:` line that does not read ([`InputError::Syntax`], or
/// [`InputError::CutLine`] if the text ends in it), an entry that ends before it starts or past
/// 2^64 ([`InputError::Invalid`]), a second map in the same log (two boots), no `BIOS-e820:`
/// line at all ([`InputError::Missing`]), overlapping entries or no usable RAM
/// ([`InputError::E820`]).
///
/// # Errors
/// [`InputError`] naming the line that does not read as an e820 entry, or the entries that
/// overlap or wrap past 2^64.
pub fn parse_e820(file: &str, text: &str) -> Result<Vec<E820Entry>, InputError> {
    let entries = scan(file, text)?;
    if entries.is_empty() {
        let n = lines(text).count();
        return Err(InputError::Missing {
            at: Place::file(file),
            what: format!("none of its {n} lines is a BIOS-e820: line (expected {EXPECTED})"),
        });
    }
    check(file, entries)
}

/// The `BIOS-e820:` entries of `text` with their line numbers, unchecked; empty if there are
/// none. A second `BIOS-provided physical RAM map:` after entries were read is an error.
pub(crate) fn scan(file: &str, text: &str) -> Result<Vec<(usize, E820Entry)>, InputError> {
    let mut out: Vec<(usize, E820Entry)> = Vec::new();
    for (n, line, terminated) in lines(text) {
        if line.contains(MAP_HEADER) && !out.is_empty() {
            return Err(InputError::Invalid {
                at: Place::line(file, n),
                what: format!(
                    "a second {MAP_HEADER:?} starts here, after the map of lines {}-{}: the log holds more than \
                     one boot; cut it to one",
                    out.first().map_or(0, |e| e.0),
                    out.last().map_or(0, |e| e.0)
                ),
            });
        }
        let Some(i) = line.find(MARKER) else { continue };
        let msg = line.get(i..).unwrap_or("");
        let rest = msg.get(MARKER.len()..).unwrap_or("");
        let Some((start, end, kind)) = parse_entry(rest) else {
            return Err(bad_line(file, n, msg, terminated, EXPECTED));
        };
        let Some(entry) = make_entry(start, end, kind) else {
            let (End::Inclusive(last) | End::Exclusive(last)) = end;
            let what = if last < start {
                format!("the entry ends (0x{last:x}) before it starts (0x{start:x}): {}", msg.trim())
            } else {
                format!("the entry wraps past the top of the 64-bit address space: {}", msg.trim())
            };
            return Err(InputError::Invalid { at: Place::line(file, n), what });
        };
        out.push((n, entry));
    }
    Ok(out)
}

/// An entry as a 6.x log writes it after its prefix (`BIOS-e820:`, `modified:`):
/// `[mem 0xSTART-0xLAST] type`. `None` if it does not read or its end passes 2^64.
pub(crate) fn parse_mem_entry(rest: &str) -> Option<E820Entry> {
    let (start, end, kind) = parse_entry(rest)?;
    make_entry(start, end, kind)
}

/// The end of an entry as written: inclusive (`[mem a-b]`) or exclusive (old `a - b`).
#[derive(Clone, Copy)]
enum End {
    Inclusive(u64),
    Exclusive(u64),
}

fn make_entry(start: u64, end: End, kind: E820Type) -> Option<E820Entry> {
    let size = match end {
        End::Inclusive(e) => e.checked_sub(start)?.checked_add(1)?,
        End::Exclusive(e) => e.checked_sub(start)?,
    };
    Some(E820Entry { addr: start, size, kind })
}

/// The part after `BIOS-e820:`.
fn parse_entry(rest: &str) -> Option<(u64, End, E820Type)> {
    let rest = rest.trim();
    if let Some(r) = rest.strip_prefix("[mem") {
        let (range, kind) = r.split_once(']')?;
        let (a, b) = range.trim().split_once('-')?;
        let kind = e820_type_from_kernel_name(kind)?;
        return Some((num::hex(a.trim())?, End::Inclusive(num::hex(b.trim())?), kind));
    }
    // The old form: `0000000000000000 - 000000000009fc00 (usable)`.
    let (a, r) = rest.split_once('-')?;
    let r = r.trim_start();
    let b_len = r.find(|c: char| !c.is_ascii_hexdigit() && c != 'x' && c != 'X').unwrap_or(r.len());
    let (b, kind) = r.split_at(b_len);
    let kind = e820_type_from_kernel_name(kind)?;
    Some((num::hex(a.trim())?, End::Exclusive(num::hex(b)?), kind))
}

/// Checks entries read from one file with `E820Table::new`, pointing its errors at lines.
pub(crate) fn check(file: &str, entries: Vec<(usize, E820Entry)>) -> Result<Vec<E820Entry>, InputError> {
    let placed = entries.into_iter().map(|(n, e)| (Place::line(file, n), e)).collect();
    check_placed(file, placed)
}

/// The same for entries whose places are any (files of a directory, lines).
pub(crate) fn check_placed(whole: &str, entries: Vec<(Place, E820Entry)>) -> Result<Vec<E820Entry>, InputError> {
    let plain: Vec<E820Entry> = entries.iter().map(|(_, e)| *e).collect();
    match E820Table::new(plain) {
        Ok(t) => Ok(t.entries().to_vec()),
        Err(source) => Err(locate(whole, &entries, source)),
    }
}

fn locate(whole: &str, entries: &[(Place, E820Entry)], source: E820Error) -> InputError {
    let first = |addr: u64, size: u64| entries.iter().find(|(_, e)| e.addr == addr && e.size == size);
    let last = |addr: u64, size: u64| entries.iter().rev().find(|(_, e)| e.addr == addr && e.size == size);
    let all_lines = || {
        let ns: Vec<usize> = entries
            .iter()
            .filter_map(|(p, _)| match p.at {
                Location::Line(n) if p.file == whole => Some(n),
                _ => None,
            })
            .collect();
        match (ns.iter().min(), ns.iter().max()) {
            (Some(&a), Some(&b)) if ns.len() == entries.len() => Place::new(whole, Location::Lines(a, b)),
            _ => Place::file(whole),
        }
    };
    let (at, other) = match source {
        E820Error::Wraps { addr, size } => (first(addr, size).map(|(p, _)| p.clone()), None),
        E820Error::Overlap { a_start, a_last, b_start, b_last } => {
            let size = |s: u64, l: u64| l.wrapping_sub(s).wrapping_add(1);
            let a = first(a_start, size(a_start, a_last)).map(|(p, _)| p.clone());
            let b = last(b_start, size(b_start, b_last)).map(|(p, _)| p.clone());
            // Report at the later place of the two, and name the other.
            match (a, b) {
                (Some(a), Some(b)) if later(&a, &b) => (Some(a), Some(b)),
                (a, b) => (b.or(a.clone()), a),
            }
        }
        _ => (None, None),
    };
    let other = match (&at, other) {
        (Some(at), Some(o)) if *at == o => None,
        (_, o) => o,
    };
    InputError::E820 { at: at.unwrap_or_else(all_lines), source, other: other.map(Box::new) }
}

fn later(a: &Place, b: &Place) -> bool {
    match (a.at, b.at) {
        (Location::Line(x), Location::Line(y)) if a.file == b.file => x > y,
        _ => a.file > b.file,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_words() {
        assert_eq!(e820_type_from_kernel_name("usable"), Some(E820Type::Ram));
        assert_eq!(e820_type_from_kernel_name(" (ACPI NVS)"), Some(E820Type::Nvs));
        assert_eq!(e820_type_from_kernel_name("persistent (type 12)"), Some(E820Type::Other(12)));
        assert_eq!(e820_type_from_kernel_name("type 20"), Some(E820Type::Other(20)));
        assert_eq!(e820_type_from_kernel_name("type 99999999999"), None);
        assert_eq!(e820_type_from_kernel_name("ram"), None);
    }
}
