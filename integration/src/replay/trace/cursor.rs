//! A cursor over one line's text: literals, numbers in the kernel's formats, ranges, callers.

use super::*;

pub(super) fn clip(s: &str) -> String {
    match s.char_indices().nth(200) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// A cursor over one message.
pub(super) struct Cur<'a> {
    s: &'a str,
}

impl<'a> Cur<'a> {
    pub(super) fn new(s: &'a str) -> Self {
        Cur { s }
    }

    pub(super) fn lit(&mut self, p: &str) -> Option<()> {
        self.s = self.s.strip_prefix(p)?;
        Some(())
    }

    pub(super) fn spaces(&mut self) {
        self.s = self.s.trim_start_matches([' ', '\t']);
    }

    /// `0x` and hex digits.
    pub(super) fn hex(&mut self) -> Option<u64> {
        self.s = self.s.strip_prefix("0x").or_else(|| self.s.strip_prefix("0X"))?;
        self.hex_digits()
    }

    /// Hex digits (no `0x`); `None` on overflow.
    pub(super) fn hex_digits(&mut self) -> Option<u64> {
        let (v, n) = num::hex_prefix(self.s)?;
        self.s = &self.s[n..];
        Some(v)
    }

    pub(super) fn dec(&mut self) -> Option<u64> {
        let (v, n) = num::dec_prefix(self.s)?;
        self.s = &self.s[n..];
        Some(v)
    }

    pub(super) fn int(&mut self) -> Option<i64> {
        let neg = self.s.starts_with('-');
        if neg {
            self.s = &self.s[1..];
        }
        let v = i64::try_from(self.dec()?).ok()?;
        Some(if neg { -v } else { v })
    }

    pub(super) fn nid(&mut self) -> Option<i32> {
        i32::try_from(self.int()?).ok()
    }

    /// `[0x...-0x...]`.
    pub(super) fn range(&mut self) -> Option<(u64, u64)> {
        self.lit("[")?;
        let a = self.hex()?;
        self.lit("-")?;
        let b = self.hex()?;
        self.lit("]")?;
        (a <= b).then_some((a, b))
    }

    /// `[mem 0x...-0x...]`.
    pub(super) fn mem_range(&mut self) -> Option<(u64, u64)> {
        self.lit("[mem ")?;
        let a = self.hex()?;
        self.lit("-")?;
        let b = self.hex()?;
        self.lit("]")?;
        (a <= b).then_some((a, b))
    }

    /// The rest of the line as a caller (`symbol+0xoff/0xsize [module]`).
    pub(super) fn caller(&mut self) -> Option<String> {
        self.spaces();
        let c = self.s.trim_end();
        self.s = "";
        (!c.is_empty()).then(|| c.to_string())
    }

    pub(super) fn rest(&self) -> &'a str {
        self.s
    }
}
