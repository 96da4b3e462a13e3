//! `start_kernel()` up to `mm_init()` (spec §H.9.2 step 12): the command line copies, the
//! percpu first chunk with its freed tails, the boot cpumasks, the unknown parameters, the
//! CPU-entry-area tables and the swiotlb. All are `memblock_alloc()` variants: top-down below
//! `current_limit`, `nid=-1` unless given.

use movable_node::memblock_bottomup::{Nid, PAGE_SIZE, SeriesMemblock};

use super::{
    ACCESSIBLE, ARCH_LOW_ADDRESS_LIMIT, Build6_1, Issuer, MAX_DMA_PHYS, NO_NODE, PercpuGeometry, PhaseError,
    PhaseResult, SMP_CACHE_BYTES, panics,
};

/// Bits in an `unsigned long`.
const BITS_PER_LONG: u64 = 64;
/// `MAX_DMA32_PFN`: memory above 4 GiB turns the swiotlb on (`pci_swiotlb_detect_4gb()`).
const MAX_DMA32_PFN: u64 = 1 << 20;

fn longs(bits: u64) -> u64 {
    bits.div_ceil(BITS_PER_LONG) * 8
}

fn page_align(bytes: u64) -> Option<u64> {
    Some(bytes.checked_add(PAGE_SIZE - 1)? & !(PAGE_SIZE - 1))
}

/// `setup_command_line()` (inlined in `start_kernel`): `saved_command_line` and
/// `static_command_line`, each `strlen(boot_command_line) + 1` (no bootconfig extras).
///
/// # Errors
/// [`PhaseError::KernelPanics`] when memblock has no room.
pub fn setup_command_line(mb: &mut SeriesMemblock, command_line: &str) -> PhaseResult {
    let mut io = Issuer::new(mb, "setup_command_line");
    let len = command_line.len() as u64 + 1;
    for _ in 0..2 {
        io.memblock_alloc("start_kernel", len, SMP_CACHE_BYTES)
            .ok_or_else(|| panics("setup_command_line", format!("no room for {len} bytes")))?;
    }
    Ok(io.finish())
}

/// `setup_per_cpu_areas()` → `pcpu_embed_first_chunk()` with x86's `pcpu_fc_alloc()`:
/// CPUs are grouped by node (a group per node with CPUs, ordered by its lowest CPU); the
/// alloc info and the group areas, one block of `u × units` per group on its node (from
/// 16 MiB; a node that is not online asks any node; a group's units are its CPUs rounded up
/// to the units per atom, 1 in Debian's boots), the unused tail of every unit freed (a unit
/// without a CPU freed whole),
/// then `pcpu_setup_first_chunk()`'s maps and the reserved and dynamic chunks'
/// `pcpu_alloc_first_chunk()`, and last the alloc info and the areas freed.
///
/// `cpu_nodes[i]` is CPU i's node; there are `nr_cpu_ids` = `cpu_nodes.len()` CPUs.
/// `online_nodes` are the nodes with `NODE_DATA`.
///
/// # Errors
/// [`PhaseError::Missing`] without CPUs; [`PhaseError::KernelPanics`] when memblock has no
/// room; [`PhaseError::Overflow`] for sizes past 64 bits.
pub fn setup_per_cpu_areas(
    mb: &mut SeriesMemblock,
    build: &Build6_1,
    geometry: &PercpuGeometry,
    cpu_nodes: &[Nid],
    online_nodes: &[Nid],
) -> PhaseResult {
    const PHASE: &str = "setup_per_cpu_areas";
    let mut io = Issuer::new(mb, PHASE);
    if cpu_nodes.is_empty() {
        return Err(PhaseError::Missing { phase: PHASE, what: "no CPUs (no `SRAT: PXM … -> APIC` lines)".into() });
    }
    let nr_cpus = cpu_nodes.len() as u64;
    let groups = pcpu_groups(cpu_nodes);
    let nr_groups = groups.len() as u64;
    let fail = |what: &str| panics(PHASE, format!("no room for {what}"));
    let unit = geometry.unit_size;
    if unit == 0 {
        return Err(PhaseError::Missing { phase: PHASE, what: "a percpu unit size of 0".into() });
    }
    // Units per allocation: an atom holds several units when they are smaller; each group's
    // unit count is rounded up to it, and the spare units are freed whole.
    let upa = if unit < geometry.atom_size { geometry.atom_size / unit } else { 1 };
    let units: Vec<u64> = groups.iter().map(|&(_, cpus)| cpus.div_ceil(upa) * upa).collect();
    let nr_units: u64 = units.iter().sum();

    let ai_bytes = build.pcpu_alloc_info_bytes + nr_groups * build.pcpu_group_info_bytes + nr_units * 4;
    let ai_bytes = page_align(ai_bytes).ok_or_else(|| io.overflow("the alloc info"))?;
    let ai = io.memblock_alloc("pcpu_build_alloc_info", ai_bytes, PAGE_SIZE).ok_or_else(|| fail("the alloc info"))?;
    let areas_bytes = page_align(nr_groups * 8).ok_or_else(|| io.overflow("the areas"))?;
    let areas =
        io.memblock_alloc("pcpu_embed_first_chunk", areas_bytes, SMP_CACHE_BYTES).ok_or_else(|| fail("the areas"))?;

    let mut group_bases = Vec::with_capacity(groups.len());
    for (&(node, cpus), &group_units) in groups.iter().zip(&units) {
        let size = unit.checked_mul(group_units).ok_or_else(|| io.overflow("a group's units"))?;
        let nid = if online_nodes.contains(&node) { node } else { NO_NODE };
        let base = io
            .try_nid("pcpu_fc_alloc", [size, geometry.atom_size, MAX_DMA_PHYS, ACCESSIBLE], nid)
            .ok_or_else(|| fail("a percpu group"))?;
        group_bases.push((base, cpus, group_units));
    }
    let used = [geometry.reserved_size, geometry.dyn_size].into_iter().try_fold(geometry.static_size, u64::checked_add);
    let used = used.ok_or_else(|| io.overflow("s + r + d"))?;
    for &(base, cpus, group_units) in &group_bases {
        for u in 0..group_units {
            let at = base + u * unit;
            if u >= cpus {
                io.free("pcpu_embed_first_chunk", at, unit)?;
            } else if used < unit {
                io.free("pcpu_embed_first_chunk", at + used, unit - used)?;
            }
        }
    }

    pcpu_setup_first_chunk(&mut io, build, geometry, nr_groups, nr_cpus)?;
    io.free("pcpu_embed_first_chunk", ai, ai_bytes)?;
    io.free("pcpu_embed_first_chunk", areas, areas_bytes)?;
    Ok(io.finish())
}

/// `pcpu_build_alloc_info()`'s groups: CPUs at local distance share one, so a group per node
/// with CPUs, numbered in the order of each node's lowest CPU; `(node, CPUs)`.
fn pcpu_groups(cpu_nodes: &[Nid]) -> Vec<(Nid, u64)> {
    let mut groups: Vec<(Nid, u64)> = Vec::new();
    for &node in cpu_nodes {
        match groups.iter_mut().find(|(n, _)| *n == node) {
            Some((_, count)) => *count += 1,
            None => groups.push((node, 1)),
        }
    }
    groups
}

/// `pcpu_setup_first_chunk()`: the group offsets and sizes, the unit map and offsets, the
/// chunk slot lists, then the reserved chunk (if any) and the dynamic chunk.
fn pcpu_setup_first_chunk(
    io: &mut Issuer<'_>,
    build: &Build6_1,
    geometry: &PercpuGeometry,
    nr_groups: u64,
    nr_cpus: u64,
) -> Result<(), PhaseError> {
    let maps = [8 * nr_groups, 8 * nr_groups, 4 * nr_cpus, 8 * nr_cpus];
    // `__pcpu_size_to_slot(unit_size)`: fls(size) − PCPU_SLOT_BASE_SHIFT + 2.
    let fls = u64::from(BITS_PER_LONG as u32 - geometry.unit_size.leading_zeros());
    let slots = fls.saturating_sub(3).max(1) + 4;
    for size in maps.into_iter().chain([16 * slots]) {
        io.memblock_alloc("pcpu_setup_first_chunk", size, SMP_CACHE_BYTES)
            .ok_or_else(|| panics("pcpu_setup_first_chunk", format!("no room for {size} bytes")))?;
    }
    let s = geometry.static_size;
    if geometry.reserved_size > 0 {
        pcpu_alloc_first_chunk(io, build, s % PAGE_SIZE, geometry.reserved_size)?;
    }
    pcpu_alloc_first_chunk(io, build, (s + geometry.reserved_size) % PAGE_SIZE, geometry.dyn_size)
}

/// `pcpu_alloc_first_chunk(tmp_addr, map_size)`: the chunk with its populated bitmap, its
/// allocation and boundary bitmaps (a bit per `PCPU_MIN_ALLOC_SIZE` bytes) and a block
/// descriptor per page, for the region from `tmp_addr`'s page to the page end of the map.
fn pcpu_alloc_first_chunk(io: &mut Issuer<'_>, build: &Build6_1, offset: u64, map_size: u64) -> Result<(), PhaseError> {
    let region = offset.checked_add(map_size).and_then(page_align);
    let region = region.ok_or_else(|| io.overflow("a first chunk's region"))?;
    let pages = region / PAGE_SIZE;
    let bits = region / build.pcpu_min_alloc_size;
    let sizes = [
        build.pcpu_chunk_bytes + longs(pages),
        longs(bits),
        longs(bits + 1),
        region / build.pcpu_bitmap_block_size * build.pcpu_block_md_bytes,
    ];
    for size in sizes {
        io.memblock_alloc("pcpu_alloc_first_chunk", size, SMP_CACHE_BYTES)
            .ok_or_else(|| panics("pcpu_alloc_first_chunk", format!("no room for {size} bytes")))?;
    }
    Ok(())
}

/// The boot cpumasks (`alloc_bootmem_cpumask_var()`, `CONFIG_CPUMASK_OFFSTACK`): one
/// node-to-cpumask map per node id (`setup_node_to_cpumask_map()`), then four more, each
/// `nr_cpu_ids` bits in longs.
///
/// # Errors
/// [`PhaseError::KernelPanics`] when memblock has no room.
pub fn alloc_bootmem_cpumask_var(mb: &mut SeriesMemblock, nr_node_ids: u32, nr_cpu_ids: u32) -> PhaseResult {
    let mut io = Issuer::new(mb, "alloc_bootmem_cpumask_var");
    let size = longs(u64::from(nr_cpu_ids));
    for _ in 0..u64::from(nr_node_ids) + 4 {
        io.memblock_alloc("alloc_bootmem_cpumask_var", size, SMP_CACHE_BYTES)
            .ok_or_else(|| panics("alloc_bootmem_cpumask_var", format!("no room for {size} bytes")))?;
    }
    Ok(io.finish())
}

/// `print_unknown_bootoptions()` (inlined in `start_kernel`): a buffer for the words that
/// go to init (`1 + Σ (1 + strlen)`), freed as soon as they are printed. Nothing when every
/// word was known.
pub fn print_unknown_bootoptions(mb: &mut SeriesMemblock, words: &[String]) -> PhaseResult {
    let mut io = Issuer::new(mb, "print_unknown_bootoptions");
    if words.is_empty() {
        return Ok(io.finish());
    }
    let len = words.iter().fold(1u64, |n, w| n.saturating_add(1 + w.len() as u64));
    if let Some(at) = io.memblock_alloc("start_kernel", len, SMP_CACHE_BYTES) {
        io.free("start_kernel", at, len)?;
    }
    Ok(io.finish())
}

/// `spp_getpage()`: the page-table pages for the CPU-entry areas (`setup_cpu_entry_areas()`).
/// Only the count of the shared boots is known (spec §H.9.3), so more CPUs than it was seen
/// for is refused.
///
/// # Errors
/// [`PhaseError::NotDerived`] for more CPUs than [`Build6_1::spp_getpage_checked_cpus`];
/// [`PhaseError::KernelPanics`] when memblock has no room.
pub fn spp_getpage(mb: &mut SeriesMemblock, build: &Build6_1, possible_cpus: u32) -> PhaseResult {
    let mut io = Issuer::new(mb, "spp_getpage");
    if possible_cpus > build.spp_getpage_checked_cpus {
        return Err(PhaseError::NotDerived {
            phase: "spp_getpage",
            what: format!(
                "the CPU-entry-area page tables of {possible_cpus} CPUs are not derived (seen for up to {})",
                build.spp_getpage_checked_cpus
            ),
        });
    }
    for _ in 0..build.spp_getpage_pages {
        io.memblock_alloc("spp_getpage", PAGE_SIZE, PAGE_SIZE)
            .ok_or_else(|| panics("spp_getpage", "no room for a page table".into()))?;
    }
    Ok(io.finish())
}

/// `default_nareas` of the swiotlb: the possible CPUs rounded up to a power of two.
pub fn swiotlb_areas(possible_cpus: u32) -> u32 {
    possible_cpus.max(1).checked_next_power_of_two().unwrap_or(1 << 31)
}

/// `swiotlb_init()` → `swiotlb_init_remap()`, when `pci_swiotlb_detect_4gb()` turned it on
/// (`max_possible_pfn` above 4 GiB): the bounce buffer below 4 GiB (`memblock_alloc_low`),
/// the slot array and the areas. A buffer that cannot be had only warns.
///
/// # Errors
/// [`PhaseError::KernelPanics`] when the slots or areas find no room.
pub fn swiotlb_init(mb: &mut SeriesMemblock, build: &Build6_1, max_possible_pfn: u64, nareas: u32) -> PhaseResult {
    let mut io = Issuer::new(mb, "swiotlb_init");
    if max_possible_pfn <= MAX_DMA32_PFN {
        return Ok(io.finish());
    }
    let t = build.swiotlb;
    let low = ARCH_LOW_ADDRESS_LIMIT;
    if io.try_nid("swiotlb_init_remap", [t.buffer_bytes, PAGE_SIZE, 0, low], NO_NODE).is_none() {
        return Ok(io.finish());
    }
    let slots = (t.buffer_bytes >> t.slot_shift).checked_mul(t.slot_struct_bytes).and_then(page_align);
    let slots = slots.ok_or_else(|| io.overflow("the swiotlb slots"))?;
    io.memblock_alloc("swiotlb_init_remap", slots, PAGE_SIZE)
        .ok_or_else(|| panics("swiotlb_init_remap", "no room for the slots".into()))?;
    let areas = u64::from(nareas) * t.area_struct_bytes;
    io.memblock_alloc("swiotlb_init_remap", areas, SMP_CACHE_BYTES)
        .ok_or_else(|| panics("swiotlb_init_remap", "no room for the areas".into()))?;
    Ok(io.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phases::linux_6_1::PhaseOp;
    use movable_node::KernelProfile;

    fn memblock() -> SeriesMemblock {
        let mut mb = KernelProfile::Modern.memblock(0x443_0000, false);
        mb.add_node(0x10_0000, 0x1_3ff0_0000, 0).unwrap();
        mb.set_current_limit(0x1_4000_0000);
        mb
    }

    fn shape(ops: &[PhaseOp]) -> Vec<(&str, u64, u64)> {
        ops.iter()
            .map(|op| match op {
                PhaseOp::Request(r) => (r.caller.as_str(), r.size, r.align),
                PhaseOp::Free { caller, size, .. } => (caller.as_str(), *size, 0),
                PhaseOp::Reserve { caller, size, .. } => (caller.as_str(), *size, 1),
                PhaseOp::Add { caller, size, .. } => (caller.as_str(), *size, 2),
                PhaseOp::Silent { what, size, .. } => (what.as_str(), *size, 3),
            })
            .collect()
    }

    /// No RAM or hot-add window above 4 GiB: `pci_swiotlb_detect_4gb()` leaves the swiotlb
    /// off; one page above turns it on (64 MiB below 4 GiB, 32768 slots × 24 bytes, 4 areas).
    #[test]
    fn swiotlb_only_above_4_gib() {
        let build = Build6_1::DEBIAN_6_1_AMD64;
        assert!(swiotlb_init(&mut memblock(), &build, MAX_DMA32_PFN, 4).unwrap().is_empty());
        let ops = swiotlb_init(&mut memblock(), &build, MAX_DMA32_PFN + 1, 4).unwrap();
        assert_eq!(
            shape(&ops),
            [
                ("swiotlb_init_remap", 64 << 20, 4096),
                ("swiotlb_init_remap", 0xc_0000, 4096),
                ("swiotlb_init_remap", 64, 64)
            ]
        );
        let PhaseOp::Request(low) = &ops[0] else { panic!() };
        // The window ends at 0xffffffff (exclusive), so the top page-aligned block ends a page lower.
        assert_eq!((low.max_addr, low.answer), (0xffff_ffff, Some(0xfbff_f000)));
        assert_eq!(swiotlb_areas(3), 4);
    }

    /// `nokaslr` alone: 1 + (1 + 7) = 9 bytes, freed at once (spec §H.7 #55).
    #[test]
    fn unknown_parameters_are_freed() {
        let ops = print_unknown_bootoptions(&mut memblock(), &["nokaslr".to_string()]).unwrap();
        assert_eq!(shape(&ops), [("start_kernel", 9, 64), ("start_kernel", 9, 0)]);
        assert!(print_unknown_bootoptions(&mut memblock(), &[]).unwrap().is_empty());
    }

    /// Without a reserved area there is one `pcpu_alloc_first_chunk()`; a CPU on a node
    /// without NODE_DATA asks any node. Sizes by hand: s + d = 0x3c000, so each unit frees
    /// [0x3c000, 2 MiB); 2 groups; region 7 pages → 0x90, 1792 longs → 0x380, 0x388, 0xe0.
    #[test]
    fn percpu_without_reserved_area() {
        let build = Build6_1::DEBIAN_6_1_AMD64;
        let geometry = PercpuGeometry { reserved_size: 0, ..build.percpu };
        let ops = setup_per_cpu_areas(&mut memblock(), &build, &geometry, &[0, 1], &[0]).unwrap();
        let unit = 2 << 20;
        assert_eq!(
            shape(&ops),
            [
                ("pcpu_build_alloc_info", 4096, 4096),
                ("pcpu_embed_first_chunk", 4096, 64),
                ("pcpu_fc_alloc", unit, unit),
                ("pcpu_fc_alloc", unit, unit),
                ("pcpu_embed_first_chunk", unit - 0x3_c000, 0),
                ("pcpu_embed_first_chunk", unit - 0x3_c000, 0),
                ("pcpu_setup_first_chunk", 16, 64),
                ("pcpu_setup_first_chunk", 16, 64),
                ("pcpu_setup_first_chunk", 8, 64),
                ("pcpu_setup_first_chunk", 16, 64),
                ("pcpu_setup_first_chunk", 0x170, 64),
                ("pcpu_alloc_first_chunk", 0x90, 64),
                ("pcpu_alloc_first_chunk", 0x380, 64),
                ("pcpu_alloc_first_chunk", 0x388, 64),
                ("pcpu_alloc_first_chunk", 0xe0, 64),
                ("pcpu_embed_first_chunk", 4096, 0),
                ("pcpu_embed_first_chunk", 4096, 0),
            ]
        );
        let nids: Vec<_> = ops
            .iter()
            .filter_map(|op| match op {
                PhaseOp::Request(r) if r.caller == "pcpu_fc_alloc" => Some((r.nid, r.from)),
                _ => None,
            })
            .collect();
        assert_eq!(nids, [(Some(0), MAX_DMA_PHYS), (Some(-1), MAX_DMA_PHYS)]);
    }

    /// Units smaller than the 2 MiB atom (from source, not seen in the boots): 3 CPUs of one
    /// node with 512 KiB units take 4 units in one 2 MiB block; 3 tails and the spare unit
    /// are freed. The alloc info holds 64 + 24 + 4 × 4 bytes: one page.
    #[test]
    fn percpu_units_smaller_than_the_atom() {
        let build = Build6_1::DEBIAN_6_1_AMD64;
        let geometry = PercpuGeometry { unit_size: 512 << 10, ..build.percpu };
        let ops = setup_per_cpu_areas(&mut memblock(), &build, &geometry, &[0, 0, 0], &[0]).unwrap();
        let frees: Vec<_> = shape(&ops).into_iter().skip(3).take(4).collect();
        let tail = (512 << 10) - 0x3_e000;
        assert_eq!(shape(&ops)[2], ("pcpu_fc_alloc", 2 << 20, 2 << 20));
        assert_eq!(
            frees,
            [
                ("pcpu_embed_first_chunk", tail, 0),
                ("pcpu_embed_first_chunk", tail, 0),
                ("pcpu_embed_first_chunk", tail, 0),
                ("pcpu_embed_first_chunk", 512 << 10, 0),
            ]
        );
    }

    /// The CPU-entry-area tables were seen for up to 4 CPUs only (spec §H.9.3).
    #[test]
    fn spp_getpage_refuses_what_is_not_derived() {
        let build = Build6_1::DEBIAN_6_1_AMD64;
        assert_eq!(spp_getpage(&mut memblock(), &build, 4).unwrap().len(), 3);
        let err = spp_getpage(&mut memblock(), &build, 8).unwrap_err();
        assert!(err.to_string().contains("8 CPUs"), "{err}");
    }
}
