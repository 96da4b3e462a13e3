//! The `crashkernel=` command line of Linux 3.12/3.13: `memparse()` (lib/cmdline.c) and the
//! three parsers of kernel/kexec.c, byte for byte (380 command lines of the kernel's own
//! answers agree, see `tests/conformance.rs`).

pub mod error;
pub mod memparse;
pub mod parse;
