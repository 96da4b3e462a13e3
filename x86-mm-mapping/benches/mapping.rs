//! Criterion benchmarks of `init_mem_mapping()` top-down: 4 GiB and 64 GiB mapped with 4K
//! pages, 64 GiB with 2M pages, 64 TiB with 1G pages. Each is timed twice, each time beside a
//! reference for the same number of page-table pages, with no page-table logic, measured in
//! the same run: with its tables in fresh memory beside the cold floor (the pages freshly
//! allocated, zeroed and filled), and with its tables in the memory of the run before (as a
//! batch of runs goes) beside the warm rewrite (the tables' bytes written again into pages
//! allocated beforehand: the target is to stay within 2x of it). `cargo bench -p
//! x86-mm-mapping`; the table printed at the end gives the medians, the page-table page counts
//! and the same-run ratios.

use criterion::Criterion;
use memblock_bottomup::TopDown;
use x86_mm_mapping::TopDownWalk;

mod machines;
use machines::{Memory, all, bench_floor, bench_mapping, bench_rewrite, conditions, median};

fn main() {
    let mut c = Criterion::default().configure_from_args().without_plots();
    let mut rows = Vec::new();
    for m in all() {
        let mut g = c.benchmark_group(m.label);
        g.sample_size(10);
        let fresh = format!("{} top-down", m.label);
        let new = |mem| m.fresh_in(TopDown, |_| {}, mem);
        let pages = bench_mapping(&mut g, &fresh, &m, Memory::Fresh, new, || TopDownWalk);
        let floor = format!("{} cold floor", m.label);
        bench_floor(&mut g, &floor, pages);
        let recycled = format!("{} top-down, recycled memory", m.label);
        bench_mapping(&mut g, &recycled, &m, Memory::Recycled, new, || TopDownWalk);
        let rewrite = format!("{} warm rewrite", m.label);
        bench_rewrite(&mut g, &rewrite, pages);
        g.finish();
        rows.push((m.label, pages, fresh, floor, recycled, rewrite));
    }
    c.final_summary();
    println!("\nmedians of the timed runs; {}", conditions());
    println!(
        "| machine | page-table pages | fresh memory | cold floor | ratio | recycled memory | warm rewrite | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (machine, pages, fresh, floor, recycled, rewrite) in rows {
        let (t, f, r, w) = (median(&fresh), median(&floor), median(&recycled), median(&rewrite));
        println!(
            "| {machine} | {pages} | {t:.3} ms | {f:.3} ms | {:.2}× | {r:.3} ms | {w:.3} ms | {:.2}× |",
            t / f,
            r / w
        );
    }
}
