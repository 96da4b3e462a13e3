//! Conformance with Linux 3.13.11's own parsers.
//!
//! Runs the three entry points on every line of
//! `testdata/conformance/crashkernel/inputs.tsv`, renders the results in the format of
//! `expected.o313.txt` (produced by the kernel's unmodified code compiled in
//! userspace) and compares the whole text byte for byte.

use std::path::PathBuf;

use crashkernel::{
    CrashkernelError, CrashkernelRequest, parse_crashkernel, parse_crashkernel_high, parse_crashkernel_low,
};

/// The repository's test data, relative to this crate's manifest directory.
const TESTDATA_DIR: &str = "../testdata";

/// The conformance data set, inside [`TESTDATA_DIR`].
const DATA_DIR: &str = "conformance/crashkernel";

fn data_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(TESTDATA_DIR).join(DATA_DIR).join(name)
}

fn read(name: &str) -> Vec<u8> {
    let path = data_file(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

type Parser = fn(&[u8], u64) -> Result<CrashkernelRequest, CrashkernelError>;

const PARSERS: [(&str, Parser); 3] = [
    ("crashkernel", parse_crashkernel),
    ("crashkernel_high", parse_crashkernel_high),
    ("crashkernel_low", parse_crashkernel_low),
];

/// One input line's block, in the expected file's format.
fn render_case(ram_text: &[u8], cmdline: &[u8]) -> Vec<u8> {
    let ram: u64 = std::str::from_utf8(ram_text)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad RAM field {:?}", String::from_utf8_lossy(ram_text)));
    let mut out = Vec::new();
    out.extend_from_slice(b"== ram=");
    out.extend_from_slice(ram_text);
    out.extend_from_slice(b" cmdline=");
    out.extend_from_slice(cmdline);
    out.push(b'\n');
    for (name, parse) in PARSERS {
        out.extend_from_slice(format!("-- {name}\n").as_bytes());
        let (ret, size, base) = match parse(cmdline, ram) {
            Ok(r) => (0, r.size, r.base),
            Err(e) => {
                if let Some(message) = e.kernel_message() {
                    out.extend_from_slice(format!("K: {message}\n").as_bytes());
                }
                (e.errno(), e.crash_size(), 0)
            }
        };
        out.extend_from_slice(format!("ret={ret} size={size:#x} base={base:#x}\n").as_bytes());
    }
    out
}

/// Splits the expected output into one block per case (each starts with `== `).
fn split_cases(text: &[u8]) -> Vec<&[u8]> {
    let mut starts: Vec<usize> = Vec::new();
    let mut line_start = 0;
    while line_start < text.len() {
        if text[line_start..].starts_with(b"== ") {
            starts.push(line_start);
        }
        line_start = match text[line_start..].iter().position(|&c| c == b'\n') {
            Some(i) => line_start + i + 1,
            None => text.len(),
        };
    }
    starts.push(text.len());
    starts.windows(2).map(|w| &text[w[0]..w[1]]).collect()
}

#[test]
fn all_380_lines_match_linux_3_13_11() {
    let inputs = read("inputs.tsv");
    let expected = read("expected.o313.txt");

    let mut blocks = Vec::new();
    for line in inputs.split(|&c| c == b'\n') {
        if line.is_empty() {
            continue; // only the final newline leaves an empty piece
        }
        let tab = line.iter().position(|&c| c == b'\t').expect("every input line has a tab");
        blocks.push(render_case(&line[..tab], &line[tab + 1..]));
    }
    assert_eq!(blocks.len(), 380, "inputs.tsv should hold 380 cases");

    let expected_blocks = split_cases(&expected);
    let mut matching = 0;
    for (i, (got, want)) in blocks.iter().zip(&expected_blocks).enumerate() {
        if got.as_slice() != *want {
            panic!(
                "case {} of {} (inputs.tsv line {}) differs after {matching} matching cases\n\
                 --- expected ---\n{}--- got ---\n{}",
                i + 1,
                blocks.len(),
                i + 1,
                String::from_utf8_lossy(want),
                String::from_utf8_lossy(got),
            );
        }
        matching += 1;
    }
    assert_eq!(expected_blocks.len(), blocks.len(), "expected file has a different number of cases");
    let whole: Vec<u8> = blocks.concat();
    assert!(whole == expected, "whole output differs from expected.o313.txt");
    println!("{matching} of {} cases match expected.o313.txt", blocks.len());
}
