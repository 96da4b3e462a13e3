//! `BIOS-e820:` lines: both kernel forms, with and without timestamps, CRLF, unrelated lines,
//! a log cut mid-line, and every error with its message.

use integration::input::{InputError, parse_e820};
use integration::movable_node::{E820Entry, E820Type};

fn e(addr: u64, end: u64, kind: E820Type) -> E820Entry {
    E820Entry { addr, size: end - addr, kind }
}

/// The map QEMU's pc-2n gives, as the kernel printed it (fixtures/linux-6.1-qemu/pc-2n).
const PLAIN: &str = "\
BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved
BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved
BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable
BIOS-e820: [mem 0x00000000bffe0000-0x00000000bfffffff] reserved
BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved
BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] usable
BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] reserved
";

fn expected() -> Vec<E820Entry> {
    use E820Type::*;
    vec![
        e(0, 0x9fc00, Ram),
        e(0x9fc00, 0xa0000, Reserved),
        e(0xf0000, 0x100000, Reserved),
        e(0x100000, 0xbffe0000, Ram),
        e(0xbffe0000, 0xc0000000, Reserved),
        e(0xfffc0000, 0x1_0000_0000, Reserved),
        e(0x1_0000_0000, 0x1_4000_0000, Ram),
        e(0xfd_0000_0000, 0x100_0000_0000, Reserved),
    ]
}

fn with_timestamps(text: &str) -> String {
    text.lines().map(|l| format!("[    0.000000] {l}\n")).collect()
}

#[test]
fn plain_lines() {
    assert_eq!(parse_e820("e820.txt", PLAIN).unwrap(), expected());
}

#[test]
fn with_dmesg_timestamps() {
    assert_eq!(parse_e820("dmesg.txt", &with_timestamps(PLAIN)).unwrap(), expected());
}

#[test]
fn with_crlf_line_ends() {
    let crlf = with_timestamps(PLAIN).replace('\n', "\r\n");
    assert_eq!(parse_e820("dmesg.txt", &crlf).unwrap(), expected());
}

#[test]
fn with_levels_and_syslog_prefixes() {
    let text: String = PLAIN
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i % 2 == 0 { format!("<6>[    0.000000] {l}\n") } else { format!("Nov 25 21:00:00 host kernel: {l}\n") }
        })
        .collect();
    assert_eq!(parse_e820("journal.txt", &text).unwrap(), expected());
}

#[test]
fn unrelated_lines_are_ignored() {
    let mut text = String::from(
        "[    0.000000] Linux version 6.1.0-56-amd64\n[    0.000000] Command line: console=ttyS0\n\
         [    0.000000] BIOS-provided physical RAM map:\n",
    );
    for (i, l) in PLAIN.lines().enumerate() {
        text.push_str(&format!("[    0.000000] {l}\n"));
        if i == 3 {
            text.push_str("[    0.004253] e820: update [mem 0x00000000-0x00000fff] usable ==> reserved\n\n");
        }
    }
    text.push_str("[    0.004577] e820: remove [mem 0x000a0000-0x000fffff] usable\n");
    assert_eq!(parse_e820("dmesg.txt", &text).unwrap(), expected());
}

#[test]
fn no_newline_at_the_end_of_a_complete_line_is_fine() {
    assert_eq!(parse_e820("e820.txt", PLAIN.trim_end()).unwrap(), expected());
}

#[test]
fn old_kernels_form_has_an_exclusive_end() {
    // 2.6/3.0: `printk(" %s: %016Lx - %016Lx ", who, addr, addr + size)` then `(usable)`.
    let text = "\
[    0.000000] BIOS-provided physical RAM map:
[    0.000000]  BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)
[    0.000000]  BIOS-e820: 000000000009fc00 - 00000000000a0000 (reserved)
[    0.000000]  BIOS-e820: 00000000000f0000 - 0000000000100000 (reserved)
[    0.000000]  BIOS-e820: 0000000000100000 - 00000000bffe0000 (usable)
[    0.000000]  BIOS-e820: 00000000bffe0000 - 00000000c0000000 (ACPI data)
[    0.000000]  BIOS-e820: 00000000c0000000 - 00000000c0100000 (ACPI NVS)
[    0.000000]  BIOS-e820: 00000000c0100000 - 00000000c0200000 type 12
";
    use E820Type::*;
    assert_eq!(
        parse_e820("old.txt", text).unwrap(),
        vec![
            e(0, 0x9fc00, Ram),
            e(0x9fc00, 0xa0000, Reserved),
            e(0xf0000, 0x100000, Reserved),
            e(0x100000, 0xbffe0000, Ram),
            e(0xbffe0000, 0xc0000000, Acpi),
            e(0xc0000000, 0xc0100000, Nvs),
            // Type 12 (E820_PRAM) keeps its number: the kernel prints it as `persistent (type 12)`.
            e(0xc0100000, 0xc0200000, Other(12)),
        ]
    );
}

#[test]
fn every_type_word() {
    let text = "\
BIOS-e820: [mem 0x0000000000000000-0x0000000000000fff] reserved
BIOS-e820: [mem 0x0000000000001000-0x000000000009ffff] usable
BIOS-e820: [mem 0x0000000000100000-0x00000000001fffff] ACPI data
BIOS-e820: [mem 0x0000000000200000-0x00000000002fffff] ACPI NVS
BIOS-e820: [mem 0x0000000000300000-0x00000000003fffff] unusable
BIOS-e820: [mem 0x0000000000400000-0x00000000004fffff] persistent (type 7)
BIOS-e820: [mem 0x0000000000500000-0x00000000005fffff] persistent (type 12)
BIOS-e820: [mem 0x0000000000600000-0x00000000006fffff] type 20
BIOS-e820: [mem 0x0000000000700000-0x00000000007fffff] soft reserved
";
    let kinds: Vec<E820Type> = parse_e820("types.txt", text).unwrap().iter().map(|e| e.kind).collect();
    use E820Type::*;
    assert_eq!(kinds, vec![Reserved, Ram, Acpi, Nvs, Unusable, Persistent, Other(12), Other(20), Other(0xefff_ffff)]);
}

#[test]
fn a_log_cut_in_an_e820_line_says_so() {
    let mut text = with_timestamps(PLAIN);
    text.push_str("[    0.000000] BIOS-e820: [mem 0x0000010000000000-0x00000100");
    let err = parse_e820("dmesg.txt", &text).unwrap_err();
    assert!(matches!(err, InputError::CutLine { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "dmesg.txt:9: the file ends in the middle of this line (was the log cut short?): \
         \"BIOS-e820: [mem 0x0000010000000000-0x00000100\""
    );
}

#[test]
fn a_log_cut_in_an_unrelated_line_is_fine() {
    let mut text = with_timestamps(PLAIN);
    text.push_str("[    0.000000] Linux vers");
    assert_eq!(parse_e820("dmesg.txt", &text).unwrap(), expected());
}

#[test]
fn a_line_that_does_not_read() {
    let mut lines: Vec<&str> = PLAIN.lines().collect();
    lines.insert(6, "BIOS-e820: [mem 0x12-] usable");
    let err = parse_e820("e820.txt", &(lines.join("\n") + "\n")).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, InputError::Syntax { .. }), "{err:?}");
    assert!(
        msg.starts_with(
            "e820.txt:7: cannot read \"BIOS-e820: [mem 0x12-] usable\": expected BIOS-e820: [mem 0xSTART-0xEND] TYPE"
        ),
        "{msg}"
    );
}

#[test]
fn an_unknown_type_word_does_not_read() {
    let err = parse_e820("e820.txt", "BIOS-e820: [mem 0x0-0xfff] usable\nBIOS-e820: [mem 0x1000-0x1fff] fast RAM\n")
        .unwrap_err();
    assert!(
        err.to_string().starts_with("e820.txt:2: cannot read \"BIOS-e820: [mem 0x1000-0x1fff] fast RAM\": expected")
    );
}

#[test]
fn an_entry_that_ends_before_it_starts() {
    let err = parse_e820("e820.txt", "BIOS-e820: [mem 0x0000000000200000-0x00000000001fffff] usable\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "e820.txt:1: the entry ends (0x1fffff) before it starts (0x200000): \
         BIOS-e820: [mem 0x0000000000200000-0x00000000001fffff] usable"
    );
}

#[test]
fn an_entry_that_wraps() {
    // The whole 64-bit space is 2^64 bytes: no u64 holds its size.
    let err = parse_e820("e820.txt", "BIOS-e820: [mem 0x0000000000000000-0xffffffffffffffff] usable\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "e820.txt:1: the entry wraps past the top of the 64-bit address space: \
         BIOS-e820: [mem 0x0000000000000000-0xffffffffffffffff] usable"
    );
    // Ending on the last byte: the size fits, the exclusive end does not (E820Table::new).
    let text = "BIOS-e820: [mem 0x0-0x9fbff] usable\nBIOS-e820: [mem 0xfffffffffff00000-0xffffffffffffffff] reserved\n";
    let err = parse_e820("e820.txt", text).unwrap_err();
    assert!(matches!(err, InputError::E820 { .. }));
    assert_eq!(
        err.to_string(),
        "e820.txt:2: e820 entry [0xfffffffffff00000, +0x100000) wraps past the top of the 64-bit address space"
    );
}

#[test]
fn overlapping_entries_name_both_lines() {
    let text = "\
[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
[    0.000000] some other line
[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x00000000bfffffff] usable
[    0.000000] BIOS-e820: [mem 0x0000000080000000-0x00000000ffffffff] reserved
";
    let err = parse_e820("dmesg.txt", text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "dmesg.txt:4: e820 entries [mem 0x100000-0xbfffffff] and [mem 0x80000000-0xffffffff] overlap \
         (the other entry is at dmesg.txt:3)"
    );
}

#[test]
fn no_usable_ram() {
    let text = "BIOS-e820: [mem 0x0-0x9fbff] reserved\nother\nBIOS-e820: [mem 0x100000-0x1fffff] ACPI NVS\n";
    let err = parse_e820("e820.txt", text).unwrap_err();
    assert_eq!(err.to_string(), "e820.txt:1-3: the e820 map has no usable RAM");
}

#[test]
fn no_e820_lines_at_all() {
    let err = parse_e820("notes.txt", "hello\nworld\n").unwrap_err();
    assert!(matches!(err, InputError::Missing { .. }));
    assert!(err.to_string().starts_with("notes.txt: none of its 2 lines is a BIOS-e820: line"), "{err}");
}

#[test]
fn two_boots_in_one_log() {
    let text = format!(
        "[    0.000000] e820: BIOS-provided physical RAM map:\n{}[    0.000000] e820: BIOS-provided physical RAM map:\n{}",
        with_timestamps(PLAIN),
        with_timestamps(PLAIN)
    );
    let err = parse_e820("boots.txt", &text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "boots.txt:10: a second \"BIOS-provided physical RAM map:\" starts here, after the map of lines 2-9: the log \
         holds more than one boot; cut it to one"
    );
}
