//! A memblock that searches as Linux 6.1's does (spec §H.1, §H.2), for the 6.1 tests. The
//! layer above builds the same from `movable_node::KernelProfile::Modern`; this crate sits
//! below it, so its tests set the few rules the crash kernel's searches depend on themselves.

#![allow(dead_code)]

use std::sync::Mutex;

use log::{Level, Log, Metadata, Record};
use x86_mm_bottomup::memblock_bottomup::{
    AlignZero, BottomUp, MAX_NUMNODES, NUMA_NO_NODE, RegionFlags, Semantics, SeriesMemblock,
};

pub const MIB: u64 = 1 << 20;
pub const GIB: u64 = 1 << 30;

/// An empty 6.1 memblock for a kernel image ending at `kernel_end`: NUMA_NO_NODE is "any
/// node", sizes are not rounded, NOMAP memory is never handed out, and with `movable_node`
/// both walks skip hotpluggable memory.
pub fn memblock_6_1(kernel_end: u64, movable_node: bool) -> SeriesMemblock {
    let mut mb = SeriesMemblock::series(kernel_end);
    mb.placement_mut().set_semantics(Semantics::Modern);
    let c = mb.config_mut();
    c.region_bytes = 24;
    c.any_node = NUMA_NO_NODE;
    c.reserve_nid = MAX_NUMNODES;
    c.align_zero = AlignZero::Use(64);
    c.round_size = false;
    let skip = if movable_node { RegionFlags::HOTPLUG | RegionFlags::NOMAP } else { RegionFlags::NOMAP };
    c.skip_top_down = skip;
    c.skip_bottom_up = skip;
    mb
}

/// A `log` backend that keeps every record (level and text) for a test to read.
pub struct Capture(pub Mutex<Vec<(Level, String)>>);

impl Log for Capture {
    fn enabled(&self, _: &Metadata) -> bool {
        true
    }
    fn log(&self, record: &Record) {
        self.0.lock().unwrap().push((record.level(), record.args().to_string()));
    }
    fn flush(&self) {}
}

/// The one logger of a test binary (`log::set_logger(&CAPTURE)`).
pub static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));
