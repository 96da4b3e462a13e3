//! The `crashkernel=` command line: `memparse()` (lib/cmdline.c) and the three parsers of
//! kernel/kexec.c (Linux 3.12/3.13), byte for byte (380 command lines of the kernel's own
//! answers agree, see `tests/conformance.rs`), and the differences of 6.1's kernel/crash_core.c
//! ([`grammar::Grammar`]).

pub mod error;
pub mod grammar;
pub mod memparse;
pub mod parse;
