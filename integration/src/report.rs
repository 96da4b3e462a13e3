//! The human report of a boot, and the side-by-side comparison of profiles.

use std::collections::BTreeMap;
use std::fmt::Write;

use movable_node::PgtSource;
use movable_node::memblock_bottomup::{MemblockState, Nid, PAGE_SIZE};
use movable_node::verdict::Verdict;
use movable_node::zones::ZoneType;

use crate::boot::Boot;

/// `1.5 GiB`-style sizes.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 || v.fract() == 0.0 { format!("{v:.0} {}", UNITS[u]) } else { format!("{v:.1} {}", UNITS[u]) }
}

/// The node of the memory region holding `addr`, found the way `memblock_search()` finds it in
/// `memblock.memory` (after NUMA init, the regions carry their nodes). The one lookup of an
/// address's node: the report, the JSON and the replay all ask here.
pub fn node_of(memblock: &MemblockState, addr: u64) -> Option<Nid> {
    let memory = memblock.memory();
    memory.search(addr).map(|i| memory.regions()[i].nid)
}

/// The node of the page holding `addr`, as `memblock_search_pfn_nid()` answers for its pfn: an
/// address in the partial page below a region's unaligned start belongs to no node, one in the
/// partial page past a region's unaligned end still belongs to the region's.
pub fn page_node(boot: &Boot, addr: u64) -> Option<Nid> {
    node_of(boot.memblock.state(), addr & !(PAGE_SIZE - 1))
}

/// One reserved range of an owner: `(start, end, node)`.
pub type OwnedRange = (u64, u64, Option<Nid>);

/// Early allocations by label: `(label, bytes, ranges)`.
pub fn allocations_by_label(boot: &Boot) -> Vec<(&str, u64, Vec<OwnedRange>)> {
    let mut by: BTreeMap<&str, Vec<OwnedRange>> = BTreeMap::new();
    for r in &boot.reserved {
        by.entry(r.label.as_str()).or_default().push((r.start, r.end, page_node(boot, r.start)));
    }
    by.into_iter().map(|(l, v)| (l, v.iter().map(|x| x.1 - x.0).sum(), v)).collect()
}

/// Why the boot fell back to the dummy node though the machine has an SRAT: the kernel
/// rejected the table (cut short, a zero-length subtable, overlapping or uncovered nodes ...).
/// `None` when the SRAT was used, when there is none, or when `numa=off` asked for one node.
pub fn srat_rejection(boot: &Boot) -> Option<String> {
    let numa = boot.numa.as_ref()?;
    if boot.machine.srat.is_none() || boot.params.numa_off || numa.method != "dummy" {
        return None;
    }
    // The model's own words when the table could not be read at all; else the kernel's lines
    // that turned it down (a checksum warning alone does not: 3.13 keeps such a table).
    let read = boot
        .warnings
        .iter()
        .filter(|w| w.contains("SRAT"))
        .map(|w| w.strip_suffix("; NUMA falls back to one node").unwrap_or(w).to_string());
    let rejects = |l: &&String| {
        (l.contains("SRAT") || l.starts_with("NUMA:"))
            && ["Invalid", "invalid", "not used", "Not used", "overlaps", "too many"].iter().any(|w| l.contains(w))
    };
    let said: Vec<String> = read.chain(boot.log.iter().filter(rejects).cloned()).take(2).collect();
    let said = if said.is_empty() { String::new() } else { format!(": {}", said.join("; ")) };
    Some(format!("the kernel rejected the SRAT{said}; NUMA fell back to one dummy node covering all memory"))
}

/// The report.
pub fn render(boot: &Boot) -> String {
    let mut o = String::new();
    let m = &boot.machine;
    if let Some(why) = srat_rejection(boot) {
        let _ = writeln!(o, "SRAT REJECTED: {why}");
    }
    let _ = writeln!(o, "bootsim: {} under Linux {}", m.name, boot.profile.name());
    let _ = writeln!(o, "command line: {}", m.cmdline);
    let _ = writeln!(
        o,
        "kernel: [{:#x}-{:#x}], kernel_end {:#x}; RAM {}; movable_node: {:?}",
        m.kernel.text,
        m.kernel.bss_stop - 1,
        m.kernel.end,
        human(boot.memblock.phys_mem_size()),
        boot.movable_node
    );
    if let Some(p) = &boot.panic {
        let _ = writeln!(o, "\nKERNEL PANIC: {p} (the boot stops here; the state below is where it stopped)");
    }
    let _ = writeln!(o, "\nEarly boot, in the kernel's order:");
    for s in &boot.steps {
        let _ = writeln!(o, "  {:<28} {}", s.name, s.note);
    }
    if let Some(dm) = &boot.direct_map {
        let pages = dm.pgt_pages();
        let brk = pages.iter().filter(|p| p.source == PgtSource::Brk).count();
        let mut nodes: BTreeMap<Option<Nid>, usize> = BTreeMap::new();
        for p in pages.iter().filter(|p| p.source == PgtSource::Memblock) {
            *nodes.entry(page_node(boot, p.pa)).or_default() += 1;
        }
        let where_: Vec<String> = nodes.iter().map(|(n, c)| format!("{c} in {}", node_name(*n))).collect();
        let _ = writeln!(
            o,
            "\nDirect-mapping page tables: {} pages ({brk} from BRK, {} from memblock{}{})",
            pages.len(),
            pages.len() - brk,
            if where_.is_empty() { "" } else { ": " },
            where_.join(", ")
        );
    }
    match &boot.crash {
        Some(Ok(Some(ck))) => {
            let _ = writeln!(
                o,
                "Crash kernel: [{:#x}-{:#x}] ({}) in {}",
                ck.base,
                ck.base + ck.size - 1,
                human(ck.size),
                node_name(page_node(boot, ck.base))
            );
        }
        Some(Ok(None)) | None => {
            let _ = writeln!(o, "Crash kernel: none requested");
        }
        Some(Err(e)) => {
            let _ = writeln!(o, "Crash kernel: not reserved: {e}");
        }
    }
    let _ = writeln!(o, "\nEarly reservations by owner:");
    for (label, bytes, ranges) in allocations_by_label(boot) {
        let nodes: Vec<String> = {
            let mut n: Vec<Option<Nid>> = ranges.iter().map(|r| r.2).collect();
            n.sort();
            n.dedup();
            n.into_iter().map(node_name).collect()
        };
        let _ = writeln!(o, "  {:<28} {:>10} in {} range(s), {}", label, human(bytes), ranges.len(), nodes.join(", "));
    }
    if let Some(numa) = &boot.numa {
        let _ = writeln!(o, "\nNodes ({} NUMA):", numa.method);
        for n in &numa.nodes {
            let v = boot.verdicts.iter().find(|v| v.nid == n.nid);
            let _ = writeln!(o, "  node {}: [{:#x}-{:#x}] {}", n.nid, n.start, n.end - 1, human(n.end - n.start));
            if let Some(z) = boot.zones.as_ref().and_then(|z| z.nodes.iter().find(|x| x.nid == n.nid)) {
                let zs: Vec<String> = z
                    .zones
                    .iter()
                    .map(|z| format!("{} [{:#x}-{:#x}]", z.zone.name(), z.start_pfn << 12, (z.end_pfn << 12) - 1))
                    .collect();
                let _ = writeln!(o, "    zones: {}", zs.join(", "));
            }
            let Some(v) = v else { continue };
            if v.hotpluggable.is_empty() {
                let _ = writeln!(o, "    hotpluggable: no");
            } else {
                let hp: Vec<String> = v.hotpluggable.iter().map(|(s, e)| format!("[{s:#x}-{:#x}]", e - 1)).collect();
                let _ = writeln!(o, "    hotpluggable: {}", hp.join(", "));
            }
            if let Some(blocks) = &boot.blocks {
                let mine: Vec<_> = blocks.blocks.iter().filter(|b| b.nid == n.nid).collect();
                let stuck: Vec<String> = mine
                    .iter()
                    .filter(|b| b.hotpluggable && !b.can_offline())
                    .map(|b| format!("memory{}", b.index))
                    .collect();
                let movable = mine.iter().filter(|b| b.zone == Some(ZoneType::Movable)).count();
                let _ = writeln!(
                    o,
                    "    memory blocks: {} of {} ({movable} in ZONE_MOVABLE){}",
                    mine.len(),
                    human(blocks.block_size),
                    if stuck.is_empty() {
                        String::new()
                    } else {
                        format!("; cannot go offline: {}", abbreviate(&stuck))
                    }
                );
            }
            for b in &v.blockers {
                let _ = writeln!(
                    o,
                    "    pinned by {:<24} [{:#x}-{:#x}] {}",
                    b.label,
                    b.start,
                    b.end - 1,
                    human(b.end - b.start)
                );
            }
            let why = match v.verdict {
                Verdict::NotHotpluggable => "SRAT does not mark its memory hotpluggable".to_string(),
                Verdict::Blocked => {
                    let mut l: Vec<&str> = v.blockers.iter().map(|b| b.label.as_str()).collect();
                    l.sort();
                    l.dedup();
                    format!("early reservations can never be freed: {}", l.join(", "))
                }
                Verdict::NotGuaranteed => format!(
                    "nothing early pins it, but {} of its hotpluggable memory comes up outside ZONE_MOVABLE",
                    human(v.pages_outside_movable << 12)
                ),
                Verdict::Removable => "all hotpluggable memory is ZONE_MOVABLE and nothing early lies in it".into(),
            };
            let _ = writeln!(o, "    verdict: {} — {why}", v.verdict.word().to_uppercase());
        }
    }
    if !boot.warnings.is_empty() {
        let _ = writeln!(o, "\nWarnings:");
        for w in &boot.warnings {
            let _ = writeln!(o, "  {w}");
        }
    }
    o
}

fn node_name(n: Option<Nid>) -> String {
    match n {
        Some(n) if (0..64).contains(&n) => format!("node {n}"),
        _ => "no node".into(),
    }
}

fn abbreviate(items: &[String]) -> String {
    if items.len() <= 6 { items.join(", ") } else { format!("{}, ... ({} blocks)", items[..5].join(", "), items.len()) }
}

/// The same machine under several profiles, side by side.
pub fn compare(boots: &[Boot]) -> String {
    let mut o = String::new();
    let Some(first) = boots.first() else { return o };
    let _ = writeln!(o, "bootsim --compare: {}", first.machine.name);
    let _ = writeln!(o, "command line: {}\n", first.machine.cmdline);
    let mut rows: Vec<Vec<String>> = vec![
        std::iter::once(String::new()).chain(boots.iter().map(|b| format!("Linux {}", b.profile.name()))).collect(),
    ];
    let mut row = |title: &str, f: &dyn Fn(&Boot) -> String| {
        rows.push(std::iter::once(title.to_string()).chain(boots.iter().map(f)).collect());
    };
    row("page tables (memblock)", &|b| {
        let Some(dm) = &b.direct_map else { return "-".into() };
        let mut nodes: BTreeMap<Option<Nid>, usize> = BTreeMap::new();
        for p in dm.pgt_pages().iter().filter(|p| p.source == PgtSource::Memblock) {
            *nodes.entry(page_node(b, p.pa)).or_default() += 1;
        }
        if nodes.is_empty() {
            "BRK only".into()
        } else {
            nodes.iter().map(|(n, c)| format!("{c}@{}", node_name(*n))).collect::<Vec<_>>().join(" ")
        }
    });
    row("crash kernel", &|b| match &b.crash {
        Some(Ok(Some(ck))) => format!("{}@{:#x} {}", human(ck.size), ck.base, node_name(page_node(b, ck.base))),
        Some(Ok(None)) | None => "none".into(),
        Some(Err(_)) => "failed".into(),
    });
    row("bottom-up after NUMA init", &|b| b.bottom_up_after_numa.to_string());
    let nids: Vec<Nid> = first.verdicts.iter().map(|v| v.nid).collect();
    for nid in nids {
        row(&format!("node {nid} verdict"), &|b| {
            b.verdicts.iter().find(|v| v.nid == nid).map_or("-".into(), |v| v.verdict.word().into())
        });
        row(&format!("node {nid} pinned by"), &|b| {
            let Some(v) = b.verdicts.iter().find(|v| v.nid == nid) else { return "-".into() };
            let mut l: Vec<&str> = v.blockers.iter().map(|x| x.label.as_str()).collect();
            l.sort();
            l.dedup();
            if l.is_empty() { "nothing".into() } else { l.join(", ") }
        });
        row(&format!("node {nid} ZONE_MOVABLE"), &|b| {
            let z = b
                .zones
                .as_ref()
                .and_then(|z| z.nodes.iter().find(|n| n.nid == nid))
                .and_then(|n| n.zones.iter().find(|z| z.zone == ZoneType::Movable).copied());
            z.map_or("none".into(), |z| human((z.end_pfn - z.start_pfn) << 12))
        });
    }
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0) + 2).collect();
    for r in &rows {
        let line: String = r.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        let _ = writeln!(o, "{}", line.trim_end());
    }
    o
}
