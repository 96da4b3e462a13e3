//! `bootsim --json`: the view model's plain data ([`Report`], schema [`SCHEMA`],
//! `integration/SCHEMA.md`) as indented JSON text; `--compare --json`: one report per profile
//! ([`Comparison`]).

use std::io::Write;

use serde::Serialize;

pub use super::model::*;
use crate::boot::Boot;

impl Comparison {
    /// The comparison of `boots` (one machine under several profiles).
    pub fn from_boots(boots: &[Boot]) -> Comparison {
        Comparison::from_reports(boots.iter().map(Report::from_boot).collect())
    }

    /// The comparison of `reports` (one machine under several profiles).
    pub fn from_reports(reports: Vec<Report>) -> Comparison {
        Comparison { schema: SCHEMA.into(), profiles: reports.iter().map(|r| r.profile.clone()).collect(), reports }
    }
}

/// `bootsim --json`: the report of `boot` as a JSON value.
pub fn to_json(boot: &Boot) -> serde_json::Value {
    // Serializing these plain structs cannot fail (no maps with non-string keys, no floats).
    serde_json::to_value(Report::from_boot(boot)).unwrap_or(serde_json::Value::Null)
}

/// `bootsim --compare --json`: the reports of `boots` as one JSON value.
pub fn compare_to_json(boots: &[Boot]) -> serde_json::Value {
    serde_json::to_value(Comparison::from_boots(boots)).unwrap_or(serde_json::Value::Null)
}

/// Writes `value` (a [`Report`], a [`Comparison`] or a JSON value) to `w` as indented JSON text
/// with a final newline, as [`to_pretty_string`] gives it, without holding the whole text (the
/// 64 TiB machine's report is 18 MB of it).
///
/// # Errors
///
/// What `w` fails with.
pub fn write_pretty<W: Write, T: Serialize>(w: W, value: &T) -> std::io::Result<()> {
    // The serializer writes a few bytes at a time (a key, a quote, each level of indentation):
    // through a buffer of its own type those writes are inlined copies, where `w` may be a
    // `dyn Write` that costs a call each (the 64 TiB machine's report is millions of them).
    let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
    serde_json::to_writer_pretty(&mut w, value)?;
    w.write_all(b"\n")?;
    w.flush()
}

/// `value` (a [`Report`], a [`Comparison`] or a JSON value) as indented JSON text with a
/// final newline, ready to print; the fields come in the order the schema lists them.
pub fn to_pretty_string<T: Serialize>(value: &T) -> String {
    // Serializing these plain structs cannot fail (no maps with non-string keys, no floats).
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}
