//! Text in the picture: escaping, numbers for attributes, estimated widths, wrapping, and the
//! address labels of the axis.

use crate::view::report::human;

/// `s` with the five XML special characters escaped and the characters XML 1.0 forbids
/// (control characters other than tab, newline and carriage return) replaced by U+FFFD, so
/// that any text can go into an element or an attribute value.
pub fn escape_xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

/// A number for an attribute: two decimals at most, never NaN.
pub(super) fn n(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    // The common case without float formatting (a map writes tens of thousands): for a
    // non-negative v below 10^7 whose v*100 is not within 10^-6 of a tie, v*100 rounded to an
    // integer is the correctly rounded two-decimal value (the product's error is below 10^-7),
    // which is what `{:.2}` prints. Anything else takes `{:.2}` itself.
    let t = v * 100.0;
    if v.is_sign_positive() && t < 1e9 && (t.fract() - 0.5).abs() > 1e-6 {
        let r = t.round() as u64;
        let (int, frac) = (r / 100, r % 100);
        return match frac {
            0 => int.to_string(),
            f if f % 10 == 0 => format!("{int}.{}", f / 10),
            f => format!("{int}.{f:02}"),
        };
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" { "0".into() } else { s.to_string() }
}

/// Estimated width of `text` at font size `size` (sans-serif): DejaVu Sans averages about
/// 0.6 em a character on these texts (digits are 0.64 em), so 0.62 errs on the wide side.
pub(super) fn text_w(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.62
}

/// Estimated width of bold `text` (DejaVu Sans Bold is about 15% wider).
pub(super) fn bold_w(text: &str, size: f64) -> f64 {
    text_w(text, size) * 1.15
}

/// How many characters of width `char_w` fit in `room` px (at least one).
pub(super) fn chars_in(room: f64, char_w: f64) -> usize {
    ((room / char_w).floor() as usize).max(1)
}

/// `text` cut into lines of at most `max` characters: at spaces, or, for a word longer than a
/// line (a path, a long option), after its last `/`, `,` or `-` that fits, or failing that
/// anywhere; a no-break space joins its words into one. Nothing is dropped: the lines joined
/// give `text` back, the spaces they were cut at aside. Linear in the text, whatever its length.
pub(super) fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines: Vec<String> = Vec::new();
    let (mut line, mut len) = (String::new(), 0usize);
    for word in text.split(' ') {
        let word_len = word.chars().count();
        let sep = usize::from(len > 0);
        if len + sep + word_len <= max {
            if sep == 1 {
                line.push(' ');
            }
            line.push_str(word);
            len += sep + word_len;
            continue;
        }
        if word_len <= max {
            lines.push(std::mem::replace(&mut line, word.to_string()));
            len = word_len;
            continue;
        }
        // A word longer than a line fills this one, then the next ones.
        if len > 0 {
            if len + 1 < max {
                line.push(' ');
                len += 1;
            } else {
                lines.push(std::mem::take(&mut line));
                len = 0;
            }
        }
        let chars: Vec<char> = word.chars().collect();
        let mut i = 0;
        while chars.len() - i > max - len {
            let room = max - len;
            let cut = chars[i..i + room].iter().rposition(|c| matches!(c, '/' | ',' | '-')).map_or(room, |p| p + 1);
            line.extend(&chars[i..i + cut]);
            i += cut;
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        line.extend(&chars[i..]);
        len += chars.len() - i;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    // No-break spaces held words together; they are drawn as spaces.
    lines.into_iter().map(|l| l.replace('\u{a0}', " ")).collect()
}

/// An address as the axis labels it: hex, and the size in binary units when it is a whole
/// number of MiB.
pub(super) fn addr_label(a: u64) -> String {
    if a != 0 && a.is_multiple_of(1 << 20) { format!("{a:#x} ({})", human(a)) } else { format!("{a:#x}") }
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_cuts_at_spaces_then_after_separators_then_anywhere() {
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("one two three", 100), ["one two three"]);
        // A path longer than a line: after its last '/' that fits.
        assert_eq!(wrap("at /usr/local/share/x.txt", 12), ["at /usr/", "local/share/", "x.txt"]);
        // No separator: anywhere.
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        // A no-break space holds its words together and is drawn as a space.
        assert_eq!(wrap("a b Linux\u{a0}6.1", 9), ["a b", "Linux 6.1"]);
        // One character a line at worst, and nothing is lost.
        assert_eq!(wrap("ab c", 0), ["a", "b", "c"]);
    }

    #[test]
    fn wrap_is_linear_on_a_huge_word() {
        let word = "x/".repeat(500_000);
        let lines = wrap(&word, 100);
        assert_eq!(lines.len(), 10_000);
        assert_eq!(lines.concat(), word);
    }

    #[test]
    fn numbers_are_what_two_decimals_print_trimmed() {
        let slow = |v: f64| {
            let s = format!("{v:.2}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            if s.is_empty() || s == "-" { "0".to_string() } else { s.to_string() }
        };
        let mut v = 0.0_f64;
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..200_000 {
            // Coordinates of all kinds: fractions of a pixel, exact cents, ties, negatives.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v = match i % 4 {
                0 => (x % 10_000_000) as f64 / 1000.0,
                1 => (x % 1_000_000) as f64 / 8.0,
                2 => -((x % 100_000) as f64) / 1000.0,
                _ => v * 1.37 + 0.005,
            };
            assert_eq!(super::n(v), slow(v), "{v:?}");
        }
        for v in [0.0, -0.0, 0.005, 0.015, 0.125, 1e-9, -1e-9, 1e7, 1e8, 123.455, f64::MAX] {
            assert_eq!(super::n(v), slow(v), "{v:?}");
        }
    }
}
