//! The one reader of the lines of a text input: each line with its number and without its line
//! end (`\n` or `\r\n`) for every listing (e820, iomem, memmap), and, for a kernel log
//! (`--dmesg`, and `replay` and `--batch` through the trace reader), the message the kernel
//! printed without the level and timestamp `printk` put before it.

/// The lines of `text`: `(number, line without its line end, whether a line end followed)`.
/// Handles `\n` and `\r\n`; the last line is reported only if it is not empty.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (usize, &str, bool)> + '_ {
    let mut rest = Some(text);
    let mut n = 0usize;
    std::iter::from_fn(move || {
        let r = rest?;
        n += 1;
        let (line, terminated) = match r.find('\n') {
            Some(i) => {
                rest = r.get(i + 1..);
                (r.get(..i).unwrap_or(""), true)
            }
            None => {
                rest = None;
                (r, false)
            }
        };
        if !terminated && line.is_empty() {
            return None;
        }
        Some((n, line.strip_suffix('\r').unwrap_or(line), terminated))
    })
}

/// The lines of a kernel log: `(number, message, whether a line end followed)`, the message as
/// [`message`] reads it.
pub(crate) fn log_lines(text: &str) -> impl Iterator<Item = (usize, &str, bool)> + '_ {
    lines(text).map(|(n, line, terminated)| (n, message(line), terminated))
}

/// The message of a log line: the line without its `<N>` level prefix (`dmesg -r`), its
/// `[  sec.usec]` timestamp and the space after it. Anything else before the message (a syslog
/// header, a serial console's own stamp) stays.
#[inline]
pub(crate) fn message(line: &str) -> &str {
    let mut s = line;
    let b = s.as_bytes();
    if b.first() == Some(&b'<')
        && let Some(i) = b.iter().skip(1).take(4).position(|&c| !c.is_ascii_digit())
        && i > 0
        && b[i + 1] == b'>'
    {
        s = &s[i + 2..];
    }
    let b = s.as_bytes();
    // The stamp is spaces, digits and one dot; stop at the first other byte.
    if b.first() == Some(&b'[')
        && let Some(i) = b.iter().skip(1).position(|&c| !(c == b' ' || c == b'.' || c.is_ascii_digit()))
        && b[i + 1] == b']'
    {
        s = &s[i + 2..];
        s = s.strip_prefix(' ').unwrap_or(s);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_prefixes() {
        assert_eq!(message("[    0.024757]  memory[0x0]"), " memory[0x0]");
        assert_eq!(message("<6>[    0.1] x"), "x");
        assert_eq!(message("no stamp"), "no stamp");
        assert_eq!(message("[not a stamp] x"), "[not a stamp] x");
    }

    #[test]
    fn line_ends() {
        let got: Vec<_> = lines("a\r\n\nb").collect();
        assert_eq!(got, [(1, "a", true), (2, "", true), (3, "b", false)]);
        assert_eq!(lines("a\n").count(), 1);
        assert_eq!(lines("").count(), 0);
    }
}
