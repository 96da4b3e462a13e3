//! The callers the log names: the function of `symbol+0xoff/0xsize`, and its owner label.

use super::*;

/// A reservation's owner for the layers' labelled events: the caller's function, which the
/// label owns (nothing leaked); a name longer than any kernel symbol is "(other caller)".
pub(super) fn label(caller: &str) -> Label {
    Label::symbol(function_of(caller)).unwrap_or(Label::new("(other caller)"))
}

/// `symbol` of `symbol+0xoff/0xsize [module]`.
pub(super) fn function_of(caller: &str) -> &str {
    caller.split(['+', ' ']).next().unwrap_or(caller)
}

pub(super) fn show_nid(nid: Nid) -> Option<i32> {
    (nid != NUMA_NO_NODE && nid != MAX_NUMNODES).then_some(nid)
}
