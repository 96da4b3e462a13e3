//! 6.1's `reserve_crashkernel()` logs its lines through `log` in the kernel's words, at the
//! kernel's levels and in the kernel's order: parser warnings first, the low part before the
//! main message, `pr_err` for a low part that does not fit.

mod common;

use common::{CAPTURE, GIB, MIB, memblock_6_1};
use crashkernel::{CrashParams, initmem_init, reserve_crashkernel_6_1};
use log::Level;
use x86_mm_bottomup::memblock_bottomup::BottomUp;

fn logged(cmdline: &str, low_reserved: bool) -> Vec<(Level, String)> {
    // RAM [1 MiB, 3 GiB) and [4 GiB, 8 GiB); optionally nothing free below 4 GiB.
    let mut mb = memblock_6_1(64 * MIB, false);
    mb.add(MIB, 3 * GIB - MIB).unwrap();
    mb.add(4 * GIB, 4 * GIB).unwrap();
    if low_reserved {
        mb.reserve(MIB, 3 * GIB - MIB).unwrap();
    }
    let (_, srat) = initmem_init(&mut mb, |mb| mb.set_bottom_up(false));
    CAPTURE.0.lock().unwrap().clear();
    let _ = reserve_crashkernel_6_1(&mut mb, &CrashParams::new(cmdline.as_bytes()), &srat);
    std::mem::take(&mut *CAPTURE.0.lock().unwrap())
}

/// Only one test in this binary, so the global logger sees nothing else.
#[test]
fn lines_in_the_kernels_words_levels_and_order() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let s = |l: &str| l.to_string();

    // System RAM: 7167 MiB; 8 GiB - 256 MiB = 7936 MiB; 3 GiB - 256 MiB = 2816 MiB.
    assert_eq!(
        logged("crashkernel=1Gx crashkernel=8G-:1G crashkernel=256M,high", false),
        [
            (Level::Info, s("crashkernel size resulted in zero bytes")),
            (Level::Info, s("Reserving 256MB of low memory at 2816MB for crashkernel (low RAM limit: 4096MB)")),
            (Level::Info, s("Reserving 256MB of memory at 7936MB for crashkernel (System RAM: 7167MB)")),
        ]
    );
    assert_eq!(
        logged("crashkernel=1Gx crashkernel=256M,high", false)[0],
        (Level::Warn, s("crashkernel: unrecognized char: x"))
    );
    assert_eq!(
        logged("crashkernel=256M", true),
        [(Level::Error, s("Cannot reserve 256MB crashkernel low memory, please try smaller size."))]
    );
    assert_eq!(
        logged("crashkernel=16G", false),
        [(Level::Info, s("crashkernel reservation failed - No suitable area found."))]
    );
}
