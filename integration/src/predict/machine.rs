//! A machine's own files and flags read into the facts a plain Linux 6.1 dmesg would print
//! ([`PlainFacts`]), so a boot can be predicted before it happens (spec §H.9, "What the
//! predictor may read"). The e820 map, SRAT, command line and initrd come through
//! [`crate::input::assemble()`]; the SRAT's node and CPU lines are the ones
//! `acpi_numa_init()` prints, rendered by movable-node's SRAT parser and read back by
//! [`PlainFacts::parse`]; what no file says is a flag or an assumption, listed.

use movable_node::acpi_srat::records::AcceptAll;
use movable_node::acpi_srat::{NumaConfig, numa_parse::x86_acpi_numa_init_bytes};
use movable_node::param::last_param;
use movable_node::{E820Table, E820Type};

use crate::input::num;
use crate::machine::Machine;
use crate::phases::linux_6_1::facts::E820Change;
use crate::phases::linux_6_1::{AcpiReservation, AcpiTableInInitrd, Build6_1, PlainFacts};
use crate::replay::place::parse_addr;

/// Why a machine's inputs cannot be read into a boot's facts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MachineFactsError {
    /// A required input was not given.
    #[error("no {what}: give {how}")]
    Missing {
        /// What is missing.
        what: &'static str,
        /// The flag that gives it.
        how: &'static str,
    },
    /// An ACPI table given as `NAME@ADDR+SIZE` or `NAME:SIZE` that does not read.
    #[error("{flag} {text:?}: expected {expected}")]
    BadTable {
        /// The flag (or file and line).
        flag: String,
        /// What was given.
        text: String,
        /// The form it should have.
        expected: &'static str,
    },
    /// An input whose boot the model does not derive.
    #[error("{0}")]
    NotDerived(String),
}

/// `NAME@ADDR+SIZE`: one ACPI table the kernel reserves (`acpi_reserve_initial_tables()`).
pub const TABLE_FORM: &str = "NAME@ADDR+SIZE, e.g. FACP@0x7ffe1990+0x74 (the table's signature, address and length)";
/// `NAME:SIZE`: one table `acpi_table_upgrade()` takes from the initrd.
pub const UPGRADE_FORM: &str = "NAME:SIZE, e.g. SRAT:0xf0 (a table in the initrd's kernel/firmware/acpi/)";

/// Reads `NAME@ADDR+SIZE` (`flag` names it in errors).
///
/// # Errors
/// [`MachineFactsError::BadTable`] for anything else, a zero size, or a table past 2^64.
pub fn parse_table(flag: &str, text: &str) -> Result<AcpiReservation, MachineFactsError> {
    let bad = || MachineFactsError::BadTable { flag: flag.to_string(), text: text.to_string(), expected: TABLE_FORM };
    let (name, rest) = text.trim().split_once('@').ok_or_else(bad)?;
    let (addr, size) = rest.split_once('+').ok_or_else(bad)?;
    let (base, size) = (parse_addr(addr.trim()).ok_or_else(bad)?, parse_addr(size.trim()).ok_or_else(bad)?);
    let last = base.checked_add(size.checked_sub(1).ok_or_else(bad)?).ok_or_else(bad)?;
    Ok(AcpiReservation { signature: signature(name).ok_or_else(bad)?, base, last })
}

/// Reads `NAME:SIZE` (`flag` names it in errors).
///
/// # Errors
/// [`MachineFactsError::BadTable`] for anything else or a zero size.
pub fn parse_upgrade(flag: &str, text: &str) -> Result<AcpiTableInInitrd, MachineFactsError> {
    let bad = || MachineFactsError::BadTable { flag: flag.to_string(), text: text.to_string(), expected: UPGRADE_FORM };
    let (name, size) = text.trim().split_once(':').ok_or_else(bad)?;
    let size = num::flexible(size.trim()).ok().filter(|&s| s > 0).ok_or_else(bad)?;
    Ok(AcpiTableInInitrd { signature: signature(name).ok_or_else(bad)?, size })
}

/// Reads a file of tables, one `NAME@ADDR+SIZE` a line (`#` starts a comment).
///
/// # Errors
/// The first line that does not read, named `file:line`.
pub fn parse_table_file(file: &str, text: &str) -> Result<Vec<AcpiReservation>, MachineFactsError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split_once('#').map_or(line, |(l, _)| l).trim();
        if !line.is_empty() {
            out.push(parse_table(&format!("{file}:{}", i + 1), line)?);
        }
    }
    Ok(out)
}

/// An ACPI signature: four printable ASCII characters.
fn signature(name: &str) -> Option<String> {
    let name = name.trim();
    (name.len() == 4 && name.bytes().all(|b| b.is_ascii_graphic())).then(|| name.to_string())
}

/// What the machine's files do not say, by flag; `None` is the assumption listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// `--cpus N`: possible CPUs (`smpboot: Allowing N CPUs`; the MADT decides on a real boot).
    pub cpus: Option<u32>,
    /// `--ioapics N`: IO-APICs in the MADT (`IOAPIC[n]:` lines).
    pub ioapics: Option<u64>,
    /// `--unknown-param WORD`: the words of `Unknown kernel command line parameters`.
    pub unknown_parameters: Option<Vec<String>>,
}

/// The facts of a machine that has not booted (or whose log is not at hand), and what was
/// derived or assumed to get them.
#[derive(Debug, Clone)]
pub struct MachineFacts {
    /// What a plain dmesg of its boot would say.
    pub facts: PlainFacts,
    /// Each value not read from an input, and where it came from, one line each.
    pub assumed: Vec<String>,
}

/// The IO-APICs of a QEMU `pc`/`q35` machine (its MADT has one).
pub const QEMU_IOAPICS: u64 = 1;

/// The parameters Debian 6.1's kernel proper has no handler for, though the decompressor reads
/// them (`arch/x86/boot/compressed/`): `print_unknown_bootoptions()` lists them.
const DECOMPRESSOR_ONLY: [&str; 1] = ["nokaslr"];

/// The facts of `machine` (from [`crate::input::assemble()`]: e820 map, SRAT, command line,
/// initrd) with the ACPI tables the firmware gives (`tables`), those the initrd upgrades
/// (`upgrades`) and the counts.
///
/// # Errors
/// [`MachineFactsError::Missing`] without ACPI tables; [`MachineFactsError::NotDerived`] for
/// an upgrade of a table the firmware lacks, a `mem=`/`memmap=` command line (its e820 edits are
/// not derived) or an SRAT that does not parse.
pub fn machine_facts(
    machine: &Machine,
    tables: &[AcpiReservation],
    upgrades: &[AcpiTableInInitrd],
    counts: &Counts,
    build: &Build6_1,
) -> Result<MachineFacts, MachineFactsError> {
    if tables.is_empty() {
        return Err(MachineFactsError::Missing {
            what: "ACPI tables",
            how: "--acpi-table NAME@ADDR+SIZE (repeatable) or --acpi-tables FILE, as the boot's `ACPI: FACP 0x… \
                  0000F4` lines or acpidump print them",
        });
    }
    let cmdline = machine.cmdline.as_str();
    if let Some(w) = cmdline.split_whitespace().find(|w| w.starts_with("mem=") || w.starts_with("memmap=")) {
        return Err(MachineFactsError::NotDerived(format!(
            "the command line's {w:?} edits the e820 map: predicting that boot is not derived"
        )));
    }
    let mut assumed = Vec::new();
    // numa=off: x86_numa_init() goes straight to the dummy node; the SRAT is never parsed.
    let numa_off = last_param(cmdline.as_bytes(), "numa").flatten() == Some(&b"off"[..]);
    let mut f = if numa_off { PlainFacts::default() } else { srat_facts(machine.srat.as_deref())? };
    f.command_line = Some(cmdline.to_string());
    f.bios_e820 = machine.e820.clone();
    // trim_bios_range(): the first page is the BIOS's, [640 KiB, 1 MiB) is never RAM.
    f.e820_changes = vec![
        E820Change::Update { base: 0, last: 0xfff, from: E820Type::Ram, to: E820Type::Reserved },
        E820Change::Remove { base: 0xa_0000, last: 0xf_ffff, kind: E820Type::Ram },
    ];
    let table = E820Table::new(f.e820_after_fixups())
        .map_err(|e| MachineFactsError::NotDerived(format!("the e820 map after trim_bios_range(): {e}")))?;
    let max_pfn = table.end_of_ram_pfn().0;
    f.max_pfn = Some(max_pfn);
    f.max_low_pfn = (max_pfn > 1 << 20).then(|| table.end_of_low_ram_pfn().0);
    f.initrd = machine.initrd;
    f.acpi_reservations = tables.to_vec();
    for u in upgrades {
        let Some(t) = f.acpi_reservations.iter_mut().find(|t| t.signature == u.signature) else {
            return Err(MachineFactsError::NotDerived(format!(
                "--acpi-upgrade {}: the firmware has no {} table to override (a new table is not derived)",
                u.signature, u.signature
            )));
        };
        // acpi_table_initrd_override(): the initrd's table replaces the firmware's; where its
        // copy lands is the model's answer.
        t.last = t.base.saturating_add(u.size.saturating_sub(1));
    }
    f.acpi_initrd_tables = upgrades.to_vec();
    f.hpet = f.acpi_reservations.iter().any(|t| t.signature == "HPET");
    f.ioapics = counts.ioapics.unwrap_or_else(|| {
        assumed.push(format!("{QEMU_IOAPICS} IO-APIC (QEMU's MADT; --ioapics N)"));
        QEMU_IOAPICS
    });
    let cpus = match counts.cpus {
        Some(n) => n,
        None if !f.srat_cpus.is_empty() => {
            let n = u32::try_from(f.srat_cpus.len()).unwrap_or(u32::MAX);
            assumed.push(format!("{n} possible CPUs: the SRAT's enabled CPU entries (--cpus N)"));
            n
        }
        None => {
            return Err(MachineFactsError::Missing {
                what: "CPU count (no SRAT places a CPU)",
                how: "--cpus N (and an SRAT placing each CPU: --srat FILE)",
            });
        }
    };
    if cpus == 0 || cpus > build.nr_cpus {
        return Err(MachineFactsError::NotDerived(format!(
            "--cpus {cpus}: this build has 1 to {} CPUs",
            build.nr_cpus
        )));
    }
    (f.possible_cpus, f.nr_cpu_ids) = (Some(cpus), Some(cpus));
    let nodes = f.srat_cpus.iter().map(|c| c.node).chain(f.srat_memory.iter().map(|m| m.node)).max();
    f.nr_node_ids = Some(nodes.map_or(1, |n| u32::try_from(n).unwrap_or(0).saturating_add(1)));
    f.unknown_parameters = Some(match &counts.unknown_parameters {
        Some(w) => w.clone(),
        None => {
            let words: Vec<String> =
                cmdline.split_whitespace().filter(|w| DECOMPRESSOR_ONLY.contains(w)).map(str::to_string).collect();
            assumed.push(format!(
                "unknown command line parameters {:?}: those only the decompressor reads (--unknown-param WORD)",
                words.join(" ")
            ));
            words
        }
    });
    if f.initrd.is_none() {
        assumed.push("no initrd (--initrd START-END)".to_string());
    }
    Ok(MachineFacts { facts: f, assumed })
}

/// The SRAT's CPU and memory lines (`acpi_numa_processor_affinity_init()`,
/// `acpi_numa_memory_affinity_init()`), as a 6.1 boot prints them, read back as facts.
fn srat_facts(srat: Option<&[u8]>) -> Result<PlainFacts, MachineFactsError> {
    let Some(bytes) = srat else { return Ok(PlainFacts::default()) };
    let (numa, _) = x86_acpi_numa_init_bytes(bytes, NumaConfig::linux_6_1_messages(), &mut AcceptAll)
        .map_err(|e| MachineFactsError::NotDerived(format!("--srat: the table does not parse ({e})")))?;
    PlainFacts::parse(&numa.message_lines().join("\n"))
        .map_err(|e| MachineFactsError::NotDerived(format!("--srat: the parser's lines do not read back ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_read_as_the_kernel_prints_them() {
        // pc-2n's `ACPI: Reserving FACP table memory at [mem 0x7ffe1990-0x7ffe1a03]`: 0x74 bytes.
        let t = parse_table("--acpi-table", "FACP@0x7ffe1990+0x74").unwrap();
        assert_eq!((t.signature.as_str(), t.base, t.last), ("FACP", 0x7ffe_1990, 0x7ffe_1a03));
        let u = parse_upgrade("--acpi-upgrade", "SRAT:0x160").unwrap();
        assert_eq!((u.signature.as_str(), u.size), ("SRAT", 0x160));
        for bad in ["FACP", "FACP@1", "FACP@1+0", "FAC@1+1", "FACP@0xffffffffffffffff+2", "FACP@x+1"] {
            assert!(matches!(parse_table("f", bad), Err(MachineFactsError::BadTable { .. })), "{bad}");
        }
        let file = "# header\nFACS@0x7ffe0000+0x40\n\nHPET@0x7ffe1a84+0x38 # trailing\nbad\n";
        let e = parse_table_file("t.txt", file).unwrap_err();
        assert_eq!(e.to_string(), format!("t.txt:5 \"bad\": expected {TABLE_FORM}"));
    }

    /// pc-2n's memory map: the fix-ups the kernel prints (`e820: update [mem 0x00000000-0x00000fff]
    /// usable ==> reserved`, `e820: remove [mem 0x000a0000-0x000fffff] usable`) and its
    /// `last_pfn = 0x140000`, `last_pfn = 0xbffe0` lines.
    #[test]
    fn kernel_steps_are_derived_from_the_map() {
        let e = |addr, size, kind| movable_node::E820Entry { addr, size, kind };
        let machine = Machine {
            e820: vec![
                e(0, 0x9_fc00, E820Type::Ram),
                e(0x9_fc00, 0x400, E820Type::Reserved),
                e(0xf_0000, 0x1_0000, E820Type::Reserved),
                e(0x10_0000, 0xbfee_0000, E820Type::Ram),
                e(0xbffe_0000, 0x2_0000, E820Type::Reserved),
                e(0x1_0000_0000, 0x4000_0000, E820Type::Ram),
            ],
            cmdline: "nokaslr movable_node".to_string(),
            srat: None,
            ..Machine::default_machine()
        };
        let tables = [parse_table("t", "HPET@0x7ffe1a84+0x38").unwrap()];
        let counts = Counts { cpus: Some(2), ..Counts::default() };
        let m = machine_facts(&machine, &tables, &[], &counts, &Build6_1::DEBIAN_6_1_AMD64).unwrap();
        let f = &m.facts;
        assert_eq!((f.max_pfn, f.max_low_pfn), (Some(0x14_0000), Some(0xb_ffe0)));
        assert_eq!(f.e820_after_fixups()[0], e(0, 0x1000, E820Type::Reserved));
        assert!(f.hpet);
        assert_eq!((f.possible_cpus, f.nr_cpu_ids), (Some(2), Some(2)));
        assert_eq!(f.unknown_parameters.as_deref(), Some(&["nokaslr".to_string()][..]));
        assert!(m.assumed.iter().any(|a| a.starts_with("1 IO-APIC")), "{:?}", m.assumed);
        // No SRAT and no --cpus: refused, naming the flag.
        let none = machine_facts(&machine, &tables, &[], &Counts::default(), &Build6_1::DEBIAN_6_1_AMD64);
        assert!(matches!(none, Err(MachineFactsError::Missing { how, .. }) if how.starts_with("--cpus")));
    }
}
