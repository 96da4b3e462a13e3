//! Criterion benchmarks of patch 2 on the workloads of spec §G.10: W3 and W4 (10,000
//! `memblock_alloc_nid()` over 16 nodes, W4 among 1,000 reserved holes) top-down and bottom-up
//! with the kernel image ending at 16 MiB, and X5 (20,000 small bottom-up allocations right
//! above the kernel). `cargo bench -p memblock-bottomup`.
//!
//! The workloads are those of `memblock-topdown/benches/workloads`, included here so that
//! both crates time exactly the same operations. The direction is set when the memblock is
//! created, as `movable_node` does before anything is reserved, so W4's holes (and the
//! arrays they double) are placed in that direction too. Criterion prints the time of one
//! whole workload; the table at the end gives nanoseconds per operation beside the kernel's.

use std::time::Duration;

use criterion::Criterion;
use memblock_bottomup::{BottomUp, SeriesMemblock};

#[path = "../../memblock-topdown/benches/workloads/mod.rs"]
mod workloads;
use workloads::{MIB, Workload, bench, print_summary, w3, w4, x5};

const KERNEL_END: u64 = 16 * MIB;

fn series(bottom_up: bool) -> impl FnMut() -> SeriesMemblock {
    move || {
        let mut mb = SeriesMemblock::series(KERNEL_END);
        mb.set_bottom_up(bottom_up);
        mb
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args().without_plots();
    let mut g = c.benchmark_group("memblock-bottomup");
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    // §G.10 gives the kernel's figure for each direction.
    bench(&mut g, "W3 top-down", &w3(), series(false));
    bench(&mut g, "W3 bottom-up", &Workload { kernel_ns: 160.0, ..w3() }, series(true));
    bench(&mut g, "W4 top-down", &w4(), series(false));
    bench(&mut g, "W4 bottom-up", &Workload { kernel_ns: 3_500.0, ..w4() }, series(true));
    bench(&mut g, "X5 bottom-up", &x5(), series(true));
    g.finish();
    c.final_summary();
    print_summary();
}
