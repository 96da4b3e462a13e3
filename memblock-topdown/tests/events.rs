//! The event log: the `memblock=debug` lines of 3.12 (`memblock_reserve: [%#016llx-%#016llx]
//! %pF`, end = base + size, spec §A.3, §A.7) with the caller rendered as a label, and what is
//! kept with and without tracing.

use memblock_topdown::{Event, LayerWarning, MAX_NUMNODES_DEPRECATED, Memblock, UNKNOWN_CALLER, Warning};

#[test]
fn without_trace_or_debug_only_warnings_and_errors_are_kept() {
    let mut mb = Memblock::new();
    mb.add(0x1000, 0x4000).unwrap();
    mb.reserve(0x1000, 0x1000).unwrap();
    mb.free(0x1000, 0x1000).unwrap();
    assert!(mb.log().events().is_empty());
    mb.alloc(0x10, 0).unwrap();
    assert_eq!(mb.log().events(), [Event::Warn(Warning::AlignZero)]);
}

#[test]
fn reserve_and_free_lines_carry_the_label() {
    let mut mb = Memblock::new();
    mb.log_mut().set_trace(true);
    mb.reserve(0x1000, 0x1000).unwrap();
    mb.reserve_as(0x10_0000, 0x2000, "early_alloc_pgt_buf").unwrap();
    mb.with_caller("setup_arch", |mb| mb.reserve(0x20_0000, 0x1000)).unwrap();
    mb.free_as(0x10_0000, 0x1000, "free_init_pages").unwrap();
    mb.with_caller("setup_arch", |mb| mb.free(0x20_0000, 0x1000)).unwrap();
    let lines: Vec<String> = mb.log().events().iter().map(|e| e.to_string()).collect();
    assert_eq!(
        lines,
        [
            "memblock_reserve: [0x00000000001000-0x00000000002000] (unknown caller)",
            "memblock_reserve: [0x00000000100000-0x00000000102000] early_alloc_pgt_buf",
            "memblock_reserve: [0x00000000200000-0x00000000201000] setup_arch",
            "   memblock_free: [0x00000000100000-0x00000000101000] free_init_pages",
            "   memblock_free: [0x00000000200000-0x00000000201000] setup_arch",
        ]
    );
    assert!(mb.log().events().iter().all(Event::is_debug));
}

#[test]
fn with_caller_restores_the_previous_label() {
    let mut mb = Memblock::new();
    mb.log_mut().set_trace(true);
    assert_eq!(mb.set_caller(Some("outer".into())), None);
    mb.with_caller("inner", |mb| mb.reserve(0x1000, 0x1000)).unwrap();
    mb.reserve(0x3000, 0x1000).unwrap();
    assert_eq!(mb.set_caller(None), Some("outer".into()));
    mb.reserve(0x5000, 0x1000).unwrap();
    let callers: Vec<&str> = mb
        .log()
        .events()
        .iter()
        .map(|e| match e {
            Event::Reserve { caller, .. } => caller.as_str(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(callers, ["inner", "outer", UNKNOWN_CALLER.as_str()]);
}

#[test]
fn the_line_shows_the_size_asked_for_not_the_capped_one() {
    let mut mb = Memblock::new();
    mb.log_mut().set_trace(true);
    // base + size wraps in the kernel's unsigned arithmetic: 0xffff_ffff_ffff_f000 + 0x2000.
    mb.reserve(u64::MAX - 0xfff, 0x2000).unwrap();
    assert_eq!(
        mb.log().events()[0].to_string(),
        "memblock_reserve: [0xfffffffffffff000-0x00000000001000] (unknown caller)"
    );
    // Zero-size reservations are logged too, though they change nothing.
    mb.reserve(0x5000, 0).unwrap();
    assert_eq!(mb.log().events()[1], Event::Reserve { base: 0x5000, size: 0, caller: UNKNOWN_CALLER });
    assert_eq!(mb.reserved().cnt(), 1);
}

#[test]
fn debug_keeps_the_lines_and_take_empties_the_record() {
    let mut mb = Memblock::new();
    mb.log_mut().set_debug(true);
    assert!(mb.log().debug());
    mb.reserve(0x1000, 0x1000).unwrap();
    assert_eq!(mb.log().events().len(), 1);
    let taken = mb.log_mut().take();
    assert_eq!(taken, [Event::Reserve { base: 0x1000, size: 0x1000, caller: UNKNOWN_CALLER }]);
    assert!(mb.log().events().is_empty());
    // Warnings are counted whether or not they were taken.
    mb.warn(Warning::Layer(LayerWarning::new("a later layer's warning")));
    mb.log_mut().take();
    assert_eq!(mb.log().warnings(), 1);
}

#[test]
fn warning_texts_are_the_kernels() {
    assert_eq!(MAX_NUMNODES_DEPRECATED.to_string(), "Usage of MAX_NUMNODES is deprecated. Use NUMA_NO_NODE instead");
    assert_eq!(Event::Warn(Warning::AlignZero).to_string(), "WARN_ON(!align)");
    assert!(!Event::Warn(Warning::AlignZero).is_debug());
}
