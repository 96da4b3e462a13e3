//! Finding the SRAT in simulated firmware memory, from the RSDP, through the `acpi` crate.
//!
//! A [`FirmwareWindow`] is a byte buffer that stands for physical memory `[base, base + len)` (for
//! instance the BIOS area at `0xE0000` holding RSDP, XSDT and SRAT). [`WindowHandler`] is the
//! `acpi::AcpiHandler` that maps physical ranges of that window; [`find_srat`] runs
//! `acpi::AcpiTables::from_rsdp` and `find_table::<Srat>()` over it and returns an [`SratTable`]
//! for the kernel model.
//!
//! Two places where the `acpi` crate and Linux 3.12 differ, and what this module does:
//!
//! * **Checksum.** `acpi` 5.2.0's `find_table` skips an SRAT with a bad checksum (or a non-UTF-8
//!   OEM id) and reports it missing. ACPICA installs every table the root lists without checking
//!   it (`acpi_tb_install_table`), and `acpi_tb_verify_table` only *warns* about the checksum. So
//!   the kernel's table is the first root entry whose signature is `SRAT`; when `acpi` does not
//!   return that one, [`find_srat`] takes it from the root table itself ([`Discovery::RootScan`])
//!   and the checksum warning comes from [`SratTable::checksum`].
//! * **Trust.** `acpi` reads past its mappings (the RSDP `length`, each table's `length` when
//!   checksumming), and its `AcpiHandler` cannot report a failure. Before `acpi` runs,
//!   [`find_srat`] checks that everything it will touch lies in the window; the handler then never
//!   leaves the window. If it were ever asked to, it maps zeroed scratch memory instead, and the
//!   lookup fails with [`Error::OutOfWindow`].

use core::alloc::Layout;
use core::cell::Cell;
use core::mem::{align_of, size_of};
use core::ptr::NonNull;

use acpi::{AcpiHandler, AcpiTables, PhysicalMapping};

use super::table::{ACPI_SIG_SRAT, ACPI_TABLE_HEADER_LEN, Srat, SratTable};
use crate::error::Error;

/// `sizeof(struct acpi_table_rsdp)` (ACPI 2.0+), which is what `acpi` maps for the RSDP.
const RSDP_LEN: usize = 36;

/// Alignment of the scratch memory mapped for out-of-window requests; covers every type `acpi`
/// maps (all of them are `packed`).
const SCRATCH_ALIGN: usize = 16;

/// Physical memory `[base, base + bytes.len())` backed by a byte buffer, standing for the
/// firmware's ACPI area (what `acpi_os_map_memory()` would map on real hardware).
#[derive(Clone, Copy, Debug)]
pub struct FirmwareWindow<'a> {
    base: u64,
    bytes: &'a [u8],
}

impl<'a> FirmwareWindow<'a> {
    /// A window of `bytes` at physical address `base`. Fails if the window would wrap past
    /// the end of the 64-bit address space.
    ///
    /// # Errors
    ///
    /// [`Error::WindowOverflow`] when the window would wrap past the end of the 64-bit address
    /// space.
    pub fn new(base: u64, bytes: &'a [u8]) -> Result<Self, Error> {
        u64::try_from(bytes.len())
            .ok()
            .and_then(|len| base.checked_add(len))
            .ok_or(Error::WindowOverflow { base, len: bytes.len() })?;
        Ok(FirmwareWindow { base, bytes })
    }

    /// Physical address of the first byte.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// The bytes of the window.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Offset of `[address, address + size)` in the window, if it lies wholly inside.
    fn offset_of(&self, address: u64, size: u64) -> Option<usize> {
        let off = address.checked_sub(self.base)?;
        let end = off.checked_add(size)?;
        if end > self.bytes.len() as u64 {
            return None;
        }
        usize::try_from(off).ok()
    }

    /// The bytes `[address, address + size)`, if they lie in the window.
    pub fn slice(&self, address: u64, size: u64) -> Option<&'a [u8]> {
        let off = self.offset_of(address, size)?;
        let end = off.checked_add(usize::try_from(size).ok()?)?;
        self.bytes.get(off..end)
    }

    /// Everything from `address` to the end of the window.
    pub fn tail(&self, address: u64) -> Option<&'a [u8]> {
        let off = self.offset_of(address, 0)?;
        self.bytes.get(off..)
    }

    fn require(&self, what: &'static str, address: u64, size: u64) -> Result<&'a [u8], Error> {
        self.slice(address, size).ok_or(Error::OutOfWindow {
            what,
            address,
            size,
            window_base: self.base,
            window_len: self.bytes.len() as u64,
        })
    }

    fn contains_ptr(&self, p: *const u8) -> bool {
        let start = self.bytes.as_ptr() as usize;
        let addr = p as usize;
        addr >= start && addr - start < self.bytes.len()
    }
}

/// The `acpi::AcpiHandler` over a [`FirmwareWindow`], standing for `acpi_os_map_memory()` /
/// `acpi_os_unmap_memory()`: a mapping is a pointer into the buffer.
///
/// A request that leaves the window (which [`find_srat`]'s checks rule out) is served from
/// zeroed scratch memory and recorded in the fault cell, so that `acpi` never reads outside an
/// allocation and the caller can turn the fault into an error.
#[derive(Clone, Copy, Debug)]
pub struct WindowHandler<'a> {
    window: FirmwareWindow<'a>,
    fault: &'a Cell<Option<(u64, u64)>>,
}

impl<'a> WindowHandler<'a> {
    /// A handler over `window` that records its first out-of-window request in `fault`.
    pub fn new(window: FirmwareWindow<'a>, fault: &'a Cell<Option<(u64, u64)>>) -> Self {
        WindowHandler { window, fault }
    }

    fn scratch_layout(size: usize) -> Option<Layout> {
        Layout::from_size_align(size.max(1), SCRATCH_ALIGN).ok()
    }
}

impl AcpiHandler for WindowHandler<'_> {
    unsafe fn map_physical_region<T>(&self, physical_address: usize, size: usize) -> PhysicalMapping<Self, T> {
        // `acpi` may create a `&T` even when `size < size_of::<T>()` (a table shorter than its
        // struct), so always back at least a whole `T`. At least one byte, so that a mapping
        // into the window always starts strictly inside it (see `unmap_physical_region`).
        let mapped = size.max(size_of::<T>()).max(1);
        // The pointer is taken from the whole rest of the window, not just `mapped` bytes: `acpi`
        // reads past its mappings (RSDP `length`, table checksums), always inside the window.
        let direct = self
            .window
            .slice(physical_address as u64, mapped as u64)
            .and_then(|_| self.window.tail(physical_address as u64))
            .map(|s| NonNull::from(s).cast::<u8>())
            .filter(|p| (p.as_ptr() as usize).is_multiple_of(align_of::<T>()));
        let ptr = match direct {
            Some(p) => p,
            None => {
                if self.fault.get().is_none() {
                    self.fault.set(Some((physical_address as u64, mapped as u64)));
                }
                // Only a request beyond `isize::MAX` bytes has no layout; treat it as the
                // allocation failure it would be.
                let Some(layout) = Self::scratch_layout(mapped) else {
                    alloc::alloc::handle_alloc_error(Layout::new::<[u8; SCRATCH_ALIGN]>())
                };
                // SAFETY: `layout` has a non-zero size. The memory is zeroed, so every bit
                // pattern `acpi` reads from it is initialised; it is freed in
                // `unmap_physical_region` with the same layout (size from `mapped_length`).
                let raw = unsafe { alloc::alloc::alloc_zeroed(layout) };
                match NonNull::new(raw) {
                    Some(p) => p,
                    None => alloc::alloc::handle_alloc_error(layout),
                }
            }
        };
        // SAFETY: `ptr` is valid for reads of `mapped` bytes, which is at least `size` and at
        // least `size_of::<T>()` as `PhysicalMapping::new` requires (window memory, which
        // outlives the handler, or the scratch allocation), and it is aligned for `T` (checked
        // above; scratch memory is 16-aligned and `acpi` maps only packed types).
        unsafe { PhysicalMapping::new(physical_address, ptr.cast::<T>(), mapped, mapped, *self) }
    }

    fn unmap_physical_region<T>(region: &PhysicalMapping<Self, T>) {
        let p = region.virtual_start().as_ptr().cast::<u8>();
        if region.handler().window.contains_ptr(p) {
            return;
        }
        if let Some(layout) = Self::scratch_layout(region.mapped_length()) {
            // SAFETY: a pointer outside the window came from `alloc_zeroed` in
            // `map_physical_region` with this layout: `acpi` hands `mapped_length` on unchanged
            // when it re-types a mapping, and it unmaps each allocation once.
            unsafe { alloc::alloc::dealloc(p, layout) };
        }
    }
}

/// How [`find_srat`] found the table `acpi_get_table_with_size("SRAT")` would return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discovery {
    /// `acpi::AcpiTables::find_table::<Srat>()` returned it: signature, OEM ids and checksum valid.
    Acpi,
    /// `acpi` rejected the first SRAT the root table lists (bad checksum or OEM id); the kernel
    /// uses it anyway, so it was taken from the root table directly.
    RootScan,
}

/// The SRAT found in a firmware window: what `acpi_get_table_with_size("SRAT", 0, ...)` returns.
#[derive(Clone, Copy, Debug)]
pub struct FoundSrat<'a> {
    /// Physical address of the table.
    pub address: u64,
    /// The table, over the window's bytes from `address` to the window's end (the kernel reads
    /// memory after the table if a subtable runs past it).
    pub table: SratTable<'a>,
    /// Which path found it.
    pub discovery: Discovery,
    /// `"XSDT"` or `"RSDT"`: the root table used.
    pub root: &'static str,
}

struct RootPlan {
    name: &'static str,
    address: u64,
    first_srat: Option<u64>,
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_le_bytes(w)
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        w.copy_from_slice(s);
    }
    u64::from_le_bytes(w)
}

/// Checks, without `acpi`, that every byte `acpi` 5.2.0 will touch lies in the window, and finds
/// the first root entry whose signature is `SRAT` (the kernel's table).
///
/// Conservative: it checks the whole RSDP as its `length` claims, the whole root table, and the
/// header of every root entry; the SRAT entries in full.
fn plan(window: &FirmwareWindow<'_>, rsdp_address: u64) -> Result<RootPlan, Error> {
    let rsdp = window.require("RSDP", rsdp_address, RSDP_LEN as u64)?;
    let revision = rsdp[15];
    if revision > 0 {
        // `Rsdp::validate` sums `length` bytes for revision 2+.
        let length = le_u32(rsdp, 20);
        window.require("RSDP (length field)", rsdp_address, u64::from(length))?;
    }
    let (name, address, entry_size) =
        if revision == 0 { ("RSDT", u64::from(le_u32(rsdp, 16)), 4usize) } else { ("XSDT", le_u64(rsdp, 24), 8usize) };
    let header = window.require(name, address, ACPI_TABLE_HEADER_LEN as u64)?;
    let length = le_u32(header, 4);
    if (length as usize) < ACPI_TABLE_HEADER_LEN {
        return Err(Error::RootTableTooShort { what: name, address, length });
    }
    let root = window.require(name, address, u64::from(length))?;
    let mut first_srat = None;
    // `acpi` reads the entries in chunks of 4 or 8 bytes, a short last chunk zero-extended.
    for chunk in root[ACPI_TABLE_HEADER_LEN..].chunks(entry_size) {
        let mut raw = [0u8; 8];
        raw[..chunk.len()].copy_from_slice(chunk);
        let entry = u64::from_le_bytes(raw);
        let table = window.require("table listed in the root table", entry, ACPI_TABLE_HEADER_LEN as u64)?;
        if table[..4] == ACPI_SIG_SRAT {
            // `acpi` re-types the 36-byte header mapping as a 48-byte `&Srat` when the table is
            // that short, so 48 bytes must be there whatever the length field says.
            let length = u64::from(le_u32(table, 4)).max(size_of::<Srat>() as u64);
            window.require("SRAT", entry, length)?;
            if first_srat.is_none() {
                first_srat = Some(entry);
            }
        }
    }
    Ok(RootPlan { name, address, first_srat })
}

/// Finds the SRAT from the RSDP at `rsdp_address`, the way the kernel's ACPI layer would, using
/// `acpi::AcpiTables::from_rsdp` and `find_table::<Srat>()` for discovery and validation.
///
/// Models `acpi_get_table_with_size("SRAT", 0, ...)`: the first table with signature `SRAT` in the
/// root table, whatever its checksum (the warning comes later, from [`SratTable::checksum`]).
/// `acpi` chooses the root table by RSDP revision (0: RSDT, else XSDT); ACPICA also falls back to
/// the RSDT when the XSDT address is 0 or an XSDT entry is null, which is not modelled. Errors:
/// anything outside the window, an RSDP or root table that `acpi` rejects, no SRAT.
///
/// # Errors
///
/// [`Error::OutOfWindow`] for an RSDP, root table or SRAT outside the window,
/// [`Error::RootTableTooShort`] for a root table shorter than its header says, [`Error::Acpi`] for
/// an RSDP or root table that `acpi` rejects, [`Error::SratNotFound`] when the root table lists no
/// SRAT.
pub fn find_srat<'a>(window: &FirmwareWindow<'a>, rsdp_address: u64) -> Result<FoundSrat<'a>, Error> {
    let plan = plan(window, rsdp_address)?;
    let rsdp_usize = usize::try_from(rsdp_address).map_err(|_| Error::OutOfWindow {
        what: "RSDP",
        address: rsdp_address,
        size: RSDP_LEN as u64,
        window_base: window.base,
        window_len: window.bytes.len() as u64,
    })?;
    let fault = Cell::new(None);
    let acpi_choice = {
        let handler = WindowHandler::new(*window, &fault);
        // SAFETY: `plan` checked that the RSDP (36 bytes and its `length`), the root table and
        // every header it lists lie in the window, and the handler maps only window memory (or
        // scratch memory, never anything else), so every address `acpi` dereferences is backed.
        let tables = unsafe { AcpiTables::from_rsdp(handler, rsdp_usize) }.map_err(Error::Acpi)?;
        tables.find_table::<Srat>().ok().map(|mapping| mapping.physical_start() as u64)
    };
    if let Some((address, size)) = fault.get() {
        return Err(Error::OutOfWindow {
            what: "a region the acpi crate mapped",
            address,
            size,
            window_base: window.base,
            window_len: window.bytes.len() as u64,
        });
    }
    let Some(address) = plan.first_srat else {
        return Err(Error::SratNotFound { root: plan.name, address: plan.address });
    };
    let discovery = if acpi_choice == Some(address) { Discovery::Acpi } else { Discovery::RootScan };
    let bytes = window.tail(address).ok_or(Error::OutOfWindow {
        what: "SRAT",
        address,
        size: ACPI_TABLE_HEADER_LEN as u64,
        window_base: window.base,
        window_len: window.bytes.len() as u64,
    })?;
    Ok(FoundSrat { address, table: SratTable::from_bytes(bytes)?, discovery, root: plan.name })
}
