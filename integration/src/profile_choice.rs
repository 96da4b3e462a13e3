//! Which kernel profile a run uses, and why, said in one line: `profile 6.1 (the log is from
//! Linux 6.1.0)`.
//!
//! The input often says which kernel booted: a boot log's `Linux version 6.1.0-56-amd64 ...`
//! line (`linux_banner`), or, with `--from-host`, the running kernel's release
//! (`/proc/sys/kernel/osrelease`, what `uname -r` prints). The profile is then the modelled
//! kernel nearest to it in release order (3.12, 3.13, 3.14, 6.1); a kernel newer than 6.1 or
//! older than 3.12 is modelled as the newest or oldest and said so. An explicit `--profile`
//! wins; with nothing to go by, the default (3.13, the series) runs, named as such.

use std::fmt;

use movable_node::KernelProfile;

/// A kernel release as its version string starts: `6.1.0` of `6.1.0-56-amd64`, `6.18` of `6.18`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Release {
    /// `VERSION`.
    pub major: u32,
    /// `PATCHLEVEL`.
    pub minor: u32,
    /// `SUBLEVEL`, when the string has one.
    pub patch: Option<u32>,
}

impl Release {
    /// Reads the `X.Y[.Z]` at the start of a release string (`6.1.0-56-amd64`, `3.13.0+`,
    /// `6.18`); `None` if it does not start that way.
    pub fn parse(release: &str) -> Option<Release> {
        let head: &str = release.split(|c: char| !(c.is_ascii_digit() || c == '.')).next()?;
        let mut parts = head.split('.').filter(|p| !p.is_empty());
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = parts.next().and_then(|p| p.parse().ok());
        Some(Release { major, minor, patch })
    }

    /// The release of the first `Linux version X.Y.Z...` line of a boot log.
    pub fn from_log(text: &str) -> Option<Release> {
        text.lines().find_map(|l| l.split_once("Linux version ").and_then(|(_, rest)| Release::parse(rest)))
    }

    /// The position of `major.minor` in the order of Linux releases (3.19 was followed by 4.0,
    /// 4.20 by 5.0, 5.19 by 6.0), so that "nearest" counts releases, not version numbers.
    fn ordinal(self) -> i64 {
        let (major, minor) = (i64::from(self.major), i64::from(self.minor));
        // The last minor of each major: 2.6.39, 3.19, 4.20, 5.19; from 6 on, 20 is assumed.
        let last_minor = |m: i64| match m {
            2 => 39,
            3 => 19,
            4 => 20,
            5 => 19,
            _ => 20,
        };
        let mut at = 0;
        for m in 2..major.min(1_000) {
            at += last_minor(m) + 1;
        }
        at + minor
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        match self.patch {
            Some(p) => write!(f, ".{p}"),
            None => Ok(()),
        }
    }
}

/// The modelled kernels, oldest first, with their releases.
const MODELLED: [(KernelProfile, u32, u32); 4] = [
    (KernelProfile::V3_12, 3, 12),
    (KernelProfile::V3_13, 3, 13),
    (KernelProfile::V3_14, 3, 14),
    (KernelProfile::Modern, 6, 1),
];

/// Why a profile was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Named by a flag (`--profile`, replay's `--policy`).
    Flag(&'static str),
    /// The input names this kernel release.
    Detected {
        /// The release the input names.
        release: Release,
        /// Where it was read.
        from: Source,
    },
    /// Nothing says which kernel: the default.
    Default,
}

/// Where a kernel release was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A boot log's `Linux version` line.
    Log,
    /// The running kernel (`/proc/sys/kernel/osrelease`).
    Host,
}

impl Source {
    fn said(self, release: Release) -> String {
        match self {
            Source::Log => format!("the log is from Linux {release}"),
            Source::Host => format!("the running kernel is Linux {release}"),
        }
    }
}

/// A profile and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileChoice {
    /// The profile the run uses.
    pub profile: KernelProfile,
    /// Why.
    pub reason: Reason,
}

impl ProfileChoice {
    /// The profile named by `flag`.
    pub fn flag(profile: KernelProfile, flag: &'static str) -> ProfileChoice {
        ProfileChoice { profile, reason: Reason::Flag(flag) }
    }

    /// The default profile (3.13, the series), chosen because nothing says otherwise.
    pub fn default_profile() -> ProfileChoice {
        ProfileChoice { profile: KernelProfile::default(), reason: Reason::Default }
    }

    /// The modelled profile nearest to `release` (in release order; a tie goes to the older
    /// one), read from `from`.
    pub fn detected(release: Release, from: Source) -> ProfileChoice {
        let at = release.ordinal();
        let profile = MODELLED
            .iter()
            .min_by_key(|(_, major, minor)| {
                (Release { major: *major, minor: *minor, patch: None }.ordinal() - at).abs()
            })
            .map_or(KernelProfile::default(), |m| m.0);
        ProfileChoice { profile, reason: Reason::Detected { release, from } }
    }
}

impl fmt::Display for ProfileChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.profile.name();
        match &self.reason {
            Reason::Flag(flag) => write!(f, "profile {name} ({flag})"),
            Reason::Default => write!(f, "profile {name} (default; no input says which kernel)"),
            Reason::Detected { release, from } => {
                let (newest, oldest) = (MODELLED[MODELLED.len() - 1], MODELLED[0]);
                let key = (release.major, release.minor);
                if key > (newest.1, newest.2) {
                    write!(
                        f,
                        "profile {name} (Linux {release} is newer than every modelled kernel; modelled as {name})"
                    )
                } else if key < (oldest.1, oldest.2) {
                    write!(
                        f,
                        "profile {name} (Linux {release} is older than every modelled kernel; modelled as {name})"
                    )
                } else if MODELLED.iter().any(|m| (m.1, m.2) == key) {
                    write!(f, "profile {name} ({})", from.said(*release))
                } else {
                    write!(
                        f,
                        "profile {name} ({}, which is not modelled; the nearest modelled kernel is {name})",
                        from.said(*release)
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nearest(release: &str) -> KernelProfile {
        ProfileChoice::detected(Release::parse(release).unwrap(), Source::Log).profile
    }

    #[test]
    fn nearest_counts_releases() {
        // Releases after 3.14: 3.15..3.19 (5), 4.0..4.20 (21), 5.0..5.19 (20), 6.0, 6.1: 48
        // steps to 6.1. 4.18 is 24 after 3.14 and 24 before 6.1 (a tie goes to the older);
        // 4.19 is 25 after and 23 before.
        assert_eq!(nearest("4.18.20"), KernelProfile::V3_14);
        assert_eq!(nearest("4.19.0"), KernelProfile::Modern);
        assert_eq!(nearest("3.13.11-ckt39"), KernelProfile::V3_13);
        assert_eq!(nearest("6.1.0-56-amd64"), KernelProfile::Modern);
        assert_eq!(nearest("2.6.32"), KernelProfile::V3_12);
        assert_eq!(nearest("7.0"), KernelProfile::Modern);
    }

    #[test]
    fn releases_read_as_uname_prints_them() {
        assert_eq!(Release::parse("6.1.0-56-amd64"), Some(Release { major: 6, minor: 1, patch: Some(0) }));
        assert_eq!(Release::parse("6.18"), Some(Release { major: 6, minor: 18, patch: None }));
        assert_eq!(Release::parse("3.13.0+"), Some(Release { major: 3, minor: 13, patch: Some(0) }));
        assert_eq!(Release::parse("unknown"), None);
        assert_eq!(Release::parse("6"), None);
        let log = "[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12)\n";
        assert_eq!(Release::from_log(log).map(|r| r.to_string()), Some("6.1.0".into()));
    }
}
