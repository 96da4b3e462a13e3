//! The lanes stacked along the axis, from the top: the NUMA nodes, the zones, the memory with
//! its reservations and page-table pages, and the memory blocks of hotpluggable memory.

use std::fmt::Write;

use super::Map;
use super::canvas::{Canvas, zigzag};
use super::colour::{node_colour, tint, zone_colour};
use super::runs::{Fill, fill_at};
use super::scale::LEFT;
use super::text::{escape_xml, n};
use super::verdict_word;
use crate::view::report::human;

/// Where each lane lies.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lanes {
    pub(super) top: f64,
    pub(super) node_y: f64,
    pub(super) node_h: f64,
    pub(super) zone_y: f64,
    pub(super) zone_h: f64,
    pub(super) mem_y: f64,
    pub(super) mem_h: f64,
    /// Whether there is a lane of memory blocks (hotpluggable memory has blocks).
    pub(super) has_blocks: bool,
    pub(super) blk_y: f64,
    pub(super) blk_h: f64,
    pub(super) bottom: f64,
}

impl Lanes {
    /// The lanes from `y` down.
    pub(super) fn new(y: f64, has_blocks: bool) -> Lanes {
        let (node_y, node_h) = (y, 28.0);
        let (zone_y, zone_h) = (node_y + node_h + 6.0, 16.0);
        let (mem_y, mem_h) = (zone_y + zone_h + 6.0, 58.0);
        let blk_y = mem_y + mem_h + 6.0;
        let blk_h = if has_blocks { 14.0 } else { 0.0 };
        let bottom = if has_blocks { blk_y + blk_h } else { mem_y + mem_h };
        Lanes { top: y, node_y, node_h, zone_y, zone_h, mem_y, mem_h, has_blocks, blk_y, blk_h, bottom }
    }
}

/// Every lane, its title, and the breaks across them.
pub(super) fn draw(c: &mut Canvas, m: &Map, l: &Lanes) {
    let title = |c: &mut Canvas, y: f64, h: f64, t: &str| {
        c.text(LEFT - 8.0, y + h / 2.0 + 4.0, 11.5, r##"text-anchor="end" fill="#333""##, t);
    };
    title(c, l.node_y, l.node_h, "NUMA node");
    title(c, l.zone_y, l.zone_h, "zone");
    title(c, l.mem_y, l.mem_h, "memory");
    if l.has_blocks {
        title(c, l.blk_y, l.blk_h, "hot-remove");
    }
    nodes(c, m, l);
    zones(c, m, l);
    memory(c, m, l);
    reservations(c, m, l);
    blocks(c, m, l);
    // Breaks: a zigzag across the lanes through every shortened piece.
    for p in m.scale.pieces.iter().filter(|p| p.broken) {
        zigzag(c, (p.x0 + p.x1) / 2.0, l.top - 2.0, l.bottom + 2.0);
    }
    c.flush_over();
}

fn nodes(c: &mut Canvas, m: &Map, l: &Lanes) {
    let (scale, node_y, node_h) = (&m.scale, l.node_y, l.node_h);
    for nd in &m.r.nodes {
        let (x0, x1) = (scale.x(nd.start), scale.x(nd.end));
        // SRAT may give a node hot-add ranges beyond its memory: they are the node's too.
        for h in &nd.hotpluggable_ranges {
            let (h0, h1) = (scale.x(h.start), scale.x(h.end));
            c.rect(h0, node_y, h1 - h0, node_h, &format!(r##"fill="{}" stroke="#ffffff""##, node_colour(nd.nid)));
        }
        c.rect(
            x0,
            node_y,
            x1 - x0,
            node_h,
            &format!(
                r##"fill="{}" stroke="#ffffff" stroke-width="1" class="node" data-nid="{}""##,
                node_colour(nd.nid),
                nd.nid
            ),
        );
        for h in &nd.hotpluggable_ranges {
            let (h0, h1) = (scale.x(h.start), scale.x(h.end));
            c.rect(h0, node_y, h1 - h0, node_h, r#"fill="url(#hatch-hotplug)" class="hotplug""#);
        }
        let size = human(nd.end.saturating_sub(nd.start));
        let verdict = nd.verdict.as_deref().map(verdict_word).unwrap_or("");
        let hp = if nd.hotpluggable { "hotpluggable · " } else { "" };
        let cands = [
            format!("node {} · {size} · {hp}{verdict}", nd.nid),
            format!("node {} · {}{verdict}", nd.nid, if nd.hotpluggable { "hotplug · " } else { "" }),
            format!("node {}", nd.nid),
            format!("{}", nd.nid),
        ];
        c.fit_text(x0, x1, node_y + node_h / 2.0 + 4.5, 12.0, r##"font-weight="bold" fill="#1a1a1a""##, &cands);
    }
}

fn zones(c: &mut Canvas, m: &Map, l: &Lanes) {
    for z in m.r.nodes.iter().flat_map(|nd| &nd.zones) {
        let (x0, x1) = (m.scale.x(z.start), m.scale.x(z.end));
        c.rect(
            x0,
            l.zone_y,
            x1 - x0,
            l.zone_h,
            &format!(r##"fill="{}" stroke="#ffffff" stroke-width="1""##, zone_colour(&z.kind)),
        );
        c.fit_text(x0, x1, l.zone_y + l.zone_h / 2.0 + 4.0, 10.5, r##"fill="#222""##, std::slice::from_ref(&z.kind));
    }
}

/// The memory lane: stretches of one fill (RAM of a node, an e820 area, a hole).
fn memory(c: &mut Canvas, m: &Map, l: &Lanes) {
    let (mem_y, mem_h) = (l.mem_y, l.mem_h);
    let mut stretches: Vec<(Fill, u64, u64)> = Vec::new();
    for p in &m.scale.pieces {
        let f = fill_at(&m.spans, m.r, p.start);
        match stretches.last_mut() {
            Some(last) if last.0 == f && last.2 == p.start => last.2 = p.end,
            _ => stretches.push((f, p.start, p.end)),
        }
    }
    for (f, s, e) in &stretches {
        let (x0, x1) = (m.scale.x(*s), m.scale.x(*e));
        match f {
            Fill::Ram(nid) => {
                let colour = nid.map_or("#eeeeee".to_string(), |n| tint(node_colour(n), 0.6));
                c.rect(x0, mem_y, x1 - x0, mem_h, &format!(r#"fill="{colour}" class="ram""#));
            }
            Fill::E820(kind) => {
                c.rect(x0, mem_y, x1 - x0, mem_h, r##"fill="#8a8a8a" class="e820-reserved""##);
                if m.scale.breaks_within(*s, *e) {
                    // Its type and size go in a callout: the break runs through the middle.
                    continue;
                }
                c.fit_text(x0, x1, mem_y + mem_h - 6.0, 10.0, r##"fill="#ffffff""##, std::slice::from_ref(kind));
            }
            Fill::Hole => {
                c.rect(x0, mem_y, x1 - x0, mem_h, r##"fill="#f6f6f6" class="hole""##);
                c.rect(x0, mem_y, x1 - x0, mem_h, r#"fill="url(#hatch-hole)""#);
                if m.scale.breaks_within(*s, *e) {
                    // Its size goes in a callout: the break runs through the middle.
                    continue;
                }
                let size = human(e.saturating_sub(*s));
                let cands = [format!("hole {size}"), "hole".into(), size];
                c.fit_text(x0, x1, mem_y + mem_h - 6.0, 10.0, r##"fill="#555""##, &cands);
            }
        }
    }
}

/// Over the memory: the reservations coloured by owner, the page-table pages, the outline of
/// hotpluggable memory and the lane's frame.
fn reservations(c: &mut Canvas, m: &Map, l: &Lanes) {
    let (mem_y, mem_h) = (l.mem_y, l.mem_h);
    for (label, s, e) in &m.runs {
        let (x0, x1) = (m.scale.x(*s), m.scale.x(*e));
        let colour = m.colours.get(label.as_str()).copied().unwrap_or("#444444");
        let _ = writeln!(
            c.out,
            r##"<rect x="{}" y="{}" width="{}" height="{}" fill="{colour}" stroke="#ffffff" stroke-width="0.5" class="reservation" data-label="{}"><title>{}</title></rect>"##,
            n(x0),
            n(mem_y + 8.0),
            n((x1 - x0).max(0.0)),
            n(mem_h - 16.0),
            escape_xml(label),
            escape_xml(&format!("{label}: [{s:#x}-{:#x}] {}", e.saturating_sub(1), human(e.saturating_sub(*s))))
        );
    }
    // Page-table pages: a black tick on top of the band.
    for (src, s, e, _) in &m.pgts {
        let (x0, x1) = (m.scale.x(*s), m.scale.x(*e));
        let colour = if src == "brk" { "#111111" } else { "#c2185b" };
        c.rect(x0, mem_y, (x1 - x0).max(1.5), 8.0, &format!(r#"fill="{colour}" class="pgtable""#));
    }
    // Hotpluggable memory: outlined.
    for h in m.r.nodes.iter().flat_map(|nd| &nd.hotpluggable_ranges) {
        let (x0, x1) = (m.scale.x(h.start), m.scale.x(h.end));
        c.rect(
            x0 + 0.75,
            mem_y + 0.75,
            x1 - x0 - 1.5,
            mem_h - 1.5,
            r##"fill="none" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="6 3""##,
        );
    }
    c.rect(LEFT, mem_y, m.scale.right() - LEFT, mem_h, r##"fill="none" stroke="#555" stroke-width="0.8""##);
}

/// The memory blocks of hotpluggable memory: green where they can go offline, red if pinned.
fn blocks(c: &mut Canvas, m: &Map, l: &Lanes) {
    for &(ok, first, last, s, e) in &m.blocks {
        let (x0, x1) = (m.scale.x(s), m.scale.x(e));
        let (colour, text) = if ok {
            ("#8fd18f", format!("memory{first}–{last} can go offline"))
        } else {
            ("#d9534f", format!("memory{first}–{last} pinned"))
        };
        c.rect(x0, l.blk_y, x1 - x0, l.blk_h, &format!(r##"fill="{colour}" stroke="#ffffff" stroke-width="0.5""##));
        let short = if first == last { format!("memory{first}") } else { format!("{first}–{last}") };
        c.fit_text(x0, x1, l.blk_y + l.blk_h - 3.5, 9.5, r##"fill="#111""##, &[text, short]);
    }
}
