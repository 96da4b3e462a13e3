//! Memory sizes on the kernel command line: `memparse()` and the integer
//! reader under it.
//!
//! Linux reads every size in `crashkernel=` with `memparse()` (lib/cmdline.c),
//! which is `simple_strtoull()` (lib/vsprintf.c, base 0) followed by an
//! optional binary suffix. What decides the edge cases:
//!
//! * base 0 picks the radix from the prefix: `0x`/`0X` means hex **only when
//!   a hex digit follows**, otherwise a leading `0` means octal (so `0x`
//!   alone is the value 0 and stops at the `x`, and octal stops at `8`/`9`);
//!   anything else is decimal;
//! * no blanks and no sign are accepted;
//! * overflow is not an error: the value wraps modulo 2^64, and so do the
//!   suffix shifts;
//! * a suffix letter at the stop position is consumed even when no digit
//!   came before it, so `M` alone is the value 0 with one byte consumed.
//!
//! Linux 3.12 knows the suffixes K, M and G (either case). Later kernels
//! added T, P and E; [`Profile`] chooses which set applies.
//!
//! The command line is raw bytes: these functions take `&[u8]`, treat the end
//! of the slice like the C string's terminating NUL, and report how many
//! bytes they consumed instead of returning an end pointer.

/// Which kernel's `memparse()` suffix set to model.
///
/// This is runtime configuration (the kernel version being modelled), not a
/// Cargo feature. The default is [`Profile::Linux312`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// Models `memparse()` of lib/cmdline.c in Linux 3.12 (and 3.13): the
    /// suffixes K, M and G only.
    #[default]
    Linux312,
    /// Models `memparse()` of lib/cmdline.c in later kernels (as in 6.x),
    /// which also accept T (2^40), P (2^50) and E (2^60).
    Modern,
}

impl Profile {
    /// The left shift that the suffix `letter` applies under this profile,
    /// or `None` if `letter` is not a suffix here. Models the `switch` on
    /// `*endptr` in `memparse()` of lib/cmdline.c.
    pub fn suffix_shift(self, letter: u8) -> Option<u32> {
        match (letter.to_ascii_uppercase(), self) {
            (b'K', _) => Some(10),
            (b'M', _) => Some(20),
            (b'G', _) => Some(30),
            (b'T', Profile::Modern) => Some(40),
            (b'P', Profile::Modern) => Some(50),
            (b'E', Profile::Modern) => Some(60),
            _ => None,
        }
    }
}

/// Byte `i` of `s`, or NUL past its end: the C string's view of a slice.
#[inline]
fn byte_at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// Value of `c` as a digit in bases up to 16, as `_parse_integer()` sees it.
///
/// The kernel lowers case with `c | 0x20`; on bytes that mapping only turns
/// `A`..`F` into `a`..`f`, so this is the ASCII hex-digit test.
#[inline]
fn digit_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'a'..=b'f' => Some(u32::from(c - b'a') + 10),
        b'A'..=b'F' => Some(u32::from(c - b'A') + 10),
        _ => None,
    }
}

/// Chooses the radix and skips a hex prefix.
///
/// Models `_parse_integer_fixup_radix()` of lib/kstrtox.c (3.12). With
/// `base` 0: a leading `0x`/`0X` followed by a hex digit selects 16, any
/// other leading `0` selects 8, anything else 10. With base 16 (given or
/// chosen), a leading `0x`/`0X` is skipped.
///
/// Returns the radix and the number of prefix bytes skipped (0 or 2).
pub fn parse_integer_fixup_radix(s: &[u8], base: u32) -> (u32, usize) {
    let has_x = byte_at(s, 0) == b'0' && (byte_at(s, 1) | 0x20) == b'x';
    let base = match base {
        0 if has_x && byte_at(s, 2).is_ascii_hexdigit() => 16,
        0 if byte_at(s, 0) == b'0' => 8,
        0 => 10,
        given => given,
    };
    let skipped = if base == 16 && has_x { 2 } else { 0 };
    (base, skipped)
}

/// Reads digits of radix `base` from the start of `s`.
///
/// Models `_parse_integer()` of lib/kstrtox.c (3.12): stops at the first
/// byte that is not a digit below `base`; the value wraps modulo 2^64 (the
/// kernel only records the overflow in a flag that `simple_strtoull()`
/// throws away, so the flag is not modelled).
///
/// Returns the value and the number of digits read.
pub fn parse_integer(s: &[u8], base: u32) -> (u64, usize) {
    let mut value: u64 = 0;
    let mut digits = 0;
    for &c in s {
        match digit_value(c) {
            Some(d) if d < base => {
                value = value.wrapping_mul(u64::from(base)).wrapping_add(u64::from(d));
                digits += 1;
            }
            _ => break,
        }
    }
    (value, digits)
}

/// Reads an unsigned integer in radix `base` (0 = from its prefix).
///
/// Models `simple_strtoull()` of lib/vsprintf.c (3.12). No blanks or sign
/// are skipped. If no digit follows a skipped `0x` prefix (possible only
/// with an explicit base 16) the kernel still reports the prefix as
/// consumed, and so does this.
///
/// Returns the value and the number of bytes consumed (prefix included).
pub fn simple_strtoull(s: &[u8], base: u32) -> (u64, usize) {
    let (base, prefix) = parse_integer_fixup_radix(s, base);
    let rest = s.get(prefix..).unwrap_or(&[]);
    let (value, digits) = parse_integer(rest, base);
    (value, prefix + digits)
}

/// Parses a memory size with an optional binary suffix, as Linux 3.12 does.
///
/// Models `memparse()` of lib/cmdline.c (3.12): `simple_strtoull(s, base 0)`
/// then one optional K/M/G (either case) suffix. See [`memparse_with`] for
/// the details and for later kernels' suffixes.
///
/// Returns the value and the number of bytes consumed; 0 bytes consumed is
/// how callers detect "no value" (the kernel compares the end pointer with
/// the start).
pub fn memparse(s: &[u8]) -> (u64, usize) {
    memparse_with(s, Profile::Linux312)
}

/// Parses a memory size with an optional binary suffix under `profile`.
///
/// Models `memparse()` of lib/cmdline.c: the integer is read by
/// [`simple_strtoull`] with base 0; then, if the byte where it stopped is a
/// suffix letter of `profile`, the value is shifted left by 10 per step
/// (bits shifted out are lost) and the letter is consumed — even when no
/// digit was read, so `M` alone yields `(0, 1)`.
///
/// Returns the value and the number of bytes consumed.
pub fn memparse_with(s: &[u8], profile: Profile) -> (u64, usize) {
    let (mut value, mut consumed) = simple_strtoull(s, 0);
    if let Some(shift) = profile.suffix_shift(byte_at(s, consumed)) {
        value = value.wrapping_shl(shift);
        // `wrapping_shl` masks the shift amount; every shift here is below 64,
        // so it is the plain C shift that drops the high bits.
        consumed += 1;
    }
    (value, consumed)
}

#[cfg(test)]
mod tests {
    //! Values worked out by hand from the rules in the module doc.
    use super::*;

    const K: u64 = 1 << 10;
    const M: u64 = 1 << 20;
    const G: u64 = 1 << 30;

    #[test]
    fn plain_decimal_and_suffixes() {
        assert_eq!(memparse(b"128"), (128, 3));
        assert_eq!(memparse(b"128M"), (128 * M, 4));
        assert_eq!(memparse(b"128m@16M"), (128 * M, 4));
        assert_eq!(memparse(b"64K"), (64 * K, 3));
        assert_eq!(memparse(b"64k"), (64 * K, 3));
        assert_eq!(memparse(b"4g"), (4 * G, 2));
        // Only one suffix letter is consumed; "MB" stops at the B.
        assert_eq!(memparse(b"128MB"), (128 * M, 4));
    }

    #[test]
    fn hex_needs_a_hex_digit_after_0x() {
        assert_eq!(memparse(b"0x1000000"), (0x100_0000, 9));
        assert_eq!(memparse(b"0X8000000"), (0x800_0000, 9));
        assert_eq!(memparse(b"0x1A2b3C"), (0x1a_2b3c, 8));
        // "0x" alone: octal "0", stops at the x.
        assert_eq!(memparse(b"0x"), (0, 1));
        // 'g' is no hex digit: octal "0", stops at the x (which is no suffix).
        assert_eq!(memparse(b"0xg"), (0, 1));
        assert_eq!(memparse(b"0xG"), (0, 1));
        // Hex then a suffix: 1 GiB.
        assert_eq!(memparse(b"0x1g"), (G, 4));
        // 'k' after hex digits is a suffix, not a digit.
        assert_eq!(memparse(b"0xABCDEFk"), (0xab_cdef * K, 9));
    }

    #[test]
    fn leading_zero_is_octal_and_stops_at_8_and_9() {
        assert_eq!(memparse(b"010"), (8, 3));
        assert_eq!(memparse(b"0777K"), (511 * K, 5));
        assert_eq!(memparse(b"08"), (0, 1));
        // "09M": octal "0" stops at 9, and 9 is no suffix.
        assert_eq!(memparse(b"09M"), (0, 1));
        assert_eq!(memparse(b"0"), (0, 1));
    }

    #[test]
    fn suffix_without_digits_is_consumed() {
        assert_eq!(memparse(b"M"), (0, 1));
        assert_eq!(memparse(b"k@"), (0, 1));
        assert_eq!(memparse(b"G"), (0, 1));
    }

    #[test]
    fn no_sign_no_blank_no_value() {
        assert_eq!(memparse(b""), (0, 0));
        assert_eq!(memparse(b" 128M"), (0, 0));
        assert_eq!(memparse(b"-128M"), (0, 0));
        assert_eq!(memparse(b"+128M"), (0, 0));
        assert_eq!(memparse(b"x"), (0, 0));
        assert_eq!(memparse(b"\x7f"), (0, 0));
        assert_eq!(memparse("é".as_bytes()), (0, 0));
    }

    #[test]
    fn overflow_wraps_silently() {
        // 2^64 - 1 fits; 2^64 wraps to 0.
        assert_eq!(memparse(b"18446744073709551615"), (u64::MAX, 20));
        assert_eq!(memparse(b"18446744073709551616"), (0, 20));
        assert_eq!(memparse(b"0x10000000000000000"), (0, 19));
        // 2^24 G = 2^54 fits; 2^34 G = 2^64 wraps to 0.
        assert_eq!(memparse(b"16777216G"), (1 << 54, 9));
        assert_eq!(memparse(b"17179869184G"), (0, 12));
        // 2^33 G = 2^63.
        assert_eq!(memparse(b"8589934592G"), (1 << 63, 11));
        // 0x400000000000000 = 2^58; times 2^10 = 2^68 wraps to 0.
        assert_eq!(memparse(b"0x400000000000000K"), (0, 18));
        // Without a leading 0 these digits are decimal and wrap modulo 2^64.
        assert_eq!(memparse(b"1777777777777777777777"), (6_890_346_701_660_822_641, 22));
        assert_eq!(memparse(b"2000000000000000000000"), (7_751_640_039_368_425_472, 22));
        assert_eq!(memparse(b"99999999999999999999999"), (200_376_420_520_689_663, 23));
        // 0x1ffffffffffffffffff keeps its low 64 bits.
        assert_eq!(memparse(b"0x1ffffffffffffffffff"), (u64::MAX, 21));
    }

    #[test]
    fn octal_only_with_leading_zero() {
        // 01777777777777777777777 is 2^64 - 1 in octal; 02000000000000000000000 is 2^64.
        assert_eq!(memparse(b"01777777777777777777777"), (u64::MAX, 23));
        assert_eq!(memparse(b"02000000000000000000000"), (0, 23));
    }

    #[test]
    fn modern_profile_adds_t_p_e() {
        assert_eq!(memparse(b"64T"), (64, 2));
        assert_eq!(memparse_with(b"64T", Profile::Modern), (64 << 40, 3));
        assert_eq!(memparse_with(b"2p", Profile::Modern), (2 << 50, 2));
        assert_eq!(memparse_with(b"1E", Profile::Modern), (1 << 60, 2));
        // 16E = 2^64 wraps to 0.
        assert_eq!(memparse_with(b"16E", Profile::Modern), (0, 3));
        // In hex, 'e' is a digit first: 0x1e = 30, no suffix.
        assert_eq!(memparse_with(b"0x1e", Profile::Modern), (30, 4));
        // K/M/G are the same in both profiles.
        assert_eq!(memparse_with(b"128M", Profile::Modern), memparse(b"128M"));
        assert_eq!(memparse_with(b"T", Profile::Modern), (0, 1));
        assert_eq!(memparse(b"T"), (0, 0));
    }

    #[test]
    fn explicit_base_16_skips_prefix_even_without_digits() {
        assert_eq!(simple_strtoull(b"0x", 16), (0, 2));
        assert_eq!(simple_strtoull(b"0xff", 16), (255, 4));
        assert_eq!(simple_strtoull(b"ff", 16), (255, 2));
        assert_eq!(simple_strtoull(b"0x10", 10), (0, 1));
    }
}
