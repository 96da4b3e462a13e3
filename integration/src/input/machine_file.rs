//! The machine file: a documented TOML description of a machine (see `integration/MACHINE.md`
//! for the format and a full example, and `integration/machines/` for two machines).
//!
//! Every part is optional, and one left out is taken from another input or the defaults (see
//! [`mod@super::assemble`]): `name`, `cmdline`, `[kernel]`, `[initrd]`, `[cpu]`, `[build]` (each of
//! its fields defaulting to [`BuildConfig::default`]'s), `[[e820]]` (exclusive ends), and the
//! NUMA layout as either `[[node]]` tables (turned into SRAT bytes by
//! [`crate::srat_builder::build_srat`], so they go through the same parser as a firmware
//! table) or `srat = "file"`, a raw table relative to the machine file. Numbers are integers,
//! `"0x..."` strings (needed above 2^63, where TOML integers stop) or sizes like `"16G"`.
//! Unknown keys are errors, so a typo does not pass silently.

use std::path::Path;

use movable_node::{CpuFeatures, E820Entry, E820Type};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use toml::Spanned;

use super::e820::{check_placed, e820_type_from_kernel_name};
use super::iomem::DEFAULT_BRK_SIZE;
use super::{InputError, MachineParts, Place, memmap_type, name_of, num, read_srat, read_text, relative_to};
use crate::acpi_tables::{parse_given_table, parse_upgrade};
use crate::machine::{BuildConfig, KernelImage, NodeMemory, NodeSpec, Platform};
use crate::srat_builder::build_srat;

/// An address or size: an integer, a `"0x..."` or decimal string, or a size (`"16G"`).
#[derive(Debug, Clone, Copy)]
struct Num(u64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an address or size: an integer, a \"0x...\" string, or a size like \"16G\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                u64::try_from(v)
                    .map(Num)
                    .map_err(|_| E::custom(format!("{v} is negative; addresses and sizes are not")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                num::flexible(v).map(Num).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// An e820 type: a name (the kernel's `usable`, `reserved`, `ACPI data`, `ACPI NVS`,
/// `unusable`, `persistent`, `type N`; `/sys/firmware/memmap`'s `System RAM` ...; or `ram`,
/// `acpi`, `nvs`, `pmem`) or the BIOS type number.
#[derive(Debug, Clone, Copy)]
struct TypeName(E820Type);

impl<'de> Deserialize<'de> for TypeName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TypeName, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TypeName;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an e820 type: \"usable\", \"reserved\", \"ACPI data\", \"ACPI NVS\", \"unusable\", \"persistent\" or a type number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<TypeName, E> {
                u32::try_from(v)
                    .map(|n| TypeName(E820Type::from_code(n)))
                    .map_err(|_| E::custom(format!("e820 type {v} is not a 32-bit type number")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TypeName, E> {
                let short = match v.trim().to_ascii_lowercase().as_str() {
                    "ram" => Some(E820Type::Ram),
                    "acpi" => Some(E820Type::Acpi),
                    "nvs" => Some(E820Type::Nvs),
                    "pmem" => Some(E820Type::Persistent),
                    _ => None,
                };
                short.or_else(|| e820_type_from_kernel_name(v)).or_else(|| memmap_type(v)).map(TypeName).ok_or_else(|| {
                    E::custom(format!(
                        "unknown e820 type {v:?} (use usable, reserved, ACPI data, ACPI NVS, unusable, persistent or a \
                         type number)"
                    ))
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    name: Option<String>,
    cmdline: Option<String>,
    srat: Option<Spanned<String>>,
    kernel: Option<Spanned<KernelDoc>>,
    initrd: Option<Spanned<InitrdDoc>>,
    cpu: Option<CpuDoc>,
    build: Option<BuildDoc>,
    e820: Option<Vec<Spanned<E820Doc>>>,
    node: Option<Vec<Spanned<NodeDoc>>>,
    platform: Option<Spanned<PlatformDoc>>,
}

/// `[platform]`: what only the 6.1 profile reads ([`Platform`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlatformDoc {
    /// `NAME@ADDR+SIZE` or `NAME:SIZE` each, in the firmware's order.
    #[serde(default)]
    acpi_tables: Vec<String>,
    /// `NAME:SIZE` each.
    #[serde(default)]
    acpi_upgrades: Vec<String>,
    cpus: Option<u32>,
    ioapics: Option<u64>,
    unknown_parameters: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KernelDoc {
    text: Num,
    bss_stop: Num,
    end: Option<Num>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InitrdDoc {
    start: Num,
    end: Num,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CpuDoc {
    pse: Option<bool>,
    pge: Option<bool>,
    gbpages: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BuildDoc {
    realmode_size: Option<Num>,
    brk_used: Option<Num>,
    log_buf_len: Option<Num>,
    node_data_size: Option<Num>,
    ebda_start: Option<Num>,
    reserve_low: Option<Num>,
    config_movable_node: Option<bool>,
    memory_hotplug: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct E820Doc {
    start: Num,
    end: Num,
    #[serde(rename = "type")]
    kind: TypeName,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeDoc {
    pxm: Num,
    #[serde(default)]
    cpus: Vec<Num>,
    #[serde(default)]
    memory: Vec<Spanned<MemoryDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MemoryDoc {
    start: Num,
    end: Num,
    #[serde(default)]
    hotpluggable: bool,
}

/// The 1-based line of byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).bytes().filter(|&b| b == b'\n').count() + 1
}

const PAGE_SIZE: u64 = 4096;

/// Reads a machine file's text (named `file` in messages; `dir` is where a relative
/// `srat = "..."` is looked for) into the parts it describes.
///
/// Errors, each with the line: TOML syntax, an unknown key, a number or type that does not
/// read ([`InputError::Toml`]); an e820 entry, initrd or node range that is empty or ends
/// before it starts, a kernel whose `text < bss_stop <= end` does not hold, a PXM twice, an
/// APIC id above 255 (the SRAT's local APIC entry has 8 bits), both `srat` and `[[node]]`
/// ([`InputError::Invalid`]); overlapping e820 entries or no usable RAM
/// ([`InputError::E820`]); an `srat` file that cannot be read or is not an SRAT.
///
/// # Errors
/// [`InputError::Toml`] for TOML the file's schema does not accept, [`InputError::Invalid`]
/// naming the line of a value no machine could have (an empty range, a kernel out of order, a
/// pxm twice, an 8-bit APIC id exceeded), and the errors of reading its SRAT file.
pub fn parse_machine_toml(file: &str, text: &str, dir: &Path) -> Result<MachineParts, InputError> {
    let doc: Doc = toml::from_str(text).map_err(|e| InputError::Toml {
        at: Place::line(file, e.span().map_or(1, |s| line_of(text, s.start))),
        message: e.message().trim().to_string(),
    })?;
    let src =
        Source { file, newlines: text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i).collect() };
    let mut parts = MachineParts { name: doc.name, cmdline: doc.cmdline, ..MachineParts::default() };
    parts.kernel = doc.kernel.map(|k| src.kernel(k)).transpose()?;
    parts.initrd = doc.initrd.map(|i| src.initrd(i)).transpose()?;
    parts.cpu = doc.cpu.map(cpu_features);
    parts.build = doc.build.map(build_config);
    parts.platform = doc.platform.map(|p| src.platform(p)).transpose()?;
    if let Some(entries) = doc.e820 {
        parts.e820 = Some(src.e820(entries)?);
    }
    match (doc.srat, doc.node) {
        (Some(s), Some(_)) => {
            return Err(src.invalid(
                s.span(),
                "give the NUMA layout either as srat = \"file\" or as [[node]] tables, not both".into(),
            ));
        }
        (Some(s), None) => parts.srat = Some(read_srat(&relative_to(dir, s.get_ref()))?),
        (None, Some(nodes)) => {
            let specs = nodes.into_iter().try_fold(Vec::new(), |specs, n| src.node(specs, n))?;
            parts.srat = Some(build_srat(&specs));
            parts.nodes = Some(specs);
        }
        (None, None) => {}
    }
    Ok(parts)
}

/// The machine file being read, for errors that name their line.
struct Source<'a> {
    file: &'a str,
    /// Where each line ends: every entry of a machine file is placed (its line kept for the
    /// checks that follow), so the line of an offset is a search, not a count from the start.
    newlines: Vec<usize>,
}

type Span = std::ops::Range<usize>;

impl Source<'_> {
    fn at(&self, span: Span) -> Place {
        Place::line(self.file, self.newlines.partition_point(|&n| n < span.start) + 1)
    }

    fn invalid(&self, span: Span, what: String) -> InputError {
        InputError::Invalid { at: self.at(span), what }
    }

    /// `[platform]`: each table in the grammar of `--acpi-table` and `--acpi-upgrade`.
    fn platform(&self, p: Spanned<PlatformDoc>) -> Result<Platform, InputError> {
        let span = p.span();
        let p = p.into_inner();
        let bad = |e: crate::acpi_tables::AcpiTableError| self.invalid(span.clone(), e.to_string());
        let acpi_tables: Result<Vec<_>, _> =
            p.acpi_tables.iter().map(|t| parse_given_table("acpi_tables", t).map_err(bad)).collect();
        let acpi_upgrades: Result<Vec<_>, _> =
            p.acpi_upgrades.iter().map(|t| parse_upgrade("acpi_upgrades", t).map_err(bad)).collect();
        let mut platform = Platform {
            acpi_upgrades: acpi_upgrades?,
            cpus: p.cpus,
            ioapics: p.ioapics,
            unknown_parameters: p.unknown_parameters,
            ..Platform::default()
        };
        platform.set_tables(acpi_tables?);
        Ok(platform)
    }

    /// `[kernel]`: `end` defaults to the page after `bss_stop` plus the default brk.
    fn kernel(&self, k: Spanned<KernelDoc>) -> Result<KernelImage, InputError> {
        let span = k.span();
        let k = k.into_inner();
        let (text_, bss_stop) = (k.text.0, k.bss_stop.0);
        let end = match k.end {
            Some(e) => Some(e.0),
            None => bss_stop
                .checked_add(PAGE_SIZE - 1)
                .map(|b| b & !(PAGE_SIZE - 1))
                .and_then(|b| b.checked_add(DEFAULT_BRK_SIZE)),
        };
        match end {
            Some(end) if text_ < bss_stop && bss_stop <= end => Ok(KernelImage { text: text_, bss_stop, end }),
            _ => Err(self.invalid(
                span,
                format!(
                    "[kernel] needs text < bss_stop <= end; it has text 0x{text_:x}, bss_stop 0x{bss_stop:x}, end {}",
                    end.map_or("past 2^64".to_string(), |e| format!("0x{e:x}"))
                ),
            )),
        }
    }

    fn initrd(&self, i: Spanned<InitrdDoc>) -> Result<(u64, u64), InputError> {
        let span = i.span();
        let i = i.into_inner();
        if i.end.0 <= i.start.0 {
            return Err(self.invalid(
                span,
                format!("[initrd] is empty or ends (0x{:x}) before it starts (0x{:x})", i.end.0, i.start.0),
            ));
        }
        Ok((i.start.0, i.end.0))
    }

    fn e820(&self, entries: Vec<Spanned<E820Doc>>) -> Result<Vec<E820Entry>, InputError> {
        let mut placed = Vec::new();
        for e in entries {
            let span = e.span();
            let e = e.into_inner();
            if e.end.0 <= e.start.0 {
                return Err(self.invalid(
                    span,
                    format!(
                        "[[e820]] entry is empty or ends (0x{:x}) before it starts (0x{:x}); end is exclusive",
                        e.end.0, e.start.0
                    ),
                ));
            }
            placed.push((self.at(span), E820Entry { addr: e.start.0, size: e.end.0 - e.start.0, kind: e.kind.0 }));
        }
        check_placed(self.file, placed)
    }

    /// One `[[node]]`, after the ones already read (a pxm may be described once).
    fn node(&self, mut specs: Vec<NodeSpec>, node: Spanned<NodeDoc>) -> Result<Vec<NodeSpec>, InputError> {
        let span = node.span();
        let node = node.into_inner();
        let pxm = u32::try_from(node.pxm.0)
            .map_err(|_| self.invalid(span.clone(), format!("pxm {} does not fit in 32 bits", node.pxm.0)))?;
        if specs.iter().any(|s| s.pxm == pxm) {
            return Err(self.invalid(span, format!("pxm {pxm} is described twice")));
        }
        let mut cpus = Vec::new();
        for c in node.cpus {
            if c.0 > 255 {
                return Err(self.invalid(
                    span,
                    format!("APIC id {} of pxm {pxm} does not fit the SRAT's 8-bit local APIC entry", c.0),
                ));
            }
            cpus.push(c.0 as u32);
        }
        let mut memory = Vec::new();
        for m in node.memory {
            let mspan = m.span();
            let m = m.into_inner();
            if m.end.0 <= m.start.0 {
                return Err(self.invalid(
                    mspan,
                    format!(
                        "[[node.memory]] of pxm {pxm} is empty or ends (0x{:x}) before it starts (0x{:x})",
                        m.end.0, m.start.0
                    ),
                ));
            }
            memory.push(NodeMemory { start: m.start.0, end: m.end.0, hotpluggable: m.hotpluggable });
        }
        specs.push(NodeSpec { pxm, cpus, memory });
        Ok(specs)
    }
}

/// `[cpu]`: each feature the file leaves out keeps the default CPU's.
fn cpu_features(c: CpuDoc) -> CpuFeatures {
    let d = CpuFeatures::default();
    CpuFeatures { pse: c.pse.unwrap_or(d.pse), pge: c.pge.unwrap_or(d.pge), gbpages: c.gbpages.unwrap_or(d.gbpages) }
}

/// `[build]`: each value the file leaves out keeps the default build's.
fn build_config(b: BuildDoc) -> BuildConfig {
    let d = BuildConfig::default();
    let n = |v: Option<Num>, dflt: u64| v.map_or(dflt, |x| x.0);
    BuildConfig {
        realmode_size: n(b.realmode_size, d.realmode_size),
        brk_used: n(b.brk_used, d.brk_used),
        log_buf_len: n(b.log_buf_len, d.log_buf_len),
        node_data_size: n(b.node_data_size, d.node_data_size),
        ebda_start: n(b.ebda_start, d.ebda_start),
        reserve_low: n(b.reserve_low, d.reserve_low),
        config_movable_node: b.config_movable_node.unwrap_or(d.config_movable_node),
        memory_hotplug: b.memory_hotplug.unwrap_or(d.memory_hotplug),
    }
}

/// Reads a machine file ([`parse_machine_toml`]); its name defaults to the file's, and a
/// relative `srat` is looked for beside it.
///
/// # Errors
/// As [`parse_machine_toml`], and [`InputError::Io`] or [`InputError::TooLarge`] for the file
/// itself.
pub fn read_machine_toml(path: &Path) -> Result<MachineParts, InputError> {
    let text = read_text(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut parts = parse_machine_toml(&name_of(path), &text, dir)?;
    if parts.name.is_none() {
        parts.name = Some(name_of(path));
    }
    Ok(parts)
}
