//! Property tests: no input makes the reader, the NUMA parse or the firmware lookup panic or
//! overflow (the tests build with overflow checks), and well-formed tables agree with a small
//! reference model of node numbering.

mod common;

use std::collections::HashMap;

use common::fix_checksum;
use movable_node::acpi_srat::{
    AcceptAll, AcpiNuma, ApicDriver, FirmwareWindow, MessageStyle, NumaConfig, PxmRangeCheck, SratTable, find_srat,
    x86_acpi_numa_init_bytes,
};
use proptest::collection::vec;
use proptest::prelude::*;

fn configs() -> impl Strategy<Value = NumaConfig> {
    (
        prop::sample::select(vec![1u32, 2, 3, 64, 256, 1024]),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec![MessageStyle::Linux3_12, MessageStyle::Linux3_13, MessageStyle::Linux6_1]),
    )
        .prop_map(|(max, hotplug, x2, uv, check, noacpi, style)| NumaConfig {
            max_numnodes: max,
            memory_hotplug: hotplug,
            apic_driver: if x2 { ApicDriver::X2Apic } else { ApicDriver::Default },
            uv_x2apic: uv,
            pxm_range_check: if check { PxmRangeCheck::NoNode } else { PxmRangeCheck::None },
            numa_noacpi: noacpi,
            style,
        })
}

/// Everything the crate can do with a buffer; must not panic whatever the outcome.
fn exercise(bytes: &[u8], config: NumaConfig) {
    if let Ok(table) = SratTable::from_bytes(bytes) {
        for sub in table.subtables() {
            let _ = sub.decode();
        }
        let _ = table.checksum().warning().map(|w| w.render(config.style));
    }
    if let Ok((numa, _)) = x86_acpi_numa_init_bytes(bytes, config, &mut AcceptAll) {
        let _ = numa.message_lines();
        let _ = numa.pxm_node_pairs();
    }
    let mut refuse = |_: u32, _: u64, _: u64| -> Result<(), ()> { Err(()) };
    let _ = x86_acpi_numa_init_bytes(bytes, config, &mut refuse);
}

fn header(length: u32, revision: u8) -> Vec<u8> {
    let mut h = vec![0u8; 48];
    h[..4].copy_from_slice(b"SRAT");
    h[4..8].copy_from_slice(&length.to_le_bytes());
    h[8] = revision;
    h[10..16].copy_from_slice(b"MHPSIM");
    h[36] = 1;
    h
}

/// A subtable of any type and length, with arbitrary contents.
fn raw_subtable() -> impl Strategy<Value = Vec<u8>> {
    (0u8..5, 0u8..64, vec(any::<u8>(), 0..64)).prop_map(|(ty, len, payload)| {
        let mut e = vec![ty, len];
        e.extend(payload.into_iter().chain(std::iter::repeat(0)).take((len as usize).saturating_sub(2)));
        e
    })
}

/// A well-formed subtable (right length) with small PXMs, ids and ranges.
#[derive(Clone, Debug)]
enum Entry {
    Lapic { pxm: u32, apic: u8, enabled: bool },
    X2apic { pxm: u32, apic: u32, enabled: bool },
    Mem { pxm: u32, base: u64, len: u64, flags: u32 },
}

fn entry() -> impl Strategy<Value = Entry> {
    let pxm = prop_oneof![0u32..12, any::<u32>()];
    prop_oneof![
        (pxm.clone(), any::<u8>(), any::<bool>()).prop_map(|(pxm, apic, enabled)| Entry::Lapic { pxm, apic, enabled }),
        (pxm.clone(), prop_oneof![0u32..300, any::<u32>()], any::<bool>())
            .prop_map(|(pxm, apic, enabled)| Entry::X2apic { pxm, apic, enabled }),
        (pxm, any::<u64>(), any::<u64>(), 0u32..8).prop_map(|(pxm, base, len, flags)| Entry::Mem {
            pxm,
            base,
            len,
            flags
        }),
    ]
}

fn encode(e: &Entry) -> Vec<u8> {
    match *e {
        Entry::Lapic { pxm, apic, enabled } => {
            let mut b = vec![0u8; 16];
            b[1] = 16;
            b[2] = pxm as u8;
            b[3] = apic;
            b[4] = enabled as u8;
            b[9..12].copy_from_slice(&pxm.to_le_bytes()[1..]);
            b
        }
        Entry::X2apic { pxm, apic, enabled } => {
            let mut b = vec![0u8; 24];
            b[0] = 2;
            b[1] = 24;
            b[4..8].copy_from_slice(&pxm.to_le_bytes());
            b[8..12].copy_from_slice(&apic.to_le_bytes());
            b[12] = enabled as u8;
            b
        }
        Entry::Mem { pxm, base, len, flags } => {
            let mut b = vec![0u8; 40];
            b[0] = 1;
            b[1] = 40;
            b[2..6].copy_from_slice(&pxm.to_le_bytes());
            b[8..16].copy_from_slice(&base.to_le_bytes());
            b[16..24].copy_from_slice(&len.to_le_bytes());
            b[28..32].copy_from_slice(&flags.to_le_bytes());
            b
        }
    }
}

/// What an XSDT entry points at: one of the generated tables, or anywhere.
#[derive(Clone, Debug)]
enum Target {
    Table(usize),
    Addr(u64),
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        3 => (0usize..4).prop_map(Target::Table),
        1 => (0xe_0000u64..0xe_0400).prop_map(Target::Addr),
        1 => any::<u64>().prop_map(Target::Addr),
    ]
}

fn table(revision: u8, subtables: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = subtables.concat();
    let mut t = header((48 + body.len()) as u32, revision);
    t.extend(body);
    fix_checksum(&mut t);
    t
}

/// Cases per property: 1500, or `PROPTEST_CASES` when set (`.ci/run` runs fewer under
/// valgrind, where a case costs fifty times as much).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(1500)
}

/// How often the structured firmware property reached a parse (checked below).
static FOUND: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in vec(any::<u8>(), 0..400), config in configs()) {
        exercise(&bytes, config);
    }

    #[test]
    fn arbitrary_bytes_behind_a_valid_header(
        revision in any::<u8>(),
        body in vec(any::<u8>(), 0..400),
        length_delta in -60i64..60,
        fix in any::<bool>(),
        config in configs(),
    ) {
        let length = (48 + body.len() as i64 + length_delta).max(0) as u32;
        let mut t = header(length, revision);
        t.extend(body);
        if fix && (length as usize) <= t.len() {
            fix_checksum(&mut t);
        }
        exercise(&t, config);
    }

    #[test]
    fn arbitrary_subtables(
        revision in 0u8..4,
        subtables in vec(prop_oneof![raw_subtable(), entry().prop_map(|e| encode(&e))], 0..24),
        cut in any::<prop::sample::Index>(),
        config in configs(),
    ) {
        let t = table(revision, &subtables);
        exercise(&t, config);
        // The same table cut short, its length field still claiming more: reads past the end.
        let keep = 36 + cut.index(t.len() - 35);
        exercise(&t[..keep], config);
        // ... or with the length field cut too.
        let mut short = t[..keep].to_vec();
        short[4..8].copy_from_slice(&(keep as u32).to_le_bytes());
        exercise(&short, config);
    }

    #[test]
    fn well_formed_tables_number_nodes_by_first_appearance(
        revision in 1u8..4,
        entries in vec(entry(), 0..40),
    ) {
        // Reference model: with small PXMs, enabled entries only, a flat APIC, 64 nodes and
        // memory hotplug: node ids are handed out over the x2APIC, then local APIC, then
        // memory subtables, in order of first appearance of each (masked) PXM.
        // (x2APIC ids of 2^31 and more are negative ints: the kernel's undefined case.)
        let small = |p: u32| p < 12;
        let entries: Vec<Entry> = entries
            .into_iter()
            .filter(|e| match e {
                Entry::X2apic { pxm, apic, .. } => small(*pxm) && *apic < 0x8000_0000,
                Entry::Lapic { pxm, .. } | Entry::Mem { pxm, .. } => small(*pxm),
            })
            .collect();
        let mut order = Vec::new();
        let mut see = |p: u32| if !order.contains(&p) { order.push(p) };
        for e in &entries {
            if let Entry::X2apic { pxm, apic, enabled: true } = e
                && (*apic as i32) < 255
            {
                see(*pxm)
            }
        }
        for e in &entries {
            if let Entry::Lapic { pxm, enabled: true, .. } = e { see(*pxm) }
        }
        for e in &entries {
            if let Entry::Mem { pxm, flags, .. } = e
                && flags & 1 != 0
            {
                see(*pxm)
            }
        }
        let node: HashMap<u32, u32> = order.iter().enumerate().map(|(i, p)| (*p, i as u32)).collect();
        let expected: Vec<(u32, u32, u64, u64)> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Mem { pxm, base, len, flags } if flags & 1 != 0 => {
                    Some((node[pxm], *pxm, *base, base.wrapping_add(*len)))
                }
                _ => None,
            })
            .collect();

        let t = table(revision, &entries.iter().map(encode).collect::<Vec<_>>());
        let (numa, ret) = x86_acpi_numa_init_bytes(&t, NumaConfig::linux_3_12(), &mut AcceptAll).unwrap();
        let got: Vec<_> = numa.memblks().iter().map(|b| (b.node, b.pxm, b.start, b.end)).collect();
        prop_assert_eq!(got, expected.clone());
        prop_assert_eq!(ret, if expected.is_empty() { Err(movable_node::Errno::ENOENT) } else { Ok(()) });
        let pairs: Vec<(u32, u32)> = {
            let mut v: Vec<_> = node.iter().map(|(p, n)| (*p, *n)).collect();
            v.sort();
            v
        };
        prop_assert_eq!(numa.pxm_node_pairs(), pairs);
    }

    #[test]
    fn arbitrary_firmware_windows(
        mem in vec(any::<u8>(), 0..1024),
        base in prop_oneof![Just(0xe_0000u64), any::<u64>()],
        rsdp_off in 0u64..1100,
    ) {
        if let Ok(window) = FirmwareWindow::new(base, &mem) {
            let _ = find_srat(&window, base.wrapping_add(rsdp_off));
        }
    }

    #[test]
    fn firmware_windows_with_valid_rsdp_and_arbitrary_tables(
        entries in vec(target(), 0..6),
        xsdt_len_delta in prop_oneof![4 => Just(0i64), 1 => -40i64..8],
        tables in vec(
            (
                0x100usize..0x380,
                vec(prop_oneof![raw_subtable(), entry().prop_map(|e| encode(&e))], 0..6),
                prop_oneof![3 => Just(None), 1 => (0u32..0x300).prop_map(Some)],
                prop_oneof![3 => Just(true), 1 => Just(false)],
            ),
            0..4,
        ),
        config in configs(),
    ) {
        // RSDP at 0xe0000, XSDT at 0xe0040 listing `entries`; SRAT-signed tables (some with
        // wrong length fields or checksums) scattered in the 1 KiB window.
        let mut mem = vec![0u8; 0x400];
        for (off, subs, length, fix) in &tables {
            let body = subs.concat();
            let length = length.unwrap_or((48 + body.len()) as u32);
            let mut t = header(length, 2);
            t.extend(body);
            if *fix && (length as usize) <= t.len() { fix_checksum(&mut t); }
            let end = (*off + t.len()).min(mem.len());
            mem[*off..end].copy_from_slice(&t[..end - *off]);
        }
        let mut xsdt = vec![0u8; 36];
        xsdt[..4].copy_from_slice(b"XSDT");
        xsdt[10..16].copy_from_slice(b"MHPSIM");
        for e in &entries {
            let address = match *e {
                Target::Table(i) => tables.get(i).map_or(0xe_0040, |t| 0xe_0000 + t.0 as u64),
                Target::Addr(a) => a,
            };
            xsdt.extend(address.to_le_bytes());
        }
        let xlen = (xsdt.len() as i64 + xsdt_len_delta).max(0) as u32;
        xsdt[4..8].copy_from_slice(&xlen.to_le_bytes());
        if (xlen as usize) <= xsdt.len() { fix_checksum(&mut xsdt); }
        let xend = (0x40 + xsdt.len()).min(mem.len());
        mem[0x40..xend].copy_from_slice(&xsdt[..xend - 0x40]);
        let mut rsdp = vec![0u8; 36];
        rsdp[..8].copy_from_slice(b"RSD PTR ");
        rsdp[15] = 2;
        rsdp[20..24].copy_from_slice(&36u32.to_le_bytes());
        rsdp[24..32].copy_from_slice(&0xe_0040u64.to_le_bytes());
        rsdp[8] = 0u8.wrapping_sub(rsdp[..20].iter().fold(0u8, |s, b| s.wrapping_add(*b)));
        rsdp[32] = 0u8.wrapping_sub(rsdp.iter().fold(0u8, |s, b| s.wrapping_add(*b)));
        mem[..36].copy_from_slice(&rsdp);

        let window = FirmwareWindow::new(0xe_0000, &mem).unwrap();
        if let Ok(found) = find_srat(&window, 0xe_0000) {
            FOUND.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mut numa = AcpiNuma::new(config).unwrap();
            let _ = numa.x86_acpi_numa_init(Some(&found.table), &mut AcceptAll);
        }
    }
}

#[test]
fn structured_firmware_property_reaches_the_parser() {
    // Run the property body on its own and check that a good share of cases found an SRAT, so
    // that the property above exercises acpi and the parse, not only the early errors.
    FOUND.store(0, std::sync::atomic::Ordering::Relaxed);
    firmware_windows_with_valid_rsdp_and_arbitrary_tables();
    let found = FOUND.load(std::sync::atomic::Ordering::Relaxed);
    // One case in fifteen (100 of the 1500).
    assert!(found as u64 * 15 > u64::from(cases()), "{found} of {}", cases());
}
