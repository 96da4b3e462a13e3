//! Kernel parameters: the tokenizer of `parse_args()` (kernel/params.c) and the
//! `movable_node` early parameter of patch 6 (mm/memory_hotplug.c).

use crate::crashkernel::memblock_bottomup::{BottomUp, SeriesMemblock};
use crate::profile::KernelProfile;

/// One `name[=value]` word of the command line, as `next_arg()` splits it (double quotes
/// group blanks; a leading quote of the value is dropped with its closing one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'a> {
    /// The name, before `=`.
    pub name: &'a [u8],
    /// The value after `=`, if there was one.
    pub value: Option<&'a [u8]>,
}

/// `parameq()`: names are equal when they differ only in `-` against `_`.
pub fn param_eq(a: &[u8], b: &[u8]) -> bool {
    let norm = |c: u8| if c == b'-' { b'_' } else { c };
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| norm(*x) == norm(*y))
}

/// The words of a command line, in order (`next_arg()` over the whole line).
pub fn params(cmdline: &[u8]) -> impl Iterator<Item = Param<'_>> {
    let mut rest = cmdline;
    core::iter::from_fn(move || {
        while let [b' ' | b'\t' | b'\n', tail @ ..] = rest {
            rest = tail;
        }
        if rest.is_empty() {
            return None;
        }
        let mut in_quote = false;
        let mut end = 0;
        while end < rest.len() {
            match rest[end] {
                b'"' => in_quote = !in_quote,
                b' ' | b'\t' | b'\n' if !in_quote => break,
                _ => {}
            }
            end += 1;
        }
        let word = &rest[..end];
        rest = &rest[end..];
        let (name, value) = match word.iter().position(|&c| c == b'=') {
            Some(eq) => (&word[..eq], Some(unquote(&word[eq + 1..]))),
            None => (word, None),
        };
        Some(Param { name: unquote(name), value })
    })
}

fn unquote(s: &[u8]) -> &[u8] {
    let s = s.strip_prefix(b"\"").unwrap_or(s);
    s.strip_suffix(b"\"").unwrap_or(s)
}

/// The value of the last `name` word (`Some(None)`: present without a value).
pub fn last_param<'a>(cmdline: &'a [u8], name: &str) -> Option<Option<&'a [u8]>> {
    params(cmdline).filter(|p| param_eq(p.name, name.as_bytes())).last().map(|p| p.value)
}

/// What the `movable_node` early parameter did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovableNode {
    /// Not on the command line (or not an option in this kernel).
    Absent,
    /// `cmdline_parse_movable_node()`: memblock set bottom-up (and, from 3.14,
    /// `movable_node_enabled`).
    Enabled,
    /// Built without `CONFIG_MOVABLE_NODE`: the kernel only warns
    /// (`movable_node option not supported`).
    NotSupported,
}

impl MovableNode {
    /// The kernel's warning, if it printed one.
    pub fn warning(self) -> Option<&'static str> {
        (self == MovableNode::NotSupported).then_some("movable_node option not supported")
    }
}

/// `early_param("movable_node", cmdline_parse_movable_node)`: when the word appears (any value
/// is ignored, `-` and `_` are the same), a kernel with the series and `CONFIG_MOVABLE_NODE`
/// sets memblock bottom-up; one without the config warns; 3.12 does not know the word.
pub fn cmdline_parse_movable_node(
    mb: &mut SeriesMemblock,
    cmdline: &[u8],
    profile: KernelProfile,
    config_movable_node: bool,
) -> MovableNode {
    if !profile.has_series() || last_param(cmdline, "movable_node").is_none() {
        return MovableNode::Absent;
    }
    if !config_movable_node {
        log::warn!("movable_node option not supported");
        return MovableNode::NotSupported;
    }
    profile.set_movable_node(mb, true);
    debug_assert!(mb.bottom_up() || !mb.placement().movable_node_config());
    MovableNode::Enabled
}
