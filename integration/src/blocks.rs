//! Memory blocks as the kernel later shows them under `/sys/devices/system/memory/`: hot-remove
//! happens block by block, so this is where a user looks when `echo offline` fails.

use movable_node::KernelProfile;
use movable_node::memblock_bottomup::{MAX_NUMNODES, MemblockState, Nid, PAGE_SHIFT};
use movable_node::verdict::Labelled;
use movable_node::zones::{ZoneLayout, ZoneType};

/// `MIN_MEMORY_BLOCK_SIZE`: one 128 MiB section.
pub const MIN_MEMORY_BLOCK_SIZE: u64 = 1 << 27;
/// The largest block x86-64 uses: 2 GiB.
pub const MAX_BLOCK_SIZE: u64 = 1 << 31;

/// `probe_memory_block_size()` of x86-64: 128 MiB below 64 GiB of memory; above, the largest
/// size up to 2 GiB that the end of memory is aligned to (3.x), or 2 GiB (6.1 on bare metal).
pub fn probe_memory_block_size(max_pfn: u64, profile: KernelProfile) -> u64 {
    let end = max_pfn << PAGE_SHIFT;
    if end < 64 << 30 {
        return MIN_MEMORY_BLOCK_SIZE;
    }
    if profile == KernelProfile::Modern {
        return MAX_BLOCK_SIZE;
    }
    let mut bz = MAX_BLOCK_SIZE;
    while bz > MIN_MEMORY_BLOCK_SIZE && end & (bz - 1) != 0 {
        bz >>= 1;
    }
    bz
}

/// One memory block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemBlock {
    /// `memoryN`.
    pub index: u64,
    /// First byte.
    pub start: u64,
    /// End (exclusive).
    pub end: u64,
    /// The node of its memory.
    pub nid: Nid,
    /// The zone it comes up in (`valid_zones` of an online block); `None` when its pages lie
    /// in more than one zone (the kernel prints `none`).
    pub zone: Option<ZoneType>,
    /// Pages of memory in it.
    pub present_pages: u64,
    /// Early reservations inside it: while any is there, the block cannot go offline.
    pub reservations: Vec<Labelled>,
    /// Whether any of its memory is hotpluggable according to SRAT.
    pub hotpluggable: bool,
}

impl MemBlock {
    /// Whether nothing early pins it.
    pub fn can_offline(&self) -> bool {
        self.reservations.is_empty()
    }
}

/// All memory blocks of a boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryBlocks {
    /// `block_size_bytes`.
    pub block_size: u64,
    /// Blocks with memory, in order.
    pub blocks: Vec<MemBlock>,
}

/// The memory blocks of a finished boot given by its parts (a prediction's or a replay's):
/// memblock, the reservations by owner sorted by address, SRAT's hotpluggable ranges
/// `(node, start, end)` and the zones.
pub fn memory_blocks_of(
    profile: KernelProfile,
    memblock: &MemblockState,
    reserved: &[Labelled],
    hotplug: &[(Nid, u64, u64)],
    zones: &ZoneLayout,
    max_pfn: u64,
) -> MemoryBlocks {
    let bz = probe_memory_block_size(max_pfn, profile);
    // Sections, and so memory blocks, exist only below max_pfn, which the kernel caps at
    // MAX_ARCH_PFN (64 TiB, MAX_PHYSMEM_BITS 46): RAM that an e820 map puts above it is in
    // memblock but never in a block.
    let limit = max_pfn.min(movable_node::MAX_ARCH_PFN) << 12;
    let ranges: Vec<_> = memblock
        .mem_pfn_ranges(MAX_NUMNODES)
        .map(|r| (r.nid, r.start_pfn << 12, (r.end_pfn << 12).min(limit)))
        .filter(|r| r.1 < r.2)
        .collect();
    let mut indices: Vec<u64> = ranges.iter().flat_map(|&(_, s, e)| (s / bz)..e.div_ceil(bz)).collect();
    indices.sort_unstable();
    indices.dedup();
    // Blocks come in address order and both lists are sorted and non-overlapping: each list's
    // first entry that ends above a block's start only moves forward, so a cursor finds it.
    let (mut first_range, mut first_reserved) = (0, 0);
    let blocks = indices
        .into_iter()
        .map(|index| {
            let (start, end) = (index * bz, (index + 1) * bz);
            let mut nid = None;
            // The first zone found in it, and whether another zone shares it.
            let (mut zone, mut zones_mixed): (Option<ZoneType>, bool) = (None, false);
            let mut present = 0;
            first_range += ranges[first_range..].iter().take_while(|r| r.2 <= start).count();
            for &(n, s, e) in ranges[first_range..].iter().take_while(|r| r.1 < end) {
                let (s, e) = (s.max(start), e.min(end));
                if s >= e {
                    continue;
                }
                nid.get_or_insert(n);
                present += (e - s) >> PAGE_SHIFT;
                if let Some(node) = zones.nodes.iter().find(|z| z.nid == n) {
                    for z in &node.zones {
                        let (zs, ze) = (z.start_pfn << 12, z.end_pfn << 12);
                        if zs < e && s < ze {
                            zones_mixed |= *zone.get_or_insert(z.zone) != z.zone;
                        }
                    }
                }
            }
            first_reserved += reserved[first_reserved..].iter().take_while(|r| r.end <= start).count();
            let reservations = reserved[first_reserved..]
                .iter()
                .take_while(|r| r.start < end)
                .filter(|r| r.start < end && start < r.end)
                .map(|r| Labelled { start: r.start.max(start), end: r.end.min(end), ..*r })
                .collect();
            let hotpluggable = hotplug.iter().any(|&(_, s, e)| s < end && start < e);
            MemBlock {
                index,
                start,
                end,
                nid: nid.unwrap_or(-1),
                zone: zone.filter(|_| !zones_mixed),
                present_pages: present,
                reservations,
                hotpluggable,
            }
        })
        .collect();
    MemoryBlocks { block_size: bz, blocks }
}
