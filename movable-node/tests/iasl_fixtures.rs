//! Tables compiled by ACPICA's `iasl` from `tests/fixtures/*.asl`; every expected value is worked
//! out by hand from the source and the kernel's rules (comments give the reasoning).

mod common;

use common::*;
use movable_node::acpi_srat::config::{NUMA_NO_NODE, PXM_INVAL};
use movable_node::acpi_srat::records::{CpuAffinity, MemoryBlock};
use movable_node::acpi_srat::table::ACPI_SRAT_TYPE_MEMORY_AFFINITY;
use movable_node::acpi_srat::{
    AcceptAll, AcpiNuma, ApicDriver, CpuAffinityOutcome, MemAffinityOutcome, MessageStyle, NumaConfig, PxmRangeCheck,
    SratEntry, SratTable,
};
use movable_node::{Errno, Error};

fn block(offset: usize, node: u32, pxm: u32, start: u64, end: u64, hotpluggable: bool) -> MemoryBlock {
    MemoryBlock { offset, node, pxm, start, end, hotpluggable, non_volatile: false }
}

#[test]
fn two_node_qemu_layout() {
    // Subtables: local APIC at 48 and 64, memory at 80, 120, 160, 200 (disabled), 240.
    let (numa, ret) = parse(TWO_NODE, NumaConfig::linux_3_12());
    assert_eq!(ret, Ok(()));
    assert_eq!(
        numa.message_lines(),
        strs(&[
            "SRAT: PXM 0 -> APIC 0x00 -> Node 0",
            "SRAT: PXM 1 -> APIC 0x01 -> Node 1",
            "SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff]",
            "SRAT: Node 0 PXM 0 [mem 0x00100000-0x7fffffff]",
            "SRAT: Node 1 PXM 1 [mem 0x80000000-0xbfffffff]",
            "SRAT: Node 1 PXM 1 [mem 0x100000000-0x13fffffff]",
        ])
    );
    assert_eq!(
        numa.memblks(),
        &[
            block(80, 0, 0, 0, 0xa_0000, false),
            block(120, 0, 0, 0x10_0000, 0x8000_0000, false),
            block(160, 1, 1, 0x8000_0000, 0xc000_0000, false),
            block(240, 1, 1, 0x1_0000_0000, 0x1_4000_0000, false),
        ]
    );
    assert_eq!(numa.memory_records()[3].offset, 200);
    assert_eq!(numa.memory_records()[3].outcome, MemAffinityOutcome::NotEnabled);
    assert_eq!(numa.pxm_node_pairs(), vec![(0, 0), (1, 1)]);
    assert_eq!((numa.node_to_pxm(0), numa.node_to_pxm(1), numa.node_to_pxm(2)), (0, 1, PXM_INVAL));
    assert_eq!(numa.pxm_to_node(2), NUMA_NO_NODE);
    assert_eq!(numa.nodes_parsed(), vec![0, 1]);
    assert_eq!(numa.parsed_numa_memblks(), 4);
    assert_eq!(numa.apicid_to_node(1), Some(1));
    assert_eq!((numa.acpi_numa(), numa.srat_revision()), (1, 1));
    // The passes: x2APIC (none), local APIC (2 handled), memory (5 matches under the limit 128).
    let rets: Vec<_> = numa.passes().iter().map(|p| (p.entry_id, p.ret, p.handled)).collect();
    assert_eq!(rets, vec![(2, 0, 0), (0, 0, 2), (1, 5, 5)]);
    let table = SratTable::from_bytes(TWO_NODE).unwrap();
    assert!(table.checksum().is_valid());
    assert_eq!((table.length(), &table.header().oem_table_id), (280, b"TWONODE "));
}

#[test]
fn two_node_in_6_1_wording() {
    let (numa, _) = parse(TWO_NODE, NumaConfig::linux_6_1_messages());
    assert_eq!(
        numa.message_lines(),
        strs(&[
            "SRAT: PXM 0 -> APIC 0x00 -> Node 0",
            "SRAT: PXM 1 -> APIC 0x01 -> Node 1",
            "ACPI: SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff]",
            "ACPI: SRAT: Node 0 PXM 0 [mem 0x00100000-0x7fffffff]",
            "ACPI: SRAT: Node 1 PXM 1 [mem 0x80000000-0xbfffffff]",
            "ACPI: SRAT: Node 1 PXM 1 [mem 0x100000000-0x13fffffff]",
        ])
    );
}

#[test]
fn four_nodes_hotpluggable_below_and_above_the_kernel_node() {
    // CPUs: PXM 1 (APIC 0, 1) -> node 0, PXM 0 (APIC 2) -> node 1, PXM 2 (APIC 3) -> node 2;
    // PXM 3 appears first in memory -> node 3. Memory subtables at 112 + 40 * i.
    let (numa, ret) = parse(FOUR_NODE_HOTPLUG, NumaConfig::linux_3_12());
    assert_eq!(ret, Ok(()));
    assert_eq!(
        numa.message_lines(),
        strs(&[
            "SRAT: PXM 1 -> APIC 0x00 -> Node 0",
            "SRAT: PXM 1 -> APIC 0x01 -> Node 0",
            "SRAT: PXM 0 -> APIC 0x02 -> Node 1",
            "SRAT: PXM 2 -> APIC 0x03 -> Node 2",
            "SRAT: Node 1 PXM 0 [mem 0x00000000-0x0009ffff]",
            "SRAT: Node 1 PXM 0 [mem 0x00100000-0x3fffffff] hotplug",
            "SRAT: Node 0 PXM 1 [mem 0x40000000-0x7fffffff]",
            "SRAT: Node 2 PXM 2 [mem 0x100000000-0x17fffffff] hotplug",
            "SRAT: Node 3 PXM 3 [mem 0x180000000-0x27fffffff] hotplug",
            "SRAT: Node 2 PXM 2 [mem 0x280000000-0x28fffffff]",
        ])
    );
    let mut nv = block(352, 2, 2, 0x2_8000_0000, 0x2_9000_0000, false);
    nv.non_volatile = true;
    assert_eq!(
        numa.memblks(),
        &[
            block(112, 1, 0, 0, 0xa_0000, false),
            block(152, 1, 0, 0x10_0000, 0x4000_0000, true),
            block(192, 0, 1, 0x4000_0000, 0x8000_0000, false),
            block(272, 2, 2, 0x1_0000_0000, 0x1_8000_0000, true),
            block(312, 3, 3, 0x1_8000_0000, 0x2_8000_0000, true),
            nv,
        ]
    );
    assert_eq!(numa.pxm_node_pairs(), vec![(0, 1), (1, 0), (2, 2), (3, 3)]);
    assert_eq!((0..4).map(|n| numa.node_to_pxm(n)).collect::<Vec<_>>(), vec![1, 0, 2, 3]);
    assert_eq!(numa.nodes_parsed(), vec![0, 1, 2, 3]);

    // 6.1 prints the non-volatile flag.
    let (numa, _) = parse(FOUR_NODE_HOTPLUG, NumaConfig::linux_6_1_messages());
    assert_eq!(
        numa.message_lines().last().unwrap(),
        "ACPI: SRAT: Node 2 PXM 2 [mem 0x280000000-0x28fffffff] non-volatile"
    );
}

#[test]
fn four_nodes_without_memory_hotplug_ignore_hotpluggable_ranges() {
    // save_add_info() is 0: the three hot-pluggable ranges are dropped silently, so PXM 3 never
    // gets a node.
    let config = NumaConfig { memory_hotplug: false, ..NumaConfig::linux_3_12() };
    let (numa, ret) = parse(FOUR_NODE_HOTPLUG, config);
    assert_eq!(ret, Ok(()));
    assert_eq!(
        numa.message_lines()[4..],
        strs(&[
            "SRAT: Node 1 PXM 0 [mem 0x00000000-0x0009ffff]",
            "SRAT: Node 0 PXM 1 [mem 0x40000000-0x7fffffff]",
            "SRAT: Node 2 PXM 2 [mem 0x280000000-0x28fffffff]",
        ])
    );
    let outcomes: Vec<_> = numa.memory_records().iter().map(|r| (r.offset, r.outcome)).collect();
    assert_eq!(outcomes[1], (152, MemAffinityOutcome::HotplugUnsupported));
    assert_eq!(outcomes[3], (232, MemAffinityOutcome::NotEnabled));
    assert_eq!(outcomes[4], (272, MemAffinityOutcome::HotplugUnsupported));
    assert_eq!(outcomes[5], (312, MemAffinityOutcome::HotplugUnsupported));
    assert_eq!(numa.pxm_to_node(3), NUMA_NO_NODE);
    assert_eq!(numa.nodes_found(), vec![0, 1, 2]);
    assert_eq!(numa.parsed_numa_memblks(), 3);
}

#[test]
fn pxms_first_seen_in_processor_entries_flat_apic() {
    // x2APIC pass first: PXM 5 / id 0x100 is rejected by default_apic_id_valid (>= 255) before a
    // node is assigned; PXM 6 -> node 0; PXM 9 disabled. Local APIC: PXM 3 -> node 1; PXM 4
    // disabled. Memory: PXM 7 -> node 2, PXM 3 -> node 1, PXM 4 disabled, PXM 6 -> node 0.
    let (numa, ret) = parse(CPU_PXM_FIRST, NumaConfig::linux_3_12());
    assert_eq!(ret, Ok(()));
    assert_eq!(
        numa.message_lines(),
        strs(&[
            "SRAT: PXM 5 -> X2APIC 0x0100 ignored",
            "SRAT: PXM 6 -> APIC 0x0010 -> Node 0",
            "SRAT: PXM 3 -> APIC 0x02 -> Node 1",
            "SRAT: Node 2 PXM 7 [mem 0x00000000-0x3fffffff]",
            "SRAT: Node 1 PXM 3 [mem 0x40000000-0x7fffffff]",
            "SRAT: Node 0 PXM 6 [mem 0x140000000-0x17fffffff]",
        ])
    );
    let cpus: Vec<_> = numa.cpu_records().iter().map(|r| (r.offset, r.x2apic, r.outcome)).collect();
    assert_eq!(
        cpus,
        vec![
            (48, true, CpuAffinityOutcome::X2ApicIdInvalid { pxm: 5, apic_id: 0x100 }),
            (
                72,
                true,
                CpuAffinityOutcome::Mapped(CpuAffinity { offset: 72, x2apic: true, pxm: 6, apic_id: 0x10, node: 0 })
            ),
            (96, true, CpuAffinityOutcome::NotEnabled),
            (
                120,
                false,
                CpuAffinityOutcome::Mapped(CpuAffinity { offset: 120, x2apic: false, pxm: 3, apic_id: 2, node: 1 })
            ),
            (136, false, CpuAffinityOutcome::NotEnabled),
        ]
    );
    assert_eq!(numa.memory_records()[2].outcome, MemAffinityOutcome::NotEnabled);
    assert_eq!(numa.pxm_node_pairs(), vec![(3, 1), (6, 0), (7, 2)]);
    assert_eq!(numa.pxm_to_node(5), NUMA_NO_NODE);
}

#[test]
fn pxms_first_seen_in_processor_entries_x2apic_driver() {
    // With an x2APIC driver every id is valid: PXM 5 -> 0, 6 -> 1, 3 -> 2, then memory PXM 7 -> 3.
    let config = NumaConfig { apic_driver: ApicDriver::X2Apic, ..NumaConfig::linux_3_12() };
    let (numa, ret) = parse(CPU_PXM_FIRST, config);
    assert_eq!(ret, Ok(()));
    assert_eq!(
        numa.message_lines(),
        strs(&[
            "SRAT: PXM 5 -> APIC 0x0100 -> Node 0",
            "SRAT: PXM 6 -> APIC 0x0010 -> Node 1",
            "SRAT: PXM 3 -> APIC 0x02 -> Node 2",
            "SRAT: Node 3 PXM 7 [mem 0x00000000-0x3fffffff]",
            "SRAT: Node 2 PXM 3 [mem 0x40000000-0x7fffffff]",
            "SRAT: Node 1 PXM 6 [mem 0x140000000-0x17fffffff]",
        ])
    );
}

#[test]
fn revision_2_pxms_are_32_bit_and_out_of_range_for_3_12_by_default() {
    // MAX_NUMNODES 64 -> MAX_PXM_DOMAINS 256; the first subtable seen (x2APIC at 48) has PXM
    // 0x200: 3.12 would index pxm_to_node_map[512].
    let table = SratTable::from_bytes(REV2_PXM32).unwrap();
    let mut numa = AcpiNuma::new(NumaConfig::linux_3_12()).unwrap();
    let err = numa.x86_acpi_numa_init(Some(&table), &mut AcceptAll).unwrap_err();
    assert!(
        matches!(err, Error::PxmOutOfRange { pxm: 0x200, max_pxm_domains: 256, subtable_offset: Some(48) }),
        "{err}"
    );
    assert!(numa.messages().is_empty());
}

#[test]
fn revision_2_pxms_with_1024_nodes() {
    // MAX_NUMNODES 1024 -> MAX_PXM_DOMAINS 1024. x2APIC PXM 0x200 -> node 0; local APIC PXM
    // 0x02 | 0x000001 << 8 = 0x102 -> node 1; memory 0x102 -> 1, 0x200 -> 0; memory PXM
    // 0x01000001 at 168 is past the map: out of bounds in 3.12.
    let config = NumaConfig { max_numnodes: 1024, ..NumaConfig::linux_3_12() };
    let table = SratTable::from_bytes(REV2_PXM32).unwrap();
    let mut numa = AcpiNuma::new(config).unwrap();
    let err = numa.x86_acpi_numa_init(Some(&table), &mut AcceptAll).unwrap_err();
    assert!(matches!(
        err,
        Error::PxmOutOfRange { pxm: 0x0100_0001, max_pxm_domains: 1024, subtable_offset: Some(168) }
    ));
    let expected_so_far = [
        "SRAT: PXM 512 -> APIC 0x0001 -> Node 0",
        "SRAT: PXM 258 -> APIC 0x00 -> Node 1",
        "SRAT: Node 1 PXM 258 [mem 0x00000000-0x7fffffff]",
        "SRAT: Node 0 PXM 512 [mem 0x100000000-0x17fffffff]",
    ];
    assert_eq!(numa.message_lines(), strs(&expected_so_far));

    // With the later kernels' range check the last PXM is NUMA_NO_NODE: bad SRAT after two
    // accepted ranges, so acpi_numa_init returns 0 and x86_acpi_numa_init -EINVAL.
    let config = NumaConfig { pxm_range_check: PxmRangeCheck::NoNode, ..config };
    let (numa, ret) = parse(REV2_PXM32, config);
    assert_eq!(ret, Err(Errno::EINVAL));
    let mut expected = strs(&expected_so_far);
    expected.extend(strs(&["SRAT: Too many proximity domains.", "SRAT: SRAT not used."]));
    assert_eq!(numa.message_lines(), expected);
    assert_eq!(numa.memory_records()[2].outcome, MemAffinityOutcome::TooManyDomains { pxm: 0x0100_0001 });
    assert!(numa.srat_disabled());
}

#[test]
fn revision_2_pxm_range_checked_with_64_nodes() {
    // PXM 0x200 >= 256 -> NUMA_NO_NODE in the x2APIC handler: "%x" message, bad SRAT; nothing
    // after it is used, no range is accepted -> -ENOENT.
    let config = NumaConfig { pxm_range_check: PxmRangeCheck::NoNode, ..NumaConfig::linux_3_12() };
    let (numa, ret) = parse(REV2_PXM32, config);
    assert_eq!(ret, Err(Errno::ENOENT));
    assert_eq!(numa.message_lines(), strs(&["SRAT: Too many proximity domains 200", "SRAT: SRAT not used."]));
    assert!(numa.memory_records().iter().all(|r| r.outcome == MemAffinityOutcome::SratDisabled));
    assert_eq!(numa.cpu_records()[1].outcome, CpuAffinityOutcome::SratDisabled);
}

#[test]
fn revision_1_masks_memory_and_local_apic_pxms() {
    // x2APIC PXM 3 (never masked) -> node 0; local APIC low byte 1, high bytes ignored -> PXM 1
    // -> node 1; memory 0x101 -> 1 (node 1), 0xABCDEF02 -> 2 (node 2).
    let (numa, ret) = parse(REV1_MASKED, NumaConfig::linux_3_12());
    assert_eq!(ret, Ok(()));
    assert_eq!(
        numa.message_lines(),
        strs(&[
            "SRAT: PXM 3 -> APIC 0x0021 -> Node 0",
            "SRAT: PXM 1 -> APIC 0x00 -> Node 1",
            "SRAT: Node 1 PXM 1 [mem 0x00000000-0x7fffffff]",
            "SRAT: Node 2 PXM 2 [mem 0x100000000-0x13fffffff]",
        ])
    );
    // The decoded subtables keep the raw values.
    let table = SratTable::from_bytes(REV1_MASKED).unwrap();
    let entries: Vec<_> = table.subtables().map(|s| s.decode().unwrap()).collect();
    let SratEntry::LocalApic(cpu) = entries[1] else { panic!("{:?}", entries[1]) };
    assert_eq!((cpu.proximity_domain_hi, cpu.pxm(1), cpu.pxm(2)), ([1, 0, 0], 1, 0x101));
    let SratEntry::Memory(mem) = entries[3] else { panic!("{:?}", entries[3]) };
    assert_eq!((mem.proximity_domain, mem.pxm(1), mem.pxm(2)), (0xABCD_EF02, 2, 0xABCD_EF02));
    assert_eq!((mem.base_address, mem.end()), (0x1_0000_0000, 0x1_4000_0000));
}

#[test]
fn revision_1_table_relabelled_revision_2_uses_the_high_bytes() {
    // Same bytes with header.revision = 2: the local APIC PXM becomes 0x101 >= 256 (3.12: out
    // of bounds), and with the range check it is "Too many proximity domains 101": bad SRAT
    // before any memory subtable, so no range is accepted and the result is -ENOENT.
    let mut bytes = REV1_MASKED.to_vec();
    bytes[8] = 2;
    fix_checksum(&mut bytes);
    let table = SratTable::from_bytes(&bytes).unwrap();
    let mut numa = AcpiNuma::new(NumaConfig::linux_3_12()).unwrap();
    let err = numa.x86_acpi_numa_init(Some(&table), &mut AcceptAll).unwrap_err();
    assert!(matches!(err, Error::PxmOutOfRange { pxm: 0x101, subtable_offset: Some(72), .. }));
    let config = NumaConfig { pxm_range_check: PxmRangeCheck::NoNode, ..NumaConfig::linux_3_12() };
    let (numa, ret) = parse(&bytes, config);
    assert_eq!(ret, Err(Errno::ENOENT));
    assert_eq!(
        numa.message_lines(),
        strs(
            &["SRAT: PXM 3 -> APIC 0x0021 -> Node 0", "SRAT: Too many proximity domains 101", "SRAT: SRAT not used.",]
        )
    );
}

#[test]
fn memory_pass_walker_counts_matches() {
    // The walker alone: type 1 with limit 3 over four_node_hotplug's 7 memory subtables.
    let table = SratTable::from_bytes(FOUR_NODE_HOTPLUG).unwrap();
    let mut seen = Vec::new();
    let report = table
        .parse_entries(ACPI_SRAT_TYPE_MEMORY_AFFINITY, 3, |sub| {
            seen.push(sub.offset());
            Ok(0)
        })
        .unwrap();
    assert_eq!(seen, vec![112, 152, 192]);
    assert_eq!((report.ret, report.handled), (7, 3));
    assert_eq!(
        report.message.unwrap().render(MessageStyle::Linux3_12),
        "ACPI: [SRAT:0x01] ignored 4 entries of 7 found"
    );
    assert_eq!(report.message.unwrap().render(MessageStyle::Linux6_1), "ACPI: [SRAT:0x01] found the maximum 7 entries");
    // Without a limit the count stays 0 (count++ is behind `!max_entries ||`).
    let report = table.parse_entries(ACPI_SRAT_TYPE_MEMORY_AFFINITY, 0, |_| Ok(0)).unwrap();
    assert_eq!((report.ret, report.handled, report.message), (0, 7, None));
    // A handler returning non-zero ends the pass with -EINVAL.
    let report = table.parse_entries(0, 0, |_| Ok(1)).unwrap();
    assert_eq!((report.ret, report.handled), (Errno::EINVAL.ret(), 1));
}
