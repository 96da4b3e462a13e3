//! The human report of a boot, and the side-by-side comparison of profiles, drawn from the
//! view model.

use std::collections::BTreeMap;
use std::fmt::Write;

use movable_node::memblock_bottomup::{MemblockState, Nid};
use movable_node::verdict::Verdict;

use super::model::{NodeJson, Report, View, verdict_of};

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
/// address's node in memblock: the view model and the replay both ask here.
pub fn node_of(memblock: &MemblockState, addr: u64) -> Option<Nid> {
    let memory = memblock.memory();
    memory.search(addr).map(|i| memory.regions()[i].nid)
}

/// The report.
pub fn render(v: &View) -> String {
    let mut o = String::new();
    let r = &v.report;
    let m = &r.machine;
    if let Some(why) = &v.srat_rejection {
        let _ = writeln!(o, "SRAT REJECTED: {why}");
    }
    let _ = writeln!(o, "bootsim: {} under Linux {}", m.name, r.profile);
    let _ = writeln!(o, "command line: {}", m.cmdline);
    let movable_node = match r.movable_node.as_str() {
        "enabled" => "Enabled",
        "not_supported" => "NotSupported",
        _ => "Absent",
    };
    let _ = writeln!(
        o,
        "kernel: [{:#x}-{:#x}], kernel_end {:#x}; RAM {}; movable_node: {movable_node}",
        m.kernel.text,
        m.kernel.bss_stop - 1,
        m.kernel.end,
        human(r.memory_bytes),
    );
    if let Some(p) = &r.panic {
        let _ = writeln!(o, "\nKERNEL PANIC: {p} (the boot stops here; the state below is where it stopped)");
    }
    let _ = writeln!(o, "\nEarly boot, in the kernel's order:");
    for s in &r.steps {
        let _ = writeln!(o, "  {:<28} {}", s.name, s.note);
    }
    if let Some(p) = &r.page_tables {
        let where_: Vec<String> = v.page_table_nodes.iter().map(|(n, c)| format!("{c} in {}", node_name(*n))).collect();
        let _ = writeln!(
            o,
            "\nDirect-mapping page tables: {} pages ({} from BRK, {} from memblock{}{})",
            p.pages.len(),
            p.from_brk,
            p.from_memblock,
            if where_.is_empty() { "" } else { ": " },
            where_.join(", ")
        );
    }
    crash_line(&mut o, r);
    let _ = writeln!(o, "\nEarly reservations by owner:");
    for w in &v.owners {
        let nodes: Vec<String> = w.nodes.iter().map(|n| node_name(*n)).collect();
        let _ = writeln!(o, "  {:<28} {:>10} in {} range(s), {}", w.label, human(w.bytes), w.ranges, nodes.join(", "));
    }
    if let Some(method) = &r.numa_method {
        let _ = writeln!(o, "\nNodes ({method} NUMA):");
        let tallies = block_tallies(r);
        for nd in v.numa_nodes.iter().filter_map(|&nid| r.nodes.iter().find(|n| n.nid == nid)) {
            node_lines(&mut o, v, nd, &tallies);
        }
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(o, "\nWarnings:");
        for w in &r.warnings {
            let _ = writeln!(o, "  {w}");
        }
    }
    o
}

fn crash_line(o: &mut String, r: &Report) {
    let ck = &r.crash_kernel;
    match (ck.status.as_str(), ck.base, ck.size) {
        ("reserved", Some(base), Some(size)) => {
            let _ = writeln!(
                o,
                "Crash kernel: [{base:#x}-{:#x}] ({}) in {}",
                base + size - 1,
                human(size),
                node_name(ck.node)
            );
        }
        ("failed", ..) => {
            let _ = writeln!(o, "Crash kernel: not reserved: {}", ck.error.as_deref().unwrap_or(""));
        }
        _ => {
            let _ = writeln!(o, "Crash kernel: none requested");
        }
    }
}

/// The memory blocks of one node, as its lines count them.
#[derive(Debug, Clone, Default)]
struct BlockTally {
    blocks: usize,
    movable: usize,
    /// The first pinned hotpluggable blocks' names (six at most: only those are printed).
    stuck: Vec<String>,
    stuck_count: usize,
}

/// The blocks of every node, in one pass over them (a 64 TiB machine has 32,768).
fn block_tallies(r: &Report) -> BTreeMap<Nid, BlockTally> {
    let mut tallies: BTreeMap<Nid, BlockTally> = BTreeMap::new();
    for b in r.memory_blocks.iter().flat_map(|m| &m.blocks) {
        let Some(nid) = b.node else { continue };
        let t = tallies.entry(nid).or_default();
        t.blocks += 1;
        t.movable += usize::from(b.zone.as_deref() == Some("Movable"));
        if b.hotpluggable && !b.can_offline {
            t.stuck_count += 1;
            if t.stuck.len() < 6 {
                t.stuck.push(format!("memory{}", b.index));
            }
        }
    }
    tallies
}

/// A node of NUMA init: its span, zones, hotpluggable ranges, blocks, what pins it, verdict.
fn node_lines(o: &mut String, v: &View, nd: &NodeJson, tallies: &BTreeMap<Nid, BlockTally>) {
    let r = &v.report;
    let _ = writeln!(o, "  node {}: [{:#x}-{:#x}] {}", nd.nid, nd.start, nd.end - 1, human(nd.end - nd.start));
    if v.zoned_nodes.contains(&nd.nid) {
        let zs: Vec<String> =
            nd.zones.iter().map(|z| format!("{} [{:#x}-{:#x}]", z.kind, z.start, z.end - 1)).collect();
        let _ = writeln!(o, "    zones: {}", zs.join(", "));
    }
    let Some(verdict) = nd.verdict.as_deref().and_then(verdict_of) else { return };
    let hotpluggable: Vec<String> = nd
        .hotpluggable_ranges
        .iter()
        .filter(|h| h.end > h.start)
        .map(|h| format!("[{:#x}-{:#x}]", h.start, h.end - 1))
        .collect();
    if hotpluggable.is_empty() {
        let _ = writeln!(o, "    hotpluggable: no");
    } else {
        let _ = writeln!(o, "    hotpluggable: {}", hotpluggable.join(", "));
    }
    if let Some(blocks) = &r.memory_blocks {
        let t = tallies.get(&nd.nid).cloned().unwrap_or_default();
        let _ = writeln!(
            o,
            "    memory blocks: {} of {} ({} in ZONE_MOVABLE){}",
            t.blocks,
            human(blocks.block_size),
            t.movable,
            if t.stuck.is_empty() {
                String::new()
            } else {
                format!("; cannot go offline: {}", abbreviate(&t.stuck, t.stuck_count))
            }
        );
    }
    for b in &nd.blockers {
        let _ =
            writeln!(o, "    pinned by {:<24} [{:#x}-{:#x}] {}", b.label, b.start, b.end - 1, human(b.end - b.start));
    }
    let why = match verdict {
        Verdict::NotHotpluggable => "SRAT does not mark its memory hotpluggable".to_string(),
        Verdict::Blocked => format!("early reservations can never be freed: {}", blocker_labels(nd).join(", ")),
        Verdict::NotGuaranteed => format!(
            "nothing early pins it, but {} of its hotpluggable memory comes up outside ZONE_MOVABLE",
            human(nd.pages_outside_movable << 12)
        ),
        Verdict::Removable => "all hotpluggable memory is ZONE_MOVABLE and nothing early lies in it".into(),
    };
    let _ = writeln!(o, "    verdict: {} — {why}", verdict.word().to_uppercase());
}

/// The owners of what pins a node, sorted, each once.
fn blocker_labels(nd: &NodeJson) -> Vec<&str> {
    let mut l: Vec<&str> = nd.blockers.iter().map(|b| b.label.as_str()).collect();
    l.sort();
    l.dedup();
    l
}

fn node_name(n: Option<Nid>) -> String {
    match n {
        Some(n) if (0..64).contains(&n) => format!("node {n}"),
        _ => "no node".into(),
    }
}

/// The first of `count` names (`first` holds at least six of them, or all): all of them up to
/// six, else five and the count.
fn abbreviate(first: &[String], count: usize) -> String {
    if count <= 6 { first.join(", ") } else { format!("{}, ... ({count} blocks)", first[..5].join(", ")) }
}

/// The verdict of node `nid` in `v`, if it has one.
fn node_verdict(v: &View, nid: Nid) -> Option<&NodeJson> {
    v.report.nodes.iter().find(|n| n.nid == nid && n.verdict.is_some())
}

/// The same machine under several profiles, side by side.
pub fn compare(views: &[View]) -> String {
    let mut o = String::new();
    let Some(first) = views.first() else { return o };
    let _ = writeln!(o, "bootsim --compare: {}", first.report.machine.name);
    let _ = writeln!(o, "command line: {}\n", first.report.machine.cmdline);
    let mut rows: Vec<Vec<String>> = vec![
        std::iter::once(String::new()).chain(views.iter().map(|v| format!("Linux {}", v.report.profile))).collect(),
    ];
    let mut row = |title: &str, f: &dyn Fn(&View) -> String| {
        rows.push(std::iter::once(title.to_string()).chain(views.iter().map(f)).collect());
    };
    row("page tables (memblock)", &|v| {
        if v.report.page_tables.is_none() {
            "-".into()
        } else if v.page_table_nodes.is_empty() {
            "BRK only".into()
        } else {
            v.page_table_nodes.iter().map(|(n, c)| format!("{c}@{}", node_name(*n))).collect::<Vec<_>>().join(" ")
        }
    });
    row("crash kernel", &|v| {
        let ck = &v.report.crash_kernel;
        match (ck.status.as_str(), ck.base, ck.size) {
            ("reserved", Some(base), Some(size)) => format!("{}@{base:#x} {}", human(size), node_name(ck.node)),
            ("failed", ..) => "failed".into(),
            _ => "none".into(),
        }
    });
    row("bottom-up after NUMA init", &|v| v.report.bottom_up_after_numa.to_string());
    let nids: Vec<Nid> = first.zoned_nodes.iter().copied().filter(|&nid| node_verdict(first, nid).is_some()).collect();
    for nid in nids {
        row(&format!("node {nid} verdict"), &|v| {
            node_verdict(v, nid)
                .and_then(|n| n.verdict.as_deref())
                .and_then(verdict_of)
                .map_or("-".into(), |x| x.word().into())
        });
        row(&format!("node {nid} pinned by"), &|v| {
            let Some(n) = node_verdict(v, nid) else { return "-".into() };
            let l = blocker_labels(n);
            if l.is_empty() { "nothing".into() } else { l.join(", ") }
        });
        row(&format!("node {nid} ZONE_MOVABLE"), &|v| {
            let z = v.report.nodes.iter().find(|n| n.nid == nid && v.zoned_nodes.contains(&nid));
            z.and_then(|n| n.zones.iter().find(|z| z.kind == "Movable"))
                .map_or("none".into(), |z| human(z.end - z.start))
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
