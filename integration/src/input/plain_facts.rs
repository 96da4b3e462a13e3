//! What a plain Linux 6.1 dmesg (no `memblock=debug`) says that the late early-boot requests
//! depend on (spec §H.9, "What the predictor may read"). Every memblock debug line, and every
//! line that gives an answer away (`NODE_DATA(n) allocated`, `software IO TLB: mapped`, the
//! crash kernel's `Reserving`), is ignored, so the same reader works on a `memblock=debug` log.

use movable_node::{E820Entry, E820Type};

pub use crate::acpi_tables::{AcpiReservation, AcpiTableInInitrd};
use crate::input::dmesg::{command_line, last_pfn, ramdisk, srat_cpu, srat_node_head, srat_node_range};
use crate::input::e820::{e820_type_from_kernel_name, parse_mem_entry};
use crate::input::{log_lines, num};

impl SratCpu {
    /// From the `(pxm, apic, node)` the boot log reader gives ([`crate::input::dmesg`]).
    fn from_line((pxm, apic, node): (u32, u64, u32)) -> Option<SratCpu> {
        Some(SratCpu { pxm, apic: u32::try_from(apic).ok()?, node: i32::try_from(node).ok()? })
    }
}

/// `SRAT: PXM %u -> APIC 0x%02x -> Node %u` (`acpi_numa_processor_affinity_init()`): one CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SratCpu {
    /// Proximity domain.
    pub pxm: u32,
    /// Local APIC id.
    pub apic: u32,
    /// Node.
    pub node: i32,
}

/// `ACPI: SRAT: Node %u PXM %u [mem %#010Lx-%#010Lx]%s%s` (`acpi_numa_memory_affinity_init()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SratMemory {
    /// Node.
    pub node: i32,
    /// First byte.
    pub base: u64,
    /// Last byte (inclusive).
    pub last: u64,
    /// ` hotplug`.
    pub hotplug: bool,
}

/// A change `setup_arch()` made to the kernel's e820 table before memblock saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum E820Change {
    /// `e820: update [mem a-b] OLD ==> NEW` (`e820__range_update()`).
    Update {
        /// First byte.
        base: u64,
        /// Last byte.
        last: u64,
        /// Only entries of this type change.
        from: E820Type,
        /// Their new type.
        to: E820Type,
    },
    /// `e820: remove [mem a-b] OLD` (`e820__range_remove()`).
    Remove {
        /// First byte.
        base: u64,
        /// Last byte.
        last: u64,
        /// Only entries of this type lose the range.
        kind: E820Type,
    },
}

/// The facts of one boot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlainFacts {
    /// `Command line:` (x86 `setup_arch()`'s `boot_command_line`).
    pub command_line: Option<String>,
    /// The `BIOS-e820:` table: the firmware's map, which `firmware_map_add_early()` copies.
    pub bios_e820: Vec<E820Entry>,
    /// The `e820: update` and `e820: remove` lines, in order.
    pub e820_changes: Vec<E820Change>,
    /// The last `modified:` map (`e820__update_table_print()`), if any.
    pub modified_e820: Option<Vec<E820Entry>>,
    /// `max_pfn`: the first `last_pfn =` line.
    pub max_pfn: Option<u64>,
    /// `max_low_pfn`: the second `last_pfn =` line (printed only when `max_pfn` passes 4 GiB).
    pub max_low_pfn: Option<u64>,
    /// The initrd `[start, end)` where the boot loader put it (`RAMDISK: [mem a-b]`).
    pub initrd: Option<(u64, u64)>,
    /// `Move RAMDISK from …`: the kernel moved the initrd (`relocate_initrd()`), so no
    /// `RAMDISK:` line says where the boot loader put it.
    pub initrd_moved: bool,
    /// `ACPI: … ACPI table found in initrd`.
    pub acpi_initrd_tables: Vec<AcpiTableInInitrd>,
    /// `ACPI: Reserving … table memory`.
    pub acpi_reservations: Vec<AcpiReservation>,
    /// `SRAT: PXM … -> APIC … -> Node …`, in order: CPU i is the i-th line.
    pub srat_cpus: Vec<SratCpu>,
    /// `ACPI: SRAT: Node …`.
    pub srat_memory: Vec<SratMemory>,
    /// `ACPI: HPET id:` was printed (`acpi_parse_hpet()` ran).
    pub hpet: bool,
    /// The number of `IOAPIC[n]:` lines (`mp_register_ioapic()`).
    pub ioapics: u64,
    /// `smpboot: Allowing N CPUs` (`prefill_possible_map()`).
    pub possible_cpus: Option<u32>,
    /// `setup_percpu: … nr_cpu_ids:N`.
    pub nr_cpu_ids: Option<u32>,
    /// `setup_percpu: … nr_node_ids:N`.
    pub nr_node_ids: Option<u32>,
    /// `percpu: Embedded … s%zu r%zu d%zu u%zu`: (s, r, d, u).
    pub percpu: Option<(u64, u64, u64, u64)>,
    /// The words of `Unknown kernel command line parameters "…"`.
    pub unknown_parameters: Option<Vec<String>>,
    /// `software IO TLB: area num N.`
    pub swiotlb_areas: Option<u32>,
    /// `Using GB pages for direct mapping` (`init_gbpages()`: the CPU has 1 GiB pages).
    pub gbpages: bool,
}

/// A line the reader knows that does not have its form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: cannot read {text:?}: expected {expected}")]
pub struct FactsError {
    /// Line number, from 1.
    pub line: usize,
    /// The message (without timestamp, at most 200 characters).
    pub text: String,
    /// The form the line should have.
    pub expected: &'static str,
}

/// The largest log read (a boot log is well under 1 MiB; a ring buffer dump of 64 MiB is the
/// most a kernel can print).
pub const MAX_LOG_BYTES: usize = 64 << 20;

impl PlainFacts {
    /// Reads a boot log.
    ///
    /// # Errors
    /// A line the reader recognises whose values do not read ([`FactsError`]), or a log of
    /// more than [`MAX_LOG_BYTES`] (line 0).
    pub fn parse(text: &str) -> Result<PlainFacts, FactsError> {
        if text.len() > MAX_LOG_BYTES {
            return Err(FactsError {
                line: 0,
                text: format!("{} bytes", text.len()),
                expected: "a log of at most 64 MiB",
            });
        }
        let mut f = PlainFacts::default();
        let mut in_modified = false;
        for (n, msg, _) in log_lines(text) {
            let was_modified = in_modified;
            in_modified = false;
            let err = |expected| FactsError { line: n, text: msg.chars().take(200).collect(), expected };
            if msg.starts_with("Command line:") {
                if f.command_line.is_none() {
                    f.command_line = command_line(msg).map(str::to_string);
                }
            } else if let Some(rest) = msg.strip_prefix("BIOS-e820: ") {
                f.bios_e820.push(parse_mem_entry(rest).ok_or_else(|| err(EXPECT_E820))?);
            } else if let Some(rest) = msg.strip_prefix("modified: ") {
                let e = parse_mem_entry(rest).ok_or_else(|| err(EXPECT_E820))?;
                match (&mut f.modified_e820, was_modified) {
                    (Some(t), true) => t.push(e),
                    (t, _) => *t = Some(vec![e]),
                }
                in_modified = true;
            } else if let Some(rest) = msg.strip_prefix("e820: update ") {
                f.e820_changes.push(parse_update(rest).ok_or_else(|| err(EXPECT_UPDATE))?);
            } else if let Some(rest) = msg.strip_prefix("e820: remove ") {
                f.e820_changes.push(parse_remove(rest).ok_or_else(|| err(EXPECT_REMOVE))?);
            } else if let Some(rest) = msg.strip_prefix("RAMDISK: ") {
                if f.initrd.is_none() {
                    f.initrd = Some(ramdisk(rest).ok_or_else(|| err(EXPECT_RAMDISK))?);
                }
            } else if msg.starts_with("Move RAMDISK from ") {
                f.initrd_moved = true;
            } else if let Some(rest) = msg.strip_prefix("last_pfn = ") {
                let (pfn, _) = last_pfn(rest).ok_or_else(|| err(EXPECT_LAST_PFN))?;
                match f.max_pfn {
                    None => f.max_pfn = Some(pfn),
                    Some(_) if f.max_low_pfn.is_none() => f.max_low_pfn = Some(pfn),
                    Some(_) => {}
                }
            } else if let Some(rest) = msg.strip_prefix("ACPI: ") {
                f.read_acpi(rest).map_err(err)?;
            } else if let Some(rest) = msg.strip_prefix("SRAT: ")
                && let Some(cpu) = srat_cpu(rest)
            {
                // A CPU the kernel skipped (an APIC id too big) is not a possible CPU.
                if !rest.contains("skipped") {
                    f.srat_cpus.push(cpu.and_then(SratCpu::from_line).ok_or_else(|| err(EXPECT_SRAT_CPU))?);
                }
            } else if msg.starts_with("IOAPIC[") {
                f.ioapics += 1;
            } else if let Some(rest) = msg.strip_prefix("smpboot: Allowing ") {
                f.possible_cpus = Some(leading_dec(rest).ok_or_else(|| err(EXPECT_ALLOWING))?);
            } else if let Some(rest) = msg.strip_prefix("setup_percpu: ") {
                f.nr_cpu_ids = Some(field(rest, "nr_cpu_ids:").ok_or_else(|| err(EXPECT_SETUP_PERCPU))?);
                f.nr_node_ids = Some(field(rest, "nr_node_ids:").ok_or_else(|| err(EXPECT_SETUP_PERCPU))?);
            } else if let Some(rest) = msg.strip_prefix("percpu: Embedded ") {
                f.percpu = Some(parse_percpu(rest).ok_or_else(|| err(EXPECT_PERCPU))?);
            } else if let Some(rest) = msg.strip_prefix("Unknown kernel command line parameters \"") {
                let (words, _) = rest.split_once('"').ok_or_else(|| err(EXPECT_UNKNOWN))?;
                f.unknown_parameters = Some(words.split_whitespace().map(str::to_string).collect());
            } else if msg == "Using GB pages for direct mapping" {
                f.gbpages = true;
            } else if let Some(rest) = msg.strip_prefix("software IO TLB: area num ") {
                f.swiotlb_areas = Some(leading_dec(rest).ok_or_else(|| err(EXPECT_AREAS))?);
            }
        }
        Ok(f)
    }

    fn read_acpi(&mut self, rest: &str) -> Result<(), &'static str> {
        if let Some(r) = rest.strip_prefix("Reserving ") {
            let (sig, r) = r.split_once(" table memory at ").ok_or(EXPECT_RESERVING)?;
            let (base, last) = mem_range(r).ok_or(EXPECT_RESERVING)?;
            self.acpi_reservations.push(AcpiReservation { signature: sig.to_string(), base, last });
        } else if let Some((sig, r)) = rest.split_once(" ACPI table found in initrd [") {
            let size = r.rsplit_once("][").and_then(|(_, s)| s.strip_suffix(']')).and_then(num::hex);
            let size = size.ok_or(EXPECT_INITRD_TABLE)?;
            self.acpi_initrd_tables.push(AcpiTableInInitrd { signature: sig.to_string(), size });
        } else if let Some(r) = rest.strip_prefix("SRAT: ")
            && let Some((node, _pxm, tail)) = srat_node_head(r)
        {
            let (base, end, hotplug, _) = srat_node_range(tail).ok_or(EXPECT_SRAT_NODE)?;
            let node = i32::try_from(node).map_err(|_| EXPECT_SRAT_NODE)?;
            self.srat_memory.push(SratMemory {
                node,
                base,
                last: end.checked_sub(1).ok_or(EXPECT_SRAT_NODE)?,
                hotplug,
            });
        } else if rest.starts_with("HPET id:") {
            self.hpet = true;
        }
        Ok(())
    }

    /// The kernel's e820 table when `e820__reserve_resources()` and
    /// `e820__register_nosave_regions()` walk it: the last `modified:` map the boot printed
    /// (the ACPI-upgrade copy added as ACPI data), else [`PlainFacts::e820_after_fixups`].
    pub fn kernel_e820(&self) -> Vec<E820Entry> {
        match &self.modified_e820 {
            Some(t) => t.clone(),
            None => self.e820_after_fixups(),
        }
    }

    /// The kernel's e820 table when memblock is filled and the direct map is built: the
    /// `BIOS-e820:` table with the `e820: update` and `e820: remove` fix-ups, sorted and
    /// merged as `e820__update_table()` leaves it.
    pub fn e820_after_fixups(&self) -> Vec<E820Entry> {
        let mut table = self.bios_e820.clone();
        for change in &self.e820_changes {
            table = apply(&table, *change);
        }
        sanitize(table)
    }

    /// The facts as they stand once `acpi_table_upgrade()` has put the initrd's tables at
    /// `copy` (its answer): the kernel's e820 table gains the copy as ACPI NVS
    /// (`arch_reserve_mem_area()`; the `modified:` map), and the `ACPI: Reserving` line of each
    /// table from the initrd (same signature and length) names its place in the copy, the
    /// tables lying back to back in the order they were found. So a boot whose copy lands
    /// elsewhere than the log's (a what-if) reserves and counts it where the model put it.
    pub fn after_acpi_upgrade(&self, copy: Option<u64>) -> PlainFacts {
        let mut f = self.clone();
        let Some(copy) = copy else { return f };
        let total = self.acpi_initrd_tables.iter().fold(0u64, |t, x| t.saturating_add(x.size));
        if total == 0 {
            return f;
        }
        let nvs = E820Change::Update {
            base: copy,
            last: copy.saturating_add(total - 1),
            from: E820Type::Ram,
            to: E820Type::Nvs,
        };
        f.modified_e820 = Some(sanitize(apply(&self.e820_after_fixups(), nvs)));
        let mut offset = 0u64;
        let mut used = vec![false; f.acpi_reservations.len()];
        for t in &self.acpi_initrd_tables {
            let base = copy.saturating_add(offset);
            offset = offset.saturating_add(t.size);
            let found = f.acpi_reservations.iter().enumerate().position(|(i, r)| {
                !used[i] && r.signature == t.signature && r.last.checked_sub(r.base).map(|d| d + 1) == Some(t.size)
            });
            if let Some(i) = found {
                used[i] = true;
                let r = &mut f.acpi_reservations[i];
                r.base = base;
                r.last = base.saturating_add(t.size.saturating_sub(1));
            }
        }
        f
    }

    /// `max_low_pfn`: the second `last_pfn` line, else `max_pfn` (below 4 GiB they are one).
    pub fn max_low_pfn(&self) -> Option<u64> {
        self.max_low_pfn.or(self.max_pfn)
    }

    /// `max_possible_pfn`: `max_pfn` raised to the end of every hot-pluggable SRAT range
    /// (`acpi_numa_memory_affinity_init()`), so a hot-add window counts.
    pub fn max_possible_pfn(&self) -> Option<u64> {
        let hotplug_end = self.srat_memory.iter().filter(|m| m.hotplug).map(|m| m.last.saturating_add(1) >> 12).max();
        Some(self.max_pfn?.max(hotplug_end.unwrap_or(0)))
    }

    /// The node of each possible CPU, in CPU order: CPU i is on the node of the i-th
    /// `SRAT: PXM … -> APIC … -> Node` line.
    pub fn cpu_nodes(&self) -> Vec<i32> {
        self.srat_cpus.iter().map(|c| c.node).collect()
    }
}

/// The pieces of `table` after `change`: entries of the changed type are split at the range's
/// edges, and the part inside changes type or goes.
fn apply(table: &[E820Entry], change: E820Change) -> Vec<E820Entry> {
    let (base, last, kind, to) = match change {
        E820Change::Update { base, last, from, to } => (base, last, from, Some(to)),
        E820Change::Remove { base, last, kind } => (base, last, kind, None),
    };
    let end = last.saturating_add(1);
    let mut out = Vec::with_capacity(table.len() + 2);
    for &e in table {
        let e_end = e.addr.saturating_add(e.size);
        if e.kind != kind || e_end <= base || e.addr >= end {
            out.push(e);
            continue;
        }
        let (lo, hi) = (e.addr.max(base), e_end.min(end));
        if e.addr < lo {
            out.push(E820Entry { addr: e.addr, size: lo - e.addr, kind: e.kind });
        }
        if let Some(to) = to {
            out.push(E820Entry { addr: lo, size: hi - lo, kind: to });
        }
        if hi < e_end {
            out.push(E820Entry { addr: hi, size: e_end - hi, kind: e.kind });
        }
    }
    out
}

/// `e820__update_table()` on a table without overlaps: sorted, touching entries of one type
/// merged.
fn sanitize(mut table: Vec<E820Entry>) -> Vec<E820Entry> {
    table.sort_by_key(|e| e.addr);
    let mut out: Vec<E820Entry> = Vec::with_capacity(table.len());
    for e in table {
        match out.last_mut() {
            Some(p)
                if p.kind == e.kind
                    && p.addr.checked_add(p.size) == Some(e.addr)
                    && p.size.checked_add(e.size).is_some() =>
            {
                p.size += e.size
            }
            _ => out.push(e),
        }
    }
    out
}

const EXPECT_E820: &str = "[mem 0xSTART-0xLAST] TYPE";
const EXPECT_UPDATE: &str = "e820: update [mem 0xSTART-0xLAST] TYPE ==> TYPE";
const EXPECT_REMOVE: &str = "e820: remove [mem 0xSTART-0xLAST] TYPE";
const EXPECT_RAMDISK: &str = "RAMDISK: [mem 0xSTART-0xLAST]";
const EXPECT_LAST_PFN: &str = "last_pfn = 0xPFN max_arch_pfn = 0xPFN";
const EXPECT_RESERVING: &str = "ACPI: Reserving SIG table memory at [mem 0xSTART-0xLAST]";
const EXPECT_INITRD_TABLE: &str = "ACPI: SIG ACPI table found in initrd [PATH][0xSIZE]";
const EXPECT_SRAT_NODE: &str = "ACPI: SRAT: Node N PXM P [mem 0xSTART-0xLAST] with optional ` hotplug`";
const EXPECT_SRAT_CPU: &str = "SRAT: PXM P -> APIC 0xID -> Node N";
const EXPECT_ALLOWING: &str = "smpboot: Allowing N CPUs, M hotplug CPUs";
const EXPECT_SETUP_PERCPU: &str = "setup_percpu: NR_CPUS:N nr_cpumask_bits:N nr_cpu_ids:N nr_node_ids:N";
const EXPECT_PERCPU: &str = "percpu: Embedded N pages/cpu sS rR dD uU";
const EXPECT_UNKNOWN: &str = "Unknown kernel command line parameters \"WORDS\", will be passed to user space.";
const EXPECT_AREAS: &str = "software IO TLB: area num N.";

/// `[mem 0xSTART-0xLAST]` at the start of `s`.
fn mem_range(s: &str) -> Option<(u64, u64)> {
    let (range, _) = s.strip_prefix("[mem ")?.split_once(']')?;
    let (a, b) = range.split_once('-')?;
    let (a, b) = (num::hex(a)?, num::hex(b)?);
    (a <= b).then_some((a, b))
}

fn leading_dec<T: TryFrom<u64>>(s: &str) -> Option<T> {
    let (v, _) = num::dec_prefix(s)?;
    T::try_from(v).ok()
}

/// The decimal after `name` in a `name:N` list.
fn field(s: &str, name: &str) -> Option<u32> {
    s.split_whitespace().find_map(|w| w.strip_prefix(name)).and_then(num::dec).and_then(|v| u32::try_from(v).ok())
}

fn parse_update(s: &str) -> Option<E820Change> {
    let (base, last) = mem_range(s)?;
    let (from, to) = s.split_once(']')?.1.split_once("==>")?;
    Some(E820Change::Update {
        base,
        last,
        from: e820_type_from_kernel_name(from)?,
        to: e820_type_from_kernel_name(to)?,
    })
}

fn parse_remove(s: &str) -> Option<E820Change> {
    let (base, last) = mem_range(s)?;
    let kind = e820_type_from_kernel_name(s.split_once(']')?.1)?;
    Some(E820Change::Remove { base, last, kind })
}

fn parse_percpu(s: &str) -> Option<(u64, u64, u64, u64)> {
    let get = |p: char| s.split_whitespace().find_map(|w| w.strip_prefix(p)).and_then(num::dec);
    Some((get('s')?, get('r')?, get('d')?, get('u')?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pc-2n's fix-ups (spec §H.7): the first page becomes reserved, nothing usable lies in
    /// [0xa0000, 1 MiB), so 8 BIOS entries become 9.
    #[test]
    fn kernel_table_after_fixups() {
        let log = "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n\
                   BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n\
                   BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved\n\
                   BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable\n\
                   e820: update [mem 0x00000000-0x00000fff] usable ==> reserved\n\
                   e820: remove [mem 0x000a0000-0x000fffff] usable\n";
        let f = PlainFacts::parse(log).unwrap();
        let t = f.e820_after_fixups();
        assert_eq!(t, f.kernel_e820(), "no modified: map");
        let got: Vec<_> = t.iter().map(|e| (e.addr, e.size, e.kind)).collect();
        assert_eq!(
            got,
            [
                (0, 0x1000, E820Type::Reserved),
                (0x1000, 0x9ec00, E820Type::Ram),
                (0x9fc00, 0x400, E820Type::Reserved),
                (0xf0000, 0x10000, E820Type::Reserved),
                (0x10_0000, 0xbfee_0000, E820Type::Ram),
            ]
        );
    }

    /// c1's ACPI upgrade (its log's `modified:` map): the 0x160-byte SRAT from the initrd,
    /// copied to 1 MiB, becomes ACPI NVS there and its `ACPI: Reserving` line names the copy;
    /// a copy at 0x7ffde000 instead (c2's) moves both.
    #[test]
    fn the_acpi_copy_moves_the_table_and_the_e820_entry() {
        let log = "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n\
                   BIOS-e820: [mem 0x0000000000100000-0x000000007ffdefff] usable\n\
                   e820: update [mem 0x00000000-0x00000fff] usable ==> reserved\n\
                   ACPI: SRAT ACPI table found in initrd [kernel/firmware/acpi/srat.aml][0x160]\n\
                   ACPI: Reserving FACP table memory at [mem 0x7ffe17ca-0x7ffe183d]\n\
                   ACPI: Reserving SRAT table memory at [mem 0x7ffde000-0x7ffde15f]\n";
        let f = PlainFacts::parse(log).unwrap().after_acpi_upgrade(Some(0x10_0000));
        let table: Vec<_> = f.kernel_e820().iter().map(|e| (e.addr, e.size, e.kind)).collect();
        assert_eq!(
            table,
            [
                (0, 0x1000, E820Type::Reserved),
                (0x1000, 0x9ec00, E820Type::Ram),
                (0x10_0000, 0x160, E820Type::Nvs),
                (0x10_0160, 0x7fed_eea0, E820Type::Ram),
            ]
        );
        let srat = &f.acpi_reservations[1];
        assert_eq!((srat.base, srat.last), (0x10_0000, 0x10_015f));
        assert_eq!((f.acpi_reservations[0].base, f.acpi_reservations[0].last), (0x7ffe_17ca, 0x7ffe_183d));
    }

    #[test]
    fn counts_and_words() {
        let log = "[    0.1] smpboot: Allowing 4 CPUs, 0 hotplug CPUs\n\
                   setup_percpu: NR_CPUS:8192 nr_cpumask_bits:4 nr_cpu_ids:4 nr_node_ids:3\n\
                   percpu: Embedded 62 pages/cpu s217088 r8192 d28672 u2097152\n\
                   Unknown kernel command line parameters \"nokaslr foo=1\", will be passed to user space.\n\
                   software IO TLB: area num 4.\n\
                   ACPI: SRAT ACPI table found in initrd [kernel/firmware/acpi/srat.aml][0x160]\n\
                   SRAT: PXM 1 -> APIC 0x03 -> Node 1\n";
        let f = PlainFacts::parse(log).unwrap();
        assert_eq!(
            (f.possible_cpus, f.nr_cpu_ids, f.nr_node_ids, f.swiotlb_areas),
            (Some(4), Some(4), Some(3), Some(4))
        );
        assert_eq!(f.percpu, Some((217_088, 8192, 28_672, 2 << 20)));
        assert_eq!(f.unknown_parameters.as_deref(), Some(&["nokaslr".to_string(), "foo=1".to_string()][..]));
        assert_eq!(f.acpi_initrd_tables[0].size, 0x160);
        assert_eq!(f.srat_cpus, [SratCpu { pxm: 1, apic: 3, node: 1 }]);
    }

    #[test]
    fn garbled_line_is_named() {
        let e = PlainFacts::parse("ok\nsmpboot: Allowing many CPUs\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(e.expected, EXPECT_ALLOWING);
    }
}
