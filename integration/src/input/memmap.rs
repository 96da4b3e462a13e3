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
/// `Unusable memory`, `Persistent Memory`, `Persistent Memory (legacy)` (type 12, kept as
/// `Other(12)`), `Persistent RAM`,
/// `Soft Reserved`, and `Unknown E820 type` (6.x), taken as reserved since the number is lost.
/// `None` for anything else.
pub fn memmap_type(name: &str) -> Option<E820Type> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "system ram" => E820Type::Ram,
        "reserved" | "unknown e820 type" => E820Type::Reserved,
        "acpi tables" => E820Type::Acpi,
        "acpi non-volatile storage" => E820Type::Nvs,
        "unusable memory" => E820Type::Unusable,
        "persistent memory" | "persistent ram" => E820Type::Persistent,
        "persistent memory (legacy)" => E820Type::Other(12),
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

/// A memory map read after boot: the boot's entries, and RAM hot-added since.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct E820Read {
    /// The map as the boot had it, checked.
    pub boot: Vec<E820Entry>,
    /// `System RAM` entries added after boot (memory hotplug), in the order listed.
    pub hot_added: Vec<E820Entry>,
}

/// Splits a `/sys/firmware/memmap` listing, in entry-number order, into the boot's entries and
/// those hot-added since. The boot's entries come first and in address order (the kernel adds
/// them from the sanitised e820 table, `firmware_map_add_early()`); memory hot-added later is
/// appended (`firmware_map_add_hotplug()`, numbered after them) as `System RAM`. So the first
/// entry that starts below the end of the one before it begins the hot-added tail, when that
/// tail is all `System RAM`. (Hot-added RAM above every boot entry keeps the order and cannot
/// be told apart this way; a boot log's `BIOS-e820:` table can, see [`hot_added_against`].)
pub fn split_hot_added(placed: Vec<(Place, E820Entry)>) -> (Vec<(Place, E820Entry)>, Vec<E820Entry>) {
    let mut end = 0u64;
    let cut = placed.iter().position(|(_, e)| {
        let out_of_order = e.addr < end;
        end = end.max(e.addr.saturating_add(e.size));
        out_of_order
    });
    match cut {
        Some(i) if placed[i..].iter().all(|(_, e)| e.kind == E820Type::Ram) => {
            let mut boot = placed;
            let tail = boot.split_off(i);
            (boot, tail.into_iter().map(|(_, e)| e).collect())
        }
        _ => (placed, Vec::new()),
    }
}

/// `map` (read after boot) against the boot's own `BIOS-e820:` table: the entries of `map`
/// that are RAM lying wholly outside the boot's RAM were hot-added. Returns the map without
/// them, and them as `[start, end)`.
pub fn hot_added_against(boot: &[E820Entry], map: &[E820Entry]) -> (Vec<E820Entry>, Vec<(u64, u64)>) {
    let boot_ram =
        |e: &E820Entry| boot.iter().any(|b| b.kind.is_memblock_memory() && b.addr < e.end() && e.addr < b.end());
    let (added, kept): (Vec<E820Entry>, Vec<E820Entry>) =
        map.iter().partition(|e| e.kind.is_memblock_memory() && !boot_ram(e));
    (kept, added.iter().map(|e| (e.addr, e.end())).collect())
}

/// What bootsim says of hot-added RAM `[start, end)`.
pub fn hot_added_note(start: u64, end: u64) -> String {
    format!(
        "[mem {start:#018x}-{:#018x}] System RAM was hot-added after boot: it is not boot RAM and is left out of the \
         boot",
        end.saturating_sub(1)
    )
}

fn checked_split(file: &str, placed: Vec<(Place, E820Entry)>) -> Result<E820Read, InputError> {
    let (boot, hot_added) = split_hot_added(placed);
    Ok(E820Read { boot: check_placed(file, boot)?, hot_added })
}

/// Reads a `/sys/firmware/memmap` directory (or a copy of one): its numbered subdirectories in
/// numeric order, each `start`, `end` and `type` file, checked as a map (see
/// [`super::parse_e820`]). Other names in the directory are ignored. Errors name the file at
/// fault (`.../3/end:1`). RAM hot-added after boot is left out ([`read_memmap_dir_split`]
/// returns it).
///
/// # Errors
/// [`InputError`] naming the entry of the directory that cannot be read or parsed, or entries
/// that overlap.
pub fn read_memmap_dir(dir: &Path) -> Result<Vec<E820Entry>, InputError> {
    read_memmap_dir_split(dir).map(|r| r.boot)
}

/// [`read_memmap_dir`], with the hot-added RAM ([`split_hot_added`]).
///
/// # Errors
/// As [`read_memmap_dir`].
pub fn read_memmap_dir_split(dir: &Path) -> Result<E820Read, InputError> {
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
    checked_split(&name_of(dir), placed)
}

/// Reads a flattened memmap listing (see the module doc): `N start=0x.. end=0x.. type=..`
/// lines, or `grep .` lines `PATH/N/{start,end,type}:VALUE`. Blank lines and `#` comments are
/// skipped; any other line is an error, as are entries missing a field. RAM hot-added after
/// boot is left out ([`parse_memmap_txt_split`] returns it).
///
/// # Errors
/// [`InputError`] naming the line that does not read as a memmap entry, or entries that
/// overlap.
pub fn parse_memmap_txt(file: &str, text: &str) -> Result<Vec<E820Entry>, InputError> {
    parse_memmap_txt_split(file, text).map(|r| r.boot)
}

/// [`parse_memmap_txt`], with the hot-added RAM ([`split_hot_added`]).
///
/// # Errors
/// As [`parse_memmap_txt`].
pub fn parse_memmap_txt_split(file: &str, text: &str) -> Result<E820Read, InputError> {
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
    checked_split(file, flat)
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
///
/// # Errors
/// [`InputError`] naming the line that reads in none of the accepted forms, or entries that
/// overlap.
pub fn parse_e820_text(file: &str, text: &str) -> Result<Vec<E820Entry>, InputError> {
    if looks_like_memmap(text) { parse_memmap_txt(file, text) } else { e820::parse_e820(file, text) }
}

/// What `--e820 PATH` reads: a directory is a `/sys/firmware/memmap` ([`read_memmap_dir`]); a
/// file is a memmap listing or a boot log ([`parse_e820_text`]).
///
/// # Errors
/// As [`parse_e820_text`] and [`read_memmap_dir`], and [`InputError::Io`] or
/// [`InputError::TooLarge`] for the path itself.
pub fn read_e820_path(path: &Path) -> Result<Vec<E820Entry>, InputError> {
    read_e820_path_split(path).map(|r| r.boot)
}

/// [`read_e820_path`], with the RAM a memmap shows as hot-added after boot
/// ([`split_hot_added`]); `BIOS-e820:` lines are the boot's own map and have none.
///
/// # Errors
/// As [`read_e820_path`].
pub fn read_e820_path_split(path: &Path) -> Result<E820Read, InputError> {
    if path.is_dir() {
        return read_memmap_dir_split(path);
    }
    let (file, text) = (name_of(path), read_text(path)?);
    if looks_like_memmap(&text) {
        parse_memmap_txt_split(&file, &text)
    } else {
        Ok(E820Read { boot: e820::parse_e820(&file, &text)?, hot_added: Vec::new() })
    }
}
