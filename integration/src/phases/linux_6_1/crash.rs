//! Spec §H.9.2 step 9: 6.1's `reserve_crashkernel()` (`crashkernel::reserve_crashkernel_6_1`)
//! from the `crashkernel=` words of the command line, after NUMA init.

use movable_node::crashkernel::linux61::Step as Linux61Step;
use movable_node::crashkernel::{
    CrashKernel, CrashParams, Error as CrashError, Profile as MemparseProfile, SratParsed, reserve_crashkernel_6_1,
};
use movable_node::memblock_bottomup::SeriesMemblock;

use super::{Issuer, PhaseOp, PhaseRequest};
use crate::params::EarlyParams;
use crate::replay::trace::RequestKind;

/// What `reserve_crashkernel()` did.
#[derive(Debug, Clone)]
pub struct Crash {
    /// Its requests and, after a failed low part, the free of the crash kernel.
    pub ops: Vec<PhaseOp>,
    /// The crash kernel, `None` when not asked for, or why there is none.
    pub result: Result<Option<CrashKernel>, CrashError>,
    /// The lines it printed, in order.
    pub messages: Vec<String>,
}

/// `reserve_crashkernel()` of 6.1 on memblock as NUMA init left it (`parsed` is the proof).
pub fn reserve_crashkernel(mb: &mut SeriesMemblock, command_line: &str, parsed: &SratParsed) -> Crash {
    let params = CrashParams {
        cmdline: command_line.as_bytes(),
        swiotlb_nslabs: EarlyParams::parse(command_line).swiotlb_nslabs,
        profile: MemparseProfile::Modern,
    };
    let out = reserve_crashkernel_6_1(mb, &params, parsed);
    let mut issuer = Issuer::new(mb, "reserve_crashkernel");
    let mut messages = Vec::new();
    for step in out.steps.iter() {
        match *step {
            Linux61Step::Request(r) => issuer.extend([PhaseOp::Request(PhaseRequest {
                kind: RequestKind::PhysAllocRange,
                caller: r.caller,
                size: r.size,
                align: r.align,
                from: r.from,
                max_addr: r.max_addr,
                nid: None,
                answer: r.found,
            })]),
            Linux61Step::Free { base, size, caller } => issuer.extend([PhaseOp::Free { caller, base, size }]),
            Linux61Step::Message(m) => messages.push(m.to_string()),
        }
    }
    Crash { ops: issuer.finish(), result: out.result, messages }
}
