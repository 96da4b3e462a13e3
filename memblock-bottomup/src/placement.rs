//! The direction of the search: patch 2's bottom-up mode as a placement policy.

use memblock_topdown::{
    Event, EventLog, FindRequest, LayerWarning, Memblock, MemblockState, NidWarnSite, Placement, RegionFilter, Warning,
    find_free_range, find_range_top_down, round_up, warn_deprecated_nid,
};

/// The `WARN_ONCE(1, "memblock: bottom-up allocation failed, memory hotunplug may be
/// affected\n")` that patch 2 adds to `memblock_find_in_range_node()`: a bottom-up search
/// above the kernel found nothing and memblock fell back to top-down.
pub const BOTTOM_UP_FAILED: Warning =
    Warning::Layer(LayerWarning::new("memblock: bottom-up allocation failed, memory hotunplug may be affected"));

/// Which kernel's bottom-up rule to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Semantics {
    /// The series (3.13 to 5.10): bottom-up only when the search ends above `kernel_end`,
    /// starting at `max(start, kernel_end)`; on failure warn once and search top-down.
    #[default]
    Series,
    /// Linux 5.11 and later ("memblock: do not start bottom-up allocations with kernel_end"):
    /// bottom-up from the search's own start, no fallback, no warning.
    Modern,
}

/// Top-down unless `memblock.bottom_up` is set: the search of `memblock_find_in_range_node()`
/// after patch 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BottomUpPlacement {
    bottom_up: bool,
    movable_node_config: bool,
    kernel_end: u64,
    semantics: Semantics,
    int_ret_bug: bool,
    warned: bool,
    fallbacks: usize,
}

impl BottomUpPlacement {
    /// The series' policy for a kernel image ending at `kernel_end` (`__pa_symbol(_end)`),
    /// built with `CONFIG_MOVABLE_NODE`, top-down until [`BottomUp::set_bottom_up`].
    pub fn new(kernel_end: u64) -> Self {
        BottomUpPlacement {
            bottom_up: false,
            movable_node_config: true,
            kernel_end,
            semantics: Semantics::Series,
            int_ret_bug: false,
            warned: false,
            fallbacks: 0,
        }
    }

    /// Models `CONFIG_MOVABLE_NODE`. Without it `memblock_set_bottom_up()` is a no-op and
    /// `memblock_bottom_up()` is always false.
    pub fn set_movable_node_config(&mut self, built_in: bool) {
        self.movable_node_config = built_in;
        if !built_in {
            self.bottom_up = false;
        }
    }

    /// Whether the model was built with `CONFIG_MOVABLE_NODE`.
    pub fn movable_node_config(&self) -> bool {
        self.movable_node_config
    }

    /// Reproduce the `int ret` truncation of 3.13–3.16 (spec §A.12): the bottom-up result is
    /// cut to a signed 32-bit value and sign-extended. Off by default (the fixed behaviour).
    pub fn set_int_ret_bug(&mut self, on: bool) {
        self.int_ret_bug = on;
    }

    /// Whether the `int ret` truncation is reproduced.
    pub fn int_ret_bug(&self) -> bool {
        self.int_ret_bug
    }

    /// Chooses the series' or the modern bottom-up rule.
    pub fn set_semantics(&mut self, semantics: Semantics) {
        self.semantics = semantics;
    }

    /// The bottom-up rule in force.
    pub fn semantics(&self) -> Semantics {
        self.semantics
    }

    /// `__pa_symbol(_end)`, the physical end of the kernel image.
    pub fn kernel_end(&self) -> u64 {
        self.kernel_end
    }

    /// Changes `kernel_end` (for scripts and tests that move the kernel).
    pub fn set_kernel_end(&mut self, kernel_end: u64) {
        self.kernel_end = kernel_end;
    }

    /// Whether the once-only fallback warning has fired.
    pub fn warned(&self) -> bool {
        self.warned
    }

    /// How many searches fell back from bottom-up to top-down (the kernel warns only for the
    /// first; every one may have placed kernel data in hotpluggable memory).
    pub fn fallbacks(&self) -> usize {
        self.fallbacks
    }

    #[inline]
    fn bottom_up_result(&self, found: Option<u64>) -> Option<u64> {
        match found {
            // `int ret = <phys_addr_t>`: keep 32 bits, reinterpret signed, widen again.
            Some(addr) if self.int_ret_bug => Some(addr as u32 as i32 as i64 as u64).filter(|&a| a != 0),
            other => other,
        }
    }
}

impl Placement for BottomUpPlacement {
    #[inline]
    fn find(&mut self, state: &MemblockState, req: FindRequest, log: &mut EventLog) -> Option<u64> {
        // Each walk's first step warns about a MAX_NUMNODES node in 3.14 (spec §A.15 item 4):
        // forward, then the fallback warning, then reverse.
        let top_down = |log: &mut EventLog| {
            warn_deprecated_nid(state, req.nid, log, NidWarnSite::Reverse);
            find_range_top_down(state, req)
        };
        if !self.bottom_up {
            return top_down(log);
        }
        match self.semantics {
            Semantics::Modern => {
                warn_deprecated_nid(state, req.nid, log, NidWarnSite::Forward);
                find_range_bottom_up(state, req)
            }
            Semantics::Series if req.end > self.kernel_end => {
                let above_kernel = FindRequest { start: req.start.max(self.kernel_end), ..req };
                warn_deprecated_nid(state, req.nid, log, NidWarnSite::Forward);
                if let Some(addr) = self.bottom_up_result(find_range_bottom_up(state, above_kernel)) {
                    return Some(addr);
                }
                // Nothing fits above the kernel: top-down over the whole range may still
                // succeed, possibly in memory that SRAT will call hotpluggable.
                self.fallbacks += 1;
                if !self.warned {
                    self.warned = true;
                    log.push(Event::Warn(BOTTOM_UP_FAILED));
                }
                top_down(log)
            }
            Semantics::Series => top_down(log),
        }
    }
}

/// `__memblock_find_range_bottom_up()`: the lowest `align`-aligned address whose block of
/// `size` bytes lies inside one free range and inside `[start, end)`; `None` if there is none.
/// The kernel's test is strict: the candidate must lie below the range's end, so even a
/// zero-size request needs a non-empty range.
#[inline]
pub fn find_range_bottom_up(state: &MemblockState, req: FindRequest) -> Option<u64> {
    let filter = RegionFilter { nid: req.nid, any_node: state.config().any_node, skip: state.config().skip_bottom_up };
    // Free ranges that end at or below `start` clamp to an empty range and never fit.
    find_free_range(state.memory(), state.reserved(), filter, req.start, move |r| {
        let this_start = r.start.max(req.start).min(req.end);
        let this_end = r.end.max(req.start).min(req.end);
        let cand = round_up(this_start, req.align);
        (cand < this_end && this_end - cand >= req.size).then_some(cand)
    })
    // The kernel returns the first candidate that passes, and 0 means "not found" (align 0
    // rounds every start up to 0).
    .filter(|&cand| cand != 0)
}

/// A memblock with the series' placement.
pub type SeriesMemblock = Memblock<BottomUpPlacement>;

/// `memblock_set_bottom_up()` and `memblock_bottom_up()` on a memblock with the series'
/// placement.
pub trait BottomUp {
    /// A fresh memblock (see `Memblock::new`) for a kernel image ending at `kernel_end`.
    fn series(kernel_end: u64) -> Self;
    /// `memblock_set_bottom_up()`: sets the direction (a no-op without
    /// `CONFIG_MOVABLE_NODE`).
    fn set_bottom_up(&mut self, enable: bool);
    /// `memblock_bottom_up()`: whether searches run bottom-up (always false without
    /// `CONFIG_MOVABLE_NODE`).
    fn bottom_up(&self) -> bool;
}

impl BottomUp for SeriesMemblock {
    fn series(kernel_end: u64) -> Self {
        Memblock::with_placement(BottomUpPlacement::new(kernel_end))
    }

    fn set_bottom_up(&mut self, enable: bool) {
        let p = self.placement_mut();
        if p.movable_node_config {
            p.bottom_up = enable;
        }
    }

    fn bottom_up(&self) -> bool {
        self.placement().bottom_up
    }
}
