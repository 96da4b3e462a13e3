//! The view of a finished boot: one model, built once, drawn four ways.
//!
//! A prediction ([`crate::boot::Boot`]) or a replay ([`crate::replay::Replay`]) hands its
//! final state to [`build`] as [`build::Facts`]; [`build`] makes the [`View`] ([`model`]):
//! regions, owners, nodes, zones, memory blocks, verdicts, crash kernel, page tables, warnings
//! and profile, as plain data. The renderers only read it:
//!
//! * [`report`]: the text report and the `--compare` table;
//! * [`json`]: `--json` and `--compare --json` (the model's own data, serialized);
//! * [`svg`]: the map of the physical address space;
//! * [`html`]: the page around the map;
//! * [`replay`](mod@replay): a replay's own text (its allocations and checks).

pub mod build;
pub mod html;
pub mod json;
pub mod model;
pub mod replay;
pub mod report;
pub mod svg;

pub use build::Facts;
pub use model::{Report, View};
