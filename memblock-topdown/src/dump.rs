//! `memblock_dump_all()`: both arrays in the kernel's words.

use core::fmt;

use crate::memblock::MemblockState;
use crate::printk::alt_hex;
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
            " memory size = {} reserved size = {}",
            alt_hex(self.state.memory().total_size(), 0),
            alt_hex(self.state.reserved().total_size(), 0)
        );
        for ty in [self.state.memory(), self.state.reserved()] {
            log::info!(" {}.cnt  = {}", ty.kind().name(), alt_hex(ty.cnt() as u64, 0));
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
            " {}[{}]\t[{}-{}], {} bytes",
            self.ty.kind().name(),
            alt_hex(self.i as u64, 0),
            alt_hex(r.base, 16),
            alt_hex(r.base.wrapping_add(r.size).wrapping_sub(1), 16),
            alt_hex(r.size, 0)
        )?;
        if r.nid != MAX_NUMNODES {
            write!(f, " on node {}", r.nid)?;
        }
        if self.flags {
            write!(f, " flags: {}", alt_hex(u64::from(r.flags.bits()), 0))?;
        }
        Ok(())
    }
}

impl fmt::Display for DumpAll<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "MEMBLOCK configuration:")?;
        writeln!(
            f,
            " memory size = {} reserved size = {}",
            alt_hex(self.state.memory().total_size(), 0),
            alt_hex(self.state.reserved().total_size(), 0)
        )?;
        for ty in [self.state.memory(), self.state.reserved()] {
            writeln!(f, " {}.cnt  = {}", ty.kind().name(), alt_hex(ty.cnt() as u64, 0))?;
            for i in 0..ty.cnt() {
                writeln!(f, "{}", RegionLine { ty, i, flags: self.flags })?;
            }
        }
        Ok(())
    }
}
