//! Numbers as the kernel's `printk` renders them, where C's `printf` rules differ from Rust's
//! `format!`: the `#` flag adds `0x` only to a non-zero value, and the field width counts the
//! prefix. So `%#016llx` prints 0 as sixteen zeros and 0x100 as `0x00000000000100`.

use core::fmt;

/// `%#0<width>llx` (and `%#lx`, `%#x` with width 0) of one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AltHex {
    /// The number.
    pub value: u64,
    /// The minimum field width, prefix included, padded with zeros.
    pub width: usize,
}

/// `%#0<width>llx` of `value`.
pub const fn alt_hex(value: u64, width: usize) -> AltHex {
    AltHex { value, width }
}

impl fmt::Display for AltHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value == 0 {
            // No prefix for zero: the whole width is digits.
            write!(f, "{:0w$x}", 0, w = self.width.max(1))
        } else {
            write!(f, "{:#0w$x}", self.value, w = self.width)
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate alloc;
    use super::alt_hex;
    use alloc::format;

    #[test]
    fn matches_c_printf() {
        // Values worked out from C's rules for `%#016llx`, `%#02lx`, `%#010llx` and `%#x`.
        assert_eq!(format!("{}", alt_hex(0, 16)), "0000000000000000");
        assert_eq!(format!("{}", alt_hex(0x4000000, 16)), "0x00000004000000");
        assert_eq!(format!("{}", alt_hex(u64::MAX, 16)), "0xffffffffffffffff");
        assert_eq!(format!("{}", alt_hex(0, 2)), "00");
        assert_eq!(format!("{}", alt_hex(1, 2)), "0x1");
        assert_eq!(format!("{}", alt_hex(0, 0)), "0");
        assert_eq!(format!("{}", alt_hex(0x1f, 0)), "0x1f");
        assert_eq!(format!("{}", alt_hex(0x7ffe000, 10)), "0x07ffe000");
    }
}
