//! Criterion benchmarks of `init_mem_mapping()` top-down: 4 GiB mapped with 4K pages, 64 GiB
//! with 2M pages, 64 TiB with 1G pages. Each is timed beside its floor: the same number of
//! page-table pages allocated zeroed and filled entry by entry (a plain `memset`-style
//! fill, no page-table logic). `cargo bench -p x86-mm-mapping`; the table printed at the end
//! gives the medians, the page-table page counts and the ratio to the floor.

use std::time::Duration;

use criterion::Criterion;
use memblock_bottomup::TopDown;
use x86_mm_mapping::TopDownWalk;

mod machines;
use machines::{all, bench_floor, bench_mapping, median};

fn main() {
    let mut c = Criterion::default().configure_from_args().without_plots();
    let mut g = c.benchmark_group("x86-mm-mapping");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    let mut rows = Vec::new();
    for m in all() {
        let label = format!("{} top-down", m.label);
        let pages = bench_mapping(&mut g, &label, &m, || m.fresh(TopDown, |_| {}), || TopDownWalk);
        let floor = format!("{} floor", m.label);
        bench_floor(&mut g, &floor, pages);
        rows.push((m.label, pages, label, floor));
    }
    g.finish();
    c.final_summary();
    println!("\n| machine | page-table pages | init_mem_mapping (median) | floor (median) | ratio |");
    println!("|---|---|---|---|---|");
    for (machine, pages, label, floor) in rows {
        let (t, f) = (median(&label), median(&floor));
        println!("| {machine} | {pages} | {t:.3} ms | {f:.3} ms | {:.2}× |", t / f);
    }
}
