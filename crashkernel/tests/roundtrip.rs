//! Property tests: no input makes the parsers panic; well-formed options give
//! what a small structural reference model says; and every accepted option
//! re-renders (`Display`) to a canonical word that parses to the same request.

use crashkernel::{
    CrashkernelSpec, Profile, Suffix, memparse_with, parse_crashkernel, parse_crashkernel_high, parse_crashkernel_low,
    parse_crashkernel_with,
};
use proptest::prelude::*;
use proptest::sample::Index;

const SUFFIXES: [Suffix; 3] = [Suffix::Null, Suffix::High, Suffix::Low];
const PROFILES: [Profile; 2] = [Profile::Linux312, Profile::Modern];

/// Runs everything on `line` and checks the invariants that hold for any input.
fn exercise(line: &[u8], ram: u64) -> Result<(), TestCaseError> {
    for profile in PROFILES {
        for suffix in SUFFIXES {
            let direct = parse_crashkernel_with(line, ram, suffix, profile);
            let spec = CrashkernelSpec::parse(line, suffix, profile);
            // The two-step API is the entry point.
            prop_assert_eq!(direct, spec.and_then(|s| s.resolve(ram)));
            match direct {
                Ok(request) => {
                    let spec = spec.expect("accepted, so the spec parsed");
                    let word = spec.to_string();
                    let again = parse_crashkernel_with(word.as_bytes(), ram, suffix, profile);
                    prop_assert_eq!(
                        again,
                        Ok(request),
                        "{:?} re-rendered as {:?}",
                        String::from_utf8_lossy(line),
                        word
                    );
                }
                Err(e) => {
                    prop_assert!(e.pos() <= line.len());
                    prop_assert_eq!(e.errno(), -22);
                    let text = e.to_string();
                    if let Some(message) = e.kernel_message() {
                        prop_assert!(text.contains(message));
                    }
                    // Rendering whatever did parse must not panic either.
                    if let Ok(spec) = spec {
                        let _ = spec.to_string();
                    }
                }
            }
            if let Ok(CrashkernelSpec::Ranges(list)) = spec {
                for entry in list.entries().flatten() {
                    prop_assert!(entry.next <= line.len());
                    let _ = entry.contains(ram);
                }
            }
        }
        for start in 0..=line.len() {
            let (_, consumed) = memparse_with(&line[start..], profile);
            prop_assert!(consumed <= line.len() - start);
        }
    }
    // The 3.12 entry points are the generic one with the 3.12 profile.
    prop_assert_eq!(parse_crashkernel(line, ram), parse_crashkernel_with(line, ram, Suffix::Null, Profile::Linux312));
    prop_assert_eq!(
        parse_crashkernel_high(line, ram),
        parse_crashkernel_with(line, ram, Suffix::High, Profile::Linux312)
    );
    prop_assert_eq!(
        parse_crashkernel_low(line, ram),
        parse_crashkernel_with(line, ram, Suffix::Low, Profile::Linux312)
    );
    Ok(())
}

fn ram() -> impl Strategy<Value = u64> {
    prop_oneof![any::<u64>(), (0u64..64).prop_map(|n| n << 28), (0u64..1 << 36), Just(0), Just(u64::MAX),]
}

/// Pieces that the grammar cares about, to build near-miss command lines.
const TOKENS: &[&[u8]] = &[
    b"crashkernel=",
    b"crashkernel=",
    b"xcrashkernel=",
    b"0",
    b"1",
    b"9",
    b"00",
    b"0x",
    b"0X",
    b"fF",
    b"128",
    b"512",
    b"M",
    b"m",
    b"G",
    b"K",
    b"T",
    b"P",
    b"E",
    b"-",
    b"-",
    b":",
    b":",
    b",",
    b",",
    b"@",
    b" ",
    b",high",
    b",low",
    b"x",
    b"\0",
    b"\x7f",
    b"\xc3\xa9", // é
    b"18446744073709551615",
    b"18446744073709551616",
];

fn token_soup() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(proptest::sample::select(TOKENS), 0..24).prop_map(|parts| parts.concat())
}

/// A well-formed command line with a few tokens inserted, bytes deleted or
/// bytes overwritten: near misses of every form, including range lists that
/// the kernel accepts although part of them is junk.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let edit = (0u8..3, any::<Index>(), proptest::sample::select(TOKENS), any::<u8>());
    (command_line(), proptest::collection::vec(edit, 1..4)).prop_map(|((_, line), edits)| {
        let mut bytes = line.into_bytes();
        for (op, at, token, byte) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 => {
                    bytes.splice(i..i, token.iter().copied());
                }
                1 if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ if i < bytes.len() => bytes[i] = byte,
                _ => bytes.push(byte),
            }
        }
        bytes
    })
}

/// A number as the kernel would read it, with one of its spellings.
fn num() -> impl Strategy<Value = Num> {
    prop_oneof![
        (0u64..4096, 0usize..4, any::<bool>()).prop_map(|(m, unit, lower)| {
            let letter = ["", "K", "M", "G"][unit];
            let letter = if lower { letter.to_lowercase() } else { letter.to_string() };
            (m << (10 * unit), format!("{m}{letter}"))
        }),
        any::<u64>().prop_map(|v| (v, format!("{v}"))),
        any::<u64>().prop_map(|v| (v, format!("0x{v:x}"))),
        any::<u64>().prop_map(|v| (v, format!("0X{v:X}"))),
        any::<u64>().prop_map(|v| (v, format!("0{v:o}"))),
        (0u64..1 << 36).prop_map(|v| (v, format!("{v}"))),
    ]
}

/// A well-formed option, as structure and as text.
#[derive(Debug, Clone)]
enum Form {
    Simple { size: u64, base: Option<u64> },
    Ranges { entries: Vec<(u64, Option<u64>, u64)>, offset: Option<u64> },
    High(u64),
    Low(u64),
}

impl Form {
    fn suffix(&self) -> Suffix {
        match self {
            Form::Simple { .. } | Form::Ranges { .. } => Suffix::Null,
            Form::High(_) => Suffix::High,
            Form::Low(_) => Suffix::Low,
        }
    }

    /// The request the kernel's rules give, worked out on the structure:
    /// `Ok((size, base))` or `Err(kernel message)`.
    fn reference(&self, ram: u64) -> Result<(u64, u64), &'static str> {
        match self {
            Form::Simple { size, base } => Ok((*size, base.unwrap_or(0))),
            Form::High(size) | Form::Low(size) => Ok((*size, 0)),
            Form::Ranges { entries, offset } => {
                for &(start, end, size) in entries {
                    if size >= ram {
                        return Err("crashkernel: invalid size");
                    }
                    if ram >= start && ram < end.unwrap_or(u64::MAX) {
                        let base = if size > 0 { offset.unwrap_or(0) } else { 0 };
                        return Ok((size, base));
                    }
                }
                Ok((0, 0))
            }
        }
    }

    /// RAM sizes worth trying: every boundary the structure mentions.
    fn ram_candidates(&self, random: u64) -> Vec<u64> {
        let mut out = vec![random];
        if let Form::Ranges { entries, .. } = self {
            for &(start, end, size) in entries {
                out.extend([start, start.wrapping_sub(1), size, size.wrapping_add(1)]);
                if let Some(end) = end {
                    out.extend([end, end - 1]);
                }
            }
        }
        out
    }
}

/// A number and its spelling.
type Num = (u64, String);

fn entry() -> impl Strategy<Value = (Num, Option<Num>, Num)> {
    (num(), proptest::option::of(num()), num())
        .prop_filter("a closed range must end above its start", |(s, e, _)| e.as_ref().is_none_or(|e| e.0 > s.0))
}

fn well_formed() -> impl Strategy<Value = (Form, String)> {
    prop_oneof![
        1 => (num(), proptest::option::of(num())).prop_map(|(size, base)| {
            let mut text = size.1.clone();
            if let Some(b) = &base {
                text += &format!("@{}", b.1);
            }
            (Form::Simple { size: size.0, base: base.map(|b| b.0) }, text)
        }),
        3 => (proptest::collection::vec(entry(), 1..6), proptest::option::of(num())).prop_map(
            |(entries, offset)| {
                let mut text = entries
                    .iter()
                    .map(|(s, e, size)| {
                        let end = e.as_ref().map_or("", |e| e.1.as_str());
                        format!("{}-{end}:{}", s.1, size.1)
                    })
                    .collect::<Vec<_>>()
                    .join(",");
                if let Some(o) = &offset {
                    text += &format!("@{}", o.1);
                }
                let entries = entries.iter().map(|(s, e, size)| (s.0, e.as_ref().map(|e| e.0), size.0)).collect();
                (Form::Ranges { entries, offset: offset.map(|o| o.0) }, text)
            }
        ),
        1 => num().prop_map(|size| (Form::High(size.0), format!("{},high", size.1))),
        1 => num().prop_map(|size| (Form::Low(size.0), format!("{},low", size.1))),
    ]
}

fn command_line() -> impl Strategy<Value = (Form, String)> {
    let before = proptest::sample::select(vec![
        "",
        "ro root=/dev/sda1 ",
        "crashkernel=junk ",
        "crashkernel=1G,high ",
        "crashkernel=64M,low ",
        "crashkernel=0-:1M ",
        "console=ttyS0,115200 ",
    ]);
    let after = proptest::sample::select(vec!["", " quiet", " a=b:c", " ro", " x,high"]);
    (before, well_formed(), after).prop_map(|(b, (form, body), a)| (form, format!("{b}crashkernel={body}{a}")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(line in proptest::collection::vec(any::<u8>(), 0..96), ram in ram()) {
        exercise(&line, ram)?;
        let mut with_name = b"crashkernel=".to_vec();
        with_name.extend_from_slice(&line);
        exercise(&with_name, ram)?;
    }

    #[test]
    fn near_miss_lines_never_panic_and_round_trip(line in token_soup(), ram in ram()) {
        exercise(&line, ram)?;
    }

    #[test]
    fn mutated_lines_never_panic_and_round_trip(line in mutated(), ram in ram()) {
        exercise(&line, ram)?;
    }

    #[test]
    fn well_formed_lines_match_the_reference_and_round_trip(
        (form, line) in command_line(),
        random in ram(),
        pick in any::<Index>(),
    ) {
        let candidates = form.ram_candidates(random);
        let ram = *pick.get(&candidates);
        let suffix = form.suffix();
        let want = form.reference(ram);
        for profile in PROFILES {
            let got = parse_crashkernel_with(line.as_bytes(), ram, suffix, profile)
                .map(|r| (r.size, r.base))
                .map_err(|e| e.kernel_message().unwrap_or("(silent)"));
            prop_assert_eq!(got, want, "{:?} with RAM {:#x} ({:?})", line, ram, profile);
        }
        exercise(line.as_bytes(), ram)?;
    }
}
