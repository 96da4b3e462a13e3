//! `bootsim replay`: a real Linux 6.1 boot log, booted with `memblock=debug`, replayed through
//! the model (spec §H.6).
//!
//! Every early allocation of a modern kernel is printed with its request and its answer, so any
//! real machine's log is a test the model must pass, and a question: on this machine, what
//! would have landed in hotpluggable memory under another policy?
//!
//! * [`trace`]: the reader of every line format of §H.4 (timestamps, CRLF, unrelated lines and
//!   a cut last line allowed, through the input readers' line reader), typed events with line
//!   numbers;
//! * the 6.1 allocation entry points (`memblock_alloc_range_nid()` and the API above it) are
//!   memblock-bottomup's ([`ModernAlloc`]), a later kernel's API on the memblock layers;
//! * [`replay`](mod@replay): the walk of §H.6: silent operations inferred and shown, each
//!   request answered by the model and compared with the kernel's answer, dumps and other
//!   printed facts checked; the same walk under another policy (what-if, [`whatif`]);
//! * [`place`]: where the kernel image is (`--iomem`, `--kernel-range`);
//! * [`render`], [`batch`], [`cli`]: the text and JSON output, many logs on every core (a
//!   file holding several boots split at each `Linux version` line, [`crate::input::boots`]),
//!   and the command line ([`ReplayArgs`], [`run`]).

pub mod batch;
pub mod cli;
pub mod place;
#[allow(clippy::module_inception)]
pub mod replay;
pub mod trace;
pub mod whatif;

pub use crate::view::replay as render;

pub use cli::{ReplayArgs, run};
/// Linux 6.1's allocation API, which the replay drives: memblock-bottomup's.
pub use movable_node::memblock_bottomup::{Attempt, Found, ModernAlloc};
pub use place::KernelPlace;
pub use replay::{Allocation, Answer, Check, CheckKind, Mode, Outcome, Replay, ReplayError, ReplayOptions, replay};
pub use trace::{Trace, TraceEvent};
pub use whatif::NodeReport;
