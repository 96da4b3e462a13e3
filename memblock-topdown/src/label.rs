//! Who asked: the caller a reservation, free or allocation is attributed to, printed where the
//! kernel prints `%pF` (the caller's symbol) in its `memblock=debug` lines.
//!
//! A label is either a name known when the program is built (`Label::new("setup_arch")`) or
//! a symbol read at run time, from a boot log for example ([`Label::symbol`]), which the label
//! owns: no allocation and no leak, so it works in a `no_std` kernel, and it stays `Copy`
//! like the `&'static str` it replaces.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::Deref;

/// `KSYM_NAME_LEN` of the series' kernels: a symbol the kernel can print has at most
/// `KSYM_NAME_LEN - 1` bytes.
pub const KSYM_NAME_LEN: usize = 128;

/// A label naming who reserved or allocated a range (see the module's documentation).
/// Labels compare, order and hash by their text.
#[derive(Clone, Copy)]
pub struct Label(Repr);

#[derive(Clone, Copy)]
enum Repr {
    Static(&'static str),
    Symbol { len: u8, bytes: [u8; KSYM_NAME_LEN - 1] },
}

impl Label {
    /// A label whose text is known at build time.
    pub const fn new(text: &'static str) -> Self {
        Label(Repr::Static(text))
    }

    /// A label that owns a copy of `name`, a symbol read at run time; `None` when `name` is
    /// longer than a kernel symbol can be (`KSYM_NAME_LEN - 1` bytes).
    pub fn symbol(name: &str) -> Option<Self> {
        let len = name.len();
        let mut bytes = [0; KSYM_NAME_LEN - 1];
        bytes.get_mut(..len)?.copy_from_slice(name.as_bytes());
        Some(Label(Repr::Symbol { len: u8::try_from(len).ok()?, bytes }))
    }

    /// The label's text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(text) => text,
            // Built from a `&str` cut at its own length: always valid UTF-8.
            Repr::Symbol { len, bytes } => core::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default(),
        }
    }
}

impl From<&'static str> for Label {
    fn from(text: &'static str) -> Self {
        Label::new(text)
    }
}

impl Deref for Label {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Label {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Label {}

impl PartialEq<str> for Label {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Label {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialOrd for Label {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Label {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Label {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Label {
    /// The text, with the formatter's width, fill and precision honoured as for a `str`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A label serialises as its text.
#[cfg(feature = "serde")]
impl serde::Serialize for Label {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::format;

    #[test]
    fn static_and_symbol_labels_are_equal_by_text() {
        let s = Label::new("setup_arch");
        let d = Label::symbol("setup_arch").unwrap();
        assert_eq!(s, d);
        assert_eq!(d, "setup_arch");
        assert_eq!(d.as_str(), "setup_arch");
        assert_eq!(format!("{d}|{d:?}"), "setup_arch|\"setup_arch\"");
        assert_eq!(format!("[{s:>12}|{d:<12}|{s:.5}]"), "[  setup_arch|setup_arch  |setup]");
    }

    #[test]
    fn a_symbol_longer_than_the_kernel_can_print_is_refused() {
        let longest = "x".repeat(KSYM_NAME_LEN - 1);
        assert_eq!(Label::symbol(&longest).unwrap().len(), KSYM_NAME_LEN - 1);
        assert!(Label::symbol(&"x".repeat(KSYM_NAME_LEN)).is_none());
        assert_eq!(Label::symbol("").unwrap(), "");
    }
}
