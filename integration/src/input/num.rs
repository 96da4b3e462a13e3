//! Numbers as the inputs write them: the kernel's hex (`0x0000000000100000`, or bare hex in
//! older logs and `/proc/iomem`), and the machine file's integers, `"0x..."` strings and sizes
//! (`"16G"`).

/// Hex digits with or without `0x`, nothing else (no sign, no spaces). `None` if empty, not
/// hex, or past 64 bits.
pub(crate) fn hex(s: &str) -> Option<u64> {
    let d = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    if d.is_empty() || !d.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(d, 16).ok()
}

/// Decimal digits only.
pub(crate) fn dec(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A number of the machine file written as a string: `0x` hex, decimal, or a decimal size with
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
