//! The crash kernel: before SRAT in 3.12, after it from the series on (patch 5), in 6.1's
//! form under the 6.1 profile.

use movable_node::KernelProfile;
use movable_node::crashkernel::{
    CrashKernel, CrashParams, Error as CrashError, Grammar, LowOutcome, Profile as MemparseProfile,
    Variant as CrashVariant, reserve_crashkernel, reserve_crashkernel_6_1, reserve_crashkernel_before_srat,
};

use super::{BootState, Flow, KernelLog};
use crate::params::EarlyParams;

type Outcome = Result<Option<CrashKernel>, CrashError>;

fn params<'a>(cmdline: &'a str, early: &EarlyParams, profile: KernelProfile) -> CrashParams<'a> {
    CrashParams {
        cmdline: cmdline.as_bytes(),
        swiotlb_nslabs: early.swiotlb_nslabs,
        profile: if profile == KernelProfile::Modern { MemparseProfile::Modern } else { MemparseProfile::default() },
    }
}

/// `reserve_crashkernel()` where 3.12 calls it: before `initmem_init()`, so a bottom-up
/// memblock could place it in a hotpluggable node.
pub fn before_srat(st: &mut BootState) -> Flow {
    let b = &mut st.boot;
    let r = reserve_crashkernel_before_srat(&mut b.memblock, &params(&b.machine.cmdline, &b.params, b.profile));
    st.step("reserve_crashkernel", format!("3.12 position (before SRAT): {}", note(&r)));
    st.log.memblock(&st.boot.memblock);
    log_outcome(&mut st.log, &r);
    st.boot.crash = Some(r);
    Flow::Continue
}

/// `reserve_crashkernel()` after SRAT (patch 5), in the series' form or 6.1's (spec §H.5.2:
/// low below 4 GiB, then high, the low part; its lines in its order).
pub fn after_srat(st: &mut BootState) -> Flow {
    let Some(parsed) = st.srat_parsed.take() else {
        st.step("reserve_crashkernel", "not reached: SRAT has not been parsed".into());
        return Flow::Continue;
    };
    let b = &mut st.boot;
    let (p, mb) = (params(&b.machine.cmdline, &b.params, b.profile), &mut b.memblock);
    let r = match b.profile.crashkernel_variant() {
        CrashVariant::Series => {
            let r = reserve_crashkernel(mb, &p, &parsed);
            st.log.memblock(mb);
            log_outcome(&mut st.log, &r);
            r
        }
        CrashVariant::Linux61 => {
            let out = reserve_crashkernel_6_1(mb, &p, &parsed);
            st.log.memblock(mb);
            for m in out.steps.messages() {
                st.log.k(m.to_string());
            }
            out.result
        }
    };
    st.srat_parsed = Some(parsed);
    st.step("reserve_crashkernel", format!("after SRAT (patch 5): {}", note(&r)));
    st.boot.crash = Some(r);
    Flow::Continue
}

fn note(r: &Outcome) -> String {
    match r {
        Ok(Some(ck)) => format!("[{:#x}-{:#x}]", ck.base, ck.base + ck.size - 1),
        Ok(None) => "not requested".into(),
        Err(e) => e.to_string(),
    }
}

fn log_outcome(log: &mut KernelLog, r: &Outcome) {
    match r {
        Ok(Some(ck)) => {
            // The plain form's failure, where the kernel printed one (a missing option is silent).
            if let Some(m) = ck.ignored.and_then(|e| e.message(Grammar::Linux312)) {
                log.k(m.to_string());
            }
            log.k(ck.to_string());
            match ck.low {
                Some(LowOutcome::Reserved(low)) => log.k(low.to_string()),
                Some(LowOutcome::Failed { user_specified: true, .. }) => {
                    log.k("crashkernel low reservation failed - No suitable area found.")
                }
                _ => {}
            }
        }
        Ok(None) => {}
        Err(e) => log.k(e.to_string()),
    }
}
