//! The benchmark workloads of spec §G.10, built exactly as the spec describes them, for any
//! placement policy. `memblock-topdown/benches/memblock.rs` runs them on `Memblock<TopDown>`;
//! `memblock-bottomup/benches/bottomup.rs` includes this file and runs them on the series'
//! memblock in both directions, so both crates time the very same operations.
//!
//! A workload is a list of untimed setup operations and a list of timed ones, generated in
//! advance from a fixed seed (so the RNG is not timed). Every benchmark reports the time of
//! the timed list divided by its length: nanoseconds per operation, the figure §G.10 gives
//! for the kernel's own code. Before timing, each workload runs once and prints what it left
//! behind (counts, `max`, where the doubled arrays are, a digest of every result and of the
//! final `memblock_dump_all()`), so that a change to the model that changes an observable
//! result shows up as a changed line.
//!
//! Each workload is timed twice in the same run: on the model, and on [`baseline`], the
//! kernel's algorithm (sorted arrays with a memmove per insertion and removal, linear walks)
//! written in the bench. Before timing, both run the workload once and must agree on every
//! result and on the final arrays (`cnt`, `max`, every region, where the doubled arrays are);
//! only then is the ratio of the two a fair speed-up. The kernel's own figures of §G.10 were
//! measured on another day and are printed beside them as a reference, never divided.

#![allow(dead_code)] // each bench uses a subset

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use memblock_topdown::testing::{Answer, Op};
use memblock_topdown::{MAX_NUMNODES, Memblock, MemblockState, Nid, Placement};

pub mod baseline;
#[path = "../conditions/mod.rs"]
mod conditions;
use baseline::KernelMemblock;

pub const KIB: u64 = 1 << 10;
pub const MIB: u64 = 1 << 20;
pub const GIB: u64 = 1 << 30;

/// SplitMix64: a tiny deterministic generator, enough for reproducible workloads.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// Fisher-Yates.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.range(0, i as u64) as usize;
            v.swap(i, j);
        }
    }
}

/// Runs `ops` and folds every result (status or address) into `digest`.
#[inline]
pub fn run<P: Placement>(mb: &mut Memblock<P>, ops: &[Op], digest: &mut u64) {
    for &op in ops {
        let v = match op.apply(mb) {
            Answer::Changed(r) => u64::from(r.is_ok()),
            Answer::Found(addr) => addr.unwrap_or(0),
            Answer::Done => 0,
            other => panic!("the workloads do not use {op:?} (it answered {other:?})"),
        };
        *digest = fnv(*digest, v);
    }
}

fn fnv(h: u64, v: u64) -> u64 {
    v.to_le_bytes().iter().fold(h, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// A workload of §G.10: setup (untimed) and the timed operations.
#[derive(Debug, Clone)]
pub struct Workload {
    pub name: &'static str,
    /// The kernel's own ns per operation (§G.10).
    pub kernel_ns: f64,
    pub setup: Vec<Op>,
    pub timed: Vec<Op>,
}

/// W1: memory [0, 64 GiB); 10,000 reserves, the i-th at 16 MiB + i × 6,868,992 bytes, each
/// 4 KiB × a random 1..63; then all of them freed in shuffled order.
pub fn w1() -> Workload {
    let mut rng = SplitMix64::new(0x5731);
    let reserves: Vec<(u64, u64)> =
        (0..10_000u64).map(|i| (16 * MIB + i * 6_868_992, 4 * KIB * rng.range(1, 63))).collect();
    let mut frees = reserves.clone();
    rng.shuffle(&mut frees);
    let timed = reserves
        .iter()
        .map(|&(b, s)| Op::Reserve { base: b, size: s })
        .chain(frees.iter().map(|&(b, s)| Op::Free { base: b, size: s }));
    Workload {
        name: "W1",
        kernel_ns: 17_000.0,
        setup: vec![Op::AddNode { base: 0, size: 64 * GIB, nid: MAX_NUMNODES }, Op::AllowResize],
        timed: timed.collect(),
    }
}

/// W2: memory [1 GiB, 1.25 GiB) and [4 GiB, 4 GiB + 64 MiB); 100,000 reserves of 4 KiB at
/// random 4 KiB-aligned offsets in the first range.
pub fn w2() -> Workload {
    let mut rng = SplitMix64::new(0x5732);
    let pages = (GIB / 4) / (4 * KIB);
    let timed = (0..100_000).map(|_| Op::Reserve { base: GIB + rng.range(0, pages - 1) * 4 * KIB, size: 4 * KIB });
    Workload {
        name: "W2",
        kernel_ns: 45_000.0,
        setup: vec![
            Op::AddNode { base: GIB, size: GIB / 4, nid: MAX_NUMNODES },
            Op::AddNode { base: 4 * GIB, size: 64 * MIB, nid: MAX_NUMNODES },
            Op::AllowResize,
        ],
        timed: timed.collect(),
    }
}

/// The 16 nodes of W3 and W4: node n is [n × 4 GiB, (n + 1) × 4 GiB).
fn sixteen_nodes() -> Vec<Op> {
    let mut v: Vec<Op> = (0..16).map(|n| Op::AddNode { base: n * 4 * GIB, size: 4 * GIB, nid: n as Nid }).collect();
    v.push(Op::AllowResize);
    v
}

/// The 10,000 allocations of W3 and W4: `memblock_alloc_nid(size, 4 KiB, random node)`, the
/// size one of 4 KiB, 8 KiB, 64 KiB, 2 MiB or 4 KiB × a random 1..511.
fn w3_allocs(rng: &mut SplitMix64) -> Vec<Op> {
    (0..10_000)
        .map(|_| {
            let size = match rng.range(0, 4) {
                0 => 4 * KIB,
                1 => 8 * KIB,
                2 => 64 * KIB,
                3 => 2 * MIB,
                _ => 4 * KIB * rng.range(1, 511),
            };
            Op::AllocNid { size, align: 4 * KIB, nid: rng.range(0, 15) as Nid }
        })
        .collect()
}

/// W3: 16 nodes of 4 GiB; 10,000 `memblock_alloc_nid()` on random nodes (`kernel_end` 16 MiB
/// is the bottom-up bench's business).
pub fn w3() -> Workload {
    let mut rng = SplitMix64::new(0x5733);
    Workload { name: "W3", kernel_ns: 170.0, setup: sixteen_nodes(), timed: w3_allocs(&mut rng) }
}

/// W4: W3 after 1,000 random reserved holes (base 4 KiB-aligned in [16 MiB, 64 GiB), size
/// 4 KiB × 1..255); the holes are part of the untimed setup.
pub fn w4() -> Workload {
    let mut rng = SplitMix64::new(0x5734);
    let mut setup = sixteen_nodes();
    let pages = (64 * GIB - 16 * MIB) / (4 * KIB);
    setup.extend((0..1_000).map(|_| Op::Reserve {
        base: 16 * MIB + rng.range(0, pages - 1) * 4 * KIB,
        size: 4 * KIB * rng.range(1, 255),
    }));
    Workload { name: "W4", kernel_ns: 4_100.0, setup, timed: w3_allocs(&mut rng) }
}

/// X5: memory [0, 4 GiB), [16 MiB, 17 MiB) reserved (the kernel image), then 20,000
/// `memblock_alloc_nid(64 B × 1..64, 64, any node)` (bottom-up with `kernel_end` 16 MiB in
/// the bottom-up bench).
pub fn x5() -> Workload {
    let mut rng = SplitMix64::new(0x5735);
    let timed = (0..20_000).map(|_| Op::AllocNid { size: 64 * rng.range(1, 64), align: 64, nid: MAX_NUMNODES });
    Workload {
        name: "X5",
        kernel_ns: 41.0,
        setup: vec![
            Op::AddNode { base: 0, size: 4 * GIB, nid: MAX_NUMNODES },
            Op::AllowResize,
            Op::Reserve { base: 16 * MIB, size: MIB },
        ],
        timed: timed.collect(),
    }
}

/// What a workload left behind, printed before it is timed.
pub fn describe<P: Placement>(label: &str, w: &Workload, mut new: impl FnMut() -> Memblock<P>) -> String {
    let mut mb = new();
    let mut digest = FNV_OFFSET;
    run(&mut mb, &w.setup, &mut digest);
    let mut results = FNV_OFFSET;
    run(&mut mb, &w.timed, &mut results);
    let dump = mb.dump_all().to_string();
    let dump_digest = dump.bytes().fold(FNV_OFFSET, |h, b| fnv(h, u64::from(b)));
    let mut s = String::new();
    let _ = write!(
        s,
        "{label}: {} timed ops; memory.cnt {} max {}; reserved.cnt {} max {} array {}; results {results:#018x}; dump {dump_digest:#018x}",
        w.timed.len(),
        mb.memory().cnt(),
        mb.memory().max(),
        mb.reserved().cnt(),
        mb.reserved().max(),
        mb.reserved().array_addr().map_or("static".into(), |a| format!("{a:#x}")),
    );
    s
}

/// Runs `ops` on the baseline, folding every result into `digest` as [`run`] does.
#[inline]
pub fn run_baseline(mb: &mut KernelMemblock, ops: &[Op], digest: &mut u64) {
    for &op in ops {
        let v = match op {
            Op::AddNode { base, size, nid } => u64::from(mb.add_node(base, size, nid)),
            Op::AllowResize => {
                mb.allow_resize();
                0
            }
            Op::Reserve { base, size } => u64::from(mb.reserve(base, size)),
            Op::Free { base, size } => u64::from(mb.free(base, size)),
            Op::AllocNid { size, align, nid } => mb.alloc_nid(size, align, nid),
            other => panic!("the baseline does not model {other:?}, which no workload uses"),
        };
        *digest = fnv(*digest, v);
    }
}

/// Checks that the baseline, started from `baseline` and given `ops`, answers every
/// operation as the model started from `model` does and leaves the same arrays. Panics with
/// the first difference: a speed-up against a baseline that computes something else would
/// mean nothing.
pub fn check_same<P: Placement>(label: &str, mut model: Memblock<P>, mut baseline: KernelMemblock, ops: &[Op]) {
    for (i, op) in ops.iter().enumerate() {
        let (mut a, mut b) = (FNV_OFFSET, FNV_OFFSET);
        run(&mut model, std::slice::from_ref(op), &mut a);
        run_baseline(&mut baseline, std::slice::from_ref(op), &mut b);
        assert_eq!(a, b, "{label}: model and baseline answer op {i} ({op:?}) differently");
    }
    assert_same_arrays(label, &model, &baseline);
}

fn assert_same_arrays(label: &str, model: &MemblockState, baseline: &KernelMemblock) {
    for (name, m, k) in
        [("memory", model.memory(), &baseline.memory), ("reserved", model.reserved(), &baseline.reserved)]
    {
        let ours: Vec<(u64, u64, Nid)> = m.regions().iter().map(|r| (r.base, r.size, r.nid)).collect();
        let theirs: Vec<(u64, u64, Nid)> = k.real().iter().map(|r| (r.base, r.size, r.nid)).collect();
        assert_eq!((m.cnt(), m.max(), m.array_addr()), (k.cnt, k.max, k.array_at), "{label}: {name} cnt/max/array");
        assert!(ours == theirs, "{label}: {name} regions differ");
    }
}

/// Per-iteration nanoseconds per timed operation, by benchmark.
static PER_OP: Mutex<Vec<(String, Vec<f64>)>> = Mutex::new(Vec::new());

fn record(label: &str, ns_per_op: f64) {
    let mut all = PER_OP.lock().unwrap();
    match all.iter_mut().find(|(l, _)| l == label) {
        Some((_, v)) => v.push(ns_per_op),
        None => all.push((label.to_string(), vec![ns_per_op])),
    }
}

/// The median ns per operation of a benchmark's timed runs (warm-up included).
pub fn median_ns(label: &str) -> f64 {
    let all = PER_OP.lock().unwrap();
    let mut v = all.iter().find(|(l, _)| l == label).map(|(_, v)| v.clone()).unwrap_or_default();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Times a closure that runs the timed operations on a fresh state (built untimed by
/// `prepare`) and returns the elapsed time.
fn bench_one<S>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: &str,
    key: &str,
    ops: usize,
    mut prepare: impl FnMut() -> S,
    mut timed: impl FnMut(&mut S) -> Duration,
) {
    group.throughput(criterion::Throughput::Elements(ops as u64));
    group.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut state = prepare();
                let dt = timed(&mut state);
                drop(state);
                total += dt;
                record(key, dt.as_nanos() as f64 / ops as f64);
            }
            total
        })
    });
}

/// One row of the summary: a workload timed on the model and on the baseline.
struct Row {
    label: String,
    ops: usize,
    baseline_ops: usize,
    kernel_ns: Option<f64>,
}

static ROWS: Mutex<Vec<Row>> = Mutex::new(Vec::new());

/// Times one workload on the model and on the baseline, side by side in one criterion group
/// named `label` ("model" and "kernel algorithm"), after checking that both give the same
/// results. Each iteration builds a fresh memblock and runs the setup (untimed), then times
/// the workload's operations.
pub fn bench_pair<P: Placement>(
    c: &mut criterion::Criterion,
    label: &str,
    w: &Workload,
    mut new: impl FnMut() -> Memblock<P>,
    new_baseline: impl Fn() -> KernelMemblock,
) {
    eprintln!("{}", describe(label, w, &mut new));
    let all: Vec<Op> = w.setup.iter().chain(&w.timed).copied().collect();
    check_same(label, new(), new_baseline(), &all);
    let mut g = c.benchmark_group(label);
    g.sample_size(10).sampling_mode(criterion::SamplingMode::Flat);
    let ops = w.timed.len();
    let model = |mb: &mut Memblock<P>| {
        let mut digest = FNV_OFFSET;
        let t = Instant::now();
        run(mb, black_box(&w.timed), &mut digest);
        let dt = t.elapsed();
        black_box(digest);
        dt
    };
    let setup = |mut mb: Memblock<P>| {
        run(&mut mb, &w.setup, &mut FNV_OFFSET.clone());
        mb
    };
    bench_one(&mut g, "model", &format!("{label}/model"), ops, || setup(new()), model);
    let setup_baseline = |mut mb: KernelMemblock| {
        run_baseline(&mut mb, &w.setup, &mut FNV_OFFSET.clone());
        mb
    };
    let baseline = |mb: &mut KernelMemblock| {
        let mut digest = FNV_OFFSET;
        let t = Instant::now();
        run_baseline(mb, black_box(&w.timed), &mut digest);
        let dt = t.elapsed();
        black_box(digest);
        dt
    };
    bench_one(
        &mut g,
        "kernel algorithm",
        &format!("{label}/baseline"),
        ops,
        || setup_baseline(new_baseline()),
        baseline,
    );
    g.finish();
    ROWS.lock().unwrap().push(Row { label: label.into(), ops, baseline_ops: ops, kernel_ns: Some(w.kernel_ns) });
}

/// The scaling series: N random 4 KiB reserves in a window of 16 × N pages at 1 GiB, with
/// 64 MiB of spare memory above it for the doubled arrays, then `timed` more random 4 KiB
/// reserves in the same window, timed. The first N are made in address order (so that the
/// state builds in reasonable time: appending costs no memmove); the result is the same set of
/// regions as in any order, and the doubled arrays land at the top of the spare memory
/// either way (the searches are top-down and the spare memory lies above the window).
pub fn scaling(n: u64, timed: usize) -> Workload {
    let mut rng = SplitMix64::new(0x5c41 ^ n);
    let window = 16 * n;
    let page = |rng: &mut SplitMix64| GIB + rng.range(0, window - 1) * 4 * KIB;
    let mut first: Vec<u64> = (0..n).map(|_| page(&mut rng)).collect();
    first.sort_unstable();
    let mut setup =
        vec![Op::AddNode { base: GIB, size: window * 4 * KIB + 64 * MIB, nid: MAX_NUMNODES }, Op::AllowResize];
    setup.extend(first.iter().map(|&b| Op::Reserve { base: b, size: 4 * KIB }));
    let timed = (0..timed).map(|_| Op::Reserve { base: page(&mut rng), size: 4 * KIB }).collect();
    Workload { name: "scaling", kernel_ns: f64::NAN, setup, timed }
}

/// Times one point of the scaling series on the model and on the baseline. The state after
/// the setup is built once, on the model; each iteration starts from a copy of it (the
/// baseline from a copy of the same arrays, same `max`, same array address), so both time
/// the same operations from the same state. The baseline times only the first
/// `baseline_ops` of them (at a million regions each of its operations moves megabytes).
pub fn bench_scaling(c: &mut criterion::Criterion, label: &str, w: &Workload, baseline_ops: usize) {
    let mut built = Memblock::new();
    run(&mut built, &w.setup, &mut FNV_OFFSET.clone());
    let base = KernelMemblock::from_state(&built);
    assert_same_arrays(label, &built, &base);
    check_same(label, built.clone(), base.clone(), &w.timed[..baseline_ops]);
    eprintln!(
        "{label}: {} regions after the setup, max {}, array at {:#x}; {} timed reserves ({} on the baseline)",
        built.reserved().cnt(),
        built.reserved().max(),
        built.reserved().array_addr().unwrap_or(0),
        w.timed.len(),
        baseline_ops
    );
    let mut g = c.benchmark_group(label);
    g.sample_size(10).sampling_mode(criterion::SamplingMode::Flat);
    let ops = w.timed.len();
    bench_one(
        &mut g,
        "model",
        &format!("{label}/model"),
        ops,
        || built.clone(),
        |mb| {
            let mut digest = FNV_OFFSET;
            let t = Instant::now();
            run(mb, black_box(&w.timed), &mut digest);
            let dt = t.elapsed();
            black_box(digest);
            dt
        },
    );
    let timed_baseline = &w.timed[..baseline_ops];
    bench_one(
        &mut g,
        "kernel algorithm",
        &format!("{label}/baseline"),
        baseline_ops,
        || base.clone(),
        |mb| {
            let mut digest = FNV_OFFSET;
            let t = Instant::now();
            run_baseline(mb, black_box(timed_baseline), &mut digest);
            let dt = t.elapsed();
            black_box(digest);
            dt
        },
    );
    g.finish();
    ROWS.lock().unwrap().push(Row { label: label.into(), ops, baseline_ops, kernel_ns: None });
}

/// Prints, for every workload timed, ns per operation on the model and on the baseline
/// (medians of their timed runs in this process) and their ratio, with the load average and
/// the machine: the host may be shared. The kernel's own figure (§G.10, another day) is a
/// reference column, not part of any ratio.
pub fn print_summary() {
    let rows = ROWS.lock().unwrap();
    println!();
    println!("ns per operation, median of each benchmark's timed runs; {}", conditions::conditions());
    println!(
        "| workload | ops timed (baseline) | model ns/op | kernel algorithm ns/op | model faster by | §G.10 kernel ns/op (other day, reference) |"
    );
    println!("|---|---|---|---|---|---|");
    for r in rows.iter() {
        let (m, b) = (median_ns(&format!("{}/model", r.label)), median_ns(&format!("{}/baseline", r.label)));
        let kernel = r.kernel_ns.map_or("—".to_string(), |k| format!("{k:.0}"));
        println!("| {} | {} ({}) | {m:.1} | {b:.1} | {:.2}× | {kernel} |", r.label, r.ops, r.baseline_ops, b / m);
    }
}
