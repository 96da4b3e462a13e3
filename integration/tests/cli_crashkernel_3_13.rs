//! The crash kernel's lines in `--log` under the series (3.13): `reserve_crashkernel()` tries
//! the plain `crashkernel=` form first and `,high` after it. A missing plain form is silent
//! (`parse_crashkernel()` returns -EINVAL without a word); a garbled one prints its warning
//! (`pr_warn("crashkernel: unrecognized char\n")` in kernel/kexec.c) before `,high` is used.

mod cli_common;

use cli_common::*;

fn crash_lines(cmdline: &str) -> Vec<String> {
    let o = bootsim(&["--log", "--profile", "3.13", "--cmdline", cmdline]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .filter(|l| l.starts_with("crashkernel") || l.contains("for crashkernel"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_missing_plain_form_prints_nothing_before_high_is_used() {
    let lines = crash_lines("ro movable_node crashkernel=256M,high");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("Reserving 256MB of memory at "), "{lines:?}");
    assert!(lines[1].starts_with("Reserving 72MB of low memory at "), "{lines:?}");
}

#[test]
fn a_garbled_plain_form_prints_its_warning_then_high_is_used() {
    let lines = crash_lines("ro movable_node crashkernel=256Mx crashkernel=256M,high");
    assert_eq!(lines[0], "crashkernel: unrecognized char", "{lines:?}");
    assert!(lines[1].starts_with("Reserving 256MB of memory at "), "{lines:?}");
}
