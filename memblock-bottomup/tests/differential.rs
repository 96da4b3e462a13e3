//! With bottom-up off, `Memblock<BottomUpPlacement>` is `Memblock<TopDown>`: over random
//! sequences of every kind of operation (array doubling included), both give the same results,
//! the same arrays and counters, and the same events, step by step.

use memblock_bottomup::{
    BottomUp, BottomUpPlacement, MAX_NUMNODES, Memblock, Nid, Placement, RegionKind, SeriesMemblock, TopDown,
};
use memblock_topdown::testing::Op;
use proptest::prelude::*;

/// One step: a memblock operation, a run of reservations that fills the array past its
/// first size (so that it doubles), or a moved `kernel_end` (the series' policy only).
#[derive(Debug, Clone)]
enum Step {
    Memblock(Op),
    ReserveMany(u64, u64),
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

fn memblock_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (addr(), size()).prop_map(|(base, size)| Op::Add { base, size }),
        3 => (addr(), size(), nid()).prop_map(|(base, size, nid)| Op::AddNode { base, size, nid }),
        4 => (addr(), size()).prop_map(|(base, size)| Op::Reserve { base, size }),
        2 => (addr(), size()).prop_map(|(base, size)| Op::Remove { base, size }),
        3 => (addr(), size()).prop_map(|(base, size)| Op::Free { base, size }),
        1 => (addr(), size(), nid()).prop_map(|(base, size, nid)| Op::SetNode { base, size, nid }),
        1 => (addr(), size()).prop_map(|(base, size)| Op::Isolate { kind: RegionKind::Memory, base, size }),
        4 => ((0u64..0x4000), align(), nid()).prop_map(|(size, align, nid)| Op::AllocNid { size, align, nid }),
        2 => ((0u64..0x4000), align(), limit()).prop_map(|(size, align, max_addr)| Op::AllocBase { size, align, max_addr }),
        2 => ((0u64..0x4000), align()).prop_map(|(size, align)| Op::Alloc { size, align }),
        2 => ((0u64..0x4000), align(), nid()).prop_map(|(size, align, nid)| Op::AllocTryNid { size, align, nid }),
        3 => (addr(), limit(), (0u64..0x8000), align(), nid())
            .prop_map(|(start, end, size, align, nid)| Op::Find { start, end, size, align, nid }),
        1 => limit().prop_map(|limit| Op::SetLimit { limit }),
        1 => Just(Op::AllowResize),
        1 => prop_oneof![Just(0x1000u64), Just(0x200), Just(0)].prop_map(|align| Op::Trim { align }),
        1 => (0u64..0x200).prop_map(|k| Op::EnforceLimit { limit: k * 0x1000 }),
    ]
}

fn op() -> impl Strategy<Value = Step> {
    prop_oneof![
        34 => memblock_op().prop_map(Step::Memblock),
        1 => ((0u64..0x100), (1u64..160)).prop_map(|(b, n)| Step::ReserveMany(b * 0x1000, n)),
        1 => limit().prop_map(Step::KernelEnd),
    ]
}

/// Runs one step and renders what it returned.
fn apply<P: Placement>(mb: &mut Memblock<P>, step: &Step) -> String {
    match *step {
        Step::Memblock(op) => format!("{:?}", op.apply(mb)),
        Step::ReserveMany(b, n) => {
            let results: Vec<_> =
                (0..n).map(|i| Op::Reserve { base: b + i * 0x2000, size: 0x1000 }.apply(mb)).collect();
            format!("{results:?}")
        }
        // Only the series' policy has a kernel_end: handled by the caller.
        Step::KernelEnd(_) => String::new(),
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
            if let Step::KernelEnd(k) = *op {
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
