//! One file, several boots: a serial console capture often holds the boot as the console
//! printed it and then a `dmesg` dump of the same boot, or the boots of several resets. Each
//! boot starts at the kernel's banner, `Linux version ...` (`linux_banner`, the first line
//! `start_kernel()` prints), so the file is split there.

/// One boot of a file: its text and where it lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootSpan<'a> {
    /// The boot's text (from its `Linux version` line to the next one; the first boot also has
    /// what comes before its banner).
    pub text: &'a str,
    /// Its first line in the file (1-based).
    pub first_line: usize,
    /// Its last line in the file.
    pub last_line: usize,
}

/// Whether `line` is the kernel's banner (after any timestamp or prefix).
fn is_banner(line: &str) -> bool {
    line.find("Linux version ")
        .and_then(|i| line.get(i + "Linux version ".len()..))
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// The boots of `text`: split before every banner after the first. A file with at most one
/// banner is one boot.
pub fn split_boots(text: &str) -> Vec<BootSpan<'_>> {
    let mut starts = Vec::new();
    let (mut offset, mut line) = (0usize, 1usize);
    let mut seen_banner = false;
    for l in text.split_inclusive('\n') {
        if is_banner(l) {
            if seen_banner {
                starts.push((offset, line));
            }
            seen_banner = true;
        }
        offset += l.len();
        line += 1;
    }
    let total_lines = line - 1;
    let mut spans = Vec::new();
    let (mut from, mut from_line) = (0usize, 1usize);
    for (at, at_line) in starts {
        spans.push(BootSpan { text: text.get(from..at).unwrap_or(""), first_line: from_line, last_line: at_line - 1 });
        (from, from_line) = (at, at_line);
    }
    spans.push(BootSpan { text: text.get(from..).unwrap_or(""), first_line: from_line, last_line: total_lines });
    spans
}

impl BootSpan<'_> {
    /// `name (boot 2 of 2, lines 1201-2400)`: how a report names one boot of a file that holds
    /// `of` of them; just `name` when it holds one.
    pub fn name(&self, name: &str, index: usize, of: usize) -> String {
        if of <= 1 {
            return name.to_string();
        }
        format!("{name} (boot {} of {of}, lines {}-{})", index + 1, self.first_line, self.last_line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_at_every_banner_after_the_first() {
        let one = "serial noise\n[    0.0] Linux version 6.1.0 (x)\n[    0.1] BIOS-e820: ...\n";
        assert_eq!(split_boots(one), vec![BootSpan { text: one, first_line: 1, last_line: 3 }]);
        assert_eq!(split_boots("no banner at all\n").len(), 1);
        let two = "a\n[0] Linux version 6.1.0 (x)\nb\n<6>[0] Linux version 6.1.0 (x)\nc";
        let spans = split_boots(two);
        assert_eq!(spans.len(), 2);
        assert_eq!((spans[0].first_line, spans[0].last_line), (1, 3));
        assert_eq!(spans[0].text, "a\n[0] Linux version 6.1.0 (x)\nb\n");
        assert_eq!((spans[1].first_line, spans[1].last_line), (4, 5));
        assert_eq!(spans[1].text, "<6>[0] Linux version 6.1.0 (x)\nc");
        assert_eq!(spans[1].name("log", 1, 2), "log (boot 2 of 2, lines 4-5)");
        // Words that are no banner: no digit after "Linux version ".
        assert_eq!(split_boots("Linux version 6.1\nprobe: Linux version unknown\n").len(), 1);
    }
}
