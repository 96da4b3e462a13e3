//! `memory_map_bottom_up()` and the `init_mem_mapping()` of patch 4, as a walk.

use memblock_bottomup::{BottomUp, BottomUpPlacement, Memblock, PAGE_SHIFT, Placement, SeriesMemblock, round_up};
use x86_mm_mapping::{DirectMap, Error, ISA_END_ADDRESS, MappingWalk, PMD_SIZE, TopDownWalk, get_new_step_size};

/// `memory_map_bottom_up(map_start, map_end)` (patch 4): maps `[map_start, map_end)` from the
/// bottom in chunks that end on a step boundary; the step starts at 2 MiB and grows ×32 each
/// time a chunk mapped more RAM than all before it. `min_pfn_mapped` is set to the start once
/// and `max_pfn_mapped` is not reset, so page tables may come from anything mapped above
/// `map_start`.
pub fn memory_map_bottom_up<P: Placement>(
    dm: &mut DirectMap,
    mb: &mut Memblock<P>,
    map_start: u64,
    map_end: u64,
) -> Result<(), Error> {
    let mut step_size = PMD_SIZE;
    let mut start = map_start;
    let mut mapped = 0;
    dm.set_min_pfn_mapped(map_start >> PAGE_SHIFT);
    while start < map_end {
        // `start + 1`: an aligned start still moves a whole step.
        let next = if map_end - start > step_size { round_up(start + 1, step_size).min(map_end) } else { map_end };
        let new = dm.init_range_memory_mapping(mb, start, next)?;
        start = next;
        if new > mapped {
            step_size = get_new_step_size(step_size);
        }
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
