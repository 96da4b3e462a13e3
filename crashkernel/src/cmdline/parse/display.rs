//! The parsed forms written back as a command line would give them.

use core::fmt;

use super::*;

/// A size rendered for the command line: the largest of G, M, K that
/// divides it exactly, else decimal. Every form is read back exactly by
/// `memparse()` in both profiles.
struct MemSize(u64);

impl fmt::Display for MemSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(u32, char); 3] = [(30, 'G'), (20, 'M'), (10, 'K')];
        let v = self.0;
        if v != 0 {
            for (shift, letter) in UNITS {
                if v.trailing_zeros() >= shift {
                    return write!(f, "{}{letter}", v >> shift);
                }
            }
        }
        write!(f, "{v}")
    }
}

impl fmt::Display for RangeEntry {
    /// Renders `start-[end]:size`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-", MemSize(self.start))?;
        if let Some(end) = self.end {
            write!(f, "{}", MemSize(end))?;
        }
        write!(f, ":{}", MemSize(self.size))
    }
}

impl fmt::Display for RangeList<'_> {
    /// Renders the entries up to the first invalid one, then the `@offset`
    /// that the kernel would find after them, if it has a value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut after_last = self.start;
        for (i, entry) in self.entries().map_while(Result::ok).enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{entry}")?;
            after_last = entry.next;
        }
        if let Some((_, base, consumed)) = self.offset_from(after_last)
            && consumed > 0
        {
            write!(f, "@{}", MemSize(base))?;
        }
        Ok(())
    }
}

impl fmt::Display for CrashkernelSpec<'_> {
    /// Renders a canonical `crashkernel=` word (see [`CrashkernelSpec`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("crashkernel=")?;
        match self {
            CrashkernelSpec::Simple { size, base } => {
                write!(f, "{}", MemSize(*size))?;
                if *base != 0 {
                    write!(f, "@{}", MemSize(*base))?;
                }
                Ok(())
            }
            CrashkernelSpec::Ranges(list) => write!(f, "{list}"),
            CrashkernelSpec::High { size } => write!(f, "{},high", MemSize(*size)),
            CrashkernelSpec::Low { size } => write!(f, "{},low", MemSize(*size)),
        }
    }
}
