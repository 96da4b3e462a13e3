//! The ACPI tables a machine's firmware hands Linux, as far as its early boot cares: where each
//! table lies (`acpi_reserve_initial_tables()` reserves every one) and which tables the initrd
//! overrides (`acpi_table_upgrade()` copies them into memblock), with the grammar a person
//! writes them in (`NAME@ADDR+SIZE`, `NAME:SIZE`) on the command line and in machine files.

use crate::input::num;

/// `ACPI: %4.4s ACPI table found in initrd [%s%s][0x%x]` (`acpi_table_initrd_init()`): a
/// table the initrd overrides, by its signature and length.
pub type AcpiTableInInitrd = AcpiTableSize;

/// `ACPI: Reserving %4.4s table memory at [mem 0x%llx-0x%llx]` (`acpi_reserve_initial_tables()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcpiReservation {
    /// The table's signature.
    pub signature: String,
    /// First byte.
    pub base: u64,
    /// Last byte (inclusive).
    pub last: u64,
}

/// An ACPI table known by its signature and length: one the initrd overrides
/// ([`AcpiTableInInitrd`]), or a firmware table whose place is not known
/// (`/sys/firmware/acpi/tables/NAME`'s size, or a machine that has not booted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcpiTableSize {
    /// The table's signature.
    pub signature: String,
    /// The table's length in bytes.
    pub size: u64,
}

/// A table as a person gives it: placed (`NAME@ADDR+SIZE`) or by its length (`NAME:SIZE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GivenTable {
    /// Its place and length.
    Placed(AcpiReservation),
    /// Its length only.
    Sized(AcpiTableSize),
}

/// Reads `NAME@ADDR+SIZE` or `NAME:SIZE` (`flag` names it in errors).
///
/// # Errors
/// [`AcpiTableError`] for anything else, a zero size, or a table past 2^64.
pub fn parse_given_table(flag: &str, text: &str) -> Result<GivenTable, AcpiTableError> {
    if text.contains('@') {
        return parse_table(flag, text).map(GivenTable::Placed);
    }
    parse_upgrade(flag, text).map(GivenTable::Sized).map_err(|e| AcpiTableError { expected: GIVEN_FORM, ..e })
}

/// `NAME@ADDR+SIZE` or `NAME:SIZE`.
pub const GIVEN_FORM: &str = "NAME@ADDR+SIZE (e.g. FACP@0x7ffe1990+0x74) or, when the place is not known, NAME:SIZE \
                              (e.g. FACP:0x74)";

/// A table written as `NAME@ADDR+SIZE` or `NAME:SIZE` that does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{flag} {text:?}: expected {expected}")]
pub struct AcpiTableError {
    /// The flag (or file and line) it came from.
    pub flag: String,
    /// What was given.
    pub text: String,
    /// The form it should have.
    pub expected: &'static str,
}

/// `NAME@ADDR+SIZE`: one ACPI table the kernel reserves (`acpi_reserve_initial_tables()`).
pub const TABLE_FORM: &str = "NAME@ADDR+SIZE, e.g. FACP@0x7ffe1990+0x74 (the table's signature, address and length)";
/// `NAME:SIZE`: one table `acpi_table_upgrade()` takes from the initrd.
pub const UPGRADE_FORM: &str = "NAME:SIZE, e.g. SRAT:0xf0 (a table in the initrd's kernel/firmware/acpi/)";

/// Reads `NAME@ADDR+SIZE` (`flag` names it in errors).
///
/// # Errors
/// [`AcpiTableError`] for anything else, a zero size, or a table past 2^64.
pub fn parse_table(flag: &str, text: &str) -> Result<AcpiReservation, AcpiTableError> {
    let bad = || AcpiTableError { flag: flag.to_string(), text: text.to_string(), expected: TABLE_FORM };
    let (name, rest) = text.trim().split_once('@').ok_or_else(bad)?;
    let (addr, size) = rest.split_once('+').ok_or_else(bad)?;
    let number = |s: &str| num::flexible(s.trim()).ok();
    let (base, size) = (number(addr).ok_or_else(bad)?, number(size).ok_or_else(bad)?);
    let last = base.checked_add(size.checked_sub(1).ok_or_else(bad)?).ok_or_else(bad)?;
    Ok(AcpiReservation { signature: signature(name).ok_or_else(bad)?, base, last })
}

/// Reads `NAME:SIZE` (`flag` names it in errors).
///
/// # Errors
/// [`AcpiTableError`] for anything else or a zero size.
pub fn parse_upgrade(flag: &str, text: &str) -> Result<AcpiTableInInitrd, AcpiTableError> {
    let bad = || AcpiTableError { flag: flag.to_string(), text: text.to_string(), expected: UPGRADE_FORM };
    let (name, size) = text.trim().split_once(':').ok_or_else(bad)?;
    let size = num::flexible(size.trim()).ok().filter(|&s| s > 0).ok_or_else(bad)?;
    Ok(AcpiTableInInitrd { signature: signature(name).ok_or_else(bad)?, size })
}

/// Reads a file of tables, one `NAME@ADDR+SIZE` or `NAME:SIZE` a line (`#` starts a comment).
///
/// # Errors
/// The first line that does not read, named `file:line`.
pub fn parse_table_file(file: &str, text: &str) -> Result<Vec<GivenTable>, AcpiTableError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split_once('#').map_or(line, |(l, _)| l).trim();
        if !line.is_empty() {
            out.push(parse_given_table(&format!("{file}:{}", i + 1), line)?);
        }
    }
    Ok(out)
}

/// The tables of a `/sys/firmware/acpi/tables` directory, by length: each file directly in it
/// is one table named by its file name (`SSDT1`, `SSDT2`... are the kernel's names for several
/// tables of one signature; the digits are dropped); `data/` and `dynamic/` are not firmware
/// tables. Sorted by name (the directory gives no order).
///
/// # Errors
/// The directory or a file's metadata that cannot be read, named.
pub fn read_table_dir(dir: &std::path::Path) -> Result<Vec<AcpiTableSize>, String> {
    let read = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let meta = entry.metadata().map_err(|e| format!("{}: {e}", entry.path().display()))?;
        let name = entry.file_name().to_string_lossy().trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
        if meta.is_file()
            && meta.len() > 0
            && let Some(signature) = signature(&name)
        {
            out.push(AcpiTableSize { signature, size: meta.len() });
        }
    }
    out.sort_by(|a, b| a.signature.cmp(&b.signature));
    Ok(out)
}

/// An ACPI signature: four printable ASCII characters.
fn signature(name: &str) -> Option<String> {
    let name = name.trim();
    (name.len() == 4 && name.bytes().all(|b| b.is_ascii_graphic())).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_read_as_the_kernel_prints_them() {
        // pc-2n's `ACPI: Reserving FACP table memory at [mem 0x7ffe1990-0x7ffe1a03]`: 0x74 bytes.
        let t = parse_table("--acpi-table", "FACP@0x7ffe1990+0x74").unwrap();
        assert_eq!((t.signature.as_str(), t.base, t.last), ("FACP", 0x7ffe_1990, 0x7ffe_1a03));
        let u = parse_upgrade("--acpi-upgrade", "SRAT:0x160").unwrap();
        assert_eq!((u.signature.as_str(), u.size), ("SRAT", 0x160));
        for bad in ["FACP", "FACP@1", "FACP@1+0", "FAC@1+1", "FACP@0xffffffffffffffff+2", "FACP@x+1"] {
            assert!(parse_table("f", bad).is_err(), "{bad}");
        }
        let file = "# header\nFACS@0x7ffe0000+0x40\n\nHPET:0x38 # trailing\nbad\n";
        let e = parse_table_file("t.txt", file).unwrap_err();
        assert_eq!(e.to_string(), format!("t.txt:5 \"bad\": expected {GIVEN_FORM}"));
        let good = parse_table_file("t.txt", "FACS@0x7ffe0000+0x40\nHPET:0x38\n").unwrap();
        let hpet = AcpiTableSize { signature: "HPET".into(), size: 0x38 };
        assert_eq!(good[1], GivenTable::Sized(hpet));
    }
}
