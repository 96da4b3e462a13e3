//! `memblock_dump_all()`: both arrays in the kernel's words.

use core::fmt;

use crate::memblock::MemblockState;
use crate::region::MAX_NUMNODES;
use crate::region_type::RegionType;

/// The text of `__memblock_dump_all()` (3.12 format; with `flags` set to `true`, the 3.14
/// format that appends ` flags: %#lx`). Display it, or log it with [`DumpAll::log`].
#[derive(Debug, Clone, Copy)]
pub struct DumpAll<'a> {
    state: &'a MemblockState,
    flags: bool,
}

impl MemblockState {
    /// The `MEMBLOCK configuration:` dump in 3.12's format.
    pub fn dump_all(&self) -> DumpAll<'_> {
        DumpAll { state: self, flags: false }
    }

    /// The dump in 3.14's format (each region also shows its flags).
    pub fn dump_all_with_flags(&self) -> DumpAll<'_> {
        DumpAll { state: self, flags: true }
    }
}

impl DumpAll<'_> {
    /// Sends the dump to `log`, one kernel line per record, at info level (`pr_info`).
    pub fn log(&self) {
        log::info!("MEMBLOCK configuration:");
        log::info!(
            " memory size = {:#x} reserved size = {:#x}",
            self.state.memory().total_size(),
            self.state.reserved().total_size()
        );
        for ty in [self.state.memory(), self.state.reserved()] {
            log::info!(" {}.cnt  = {:#x}", ty.kind().name(), ty.cnt());
            for i in 0..ty.cnt() {
                log::info!("{}", RegionLine { ty, i, flags: self.flags });
            }
        }
    }
}

struct RegionLine<'a> {
    ty: &'a RegionType,
    i: usize,
    flags: bool,
}

impl fmt::Display for RegionLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(r) = self.ty.entry(self.i) else { return Ok(()) };
        write!(
            f,
            " {}[{:#x}]\t[{:#016x}-{:#016x}], {:#x} bytes",
            self.ty.kind().name(),
            self.i,
            r.base,
            r.base.wrapping_add(r.size).wrapping_sub(1),
            r.size
        )?;
        if r.nid != MAX_NUMNODES {
            write!(f, " on node {}", r.nid)?;
        }
        if self.flags {
            write!(f, " flags: {:#x}", r.flags.bits())?;
        }
        Ok(())
    }
}

impl fmt::Display for DumpAll<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "MEMBLOCK configuration:")?;
        writeln!(
            f,
            " memory size = {:#x} reserved size = {:#x}",
            self.state.memory().total_size(),
            self.state.reserved().total_size()
        )?;
        for ty in [self.state.memory(), self.state.reserved()] {
            writeln!(f, " {}.cnt  = {:#x}", ty.kind().name(), ty.cnt())?;
            for i in 0..ty.cnt() {
                writeln!(f, "{}", RegionLine { ty, i, flags: self.flags })?;
            }
        }
        Ok(())
    }
}
