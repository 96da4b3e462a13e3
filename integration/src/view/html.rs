//! `bootsim --html FILE`: one self-contained page a person opens in a browser: the map of the
//! physical address space ([`crate::svg`]) inline, a table of the nodes with their verdicts,
//! the crash kernel, the page tables, the early reservations, the steps of `setup_arch()` and
//! the kernel-style log.
//!
//! Inline CSS, no script, no external resource. Every text goes through
//! [`crate::svg::escape_xml`], and the page is written as well-formed XML (void elements
//! self-closed, no named entities) so that an XML parser can check it as well as a browser can
//! show it.

use std::fmt::Write;

use super::model::{NodeJson, Report, View};
use super::report::human;
use super::svg::{escape_xml as esc, verdict_word};

const CSS: &str = r#"
body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; margin: 24px; color: #1a1a1a; max-width: 1400px; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; overflow-wrap: anywhere; }
h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
code, pre, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
.sub { color: #444; margin-top: 0; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
.map { overflow-x: auto; border: 1px solid #ddd; padding: 4px; }
.map svg { max-width: none; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }
th { background: #f0f0f0; }
td.num { text-align: right; }
ul.plain { margin: 0; padding-left: 1.1em; }
.verdict { font-weight: bold; padding: 1px 6px; border-radius: 3px; white-space: nowrap; }
.v-blocked { background: #f8d0cf; color: #8b1a17; }
.v-removable { background: #d3efd3; color: #1d5e1d; }
.v-not_guaranteed { background: #fdebc8; color: #7a4d00; }
.v-not_hotpluggable { background: #e8e8e8; color: #333; }
.panic { background: #fde0e0; border: 2px solid #b00020; padding: 8px 12px; font-weight: bold; }
pre.log { background: #f7f7f7; border: 1px solid #ddd; padding: 8px; overflow-x: auto; line-height: 1.3; }
ol.steps li { margin: 2px 0; }
footer { margin-top: 2em; color: #777; font-size: 0.85em; }
"#;

/// `[start-end]` in the kernel's inclusive style.
fn range(start: u64, end: u64) -> String {
    format!("[{start:#x}-{:#x}]", end.saturating_sub(1))
}

/// `memory3, memory7–9`: block indices with consecutive runs joined.
fn block_list(indices: &[u64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let mut j = i;
        while j + 1 < indices.len() && indices[j].checked_add(1) == Some(indices[j + 1]) {
            j += 1;
        }
        parts.push(if i == j {
            format!("memory{}", indices[i])
        } else {
            format!("memory{}–{} ({} blocks)", indices[i], indices[j], j - i + 1)
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// Why a node got its verdict, in a sentence.
pub fn verdict_reason(node: &NodeJson) -> String {
    match node.verdict.as_deref() {
        Some("not_hotpluggable") => "SRAT does not mark its memory hotpluggable".into(),
        Some("blocked") => {
            let mut l: Vec<&str> = node.blockers.iter().map(|b| b.label.as_str()).collect();
            l.sort_unstable();
            l.dedup();
            format!("early reservations that are never freed lie in its hotpluggable memory: {}", l.join(", "))
        }
        Some("not_guaranteed") => format!(
            "nothing early pins it, but {} of its hotpluggable memory comes up outside ZONE_MOVABLE",
            human(node.pages_outside_movable << 12)
        ),
        Some("removable") => "all its hotpluggable memory is ZONE_MOVABLE and nothing early lies in it".into(),
        Some(other) => other.into(),
        None => "not assessed (the boot stopped first)".into(),
    }
}

/// The page for a boot.
pub fn render(v: &View) -> String {
    render_with_map(v, &super::svg::render(v))
}

/// The page for a boot around `map`, its SVG already drawn (`--svg` with `--html` draws it
/// once).
pub fn render_with_map(v: &View, map: &str) -> String {
    let r = &v.report;
    let mut o = String::new();
    let title = format!("bootsim: {} under Linux {}", r.machine.name, r.profile);
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    let _ = writeln!(o, "<title>{}</title>", esc(&title));
    let _ = writeln!(o, "<style>{CSS}</style>\n</head>\n<body>");
    let _ = writeln!(o, "<h1>{}</h1>", esc(&title));
    if !r.profile_choice.is_empty() {
        let _ = writeln!(o, "<p class=\"sub\">{}</p>", esc(&r.profile_choice));
    }
    let _ = writeln!(o, "<p class=\"sub\">command line: <code>{}</code></p>", esc(&r.machine.cmdline));
    facts(&mut o, r);
    if let Some(p) = &r.panic {
        let _ = writeln!(
            o,
            "<p class=\"panic\">Kernel panic - not syncing: {} (the boot stops here; what follows is where it stopped)</p>",
            esc(p)
        );
    }
    o.push_str("<h2 id=\"map\">Physical address space</h2>\n<div class=\"map\">\n");
    o.push_str(map);
    o.push_str("</div>\n");
    nodes(&mut o, r);
    crash(&mut o, r);
    page_tables(&mut o, r);
    reservations(&mut o, r);
    let _ = writeln!(o, "<h2 id=\"steps\">Early boot, in the kernel's order</h2>\n<ol class=\"steps\">");
    for s in &r.steps {
        let _ = writeln!(o, "<li><code>{}</code> — {}</li>", esc(&s.name), esc(&s.note));
    }
    o.push_str("</ol>\n");
    if !r.warnings.is_empty() {
        o.push_str("<h2 id=\"warnings\">Warnings</h2>\n<ul>\n");
        for w in &r.warnings {
            let _ = writeln!(o, "<li>{}</li>", esc(w));
        }
        o.push_str("</ul>\n");
    }
    e820(&mut o, r);
    o.push_str("<h2 id=\"log\">Kernel log</h2>\n<pre class=\"log\">");
    for l in &r.log {
        o.push_str(&esc(l));
        o.push('\n');
    }
    o.push_str("</pre>\n");
    let _ = writeln!(
        o,
        "<footer>bootsim, the model of Linux's movable_node series; the same data as <code>--json</code> ({}).</footer>",
        esc(&r.schema)
    );
    o.push_str("</body>\n</html>\n");
    o
}

fn facts(o: &mut String, r: &Report) {
    let k = &r.machine.kernel;
    let mut rows: Vec<(&str, String)> = vec![
        ("kernel", format!("{}, kernel_end {:#x}", range(k.text, k.bss_stop), k.end)),
        ("initrd", r.machine.initrd.map_or("none".into(), |i| range(i.start, i.end))),
        ("memory", human(r.memory_bytes)),
        ("movable_node", r.movable_node.replace('_', " ")),
        ("NUMA", r.numa_method.clone().unwrap_or_else(|| "not reached".into())),
        ("bottom-up after NUMA init", r.bottom_up_after_numa.to_string()),
    ];
    if let Some(b) = &r.memory_blocks {
        rows.push(("memory block size", human(b.block_size)));
    }
    o.push_str("<dl class=\"facts\">\n");
    for (dt, dd) in rows {
        let _ = writeln!(o, "<dt>{}</dt><dd>{}</dd>", esc(dt), esc(&dd));
    }
    o.push_str("</dl>\n");
}

fn nodes(o: &mut String, r: &Report) {
    o.push_str("<h2 id=\"nodes\">Nodes</h2>\n");
    if r.nodes.is_empty() {
        o.push_str("<p>No NUMA node was set up.</p>\n");
        return;
    }
    o.push_str(
        "<table class=\"nodes\">\n<thead><tr><th>Node</th><th>Memory</th><th>Hotpluggable</th><th>Zones</th>\
         <th>Early reservations</th><th>Blocks that cannot go offline</th><th>NODE_DATA</th><th>Verdict</th></tr></thead>\n<tbody>\n",
    );
    for nd in &r.nodes {
        let _ = writeln!(o, "<tr id=\"node-{}\">", nd.nid);
        let _ = writeln!(o, "<td>node {}</td>", nd.nid);
        // Memory.
        o.push_str("<td><ul class=\"plain\">");
        for rg in &nd.ranges {
            let _ = write!(o, "<li class=\"mono\">{} {}</li>", range(rg.start, rg.end), esc(&human(rg.size())));
        }
        let _ = writeln!(o, "</ul>span {}, {} present</td>", range(nd.start, nd.end), esc(&human(nd.present_bytes)));
        // Hotpluggable.
        if nd.hotpluggable_ranges.is_empty() {
            o.push_str("<td>no</td>\n");
        } else {
            o.push_str("<td><ul class=\"plain\">");
            for h in &nd.hotpluggable_ranges {
                let _ = write!(o, "<li class=\"mono\">{}</li>", range(h.start, h.end));
            }
            o.push_str("</ul></td>\n");
        }
        // Zones.
        o.push_str("<td><ul class=\"plain\">");
        for z in &nd.zones {
            let _ = write!(
                o,
                "<li>{} <span class=\"mono\">{}</span> ({} present)</li>",
                esc(&z.kind),
                range(z.start, z.end),
                esc(&human(z.present_pages << 12))
            );
        }
        o.push_str("</ul></td>\n");
        // Reservations.
        if nd.reservations.is_empty() {
            o.push_str("<td>none</td>\n");
        } else {
            o.push_str("<td><ul class=\"plain\">");
        }
        for x in &nd.reservations {
            let ranges = if x.ranges == 1 { String::new() } else { format!(" in {} ranges", x.ranges) };
            let _ = write!(o, "<li>{} — {}{ranges}</li>", esc(&x.label), esc(&human(x.bytes)));
        }
        if !nd.reservations.is_empty() {
            o.push_str("</ul></td>\n");
        }
        // Blocks.
        let blocks = if nd.blocks_cannot_offline.is_empty() {
            if nd.hotpluggable { "none".into() } else { "—".into() }
        } else {
            block_list(&nd.blocks_cannot_offline)
        };
        let _ = writeln!(o, "<td>{}</td>", esc(&blocks));
        let node_data = match nd.node_data {
            None => "none".to_string(),
            Some(a) => match r.node_of(a) {
                Some(n) if n != nd.nid => format!("{a:#x} (in node {n})"),
                _ => format!("{a:#x}"),
            },
        };
        let _ = writeln!(o, "<td class=\"mono\">{}</td>", esc(&node_data));
        // Verdict.
        let id = nd.verdict.as_deref().unwrap_or("none");
        let _ = write!(
            o,
            "<td><span class=\"verdict v-{}\">{}</span><br/>{}",
            esc(id),
            esc(&verdict_word(id).to_uppercase()),
            esc(&verdict_reason(nd))
        );
        if !nd.blockers.is_empty() {
            o.push_str("<ul class=\"plain\">");
            for b in &nd.blockers {
                let _ = write!(
                    o,
                    "<li>{} <span class=\"mono\">{}</span> {}</li>",
                    esc(&b.label),
                    range(b.start, b.end),
                    esc(&human(b.size))
                );
            }
            o.push_str("</ul>");
        }
        o.push_str("</td>\n</tr>\n");
    }
    o.push_str("</tbody>\n</table>\n");
}

fn crash(o: &mut String, r: &Report) {
    let ck = &r.crash_kernel;
    let when = if ck.placement == "before_srat" {
        "reserved before SRAT is parsed (as before the series)"
    } else {
        "reserved after SRAT is parsed (patch 5)"
    };
    let text = match (ck.status.as_str(), ck.base, ck.size) {
        ("reserved", Some(base), Some(size)) => {
            let mut t = format!(
                "{} {} at {base:#x} ({} MiB), in {}{}; {when}.",
                human(size),
                range(base, base.saturating_add(size)),
                base >> 20,
                ck.node.map_or("no node".into(), |n| format!("node {n}")),
                if ck.high { ", crashkernel=,high" } else { "" }
            );
            if let Some(low) = &ck.low {
                let _ = write!(
                    t,
                    " Low part: {}{}.",
                    low.status,
                    match (low.base, low.size) {
                        (Some(b), Some(s)) => format!(" {} {}", range(b, b.saturating_add(s)), human(s)),
                        (None, Some(s)) => format!(" ({} asked for)", human(s)),
                        _ => String::new(),
                    }
                );
            }
            t
        }
        ("failed", ..) => format!("not reserved: {}", ck.error.as_deref().unwrap_or("failed")),
        ("not_requested", ..) => "none asked for (no crashkernel= on the command line).".into(),
        _ => "the boot stopped before reserve_crashkernel().".into(),
    };
    let _ = writeln!(o, "<h2 id=\"crash\">Crash kernel</h2>\n<p>{}</p>", esc(&text));
}

fn page_tables(o: &mut String, r: &Report) {
    o.push_str("<h2 id=\"pgtables\">Direct-mapping page tables</h2>\n");
    let Some(p) = &r.page_tables else {
        o.push_str("<p>The boot stopped before init_mem_mapping().</p>\n");
        return;
    };
    let _ = writeln!(
        o,
        "<p>{} pages: {} from BRK, {} from memblock; mapped up to {:#x}.</p>",
        p.pages.len(),
        p.from_brk,
        p.from_memblock,
        p.mapped_end
    );
    if p.pages.is_empty() {
        return;
    }
    o.push_str(
        "<table class=\"pgtables\">\n<thead><tr><th>Address</th><th>Source</th><th>Node</th></tr></thead>\n<tbody>\n",
    );
    for pg in p.pages.iter().take(64) {
        let _ = writeln!(
            o,
            "<tr><td class=\"mono\">{:#x}</td><td>{}</td><td>{}</td></tr>",
            pg.address,
            esc(&pg.source),
            pg.node.map_or("none".into(), |n| n.to_string())
        );
    }
    if p.pages.len() > 64 {
        let _ = writeln!(o, "<tr><td colspan=\"3\">… and {} more</td></tr>", p.pages.len() - 64);
    }
    o.push_str("</tbody>\n</table>\n");
}

fn reservations(o: &mut String, r: &Report) {
    o.push_str("<h2 id=\"reservations\">Early reservations</h2>\n");
    o.push_str(
        "<table class=\"reservations\">\n<thead><tr><th>Owner</th><th>Range</th><th>Size</th><th>Node</th></tr></thead>\n<tbody>\n",
    );
    for x in &r.reservations {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"mono\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&x.label),
            range(x.start, x.end),
            esc(&human(x.size)),
            x.node.map_or("none".into(), |n| n.to_string())
        );
    }
    o.push_str("</tbody>\n</table>\n");
}

fn e820(o: &mut String, r: &Report) {
    o.push_str("<h2 id=\"e820\">e820 map as the kernel used it</h2>\n");
    o.push_str("<table class=\"e820\">\n<thead><tr><th>Range</th><th>Size</th><th>Type</th></tr></thead>\n<tbody>\n");
    for e in &r.e820 {
        let _ = writeln!(
            o,
            "<tr><td class=\"mono\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            range(e.start, e.end),
            esc(&human(e.size)),
            esc(&e.kind)
        );
    }
    o.push_str("</tbody>\n</table>\n");
}
