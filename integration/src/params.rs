//! `parse_early_param()`: the early parameters the boot path acts on.

use movable_node::crashkernel::memparse;
use movable_node::param::{param_eq, params};
use movable_node::parse_swiotlb;

/// The early parameters of a command line, as the kernel's handlers read them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EarlyParams {
    /// `movable_node` (any value; `-` and `_` are the same).
    pub movable_node: bool,
    /// `memblock=debug`.
    pub memblock_debug: bool,
    /// `mem=`: RAM above this address is dropped from the e820 map.
    pub mem: Option<u64>,
    /// `gbpages` (true) or `nogbpages` (false), the last one wins.
    pub gbpages: Option<bool>,
    /// `numa=off`.
    pub numa_off: bool,
    /// `log_buf_len=`, rounded up to a power of two.
    pub log_buf_len: Option<u64>,
    /// `cma=`: the size of the contiguous area.
    pub cma: Option<u64>,
    /// `swiotlb=`: slabs, rounded to 128.
    pub swiotlb_nslabs: u64,
    /// `kernelcore=` in bytes.
    pub kernelcore: u64,
    /// `movablecore=` in bytes.
    pub movablecore: u64,
    /// Whether `crashkernel=` appears (the crash-kernel layer parses it).
    pub crashkernel: bool,
}

impl EarlyParams {
    /// Reads the early parameters of `cmdline`.
    pub fn parse(cmdline: &str) -> EarlyParams {
        let mut p = EarlyParams::default();
        for param in params(cmdline.as_bytes()) {
            let value = param.value.unwrap_or_default();
            let is = |name: &str| param_eq(param.name, name.as_bytes());
            let size = || memparse(value).0;
            if is("movable_node") {
                p.movable_node = true;
            } else if is("memblock") {
                p.memblock_debug = value.windows(5).any(|w| w == b"debug");
            } else if is("mem") {
                // parse_memopt(): "nopentium" is a 32-bit option; a zero size is rejected.
                let v = size();
                if value != b"nopentium" && v != 0 {
                    p.mem = Some(v);
                }
            } else if is("gbpages") {
                p.gbpages = Some(true);
            } else if is("nogbpages") {
                p.gbpages = Some(false);
            } else if is("numa") {
                p.numa_off = value.starts_with(b"off");
            } else if is("log_buf_len") {
                let v = size();
                p.log_buf_len = (v != 0).then(|| v.checked_next_power_of_two().unwrap_or(1 << 63));
            } else if is("cma") {
                p.cma = Some(size());
            } else if is("swiotlb") {
                p.swiotlb_nslabs = parse_swiotlb(value);
            } else if is("kernelcore") {
                p.kernelcore = size();
            } else if is("movablecore") {
                p.movablecore = size();
            } else if is("crashkernel") {
                p.crashkernel = true;
            }
        }
        p
    }
}
