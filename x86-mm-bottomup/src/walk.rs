//! `memory_map_bottom_up()` and the `init_mem_mapping()` of patch 4, as a walk.

use memblock_bottomup::{
    BottomUp, BottomUpPlacement, Memblock, PAGE_SHIFT, Placement, SeriesMemblock, round_up_checked,
};
use x86_mm_mapping::{DirectMap, Error, ISA_END_ADDRESS, MappingWalk, PMD_SIZE, TopDownWalk, get_new_step_size};

/// How the chunks of `memory_map_bottom_up()` / `memory_map_top_down()` grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StepGrowth {
    /// The series (3.13): ×32 (`get_new_step_size()`, a shift of 5) after a chunk that mapped
    /// more RAM than all the chunks before it in the same call.
    #[default]
    Series,
    /// Linux 3.17 and later, 6.1 included (Jan Beulich, "x86: Fix step size adjustment during
    /// initial memory mapping"): ×256 (a shift of `PMD_SHIFT - PAGE_SHIFT - 1` = 8) as soon as
    /// the RAM mapped so far in the call reaches the step; a step that overflowed to 0 means
    /// "everything that is left" in the bottom-up walk.
    Linux6_1,
}

impl StepGrowth {
    /// The step after a chunk that mapped `new` bytes of RAM, `before` having been mapped by
    /// the earlier chunks of the same call.
    pub fn next(self, step_size: u64, before: u64, new: u64) -> u64 {
        match self {
            StepGrowth::Series if new > before => get_new_step_size(step_size),
            StepGrowth::Linux6_1 if before.saturating_add(new) >= step_size => step_size << STEP_SHIFT_6_1,
            _ => step_size,
        }
    }
}

/// `PMD_SHIFT - PAGE_SHIFT - 1`: the shift of Linux 6.1's `get_new_step_size()`.
pub const STEP_SHIFT_6_1: u32 = 21 - PAGE_SHIFT - 1;

/// `memory_map_bottom_up(map_start, map_end)` (patch 4): maps `[map_start, map_end)` from the
/// bottom in chunks that end on a step boundary; the step starts at 2 MiB and grows ×32 each
/// time a chunk mapped more RAM than all before it. `min_pfn_mapped` is set to the start once
/// and `max_pfn_mapped` is not reset, so page tables may come from anything mapped above
/// `map_start`.
///
/// # Errors
///
/// The errors of [`DirectMap::init_range_memory_mapping`] (a page table that cannot be had, a range
/// that cannot be mapped): kernel panics.
pub fn memory_map_bottom_up<P: Placement>(
    dm: &mut DirectMap,
    mb: &mut Memblock<P>,
    map_start: u64,
    map_end: u64,
) -> Result<(), Error> {
    memory_map_bottom_up_with(dm, mb, map_start, map_end, StepGrowth::Series)
}

/// [`memory_map_bottom_up`] with the chunk growth of the kernel being modelled.
///
/// # Errors
///
/// The errors of [`DirectMap::init_range_memory_mapping`] (a page table that cannot be had, a range
/// that cannot be mapped): kernel panics.
pub fn memory_map_bottom_up_with<P: Placement>(
    dm: &mut DirectMap,
    mb: &mut Memblock<P>,
    map_start: u64,
    map_end: u64,
    growth: StepGrowth,
) -> Result<(), Error> {
    let mut step_size = PMD_SIZE;
    let mut start = map_start;
    let mut mapped = 0;
    dm.set_min_pfn_mapped(map_start >> PAGE_SHIFT);
    while start < map_end {
        let rest_fits = map_end - start <= step_size || (growth == StepGrowth::Linux6_1 && step_size == 0);
        // `start + 1`: an aligned start still moves a whole step.
        let next = if rest_fits {
            map_end
        } else {
            round_up_checked(start + 1, step_size).map_or(map_end, |n| n.min(map_end))
        };
        let new = dm.init_range_memory_mapping(mb, start, next)?;
        start = next;
        step_size = growth.next(step_size, mapped, new);
        mapped += new;
    }
    Ok(())
}

/// The walk of patch 4: when memblock is bottom-up, `[kernel_end, end)` then
/// `[ISA_END_ADDRESS, kernel_end)`, both bottom-up; otherwise the top-down walk of patch 3.
#[derive(Debug, Clone, Copy, Default)]
pub struct SeriesWalk;

impl MappingWalk<BottomUpPlacement> for SeriesWalk {
    fn map_above_isa(&mut self, dm: &mut DirectMap, mb: &mut SeriesMemblock, end: u64) -> Result<(), Error> {
        if !mb.bottom_up() {
            return TopDownWalk.map_above_isa(dm, mb, end);
        }
        let kernel_end = mb.placement().kernel_end();
        memory_map_bottom_up(dm, mb, kernel_end, end)?;
        memory_map_bottom_up(dm, mb, ISA_END_ADDRESS, kernel_end)
    }
}
