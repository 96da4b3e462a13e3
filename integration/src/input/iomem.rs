//! `/proc/iomem`: the physical address space as the kernel's resource tree, one resource a
//! line, nested by two spaces a level (`%*s%0*llx-%0*llx : %s`, inclusive ends):
//!
//! ```text
//! 00100000-bffdefff : System RAM
//!   01000000-01e01d31 : Kernel code
//!   02000000-028eafff : Kernel rodata
//!   02a00000-02c4897f : Kernel data
//!   03310000-043fffff : Kernel bss
//!   2b000000-3affffff : Crash kernel
//! ```
//!
//! `setup_arch()` fills the kernel's lines from its symbols: `Kernel code` starts at `_text`,
//! `Kernel bss` ends at `__bss_stop - 1`. `_end` (memblock's `kernel_end`) is not in iomem:
//! between `__bss_stop` and `_end` lies the BRK area (`__brk_base` = `__bss_stop`, page
//! aligned; `_end` = `__brk_limit`, page aligned). Its size comes from the build (64 KiB of
//! slack plus every `RESERVE_BRK()`), so it is a parameter: [`Iomem::kernel_image`] takes it,
//! and [`DEFAULT_BRK_SIZE`] is what the Debian 6.1 kernels of the fixtures have
//! (`__bss_stop` 0x4400000, `_end` 0x4430000), also the built-in machine's.
//!
//! Read without root, every address is 0: [`Iomem::is_zeroed`], and
//! [`InputError::ZeroedAddresses`] when the kernel image is asked for.

use movable_node::E820Entry;

use super::{InputError, Location, Place, bad_line, lines, num};
use crate::machine::KernelImage;

/// The BRK area of the fixtures' Debian 6.1 kernels: `_end - __bss_stop` = 0x4430000 -
/// 0x4400000 (`testdata/fixtures/README.md`, `facts.txt`).
pub const DEFAULT_BRK_SIZE: u64 = 0x30000;

const PAGE_SIZE: u64 = 4096;

const EXPECTED: &str = "START-END : NAME (hex, inclusive end, indented two spaces a level)";

/// One line of `/proc/iomem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IomemResource {
    /// Its line (1-based).
    pub line: usize,
    /// Nesting level (indentation / 2).
    pub depth: usize,
    /// First byte.
    pub start: u64,
    /// Last byte (inclusive, as printed).
    pub last: u64,
    /// The name (`System RAM`, `Kernel code`, `PCI Bus 0000:00` ...).
    pub name: String,
}

/// The kernel's four lines in `/proc/iomem`, each `[start, last]` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelSections {
    /// `Kernel code`: `_text` .. `_etext - 1`.
    pub code: (u64, u64),
    /// `Kernel rodata` (5.x and later), if present.
    pub rodata: Option<(u64, u64)>,
    /// `Kernel data`: `_sdata` .. `_edata - 1`.
    pub data: Option<(u64, u64)>,
    /// `Kernel bss`: `__bss_start` .. `__bss_stop - 1`.
    pub bss: (u64, u64),
}

/// A parsed `/proc/iomem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iomem {
    /// The file's name, for messages.
    pub file: String,
    /// Every resource, in the file's order.
    pub resources: Vec<IomemResource>,
}

/// Reads `/proc/iomem` text. Blank lines are skipped; any other line must have the form
/// `START-END : NAME` (an error names the line; a last line cut short is
/// [`InputError::CutLine`]). A resource that ends before it starts is [`InputError::Invalid`].
///
/// # Errors
/// [`InputError`] naming the line that does not read as `start-end : name`.
pub fn parse_iomem(file: &str, text: &str) -> Result<Iomem, InputError> {
    let mut resources = Vec::new();
    for (n, line, terminated) in lines(text) {
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        let t = line.trim();
        let parsed = t.split_once(" : ").and_then(|(range, name)| {
            let (a, b) = range.trim().split_once('-')?;
            Some((num::hex(a.trim())?, num::hex(b.trim())?, name.trim()))
        });
        let Some((start, last, name)) = parsed else {
            return Err(bad_line(file, n, t, terminated, EXPECTED));
        };
        if last < start {
            return Err(InputError::Invalid {
                at: Place::line(file, n),
                what: format!("the resource {name:?} ends (0x{last:x}) before it starts (0x{start:x})"),
            });
        }
        resources.push(IomemResource { line: n, depth: indent / 2, start, last, name: name.to_string() });
    }
    if resources.is_empty() {
        return Err(InputError::Missing { at: Place::file(file), what: format!("no resources (expected {EXPECTED})") });
    }
    Ok(Iomem { file: file.to_string(), resources })
}

impl Iomem {
    /// Whether every address is 0: the file was read without root.
    pub fn is_zeroed(&self) -> bool {
        self.resources.iter().all(|r| r.start == 0 && r.last == 0)
    }

    fn zeroed_error(&self) -> InputError {
        InputError::ZeroedAddresses { at: Place::new(&self.file, Location::Lines(1, self.resources.len())) }
    }

    fn named(&self, name: &str) -> impl Iterator<Item = &IomemResource> + '_ {
        let name = name.to_string();
        self.resources.iter().filter(move |r| r.name == name)
    }

    fn one(&self, name: &str) -> Result<Option<&IomemResource>, InputError> {
        let mut it = self.named(name);
        let first = it.next();
        if let (Some(a), Some(b)) = (first, it.next()) {
            return Err(InputError::Invalid {
                at: Place::line(&self.file, b.line),
                what: format!("a second {name:?} line (the first is line {})", a.line),
            });
        }
        Ok(first)
    }

    /// The `Kernel code`, `rodata`, `data` and `bss` lines. Errors: zeroed addresses, no
    /// `Kernel code` or no `Kernel bss` line ([`InputError::Missing`]), a section twice, or
    /// sections out of order (code, rodata, data, bss).
    ///
    /// # Errors
    /// [`InputError::Missing`] when a `Kernel` line is absent, [`InputError::ZeroedAddresses`]
    /// when the file was read without root.
    pub fn kernel_sections(&self) -> Result<KernelSections, InputError> {
        if self.is_zeroed() {
            return Err(self.zeroed_error());
        }
        let need = |name: &str| -> Result<&IomemResource, InputError> {
            self.one(name)?.ok_or_else(|| InputError::Missing {
                at: Place::file(&self.file),
                what: format!("no {name:?} line: the kernel image cannot be placed (is this /proc/iomem as root?)"),
            })
        };
        let code = need("Kernel code")?;
        let rodata = self.one("Kernel rodata")?;
        let data = self.one("Kernel data")?;
        let bss = need("Kernel bss")?;
        let order: Vec<&IomemResource> = [Some(code), rodata, data, Some(bss)].into_iter().flatten().collect();
        for w in order.windows(2) {
            if let [a, b] = w
                && b.start <= a.last
            {
                return Err(InputError::Invalid {
                    at: Place::line(&self.file, b.line),
                    what: format!(
                        "{:?} [0x{:x}-0x{:x}] does not lie above {:?} [0x{:x}-0x{:x}] (line {})",
                        b.name, b.start, b.last, a.name, a.start, a.last, a.line
                    ),
                });
            }
        }
        Ok(KernelSections {
            code: (code.start, code.last),
            rodata: rodata.map(|r| (r.start, r.last)),
            data: data.map(|r| (r.start, r.last)),
            bss: (bss.start, bss.last),
        })
    }

    /// The kernel image: `_text` = the start of `Kernel code`, `__bss_stop` = the end of
    /// `Kernel bss` + 1, and `_end` = `__bss_stop` rounded up to a page, plus `brk_size` (the
    /// BRK area, see the module doc; [`DEFAULT_BRK_SIZE`] for the fixtures' kernels). Errors
    /// as [`Iomem::kernel_sections`], and an image that would pass 2^64.
    ///
    /// # Errors
    /// As [`Iomem::kernel_sections`], and [`InputError::Invalid`] when the sections are out of
    /// order or the image would end past 2^64.
    pub fn kernel_image(&self, brk_size: u64) -> Result<KernelImage, InputError> {
        let s = self.kernel_sections()?;
        let bss_stop = s.bss.1.checked_add(1);
        let end = bss_stop
            .and_then(|b| b.checked_add(PAGE_SIZE - 1))
            .map(|b| b & !(PAGE_SIZE - 1))
            .and_then(|b| b.checked_add(brk_size));
        match (bss_stop, end) {
            (Some(bss_stop), Some(end)) => Ok(KernelImage { text: s.code.0, bss_stop, end }),
            _ => Err(InputError::Invalid {
                at: Place::file(&self.file),
                what: format!(
                    "the kernel image with 0x{brk_size:x} bytes of BRK runs past the top of the address space"
                ),
            }),
        }
    }

    /// The `Crash kernel` ranges `[start, end)` (one, or two with `crashkernel=...,high`'s
    /// low part), for comparison with where the model puts it.
    pub fn crash_kernel(&self) -> Vec<(u64, u64)> {
        self.named("Crash kernel").map(|r| (r.start, r.last.saturating_add(1))).collect()
    }

    /// The top-level `System RAM` ranges `[start, end)`: the RAM the running kernel uses, after
    /// its own edits of the firmware map (page 0 and [640 KiB, 1 MiB) reserved, `mem=`).
    pub fn system_ram(&self) -> Vec<(u64, u64)> {
        self.resources.iter().filter(|r| r.name == "System RAM").map(|r| (r.start, r.last.saturating_add(1))).collect()
    }

    /// An e820 map from the resources named like e820 types (`System RAM`, `Reserved`,
    /// `ACPI Tables` ... see [`super::memmap_type`]), at any depth (PCI windows may hold them)
    /// but not inside one another: the fallback when `/sys/firmware/memmap` is missing. It is
    /// the map after the kernel's edits, not the firmware's. Unchecked.
    pub fn e820_entries(&self) -> Vec<E820Entry> {
        let mut out: Vec<E820Entry> = Vec::new();
        let mut inside: Option<usize> = None;
        for r in &self.resources {
            if let Some(d) = inside {
                if r.depth > d {
                    continue;
                }
                inside = None;
            }
            let Some(kind) = super::memmap_type(&r.name) else { continue };
            if let Some(size) = r.last.checked_sub(r.start).and_then(|s| s.checked_add(1)) {
                out.push(E820Entry { addr: r.start, size, kind });
                inside = Some(r.depth);
            }
        }
        out
    }
}
