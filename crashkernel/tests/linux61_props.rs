//! Property tests for 6.1's `reserve_crashkernel()`: no command line makes it panic, it takes
//! at most six steps, and what it reports is what memblock holds afterwards.

mod common;

use common::{GIB, MIB, memblock_6_1};
use crashkernel::linux61::{Message, Step};
use crashkernel::{
    CrashParams, Error, Grammar, LowOutcome, Suffix, initmem_init, parse_crashkernel_in, reserve_crashkernel_6_1,
};
use proptest::prelude::*;
use x86_mm_bottomup::memblock_bottomup::BottomUp;

const TOKENS: [&str; 22] = [
    "crashkernel=",
    "crashkernel=",
    "256M",
    "1G",
    "0",
    "16G",
    "64T",
    "0x1000",
    "5G",
    "@",
    "@128M",
    ",high",
    ",low",
    " ",
    "-",
    ":",
    ",",
    "x",
    "\t",
    "7G-",
    "0-",
    "quiet",
];

fn cmdlines() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(TOKENS.to_vec()), 0..14).prop_map(|t| t.concat().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..48),
    ]
}

fn check(line: &[u8], swiotlb_nslabs: u64) -> Result<(), TestCaseError> {
    for suffix in [Suffix::Null, Suffix::High, Suffix::Low] {
        if let Err(e) = parse_crashkernel_in(line, 7 * GIB, suffix, Grammar::Linux61) {
            let _ = e.message(Grammar::Linux61).map(|m| m.to_string());
            prop_assert!(e.errno_in(Grammar::Linux61) < 0);
        }
    }
    // RAM [1 MiB, 3 GiB) and [4 GiB, 8 GiB), the kernel at [16 MiB, 64 MiB).
    let mut mb = memblock_6_1(64 * MIB, false);
    mb.add(MIB, 3 * GIB - MIB).unwrap();
    mb.add(4 * GIB, 4 * GIB).unwrap();
    mb.reserve(16 * MIB, 48 * MIB).unwrap();
    let (_, srat) = initmem_init(&mut mb, |mb| mb.set_bottom_up(false));
    let params = CrashParams { swiotlb_nslabs, ..CrashParams::new(line) };
    let out = reserve_crashkernel_6_1(&mut mb, &params, &srat);
    prop_assert!(out.steps.len() <= 6);
    for step in out.steps.iter() {
        let _ = match step {
            Step::Message(m) => m.to_string(),
            Step::Request(r) => r.to_string(),
            Step::Free { .. } => String::new(),
        };
    }
    let last = out.steps.iter().last();
    match out.result {
        Ok(Some(ck)) => {
            prop_assert_eq!(last, Some(&Step::Message(Message::Reserved(ck))));
            prop_assert!(mb.is_region_reserved(ck.base, ck.size));
            prop_assert_eq!(ck.low.is_some(), ck.base >= 4 * GIB);
            if let Some(LowOutcome::Reserved(low)) = ck.low {
                prop_assert!(low.base + low.size <= 4 * GIB && mb.is_region_reserved(low.base, low.size));
            }
        }
        Err(Error::LowPartFailed { base, size, .. }) => {
            prop_assert_eq!(last, Some(&Step::Free { base, size, caller: "setup_arch".into() }));
        }
        Ok(None) | Err(_) => prop_assert!(out.steps.requests().all(|r| r.found.is_none())),
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_command_line(line in cmdlines(), nslabs in prop_oneof![Just(0u64), any::<u64>()]) {
        check(&line, nslabs)?;
    }
}
