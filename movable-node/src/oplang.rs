//! The op-script operations of 3.14's memblock (`mark_hotplug`, `clear_hotplug`,
//! `movable_node`, `virt_alloc`, `virt_alloc_panic`, `free_early`, `memory_regions_info`), and
//! [`run_script`], which runs a script in a kernel profile with every operation that kernel
//! has.
//!
//! ```
//! use movable_node::{KernelProfile, oplang::run_script};
//! let script = "add 0x10000000 0x8000\nmark_hotplug 0x10004000 0x1000\nvirt_alloc 0x20 0 0 ANYWHERE any\n";
//! let out = run_script(KernelProfile::V3_14, script).unwrap();
//! // Alignment 0 is 64 in 3.14: the top 64-byte-aligned slot for 0x20 bytes.
//! assert_eq!(out, "add = 0\nmark_hotplug = 0\nvirt_alloc = 0x10007fc0\n");
//! // 3.13 has no such operations.
//! assert!(run_script(KernelProfile::V3_13, script).unwrap().ends_with("ERROR: parse error at line 2\n"));
//! ```

use alloc::format;
use alloc::string::String;

use crate::KernelProfile;
use crate::crashkernel::memblock_bottomup::memblock_topdown::oplang::{
    self, Args, BaseOps, OpSet, Outcome, ParseError,
};
use crate::crashkernel::memblock_bottomup::oplang::DirectionOps;
use crate::crashkernel::memblock_bottomup::{BottomUpPlacement, SeriesMemblock, VirtAllocRequest};

/// The operations 3.14 added to memblock (spec §A.15), for a memblock configured as 3.14.
#[derive(Debug, Clone, Copy, Default)]
pub struct HotplugOps;

const HOTPLUG_OPS: &[&str] = &[
    "mark_hotplug",
    "clear_hotplug",
    "movable_node",
    "virt_alloc",
    "virt_alloc_panic",
    "free_early",
    "memory_regions_info",
];

/// `SIZE ALIGN MIN MAX NID`.
fn virt_request(a: &Args<'_>) -> Result<VirtAllocRequest, ParseError> {
    Ok(VirtAllocRequest { size: a.u64(0)?, align: a.u64(1)?, min_addr: a.u64(2)?, max_addr: a.u64(3)?, nid: a.nid(4)? })
}

impl OpSet<BottomUpPlacement> for HotplugOps {
    fn knows(&self, op: &str) -> bool {
        HOTPLUG_OPS.contains(&op)
    }

    fn exec(&mut self, mb: &mut SeriesMemblock, op: &str, a: Args<'_>) -> Result<Outcome, ParseError> {
        let value = match op {
            "mark_hotplug" => return Ok(Outcome::status(op, mb.mark_hotplug(a.u64(0)?, a.u64(1)?))),
            "clear_hotplug" => return Ok(Outcome::status(op, mb.clear_hotplug(a.u64(0)?, a.u64(1)?))),
            "movable_node" => {
                // `movable_node_enabled` only: the script sets the direction itself.
                mb.config_mut().skip_top_down = KernelProfile::V3_14.memblock_config(a.flag(0)?).skip_top_down;
                "ok".into()
            }
            "virt_alloc" => format!("{:#x}", mb.virt_alloc_try_nid_nopanic(virt_request(&a)?).unwrap_or(0)),
            "virt_alloc_panic" => match mb.virt_alloc_try_nid(virt_request(&a)?) {
                Ok(addr) => format!("{addr:#x}"),
                Err(e) => return Ok(Outcome::Panic(format!("{e}"))),
            },
            "free_early" => {
                mb.free_early(a.u64(0)?, a.u64(1)?);
                "ok".into()
            }
            "memory_regions_info" => match mb.memory_regions_info() {
                Some(i) => format!("{:#x} {:#x}", i.size, i.addr),
                None => "0x0 0x0".into(),
            },
            _ => return Err(ParseError),
        };
        Ok(Outcome::Result(format!("{op} = {value}")))
    }
}

/// Runs `script` (the language of `testdata/conformance/memblock/OPLANG.md`) against a fresh
/// memblock of `profile`, with the operations that kernel has: 3.12's, the direction and
/// `kernel_end` from 3.13, and [`HotplugOps`] from 3.14. Returns what the kernel's driver
/// would print, or `None` for a profile the op language does not describe (6.1).
pub fn run_script(profile: KernelProfile, script: &str) -> Option<String> {
    if profile == KernelProfile::Modern {
        return None;
    }
    let mut mb = profile.memblock(0, false);
    let mut base = BaseOps { dump_flags: profile.has_hotplug_flags() };
    let mut direction = DirectionOps;
    let mut hotplug = HotplugOps;
    let out = match profile {
        KernelProfile::V3_14 => oplang::run_script(&mut mb, script, &mut [&mut base, &mut direction, &mut hotplug]),
        _ => oplang::run_script(&mut mb, script, &mut [&mut base, &mut direction]),
    };
    Some(out)
}
