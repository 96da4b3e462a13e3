//! `bootsim replay`: one long log (pc-2n with its late request section repeated ten times:
//! 521 requests, every one answered as the model answers, so the replay matches throughout),
//! and a fleet of 10,000 logs (the six real ones, cycled) replayed on every core, beside the
//! same fleet on one core and the fleet only parsed.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use integration::replay::batch::{par_map, replay_entry, workers};
use integration::replay::place::kernel_place_from_iomem;
use integration::replay::{ReplayOptions, Trace, replay};

#[path = "../../memblock-topdown/benches/conditions/mod.rs"]
mod conditions;
use conditions::conditions;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/fixtures/linux-6.1-qemu");
const NAMES: [&str; 6] = ["pc-2n", "pc-4n-uneven", "pc2g-2n", "pc2g-2n-16g", "pc2g-4n", "q35-2n"];
const FLEET: usize = 10_000;

fn read(name: &str, file: &str) -> String {
    std::fs::read_to_string(Path::new(FIXTURES).join(name).join(file)).unwrap()
}

fn options(name: &str) -> ReplayOptions {
    ReplayOptions { kernel: kernel_place_from_iomem(&read(name, "iomem.txt"), "iomem.txt").ok(), ..Default::default() }
}

/// pc-2n with the section from the HPET request to the last swiotlb answer repeated `copies`
/// more times (frees left out), its answers then rewritten to the model's own, so that the
/// long log is one the kernel could have printed under the same rules.
fn long_log(copies: usize) -> String {
    let log = read("pc-2n", "dmesg.txt");
    let lines: Vec<&str> = log.lines().collect();
    let first = lines.iter().position(|l| l.contains("acpi_parse_hpet")).unwrap();
    let last = lines.iter().rposition(|l| l.contains("memblock_alloc_range_nid")).unwrap();
    let block: Vec<&str> = lines[first..=last]
        .iter()
        .copied()
        .filter(|l| l.contains("memblock_alloc_") || l.contains("memblock_reserve"))
        .collect();
    let mut out: Vec<String> = lines[..=last].iter().map(|l| l.to_string()).collect();
    for _ in 0..copies {
        out.extend(block.iter().map(|l| l.to_string()));
    }
    out.extend(lines[last + 1..].iter().map(|l| l.to_string()));
    // The model's answers become the kernel's.
    let text = out.join("\n") + "\n";
    let what_if = ReplayOptions { policy: Some(integration::movable_node::KernelProfile::Modern), ..options("pc-2n") };
    let r = replay("long", &text, &what_if).unwrap();
    for a in &r.allocations {
        if let (Some(line), Some(m)) = (a.answer_line, a.model)
            && a.function != "memblock_phys_alloc_try_nid"
        {
            out[line - 1] =
                format!("memblock_reserve: [{m:#018x}-{:#018x}] memblock_alloc_range_nid+0xb0/0x13d", m + a.size - 1);
        }
    }
    out.join("\n") + "\n"
}

fn fleet() -> Vec<(String, String, ReplayOptions)> {
    let logs: Vec<(String, ReplayOptions)> = NAMES.iter().map(|n| (read(n, "dmesg.txt"), options(n))).collect();
    (0..FLEET).map(|i| (format!("log-{i:05}"), logs[i % 6].0.clone(), logs[i % 6].1.clone())).collect()
}

fn bench(c: &mut Criterion) {
    let long = long_log(10);
    let opts = options("pc-2n");
    let r = replay("long", &long, &opts).unwrap();
    assert!(r.all_identical(), "{}", integration::replay::render::summary_line(&r));
    let requests = r.allocations.len();
    assert!((500..=560).contains(&requests), "{requests} requests");

    let mut g = c.benchmark_group("replay");
    g.throughput(Throughput::Elements(requests as u64));
    g.bench_function(format!("one log ({requests} requests)"), |b| {
        b.iter(|| replay("long", black_box(&long), &opts).unwrap())
    });
    g.bench_function("one log, parse only", |b| b.iter(|| Trace::parse(black_box(&long))));
    g.finish();

    let fleet = fleet();
    let cores = workers(None);
    let mut g = c.benchmark_group("batch");
    g.sample_size(10);
    g.throughput(Throughput::Elements(FLEET as u64));
    g.bench_function(format!("10000 logs, {cores} workers"), |b| {
        b.iter(|| par_map(&fleet, cores, |(n, t, o)| replay_entry(n, t, o)))
    });
    g.bench_function("10000 logs, 1 worker", |b| b.iter(|| par_map(&fleet, 1, |(n, t, o)| replay_entry(n, t, o))));
    g.bench_function("10000 logs, parse only, 1 worker", |b| {
        b.iter(|| fleet.iter().map(|(_, t, _)| Trace::parse(t).events.len()).sum::<usize>())
    });
    g.finish();

    // The figures for the README, measured once more outside criterion.
    let t = Instant::now();
    let n = 50;
    for _ in 0..n {
        black_box(replay("long", &long, &opts).unwrap());
    }
    let per_log = t.elapsed() / n;
    let t = Instant::now();
    let out = par_map(&fleet, cores, |(n, t, o)| replay_entry(n, t, o));
    let batch = t.elapsed();
    assert!(out.iter().all(|e| e.as_ref().is_ok_and(|e| e.result.as_ref().is_ok_and(|o| o.all_identical))));
    let t = Instant::now();
    let events: usize = fleet.iter().map(|(_, t, _)| Trace::parse(t).events.len()).sum();
    let parse = t.elapsed();
    println!(
        "\nreplay: one log of {requests} requests in {:.3} ms; {FLEET} logs in {:.2} s on {cores} workers \
         ({:.0} µs a log); parsing alone {:.2} s on one ({events} events); {}",
        per_log.as_secs_f64() * 1e3,
        batch.as_secs_f64(),
        batch.as_secs_f64() * 1e6 / FLEET as f64 * cores as f64,
        parse.as_secs_f64(),
        conditions()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
