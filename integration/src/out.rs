//! Where bootsim's words go: results to stdout, errors and notes to stderr, each prefixed
//! `bootsim:`. A reader that goes away early (`bootsim --json | head -c 10`) ends the process
//! quietly, as a Unix filter does, instead of a panic on the closed pipe.

use std::fmt::Display;
use std::io::{ErrorKind, Write};

/// Exit status: the command did what was asked.
pub const EXIT_DONE: u8 = 0;
/// Exit status: a replay found the model and the log differ.
pub const EXIT_DIFFERENT: u8 = 1;
/// Exit status: bad input or bad flags (unreadable, unusable, too large, missing).
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit status: the modelled kernel panicked (the report shows the boot up to the panic).
pub const EXIT_PANIC: u8 = 3;

/// Writes `text` to stdout. A closed pipe ends the process at once with status 0 (the reader
/// has all it wanted); any other write error is returned.
///
/// # Errors
/// Any error writing to stdout but a closed pipe.
pub fn print(text: &str) -> std::io::Result<()> {
    let mut o = std::io::stdout().lock();
    match o.write_all(text.as_bytes()).and_then(|()| o.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => std::process::exit(0),
        r => r,
    }
}

/// Runs `write` on a buffered stdout, for a result too large to hold as one text first. A
/// closed pipe ends the process at once with status 0, as in [`print()`]; any other write error
/// is returned.
pub fn print_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let mut o = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write(&mut o).and_then(|()| o.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => std::process::exit(0),
        r => r,
    }
}

/// Writes `bootsim: {msg}` and a line end to stderr; a stderr that cannot be written is
/// ignored (there is nowhere left to say it).
pub fn say(msg: impl Display) {
    let _ = writeln!(std::io::stderr().lock(), "bootsim: {msg}");
}

/// Writes `text` to the file `path`, or says which file could not be written and why.
///
/// # Errors
/// [`WriteError`] naming the file that could not be written and why.
pub fn write_file(path: &std::path::Path, text: &str) -> Result<(), WriteError> {
    std::fs::write(path, text).map_err(|source| WriteError { path: path.to_path_buf(), source })
}

/// An output file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct WriteError {
    /// The file.
    pub path: std::path::PathBuf,
    /// Why.
    pub source: std::io::Error,
}
