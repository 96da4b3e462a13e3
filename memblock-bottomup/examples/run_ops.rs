//! Runs an op script (testdata/conformance/memblock/OPLANG.md) against the series' memblock and
//! prints what the kernel's driver would print: `cargo run -p memblock-bottomup --example
//! run_ops -- SCRIPT [KERNEL_END]`.

use memblock_bottomup::oplang::DirectionOps;
use memblock_bottomup::{BottomUp, SeriesMemblock};
use memblock_topdown::oplang::{BaseOps, run_script};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: run_ops SCRIPT [KERNEL_END]");
        std::process::exit(2);
    };
    let script = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("run_ops: cannot read {path}: {e}");
            std::process::exit(1);
        }
    };
    let kernel_end = args.next().and_then(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).ok()).unwrap_or(0);
    let mut mb = SeriesMemblock::series(kernel_end);
    print!("{}", run_script(&mut mb, &script, &mut [&mut BaseOps::default(), &mut DirectionOps]));
}
