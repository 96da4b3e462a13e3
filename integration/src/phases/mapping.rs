//! The direct mapping of all RAM.

use movable_node::x86_mm_bottomup::x86_mm_mapping::Error as MappingError;
use movable_node::{DirectMap, MapEvent, MappingSetup, SeriesWalk};

use super::{BootState, Flow};

/// `init_mem_mapping()` with the series' walk (top-down, or bottom-up from the kernel's end
/// under `movable_node`), then `memblock_set_current_limit(max_pfn_mapped << PAGE_SHIFT)`.
pub fn init_mem_mapping(st: &mut BootState) -> Flow {
    let mut dm = DirectMap::new(MappingSetup {
        e820: st.boot.e820.clone(),
        cpu: st.boot.machine.cpu,
        direct_gbpages: st.boot.params.gbpages.unwrap_or(true),
        pgt_buf_base: st.pgt_buf_base,
        max_pfn: st.max_pfn,
        max_low_pfn: st.max_low_pfn,
    });
    let mapped = dm.init_mem_mapping(&mut st.boot.memblock, &mut SeriesWalk);
    for ev in dm.events() {
        match ev {
            MapEvent::Memblock(ev) => st.log.memblock_event(ev),
            MapEvent::PageTable { .. } => {}
            ev => st.log.k_fmt(ev),
        }
    }
    st.log.skip_memblock(&st.boot.memblock);
    let note = format!("{} page-table pages, max_pfn_mapped {:#x}", dm.pgt_pages().len(), dm.max_pfn_mapped());
    st.step("init_mem_mapping", note);
    let limit = dm.max_pfn_mapped() << 12;
    st.boot.direct_map = Some(dm);
    match mapped {
        // 3.13.11's truncated table address that is not RAM: the kernel faults, it does not
        // panic with a message.
        Err(e @ MappingError::ClearPageFault { .. }) => {
            st.log.k(format!("FAULT: {e}"));
            st.boot.panic = Some(format!("FAULT: {e}"));
            Flow::Stop
        }
        Err(e) => st.panic(e.to_string()),
        Ok(_) => {
            st.boot.memblock.set_current_limit(limit);
            st.step("memblock_set_current_limit", format!("{limit:#x}"));
            Flow::Continue
        }
    }
}
