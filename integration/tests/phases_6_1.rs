//! The Linux 6.1 request generators of `integration::phases::linux_6_1` (spec §H.9.2 steps 6,
//! 7, 10, 11 and 12) on the eleven real boots of `testdata/fixtures/linux-6.1-qemu{,-hotplug}/`,
//! request by request against what Debian's 6.1.192 printed with `memblock=debug`.
//!
//! The generators read only what a plain dmesg says ([`PlainFacts`]: memblock debug lines are
//! never read by it). The test sets the model memblock to the state the log says exists just
//! before each phase: the `MEMBLOCK configuration` dump before it (regions, nodes, flags),
//! then every range line printed after the dump (reservations, frees, the answers of the
//! requests in between), with `current_limit` = `max_pfn << 12` (spec §H.6 step 4) and
//! bottom-up exactly while `movable_node` is on and the SRAT is not yet parsed. The sparse and
//! late phases also need each node's `NODE_DATA` address (the NUMA phase's answers), taken
//! from the log's `NODE_DATA(n) allocated` lines. Then every request the phases make (kind,
//! caller, size, align, from, max_addr, nid) and every answer, free and reservation must be the
//! log's, in the log's order.

use std::collections::BTreeMap;

use integration::movable_node::memblock_bottomup::{BottomUp, MAX_NUMNODES, RegionFlags, RegionKind, SeriesMemblock};
use integration::movable_node::x86_mm_bottomup::{Linux6_1Walk, QEMU64};
use integration::movable_node::{DirectMap, E820Table, KernelProfile, MappingSetup};
use integration::phases::linux_6_1::{self as p61, Build6_1, PhaseOp, PhaseOps, PhaseRequest, PlainFacts};
use integration::replay::trace::{DumpKind, RangeOp, Trace, TraceEvent};

use integration::predict::compare::without_offsets;
mod linux61_common;
use linux61_common::boots;

const BUILD: Build6_1 = Build6_1::DEBIAN_6_1_AMD64;

/// One memblock operation as the log prints it, in the form the phases record.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Request {
        kind: String,
        caller: String,
        size: u64,
        align: u64,
        from: u64,
        max_addr: u64,
        nid: Option<i32>,
        answer: Option<u64>,
    },
    Reserve {
        caller: String,
        base: u64,
        size: u64,
    },
    Free {
        caller: String,
        base: u64,
        size: u64,
    },
    Other(String),
}

/// `symbol+0xoff/0xsize` → `symbol`, without a compiler suffix (`.constprop.0`).
fn symbol(caller: &str) -> String {
    let s = caller.split('+').next().unwrap_or(caller);
    s.split('.').next().unwrap_or(s).to_string()
}

/// The log's memblock operations with the index of the event each starts at; a request's
/// answer is its `memblock_alloc_range_nid` reservation, if one follows before any other
/// memblock line.
fn log_ops(trace: &Trace) -> Vec<(usize, Op)> {
    let ev = &trace.events;
    let mut out = Vec::new();
    let mut i = 0;
    while i < ev.len() {
        let op = match &ev[i].event {
            TraceEvent::Request(r) => {
                let next_memblock = ev[i + 1..].iter().find(|l| l.event.is_memblock());
                let answer = match next_memblock.map(|l| &l.event) {
                    Some(TraceEvent::Range { op: RangeOp::Reserve, base, caller, .. })
                        if caller.starts_with("memblock_alloc_range_nid") =>
                    {
                        Some(*base)
                    }
                    _ => None,
                };
                Op::Request {
                    kind: r.kind.name().to_string(),
                    caller: symbol(&r.caller),
                    size: r.size,
                    align: r.align,
                    from: r.from,
                    max_addr: r.max_addr,
                    nid: r.nid,
                    answer,
                }
            }
            TraceEvent::Range { op: RangeOp::Reserve, caller, .. }
                if caller.starts_with("memblock_alloc_range_nid") =>
            {
                // An answer (taken above), or NODE_DATA's unannounced request.
                i += 1;
                continue;
            }
            TraceEvent::Range { op: RangeOp::Reserve, base, last, caller } => {
                Op::Reserve { caller: symbol(caller), base: *base, size: last - base + 1 }
            }
            TraceEvent::Range { op: RangeOp::PhysFree, base, last, caller } => {
                Op::Free { caller: symbol(caller), base: *base, size: last - base + 1 }
            }
            e if e.is_memblock() => Op::Other(format!("{e:?}")),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push((i, op));
        i += 1;
    }
    out
}

fn model_op(op: &PhaseOp) -> Op {
    match op {
        PhaseOp::Request(PhaseRequest { kind, caller, size, align, from, max_addr, nid, answer }) => Op::Request {
            kind: kind.name().to_string(),
            caller: caller.to_string(),
            size: *size,
            align: *align,
            from: *from,
            max_addr: *max_addr,
            nid: *nid,
            answer: *answer,
        },
        PhaseOp::Reserve { caller, base, size } => Op::Reserve { caller: caller.to_string(), base: *base, size: *size },
        PhaseOp::Free { caller, base, size } => Op::Free { caller: caller.to_string(), base: *base, size: *size },
        other => Op::Other(format!("{other:?}")),
    }
}

/// memblock as the log's dump `dump` (0-based) shows it, then every range line after the dump
/// and before event `until`.
fn state_from_log(trace: &Trace, dump: usize, until: usize, facts: &PlainFacts) -> SeriesMemblock {
    let movable = facts.command_line.as_deref().unwrap_or("").split_whitespace().any(|w| w == "movable_node");
    let mut mb = KernelProfile::Modern.memblock(BUILD.kernel.end, movable);
    mb.allow_resize();
    let headers: Vec<usize> =
        trace.events.iter().enumerate().filter(|(_, l)| l.event == TraceEvent::DumpHeader).map(|(i, _)| i).collect();
    let start = headers[dump];
    let mut i = start + 1;
    while i < trace.events.len() {
        match &trace.events[i].event {
            TraceEvent::DumpSizes { .. } | TraceEvent::DumpCount { .. } => {}
            TraceEvent::DumpRow { kind, base, size, nid, flags, .. } => {
                let nid = nid.unwrap_or(MAX_NUMNODES);
                match kind {
                    DumpKind::Memory => {
                        mb.add_node(*base, *size, nid).unwrap();
                        if flags & 1 != 0 {
                            mb.set_flags(*base, *size, RegionFlags::HOTPLUG, true).unwrap();
                        }
                    }
                    DumpKind::Reserved => {
                        mb.reserve(*base, *size).unwrap();
                        if nid != MAX_NUMNODES {
                            mb.set_node_in(RegionKind::Reserved, *base, *size, nid).unwrap();
                        }
                    }
                }
            }
            _ => break,
        }
        i += 1;
    }
    for l in &trace.events[i..until] {
        if let TraceEvent::Range { op, base, last, .. } = &l.event {
            let size = last - base + 1;
            match op {
                RangeOp::Add => mb.add(*base, size).unwrap(),
                RangeOp::Reserve => mb.reserve(*base, size).unwrap(),
                RangeOp::PhysFree => mb.free(*base, size).unwrap(),
                RangeOp::Remove => mb.remove(*base, size).unwrap(),
                RangeOp::FreeLate => {}
            }
        }
    }
    mb.set_current_limit(facts.max_pfn.unwrap() << 12);
    mb.set_bottom_up(movable && dump == 0);
    mb
}

/// Per phase: (requests matched, requests logged, other operations matched, others logged).
type Counts = BTreeMap<&'static str, [usize; 4]>;

/// Lays the model's operations, phase by phase, beside the log's, counting per phase how many
/// of the log's requests (and reservations and frees) the model made with the kernel's
/// arguments and answer; returns the first difference with the phase it came from.
fn compare(name: &str, model: &[PhaseOps], log: &[(usize, Op)], counts: &mut Counts) -> Option<String> {
    let flat: Vec<(&'static str, Op)> =
        model.iter().flat_map(|p| p.ops.iter().map(|o| (p.phase, model_op(o)))).collect();
    assert_eq!(flat.len(), log.len(), "{name}: as many operations as the log: {flat:#?}");
    let mut first_diff = None;
    for (k, ((phase, mine), (_, theirs))) in flat.iter().zip(log).enumerate() {
        let c = counts.entry(phase).or_default();
        let at = if matches!(theirs, Op::Request { .. }) { 0 } else { 2 };
        c[at + 1] += 1;
        if mine == theirs {
            c[at] += 1;
        } else if first_diff.is_none() {
            first_diff = Some(format!("{name} op {k} ({phase}): model {mine:?}\n    log {theirs:?}"));
        }
    }
    first_diff
}

/// 6.1's `init_mem_mapping()` (`x86-mm-bottomup`'s `Linux6_1Walk` on the Debian build) on
/// the state the log shows before it: the first dump and the lines up to `reserve_real_mode()`'s
/// `[0, 1 MiB)`. Its `max_low_pfn_mapped` bounds `acpi_table_upgrade()`.
fn init_mem_mapping(trace: &Trace, facts: &PlainFacts, ops: &[(usize, Op)]) -> DirectMap {
    let real_mode_end = ops
        .iter()
        .find(|(_, o)| matches!(o, Op::Reserve { base: 0, size: 0x10_0000, .. }))
        .map(|(i, _)| i + 1)
        .expect("reserve_real_mode() reserves [0, 1 MiB)");
    let mut mb = state_from_log(trace, 0, real_mode_end, facts);
    mb.set_current_limit(0x10_0000);
    let brk_end = BUILD.kernel.brk_base + BUILD.used_brk_bytes;
    let mut dm = BUILD.mapping.direct_map(MappingSetup {
        e820: E820Table::new(facts.e820_after_fixups()).unwrap(),
        cpu: QEMU64,
        direct_gbpages: true,
        pgt_buf_base: brk_end - BUILD.mapping.pgt_buf_pages() * 4096,
        max_pfn: facts.max_pfn.unwrap(),
        max_low_pfn: facts.max_low_pfn().unwrap(),
    });
    dm.init_mem_mapping(&mut mb, &mut Linux6_1Walk).unwrap();
    dm
}

fn run_acpi(name: &str, trace: &Trace, facts: &PlainFacts, ops: &[(usize, Op)], counts: &mut Counts) -> Vec<String> {
    let is_acpi = |o: &Op| match o {
        Op::Request { caller, .. } => caller == "acpi_table_upgrade",
        Op::Reserve { caller, .. } => caller == "acpi_reserve_initial_tables",
        _ => false,
    };
    let first = ops.iter().position(|(_, o)| is_acpi(o)).expect("every boot reserves its ACPI tables");
    let segment: Vec<(usize, Op)> = ops[first..].iter().take_while(|(_, o)| is_acpi(o)).cloned().collect();
    let mut mb = state_from_log(trace, 0, segment[0].0, facts);
    let max_low_pfn_mapped = init_mem_mapping(trace, facts, ops).max_low_pfn_mapped();
    let model = p61::acpi_early(&mut mb, facts, max_low_pfn_mapped).unwrap();
    compare(name, &model, &segment, counts).into_iter().collect()
}

fn run_late(name: &str, trace: &Trace, facts: &PlainFacts, ops: &[(usize, Op)], counts: &mut Counts) -> Vec<String> {
    let first = ops
        .iter()
        .position(|(_, o)| matches!(o, Op::Request { caller, .. } if caller == "sparse_init"))
        .expect("every boot runs sparse_init");
    let segment = &ops[first..];
    let model = predict_late(trace, facts, segment[0].0);
    let phases: Vec<&str> = model.iter().map(|p| p.phase).collect();
    assert_eq!(phases.len(), 12, "{name}: every phase of steps 10-12 ran: {phases:?}");
    compare(name, &model, segment, counts).into_iter().collect()
}

/// The model's `memblock=debug` lines are the log's, byte for byte once the build's caller
/// offsets are cut: from `sparse_init`'s first request to the end of the log.
#[test]
fn the_predicted_trace_prints_as_the_kernel_does() {
    for dir in boots() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(dir.join("dmesg.txt")).unwrap();
        let (trace, facts) = (Trace::parse(&text), PlainFacts::parse(&text).unwrap());
        let ops = log_ops(&trace);
        let first =
            ops.iter().find(|(_, o)| matches!(o, Op::Request { caller, .. } if caller == "sparse_init")).unwrap();
        let model = predict_late(&trace, &facts, first.0);
        let predicted: Vec<String> = model.iter().flat_map(|p| &p.ops).flat_map(|o| o.kernel_lines()).collect();
        let first_line = trace.events[first.0].number;
        let logged: Vec<String> = text
            .lines()
            .skip(first_line - 1)
            .map(|l| l.split_once("] ").map_or(l, |(_, m)| m))
            .filter(|m| m.starts_with("memblock_"))
            .map(without_offsets)
            .collect();
        assert_eq!(predicted, logged, "{name}");
    }
}

/// Steps 10-12 on the state the log shows just before event `start` (`sparse_init`'s first
/// request): the last dump, the lines after it, and each node's `NODE_DATA` address.
fn predict_late(trace: &Trace, facts: &PlainFacts, start: usize) -> Vec<PhaseOps> {
    let dumps = trace.events.iter().filter(|l| l.event == TraceEvent::DumpHeader).count();
    let mut mb = state_from_log(trace, dumps - 1, start, facts);
    let node_data: Vec<(i32, u64)> = trace
        .events
        .iter()
        .filter_map(|l| match l.event {
            TraceEvent::NodeData { nid, base, .. } => Some((nid, base)),
            _ => None,
        })
        .collect();
    let online: Vec<i32> = node_data.iter().map(|&(n, _)| n).collect();
    let mut model = p61::paging_init_to_setup_arch_end(&mut mb, &BUILD, facts, &node_data).unwrap();
    model.extend(p61::start_kernel_early(&mut mb, &BUILD, facts, &online).unwrap());
    model
}

#[test]
fn every_request_of_the_late_phases_is_the_kernels() {
    let mut counts = Counts::new();
    let mut diffs = Vec::new();
    for dir in boots() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(dir.join("dmesg.txt")).unwrap();
        let trace = Trace::parse(&text);
        let facts = PlainFacts::parse(&text).unwrap();
        let ops = log_ops(&trace);
        diffs.extend(run_acpi(&name, &trace, &facts, &ops, &mut counts));
        diffs.extend(run_late(&name, &trace, &facts, &ops, &mut counts));
    }
    let mut total = [0; 4];
    for (phase, c) in &counts {
        eprintln!("{phase:32} {:4} of {:4} requests, {:3} of {:3} reservations and frees", c[0], c[1], c[2], c[3]);
        for (t, v) in total.iter_mut().zip(c) {
            *t += v;
        }
    }
    eprintln!(
        "{:32} {:4} of {:4} requests, {:3} of {:3} reservations and frees",
        "all", total[0], total[1], total[2], total[3]
    );
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    assert_eq!((total[0], total[2]), (total[1], total[3]));
    // The eleven logs hold 5 ACPI-upgrade copies and 686 requests from sparse_init on.
    assert_eq!(total[1], 691);
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    /// A line the facts reader knows, with any numbers in it, or any text.
    fn line() -> impl Strategy<Value = String> {
        let n = any::<u64>();
        let small = 0u64..70;
        prop_oneof![
            (n, n).prop_map(|(a, b)| format!("BIOS-e820: [mem {a:#018x}-{b:#018x}] usable")),
            (n, n).prop_map(|(a, b)| format!("modified: [mem {a:#018x}-{b:#018x}] reserved")),
            (n, n).prop_map(|(a, b)| format!("e820: update [mem {a:#010x}-{b:#010x}] usable ==> reserved")),
            (n, n).prop_map(|(a, b)| format!("e820: remove [mem {a:#010x}-{b:#010x}] usable")),
            n.prop_map(|a| format!("last_pfn = {a:#x} max_arch_pfn = 0x400000000")),
            (n, n).prop_map(|(a, b)| format!("ACPI: Reserving FACP table memory at [mem {a:#x}-{b:#x}]")),
            n.prop_map(|a| format!("ACPI: SSDT ACPI table found in initrd [kernel/firmware/acpi/x.aml][{a:#x}]")),
            (small.clone(), small.clone()).prop_map(|(a, b)| format!("SRAT: PXM {a} -> APIC {a:#04x} -> Node {b}")),
            (small.clone(), n, n)
                .prop_map(|(a, b, c)| format!("ACPI: SRAT: Node {a} PXM {a} [mem {b:#x}-{c:#x}] hotplug")),
            Just("ACPI: HPET id: 0x8086a201 base: 0xfed00000".to_string()),
            Just("IOAPIC[0]: apic_id 0, version 32, address 0xfec00000, GSI 0-23".to_string()),
            small.clone().prop_map(|a| format!("smpboot: Allowing {a} CPUs, 0 hotplug CPUs")),
            (any::<u32>(), any::<u32>()).prop_map(|(a, b)| format!(
                "setup_percpu: NR_CPUS:8192 nr_cpumask_bits:{a} nr_cpu_ids:{a} nr_node_ids:{b}"
            )),
            (n, n, n, n).prop_map(|(s, r, d, u)| format!("percpu: Embedded 62 pages/cpu s{s} r{r} d{d} u{u}")),
            "[a-z=0-9 ]{0,20}".prop_map(|w| format!("Unknown kernel command line parameters \"{w}\", will be passed")),
            any::<u32>().prop_map(|a| format!("software IO TLB: area num {a}.")),
            "[ -~]{0,40}".prop_map(|t| format!("Command line: {t}")),
            "[ -~]{0,60}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Any log: the reader answers or names the line; the phases answer or say why not.
        #[test]
        fn facts_and_phases_never_panic(lines in proptest::collection::vec(line(), 0..40), pgdat in any::<u64>()) {
            let text = lines.join("\n");
            let Ok(facts) = PlainFacts::parse(&text) else { return Ok(()) };
            let mut mb = KernelProfile::Modern.memblock(BUILD.kernel.end, false);
            mb.add_node(0x10_0000, 0x3ff0_0000, 0).unwrap();
            mb.set_current_limit(0x4000_0000);
            let _ = p61::acpi_early(&mut mb, &facts, facts.max_low_pfn().unwrap_or(0));
            let _ = p61::paging_init_to_setup_arch_end(&mut mb, &BUILD, &facts, &[(0, pgdat)]);
            let _ = p61::start_kernel_early(&mut mb, &BUILD, &facts, &[0]);
            // The whole boot from the same facts: a prediction or a typed refusal.
            let _ = p61::boot::boot_6_1(&facts, &BUILD, &BUILD.kernel);
        }
    }
}
