//! With bottom-up off, `Memblock<BottomUpPlacement>` is `Memblock<TopDown>`: over random
//! sequences of every kind of operation (array doubling included), both give the same results,
//! the same arrays and counters, and the same events, step by step.

use memblock_bottomup::{
    BottomUp, BottomUpPlacement, MAX_NUMNODES, Memblock, Nid, Placement, RegionKind, SeriesMemblock, TopDown,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Add(u64, u64),
    AddNode(u64, u64, Nid),
    Reserve(u64, u64),
    ReserveMany(u64, u64),
    Remove(u64, u64),
    Free(u64, u64),
    SetNode(u64, u64, Nid),
    Isolate(u64, u64),
    AllocNid(u64, u64, Nid),
    AllocBase(u64, u64, u64),
    Alloc(u64, u64),
    AllocTryNid(u64, u64, Nid),
    Find(u64, u64, u64, u64, Nid),
    SetLimit(u64),
    AllowResize,
    Trim(u64),
    EnforceLimit(u64),
    KernelEnd(u64),
}

fn addr() -> impl Strategy<Value = u64> {
    prop_oneof![8 => (0u64..0x800).prop_map(|k| k * 0x200), 1 => (0u64..0x100).prop_map(|k| u64::MAX - k * 0x1000)]
}

fn size() -> impl Strategy<Value = u64> {
    prop_oneof![8 => (0u64..0x80).prop_map(|k| k * 0x200), 1 => Just(u64::MAX)]
}

fn nid() -> impl Strategy<Value = Nid> {
    prop_oneof![(0i32..3), Just(MAX_NUMNODES), Just(-1)]
}

fn align() -> impl Strategy<Value = u64> {
    prop_oneof![8 => (0u32..=13).prop_map(|s| 1u64 << s), 1 => Just(0), 1 => Just(3)]
}

fn limit() -> impl Strategy<Value = u64> {
    prop_oneof![(0u64..0x900).prop_map(|k| k * 0x200), Just(u64::MAX)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (addr(), size()).prop_map(|(b, s)| Op::Add(b, s)),
        3 => (addr(), size(), nid()).prop_map(|(b, s, n)| Op::AddNode(b, s, n)),
        4 => (addr(), size()).prop_map(|(b, s)| Op::Reserve(b, s)),
        1 => ((0u64..0x100), (1u64..160)).prop_map(|(b, n)| Op::ReserveMany(b * 0x1000, n)),
        2 => (addr(), size()).prop_map(|(b, s)| Op::Remove(b, s)),
        3 => (addr(), size()).prop_map(|(b, s)| Op::Free(b, s)),
        1 => (addr(), size(), nid()).prop_map(|(b, s, n)| Op::SetNode(b, s, n)),
        1 => (addr(), size()).prop_map(|(b, s)| Op::Isolate(b, s)),
        4 => ((0u64..0x4000), align(), nid()).prop_map(|(s, a, n)| Op::AllocNid(s, a, n)),
        2 => ((0u64..0x4000), align(), limit()).prop_map(|(s, a, m)| Op::AllocBase(s, a, m)),
        2 => ((0u64..0x4000), align()).prop_map(|(s, a)| Op::Alloc(s, a)),
        2 => ((0u64..0x4000), align(), nid()).prop_map(|(s, a, n)| Op::AllocTryNid(s, a, n)),
        3 => (addr(), limit(), (0u64..0x8000), align(), nid()).prop_map(|(s, e, z, a, n)| Op::Find(s, e, z, a, n)),
        1 => limit().prop_map(Op::SetLimit),
        1 => Just(Op::AllowResize),
        1 => prop_oneof![Just(0x1000u64), Just(0x200), Just(0)].prop_map(Op::Trim),
        1 => (0u64..0x200).prop_map(|k| Op::EnforceLimit(k * 0x1000)),
        1 => limit().prop_map(Op::KernelEnd),
    ]
}

/// Runs one operation and renders what it returned.
fn apply<P: Placement>(mb: &mut Memblock<P>, op: &Op) -> String {
    match *op {
        Op::Add(b, s) => format!("{:?}", mb.add(b, s)),
        Op::AddNode(b, s, n) => format!("{:?}", mb.add_node(b, s, n)),
        Op::Reserve(b, s) => format!("{:?}", mb.reserve(b, s)),
        Op::ReserveMany(b, n) => {
            let results: Vec<_> = (0..n).map(|i| mb.reserve(b + i * 0x2000, 0x1000)).collect();
            format!("{results:?}")
        }
        Op::Remove(b, s) => format!("{:?}", mb.remove(b, s)),
        Op::Free(b, s) => format!("{:?}", mb.free(b, s)),
        Op::SetNode(b, s, n) => format!("{:?}", mb.set_node(b, s, n)),
        Op::Isolate(b, s) => format!("{:?}", mb.isolate_range(RegionKind::Memory, b, s)),
        Op::AllocNid(s, a, n) => format!("{:?}", mb.alloc_nid(s, a, n)),
        Op::AllocBase(s, a, m) => format!("{:?}", mb.alloc_base(s, a, m)),
        Op::Alloc(s, a) => format!("{:?}", mb.alloc(s, a)),
        Op::AllocTryNid(s, a, n) => format!("{:?}", mb.alloc_try_nid(s, a, n)),
        Op::Find(s, e, z, a, n) => format!("{:?}", mb.find_in_range_node(s, e, z, a, n)),
        Op::SetLimit(l) => {
            mb.set_current_limit(l);
            String::new()
        }
        Op::AllowResize => {
            mb.allow_resize();
            String::new()
        }
        Op::Trim(a) => {
            mb.trim_memory(a);
            String::new()
        }
        Op::EnforceLimit(l) => {
            mb.enforce_memory_limit(l);
            String::new()
        }
        // Only the series' policy has a kernel_end: handled by the caller.
        Op::KernelEnd(_) => String::new(),
    }
}

/// Everything observable about a memblock.
fn observe<P: Placement>(mb: &Memblock<P>) -> String {
    let mut s = mb.dump_all_with_flags().to_string();
    for kind in [RegionKind::Memory, RegionKind::Reserved] {
        let ty = mb.region_type(kind);
        s += &format!("{:?} max={} {:?}\n", kind, ty.max(), ty.regions());
    }
    s += &format!("{:?} {:?}\n", mb.reserved_regions_info(), mb.memory_regions_info());
    s += &format!("{:?}\n", mb.free_ranges(MAX_NUMNODES).collect::<Vec<_>>());
    s += &format!("{:?} warnings={}\n", mb.log().events(), mb.log().warnings());
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn bottom_up_off_is_the_layer_below(
        kernel_end in limit(),
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        let mut series = SeriesMemblock::series(kernel_end);
        let mut plain: Memblock<TopDown> = Memblock::new();
        series.log_mut().set_trace(true);
        plain.log_mut().set_trace(true);
        for op in &ops {
            if let Op::KernelEnd(k) = *op {
                series.placement_mut().set_kernel_end(k);
            }
            let (a, b) = (apply(&mut series, op), apply(&mut plain, op));
            prop_assert_eq!(&a, &b, "result of {:?}", op);
            prop_assert_eq!(observe(&series), observe(&plain), "state after {:?}", op);
        }
        prop_assert!(!series.bottom_up());
        prop_assert_eq!(series.placement().fallbacks(), 0);
        prop_assert_eq!(series.placement(), &BottomUpPlacement::new(series.placement().kernel_end()));
    }
}
