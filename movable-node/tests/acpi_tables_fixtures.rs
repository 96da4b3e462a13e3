//! SRATs generated with rust-vmm's `acpi_tables` crate (memory affinity from its SRAT builder,
//! processor affinity appended with `Sdt::append_slice`, as cloud-hypervisor does). Expected
//! values are worked out by hand.

mod common;

use acpi_tables::Aml;
use acpi_tables::srat::{MemoryAffinity, SRAT};
use common::*;
use movable_node::acpi_srat::{MemoryAffinityFlags, NumaConfig, SratEntry, SratTable};

/// The memory-affinity part from acpi_tables' own SRAT builder.
fn memory_part() -> Vec<u8> {
    let mut srat = SRAT::new(*b"MHPSIM", *b"SRATTEST", 1);
    srat.add_memory_affinity(MemoryAffinity::new(0, 0, 0xa_0000).enabled());
    srat.add_memory_affinity(MemoryAffinity::new(0, 0x10_0000, 0x7ff0_0000).enabled());
    srat.add_memory_affinity(MemoryAffinity::new(1, 0x1_0000_0000, 0x4000_0000).enabled().hotpluggable());
    srat.add_memory_affinity(MemoryAffinity::new(1, 0x1_4000_0000, 0x1000_0000).enabled().nonvolatile());
    let mut bytes = Vec::new();
    srat.to_aml_bytes(&mut bytes);
    bytes
}

#[test]
fn acpi_tables_srat_builder_alone() {
    // No processor entries: nodes come from memory, PXM 0 -> node 0, PXM 1 -> node 1.
    let bytes = memory_part();
    let table = SratTable::from_bytes(&bytes).unwrap();
    assert!(table.checksum().is_valid());
    assert_eq!(table.length(), 48 + 4 * 40);
    let (numa, ret) = parse(&bytes, NumaConfig::linux_6_1_messages());
    assert_eq!(ret, Ok(()));
    assert_eq!(
        numa.message_lines(),
        strs(&[
            "ACPI: SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff]",
            "ACPI: SRAT: Node 0 PXM 0 [mem 0x00100000-0x7fffffff]",
            "ACPI: SRAT: Node 1 PXM 1 [mem 0x100000000-0x13fffffff] hotplug",
            "ACPI: SRAT: Node 1 PXM 1 [mem 0x140000000-0x14fffffff] non-volatile",
        ])
    );
}

#[test]
fn processors_appended_with_sdt() {
    // Revision 3 table: local APIC PXM 0 / APIC 0, PXM 1 / APIC 1, an x2APIC entry PXM 1 /
    // id 0x100 (rejected by the flat APIC driver, x2APIC pass runs first), then the memory
    // subtables. Offsets: 48, 64, 80 (x2APIC), memory at 104, 144, 184, 224.
    let memory = memory_part();
    let mut subtables = vec![lapic(0, 0, 0, true), lapic(1, 1, 0, true), x2apic(1, 0x100, true)];
    subtables.extend(memory[48..].chunks(40).map(|c| c.to_vec()));
    let bytes = sdt_srat(3, &subtables);
    let table = SratTable::from_bytes(&bytes).unwrap();
    assert!(table.checksum().is_valid());
    let offsets: Vec<_> = table.subtables().map(|s| (s.offset(), s.entry_type(), s.length())).collect();
    assert_eq!(
        offsets,
        vec![(48, 0, 16), (64, 0, 16), (80, 2, 24), (104, 1, 40), (144, 1, 40), (184, 1, 40), (224, 1, 40)]
    );
    let SratEntry::Memory(m) = table.subtables().nth(5).unwrap().decode().unwrap() else { panic!("not memory") };
    assert_eq!(m.flags, MemoryAffinityFlags::ENABLED | MemoryAffinityFlags::HOT_PLUGGABLE);
    assert_eq!((m.base_address, m.address_length, m.proximity_domain), (0x1_0000_0000, 0x4000_0000, 1));

    let (numa, ret) = parse(&bytes, NumaConfig::linux_3_12());
    assert_eq!(ret, Ok(()));
    assert_eq!(
        numa.message_lines(),
        strs(&[
            "SRAT: PXM 1 -> X2APIC 0x0100 ignored",
            "SRAT: PXM 0 -> APIC 0x00 -> Node 0",
            "SRAT: PXM 1 -> APIC 0x01 -> Node 1",
            "SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff]",
            "SRAT: Node 0 PXM 0 [mem 0x00100000-0x7fffffff]",
            "SRAT: Node 1 PXM 1 [mem 0x100000000-0x13fffffff] hotplug",
            "SRAT: Node 1 PXM 1 [mem 0x140000000-0x14fffffff]",
        ])
    );
    let hot: Vec<_> = numa.memblks().iter().map(|b| (b.node, b.hotpluggable, b.non_volatile)).collect();
    assert_eq!(hot, vec![(0, false, false), (0, false, false), (1, true, false), (1, false, true)]);
}
