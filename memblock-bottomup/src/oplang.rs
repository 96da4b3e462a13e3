//! The op-script operations of patch 2: `set_bottom_up`, `bottom_up` and `kernel_end`, added
//! to the interpreter of `memblock-topdown`.
//!
//! ```
//! use memblock_bottomup::{BottomUp, SeriesMemblock, memblock_topdown::oplang::{run_script, BaseOps}};
//! use memblock_bottomup::oplang::DirectionOps;
//! let mut mb = SeriesMemblock::series(0);
//! let script = "add 0x1000 0x4000\nset_bottom_up 1\nalloc 0x1000 0x1000\n";
//! let out = run_script(&mut mb, script, &mut [&mut BaseOps::default(), &mut DirectionOps]);
//! assert_eq!(out, "add = 0\nset_bottom_up = ok\nalloc = 0x1000\n");
//! ```

use alloc::format;
use memblock_topdown::oplang::{Args, OpSet, Outcome, ParseError};

use crate::placement::{BottomUp, SeriesMemblock};

extern crate alloc;

/// `set_bottom_up 0|1`, `bottom_up`, `kernel_end X`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DirectionOps;

impl OpSet<crate::BottomUpPlacement> for DirectionOps {
    fn knows(&self, op: &str) -> bool {
        matches!(op, "set_bottom_up" | "bottom_up" | "kernel_end")
    }

    fn exec(&mut self, mb: &mut SeriesMemblock, op: &str, args: Args<'_>) -> Result<Outcome, ParseError> {
        let value = match op {
            "set_bottom_up" => {
                mb.set_bottom_up(args.flag(0)?);
                "ok".into()
            }
            "bottom_up" => format!("{}", i32::from(mb.bottom_up())),
            "kernel_end" => {
                mb.placement_mut().set_kernel_end(args.u64(0)?);
                "ok".into()
            }
            _ => return Err(ParseError),
        };
        Ok(Outcome::Result(format!("{op} = {value}")))
    }
}
