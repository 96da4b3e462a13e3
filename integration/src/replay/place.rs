//! What a boot log cannot tell and the user gives: where the kernel image is.
//!
//! `early_reserve_memory()` reserves `[_text, __end_of_kernel_reserve)` before memblock=debug is
//! parsed, so no line shows it. `/proc/iomem` (read as root) shows the image as `Kernel code`,
//! `Kernel rodata`, `Kernel data` and `Kernel bss`; the reservation runs from the first to the
//! page-aligned end of the last (`__end_of_kernel_reserve` follows `__bss_stop` on a page
//! boundary). On the command line it can be given as `--kernel-range A-B`.

use movable_node::memblock_bottomup::page_align;
use serde::Serialize;

use crate::input::num;

/// `[_text, __end_of_kernel_reserve)`: the kernel image as `early_reserve_memory()` reserves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KernelPlace {
    /// `_text`, physical.
    pub start: u64,
    /// `__end_of_kernel_reserve`, physical (exclusive).
    pub end: u64,
    /// Where it came from (for the report).
    pub source: String,
}

/// Why a kernel place could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlaceError {
    /// No `Kernel code`/`data`/`bss` line.
    #[error("no 'Kernel code/rodata/data/bss' lines in the iomem file")]
    NoKernelLines,
    /// The kernel lines are all zero: the file was read without root.
    #[error("the iomem file shows the kernel at 0 (it was read without root: use sudo cat /proc/iomem)")]
    Zeroed,
    /// `A-B` did not parse.
    #[error("bad range {0:?}: expected A-B, e.g. 0x1000000-0x4400000")]
    BadRange(String),
    /// The iomem file does not read as `/proc/iomem`.
    #[error("{0}")]
    Unreadable(String),
}

/// Reads the kernel image's place from `/proc/iomem` with the input reader
/// ([`crate::input::parse_iomem`]): `_text` to the end of `Kernel bss`, page-aligned.
///
/// # Errors
/// [`PlaceError::Unreadable`] when the text is not an iomem listing,
/// [`PlaceError::Zeroed`] when it was read without root, [`PlaceError::NoKernelLines`]
/// when it has no kernel lines.
pub fn kernel_place_from_iomem(text: &str, source: &str) -> Result<KernelPlace, PlaceError> {
    let iomem = crate::input::parse_iomem(source, text).map_err(|e| PlaceError::Unreadable(e.to_string()))?;
    if iomem.is_zeroed() {
        return Err(PlaceError::Zeroed);
    }
    let s = iomem.kernel_sections().map_err(|e| match e {
        crate::input::InputError::Missing { .. } => PlaceError::NoKernelLines,
        e => PlaceError::Unreadable(e.to_string()),
    })?;
    Ok(KernelPlace { start: s.code.0, end: page_align(s.bss.1.saturating_add(1)), source: source.to_string() })
}

/// Reads an address as a person writes it: `0x` hex, decimal, or a size such as `16M` (the one
/// number parser's forms, `input::num::flexible`).
pub fn parse_addr(s: &str) -> Option<u64> {
    num::flexible(s).ok()
}

/// Reads `A-B` as `[A, B)`. An end ending in `fff` (an inclusive end, as iomem prints it) is
/// taken as the last byte and rounded up to the page.
///
/// # Errors
/// [`PlaceError::BadRange`] when `s` is not two addresses `A-B` with `A < B`.
pub fn parse_range(s: &str) -> Result<(u64, u64), PlaceError> {
    let bad = || PlaceError::BadRange(s.to_string());
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let (a, b) = (parse_addr(a).ok_or_else(bad)?, parse_addr(b).ok_or_else(bad)?);
    let b = if b & 0xfff == 0xfff { b.saturating_add(1) } else { b };
    if a >= b {
        return Err(bad());
    }
    Ok((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iomem_of_pc_2n() {
        let iomem = "00100000-bffdffff : System RAM\n  01000000-01e01d31 : Kernel code\n  02000000-028eafff : Kernel rodata\n  02a00000-02c4897f : Kernel data\n  03310000-043fffff : Kernel bss\n";
        let k = kernel_place_from_iomem(iomem, "t").unwrap();
        assert_eq!((k.start, k.end), (0x100_0000, 0x440_0000));
        assert_eq!(kernel_place_from_iomem("00000000-00000000 : Kernel code\n", "t"), Err(PlaceError::Zeroed));
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("0x1000000-0x4400000").unwrap(), (0x100_0000, 0x440_0000));
        assert_eq!(parse_range("0x1000000-0x43fffff").unwrap(), (0x100_0000, 0x440_0000));
        assert_eq!(parse_range("16M-68M").unwrap(), (16 << 20, 68 << 20));
        assert!(parse_range("0x2-0x1").is_err());
        assert!(parse_range("zz").is_err());
    }
}
