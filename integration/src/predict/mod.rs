//! `bootsim predict`: Linux 6.1's early boot predicted from a plain dmesg
//! ([`crate::phases::linux_6_1::boot::boot_6_1`]), then laid beside the log's own
//! `memblock=debug` trace when it has one ([`compare`]).

pub mod cli;
pub mod compare;
pub mod facts;

pub use cli::{PredictArgs, run};
