//! The host's tree storage against the kernel's flat array: two memblocks run the same long
//! random sequence, one with its region arrays in a counted B+-tree (the default), one with
//! them in caller-provided memory (`use_array_memory`), where the entries are one array moved
//! by memmove as in the kernel. Thousands of regions make the tree several levels deep and
//! make both arrays double many times. Every answer, every array (`cnt`, `max`, where it was
//! doubled to, every entry by index and in order), the free ranges both ways and the dump
//! must agree.

use std::sync::OnceLock;

use memblock_topdown::{ArrayMemory, INIT_MEMBLOCK_REGIONS, MAX_NUMNODES, Memblock, Nid, Region, RegionFlags};

/// RAM is `[RAM, RAM + RAM_LEN)`, all of it reachable through `phys_to_virt`, so a doubled
/// array may land anywhere memblock finds room.
const RAM: u64 = 0x10_0000;
const RAM_LEN: usize = 64 << 20;

fn ram() -> usize {
    static BUF: OnceLock<usize> = OnceLock::new();
    *BUF.get_or_init(|| Box::leak(vec![0u64; RAM_LEN / 8].into_boxed_slice()).as_mut_ptr() as usize)
}

fn phys_to_virt(pa: u64) -> *mut u8 {
    match pa.checked_sub(RAM) {
        Some(off) if off < RAM_LEN as u64 => (ram() + off as usize) as *mut u8,
        _ => std::ptr::null_mut(),
    }
}

fn kernel_memblock() -> Memblock {
    let empty = Region { base: 0, size: 0, nid: 0, flags: RegionFlags::empty() };
    let mut mb = Memblock::new();
    let mem = ArrayMemory {
        memory: Box::leak(Box::new([empty; INIT_MEMBLOCK_REGIONS])),
        reserved: Box::leak(Box::new([empty; INIT_MEMBLOCK_REGIONS])),
        phys_to_virt,
    };
    // SAFETY: `phys_to_virt` maps all of this machine's RAM to a leaked buffer used by no one
    // else, and gives null (refused by the storage) elsewhere.
    assert!(unsafe { mb.use_array_memory(mem) });
    mb
}

/// SplitMix64, so the sequence is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn same(step: usize, tree: &Memblock, array: &Memblock) {
    for (t, a) in [(tree.memory(), array.memory()), (tree.reserved(), array.reserved())] {
        let name = t.kind().name();
        assert!(t.regions().as_slice().is_none(), "the default storage is the tree");
        let flat = a.regions().as_slice().expect("provided memory is one array");
        assert_eq!((t.cnt(), t.max(), t.array_addr()), (a.cnt(), a.max(), a.array_addr()), "step {step}: {name}");
        assert_eq!(t.regions(), flat, "step {step}: {name} in order");
        assert!(t.regions().iter().rev().eq(flat.iter().rev()), "step {step}: {name} backwards");
        for i in [0, flat.len() / 3, flat.len() / 2, flat.len().saturating_sub(1), flat.len()] {
            assert_eq!(t.regions().get(i), flat.get(i), "step {step}: {name}[{i}]");
            assert_eq!(t.entry(i), a.entry(i), "step {step}: {name} entry {i}");
        }
        assert_eq!(t.total_size(), a.total_size(), "step {step}: {name} total_size");
    }
    for nid in [MAX_NUMNODES, 0, 1, 2] {
        assert!(tree.free_ranges(nid).eq(array.free_ranges(nid)), "step {step}: free ranges of {nid}");
        assert!(tree.free_ranges_rev(nid).eq(array.free_ranges_rev(nid)), "step {step}: reverse, {nid}");
    }
    assert_eq!(tree.dump_all().to_string(), array.dump_all().to_string(), "step {step}: dump");
}

#[test]
fn a_long_random_sequence_gives_the_same_arrays_in_the_tree_and_in_the_kernels_array() {
    let (mut tree, mut array) = (Memblock::new(), kernel_memblock());
    for mb in [&mut tree, &mut array] {
        for nid in 0..3 {
            let size = RAM_LEN as u64 / 4;
            mb.add_node(RAM + nid as u64 * size, size, nid).unwrap();
        }
        mb.allow_resize();
    }
    let mut rng = Rng(0x7ee5);
    let page = 0x1000;
    let pages = RAM_LEN as u64 * 3 / 4 / page;
    for step in 0..30_000 {
        // Every other page, so that most reservations stay apart and the arrays grow long.
        let at = RAM + rng.below(pages / 2) * 2 * page;
        let len = if rng.below(8) == 0 { 3 * page } else { page };
        let nid = rng.below(4) as Nid;
        // Mostly reserves, to grow past several thousand regions; then frees catch up.
        let free_weight = if step < 15_000 { 2 } else { 6 };
        let op = rng.below(12);
        let (t, a) = match op {
            _ if op < free_weight => (tree.free(at, len).is_ok(), array.free(at, len).is_ok()),
            9 => (tree.alloc_nid(len, page, nid % 3).is_some(), array.alloc_nid(len, page, nid % 3).is_some()),
            10 => {
                let (t, a) = (
                    tree.isolate_range(memblock_topdown::RegionKind::Reserved, at, len),
                    array.isolate_range(memblock_topdown::RegionKind::Reserved, at, len),
                );
                assert_eq!(t, a, "step {step}: isolate");
                (t.is_ok(), a.is_ok())
            }
            11 if step % 50 == 0 => {
                (tree.set_node(at, len * 64, nid).is_ok(), array.set_node(at, len * 64, nid).is_ok())
            }
            _ => (tree.reserve(at, len).is_ok(), array.reserve(at, len).is_ok()),
        };
        assert_eq!(t, a, "step {step}: op {op} at {at:#x}+{len:#x}");
        for addr in [at, at + len, at.wrapping_sub(1)] {
            assert_eq!(tree.is_reserved(addr), array.is_reserved(addr), "step {step}: is_reserved({addr:#x})");
            assert_eq!(tree.reserved().search(addr), array.reserved().search(addr), "step {step}: search");
            assert_eq!(tree.reserved().overlaps(addr, len), array.reserved().overlaps(addr, len), "step {step}");
        }
        let find = |mb: &mut Memblock| mb.find_in_range_node(at, at + (64 << 10), len, page, nid);
        assert_eq!(find(&mut tree), find(&mut array), "step {step}: find");
        if step % 1_000 == 0 {
            same(step, &tree, &array);
        }
    }
    same(30_000, &tree, &array);
    // Over 2,048 entries (32 leaves of 64): the tree was three levels deep, and the arrays
    // doubled five times.
    assert!(tree.reserved().max() >= 32 * INIT_MEMBLOCK_REGIONS, "the arrays grew: {}", tree.reserved().max());
}
