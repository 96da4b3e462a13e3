//! The `crashkernel=` parser of Linux 6.1 (kernel/crash_core.c) where it differs from 3.12's:
//! the range form rounds the RAM up to 128 MiB, the unrecognized-character warning names the
//! character, "not found" is `-ENOENT`, and `memparse()` knows T, P and E. Values by hand.

use crashkernel::{
    CrashkernelError, CrashkernelRequest, CrashkernelSpec, ENOENT, Grammar, Profile, Suffix, parse_crashkernel_in,
};

const M: u64 = 1 << 20;
const G: u64 = 1 << 30;

fn ok(size: u64, base: u64) -> Result<CrashkernelRequest, CrashkernelError> {
    Ok(CrashkernelRequest { size, base })
}

#[test]
fn range_form_compares_ram_rounded_up_to_128m() {
    let line = b"crashkernel=0-4000M:64M,4000M-:128M";
    // 3970 MiB: 3.12 compares 3970 MiB (first range); 6.1 compares 4096 MiB (second).
    assert_eq!(parse_crashkernel_in(line, 3970 * M, Suffix::Null, Grammar::Linux312), ok(64 * M, 0));
    assert_eq!(parse_crashkernel_in(line, 3970 * M, Suffix::Null, Grammar::Linux61), ok(128 * M, 0));
    // A multiple of 128 MiB stays as it is.
    assert_eq!(parse_crashkernel_in(line, 3968 * M, Suffix::Null, Grammar::Linux61), ok(64 * M, 0));

    // The size check uses the rounded RAM too: 4000 MiB < 4096 MiB passes in 6.1 only.
    // The size starts at byte 15 (`crashkernel=` is 0..12, then `0-:`).
    let line = b"crashkernel=0-:4000M";
    assert_eq!(
        parse_crashkernel_in(line, 3970 * M, Suffix::Null, Grammar::Linux312),
        Err(CrashkernelError::InvalidSize { pos: 15, size: 4000 * M, system_ram: 3970 * M })
    );
    assert_eq!(parse_crashkernel_in(line, 3970 * M, Suffix::Null, Grammar::Linux61), ok(4000 * M, 0));
    assert_eq!(
        parse_crashkernel_in(line, 3840 * M, Suffix::Null, Grammar::Linux61),
        Err(CrashkernelError::InvalidSize { pos: 15, size: 4000 * M, system_ram: 3840 * M })
    );
}

#[test]
fn rounding_wraps_near_the_top_like_the_kernels_macro() {
    assert_eq!(Grammar::Linux61.range_total_mem(0), 0);
    assert_eq!(Grammar::Linux61.range_total_mem(1), 128 * M);
    assert_eq!(Grammar::Linux61.range_total_mem(4095 * M + 0xc00), 4096 * M);
    // 2^64 - 1 + 128 MiB - 1 wraps to 128 MiB - 2, which rounds down to 0.
    assert_eq!(Grammar::Linux61.range_total_mem(u64::MAX), 0);
    assert_eq!(Grammar::Linux312.range_total_mem(u64::MAX), u64::MAX);
}

#[test]
fn warnings_in_6_1_words() {
    let e = parse_crashkernel_in(b"crashkernel=128Mjunk", 4 * G, Suffix::Null, Grammar::Linux61).unwrap_err();
    assert_eq!(e, CrashkernelError::UnrecognizedChar { pos: 16, byte: b'j', size: 128 * M });
    assert_eq!(e.message(Grammar::Linux61).unwrap().to_string(), "crashkernel: unrecognized char: j");
    assert_eq!(e.message(Grammar::Linux312).unwrap().to_string(), "crashkernel: unrecognized char");
    // The suffixed form names the character where the suffix should be, or after it.
    let e = parse_crashkernel_in(b"crashkernel=256Mx,high", 4 * G, Suffix::High, Grammar::Linux61).unwrap_err();
    assert_eq!(e.message(Grammar::Linux61).unwrap().to_string(), "crashkernel: unrecognized char: x");
    // Bytes that are not printable ASCII are shown the way /dev/kmsg shows them.
    let e = CrashkernelError::UnrecognizedChar { pos: 0, byte: 0xe9, size: 0 };
    assert_eq!(e.message(Grammar::Linux61).unwrap().to_string(), "crashkernel: unrecognized char: \\xe9");
    let e = CrashkernelError::UnrecognizedChar { pos: 0, byte: b'\\', size: 0 };
    assert_eq!(e.message(Grammar::Linux61).unwrap().to_string(), "crashkernel: unrecognized char: \\x5c");
    // Every other text is 3.12's.
    let e = parse_crashkernel_in(b"crashkernel=", 4 * G, Suffix::Null, Grammar::Linux61).unwrap_err();
    assert_eq!(e.message(Grammar::Linux61).unwrap().to_string(), "crashkernel: memory value expected");
    assert_eq!(CrashkernelError::NotFound { pos: 0 }.message(Grammar::Linux61), None);
}

#[test]
fn not_found_is_enoent_in_6_1() {
    let e = parse_crashkernel_in(b"quiet", 4 * G, Suffix::Null, Grammar::Linux61).unwrap_err();
    assert_eq!((e.errno_in(Grammar::Linux61), e.errno_in(Grammar::Linux312)), (-ENOENT, -22));
    assert_eq!(ENOENT, 2);
    let e = parse_crashkernel_in(b"crashkernel=", 4 * G, Suffix::Null, Grammar::Linux61).unwrap_err();
    assert_eq!(e.errno_in(Grammar::Linux61), -22);
}

#[test]
fn memparse_of_6_1_whatever_the_profile() {
    let spec = CrashkernelSpec::parse_in(b"crashkernel=1T", Suffix::Null, Profile::Linux312, Grammar::Linux61);
    assert_eq!(spec, Ok(CrashkernelSpec::Simple { size: 1 << 40, base: 0 }));
    // 3.12's memparse stops at the T, which the simple form rejects.
    let spec = CrashkernelSpec::parse_in(b"crashkernel=1T", Suffix::Null, Profile::Linux312, Grammar::Linux312);
    assert_eq!(spec, Err(CrashkernelError::UnrecognizedChar { pos: 13, byte: b'T', size: 1 }));
    if let Ok(CrashkernelSpec::Ranges(list)) =
        CrashkernelSpec::parse_in(b"crashkernel=0-:1G", Suffix::Null, Profile::Linux312, Grammar::Linux61)
    {
        assert_eq!(list.grammar(), Grammar::Linux61);
    } else {
        panic!("range form expected");
    }
}

#[test]
fn the_rest_is_3_12s_grammar() {
    // The last word of the wanted kind wins; the plain form skips ,high and ,low words.
    let line = b"crashkernel=64M crashkernel=256M,high crashkernel=128M crashkernel=32M,low";
    assert_eq!(parse_crashkernel_in(line, 4 * G, Suffix::Null, Grammar::Linux61), ok(128 * M, 0));
    assert_eq!(parse_crashkernel_in(line, 4 * G, Suffix::High, Grammar::Linux61), ok(256 * M, 0));
    assert_eq!(parse_crashkernel_in(line, 4 * G, Suffix::Low, Grammar::Linux61), ok(32 * M, 0));
    assert_eq!(
        parse_crashkernel_in(b"crashkernel=256M@16M", 4 * G, Suffix::Null, Grammar::Linux61),
        ok(256 * M, 16 * M)
    );
}
