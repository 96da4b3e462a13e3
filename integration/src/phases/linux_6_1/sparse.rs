//! `sparse_init()` and the vmemmap (spec §H.5.3, §H.9.2 step 10): the `mem_section` roots,
//! then per run of present sections of one node its usemap, its memmap buffer and the vmemmap
//! page tables, with the section-by-section fallback when the buffer cannot be had (the
//! exact-node request of a node whose memory is all hotpluggable under `movable_node`).

use std::collections::{BTreeMap, BTreeSet};

use movable_node::memblock_bottomup::{Nid, PAGE_SHIFT, PAGE_SIZE, SeriesMemblock};

use super::{ACCESSIBLE, Build6_1, Issuer, MAX_DMA_PHYS, PhaseError, PhaseResult, SMP_CACHE_BYTES, panics};

/// Bytes of virtual address one PGD entry maps (4-level paging: 512 GiB).
const PGDIR_SHIFT: u32 = 39;
/// Bytes of virtual address one PUD entry maps (1 GiB).
const PUD_SHIFT: u32 = 30;

/// `sparse_init()`: `memblocks_present()` (the root array at the first region, one root per
/// `SECTIONS_PER_ROOT` sections with the node of the first region that touches it), then
/// `sparse_init_nid()` for each run of present sections with one node. `node_data` gives
/// each node's `NODE_DATA` physical address (the NUMA phase's answers): the usemap is asked
/// within its 128 MiB section.
///
/// # Errors
/// [`PhaseError::Missing`] for a run whose node has no `NODE_DATA`;
/// [`PhaseError::KernelPanics`] when the root array or a root finds no room;
/// [`PhaseError::Overflow`] for a vmemmap address past 2^64; [`PhaseError::Memblock`] when
/// the unused buffer tail cannot be freed.
pub fn sparse_init(mb: &mut SeriesMemblock, build: &Build6_1, node_data: &[(Nid, u64)]) -> PhaseResult {
    let mut io = Issuer::new(mb, "sparse_init");
    let present = memblocks_present(&mut io, build)?;
    let mut tables = VmemmapTables::default();
    for (nid, sections) in runs(&present) {
        sparse_init_nid(&mut io, build, node_data, nid, &sections, &mut tables)?;
    }
    Ok(io.finish())
}

/// `memblocks_present()`: each memory region's sections, in address order, with the node of
/// the first region that touched each; the roots they need are allocated on the way.
fn memblocks_present(io: &mut Issuer<'_>, build: &Build6_1) -> Result<BTreeMap<u64, Nid>, PhaseError> {
    let pps = build.pages_per_section();
    // Nothing is present past MAX_PHYSMEM_BITS (`mminit_validate_memmodel_limits()`).
    let max_pfn = 1u64 << (build.max_physmem_bits - PAGE_SHIFT);
    let pfn_ranges: Vec<(u64, u64, Nid)> = io
        .memblock()
        .memory()
        .regions()
        .iter()
        .map(|r| (r.base.div_ceil(PAGE_SIZE), r.end() >> PAGE_SHIFT, r.nid))
        .filter(|(s, e, _)| s < e)
        .collect();
    let mut present = BTreeMap::new();
    let mut roots = BTreeSet::new();
    for (i, &(start, end, nid)) in pfn_ranges.iter().enumerate() {
        if i == 0 {
            let roots_bytes = build.section_roots_bytes;
            io.memblock_alloc("sparse_init", roots_bytes, SMP_CACHE_BYTES).ok_or_else(|| {
                panics("sparse_init", format!("no room for the mem_section root array ({roots_bytes:#x} bytes)"))
            })?;
        }
        let mut pfn = start & !(pps - 1);
        while pfn < end.min(max_pfn) {
            let section = pfn / pps;
            let root = section / build.sections_per_root;
            if roots.insert(root) {
                io.try_nid("sparse_index_alloc", [build.section_root_bytes, SMP_CACHE_BYTES, 0, ACCESSIBLE], nid)
                    .ok_or_else(|| {
                        panics("sparse_index_alloc", format!("no room for mem_section root {root} on node {nid}"))
                    })?;
            }
            present.entry(section).or_insert(nid);
            pfn += pps;
        }
    }
    Ok(present)
}

/// The present sections grouped as `sparse_init()` walks them: a new run starts wherever the
/// node changes (holes between present sections do not split a run).
fn runs(present: &BTreeMap<u64, Nid>) -> Vec<(Nid, Vec<u64>)> {
    let mut out: Vec<(Nid, Vec<u64>)> = Vec::new();
    for (&section, &nid) in present {
        match out.last_mut() {
            Some((n, secs)) if *n == nid => secs.push(section),
            _ => out.push((nid, vec![section])),
        }
    }
    out
}

/// The vmemmap page-table pages that exist: PGD slots and 1 GiB slots of the vmemmap.
#[derive(Default)]
struct VmemmapTables {
    pgd: BTreeSet<u64>,
    pud: BTreeSet<u64>,
}

/// `sparse_init_nid()` for one run: the usemap (`sparse_early_usemaps_alloc_pgdat_section()`),
/// the memmap buffer (`sparse_buffer_init()`), each section's vmemmap
/// (`__populate_section_memmap()`), and the buffer's unused tail (`sparse_buffer_fini()`).
fn sparse_init_nid(
    io: &mut Issuer<'_>,
    build: &Build6_1,
    node_data: &[(Nid, u64)],
    nid: Nid,
    sections: &[u64],
    tables: &mut VmemmapTables,
) -> Result<(), PhaseError> {
    let count = sections.len() as u64;
    let section_bytes = 1u64 << build.section_size_bits;
    let pgdat = node_data.iter().find(|(n, _)| *n == nid).map(|&(_, a)| a).ok_or_else(|| PhaseError::Missing {
        phase: "sparse_init_nid",
        what: format!("node {nid} has present sections but no NODE_DATA address"),
    })?;
    let goal = pgdat & !(section_bytes - 1);
    let limit = goal.checked_add(section_bytes).ok_or_else(|| io.overflow("the usemap's limit"))?;
    let goal_nid = early_pfn_to_nid(io, node_data, goal);
    let usemap = count * build.usemap_bytes_per_section;
    let usage = io.try_nid("sparse_init_nid", [usemap, SMP_CACHE_BYTES, goal, limit], goal_nid);
    if usage.is_none() && io.try_nid("sparse_init_nid", [usemap, SMP_CACHE_BYTES, goal, 0], goal_nid).is_none() {
        // "%s: node[%d] usemap allocation failed": the run's sections stay without memmap.
        return Ok(());
    }
    let map = build.section_map_bytes();
    let buffer = io.exact_nid_raw("sparse_init_nid", [count * map, map, MAX_DMA_PHYS, ACCESSIBLE], nid);
    let mut next = buffer;
    let buffer_end = buffer.map(|b| b + count * map);
    for &section in sections {
        let pfn = section * build.pages_per_section();
        let va = pfn
            .checked_mul(build.struct_page_bytes)
            .and_then(|off| build.vmemmap_base.checked_add(off))
            .ok_or_else(|| io.overflow("a section's vmemmap address"))?;
        if tables.pgd.insert(va >> PGDIR_SHIFT) {
            io.try_nid_raw("vmemmap_alloc_block_zero", [PAGE_SIZE, PAGE_SIZE, MAX_DMA_PHYS, ACCESSIBLE], nid);
        }
        if tables.pud.insert(va >> PUD_SHIFT) {
            io.try_nid_raw("vmemmap_alloc_block_zero", [PAGE_SIZE, PAGE_SIZE, MAX_DMA_PHYS, ACCESSIBLE], nid);
        }
        match (next, buffer_end) {
            (Some(at), Some(end)) if at + map <= end => next = Some(at + map),
            _ => {
                io.try_nid_raw("vmemmap_populate", [map, map, MAX_DMA_PHYS, ACCESSIBLE], nid);
            }
        }
    }
    if let (Some(at), Some(end)) = (next, buffer_end)
        && at < end
    {
        io.free("sparse_init_nid", at, end - at)?;
    }
    Ok(())
}

/// `early_pfn_to_nid()`: the node of the memory region holding `addr`, else
/// `first_online_node` (the lowest node with `NODE_DATA`).
fn early_pfn_to_nid(io: &Issuer<'_>, node_data: &[(Nid, u64)], addr: u64) -> Nid {
    let page = addr & !(PAGE_SIZE - 1);
    io.memblock()
        .memory()
        .regions()
        .iter()
        .find(|r| r.base.div_ceil(PAGE_SIZE) * PAGE_SIZE <= page && page < (r.end() & !(PAGE_SIZE - 1)))
        .map(|r| r.nid)
        .or_else(|| node_data.iter().map(|&(n, _)| n).min())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phases::linux_6_1::PhaseOp;
    use movable_node::KernelProfile;

    const MIB: u64 = 1 << 20;

    /// caller, size, nid, from, max_addr, answer.
    type Row<'a> = (&'a str, u64, Option<i32>, u64, u64, Option<u64>);

    fn answers(ops: &[PhaseOp]) -> Vec<Row<'_>> {
        ops.iter()
            .map(|op| match op {
                PhaseOp::Request(r) => (r.caller.as_str(), r.size, r.nid, r.from, r.max_addr, r.answer),
                other => panic!("only requests here: {other:?}"),
            })
            .collect()
    }

    /// Node 0, node 1, node 0 again, one 128 MiB section each: three runs (a node split by
    /// another gets a usemap and a buffer per run), the usemaps asked within the section of
    /// their node's NODE_DATA, the vmemmap's PGD and PUD pages only at the first section.
    /// Every address worked out by hand, top-down below the 384 MiB limit; the third usemap
    /// fits the 0xfc0 bytes left under the first one by the page-aligned PGD page.
    #[test]
    fn a_node_split_by_another_gets_two_runs() {
        let mut mb = KernelProfile::Modern.memblock(0x443_0000, false);
        mb.add_node(0x1000, 128 * MIB - 0x1000, 0).unwrap();
        mb.add_node(128 * MIB, 128 * MIB, 1).unwrap();
        mb.add_node(256 * MIB, 128 * MIB, 0).unwrap();
        mb.set_current_limit(384 * MIB);
        let node_data = [(0, 0x17fd_5000), (1, 0xffd_5000)];
        for &(_, at) in &node_data {
            mb.reserve(at, 0x2_b000).unwrap();
        }
        let ops = sparse_init(&mut mb, &Build6_1::DEBIAN_6_1_AMD64, &node_data).unwrap();
        let page = (PAGE_SIZE, Some(0), MAX_DMA_PHYS, 0);
        assert_eq!(
            answers(&ops),
            [
                ("sparse_init", 0x8000, Some(-1), 0, 0, Some(0x17fc_d000)),
                ("sparse_index_alloc", 0x1000, Some(0), 0, 0, Some(0x17fc_c000)),
                ("sparse_init_nid", 0x38, Some(0), 0x1000_0000, 0x1800_0000, Some(0x17fc_bfc0)),
                ("sparse_init_nid", 2 * MIB, Some(0), MAX_DMA_PHYS, 0, Some(0x17c0_0000)),
                ("vmemmap_alloc_block_zero", page.0, page.1, page.2, page.3, Some(0x17fc_a000)),
                ("vmemmap_alloc_block_zero", page.0, page.1, page.2, page.3, Some(0x17fc_9000)),
                ("sparse_init_nid", 0x38, Some(1), 0x800_0000, 0x1000_0000, Some(0xffd_4fc0)),
                ("sparse_init_nid", 2 * MIB, Some(1), MAX_DMA_PHYS, 0, Some(0xfc0_0000)),
                ("sparse_init_nid", 0x38, Some(0), 0x1000_0000, 0x1800_0000, Some(0x17fc_bf80)),
                ("sparse_init_nid", 2 * MIB, Some(0), MAX_DMA_PHYS, 0, Some(0x17a0_0000)),
            ]
        );
    }

    /// A node without NODE_DATA cannot place its usemap: a typed error, not a guess.
    #[test]
    fn a_run_without_node_data_is_refused() {
        let mut mb = KernelProfile::Modern.memblock(0x443_0000, false);
        mb.add_node(0x1000, 128 * MIB, 0).unwrap();
        mb.set_current_limit(256 * MIB);
        let err = sparse_init(&mut mb, &Build6_1::DEBIAN_6_1_AMD64, &[]).unwrap_err();
        assert!(matches!(err, PhaseError::Missing { phase: "sparse_init_nid", .. }), "{err}");
    }
}
