//! The kernel's log as a boot writes it: `printk` lines in order, the `WARN`s, and memblock's
//! own lines as `memblock=debug` prints them (from `parse_early_param()` on).

use std::fmt::{Display, Write};

use movable_node::memblock_bottomup::{Event, SeriesMemblock, TraceFormat};

/// Room for a typical kernel line (`init_memory_mapping: [mem 0x...-0x...]` is 57 bytes).
const LINE_CAPACITY: usize = 80;

/// The log of one boot, with how far memblock's event list has been printed.
#[derive(Debug)]
pub struct KernelLog {
    /// Lines as the kernel prints them.
    pub lines: Vec<String>,
    /// The kernel's `WARN`s and the model's notes.
    pub warnings: Vec<String>,
    /// memblock events already printed (or skipped: those before `memblock=debug` takes
    /// effect are silent in the kernel's log).
    seen: usize,
    /// `memblock=debug`.
    debug: bool,
    /// The profile's `memblock=debug` format (3.14 prints inclusive ends and flags).
    trace: TraceFormat,
}

impl KernelLog {
    /// An empty log; `debug` is `memblock=debug`.
    pub fn new(debug: bool, trace: TraceFormat) -> Self {
        KernelLog { lines: Vec::new(), warnings: Vec::new(), seen: 0, debug, trace }
    }

    /// A `printk` line.
    pub fn k(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    /// A `printk` line formatted straight into a buffer the size of a log line: `to_string()`
    /// starts empty and grows three or four times per line, which the mapping's thousands of
    /// lines on a large machine pay for in reallocations.
    pub fn k_fmt(&mut self, line: impl Display) {
        let mut text = String::with_capacity(LINE_CAPACITY);
        // Writing to a String cannot fail.
        let _ = write!(text, "{line}");
        self.lines.push(text);
    }

    /// A kernel `WARN` (logged and kept as a warning).
    pub fn warn(&mut self, text: &str) {
        self.lines.push(text.into());
        self.warnings.push(text.into());
    }

    /// A model's note that is not a kernel line.
    pub fn note(&mut self, text: String) {
        self.warnings.push(text);
    }

    /// One memblock event, printed the way the kernel prints it.
    pub fn memblock_event(&mut self, ev: &Event) {
        match ev {
            Event::Warn(w) => {
                self.warnings.push(w.kernel_text().to_string());
                self.lines.push(format!("WARNING: {w}"));
            }
            ev if !ev.is_debug() => self.k_fmt(ev),
            ev if self.debug => self.k_fmt(ev.kernel_line(self.trace, None)),
            _ => {}
        }
    }

    /// memblock's events since the last call.
    pub fn memblock(&mut self, mb: &SeriesMemblock) {
        let events = mb.log().events();
        for ev in events.get(self.seen..).unwrap_or_default() {
            self.memblock_event(ev);
        }
        self.seen = events.len();
    }

    /// Marks memblock's events so far as printed without printing them (they were silent, or
    /// a layer's own events already carried them).
    pub fn skip_memblock(&mut self, mb: &SeriesMemblock) {
        self.seen = mb.log().events().len();
    }
}
