//! `sparse_init()` (mm/sparse.c with `SPARSEMEM_VMEMMAP`, x86-64): the early allocation of each
//! node's `struct page` array (`mem_map`), which lands in the node's own memory and so, on a
//! hotpluggable node, is one of the reservations that pin it.

use alloc::vec::Vec;

use crate::crashkernel::memblock_bottomup::{Label, MAX_NUMNODES, Nid, PAGE_SHIFT, SeriesMemblock, page_align};
use crate::numa::NodeSetup;

/// `MAX_DMA_ADDRESS` as a physical address: 16 MiB, the goal of node-local boot allocations.
pub const MAX_DMA_ADDRESS: u64 = 16 << 20;
/// `sizeof(struct page)` on x86-64.
pub const STRUCT_PAGE_BYTES: u64 = 64;
/// `PAGES_PER_SECTION << PAGE_SHIFT`: a 128 MiB memory section.
pub const SECTION_SIZE: u64 = 128 << 20;
/// The label `sparse_init()`'s reservations carry.
pub const MEM_MAP_LABEL: Label = Label::new("sparse_init (mem_map)");

/// One node's `mem_map`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemMap {
    /// The node.
    pub nid: Nid,
    /// Its present sections.
    pub sections: u64,
    /// Bytes of `struct page` for them (2 MiB per section).
    pub size: u64,
    /// Where it went (`None`: no room anywhere).
    pub at: Option<u64>,
}

/// `sparse_init()`: for each node with memory, one buffer for the `struct page`s of its
/// present 128 MiB sections, 2 MiB aligned, node-local from 16 MiB up, then any node, then
/// both again from 0 (`___alloc_bootmem_node_nopanic()`, 3.14's `memblock_virt_alloc_try_nid()`),
/// below `current_limit`, reserved under [`MEM_MAP_LABEL`].
pub fn sparse_init(mb: &mut SeriesMemblock, nodes: &[NodeSetup]) -> Vec<MemMap> {
    let per_section = page_align((SECTION_SIZE >> PAGE_SHIFT) * STRUCT_PAGE_BYTES);
    let mut out = Vec::new();
    for node in nodes {
        let sections = present_sections(mb, node.nid);
        let size = per_section * sections;
        if size == 0 {
            continue;
        }
        let at = mb.with_caller(MEM_MAP_LABEL, |mb| {
            let limit = mb.current_limit();
            let any = mb.config().any_node;
            [(node.nid, MAX_DMA_ADDRESS), (MAX_NUMNODES, MAX_DMA_ADDRESS), (node.nid, 0), (MAX_NUMNODES, 0)]
                .into_iter()
                .find_map(|(nid, goal)| {
                    let nid = if nid == MAX_NUMNODES { any } else { nid };
                    mb.find_in_range_node(goal, limit, size, 2 << 20, nid)
                })
                .filter(|&a| mb.reserve_as(a, size, MEM_MAP_LABEL).is_ok())
        });
        out.push(MemMap { nid: node.nid, sections, size, at });
    }
    out
}

/// How many 128 MiB sections hold memory of node `nid`: the union of each range's sections,
/// counted range by range in address order (a 64 TiB machine has half a million sections;
/// listing them one by one to count them was most of the cost). Sorted first: a region whose
/// base wrapped in `memblock_trim_memory()` stays at the end of the array, out of order.
fn present_sections(mb: &SeriesMemblock, nid: Nid) -> u64 {
    let mut spans: Vec<(u64, u64)> = mb
        .mem_pfn_ranges(nid)
        .map(|r| ((r.start_pfn << PAGE_SHIFT) / SECTION_SIZE, (r.end_pfn << PAGE_SHIFT).div_ceil(SECTION_SIZE)))
        .collect();
    spans.sort_unstable();
    let mut counted_end = 0;
    let mut count = 0;
    for (first, end) in spans {
        let first = first.max(counted_end);
        if end > first {
            count += end - first;
            counted_end = end;
        }
    }
    count
}
