//! The order of `setup_arch()` that patch 5 is about, as types.

use x86_mm_bottomup::memblock_bottomup::{Memblock, Placement};

/// Evidence that `initmem_init()` has run: SRAT is parsed and the NUMA nodes are known.
/// Only [`initmem_init`] makes one, so code that needs it cannot run before that step:
///
/// ```compile_fail
/// // Outside this crate the evidence cannot be forged.
/// let srat = crashkernel::SratParsed { _private: () };
/// ```
#[derive(Debug)]
pub struct SratParsed {
    _private: (),
}

/// `initmem_init()` (x86-64 with NUMA): runs the NUMA step `numa` (SRAT parsing, node
/// set-up, the direction reset of patch 6 — supplied by the NUMA layer) and returns its
/// result with the evidence that it ran.
pub fn initmem_init<P: Placement, T>(
    mb: &mut Memblock<P>,
    numa: impl FnOnce(&mut Memblock<P>) -> T,
) -> (T, SratParsed) {
    (numa(mb), SratParsed { _private: () })
}
