//! 3.14's change of the "any node" wildcard, from `MAX_NUMNODES` to `NUMA_NO_NODE`
//! ([`Config::any_node`](crate::Config::any_node)), and the warning it brings: a walk or an
//! allocation still asked for `MAX_NUMNODES` says once, at each of its sites, that the value is
//! deprecated, and goes on as if asked for any node. 3.12/3.13 say nothing.
//!
//! The warning belongs to that later kernel, so it is defined here, on the same seam
//! ([`Warning::Layer`]) that patch 2 uses for its own, not among 3.12's warnings.

use crate::events::{EventLog, LayerWarning, Warning};
use crate::memblock::MemblockState;
use crate::region::{MAX_NUMNODES, Nid};

/// `WARN_ONCE(nid == MAX_NUMNODES, "Usage of MAX_NUMNODES is deprecated. Use NUMA_NO_NODE
/// instead\n")` of Linux 3.14 and later, at the sites of [`NidWarnSite`].
pub const MAX_NUMNODES_DEPRECATED: Warning =
    Warning::Layer(LayerWarning::new("Usage of MAX_NUMNODES is deprecated. Use NUMA_NO_NODE instead"));

/// The one-time sites of the `MAX_NUMNODES` deprecation warning: each `WARN_ONCE` fires at
/// most once per boot, independently of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NidWarnSite {
    /// `__next_free_mem_range()`: the forward walk (bottom-up searches, `for_each_free_mem_range`).
    Forward,
    /// `__next_free_mem_range_rev()`: the reverse walk (top-down searches and fallbacks).
    Reverse,
    /// `memblock_virt_alloc_internal()` (3.14), which converts the node itself before searching.
    VirtAlloc,
    /// `memblock_alloc_range_nid()` (Linux 5.x and 6.1), the entry of every later allocation.
    AllocRangeNid,
}

impl NidWarnSite {
    /// This site's bit in the log's once-only register (bits 8 and up: the warnings of this
    /// rule).
    const fn once_bit(self) -> u16 {
        8 + self as u16
    }
}

impl EventLog {
    /// Raises [`MAX_NUMNODES_DEPRECATED`] at `site`, where each site fires at most once.
    /// Returns whether it fired.
    pub fn warn_max_numnodes(&mut self, site: NidWarnSite) -> bool {
        self.warn_once_bit(site.once_bit(), MAX_NUMNODES_DEPRECATED)
    }
}

/// The first step of a free-range walk in a kernel whose wildcard is `NUMA_NO_NODE` (3.14 and
/// later): a walk asked for `MAX_NUMNODES` warns once per `site` and then treats it as any
/// node. In 3.12/3.13 `MAX_NUMNODES` is the wildcard and nothing is said. Placements call
/// this before each walk they start, in the kernel's order.
#[inline]
pub fn warn_deprecated_nid(state: &MemblockState, nid: Nid, log: &mut EventLog, site: NidWarnSite) {
    if nid == MAX_NUMNODES && state.config().any_node != MAX_NUMNODES {
        log.warn_max_numnodes(site);
    }
}
