//! Criterion benchmarks of patch 2 on the workloads of spec §G.10: W3 and W4 (10,000
//! `memblock_alloc_nid()` over 16 nodes, W4 among 1,000 reserved holes) top-down and bottom-up
//! with the kernel image ending at 16 MiB, and X5 (20,000 small bottom-up allocations right
//! above the kernel). `cargo bench -p memblock-bottomup`.
//!
//! The workloads are those of `memblock-topdown/benches/workloads`, included here so that
//! both crates time exactly the same operations, each on the model and, in the same run, on
//! the kernel's algorithm written in the bench (`workloads/baseline.rs`, with the series'
//! bottom-up rule), after checking that both give the same answers. The direction is set
//! when the memblock is created, as `movable_node` does before anything is reserved, so W4's
//! holes (and the arrays they double) are placed in that direction too. The table printed at
//! the end gives nanoseconds per operation, the same-run ratio, and the kernel's own §G.10
//! figure as a reference.

use criterion::Criterion;
use memblock_bottomup::{BottomUp, SeriesMemblock};

#[path = "../../memblock-topdown/benches/workloads/mod.rs"]
mod workloads;
use workloads::baseline::KernelMemblock;
use workloads::{MIB, Workload, bench_pair, print_summary, w3, w4, x5};

const KERNEL_END: u64 = 16 * MIB;

fn series(bottom_up: bool) -> impl FnMut() -> SeriesMemblock {
    move || {
        let mut mb = SeriesMemblock::series(KERNEL_END);
        mb.set_bottom_up(bottom_up);
        mb
    }
}

fn kernel(bottom_up: bool) -> impl Fn() -> KernelMemblock {
    move || KernelMemblock::new(bottom_up, KERNEL_END)
}

fn main() {
    let mut c = Criterion::default().configure_from_args().without_plots();
    // §G.10 gives the kernel's figure for each direction.
    bench_pair(&mut c, "W3 top-down", &w3(), series(false), kernel(false));
    bench_pair(&mut c, "W3 bottom-up", &Workload { kernel_ns: 160.0, ..w3() }, series(true), kernel(true));
    bench_pair(&mut c, "W4 top-down", &w4(), series(false), kernel(false));
    bench_pair(&mut c, "W4 bottom-up", &Workload { kernel_ns: 3_500.0, ..w4() }, series(true), kernel(true));
    bench_pair(&mut c, "X5 bottom-up", &x5(), series(true), kernel(true));
    c.final_summary();
    print_summary();
}
