//! Criterion benchmarks of `init_mem_mapping()` top-down: 4 GiB and 64 GiB mapped with 4K
//! pages, 64 GiB with 2M pages, 64 TiB with 1G pages. Each is timed in the same run beside
//! two references for the same number of page-table pages, with no page-table logic: the
//! warm rewrite (the tables' bytes written again into pages allocated beforehand: the target
//! is to stay within 2x of it) and the cold floor (the pages freshly allocated, zeroed and
//! filled). `cargo bench -p x86-mm-mapping`; the table printed at the end gives the medians,
//! the page-table page counts and the same-run ratios.

use criterion::Criterion;
use memblock_bottomup::TopDown;
use x86_mm_mapping::TopDownWalk;

mod machines;
use machines::{all, bench_floor, bench_mapping, bench_rewrite, conditions, median};

fn main() {
    let mut c = Criterion::default().configure_from_args().without_plots();
    let mut rows = Vec::new();
    for m in all() {
        let mut g = c.benchmark_group(m.label);
        g.sample_size(10);
        let label = format!("{} top-down", m.label);
        let pages = bench_mapping(&mut g, &label, &m, || m.fresh(TopDown, |_| {}), || TopDownWalk);
        let rewrite = format!("{} warm rewrite", m.label);
        bench_rewrite(&mut g, &rewrite, pages);
        let floor = format!("{} cold floor", m.label);
        bench_floor(&mut g, &floor, pages);
        g.finish();
        rows.push((m.label, pages, label, rewrite, floor));
    }
    c.final_summary();
    println!("\nmedians of the timed runs; {}", conditions());
    println!(
        "| machine | page-table pages | init_mem_mapping | warm rewrite | ratio to it | cold floor | ratio to it |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (machine, pages, label, rewrite, floor) in rows {
        let (t, w, f) = (median(&label), median(&rewrite), median(&floor));
        println!("| {machine} | {pages} | {t:.3} ms | {w:.3} ms | {:.2}× | {f:.3} ms | {:.2}× |", t / w, t / f);
    }
}
