//! Criterion benchmarks of the 3.12 memblock (top-down) on the workloads of spec §G.10:
//! W1 (10,000 reserves then frees, scattered over 64 GiB), W2 (100,000 random 4 KiB reserves
//! in 256 MiB), W3 and W4 (10,000 `memblock_alloc_nid()` over 16 nodes, W4 among 1,000
//! holes), all top-down. `cargo bench -p memblock-topdown`.
//!
//! Criterion prints the time of one whole workload and its throughput; the table printed at
//! the end gives nanoseconds per operation beside the kernel's own figure.

use std::time::Duration;

use criterion::Criterion;
use memblock_topdown::Memblock;

mod workloads;
use workloads::{bench, print_summary, w1, w2, w3, w4};

fn main() {
    let mut c = Criterion::default().configure_from_args().without_plots();
    {
        // One whole W1 or W2 takes 10 to 300 ms: few samples, of equal size.
        let mut g = c.benchmark_group("memblock-topdown");
        g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
        g.sampling_mode(criterion::SamplingMode::Flat);
        bench(&mut g, "W1 top-down", &w1(), Memblock::new);
        bench(&mut g, "W2 top-down", &w2(), Memblock::new);
        g.finish();
    }
    {
        let mut g = c.benchmark_group("memblock-topdown");
        g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
        bench(&mut g, "W3 top-down", &w3(), Memblock::new);
        bench(&mut g, "W4 top-down", &w4(), Memblock::new);
        g.finish();
    }
    c.final_summary();
    print_summary();
}
