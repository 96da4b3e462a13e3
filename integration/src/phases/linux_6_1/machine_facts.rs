//! A machine's own description read into the facts a plain Linux 6.1 dmesg would print
//! ([`PlainFacts`]), so its boot can be predicted before it happens (spec §H.9, "What the
//! predictor may read"): the e820 map, SRAT, command line and initrd of the [`Machine`], the
//! SRAT's node and CPU lines as `acpi_numa_init()` prints them (rendered by movable-node's SRAT
//! parser and read back by [`PlainFacts::parse`]), and the ACPI tables, CPUs and IO-APICs of
//! its [`Platform`](crate::machine::Platform). What no input says is refused or assumed
//! ([`WhenMissing`]), and every assumption is listed.

use movable_node::acpi_srat::records::AcceptAll;
use movable_node::acpi_srat::{NumaConfig, numa_parse::x86_acpi_numa_init_bytes};
use movable_node::param::last_param;
use movable_node::{E820Table, E820Type};

use super::{Build6_1, E820Change, PlainFacts, SratCpu};
use crate::machine::Machine;

/// Why a machine cannot be read into a boot's facts.
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
    /// An input whose boot the model does not derive.
    #[error("{0}")]
    NotDerived(String),
}

/// What to do when the machine does not say something a 6.1 boot reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenMissing {
    /// Refuse, naming the flag that gives it (`bootsim predict`, which is checked allocation by
    /// allocation).
    Refuse,
    /// Assume it and list the assumption (the report of `bootsim --profile 6.1`, which must
    /// boot any machine it is given, the built-in one and `--compare` included).
    Assume,
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

/// The facts of `machine` (e820 map, SRAT, command line, initrd, and its platform's ACPI
/// tables, upgrades and counts) under `build`.
///
/// # Errors
/// [`MachineFactsError::Missing`] without ACPI tables or a CPU count under
/// [`WhenMissing::Refuse`]; [`MachineFactsError::NotDerived`] for an upgrade of a table the
/// firmware lacks, a `mem=`/`memmap=` command line (its e820 edits are not derived), an SRAT
/// that does not parse, or more CPUs than the build has.
pub fn machine_facts(
    machine: &Machine,
    build: &Build6_1,
    missing: WhenMissing,
) -> Result<MachineFacts, MachineFactsError> {
    let platform = &machine.platform;
    let mut assumed = Vec::new();
    if platform.acpi_tables.is_empty() && platform.acpi_table_sizes.is_empty() {
        const HOW: &str = "--acpi-table NAME@ADDR+SIZE (repeatable) or --acpi-tables FILE, as the boot's `ACPI: \
                           FACP 0x… 0000F4` lines or acpidump print them";
        match missing {
            WhenMissing::Refuse => return Err(MachineFactsError::Missing { what: "ACPI tables", how: HOW }),
            WhenMissing::Assume => assumed.push(
                "no ACPI tables reserved: the machine names none (a boot log's `ACPI: Reserving` lines, the \
                 machine file's acpi_tables, or bootsim predict --acpi-table); a real firmware has several"
                    .to_string(),
            ),
        }
    }
    let cmdline = machine.cmdline.as_str();
    if let Some(w) = cmdline.split_whitespace().find(|w| w.starts_with("mem=") || w.starts_with("memmap=")) {
        return Err(MachineFactsError::NotDerived(format!(
            "the command line's {w:?} edits the e820 map: predicting that boot under 6.1 is not derived"
        )));
    }
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
    f.gbpages = machine.cpu.gbpages;
    if f.gbpages {
        assumed.push(
            "1 GiB pages in the direct map (the machine's CPU has them; [cpu] gbpages): read from the source, not \
             seen in a 6.1 boot (spec §H.9.3)"
                .to_string(),
        );
    }
    acpi_facts(&mut f, machine, &mut assumed)?;
    f.ioapics = platform.ioapics.unwrap_or_else(|| {
        assumed.push(format!("{QEMU_IOAPICS} IO-APIC (QEMU's MADT; --ioapics N)"));
        QEMU_IOAPICS
    });
    cpu_facts(&mut f, platform.cpus, build, missing, &mut assumed)?;
    let nodes = f.srat_cpus.iter().map(|c| c.node).chain(f.srat_memory.iter().map(|m| m.node)).max();
    f.nr_node_ids = Some(nodes.map_or(1, |n| u32::try_from(n).unwrap_or(0).saturating_add(1)));
    f.unknown_parameters = Some(match &platform.unknown_parameters {
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

/// The ACPI tables the kernel reserves: those placed, those known by length (placed here),
/// each upgrade from the initrd over the firmware's table, and HPET among them.
fn acpi_facts(f: &mut PlainFacts, machine: &Machine, assumed: &mut Vec<String>) -> Result<(), MachineFactsError> {
    let platform = &machine.platform;
    f.acpi_reservations = platform.acpi_tables.clone();
    f.acpi_reservations.extend(place_by_size(machine, assumed)?);
    for u in &platform.acpi_upgrades {
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
    f.acpi_initrd_tables = platform.acpi_upgrades.clone();
    f.hpet = f.acpi_reservations.iter().any(|t| t.signature == "HPET");
    Ok(())
}

/// The possible CPUs and, when assuming, a node for each CPU no SRAT entry places.
fn cpu_facts(
    f: &mut PlainFacts,
    given: Option<u32>,
    build: &Build6_1,
    missing: WhenMissing,
    assumed: &mut Vec<String>,
) -> Result<(), MachineFactsError> {
    let cpus = possible_cpus(f, given, missing, assumed)?;
    if cpus == 0 || cpus > build.nr_cpus {
        return Err(MachineFactsError::NotDerived(format!(
            "--cpus {cpus}: this build has 1 to {} CPUs",
            build.nr_cpus
        )));
    }
    (f.possible_cpus, f.nr_cpu_ids) = (Some(cpus), Some(cpus));
    let placed = u32::try_from(f.srat_cpus.len()).unwrap_or(u32::MAX);
    if missing == WhenMissing::Assume && placed < cpus {
        // Spec §H.9.3: CPUs without an SRAT entry were never seen; with one node they can be
        // on no other.
        let node = f.srat_memory.first().map_or(0, |m| m.node);
        let n = cpus - placed;
        assumed.push(format!(
            "{n} CPU{} without an SRAT entry taken as on node {node} (not derived; spec §H.9.3)",
            if n == 1 { "" } else { "s" }
        ));
        for apic in placed..cpus {
            f.srat_cpus.push(SratCpu { pxm: 0, apic, node });
        }
    }
    Ok(())
}

/// The tables known by their length, back to back from the end of the highest usable RAM
/// below 4 GiB (where QEMU and SeaBIOS put them; the order and the place are the firmware's
/// choice). Outside RAM no allocation moves with them: only the reserved rows of the dumps.
fn place_by_size(
    machine: &Machine,
    assumed: &mut Vec<String>,
) -> Result<Vec<super::AcpiReservation>, MachineFactsError> {
    let sizes = &machine.platform.acpi_table_sizes;
    if sizes.is_empty() {
        return Ok(Vec::new());
    }
    let e820 = &machine.e820;
    let ram = |e: &&movable_node::E820Entry| e.kind == E820Type::Ram;
    let top = top_of_ram_below_4g(e820).unwrap_or(0);
    let total = sizes.iter().try_fold(0u64, |t, s| t.checked_add(s.size));
    let end = total.and_then(|t| top.checked_add(t));
    let clear = end.is_some_and(|end| !e820.iter().filter(ram).any(|e| e.addr < end && top < e.end()));
    if top == 0 || !clear {
        return Err(MachineFactsError::NotDerived(
            "ACPI tables given by length, but no room outside RAM above the RAM below 4 GiB to put them in: give \
             their places (NAME@ADDR+SIZE)"
                .to_string(),
        ));
    }
    let mut at = top;
    let mut out = Vec::new();
    for t in sizes {
        let last = at + (t.size - 1);
        out.push(super::AcpiReservation { signature: t.signature.clone(), base: at, last });
        at = last + 1;
    }
    assumed.push(format!(
        "{} ACPI table(s) known by length only, placed back to back from {top:#x} (just above the RAM below 4 GiB, \
         where QEMU puts them); outside RAM, only the dumps' reserved rows depend on it (NAME@ADDR+SIZE)",
        out.len()
    ));
    Ok(out)
}

/// The end of the highest usable RAM entry that ends at or below 4 GiB: where the firmware's
/// tables follow on QEMU, and what QEMU's initrd limit is taken from.
fn top_of_ram_below_4g(e820: &[movable_node::E820Entry]) -> Option<u64> {
    e820.iter().filter(|e| e.kind == E820Type::Ram && e.end() <= 1 << 32).map(|e| e.end()).max()
}

/// `LOAD_PHYSICAL_ADDR`: where a kernel without KASLR (`nokaslr`, or a boot loader that does
/// not relocate it) runs, Debian's `CONFIG_PHYSICAL_START` of 16 MiB.
pub const LOAD_PHYSICAL_ADDR: u64 = 0x100_0000;

/// Where QEMU's `-initrd` (x86 direct kernel boot) puts an initrd file of `size` bytes, as the
/// kernel's `RAMDISK: [mem …]` line prints it: `[start, end)` with `end` page-aligned. QEMU takes
/// the highest page-aligned start whose file ends below its limit, the RAM below 4 GiB less its
/// ACPI data; on all eleven fixture boots that limit is the end of the highest usable RAM below
/// 4 GiB rounded down to 64 KiB. Another boot loader chooses otherwise. `None` without RAM below
/// 4 GiB that holds it.
pub fn qemu_initrd_place(e820: &[movable_node::E820Entry], size: u64) -> Option<(u64, u64)> {
    let top = top_of_ram_below_4g(e820)?;
    let limit = top & !0xffff;
    let start = limit.checked_sub(1)?.checked_sub(size)? & !0xfff;
    let end = start.checked_add(size)?.checked_add(0xfff)? & !0xfff;
    let holder = e820.iter().find(|e| e.kind == E820Type::Ram && e.addr <= start && end <= e.end());
    (size > 0 && holder.is_some()).then_some((start, end))
}

/// The possible CPUs: the platform's count, else the SRAT's enabled CPU entries, else (when
/// assuming) one.
fn possible_cpus(
    f: &PlainFacts,
    given: Option<u32>,
    missing: WhenMissing,
    assumed: &mut Vec<String>,
) -> Result<u32, MachineFactsError> {
    match given {
        Some(n) => Ok(n),
        None if !f.srat_cpus.is_empty() => {
            let n = u32::try_from(f.srat_cpus.len()).unwrap_or(u32::MAX);
            assumed.push(format!("{n} possible CPUs: the SRAT's enabled CPU entries (--cpus N)"));
            Ok(n)
        }
        None if missing == WhenMissing::Assume => {
            assumed.push("1 possible CPU: no input counts them and no SRAT places one (--cpus N)".to_string());
            Ok(1)
        }
        None => Err(MachineFactsError::Missing {
            what: "CPU count (no SRAT places a CPU)",
            how: "--cpus N (and an SRAT placing each CPU: --srat FILE)",
        }),
    }
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
    use crate::acpi_tables::parse_table;
    use crate::machine::Platform;

    /// pc-2n's memory map: the fix-ups the kernel prints (`e820: update [mem 0x00000000-0x00000fff]
    /// usable ==> reserved`, `e820: remove [mem 0x000a0000-0x000fffff] usable`) and its
    /// `last_pfn = 0x140000`, `last_pfn = 0xbffe0` lines.
    /// pc-2n's `RAMDISK: [mem 0xbfdfa000-0xbffdffff]` (QEMU's limit 0xbffe0000, the end of its
    /// usable RAM below 4 GiB) and pc-4n-uneven's `[mem 0xbfdea000-0xbffcffff]` (usable RAM ends
    /// at 0xbffdf000; the limit is 0xbffd0000): any file of 0x1e5001 to 0x1e5fff bytes prints
    /// the same line.
    #[test]
    fn the_initrd_goes_where_qemu_put_it() {
        let ram = |addr, end| movable_node::E820Entry { addr, size: end - addr, kind: E820Type::Ram };
        for size in [0x1e_5001, 0x1e_5f00, 0x1e_5fff] {
            let two = [ram(0x1000, 0x9_f000), ram(0x10_0000, 0xbffe_0000), ram(1 << 32, 0x1_4000_0000)];
            assert_eq!(qemu_initrd_place(&two, size), Some((0xbfdf_a000, 0xbffe_0000)), "{size:#x}");
            let four = [ram(0x10_0000, 0xbffd_f000)];
            assert_eq!(qemu_initrd_place(&four, size), Some((0xbfde_a000, 0xbffd_0000)), "{size:#x}");
        }
        assert_eq!(qemu_initrd_place(&[ram(0x10_0000, 0x20_0000)], 1 << 30), None);
    }

    #[test]
    fn kernel_steps_are_derived_from_the_map() {
        let e = |addr, size, kind| movable_node::E820Entry { addr, size, kind };
        let mut machine = Machine {
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
            platform: Platform {
                acpi_tables: vec![parse_table("t", "HPET@0x7ffe1a84+0x38").unwrap()],
                cpus: Some(2),
                ..Platform::default()
            },
            ..Machine::default_machine()
        };
        let build = Build6_1::DEBIAN_6_1_AMD64;
        let m = machine_facts(&machine, &build, WhenMissing::Refuse).unwrap();
        let f = &m.facts;
        assert_eq!((f.max_pfn, f.max_low_pfn), (Some(0x14_0000), Some(0xb_ffe0)));
        assert_eq!(f.e820_after_fixups()[0], e(0, 0x1000, E820Type::Reserved));
        assert!(f.hpet);
        assert_eq!((f.possible_cpus, f.nr_cpu_ids), (Some(2), Some(2)));
        assert_eq!(f.unknown_parameters.as_deref(), Some(&["nokaslr".to_string()][..]));
        assert!(m.assumed.iter().any(|a| a.starts_with("1 IO-APIC")), "{:?}", m.assumed);
        // No SRAT and no CPU count: refused, naming the flag; or one CPU, said.
        machine.platform.cpus = None;
        let none = machine_facts(&machine, &build, WhenMissing::Refuse);
        assert!(matches!(none, Err(MachineFactsError::Missing { how, .. }) if how.starts_with("--cpus")));
        let one = machine_facts(&machine, &build, WhenMissing::Assume).unwrap();
        assert_eq!(one.facts.possible_cpus, Some(1));
        assert!(one.assumed.iter().any(|a| a.starts_with("1 possible CPU")), "{:?}", one.assumed);
        // No ACPI tables: refused, or none reserved, said.
        machine.platform.acpi_tables.clear();
        let refused = machine_facts(&machine, &build, WhenMissing::Refuse);
        assert!(matches!(refused, Err(MachineFactsError::Missing { what: "ACPI tables", .. })));
        let none = machine_facts(&machine, &build, WhenMissing::Assume).unwrap();
        assert!(none.facts.acpi_reservations.is_empty() && !none.facts.hpet);
        assert!(none.assumed.iter().any(|a| a.starts_with("no ACPI tables reserved")), "{:?}", none.assumed);
    }
}
