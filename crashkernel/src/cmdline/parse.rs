//! The `crashkernel=` grammar of Linux 3.12 (kernel/kexec.c).
//!
//! Three entry points read the same option name and differ in the suffix
//! they want: [`parse_crashkernel`] (no suffix), [`parse_crashkernel_high`]
//! (`,high`) and [`parse_crashkernel_low`] (`,low`). Each
//!
//! 1. finds the **last** `crashkernel=` of the wanted kind by plain substring
//!    search (so `xcrashkernel=` counts too); a word is the text up to the
//!    next space, and the plain entry point skips words ending in `,high` or
//!    `,low` while the others take only words ending in their suffix;
//! 2. reads what follows the `=` in one of four forms:
//!    * `size[@offset]` — the simple form;
//!    * `start-[end]:size[,start-[end]:size...][@offset]` — the range form,
//!      chosen when a `:` comes before the next space; the first range that
//!      holds the system RAM gives the size;
//!    * `size,high` and `size,low` — the suffixed forms (no offset).
//!
//! The work is split the way it reads best in Rust: [`CrashkernelSpec::parse`]
//! does step 1 and everything that does not depend on RAM, and
//! [`CrashkernelSpec::resolve`] picks the size for a given RAM. Range entries
//! are read lazily, in the kernel's order, because the kernel stops at the
//! matching entry: what follows it is never checked, and an entry before it
//! may fail only because of the RAM (`crashkernel: invalid size`). Composing
//! the two steps gives exactly the kernel's results, warnings included.
//!
//! A command line is raw bytes, read like the kernel's C string: it ends at
//! its first NUL byte, if any. Every error position is a byte offset into
//! the line as passed in.

use super::error::CrashkernelError;
use super::grammar::Grammar;
use super::memparse::{Profile, memparse_with};

/// The option name all three entry points search for (the `name` argument
/// of `__parse_crashkernel()` in kernel/kexec.c, 3.12).
pub const CRASHKERNEL: &[u8] = b"crashkernel=";

/// What 6.1's range form prints when it resolves to no memory (`pr_info` in
/// `parse_crashkernel_mem()` of kernel/crash_core.c).
pub const ZERO_BYTES: &str = "crashkernel size resulted in zero bytes";

/// The known suffixes, in the order of `suffix_tbl[]` of kernel/kexec.c (3.12).
const SUFFIX_TBL: [&[u8]; 2] = [b",high", b",low"];

/// Which `crashkernel=` words an entry point wants.
///
/// Models `SUFFIX_HIGH`, `SUFFIX_LOW` and `SUFFIX_NULL` of kernel/kexec.c (3.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suffix {
    /// `SUFFIX_NULL`: words without a known suffix (`parse_crashkernel()`).
    Null,
    /// `SUFFIX_HIGH`: words ending in `,high` (`parse_crashkernel_high()`).
    High,
    /// `SUFFIX_LOW`: words ending in `,low` (`parse_crashkernel_low()`).
    Low,
}

impl Suffix {
    /// The suffix text, as in `suffix_tbl[]` of kernel/kexec.c (3.12);
    /// `None` for [`Suffix::Null`].
    pub fn text(self) -> Option<&'static [u8]> {
        match self {
            Suffix::Null => None,
            Suffix::High => Some(SUFFIX_TBL[0]),
            Suffix::Low => Some(SUFFIX_TBL[1]),
        }
    }
}

/// What a `crashkernel=` option asks for: the `*crash_size` and
/// `*crash_base` outputs of `parse_crashkernel()` of kernel/kexec.c (3.12)
/// when it returns 0.
///
/// A `size` of 0 means "reserve nothing" (the range form with no matching
/// range, or an explicit 0); a `base` of 0 means "place it automatically".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CrashkernelRequest {
    /// Bytes to reserve (`*crash_size`).
    pub size: u64,
    /// Physical start address, 0 for automatic placement (`*crash_base`).
    pub base: u64,
}

/// A parsed `crashkernel=` option, before the system RAM is known.
///
/// Produced by [`CrashkernelSpec::parse`], which models the front half of
/// `__parse_crashkernel()` of kernel/kexec.c (3.12): `get_last_crashkernel()`,
/// the choice of form, and the whole of `parse_crashkernel_simple()` and
/// `parse_crashkernel_suffix()`. [`CrashkernelSpec::resolve`] finishes the
/// job. `Display` renders a canonical `crashkernel=` word that parses back to
/// the same request for every RAM size at which this one is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrashkernelSpec<'a> {
    /// `crashkernel=size[@offset]`. A `base` of 0 means automatic placement;
    /// an `@` without a number also gives 0, as in the kernel.
    Simple {
        /// The size.
        size: u64,
        /// The offset after `@`, or 0.
        base: u64,
    },
    /// `crashkernel=start-[end]:size[,...][@offset]`, read lazily.
    Ranges(RangeList<'a>),
    /// `crashkernel=size,high`.
    High {
        /// The size.
        size: u64,
    },
    /// `crashkernel=size,low`.
    Low {
        /// The size.
        size: u64,
    },
}

/// The list of a range-form option, as the text that the kernel walks.
///
/// Models the input of `parse_crashkernel_mem()` of kernel/kexec.c (3.12).
/// Its [`entries`](RangeList::entries) are parsed on demand, in order, with
/// the kernel's checks, so that nothing after the entry the kernel stops at
/// is ever required to be valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RangeList<'a> {
    /// The command line up to its first NUL.
    line: &'a [u8],
    /// Where the list starts (just after `crashkernel=`).
    start: usize,
    /// The `memparse()` flavour.
    profile: Profile,
    /// Which kernel's range rules and messages.
    grammar: Grammar,
}

/// One `start-[end]:size` entry of a range list.
///
/// Models one pass of the loop in `parse_crashkernel_mem()` of
/// kernel/kexec.c (3.12), up to the RAM checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RangeEntry {
    /// Lowest RAM size the entry applies to.
    pub start: u64,
    /// RAM size the entry stops applying at; `None` for an open range
    /// (`start-:size`), which the kernel treats as `ULLONG_MAX`.
    pub end: Option<u64>,
    /// Bytes to reserve when the entry matches.
    pub size: u64,
    /// Position of the entry in the command line.
    pub pos: usize,
    /// Position of its size value.
    pub size_pos: usize,
    /// Position just after its size value.
    pub next: usize,
}

impl RangeEntry {
    /// Whether `system_ram` lies in `[start, end)`, the kernel's "match ?"
    /// test in `parse_crashkernel_mem()` (3.12). An open range ends at
    /// `u64::MAX`, which it therefore does not contain.
    pub fn contains(&self, system_ram: u64) -> bool {
        system_ram >= self.start && system_ram < self.end.unwrap_or(u64::MAX)
    }
}

/// Iterator over the entries of a [`RangeList`], from [`RangeList::entries`].
///
/// Models the `do { ... } while (*cur++ == ',')` loop of
/// `parse_crashkernel_mem()` of kernel/kexec.c (3.12) without its RAM
/// checks: it yields each entry, continues only while a `,` follows, and
/// ends after the first error. It logs nothing; [`CrashkernelSpec::resolve`]
/// logs the error it returns.
#[derive(Debug, Clone)]
pub struct RangeEntries<'a> {
    /// The list being walked.
    list: RangeList<'a>,
    /// Where the next entry starts, or `None` when done.
    cur: Option<usize>,
}

/// Byte `i` of `line`, or NUL past its end (the C string's terminator).
#[inline]
fn byte_at(line: &[u8], i: usize) -> u8 {
    line.get(i).copied().unwrap_or(0)
}

/// The command line as the kernel's C string sees it: up to the first NUL.
fn c_str(cmdline: &[u8]) -> &[u8] {
    match cmdline.iter().position(|&c| c == 0) {
        Some(nul) => cmdline.get(..nul).unwrap_or(cmdline),
        None => cmdline,
    }
}

/// `memparse()` at byte `pos` of `line`: the value and the position after it.
fn memparse_at(line: &[u8], pos: usize, profile: Profile) -> (u64, usize) {
    let rest = line.get(pos..).unwrap_or(&[]);
    let (value, consumed) = memparse_with(rest, profile);
    (value, pos + consumed)
}

/// Position of the first occurrence of `needle` in `line` at or after `from`
/// (`strstr()`).
fn find_from(line: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let hay = line.get(from..)?;
    hay.windows(needle.len()).position(|w| w == needle).map(|i| from + i)
}

/// Finds where the last wanted `crashkernel=` word starts.
///
/// Models `get_last_crashkernel()` of kernel/kexec.c (3.12): every
/// occurrence of the name is a candidate, its word ends at the next space
/// (or the end of the line), and the word's ending decides whether it is
/// wanted (see [`Suffix`]).
fn get_last_crashkernel(line: &[u8], suffix: Suffix) -> Option<usize> {
    let mut last = None;
    let mut from = 0;
    while let Some(p) = find_from(line, from, CRASHKERNEL) {
        let end = line.iter().skip(p).position(|&c| c == b' ').map_or(line.len(), |i| p + i);
        let word = line.get(p..end).unwrap_or(&[]);
        let wanted = match suffix.text() {
            None => !SUFFIX_TBL.iter().any(|s| word.ends_with(s)),
            Some(s) => word.ends_with(s),
        };
        if wanted {
            last = Some(p);
        }
        from = p + 1;
    }
    last
}

/// Whether the option at `pos` uses the range form: a `:` comes before the
/// next space (the `first_colon`/`first_space` test of `__parse_crashkernel()`).
fn is_range_form(line: &[u8], pos: usize) -> bool {
    line.iter().skip(pos).find(|&&c| c == b':' || c == b' ').is_some_and(|&c| c == b':')
}

/// Reads `size[@offset]` at `pos`.
///
/// Models `parse_crashkernel_simple()` of kernel/kexec.c (3.12): the offset
/// after `@` is not checked (no number gives 0, trailing junk is ignored),
/// but anything other than `@`, a space or the end right after the size is
/// rejected.
fn parse_simple(
    line: &[u8],
    pos: usize,
    profile: Profile,
    grammar: Grammar,
) -> Result<CrashkernelSpec<'_>, CrashkernelError> {
    let (size, cur) = memparse_at(line, pos, profile);
    if cur == pos {
        return Err(CrashkernelError::MemoryValueExpected { pos }.warn(grammar));
    }
    match byte_at(line, cur) {
        b'@' => {
            let (base, _) = memparse_at(line, cur + 1, profile);
            Ok(CrashkernelSpec::Simple { size, base })
        }
        b' ' | 0 => Ok(CrashkernelSpec::Simple { size, base: 0 }),
        byte => Err(CrashkernelError::UnrecognizedChar { pos: cur, byte, size }.warn(grammar)),
    }
}

/// Reads `size<suffix>` at `pos` and returns the size.
///
/// Models `parse_crashkernel_suffix()` of kernel/kexec.c (3.12): the suffix
/// must follow the size literally, and only a space or the end may follow it.
fn parse_suffixed(
    line: &[u8],
    pos: usize,
    suffix: &[u8],
    profile: Profile,
    grammar: Grammar,
) -> Result<u64, CrashkernelError> {
    let (size, cur) = memparse_at(line, pos, profile);
    if cur == pos {
        return Err(CrashkernelError::MemoryValueExpected { pos }.warn(grammar));
    }
    let unrecognized = |pos| CrashkernelError::UnrecognizedChar { pos, byte: byte_at(line, pos), size }.warn(grammar);
    if !line.get(cur..).is_some_and(|rest| rest.starts_with(suffix)) {
        return Err(unrecognized(cur));
    }
    let after = cur + suffix.len();
    match byte_at(line, after) {
        b' ' | 0 => Ok(size),
        _ => Err(unrecognized(after)),
    }
}

impl<'a> CrashkernelSpec<'a> {
    /// Finds and reads the last `crashkernel=` word of the wanted kind.
    ///
    /// Models `__parse_crashkernel()` of kernel/kexec.c (3.12) up to the
    /// point where the system RAM matters: `get_last_crashkernel()`, the
    /// choice between the range and simple forms, and
    /// `parse_crashkernel_simple()` / `parse_crashkernel_suffix()`.
    ///
    /// * `cmdline` — the command line (raw bytes; it ends at a NUL if any);
    /// * `suffix` — which words are wanted;
    /// * `profile` — which `memparse()` suffix letters are known.
    ///
    /// Returns the spec, or [`CrashkernelError::NotFound`] when no word is
    /// wanted, or the error (logged with `log::warn!` in the kernel's words)
    /// of the simple or suffixed form. Range lists are checked only by
    /// [`resolve`](Self::resolve).
    ///
    /// # Errors
    ///
    /// [`CrashkernelError::NotFound`] when no word of the wanted kind is on the command line;
    /// [`CrashkernelError::MemoryValueExpected`], [`CrashkernelError::UnrecognizedChar`] and the
    /// other syntax errors of the kernel's parser for a word that does not read (simple and
    /// suffixed forms; a range list is checked by [`resolve`](Self::resolve)).
    pub fn parse(cmdline: &'a [u8], suffix: Suffix, profile: Profile) -> Result<Self, CrashkernelError> {
        Self::parse_in(cmdline, suffix, profile, Grammar::Linux312)
    }

    /// [`CrashkernelSpec::parse`] under `grammar`: with [`Grammar::Linux61`], 6.1's
    /// `__parse_crashkernel()` of kernel/crash_core.c (6.1's `memparse()`, whatever `profile`
    /// says; the warning texts of 6.1; and a range list that [`resolve`](Self::resolve)s by
    /// 6.1's rules).
    ///
    /// # Errors
    ///
    /// As [`CrashkernelSpec::parse`], with `grammar`'s rules and messages.
    pub fn parse_in(
        cmdline: &'a [u8],
        suffix: Suffix,
        profile: Profile,
        grammar: Grammar,
    ) -> Result<Self, CrashkernelError> {
        let profile = grammar.memparse_profile(profile);
        let line = c_str(cmdline);
        let found = get_last_crashkernel(line, suffix).ok_or(CrashkernelError::NotFound { pos: line.len() })?;
        let pos = found + CRASHKERNEL.len();
        match suffix.text() {
            Some(text) => {
                let size = parse_suffixed(line, pos, text, profile, grammar)?;
                Ok(if suffix == Suffix::Low { CrashkernelSpec::Low { size } } else { CrashkernelSpec::High { size } })
            }
            None if is_range_form(line, pos) => {
                Ok(CrashkernelSpec::Ranges(RangeList { line, start: pos, profile, grammar }))
            }
            None => parse_simple(line, pos, profile, grammar),
        }
    }

    /// What the option asks for on a machine with `system_ram` bytes.
    ///
    /// For the range form this models `parse_crashkernel_mem()` of
    /// kernel/kexec.c (3.12): entries are read in order; each one examined
    /// must parse and must have a size below `system_ram` (else
    /// `crashkernel: invalid size`); the first whose range holds
    /// `system_ram` gives the size, and if that size is not 0 an `@offset`
    /// anywhere later in the word gives the base. No match gives size 0.
    /// The other forms do not depend on RAM and resolve to their values
    /// (`,high` and `,low` always with base 0).
    ///
    /// Errors are logged with `log::warn!` in the kernel's words.
    ///
    /// # Errors
    ///
    /// For the range form: [`CrashkernelError::RangeValueExpected`],
    /// [`CrashkernelError::DashExpected`], [`CrashkernelError::ColonExpected`],
    /// [`CrashkernelError::EndNotAboveStart`], [`CrashkernelError::RangeSizeExpected`] or
    /// [`CrashkernelError::OffsetExpected`] for an entry that does not read,
    /// [`CrashkernelError::InvalidSize`] for a size not below `system_ram`. The other forms do not
    /// fail here.
    pub fn resolve(&self, system_ram: u64) -> Result<CrashkernelRequest, CrashkernelError> {
        match *self {
            CrashkernelSpec::Simple { size, base } => Ok(CrashkernelRequest { size, base }),
            CrashkernelSpec::High { size } | CrashkernelSpec::Low { size } => Ok(CrashkernelRequest { size, base: 0 }),
            CrashkernelSpec::Ranges(list) => list.resolve(system_ram),
        }
    }
}

impl<'a> RangeList<'a> {
    /// The entries, parsed lazily in order. See [`RangeEntries`].
    pub fn entries(&self) -> RangeEntries<'a> {
        RangeEntries { list: *self, cur: Some(self.start) }
    }

    /// Position in the command line where the list starts.
    pub fn pos(&self) -> usize {
        self.start
    }

    /// Looks for `@offset` from `from` to the end of the word.
    ///
    /// Models the tail of `parse_crashkernel_mem()` of kernel/kexec.c
    /// (3.12): skip to the first `@`, stopping at a space or the end. Returns
    /// `None` without an `@`, else the position after the `@` and what
    /// `memparse()` read there (value, bytes consumed).
    fn offset_from(&self, from: usize) -> Option<(usize, u64, usize)> {
        let at = self
            .line
            .iter()
            .skip(from)
            .position(|&c| c == b' ' || c == b'@')
            .map(|i| from + i)
            .filter(|&i| byte_at(self.line, i) == b'@')?;
        let pos = at + 1;
        let (base, end) = memparse_at(self.line, pos, self.profile);
        Some((pos, base, end - pos))
    }

    /// Which kernel's rules the list follows.
    pub fn grammar(&self) -> Grammar {
        self.grammar
    }

    /// Picks the size for `system_ram`; see [`CrashkernelSpec::resolve`].
    /// Models `parse_crashkernel_mem()` of kernel/kexec.c (3.12), or of
    /// kernel/crash_core.c (6.1: RAM rounded up to 128 MiB, and the
    /// `crashkernel size resulted in zero bytes` message).
    fn resolve(&self, system_ram: u64) -> Result<CrashkernelRequest, CrashkernelError> {
        let grammar = self.grammar;
        let system_ram = grammar.range_total_mem(system_ram);
        let mut matched = None;
        for entry in self.entries() {
            let entry = entry.map_err(|e| e.warn(grammar))?;
            if entry.size >= system_ram {
                return Err(
                    CrashkernelError::InvalidSize { pos: entry.size_pos, size: entry.size, system_ram }.warn(grammar)
                );
            }
            if entry.contains(system_ram) {
                matched = Some(entry);
                break;
            }
        }
        // The kernel looks for an offset only when the chosen size is not 0.
        let Some(entry) = matched.filter(|e| e.size > 0) else {
            if grammar == Grammar::Linux61 {
                log::info!("{ZERO_BYTES}");
            }
            return Ok(CrashkernelRequest::default());
        };
        let base = match self.offset_from(entry.next) {
            None => 0,
            Some((pos, _, 0)) => return Err(CrashkernelError::OffsetExpected { pos, size: entry.size }.warn(grammar)),
            Some((_, base, _)) => base,
        };
        Ok(CrashkernelRequest { size: entry.size, base })
    }
}

/// Reads one `start-[end]:size` entry at `cur`: one pass of the loop in
/// `parse_crashkernel_mem()` of kernel/kexec.c (3.12), without the RAM checks.
fn parse_entry(line: &[u8], cur: usize, profile: Profile) -> Result<RangeEntry, CrashkernelError> {
    let (start, after_start) = memparse_at(line, cur, profile);
    if after_start == cur {
        return Err(CrashkernelError::RangeValueExpected { pos: cur });
    }
    if byte_at(line, after_start) != b'-' {
        return Err(CrashkernelError::DashExpected { pos: after_start });
    }
    let mut p = after_start + 1;
    let mut end = None;
    if byte_at(line, p) != b':' {
        let (value, after_end) = memparse_at(line, p, profile);
        if after_end == p {
            return Err(CrashkernelError::RangeValueExpected { pos: p });
        }
        if value <= start {
            return Err(CrashkernelError::EndNotAboveStart { pos: p, start, end: value });
        }
        end = Some(value);
        p = after_end;
    }
    if byte_at(line, p) != b':' {
        return Err(CrashkernelError::ColonExpected { pos: p });
    }
    let size_pos = p + 1;
    let (size, next) = memparse_at(line, size_pos, profile);
    if next == size_pos {
        return Err(CrashkernelError::RangeSizeExpected { pos: size_pos });
    }
    Ok(RangeEntry { start, end, size, pos: cur, size_pos, next })
}

impl Iterator for RangeEntries<'_> {
    type Item = Result<RangeEntry, CrashkernelError>;

    fn next(&mut self) -> Option<Self::Item> {
        let cur = self.cur.take()?;
        let line = self.list.line;
        let entry = parse_entry(line, cur, self.list.profile);
        if let Ok(e) = &entry
            && byte_at(line, e.next) == b','
        {
            self.cur = Some(e.next + 1);
        }
        Some(entry)
    }
}

impl core::iter::FusedIterator for RangeEntries<'_> {}

/// Parses the `crashkernel=` option of the wanted kind for `system_ram`.
///
/// Models `__parse_crashkernel()` of kernel/kexec.c (3.12), with the
/// `memparse()` suffix set chosen by `profile`. Equivalent to
/// [`CrashkernelSpec::parse`] followed by [`CrashkernelSpec::resolve`].
///
/// Returns the request (its `size` may be 0), or the error; every error but
/// [`CrashkernelError::NotFound`] is logged with `log::warn!` in the kernel's
/// words. The kernel returns -EINVAL for all of them.
///
/// # Errors
///
/// [`CrashkernelError::NotFound`] when no such word is on the command line; otherwise the syntax
/// errors of [`CrashkernelSpec::parse`] and [`CrashkernelSpec::resolve`] (the kernel's -EINVAL).
pub fn parse_crashkernel_with(
    cmdline: &[u8],
    system_ram: u64,
    suffix: Suffix,
    profile: Profile,
) -> Result<CrashkernelRequest, CrashkernelError> {
    CrashkernelSpec::parse(cmdline, suffix, profile)?.resolve(system_ram)
}

/// Parses the `crashkernel=` option of the wanted kind for `system_ram`
/// under `grammar`: with [`Grammar::Linux61`], `parse_crashkernel()`,
/// `parse_crashkernel_high()` or `parse_crashkernel_low()` of
/// kernel/crash_core.c (6.1). Errors and messages are logged in that
/// kernel's words.
///
/// # Errors
///
/// [`CrashkernelError::NotFound`] when no such word is on the command line; otherwise the syntax
/// errors of [`CrashkernelSpec::parse`] and [`CrashkernelSpec::resolve`] (the kernel's -EINVAL).
pub fn parse_crashkernel_in(
    cmdline: &[u8],
    system_ram: u64,
    suffix: Suffix,
    grammar: Grammar,
) -> Result<CrashkernelRequest, CrashkernelError> {
    CrashkernelSpec::parse_in(cmdline, suffix, Profile::Linux312, grammar)?.resolve(system_ram)
}

/// Parses `crashkernel=size[@offset]` or the range form for `system_ram`.
///
/// Models `parse_crashkernel()` of kernel/kexec.c (3.12): the last
/// `crashkernel=` word not ending in `,high` or `,low` is read. See
/// [`parse_crashkernel_with`] for the result.
///
/// # Errors
///
/// [`CrashkernelError::NotFound`] when no such word is on the command line; otherwise the syntax
/// errors of [`CrashkernelSpec::parse`] and [`CrashkernelSpec::resolve`] (the kernel's -EINVAL).
pub fn parse_crashkernel(cmdline: &[u8], system_ram: u64) -> Result<CrashkernelRequest, CrashkernelError> {
    parse_crashkernel_with(cmdline, system_ram, Suffix::Null, Profile::Linux312)
}

/// Parses `crashkernel=size,high`.
///
/// Models `parse_crashkernel_high()` of kernel/kexec.c (3.12): the last
/// `crashkernel=` word ending in `,high` is read; the base is always 0.
/// `system_ram` is unused, as in the kernel's suffixed form.
///
/// # Errors
///
/// [`CrashkernelError::NotFound`] when no such word is on the command line; otherwise the syntax
/// errors of [`CrashkernelSpec::parse`] and [`CrashkernelSpec::resolve`] (the kernel's -EINVAL).
pub fn parse_crashkernel_high(cmdline: &[u8], system_ram: u64) -> Result<CrashkernelRequest, CrashkernelError> {
    parse_crashkernel_with(cmdline, system_ram, Suffix::High, Profile::Linux312)
}

/// Parses `crashkernel=size,low`.
///
/// Models `parse_crashkernel_low()` of kernel/kexec.c (3.12): the last
/// `crashkernel=` word ending in `,low` is read; the base is always 0.
/// `system_ram` is unused, as in the kernel's suffixed form.
///
/// # Errors
///
/// [`CrashkernelError::NotFound`] when no such word is on the command line; otherwise the syntax
/// errors of [`CrashkernelSpec::parse`] and [`CrashkernelSpec::resolve`] (the kernel's -EINVAL).
pub fn parse_crashkernel_low(cmdline: &[u8], system_ram: u64) -> Result<CrashkernelRequest, CrashkernelError> {
    parse_crashkernel_with(cmdline, system_ram, Suffix::Low, Profile::Linux312)
}

mod display;
#[cfg(test)]
mod tests;
