//! Criterion benchmarks of the 3.12 memblock (top-down) on the workloads of spec §G.10:
//! W1 (10,000 reserves then frees, scattered over 64 GiB), W2 (100,000 random 4 KiB reserves
//! in 256 MiB), W3 and W4 (10,000 `memblock_alloc_nid()` over 16 nodes, W4 among 1,000
//! holes), all top-down; then the scaling series (random 4 KiB reserves among N = 10^4, 10^5
//! and 10^6 existing ones). `cargo bench -p memblock-topdown`.
//!
//! Every workload is timed on the model and, in the same run, on the kernel's algorithm
//! written in the bench (`workloads/baseline.rs`), after checking that both give the same
//! answers. Criterion prints the time of one whole workload and its throughput; the table
//! printed at the end gives nanoseconds per operation, the same-run ratio, and the kernel's
//! own §G.10 figure as a reference.

use criterion::Criterion;
use memblock_topdown::Memblock;

mod workloads;
use workloads::baseline::KernelMemblock;
use workloads::{bench_pair, bench_scaling, print_summary, scaling, w1, w2, w3, w4};

fn main() {
    let mut c = Criterion::default().configure_from_args().without_plots();
    let top_down = || KernelMemblock::new(false, 0);
    bench_pair(&mut c, "W1 top-down", &w1(), Memblock::new, top_down);
    bench_pair(&mut c, "W2 top-down", &w2(), Memblock::new, top_down);
    bench_pair(&mut c, "W3 top-down", &w3(), Memblock::new, top_down);
    bench_pair(&mut c, "W4 top-down", &w4(), Memblock::new, top_down);
    // Per-operation cost as the reserved array grows: 1,000 timed reserves at each size; the
    // baseline only 100 at a million regions, where each of its reserves moves megabytes.
    for (n, baseline_ops) in [(10_000, 1_000), (100_000, 1_000), (1_000_000, 100)] {
        bench_scaling(&mut c, &format!("scaling N={n}"), &scaling(n, 1_000), baseline_ops);
    }
    c.final_summary();
    print_summary();
}
