//! `/sys/firmware/memmap`: the BIOS map as the firmware gave it (`firmware_map_add_early()`,
//! before the kernel's own `e820: update`/`remove` edits), one directory per entry
//! (`0`, `1`, ...), each with `start`, `end` (inclusive) and `type`, and two flattened forms:
//!
//! ```text
//! 0 start=0x0 end=0x9fbff type=System RAM                       (the fixtures' memmap.txt)
//! /sys/firmware/memmap/0/start:0x0                              (grep . /sys/firmware/memmap/*/*)
//! ```
//!
//! Type strings are those of the kernel's `e820_type_to_string()`, see [`memmap_type`].

use std::collections::BTreeMap;
use std::path::Path;

use movable_node::{E820Entry, E820Type};

use super::e820::{self, check_placed};
use super::{InputError, Place, bad_line, excerpt, lines, name_of, num, read_text};

const EXPECTED_TXT: &str = "N start=0xSTART end=0xEND type=TYPE (end inclusive), or PATH/N/start:0xSTART as \
     `grep . /sys/firmware/memmap/*/*` prints it";

/// The e820 type for a `/sys/firmware/memmap/*/type` string (ASCII case ignored):
/// `System RAM` (`E820_RAM` and `E820_RESERVED_KERN`), `Reserved` (3.x: `reserved`, which
/// 3.x also prints for unknown types), `ACPI Tables`, `ACPI Non-volatile Storage`,
/// `Unusable memory`, `Persistent Memory`, `Persistent Memory (legacy)`, `Persistent RAM`,
/// `Soft Reserved`, and `Unknown E820 type` (6.x), taken as reserved since the number is lost.
/// `None` for anything else.
pub fn memmap_type(name: &str) -> Option<E820Type> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "system ram" => E820Type::Ram,
        "reserved" | "unknown e820 type" => E820Type::Reserved,
        "acpi tables" => E820Type::Acpi,
        "acpi non-volatile storage" => E820Type::Nvs,
        "unusable memory" => E820Type::Unusable,
        "persistent memory" | "persistent memory (legacy)" | "persistent ram" => E820Type::Persistent,
        "soft reserved" => E820Type::Other(0xefff_ffff),
        _ => return None,
    })
}

fn type_error(at: Place, found: &str) -> InputError {
    InputError::Invalid {
        at,
        what: format!(
            "unknown memmap type {:?} (expected System RAM, Reserved, ACPI Tables, ACPI Non-volatile Storage, \
             Unusable memory, Persistent Memory or Soft Reserved)",
            excerpt(found)
        ),
    }
}

fn entry(at: &Place, start: u64, end: u64, kind: E820Type) -> Result<E820Entry, InputError> {
    if end < start {
        return Err(InputError::Invalid {
            at: at.clone(),
            what: format!("the entry ends (0x{end:x}) before it starts (0x{start:x})"),
        });
    }
    let size = (end - start).checked_add(1).ok_or_else(|| InputError::Invalid {
        at: at.clone(),
        what: format!("the entry [0x{start:x}-0x{end:x}] wraps past the top of the 64-bit address space"),
    })?;
    Ok(E820Entry { addr: start, size, kind })
}

/// Reads a `/sys/firmware/memmap` directory (or a copy of one): its numbered subdirectories in
/// numeric order, each `start`, `end` and `type` file, checked as a map (see
/// [`super::parse_e820`]). Other names in the directory are ignored. Errors name the file at
/// fault (`.../3/end:1`).
pub fn read_memmap_dir(dir: &Path) -> Result<Vec<E820Entry>, InputError> {
    let rd = std::fs::read_dir(dir).map_err(|source| InputError::Io { at: Place::path(dir), source })?;
    let mut indexes = Vec::new();
    for d in rd {
        let d = d.map_err(|source| InputError::Io { at: Place::path(dir), source })?;
        if let Some(i) = d.file_name().to_str().and_then(num::dec) {
            indexes.push(i);
        }
    }
    indexes.sort_unstable();
    if indexes.is_empty() {
        return Err(InputError::Missing {
            at: Place::path(dir),
            what: "no numbered entry directories (0, 1, ...): not a /sys/firmware/memmap directory".into(),
        });
    }
    let mut placed = Vec::new();
    for i in indexes {
        let sub = dir.join(i.to_string());
        let field = |name: &str| -> Result<(Place, String), InputError> {
            let p = sub.join(name);
            let t = read_text(&p)?;
            Ok((Place::line(name_of(&p), 1), t.trim().to_string()))
        };
        let value = |name: &str| -> Result<(Place, u64), InputError> {
            let (at, t) = field(name)?;
            match num::hex(&t) {
                Some(v) => Ok((at, v)),
                None => {
                    Err(InputError::Syntax { at, text: excerpt(&t), expected: "a hex address like 0x9fbff".into() })
                }
            }
        };
        let (_, start) = value("start")?;
        let (_, end) = value("end")?;
        let (tat, t) = field("type")?;
        let kind = memmap_type(&t).ok_or_else(|| type_error(tat, &t))?;
        let at = Place::path(&sub);
        placed.push((at.clone(), entry(&at, start, end, kind)?));
    }
    check_placed(&name_of(dir), placed)
}

/// Reads a flattened memmap listing (see the module doc): `N start=0x.. end=0x.. type=..`
/// lines, or `grep .` lines `PATH/N/{start,end,type}:VALUE`. Blank lines and `#` comments are
/// skipped; any other line is an error, as are entries missing a field.
pub fn parse_memmap_txt(file: &str, text: &str) -> Result<Vec<E820Entry>, InputError> {
    #[derive(Default)]
    struct Fields {
        line: usize,
        start: Option<u64>,
        end: Option<u64>,
        kind: Option<E820Type>,
    }
    let mut by_index: BTreeMap<u64, Fields> = BTreeMap::new();
    let mut flat = Vec::new();
    for (n, line, terminated) in lines(text) {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let bad = || bad_line(file, n, t, terminated, EXPECTED_TXT);
        let at = Place::line(file, n);
        if let Some((path, value)) = grep_form(t) {
            let (index, field) = path;
            let f = by_index.entry(index).or_insert_with(|| Fields { line: n, ..Fields::default() });
            match field {
                "start" => f.start = Some(num::hex(value.trim()).ok_or_else(bad)?),
                "end" => f.end = Some(num::hex(value.trim()).ok_or_else(bad)?),
                _ => f.kind = Some(memmap_type(value).ok_or_else(|| type_error(at, value))?),
            }
            continue;
        }
        let (start, end, kind) = flat_form(t).ok_or_else(bad)?;
        let kind = memmap_type(kind).ok_or_else(|| type_error(at.clone(), kind))?;
        flat.push((at.clone(), entry(&at, start, end, kind)?));
    }
    for (i, f) in by_index {
        let at = Place::line(file, f.line);
        match (f.start, f.end, f.kind) {
            (Some(s), Some(e), Some(k)) => flat.push((at.clone(), entry(&at, s, e, k)?)),
            _ => {
                return Err(InputError::Missing {
                    at,
                    what: format!("memmap entry {i} lacks its start, end or type line"),
                });
            }
        }
    }
    if flat.is_empty() {
        return Err(InputError::Missing {
            at: Place::file(file),
            what: format!("no memmap entries (expected {EXPECTED_TXT})"),
        });
    }
    check_placed(file, flat)
}

/// `N start=0x.. end=0x.. type=TYPE`.
fn flat_form(t: &str) -> Option<(u64, u64, &str)> {
    let (index, rest) = t.split_once(char::is_whitespace)?;
    num::dec(index)?;
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("start=")?;
    let (start, rest) = rest.split_once(char::is_whitespace)?;
    let rest = rest.trim_start().strip_prefix("end=")?;
    let (end, rest) = rest.split_once(char::is_whitespace)?;
    let kind = rest.trim_start().strip_prefix("type=")?;
    Some((num::hex(start)?, num::hex(end)?, kind))
}

/// `.../N/field:value` with field `start`, `end` or `type`.
fn grep_form(t: &str) -> Option<((u64, &str), &str)> {
    for field in ["start", "end", "type"] {
        let key = format!("/{field}:");
        if let Some(i) = t.find(&key) {
            let path = t.get(..i)?;
            let index = path.rsplit('/').next().and_then(num::dec)?;
            let value = t.get(i + key.len()..)?;
            return Some(((index, field), value));
        }
    }
    None
}

/// Whether text looks like a memmap listing rather than a boot log: a line of either
/// flattened form.
fn looks_like_memmap(text: &str) -> bool {
    lines(text).any(|(_, l, _)| {
        let t = l.trim();
        flat_form(t).is_some() || grep_form(t).is_some()
    })
}

/// Reads an e820 text of either kind: a memmap listing if any line has its form
/// ([`parse_memmap_txt`]), else `BIOS-e820:` lines ([`super::parse_e820`]).
pub fn parse_e820_text(file: &str, text: &str) -> Result<Vec<E820Entry>, InputError> {
    if looks_like_memmap(text) { parse_memmap_txt(file, text) } else { e820::parse_e820(file, text) }
}

/// What `--e820 PATH` reads: a directory is a `/sys/firmware/memmap` ([`read_memmap_dir`]); a
/// file is a memmap listing or a boot log ([`parse_e820_text`]).
pub fn read_e820_path(path: &Path) -> Result<Vec<E820Entry>, InputError> {
    if path.is_dir() { read_memmap_dir(path) } else { parse_e820_text(&name_of(path), &read_text(path)?) }
}
