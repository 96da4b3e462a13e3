//! Which kernel's `crashkernel=` parser to follow.
//!
//! The series' parser is kernel/kexec.c of 3.12/3.13. Linux 6.1 keeps the same grammar in
//! kernel/crash_core.c, with four differences that change what a boot prints or reserves:
//!
//! * the range form rounds the system RAM **up to a multiple of 128 MiB** before it compares
//!   (both the `invalid size` check and the match use the rounded value);
//! * a range form that resolves to 0 bytes prints `crashkernel size resulted in zero bytes`;
//! * the unrecognized-character warning names the character: `crashkernel: unrecognized char: %c`;
//! * no word of the wanted kind returns `-ENOENT`, not `-EINVAL`.
//!
//! `memparse()` in 6.1 also knows T, P and E ([`Profile::Modern`]).

use super::memparse::Profile;

/// `ENOENT` of include/uapi/asm-generic/errno-base.h: what 6.1 returns when no `crashkernel=`
/// word of the wanted kind is on the command line.
pub const ENOENT: i32 = 2;

/// Which kernel's `__parse_crashkernel()` and helpers to model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Grammar {
    /// kernel/kexec.c of Linux 3.12/3.13 (the series). The `memparse()` suffix set is chosen
    /// separately, by [`Profile`].
    #[default]
    Linux312,
    /// kernel/crash_core.c of Linux 6.1: see the module documentation. Always with 6.1's
    /// `memparse()` ([`Profile::Modern`]).
    Linux61,
}

impl Grammar {
    /// The `memparse()` of this kernel: [`Profile::Modern`] for 6.1, else `profile`.
    pub fn memparse_profile(self, profile: Profile) -> Profile {
        match self {
            Grammar::Linux312 => profile,
            Grammar::Linux61 => Profile::Modern,
        }
    }

    /// The system RAM that the range form compares with: 6.1's `roundup(total_mem, SZ_128M)`.
    /// The kernel's macro adds before it divides, so RAM within 128 MiB of 2^64 wraps to a
    /// small value; the model wraps the same way.
    pub fn range_total_mem(self, system_ram: u64) -> u64 {
        const SZ_128M: u64 = 128 << 20;
        match self {
            Grammar::Linux312 => system_ram,
            Grammar::Linux61 => system_ram.wrapping_add(SZ_128M - 1) / SZ_128M * SZ_128M,
        }
    }
}
