//! Criterion benchmarks of patch 4: `init_mem_mapping()` bottom-up (memblock bottom-up, the
//! `SeriesWalk`) against top-down (the same walk with memblock top-down, which is patch 3's
//! path) on the machines of `x86-mm-mapping/benches/mapping.rs`: 4 GiB and 64 GiB with 4K
//! pages, 64 GiB with 2M pages, 64 TiB with 1G pages. Each direction is timed with its tables
//! in fresh memory and in the memory of the run before (as a batch of runs goes), beside the
//! warm rewrite of the same number of page-table pages measured in the same run. `cargo bench
//! -p x86-mm-bottomup`; the table printed at the end gives the medians, the same-run ratios and
//! where the page tables went.

use criterion::Criterion;
use memblock_bottomup::{BottomUp, BottomUpPlacement};
use x86_mm_bottomup::{PgtSource, SeriesWalk};

#[path = "../../x86-mm-mapping/benches/machines/mod.rs"]
mod machines;
use machines::{Memory, all, bench_mapping, bench_rewrite, conditions, median};

fn main() {
    let mut c = Criterion::default().configure_from_args().without_plots();
    let mut rows = Vec::new();
    for m in all() {
        let mut g = c.benchmark_group(m.label);
        g.sample_size(10);
        let kernel_end = m.kernel_end;
        let mut placement = Vec::new();
        let mut pages = 0;
        for bottom_up in [false, true] {
            let label = format!("{} {}", m.label, if bottom_up { "bottom-up" } else { "top-down" });
            let new = |mem| m.fresh_in(BottomUpPlacement::new(kernel_end), |mb| mb.set_bottom_up(bottom_up), mem);
            pages = bench_mapping(&mut g, &label, &m, Memory::Fresh, new, || SeriesWalk);
            let recycled = format!("{label}, recycled memory");
            bench_mapping(&mut g, &recycled, &m, Memory::Recycled, new, || SeriesWalk);
            // Where the tables went, from one untimed run.
            let (mut dm, mut mb) = new(None);
            dm.init_mem_mapping(&mut mb, &mut SeriesWalk).unwrap();
            let from_mb: Vec<u64> =
                dm.pgt_pages().iter().filter(|p| p.source == PgtSource::Memblock).map(|p| p.pa).collect();
            let span = match (from_mb.iter().min(), from_mb.iter().max()) {
                (Some(lo), Some(hi)) => format!("{} from memblock in [{lo:#x}, {:#x})", from_mb.len(), hi + 4096),
                _ => "none from memblock".to_string(),
            };
            placement.push((label, recycled, pages, span));
        }
        let rewrite = format!("{} warm rewrite", m.label);
        bench_rewrite(&mut g, &rewrite, pages);
        g.finish();
        rows.push((m.label, placement, rewrite));
    }
    c.final_summary();
    println!("\nmedians of the timed runs; {}", conditions());
    println!(
        "| machine | direction | page-table pages | where memblock's went | fresh memory | ratio to the rewrite | \
         recycled memory | ratio to the rewrite | warm rewrite |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (machine, placement, rewrite) in rows {
        let w = median(&rewrite);
        for (label, recycled, pages, span) in placement {
            let direction = label.rsplit(' ').next().unwrap_or_default();
            let (t, r) = (median(&label), median(&recycled));
            println!(
                "| {machine} | {direction} | {pages} | {span} | {t:.3} ms | {:.2}× | {r:.3} ms | {:.2}× | {w:.3} ms |",
                t / w,
                r / w
            );
        }
    }
}
