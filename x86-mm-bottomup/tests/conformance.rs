//! `testdata/conformance/x86map/`: every machine, both directions, through the harness of
//! `x86-mm-mapping` with this layer's walk. `.bu.out` is what Linux 3.13.11 did with
//! `movable_node` (memblock bottom-up), including the machine whose BRK runs out and panics;
//! `.td.out` without it, which this layer must reproduce unchanged.

#[path = "../../x86-mm-mapping/tests/common/mod.rs"]
mod common;

use x86_mm_bottomup::SeriesWalk;

#[test]
fn every_bottom_up_machine_matches_the_kernel() {
    let failures = common::x86map_conformance("bu", true, &mut SeriesWalk);
    assert!(failures.is_empty(), "{} of 15 machines differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn with_bottom_up_off_every_machine_matches_the_top_down_kernel() {
    let failures = common::x86map_conformance("td", false, &mut SeriesWalk);
    assert!(failures.is_empty(), "{} of 15 machines differ:\n{}", failures.len(), failures.join("\n"));
}
