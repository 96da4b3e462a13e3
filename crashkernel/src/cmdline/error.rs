//! The ways `crashkernel=` parsing fails.
//!
//! Every failure of the 3.12 parsers returns -EINVAL; all but one first print
//! a warning. [`CrashkernelError`] has one variant per warning text (and one,
//! [`CrashkernelError::NotFound`], for the silent case), each carrying the
//! byte position in the command line where the kernel stopped, and the values
//! it compared where there are any. [`CrashkernelError::kernel_message`] gives
//! the kernel's text as printed; [`CrashkernelError::crash_size`] gives what
//! the kernel had already stored in `*crash_size` when it gave up, since a
//! caller that ignores the return value would see it.

use core::fmt;

use super::grammar::{ENOENT, Grammar};

/// `EINVAL` of include/uapi/asm-generic/errno-base.h: what every failure returns (negated).
pub const EINVAL: i32 = 22;

/// A `crashkernel=` option that the kernel rejects.
///
/// Models the `pr_warn()` + `return -EINVAL` exits of `parse_crashkernel_mem()`,
/// `parse_crashkernel_simple()`, `parse_crashkernel_suffix()` and
/// `__parse_crashkernel()` of kernel/kexec.c (3.12). `pos` is a byte offset
/// into the command line as passed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum CrashkernelError {
    /// No `crashkernel=` of the wanted kind: -EINVAL, nothing printed.
    /// `pos` is where the search ended (the end of the line, or its first NUL).
    #[error("no crashkernel= option of the wanted kind (search ended at byte {pos})")]
    NotFound {
        /// End of the searched command line.
        pos: usize,
    },
    /// `size[@offset]` or `size,high|low` without a size.
    #[error("crashkernel: memory value expected (at byte {pos})")]
    MemoryValueExpected {
        /// Where the size should start.
        pos: usize,
    },
    /// A byte that may not follow the size (or the `,high`/`,low` suffix).
    #[error("crashkernel: unrecognized char (byte {byte:#04x} at {pos})")]
    UnrecognizedChar {
        /// Position of the offending byte.
        pos: usize,
        /// The offending byte.
        byte: u8,
        /// The size already parsed, which the kernel left in `*crash_size`.
        size: u64,
    },
    /// Range form: no start, or no end after `-` (and not `:` either).
    #[error("crashkernel: Memory value expected (at byte {pos})")]
    RangeValueExpected {
        /// Where the value should start.
        pos: usize,
    },
    /// Range form: the start of a range is not followed by `-`.
    #[error("crashkernel: '-' expected (at byte {pos})")]
    DashExpected {
        /// Position of the byte found instead.
        pos: usize,
    },
    /// Range form: the range is not followed by `:`.
    #[error("crashkernel: ':' expected (at byte {pos})")]
    ColonExpected {
        /// Position of the byte found instead.
        pos: usize,
    },
    /// Range form: a closed range whose end is not above its start.
    #[error("crashkernel: end <= start (at byte {pos}: start {start:#x}, end {end:#x})")]
    EndNotAboveStart {
        /// Position of the end value.
        pos: usize,
        /// Start of the range.
        start: u64,
        /// End of the range.
        end: u64,
    },
    /// Range form: no size after `range:`.
    #[error("Memory value expected (at byte {pos})")]
    RangeSizeExpected {
        /// Where the size should start.
        pos: usize,
    },
    /// Range form: an entry examined before the match asks for at least all of RAM.
    #[error("crashkernel: invalid size (at byte {pos}: size {size:#x} is not below system RAM {system_ram:#x})")]
    InvalidSize {
        /// Position of the size value.
        pos: usize,
        /// The entry's size.
        size: u64,
        /// The system RAM it was compared with.
        system_ram: u64,
    },
    /// Range form: `@` after the matched entry with no value after it.
    #[error("Memory value expected after '@' (at byte {pos})")]
    OffsetExpected {
        /// Where the offset should start (just after the `@`).
        pos: usize,
        /// The matched size, which the kernel left in `*crash_size`.
        size: u64,
    },
}

impl CrashkernelError {
    /// The warning the kernel printed for this error, without the trailing
    /// newline, or `None` for [`CrashkernelError::NotFound`], where it
    /// prints nothing. Models the `pr_warn()` texts of kernel/kexec.c (3.12).
    pub fn kernel_message(&self) -> Option<&'static str> {
        Some(match self {
            Self::NotFound { .. } => return None,
            Self::MemoryValueExpected { .. } => "crashkernel: memory value expected",
            Self::UnrecognizedChar { .. } => "crashkernel: unrecognized char",
            Self::RangeValueExpected { .. } => "crashkernel: Memory value expected",
            Self::DashExpected { .. } => "crashkernel: '-' expected",
            Self::ColonExpected { .. } => "crashkernel: ':' expected",
            Self::EndNotAboveStart { .. } => "crashkernel: end <= start",
            Self::RangeSizeExpected { .. } => "Memory value expected",
            Self::InvalidSize { .. } => "crashkernel: invalid size",
            Self::OffsetExpected { .. } => "Memory value expected after '@'",
        })
    }

    /// The byte position in the command line where the kernel stopped.
    pub fn pos(&self) -> usize {
        match *self {
            Self::NotFound { pos }
            | Self::MemoryValueExpected { pos }
            | Self::UnrecognizedChar { pos, .. }
            | Self::RangeValueExpected { pos }
            | Self::DashExpected { pos }
            | Self::ColonExpected { pos }
            | Self::EndNotAboveStart { pos, .. }
            | Self::RangeSizeExpected { pos }
            | Self::InvalidSize { pos, .. }
            | Self::OffsetExpected { pos, .. } => pos,
        }
    }

    /// The value left in `*crash_size` by the failing `parse_crashkernel*()`
    /// call of kernel/kexec.c (3.12): the size already parsed when the
    /// failure came after it, else 0. (`*crash_base` is always 0 on failure.)
    pub fn crash_size(&self) -> u64 {
        match *self {
            Self::UnrecognizedChar { size, .. } | Self::OffsetExpected { size, .. } => size,
            _ => 0,
        }
    }

    /// The kernel's return value for this failure: always `-EINVAL`, as in
    /// `parse_crashkernel()` of kernel/kexec.c (3.12).
    pub fn errno(&self) -> i32 {
        -EINVAL
    }

    /// The return value under `grammar`: 6.1 returns `-ENOENT` when no word
    /// of the wanted kind is present, `-EINVAL` otherwise.
    pub fn errno_in(&self, grammar: Grammar) -> i32 {
        match (self, grammar) {
            (Self::NotFound { .. }, Grammar::Linux61) => -ENOENT,
            _ => -EINVAL,
        }
    }

    /// The warning as `grammar`'s kernel prints it, or `None` where it
    /// prints nothing. 6.1 names the unrecognized character
    /// (`crashkernel: unrecognized char: %c`); every other text is 3.12's.
    pub fn message(&self, grammar: Grammar) -> Option<KernelMessage> {
        let text = self.kernel_message()?;
        let byte = match (*self, grammar) {
            (Self::UnrecognizedChar { byte, .. }, Grammar::Linux61) => Some(byte),
            _ => None,
        };
        Some(KernelMessage { text, byte })
    }

    /// Prints the kernel's warning through the `log` crate, as the kernel's
    /// `pr_warn()` does at the point of failure, and hands the error back.
    pub(crate) fn warn(self, grammar: Grammar) -> Self {
        if let Some(message) = self.message(grammar) {
            log::warn!("{message}");
        }
        self
    }
}

/// A parser warning as one kernel prints it (see [`CrashkernelError::message`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KernelMessage {
    /// The fixed text.
    pub text: &'static str,
    /// The character 6.1 appends with `: %c`.
    pub byte: Option<u8>,
}

impl fmt::Display for KernelMessage {
    /// The line without its newline. A character that is not printable ASCII (the
    /// end of the line is a NUL here) is shown as `\xNN`, the way `/dev/kmsg` and
    /// `dmesg` show it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)?;
        match self.byte {
            None => Ok(()),
            Some(b) if (0x20..0x7f).contains(&b) && b != b'\\' => write!(f, ": {}", char::from(b)),
            Some(b) => write!(f, ": \\x{b:02x}"),
        }
    }
}
