//! Broken and hostile tables, each with the outcome Linux 3.12 has (its messages, bad SRAT,
//! return code) or, where the kernel would read past the table's memory or index out of bounds,
//! the model's typed error.

mod common;

use common::*;
use movable_node::acpi_srat::{
    AcceptAll, AcpiNuma, ApicDriver, CpuAffinityOutcome, MemAffinityOutcome, MessageStyle, NumaConfig, SratTable,
    x86_acpi_numa_init_bytes,
};
use movable_node::{Errno, Error};

fn config() -> NumaConfig {
    NumaConfig::linux_3_12()
}

#[test]
fn buffer_shorter_than_the_header() {
    for len in [0, 1, 20, 35] {
        let err = SratTable::from_bytes(&TWO_NODE[..len]).unwrap_err();
        assert!(matches!(err, Error::Truncated { len: l } if l == len), "{err}");
        assert!(x86_acpi_numa_init_bytes(&TWO_NODE[..len], config(), &mut AcceptAll).is_err());
    }
    // 36 bytes are enough to see that the length field (280) runs past the buffer.
    let err = SratTable::from_bytes(&TWO_NODE[..36]).unwrap_err();
    assert!(matches!(err, Error::LengthExceedsBuffer { length: 280, buffer_len: 36 }));
}

#[test]
fn truncated_table_length_field_past_the_buffer() {
    // The kernel maps `length` bytes and checksums them: past the end of what we have.
    let err = SratTable::from_bytes(&TWO_NODE[..200]).unwrap_err();
    assert!(matches!(err, Error::LengthExceedsBuffer { length: 280, buffer_len: 200 }));
    assert_eq!(
        err.to_string(),
        "SRAT length field 0x118 (offset 4) exceeds the 200-byte buffer: the kernel would checksum past its end"
    );
    let mut bytes = TWO_NODE.to_vec();
    set_length(&mut bytes, 300);
    let err = SratTable::from_bytes(&bytes).map(|_| ());
    assert!(matches!(err, Err(Error::LengthExceedsBuffer { length: 300, buffer_len: 280 })));
}

#[test]
fn wrong_checksum_warns_at_every_table_lookup_and_the_table_is_used() {
    // Reserved byte 40: 0 -> 1. Sum 0x01; stored 0x76, "should be" 0x76 - 0x01 = 0x75.
    // ACPICA 20130725: ACPI_CHECKSUM_ABORT is FALSE, so acpi_tb_verify_checksum only warns; in
    // early boot every acpi_get_table_with_size() re-verifies: acpi_table_parse() and the three
    // passes print it four times.
    let mut bytes = TWO_NODE.to_vec();
    bytes[40] = 1;
    let table = SratTable::from_bytes(&bytes).unwrap();
    assert_eq!((table.checksum().stored, table.checksum().sum, table.checksum().expected()), (0x76, 1, 0x75));
    let (numa, ret) = parse(&bytes, config());
    assert_eq!(ret, Ok(()));
    let warn =
        "ACPI BIOS Warning (bug): Incorrect checksum in table [SRAT] - 0x76, should be 0x75 (20130725/tbprint-204)";
    assert_eq!(
        numa.message_lines(),
        strs(&[
            warn,
            warn,
            warn,
            "SRAT: PXM 0 -> APIC 0x00 -> Node 0",
            "SRAT: PXM 1 -> APIC 0x01 -> Node 1",
            warn,
            "SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff]",
            "SRAT: Node 0 PXM 0 [mem 0x00100000-0x7fffffff]",
            "SRAT: Node 1 PXM 1 [mem 0x80000000-0xbfffffff]",
            "SRAT: Node 1 PXM 1 [mem 0x100000000-0x13fffffff]",
        ])
    );
    assert_eq!(numa.messages()[0].level(), log::Level::Warn);
    // 3.13 (ACPICA 20131115) prints the same from tbprint.c line 214.
    assert_eq!(
        numa.messages()[0].render(MessageStyle::Linux3_13),
        "ACPI BIOS Warning (bug): Incorrect checksum in table [SRAT] - 0x76, should be 0x75 (20131115/tbprint-214)"
    );
}

#[test]
fn length_field_smaller_than_the_buffer() {
    // Length 200: the walk stops when pos + 2 >= 200, so the subtables at 200 (disabled) and
    // 240 ([4G, 5G)) are never seen; the checksum over 200 bytes is 0x1a -> should be 0x5c.
    let mut bytes = TWO_NODE.to_vec();
    set_length(&mut bytes, 200);
    let (numa, ret) = parse(&bytes, config());
    assert_eq!(ret, Ok(()));
    let warn =
        "ACPI BIOS Warning (bug): Incorrect checksum in table [SRAT] - 0x76, should be 0x5C (20130725/tbprint-204)";
    let lines = numa.message_lines();
    assert_eq!(lines.iter().filter(|l| *l == warn).count(), 4);
    assert_eq!(
        lines.iter().filter(|l| *l != warn).cloned().collect::<Vec<_>>(),
        strs(&[
            "SRAT: PXM 0 -> APIC 0x00 -> Node 0",
            "SRAT: PXM 1 -> APIC 0x01 -> Node 1",
            "SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff]",
            "SRAT: Node 0 PXM 0 [mem 0x00100000-0x7fffffff]",
            "SRAT: Node 1 PXM 1 [mem 0x80000000-0xbfffffff]",
        ])
    );
    assert_eq!(numa.memory_records().len(), 3);
}

#[test]
fn zero_length_field_means_no_srat() {
    // acpi_os_map_memory(addr, 0) is NULL in early boot: the table is "not there".
    let mut bytes = TWO_NODE.to_vec();
    set_length(&mut bytes, 0);
    assert!(matches!(SratTable::from_bytes(&bytes), Err(Error::ZeroLength)));
    let (numa, ret) = parse(&bytes, config());
    assert_eq!(ret, Err(Errno::ENOENT));
    assert!(numa.messages().is_empty() && numa.passes().is_empty());
}

#[test]
fn signature_other_than_srat() {
    let mut bytes = TWO_NODE.to_vec();
    bytes[..4].copy_from_slice(b"SLIT");
    let err = SratTable::from_bytes(&bytes).unwrap_err();
    assert!(matches!(err, Error::BadSignature { found } if &found == b"SLIT"));
}

#[test]
fn zero_length_subtable_stops_every_pass_with_einval() {
    // The memory subtable at 120 gets length 0. Each pass handles what comes before it, then
    // prints "Invalid zero length" with its own type and returns -EINVAL. In the memory pass
    // the subtable is of the pass's type, so its handler runs first: length != 40 -> bad SRAT.
    let mut bytes = TWO_NODE.to_vec();
    bytes[121] = 0;
    fix_checksum(&mut bytes);
    let (numa, ret) = parse(&bytes, config());
    assert_eq!(ret, Err(Errno::EINVAL));
    assert_eq!(
        numa.message_lines(),
        strs(&[
            "ACPI: [SRAT:0x02] Invalid zero length",
            "SRAT: PXM 0 -> APIC 0x00 -> Node 0",
            "SRAT: PXM 1 -> APIC 0x01 -> Node 1",
            "ACPI: [SRAT:0x00] Invalid zero length",
            "SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff]",
            "SRAT: SRAT not used.",
            "ACPI: [SRAT:0x01] Invalid zero length",
        ])
    );
    assert_eq!(numa.memblks().len(), 1);
    assert!(numa.srat_disabled());
    let rets: Vec<_> = numa.passes().iter().map(|p| p.ret).collect();
    assert_eq!(rets, vec![Errno::EINVAL.ret(); 3]);
    assert_eq!(numa.memory_records()[1].outcome, MemAffinityOutcome::BadLength { length: 0 });
}

#[test]
fn one_byte_subtable_moves_the_walk_by_one_byte() {
    // The last memory subtable (240, PXM 1) gets length 1. The walk then reads its own length
    // byte at 241 as a type-1 subtable of length 1 (byte 242, the PXM), then 242 as type 1 with
    // length 0 (byte 243): every pass ends with "Invalid zero length".
    let mut bytes = TWO_NODE.to_vec();
    bytes[241] = 1;
    fix_checksum(&mut bytes);
    let (numa, ret) = parse(&bytes, config());
    assert_eq!(ret, Err(Errno::EINVAL));
    assert_eq!(
        numa.message_lines(),
        strs(&[
            "ACPI: [SRAT:0x02] Invalid zero length",
            "SRAT: PXM 0 -> APIC 0x00 -> Node 0",
            "SRAT: PXM 1 -> APIC 0x01 -> Node 1",
            "ACPI: [SRAT:0x00] Invalid zero length",
            "SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff]",
            "SRAT: Node 0 PXM 0 [mem 0x00100000-0x7fffffff]",
            "SRAT: Node 1 PXM 1 [mem 0x80000000-0xbfffffff]",
            "SRAT: SRAT not used.",
            "ACPI: [SRAT:0x01] Invalid zero length",
        ])
    );
    let tail: Vec<_> = numa.memory_records()[4..].iter().map(|r| (r.offset, r.outcome)).collect();
    assert_eq!(
        tail,
        vec![
            (240, MemAffinityOutcome::BadLength { length: 1 }),
            (241, MemAffinityOutcome::SratDisabled),
            (242, MemAffinityOutcome::SratDisabled),
        ]
    );
}

#[test]
fn subtable_running_past_the_end_of_the_buffer() {
    // Table and buffer cut at 256: the memory subtable at 240 claims 40 bytes; its handler
    // reads flags at 240 + 28 = 268, past the end. The kernel would read whatever follows.
    let mut bytes = TWO_NODE[..256].to_vec();
    set_length(&mut bytes, 256);
    fix_checksum(&mut bytes);
    let err = x86_acpi_numa_init_bytes(&bytes, config(), &mut AcceptAll).unwrap_err();
    assert!(
        matches!(
            err,
            Error::ReadPastEnd {
                field: "flags",
                subtable_offset: 240,
                entry_type: 1,
                offset: 268,
                size: 4,
                buffer_len: 256
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "flags (4 bytes at offset 0x10c) of the type 1 subtable at offset 0xf0 runs past the end of the 256-byte buffer"
    );
    // The state up to the error is kept.
    let table = SratTable::from_bytes(&bytes).unwrap();
    let mut numa = AcpiNuma::new(config()).unwrap();
    assert!(numa.x86_acpi_numa_init(Some(&table), &mut AcceptAll).is_err());
    assert_eq!(numa.memblks().len(), 3);
}

#[test]
fn subtable_running_past_the_length_field_reads_the_following_memory() {
    // Length field 256 but the buffer (firmware memory) goes on: the kernel reads the rest of
    // the subtable at 240 from the bytes after the table, and so does the model. Checksum over
    // 256 bytes: 0xa7 -> should be 0xcf.
    let mut bytes = TWO_NODE.to_vec();
    set_length(&mut bytes, 256);
    let (numa, ret) = parse(&bytes, config());
    assert_eq!(ret, Ok(()));
    let lines = numa.message_lines();
    assert_eq!(
        lines[0],
        "ACPI BIOS Warning (bug): Incorrect checksum in table [SRAT] - 0x76, should be 0xCF (20130725/tbprint-204)"
    );
    assert_eq!(lines.last().unwrap(), "SRAT: Node 1 PXM 1 [mem 0x100000000-0x13fffffff]");
}

#[test]
fn memory_subtable_whose_length_is_not_40() {
    // acpi_tables-built: CPU PXM 0, memory [0, 1G) PXM 0, a 48-byte memory subtable (PXM 1),
    // memory [2G, 3G) PXM 1. The 48-byte one calls bad_srat(); the last is skipped. One range
    // was accepted, so acpi_numa_init returns 0 and x86_acpi_numa_init -EINVAL.
    let bytes = sdt_srat(
        1,
        &[
            lapic(0, 0, 0, true),
            mem(0, 0, 0x4000_0000, false),
            with_length(mem(1, 0x4000_0000, 0x4000_0000, false), 48),
            mem(1, 0x8000_0000, 0x4000_0000, false),
        ],
    );
    let (numa, ret) = parse(&bytes, config());
    assert_eq!(ret, Err(Errno::EINVAL));
    assert_eq!(
        numa.message_lines(),
        strs(&[
            "SRAT: PXM 0 -> APIC 0x00 -> Node 0",
            "SRAT: Node 0 PXM 0 [mem 0x00000000-0x3fffffff]",
            "SRAT: SRAT not used.",
        ])
    );
    let outcomes: Vec<_> = numa.memory_records().iter().map(|r| (r.offset, r.outcome)).collect();
    assert_eq!(
        outcomes[1..],
        [(104, MemAffinityOutcome::BadLength { length: 48 }), (152, MemAffinityOutcome::SratDisabled)]
    );
    assert_eq!(numa.passes()[2].ret, 3);
    assert_eq!(numa.parsed_numa_memblks(), 1);
}

#[test]
fn processor_subtable_lengths() {
    // Local APIC must be exactly 16; x2APIC at least 24 (28 is accepted).
    let bytes = sdt_srat(1, &[with_length(x2apic(4, 7, true), 28), mem(4, 0, 0x1000_0000, false)]);
    let (numa, ret) = parse(&bytes, config());
    assert_eq!(ret, Ok(()));
    assert_eq!(numa.message_lines()[0], "SRAT: PXM 4 -> APIC 0x0007 -> Node 0");

    for bad in [with_length(x2apic(4, 7, true), 20), with_length(lapic(4, 7, 0, true), 20)] {
        let bytes = sdt_srat(1, &[bad, mem(4, 0, 0x1000_0000, false)]);
        let (numa, ret) = parse(&bytes, config());
        assert_eq!(ret, Err(Errno::ENOENT));
        assert_eq!(numa.message_lines(), strs(&["SRAT: SRAT not used."]));
        assert!(matches!(numa.cpu_records()[0].outcome, CpuAffinityOutcome::BadLength { length: 20 }));
    }
}

#[test]
fn more_domains_than_nodes_in_a_processor_subtable() {
    // MAX_NUMNODES 2: PXM 1 -> 0, PXM 0 -> 1, PXM 2 has no node: "%x" message, bad SRAT; every
    // memory subtable is then skipped, so -ENOENT. NR_NODE_MEMBLKS is 4, so the memory pass
    // also reports 3 of its 7 subtables ignored.
    let config = NumaConfig { max_numnodes: 2, ..config() };
    let (numa, ret) = parse(FOUR_NODE_HOTPLUG, config);
    assert_eq!(ret, Err(Errno::ENOENT));
    assert_eq!(
        numa.message_lines(),
        strs(&[
            "SRAT: PXM 1 -> APIC 0x00 -> Node 0",
            "SRAT: PXM 1 -> APIC 0x01 -> Node 0",
            "SRAT: PXM 0 -> APIC 0x02 -> Node 1",
            "SRAT: Too many proximity domains 2",
            "SRAT: SRAT not used.",
            "ACPI: [SRAT:0x01] ignored 3 entries of 7 found",
        ])
    );
    assert!(numa.memblks().is_empty());
}

#[test]
fn more_domains_than_nodes_in_a_memory_subtable() {
    // MAX_NUMNODES 3: the CPUs take nodes 0..2; PXM 3 first appears in memory (at 312).
    // NR_NODE_MEMBLKS is 6: the seventh memory subtable is not handled.
    let config = NumaConfig { max_numnodes: 3, ..config() };
    let (numa, ret) = parse(FOUR_NODE_HOTPLUG, config);
    assert_eq!(ret, Err(Errno::EINVAL));
    assert_eq!(
        numa.message_lines()[4..],
        strs(&[
            "SRAT: Node 1 PXM 0 [mem 0x00000000-0x0009ffff]",
            "SRAT: Node 1 PXM 0 [mem 0x00100000-0x3fffffff] hotplug",
            "SRAT: Node 0 PXM 1 [mem 0x40000000-0x7fffffff]",
            "SRAT: Node 2 PXM 2 [mem 0x100000000-0x17fffffff] hotplug",
            "SRAT: Too many proximity domains.",
            "SRAT: SRAT not used.",
            "ACPI: [SRAT:0x01] ignored 1 entries of 7 found",
        ])
    );
    assert_eq!(numa.memory_records().len(), 6);
    assert_eq!(numa.memory_records()[5].outcome, MemAffinityOutcome::TooManyDomains { pxm: 3 });
    // 6.1 wording of the two memory-side errors.
    let config = NumaConfig { max_numnodes: 3, ..NumaConfig::linux_6_1_messages() };
    let (numa, _) = parse(FOUR_NODE_HOTPLUG, config);
    let lines = numa.message_lines();
    assert_eq!(
        lines[lines.len() - 3..],
        strs(&[
            "ACPI: SRAT: Too many proximity domains.",
            "ACPI: SRAT: SRAT not used.",
            "ACPI: [SRAT:0x01] found the maximum 7 entries",
        ])
    );
}

#[test]
fn too_many_memory_subtables() {
    // MAX_NUMNODES 2 -> NR_NODE_MEMBLKS 4: two_node's fifth memory subtable ([4G, 5G)) is
    // counted but never handled; the pass returns the count, 5.
    let config = NumaConfig { max_numnodes: 2, ..config() };
    let (numa, ret) = parse(TWO_NODE, config);
    assert_eq!(ret, Ok(()));
    assert_eq!(
        numa.message_lines()[2..],
        strs(&[
            "SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff]",
            "SRAT: Node 0 PXM 0 [mem 0x00100000-0x7fffffff]",
            "SRAT: Node 1 PXM 1 [mem 0x80000000-0xbfffffff]",
            "ACPI: [SRAT:0x01] ignored 1 entries of 5 found",
        ])
    );
    assert_eq!(numa.passes()[2].ret, 5);
    assert_eq!(numa.memblks().len(), 3);
}

#[test]
fn numa_add_memblk_failure_is_a_bad_srat() {
    // The caller's numa_meminfo refuses the second range (like "NUMA: too many memblk ranges").
    let mut calls = Vec::new();
    let mut add = |nid: u32, start: u64, end: u64| {
        calls.push((nid, start, end));
        if calls.len() == 2 { Err("too many memblk ranges") } else { Ok(()) }
    };
    let (numa, ret) = x86_acpi_numa_init_bytes(TWO_NODE, config(), &mut add).unwrap();
    assert_eq!(ret, Err(Errno::EINVAL));
    assert_eq!(calls, vec![(0, 0, 0xa_0000), (0, 0x10_0000, 0x8000_0000)]);
    assert_eq!(
        numa.message_lines()[2..],
        strs(&["SRAT: Node 0 PXM 0 [mem 0x00000000-0x0009ffff]", "SRAT: SRAT not used."])
    );
    assert_eq!(
        numa.memory_records()[1].outcome,
        MemAffinityOutcome::AddMemblkFailed { node: 0, start: 0x10_0000, end: 0x8000_0000 }
    );
}

#[test]
fn base_plus_length_wrapping_past_2_pow_64() {
    // end = base + length wraps to 0x1_0000_0000 < start. The kernel hands it to
    // numa_add_memblk (which would warn and ignore it) and counts the entry as accepted.
    let bytes = sdt_srat(1, &[mem(0, 0xffff_ffff_0000_0000, 0x2_0000_0000, false), mem(0, 0, 0, false)]);
    let mut calls = Vec::new();
    let mut add = |nid: u32, start: u64, end: u64| -> Result<(), ()> {
        calls.push((nid, start, end));
        Ok(())
    };
    let (numa, ret) = x86_acpi_numa_init_bytes(&bytes, config(), &mut add).unwrap();
    assert_eq!(ret, Ok(()));
    assert_eq!(calls, vec![(0, 0xffff_ffff_0000_0000, 0x1_0000_0000), (0, 0, 0)]);
    assert_eq!(
        numa.message_lines(),
        strs(&[
            "SRAT: Node 0 PXM 0 [mem 0xffffffff00000000-0xffffffff]",
            "SRAT: Node 0 PXM 0 [mem 0x00000000-0xffffffffffffffff]",
        ])
    );
    assert_eq!(numa.parsed_numa_memblks(), 2);
}

#[test]
fn x2apic_ids_the_kernel_cannot_index() {
    // An x2APIC driver accepts id 0x8000_0000, which is a negative int in the kernel.
    let bytes = sdt_srat(1, &[x2apic(0, 0x8000_0000, true), mem(0, 0, 0x1000_0000, false)]);
    let x2 = NumaConfig { apic_driver: ApicDriver::X2Apic, ..config() };
    let err = x86_acpi_numa_init_bytes(&bytes, x2, &mut AcceptAll).unwrap_err();
    assert!(matches!(err, Error::ApicIdNegative { apic_id: 0x8000_0000, subtable_offset: 48 }));
    // Id 0x8000 (= MAX_LOCAL_APIC) is skipped with a message after the node was assigned.
    let bytes = sdt_srat(1, &[x2apic(0, 0x8000, true), mem(0, 0, 0x1000_0000, false)]);
    let (numa, ret) = parse(&bytes, x2);
    assert_eq!(ret, Ok(()));
    assert_eq!(
        numa.message_lines(),
        strs(&[
            "SRAT: PXM 0 -> APIC 0x8000 -> Node 0 skipped apicid that is too big",
            "SRAT: Node 0 PXM 0 [mem 0x00000000-0x0fffffff]",
        ])
    );
    assert_eq!(numa.acpi_numa(), 0);
}

#[test]
fn uv_local_apic_ids_include_the_sapic_eid() {
    // UV x2APIC: apic_id << 8 | local_sapic_eid: 0x12 << 8 | 0x34 = 0x1234; 0x80 << 8 = 0x8000
    // is too big.
    let bytes = sdt_srat(1, &[lapic(0, 0x12, 0x34, true), lapic(1, 0x80, 0, true), mem(0, 0, 0x1000, false)]);
    let config = NumaConfig { uv_x2apic: true, ..config() };
    let (numa, _) = parse(&bytes, config);
    assert_eq!(
        numa.message_lines()[..2],
        strs(&[
            "SRAT: PXM 0 -> APIC 0x1234 -> Node 0",
            "SRAT: PXM 1 -> APIC 0x8000 -> Node 1 skipped apicid that is too big",
        ])
    );
}

#[test]
fn numa_noacpi_skips_everything() {
    let config = NumaConfig { numa_noacpi: true, ..config() };
    let (numa, ret) = parse(TWO_NODE, config);
    assert_eq!(ret, Err(Errno::ENOENT));
    assert!(numa.messages().is_empty());
    assert!(numa.memory_records().iter().all(|r| r.outcome == MemAffinityOutcome::SratDisabled));
}

#[test]
fn max_numnodes_out_of_range() {
    for value in [0, 1025] {
        let err = AcpiNuma::new(NumaConfig { max_numnodes: value, ..config() }).unwrap_err();
        assert!(matches!(err, Error::InvalidMaxNumnodes { value: v } if v == value));
    }
}
