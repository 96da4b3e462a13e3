//! Numbers as the inputs write them: the kernel's hex (`0x0000000000100000`, or bare hex in
//! older logs and `/proc/iomem`), its decimals, and the forms a person writes (the machine file's
//! integers, `"0x..."` strings and sizes such as `"16G"`; `--kernel-range`, `--initrd`). The one
//! number parser of `integration`: the input readers, the replay's log reader and the command
//! line all read numbers here.

/// The hex digits `s` starts with (no `0x`): their value and how many bytes they take. `None` if
/// `s` does not start with a hex digit, or the digits pass 64 bits. One pass over the bytes: the
/// replay's log reader spends most of its time here.
#[inline]
pub(crate) fn hex_prefix(s: &str) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    let mut n = 0;
    for &c in s.as_bytes() {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => break,
        };
        if v >> 60 != 0 {
            return None;
        }
        v = v << 4 | u64::from(d);
        n += 1;
    }
    (n > 0).then_some((v, n))
}

/// The decimal digits `s` starts with: their value and how many bytes they take. `None` if `s`
/// does not start with a digit, or the digits pass 64 bits.
#[inline]
pub(crate) fn dec_prefix(s: &str) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    let mut n = 0;
    for &c in s.as_bytes() {
        if !c.is_ascii_digit() {
            break;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
        n += 1;
    }
    (n > 0).then_some((v, n))
}

/// Hex digits with or without `0x`, nothing else (no sign, no spaces). `None` if empty, not
/// hex, or past 64 bits.
pub(crate) fn hex(s: &str) -> Option<u64> {
    let d = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    whole(d, hex_prefix(d)?)
}

/// Decimal digits only.
pub(crate) fn dec(s: &str) -> Option<u64> {
    whole(s, dec_prefix(s)?)
}

/// The value of a prefix that took all of `s`.
fn whole(s: &str, (v, n): (u64, usize)) -> Option<u64> {
    (n == s.len()).then_some(v)
}

/// A number a person wrote (a machine file's string, a command-line address): `0x` hex, decimal, or a decimal size with
/// a binary suffix (`K`, `M`, `G`, `T`, `P`, optionally followed by `iB` or `B`, any case), `_` allowed
/// between digits. The error says what is wrong.
pub(crate) fn flexible(s: &str) -> Result<u64, String> {
    let t: String = s.trim().chars().filter(|&c| c != '_').collect();
    if t.is_empty() {
        return Err("an empty string is not a number".into());
    }
    if t.starts_with("0x") || t.starts_with("0X") {
        return hex(&t).ok_or_else(|| format!("{s:?} is not a 64-bit hex number"));
    }
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, suffix) = t.split_at(digits_end);
    let value = dec(digits).ok_or_else(|| format!("{s:?} is not a number (write 4096, \"0x1000\" or \"4K\")"))?;
    let upper = suffix.to_ascii_uppercase();
    let unit = upper.strip_suffix("IB").or_else(|| upper.strip_suffix('B')).unwrap_or(&upper);
    let shift = match unit {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        "P" => 50,
        _ => {
            return Err(format!(
                "{s:?}: unknown size suffix {suffix:?} (use K, M, G, T or P, optionally with iB or B)"
            ));
        }
    };
    value.checked_mul(1u64 << shift).ok_or_else(|| format!("{s:?} does not fit in 64 bits"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms() {
        assert_eq!(hex("0x0000000000100000"), Some(0x100000));
        assert_eq!(hex("000f0000"), Some(0xf0000));
        assert_eq!(hex("0x"), None);
        assert_eq!(hex("+10"), None);
        assert_eq!(hex("0x1_0"), None);
        assert_eq!(hex("0x10000000000000000"), None);
        assert_eq!(hex("000000000000000000001"), Some(1));
    }

    #[test]
    fn prefixes() {
        assert_eq!(hex_prefix("ffffffffffffffff rest"), Some((u64::MAX, 16)));
        assert_eq!(hex_prefix("1ffffffffffffffff"), None);
        assert_eq!(hex_prefix("0x10"), Some((0, 1)));
        assert_eq!(hex_prefix(" 1"), None);
        assert_eq!(dec_prefix("18446744073709551615]"), Some((u64::MAX, 20)));
        assert_eq!(dec_prefix("18446744073709551616"), None);
        assert_eq!(dec_prefix("-1"), None);
        assert_eq!(dec("12a"), None);
        assert_eq!(dec(""), None);
    }

    #[test]
    fn flexible_forms() {
        assert_eq!(flexible("16G"), Ok(16 << 30));
        assert_eq!(flexible("16GiB"), Ok(16 << 30));
        assert_eq!(flexible("512mb"), Ok(512 << 20));
        assert_eq!(flexible("0x1_0000_0000"), Ok(1 << 32));
        assert_eq!(flexible("4096"), Ok(4096));
        assert_eq!(flexible("0x1B"), Ok(0x1b));
        assert!(flexible("16Q").is_err());
        assert!(flexible("-1").is_err());
        assert!(flexible("99999999999P").is_err());
        assert!(flexible("").is_err());
    }
}
