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

#![allow(dead_code)] // each bench uses a subset

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use memblock_topdown::{MAX_NUMNODES, Memblock, Nid, Placement};

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

/// One memblock call.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    /// `memblock_add_node(base, size, nid)`.
    AddNode(u64, u64, Nid),
    /// `memblock_allow_resize()`.
    AllowResize,
    /// `memblock_reserve(base, size)`.
    Reserve(u64, u64),
    /// `memblock_free(base, size)`.
    Free(u64, u64),
    /// `memblock_alloc_nid(size, align, nid)`.
    AllocNid(u64, u64, Nid),
}

/// Runs `ops` and folds every result (status or address) into `digest`.
#[inline]
pub fn run<P: Placement>(mb: &mut Memblock<P>, ops: &[Op], digest: &mut u64) {
    for &op in ops {
        let v = match op {
            Op::AddNode(base, size, nid) => u64::from(mb.add_node(base, size, nid).is_ok()),
            Op::AllowResize => {
                mb.allow_resize();
                0
            }
            Op::Reserve(base, size) => u64::from(mb.reserve_as(base, size, "bench").is_ok()),
            Op::Free(base, size) => u64::from(mb.free_as(base, size, "bench").is_ok()),
            Op::AllocNid(size, align, nid) => mb.alloc_nid(size, align, nid).unwrap_or(0),
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
    let timed = reserves.iter().map(|&(b, s)| Op::Reserve(b, s)).chain(frees.iter().map(|&(b, s)| Op::Free(b, s)));
    Workload {
        name: "W1",
        kernel_ns: 17_000.0,
        setup: vec![Op::AddNode(0, 64 * GIB, MAX_NUMNODES), Op::AllowResize],
        timed: timed.collect(),
    }
}

/// W2: memory [1 GiB, 1.25 GiB) and [4 GiB, 4 GiB + 64 MiB); 100,000 reserves of 4 KiB at
/// random 4 KiB-aligned offsets in the first range.
pub fn w2() -> Workload {
    let mut rng = SplitMix64::new(0x5732);
    let pages = (GIB / 4) / (4 * KIB);
    let timed = (0..100_000).map(|_| Op::Reserve(GIB + rng.range(0, pages - 1) * 4 * KIB, 4 * KIB));
    Workload {
        name: "W2",
        kernel_ns: 45_000.0,
        setup: vec![
            Op::AddNode(GIB, GIB / 4, MAX_NUMNODES),
            Op::AddNode(4 * GIB, 64 * MIB, MAX_NUMNODES),
            Op::AllowResize,
        ],
        timed: timed.collect(),
    }
}

/// The 16 nodes of W3 and W4: node n is [n × 4 GiB, (n + 1) × 4 GiB).
fn sixteen_nodes() -> Vec<Op> {
    let mut v: Vec<Op> = (0..16).map(|n| Op::AddNode(n * 4 * GIB, 4 * GIB, n as Nid)).collect();
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
            Op::AllocNid(size, 4 * KIB, rng.range(0, 15) as Nid)
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
    setup.extend(
        (0..1_000).map(|_| Op::Reserve(16 * MIB + rng.range(0, pages - 1) * 4 * KIB, 4 * KIB * rng.range(1, 255))),
    );
    Workload { name: "W4", kernel_ns: 4_100.0, setup, timed: w3_allocs(&mut rng) }
}

/// X5: memory [0, 4 GiB), [16 MiB, 17 MiB) reserved (the kernel image), then 20,000
/// `memblock_alloc_nid(64 B × 1..64, 64, any node)` (bottom-up with `kernel_end` 16 MiB in
/// the bottom-up bench).
pub fn x5() -> Workload {
    let mut rng = SplitMix64::new(0x5735);
    let timed = (0..20_000).map(|_| Op::AllocNid(64 * rng.range(1, 64), 64, MAX_NUMNODES));
    Workload {
        name: "X5",
        kernel_ns: 41.0,
        setup: vec![Op::AddNode(0, 4 * GIB, MAX_NUMNODES), Op::AllowResize, Op::Reserve(16 * MIB, MIB)],
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

/// Nanoseconds per timed operation of every iteration criterion ran, by benchmark.
static PER_OP: Mutex<Vec<(String, f64, Vec<f64>)>> = Mutex::new(Vec::new());

/// Times one workload under criterion: each iteration builds a fresh memblock and runs the
/// setup (untimed), then runs the timed operations. Criterion reports the time of one whole
/// workload and, as throughput, operations per second; [`print_summary`] prints ns per op.
pub fn bench<P: Placement>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    label: &str,
    w: &Workload,
    mut new: impl FnMut() -> Memblock<P>,
) {
    eprintln!("{}", describe(label, w, &mut new));
    let ops = w.timed.len();
    group.throughput(criterion::Throughput::Elements(ops as u64));
    group.bench_function(label, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut mb = new();
                let mut digest = FNV_OFFSET;
                run(&mut mb, &w.setup, &mut digest);
                let t = Instant::now();
                run(&mut mb, black_box(&w.timed), &mut digest);
                let dt = t.elapsed();
                black_box(digest);
                total += dt;
                record(label, w.kernel_ns, dt.as_nanos() as f64 / ops as f64);
            }
            total
        })
    });
}

fn record(label: &str, kernel_ns: f64, ns_per_op: f64) {
    let mut all = PER_OP.lock().unwrap();
    match all.iter_mut().find(|(l, _, _)| l == label) {
        Some((_, _, v)) => v.push(ns_per_op),
        None => all.push((label.to_string(), kernel_ns, vec![ns_per_op])),
    }
}

/// Prints ns per operation (the median over every timed run of a workload, warm-up included)
/// beside the kernel's figure, with the load average: the host may be shared.
pub fn print_summary() {
    let all = PER_OP.lock().unwrap();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    println!();
    println!("ns per operation, median of each workload's timed runs (load average {})", load.join(" "));
    println!("{:<16} {:>6} {:>13} {:>11} {:>9}", "workload", "runs", "kernel ns/op", "ours ns/op", "speed-up");
    for (label, kernel_ns, v) in all.iter() {
        let mut v = v.clone();
        v.sort_by(f64::total_cmp);
        let median = v[v.len() / 2];
        println!("{label:<16} {:>6} {kernel_ns:>13.0} {median:>11.1} {:>8.1}x", v.len(), kernel_ns / median);
    }
}
