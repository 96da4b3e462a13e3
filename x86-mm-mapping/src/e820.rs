//! The BIOS memory map (`struct e820map`) and the parts of `arch/x86/kernel/e820.c` the early
//! mapping needs: type lookups, the end of RAM, and `memblock_x86_fill()`.

use alloc::vec::Vec;
use core::fmt;

use memblock_bottomup::{Memblock, PAGE_SHIFT, PAGE_SIZE, Placement};

/// `MAX_ARCH_PFN` on x86-64: `MAXMEM >> PAGE_SHIFT`, with `MAXMEM` = 2^46 (64 TiB).
pub const MAX_ARCH_PFN: u64 = 1 << (46 - PAGE_SHIFT);

/// `MAXMEM`: the highest physical address the 3.13 direct mapping can cover.
pub const MAXMEM: u64 = 1 << 46;

/// An e820 entry type (`E820_RAM` ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum E820Type {
    /// `E820_RAM` (1): usable.
    Ram,
    /// `E820_RESERVED` (2).
    Reserved,
    /// `E820_ACPI` (3): ACPI data.
    Acpi,
    /// `E820_NVS` (4): ACPI NVS.
    Nvs,
    /// `E820_UNUSABLE` (5).
    Unusable,
    /// `E820_PMEM`/`E820_PRAM` (7, 12): persistent memory (later kernels).
    Persistent,
    /// `E820_RESERVED_KERN` (128): RAM the kernel reserved for itself (setup data).
    ReservedKern,
    /// Any other value.
    Other(u32),
}

impl E820Type {
    /// The type for a number of the BIOS interface: 1 to 5 are RAM, reserved, ACPI data, ACPI
    /// NVS and unusable, 7 `E820_PMEM` persistent, 128 `E820_RESERVED_KERN`; any other number
    /// (12, `E820_PRAM`, included) is kept as [`E820Type::Other`], so that it survives. The
    /// inverse of [`E820Type::code`].
    pub const fn from_code(code: u32) -> Self {
        match code {
            1 => E820Type::Ram,
            2 => E820Type::Reserved,
            3 => E820Type::Acpi,
            4 => E820Type::Nvs,
            5 => E820Type::Unusable,
            7 => E820Type::Persistent,
            128 => E820Type::ReservedKern,
            n => E820Type::Other(n),
        }
    }

    /// The type's number in the BIOS interface.
    pub const fn code(self) -> u32 {
        match self {
            E820Type::Ram => 1,
            E820Type::Reserved => 2,
            E820Type::Acpi => 3,
            E820Type::Nvs => 4,
            E820Type::Unusable => 5,
            E820Type::Persistent => 7,
            E820Type::ReservedKern => 128,
            E820Type::Other(n) => n,
        }
    }

    /// The word the kernel prints for it in `BIOS-e820:` lines (`e820_print_type()`).
    pub const fn kernel_name(self) -> &'static str {
        match self {
            E820Type::Ram | E820Type::ReservedKern => "usable",
            E820Type::Reserved => "reserved",
            E820Type::Acpi => "ACPI data",
            E820Type::Nvs => "ACPI NVS",
            E820Type::Unusable => "unusable",
            E820Type::Persistent => "persistent (type 7)",
            E820Type::Other(_) => "type",
        }
    }

    /// Whether memblock gets this range as memory (`E820_RAM` and `E820_RESERVED_KERN`).
    pub const fn is_memblock_memory(self) -> bool {
        matches!(self, E820Type::Ram | E820Type::ReservedKern)
    }
}

impl fmt::Display for E820Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            E820Type::Other(n) => write!(f, "type {n}"),
            t => f.write_str(t.kernel_name()),
        }
    }
}

/// One `struct e820entry`: `[addr, addr + size)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct E820Entry {
    /// Start.
    pub addr: u64,
    /// Length in bytes.
    pub size: u64,
    /// Type.
    pub kind: E820Type,
}

impl E820Entry {
    /// The exclusive end.
    pub const fn end(&self) -> u64 {
        self.addr + self.size
    }
}

/// `trim_bios_range()`: the first page becomes reserved (BIOS data), and RAM between 640 KiB
/// and 1 MiB (the legacy video and BIOS area) goes away, as `setup_arch()` does to the
/// firmware's map before memblock sees it. Other entries, and an entry whose end would pass
/// 2^64 (for [`E820Table::new`] to refuse), are kept as they are.
pub fn trim_bios_range(entries: &[E820Entry]) -> Vec<E820Entry> {
    const BIOS_BEGIN: u64 = 0xa_0000;
    const BIOS_END: u64 = 0x10_0000;
    let mut out = Vec::new();
    for &e in entries {
        let Some(end) = e.addr.checked_add(e.size).filter(|_| e.kind == E820Type::Ram) else {
            out.push(e);
            continue;
        };
        let below = (e.addr, end.min(BIOS_BEGIN));
        let above = (e.addr.max(BIOS_END), end);
        for (a, b) in [below, above].into_iter().filter(|(a, b)| a < b) {
            if a < PAGE_SIZE {
                out.push(E820Entry { addr: a, size: PAGE_SIZE.min(b) - a, kind: E820Type::Reserved });
                if b > PAGE_SIZE {
                    out.push(E820Entry { addr: PAGE_SIZE, size: b - PAGE_SIZE, kind: E820Type::Ram });
                }
            } else {
                out.push(E820Entry { addr: a, size: b - a, kind: E820Type::Ram });
            }
        }
    }
    out
}

/// `mem=` (`parse_memopt()`): `e820_remove_range(limit, ULLONG_MAX - limit, E820_RAM, 1)`,
/// which drops the RAM at and above `limit` and cuts a RAM entry that crosses it; other types
/// are kept. An entry whose end would pass 2^64 is kept as it is, for [`E820Table::new`] to
/// refuse.
pub fn limit_ram(entries: &[E820Entry], limit: u64) -> Vec<E820Entry> {
    entries
        .iter()
        .filter_map(|&e| match e.addr.checked_add(e.size) {
            Some(end) if e.kind == E820Type::Ram && end > limit => {
                (e.addr < limit).then(|| E820Entry { size: limit - e.addr, ..e })
            }
            _ => Some(e),
        })
        .collect()
}

/// A map that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum E820Error {
    /// An entry's end lies past 2^64.
    #[error("e820 entry [{addr:#x}, +{size:#x}) wraps past the top of the 64-bit address space")]
    Wraps {
        /// Start.
        addr: u64,
        /// Length.
        size: u64,
    },
    /// Two entries overlap (the kernel's `sanitize_e820_map()` would have to decide who wins;
    /// give the map as the kernel printed it after sanitising).
    #[error("e820 entries [mem {a_start:#x}-{a_last:#x}] and [mem {b_start:#x}-{b_last:#x}] overlap")]
    Overlap {
        /// First entry's start.
        a_start: u64,
        /// First entry's last byte.
        a_last: u64,
        /// Second entry's start.
        b_start: u64,
        /// Second entry's last byte.
        b_last: u64,
    },
    /// The map has no usable RAM.
    #[error("the e820 map has no usable RAM")]
    NoRam,
}

/// `struct e820map`: a sorted, non-overlapping map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct E820Table {
    entries: Vec<E820Entry>,
}

impl E820Table {
    /// Checks and sorts a map. Zero-length entries are dropped. Touching entries are kept
    /// apart, as the kernel prints them.
    ///
    /// # Errors
    ///
    /// [`E820Error::Wraps`] for an entry that ends past 2^64, [`E820Error::Overlap`] for two
    /// entries that overlap (the kernel's `sanitize_e820_map()` would have decided; give the map it
    /// printed), [`E820Error::NoRam`] when no usable page remains.
    pub fn new(mut entries: Vec<E820Entry>) -> Result<Self, E820Error> {
        entries.retain(|e| e.size != 0);
        for e in &entries {
            if e.addr.checked_add(e.size).is_none() {
                return Err(E820Error::Wraps { addr: e.addr, size: e.size });
            }
        }
        entries.sort_by_key(|e| (e.addr, e.size));
        for w in entries.windows(2) {
            if w[0].end() > w[1].addr {
                return Err(E820Error::Overlap {
                    a_start: w[0].addr,
                    a_last: w[0].end() - 1,
                    b_start: w[1].addr,
                    b_last: w[1].end() - 1,
                });
            }
        }
        if !entries.iter().any(|e| e.kind == E820Type::Ram && e.size >= PAGE_SIZE) {
            return Err(E820Error::NoRam);
        }
        Ok(E820Table { entries })
    }

    /// The entries, sorted.
    pub fn entries(&self) -> &[E820Entry] {
        &self.entries
    }

    /// `e820_any_mapped(start, end, type)`: whether any entry of `kind` overlaps
    /// `[start, end)`.
    pub fn any_mapped(&self, start: u64, end: u64, kind: E820Type) -> bool {
        self.entries.iter().any(|e| e.kind == kind && e.addr < end && e.end() > start)
    }

    /// Whether `[start, end)` holds RAM or kernel-reserved RAM: the test that decides whether
    /// `kernel_physical_mapping_init()` clears a slot beyond the end of what it maps.
    pub fn any_ram(&self, start: u64, end: u64) -> bool {
        self.any_mapped(start, end, E820Type::Ram) || self.any_mapped(start, end, E820Type::ReservedKern)
    }

    /// `e820_end_pfn(limit_pfn, E820_RAM)`: the highest RAM page frame below `limit_pfn`,
    /// capped at `MAX_ARCH_PFN`. Returns it with the kernel's `e820: last_pfn = ...` line.
    pub fn end_pfn(&self, limit_pfn: u64) -> (u64, LastPfn) {
        let mut last_pfn = 0;
        for e in self.entries.iter().filter(|e| e.kind == E820Type::Ram) {
            let (start_pfn, end_pfn) = (e.addr >> PAGE_SHIFT, e.end() >> PAGE_SHIFT);
            if start_pfn >= limit_pfn {
                continue;
            }
            if end_pfn > limit_pfn {
                last_pfn = limit_pfn;
                break;
            }
            last_pfn = last_pfn.max(end_pfn);
        }
        let last_pfn = last_pfn.min(MAX_ARCH_PFN);
        (last_pfn, LastPfn { last_pfn })
    }

    /// `e820_end_of_ram_pfn()`.
    pub fn end_of_ram_pfn(&self) -> (u64, LastPfn) {
        self.end_pfn(MAX_ARCH_PFN)
    }

    /// `e820_end_of_low_ram_pfn()`: the same below 4 GiB.
    pub fn end_of_low_ram_pfn(&self) -> (u64, LastPfn) {
        self.end_pfn(1 << (32 - PAGE_SHIFT))
    }

    /// `memblock_x86_fill()`: allows memblock to resize, adds every RAM and kernel-reserved
    /// entry as memory, and drops partial pages (`memblock_trim_memory(PAGE_SIZE)`).
    ///
    /// # Errors
    ///
    /// The memblock error of an add that cannot grow the memory array (`-ENOMEM`), or the `BUG_ON`
    /// of a merge after a trim that wrapped.
    pub fn fill_memblock<P: Placement>(&self, mb: &mut Memblock<P>) -> Result<(), memblock_bottomup::Error> {
        mb.allow_resize();
        for e in self.entries.iter().filter(|e| e.kind.is_memblock_memory()) {
            mb.add(e.addr, e.size)?;
        }
        mb.trim_memory(PAGE_SIZE);
        Ok(())
    }
}

/// The kernel's `e820: last_pfn = %#lx max_arch_pfn = %#lx` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastPfn {
    /// The value found.
    pub last_pfn: u64,
}

impl fmt::Display for LastPfn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "e820: last_pfn = {:#x} max_arch_pfn = {:#x}", self.last_pfn, MAX_ARCH_PFN)
    }
}
