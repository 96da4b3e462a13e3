//! Hand-worked cases of the grammar: every expected value below was derived from the
//! kernel's rules by hand (positions counted from `crashkernel=` being
//! bytes 0..12), not read back from this code.

extern crate alloc;
use alloc::string::ToString;

use super::*;
use crate::cmdline::memparse::Profile;
use CrashkernelError as E;

const K: u64 = 1 << 10;
const M: u64 = 1 << 20;
const G: u64 = 1 << 30;

fn ok(size: u64, base: u64) -> Result<CrashkernelRequest, CrashkernelError> {
    Ok(CrashkernelRequest { size, base })
}

fn plain(line: &str, ram: u64) -> Result<CrashkernelRequest, CrashkernelError> {
    parse_crashkernel(line.as_bytes(), ram)
}

fn high(line: &str) -> Result<CrashkernelRequest, CrashkernelError> {
    parse_crashkernel_high(line.as_bytes(), 4 * G)
}

fn low(line: &str) -> Result<CrashkernelRequest, CrashkernelError> {
    parse_crashkernel_low(line.as_bytes(), 4 * G)
}

fn spec(line: &str, suffix: Suffix) -> CrashkernelSpec<'_> {
    CrashkernelSpec::parse(line.as_bytes(), suffix, Profile::Linux312).unwrap()
}

#[test]
fn simple_form() {
    assert_eq!(plain("crashkernel=128M", 2 * G), ok(128 * M, 0));
    assert_eq!(plain("crashkernel=128M@16M", 4 * G), ok(128 * M, 16 * M));
    assert_eq!(plain("crashkernel=128m@16m", 4 * G), ok(128 * M, 16 * M));
    assert_eq!(plain("crashkernel=0x1000000", 4 * G), ok(16 * M, 0));
    assert_eq!(plain("crashkernel=0x8000000@0x1000000", 4 * G), ok(128 * M, 16 * M));
    // The simple form never compares the size with RAM.
    assert_eq!(plain("crashkernel=1G", 512 * M), ok(G, 0));
    assert_eq!(plain("crashkernel=0", 4 * G), ok(0, 0));
    assert_eq!(plain("crashkernel=0@16M", 4 * G), ok(0, 16 * M));
    // A suffix letter alone is a value (0).
    assert_eq!(plain("crashkernel=M", 4 * G), ok(0, 0));
}

#[test]
fn simple_form_offset_is_not_checked() {
    assert_eq!(plain("crashkernel=128M@", 4 * G), ok(128 * M, 0));
    assert_eq!(plain("crashkernel=128M@x", 4 * G), ok(128 * M, 0));
    assert_eq!(plain("crashkernel=128M@16Mjunk", 4 * G), ok(128 * M, 16 * M));
    assert_eq!(plain("crashkernel=128M@16M@32M", 4 * G), ok(128 * M, 16 * M));
}

#[test]
fn octal_and_bare_0x() {
    assert_eq!(plain("crashkernel=010", 4 * G), ok(8, 0));
    assert_eq!(plain("crashkernel=0777K", 4 * G), ok(511 * K, 0));
    // "08": octal 0, then '8' is junk.
    assert_eq!(plain("crashkernel=08", 4 * G), Err(E::UnrecognizedChar { pos: 13, byte: b'8', size: 0 }));
    // "0x" alone: octal 0, then 'x' is junk.
    assert_eq!(plain("crashkernel=0x", 4 * G), Err(E::UnrecognizedChar { pos: 13, byte: b'x', size: 0 }));
}

#[test]
fn t_is_no_suffix_in_3_12_but_is_in_the_modern_profile() {
    let err = plain("crashkernel=64T", 4 * G).unwrap_err();
    assert_eq!(err, E::UnrecognizedChar { pos: 14, byte: b'T', size: 64 });
    assert_eq!(err.crash_size(), 64);
    assert_eq!(err.kernel_message(), Some("crashkernel: unrecognized char"));
    assert_eq!(parse_crashkernel_with(b"crashkernel=64T", 4 * G, Suffix::Null, Profile::Modern), ok(64 << 40, 0));
    // In a range list the 3.12 size "1T" is 1 byte: the T is skipped over
    // while looking for '@'.
    assert_eq!(plain("crashkernel=0-:1T", 4 * G), ok(1, 0));
    assert_eq!(
        parse_crashkernel_with(b"crashkernel=0-:1T", 4 * G, Suffix::Null, Profile::Modern),
        Err(E::InvalidSize { pos: 15, size: 1 << 40, system_ram: 4 * G })
    );
}

#[test]
fn range_form_picks_the_first_range_holding_ram() {
    let line = "crashkernel=512M-2G:64M,2G-:128M";
    assert_eq!(plain(line, 4 * G), ok(128 * M, 0));
    assert_eq!(plain(line, G), ok(64 * M, 0));
    // Below every range: accepted, nothing to reserve.
    assert_eq!(plain(line, 256 * M), ok(0, 0));
    // Ranges are [start, end).
    assert_eq!(plain(line, 512 * M), ok(64 * M, 0));
    assert_eq!(plain(line, 2 * G - 1), ok(64 * M, 0));
    assert_eq!(plain(line, 2 * G), ok(128 * M, 0));
    // Every entry examined must ask for less than RAM: the first (64M) ...
    assert_eq!(plain(line, 64 * M), Err(E::InvalidSize { pos: 20, size: 64 * M, system_ram: 64 * M }));
    // ... and, when it does not match, the second (128M).
    assert_eq!(plain(line, 100 * M), Err(E::InvalidSize { pos: 28, size: 128 * M, system_ram: 100 * M }));
}

#[test]
fn range_form_size_not_below_ram_is_invalid() {
    let err = plain("crashkernel=1G-:2G", 3 * G / 2).unwrap_err();
    assert_eq!(err, E::InvalidSize { pos: 16, size: 2 * G, system_ram: 3 * G / 2 });
    assert_eq!(err.crash_size(), 0);
    assert_eq!(err.kernel_message(), Some("crashkernel: invalid size"));
    assert_eq!(err.errno(), -22);
    let text = err.to_string();
    assert!(text.contains("crashkernel: invalid size"), "{text}");
    assert!(text.contains("16"), "{text}");
}

#[test]
fn range_form_offset() {
    let line = "crashkernel=512M-2G:64M,2G-:128M@16M";
    assert_eq!(plain(line, 4 * G), ok(128 * M, 16 * M));
    // From the first entry the kernel skips the rest of the list to '@'.
    assert_eq!(plain(line, G), ok(64 * M, 16 * M));
    // An '@' inside the list ends it: with 2G the first entry does not
    // match and '@' is not ',', so nothing matches.
    let mid = "crashkernel=0-1G:64M@16M,1G-:128M";
    assert_eq!(plain(mid, 2 * G), ok(0, 0));
    assert_eq!(plain(mid, 512 * M), ok(64 * M, 16 * M));
    // A zero size skips the offset altogether.
    assert_eq!(plain("crashkernel=0-:0@16M", 4 * G), ok(0, 0));
    assert_eq!(plain("crashkernel=0-:0@", 4 * G), ok(0, 0));
    // Junk after the offset is ignored; a space ends the search.
    assert_eq!(plain("crashkernel=0-:64M@16Mjunk", 4 * G), ok(64 * M, 16 * M));
    assert_eq!(plain("crashkernel=0-:64M junk@16M", 4 * G), ok(64 * M, 0));
    let err = plain("crashkernel=0-:64M@x", 4 * G).unwrap_err();
    assert_eq!(err, E::OffsetExpected { pos: 19, size: 64 * M });
    assert_eq!(err.crash_size(), 64 * M);
    assert_eq!(err.kernel_message(), Some("Memory value expected after '@'"));
}

#[test]
fn range_form_stops_at_the_match() {
    // Entries after the match are never read.
    assert_eq!(plain("crashkernel=0-1G:64M,x", 512 * M), ok(64 * M, 0));
    assert_eq!(plain("crashkernel=0-1G:64M,x", 2 * G), Err(E::RangeValueExpected { pos: 21 }));
    // An open range ends at u64::MAX, which it does not contain.
    assert_eq!(plain("crashkernel=0-:64M", u64::MAX), ok(0, 0));
}

#[test]
fn range_form_errors() {
    let ram = 4 * G;
    assert_eq!(plain("crashkernel=-:64M", ram), Err(E::RangeValueExpected { pos: 12 }));
    assert_eq!(plain("crashkernel=0-x:64M", ram), Err(E::RangeValueExpected { pos: 14 }));
    assert_eq!(plain("crashkernel=0:64M", ram), Err(E::DashExpected { pos: 13 }));
    assert_eq!(plain("crashkernel=0-1G1:64M", ram), Err(E::ColonExpected { pos: 16 }));
    assert_eq!(plain("crashkernel=1G-512M:64M", ram), Err(E::EndNotAboveStart { pos: 15, start: G, end: 512 * M }));
    assert_eq!(plain("crashkernel=1G-1G:64M", ram), Err(E::EndNotAboveStart { pos: 15, start: G, end: G }));
    assert_eq!(plain("crashkernel=0-1G:", ram), Err(E::RangeSizeExpected { pos: 17 }));
    let messages = [
        ("crashkernel=-:64M", "crashkernel: Memory value expected"),
        ("crashkernel=0:64M", "crashkernel: '-' expected"),
        ("crashkernel=0-1G1:64M", "crashkernel: ':' expected"),
        ("crashkernel=1G-512M:64M", "crashkernel: end <= start"),
        ("crashkernel=0-1G:", "Memory value expected"),
    ];
    for (line, message) in messages {
        let err = plain(line, ram).unwrap_err();
        assert_eq!(err.kernel_message(), Some(message), "{line}");
        assert_eq!(err.crash_size(), 0, "{line}");
    }
}

#[test]
fn a_colon_before_the_next_space_selects_the_range_form() {
    assert_eq!(plain("crashkernel=128M quiet:1", 4 * G), ok(128 * M, 0));
    assert_eq!(plain("crashkernel=0-:64M a=b:c", 4 * G), ok(64 * M, 0));
    // The colon may be after the junk that ends the value.
    assert_eq!(plain("crashkernel=0-1G:64M;1G-:128M", 2 * G), ok(0, 0));
}

#[test]
fn simple_and_suffixed_errors() {
    assert_eq!(plain("crashkernel=", 4 * G), Err(E::MemoryValueExpected { pos: 12 }));
    assert_eq!(plain("crashkernel= 128M", 4 * G), Err(E::MemoryValueExpected { pos: 12 }));
    assert_eq!(high("crashkernel=,high"), Err(E::MemoryValueExpected { pos: 12 }));
    assert_eq!(plain("crashkernel=128Mjunk", 4 * G), Err(E::UnrecognizedChar { pos: 16, byte: b'j', size: 128 * M }));
    assert_eq!(high("crashkernel=256M,high,high"), Err(E::UnrecognizedChar { pos: 21, byte: b',', size: 256 * M }));
    assert_eq!(high("crashkernel=256Mx,high"), Err(E::UnrecognizedChar { pos: 16, byte: b'x', size: 256 * M }));
    let err = plain("crashkernel=", 4 * G).unwrap_err();
    assert_eq!(err.kernel_message(), Some("crashkernel: memory value expected"));
}

#[test]
fn suffixed_forms() {
    assert_eq!(high("crashkernel=256M,high"), ok(256 * M, 0));
    assert_eq!(low("crashkernel=256M,low"), ok(256 * M, 0));
    assert_eq!(low("crashkernel=0,low"), ok(0, 0));
    // The suffixed form never compares with RAM.
    assert_eq!(parse_crashkernel_high(b"crashkernel=1G,high", 256 * M), ok(G, 0));
    // Case matters.
    assert_eq!(high("crashkernel=256M,High"), Err(E::NotFound { pos: 21 }));
}

#[test]
fn plain_skips_high_and_low_words() {
    let line = "crashkernel=256M,high crashkernel=128M,low crashkernel=64M";
    assert_eq!(plain(line, 4 * G), ok(64 * M, 0));
    assert_eq!(high(line), ok(256 * M, 0));
    assert_eq!(low(line), ok(128 * M, 0));

    let line = "crashkernel=64M crashkernel=256M,high";
    assert_eq!(plain(line, 4 * G), ok(64 * M, 0));
    assert_eq!(low(line), Err(E::NotFound { pos: 37 }));

    // Only the word's ending counts: ",highx" is no suffix, so the plain
    // parser takes the word and trips over the ','.
    assert_eq!(plain("crashkernel=256M,highx", 4 * G), Err(E::UnrecognizedChar { pos: 16, byte: b',', size: 256 * M }));
    assert_eq!(high("crashkernel=256M,highx"), Err(E::NotFound { pos: 22 }));
    // A word ending in ",low" is a low word even with ",high" inside it.
    assert_eq!(plain("crashkernel=1G,high,low", 4 * G), Err(E::NotFound { pos: 23 }));
    assert_eq!(high("crashkernel=1G,high,low"), Err(E::NotFound { pos: 23 }));
    assert_eq!(low("crashkernel=1G,high,low"), Err(E::UnrecognizedChar { pos: 14, byte: b',', size: G }));
}

#[test]
fn last_occurrence_wins() {
    assert_eq!(plain("crashkernel=64M crashkernel=128M", 4 * G), ok(128 * M, 0));
    assert_eq!(plain("crashkernel=bad crashkernel=128M", 4 * G), ok(128 * M, 0));
    assert_eq!(plain("crashkernel=128M crashkernel=bad", 4 * G), Err(E::MemoryValueExpected { pos: 29 }));
    assert_eq!(plain("crashkernel=64M crashkernel=128M@16M crashkernel=256M", 2 * G), ok(256 * M, 0));
    assert_eq!(plain("ro root=/dev/sda1 crashkernel=128M quiet", 4 * G), ok(128 * M, 0));
}

#[test]
fn plain_substring_search() {
    assert_eq!(plain("xcrashkernel=128M", 4 * G), ok(128 * M, 0));
    assert_eq!(plain("nocrashkernel=1 crashkernel=96M", 4 * G), ok(96 * M, 0));
    assert_eq!(plain("crashkernel=crashkernel=128M", 4 * G), ok(128 * M, 0));
    assert_eq!(plain("CRASHKERNEL=128M", 4 * G), Err(E::NotFound { pos: 16 }));
    assert_eq!(plain("crashkernel 128M", 4 * G), Err(E::NotFound { pos: 16 }));
}

#[test]
fn not_found_is_silent() {
    let err = plain("quiet", 4 * G).unwrap_err();
    assert_eq!(err, E::NotFound { pos: 5 });
    assert_eq!(err.kernel_message(), None);
    assert_eq!(err.errno(), -22);
    assert_eq!(plain("", 4 * G), Err(E::NotFound { pos: 0 }));
}

#[test]
fn a_nul_byte_ends_the_command_line() {
    assert_eq!(parse_crashkernel(b"ro\0crashkernel=128M", 4 * G), Err(E::NotFound { pos: 2 }));
    assert_eq!(parse_crashkernel(b"crashkernel=128M\0junk", 4 * G), ok(128 * M, 0));
}

#[test]
fn entries_are_read_in_order_with_positions() {
    let CrashkernelSpec::Ranges(list) = spec("crashkernel=0-1G:64M,1G-:128M", Suffix::Null) else {
        panic!("range form expected");
    };
    assert_eq!(list.pos(), 12);
    let mut entries = list.entries();
    assert_eq!(
        entries.next(),
        Some(Ok(RangeEntry { start: 0, end: Some(G), size: 64 * M, pos: 12, size_pos: 17, next: 20 }))
    );
    assert_eq!(
        entries.next(),
        Some(Ok(RangeEntry { start: G, end: None, size: 128 * M, pos: 21, size_pos: 25, next: 29 }))
    );
    assert_eq!(entries.next(), None);
}

#[test]
fn display_renders_a_canonical_word() {
    let cases = [
        ("crashkernel=0x8000000@0x1000000", Suffix::Null, "crashkernel=128M@16M"),
        ("crashkernel=128M@x", Suffix::Null, "crashkernel=128M"),
        ("crashkernel=100", Suffix::Null, "crashkernel=100"),
        ("crashkernel=1536M", Suffix::Null, "crashkernel=1536M"),
        ("crashkernel=3072", Suffix::Null, "crashkernel=3K"),
        ("crashkernel=512M-2G:64M,2G-:128M@16M", Suffix::Null, "crashkernel=512M-2G:64M,2G-:128M@16M"),
        ("crashkernel=0x0-0x40000000:0x4000000", Suffix::Null, "crashkernel=0-1G:64M"),
        ("crashkernel=0-:64M,garbage@16M", Suffix::Null, "crashkernel=0-:64M@16M"),
        ("crashkernel=256M,high", Suffix::High, "crashkernel=256M,high"),
        ("crashkernel=0x10000000,low", Suffix::Low, "crashkernel=256M,low"),
    ];
    for (line, suffix, want) in cases {
        assert_eq!(spec(line, suffix).to_string(), want, "{line}");
    }
}
