//! `bootsim predict`: Linux 6.1's early boot predicted from a plain dmesg
//! ([`crate::phases::linux_6_1::boot::boot_6_1`]), then laid beside the log's own
//! `memblock=debug` trace when it has one ([`compare`]); or from a machine's own files and
//! flags, before its first boot
//! ([`crate::phases::linux_6_1::machine_facts`]).

pub mod args;
pub mod cli;
pub mod compare;
pub mod facts;

pub use args::PredictArgs;
pub use cli::run;
