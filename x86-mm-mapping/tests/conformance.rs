//! `testdata/conformance/x86map/`: 15 machines with what Linux 3.13.11's own
//! `init_mem_mapping()` did on each. Every `.td.out` (memblock top-down, the top-down walk)
//! must match the harness's output byte for byte. A difference is a bug in the model.

mod common;

use x86_mm_mapping::TopDownWalk;

#[test]
fn every_top_down_machine_matches_the_kernel() {
    let failures = common::x86map_conformance("td", false, &mut TopDownWalk);
    assert!(failures.is_empty(), "{} of 15 machines differ:\n{}", failures.len(), failures.join("\n"));
}
