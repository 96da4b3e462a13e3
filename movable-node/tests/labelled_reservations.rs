//! `labelled_reservations()` against a byte-by-byte model: random reserves (by three owners)
//! and frees over a small window, and every reserved byte must come out under the first
//! owner that reserved it since it was last freed, or `UNKNOWN_CALLER` where memblock holds
//! it reserved but no event says who (none here: every reserve is labelled).

use movable_node::memblock_bottomup::{BottomUp, Label, SeriesMemblock, UNKNOWN_CALLER};
use movable_node::verdict::labelled_reservations;
use proptest::prelude::*;

const WINDOW: u64 = 512;
const OWNERS: [&str; 3] = ["alpha", "beta", "gamma"];

#[derive(Debug, Clone)]
enum Op {
    Reserve(u64, u64, usize),
    Free(u64, u64),
}

fn op() -> impl Strategy<Value = Op> {
    let range = (0..WINDOW).prop_flat_map(|base| (Just(base), 1..=(WINDOW - base).min(96)));
    prop_oneof![
        3 => (range.clone(), 0..OWNERS.len()).prop_map(|((b, s), o)| Op::Reserve(b, s, o)),
        1 => range.prop_map(|(b, s)| Op::Free(b, s)),
    ]
}

/// Runs of the same owner, adjacent ones merged (the function may split one owner's range
/// where its reservations met; the bytes are what is checked).
fn runs(pieces: impl IntoIterator<Item = (u64, u64, &'static str)>) -> Vec<(u64, u64, &'static str)> {
    let mut out: Vec<(u64, u64, &'static str)> = Vec::new();
    for (s, e, l) in pieces {
        match out.last_mut() {
            Some(last) if last.1 == s && last.2 == l => last.1 = e,
            _ => out.push((s, e, l)),
        }
    }
    out
}

fn name(label: Label) -> &'static str {
    if label == UNKNOWN_CALLER {
        return "unknown";
    }
    OWNERS.iter().copied().find(|o| label.as_str() == *o).unwrap_or("other")
}

proptest! {
    #[test]
    fn every_byte_has_its_first_owner(ops in prop::collection::vec(op(), 1..60)) {
        let mut mb = SeriesMemblock::series(0);
        mb.log_mut().set_trace(true);
        // One byte per address: who owns it now.
        let mut owner: Vec<Option<&'static str>> = vec![None; WINDOW as usize];
        for op in &ops {
            match *op {
                Op::Reserve(b, s, o) => {
                    mb.reserve_as(b, s, OWNERS[o]).unwrap();
                    for a in b..b + s {
                        owner[a as usize].get_or_insert(OWNERS[o]);
                    }
                }
                Op::Free(b, s) => {
                    mb.free(b, s).unwrap();
                    for a in b..b + s {
                        owner[a as usize] = None;
                    }
                }
            }
        }
        let got = labelled_reservations(mb.state(), mb.log().events());
        let got = runs(got.iter().map(|l| (l.start, l.end, name(l.label))));
        let want = runs((0..WINDOW).filter_map(|a| owner[a as usize].map(|o| (a, a + 1, o))));
        prop_assert_eq!(got, want);
    }
}
