//! `bootsim --svg FILE`: a picture of the physical address space after early boot.
//!
//! One horizontal axis runs from address 0 to the top of memory, and lanes stacked along it
//! show, from the top: the NUMA nodes (hatched where SRAT calls the memory hotpluggable, with
//! each node's verdict), the zones, the memory itself (RAM tinted by node, e820-reserved
//! ranges dark, holes hatched grey, hotpluggable memory outlined) with every early
//! reservation coloured by who made it, the memory blocks of hotpluggable memory (green: can
//! go offline; red: pinned), callouts naming each reservation (the crash kernel, `NODE_DATA`,
//! the page-table pages ...), and the addresses of the edges.
//!
//! Early reservations are kilobytes in a space of gigabytes, so the axis is piecewise: it is
//! cut at every edge of interest, each piece is drawn to one common scale, except that a piece
//! narrower than a few pixels is widened to that minimum (a blue bar under the axis marks such
//! enlarged stretches), and three kinds of long uniform stretch are shortened and drawn with a
//! zigzag break and a "not to scale" callout: a hole (at most [`HOLE_CAP`] px), an e820 area
//! that is not RAM, like the 12 GiB QEMU reserves below 1 TiB (at most [`FIRMWARE_CAP`] px),
//! and a piece of memory that would take more than [`MEMORY_CAP`] of the axis. The title and
//! the lines under it wrap to the picture's width. The SVG is written by hand: no dependency,
//! every text escaped by [`escape_xml`].

mod canvas;
mod colour;
mod lanes;
mod legend;
mod notes;
mod runs;
mod scale;
mod text;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

pub use colour::label_colour;
pub use scale::{FIRMWARE_CAP, HOLE_CAP, MEMORY_CAP};
pub use text::escape_xml;

use canvas::Canvas;
use colour::{darker, label_colours};
use lanes::Lanes;
use notes::{ROW_H, notes, place_notes};
use runs::{Spans, block_runs, pgt_runs, reservation_runs};
use scale::{LEFT, PieceKind, RIGHT, Scale};
use text::{addr_label, bold_w, chars_in, n, text_w, wrap};

use super::model::{Report, View};
use super::report::human;

/// Closest two address labels may be along the axis (they are rotated 45 degrees, 10 px high).
pub const LABEL_GAP: f64 = 16.0;

/// The short text of a verdict id.
pub fn verdict_word(id: &str) -> &str {
    match id {
        "not_hotpluggable" => "not hotpluggable",
        "blocked" => "BLOCKED",
        "not_guaranteed" => "not guaranteed",
        "removable" => "removable",
        other => other,
    }
}

/// What every part of the drawing reads: the report, what the lanes draw, the axis.
#[derive(Debug)]
struct Map<'a> {
    r: &'a Report,
    /// Runs of reservations with one owner: `(label, start, end)`.
    runs: Vec<(String, u64, u64)>,
    /// Runs of page-table pages from one source: `(source, start, end, count)`.
    pgts: Vec<(String, u64, u64, usize)>,
    /// Runs of hotpluggable memory blocks: `(can_offline, first, last, start, end)`.
    blocks: Vec<(bool, u64, u64, u64, u64)>,
    /// Every edge of interest, with how much its address label matters (0 most).
    edges: BTreeMap<u64, u8>,
    /// The report's ranges, indexed.
    spans: Spans,
    scale: Scale,
    /// The colour of each owner.
    colours: BTreeMap<&'a str, &'static str>,
}

impl<'a> Map<'a> {
    fn new(r: &'a Report) -> Map<'a> {
        let runs = reservation_runs(r);
        let blocks = block_runs(r);
        let edges = edges(r, &runs, &blocks);
        let knots: BTreeSet<u64> = edges.keys().copied().collect();
        let spans = Spans::new(r);
        let kind = |a: u64, b: u64| {
            if spans.memory.any(a, b) || spans.reservations.any(a, b) {
                PieceKind::Memory
            } else if spans.e820.any(a, b) {
                PieceKind::Firmware
            } else {
                PieceKind::Hole
            }
        };
        let scale = Scale::new(&knots, kind);
        Map { r, runs, pgts: pgt_runs(r), blocks, edges, spans, scale, colours: label_colours(r) }
    }

    /// The top of the address space drawn (0: nothing to draw).
    fn top(&self) -> u64 {
        self.edges.keys().next_back().copied().unwrap_or(0)
    }
}

/// Every edge of interest, with how much its address label matters (0 most).
fn edges(r: &Report, runs: &[(String, u64, u64)], blocks: &[(bool, u64, u64, u64, u64)]) -> BTreeMap<u64, u8> {
    let mut edges: BTreeMap<u64, u8> = BTreeMap::new();
    let mut edge = |a: u64, prio: u8| {
        let e = edges.entry(a).or_insert(prio);
        *e = (*e).min(prio);
    };
    edge(0, 0);
    for nd in &r.nodes {
        edge(nd.start, 0);
        edge(nd.end, 0);
        for h in &nd.hotpluggable_ranges {
            edge(h.start, 1);
            edge(h.end, 1);
        }
        for z in &nd.zones {
            edge(z.start, 2);
            edge(z.end, 2);
        }
    }
    for e in &r.e820 {
        edge(e.start, 1);
        edge(e.end, 1);
    }
    for m in &r.memory {
        edge(m.base, 1);
        edge(m.end, 1);
    }
    for (_, s, e) in runs {
        edge(*s, 2);
        edge(*e, 2);
    }
    // Page-table pages are not cut out: they lie inside reservations (BRK's, or memblock's
    // `alloc_low_pages`) and are drawn as ticks where they fall.
    for &(ok, _, _, s, e) in blocks {
        if !ok {
            edge(s, 3);
            edge(e, 3);
        }
    }
    edges
}

/// The SVG picture of a boot's physical address space.
pub fn render(v: &View) -> String {
    let r = &v.report;
    let m = Map::new(r);
    let width = m.scale.right() + RIGHT;
    let mut c = Canvas::default();
    let mut y = title(&mut c, r, width);
    if m.top() == 0 {
        y += 24.0;
        c.text(16.0, y, 12.0, "", "no memory to draw");
        return finish(c, width, y + 20.0, r);
    }
    let lanes = Lanes::new(y + 22.0, !m.blocks.is_empty());
    lanes::draw(&mut c, &m, &lanes);
    let axis_y = callouts(&mut c, &m, &lanes, width);
    y = axis(&mut c, &m, axis_y);
    y = legend::scale_note(&mut c, &m.scale, y + 8.0);
    y = legend::legend(&mut c, r, &m.colours, y + 10.0, m.scale.right());
    finish(c, width, y + 12.0, r)
}

/// The title and the lines under it, each wrapped to the picture's width (a machine read from
/// a file is named by its path, and real command lines are long); returns the next y.
fn title(c: &mut Canvas, r: &Report, width: f64) -> f64 {
    let text_room = width - 32.0;
    let mut y = 26.0;
    // A no-break space keeps "Linux 6.1" on one line.
    let title = format!("bootsim · {} · Linux\u{a0}{}", r.machine.name, r.profile);
    for line in wrap(&title, chars_in(text_room, bold_w("m", 17.0))) {
        c.text(16.0, y, 17.0, r#"font-weight="bold" class="title""#, &line);
        y += 21.0;
    }
    y -= 3.0;
    let subtitles = [r.profile_choice.clone(), format!("command line: {}", r.machine.cmdline), summary(r)];
    for text in subtitles.iter().filter(|t| !t.is_empty()) {
        for line in wrap(text, chars_in(text_room, text_w("m", 12.0))) {
            c.text(16.0, y, 12.0, r##"fill="#333" class="subtitle""##, &line);
            y += 16.0;
        }
    }
    y -= 16.0;
    if let Some(p) = &r.panic {
        y += 16.0;
        c.text(16.0, y, 12.5, r##"fill="#b00020" font-weight="bold""##, &format!("KERNEL PANIC: {p}"));
    }
    y
}

/// The callouts in rows under the lanes, with their leaders, and the faint guides from every
/// cut down to the axis; returns the axis' y.
fn callouts(c: &mut Canvas, m: &Map, l: &Lanes, width: f64) -> f64 {
    let mut notes = notes(m);
    let placed = place_notes(&mut notes, width - 8.0);
    let rows = placed.iter().map(|p| p.2 + 1).max().unwrap_or(0);
    let notes_top = l.bottom + 10.0;
    let axis_y = notes_top + rows as f64 * ROW_H + 12.0;
    // The guides go under the lanes, which are drawn over them.
    let mut guides = Canvas::default();
    for k in m.edges.keys() {
        let x = m.scale.x(*k);
        guides.line(x, l.top - 4.0, x, axis_y, r##"stroke="#dddddd" stroke-width="0.6""##);
    }
    let lanes = std::mem::take(&mut c.out);
    c.out.push_str(&guides.out);
    c.out.push_str(&lanes);
    // Leaders first, then the texts on their white boxes over them.
    for &(i, _, row) in &placed {
        let note = &notes[i];
        let ty = notes_top + row as f64 * ROW_H + 10.0;
        c.line(note.x, l.bottom, note.x, ty - 8.0, &format!(r#"stroke="{}" stroke-width="0.8""#, note.colour));
    }
    for &(i, tx, row) in &placed {
        let note = &notes[i];
        let ty = notes_top + row as f64 * ROW_H + 10.0;
        if note.marker {
            let _ = writeln!(
                c.out,
                r#"<path d="M{} {} l-3 5 h6 z" fill="{}"/>"#,
                n(note.x),
                n(l.bottom + 1.0),
                note.colour
            );
        }
        c.rect(tx - 1.0, ty - 9.5, text_w(&note.text, 10.5) + 4.0, 12.5, r##"fill="#ffffff" fill-opacity="0.9""##);
        c.text(tx + 1.0, ty, 10.5, &format!(r#"fill="{}" class="callout""#, darker(&note.colour)), &note.text);
    }
    axis_y
}

/// The axis with its enlarged stretches and breaks, and the address labels; returns the y
/// under the labels.
fn axis(c: &mut Canvas, m: &Map, axis_y: f64) -> f64 {
    c.line(LEFT, axis_y, m.scale.right(), axis_y, r##"stroke="#333" stroke-width="1""##);
    let mut run: Option<(f64, f64)> = None;
    let mut enlarged = Vec::new();
    for p in &m.scale.pieces {
        match (&mut run, p.enlarged) {
            (Some(r), true) if (r.1 - p.x0).abs() < 0.01 => r.1 = p.x1,
            (_, true) => {
                if let Some(r) = run.take() {
                    enlarged.push(r);
                }
                run = Some((p.x0, p.x1));
            }
            (_, false) => {
                if let Some(r) = run.take() {
                    enlarged.push(r);
                }
            }
        }
    }
    enlarged.extend(run);
    for (x0, x1) in enlarged {
        c.rect(x0, axis_y + 1.5, x1 - x0, 3.5, r##"fill="#6fa8dc" class="enlarged""##);
    }
    for p in m.scale.pieces.iter().filter(|p| p.broken) {
        let xm = (p.x0 + p.x1) / 2.0;
        c.rect(xm - 5.0, axis_y - 4.0, 10.0, 8.0, r##"fill="#ffffff""##);
        c.line(xm - 5.0, axis_y + 4.0, xm - 1.0, axis_y - 4.0, r##"stroke="#333" stroke-width="1.2""##);
        c.line(xm + 1.0, axis_y + 4.0, xm + 5.0, axis_y - 4.0, r##"stroke="#333" stroke-width="1.2""##);
    }
    let longest = address_labels(c, m, axis_y);
    axis_y + 18.0 + longest * std::f64::consts::FRAC_1_SQRT_2
}

/// Address labels at the edges, the most important first, none closer than [`LABEL_GAP`] px
/// to one drawn before (at 45 degrees that leaves about a line's height between neighbours);
/// returns the width of the longest.
fn address_labels(c: &mut Canvas, m: &Map, axis_y: f64) -> f64 {
    let mut order: Vec<(u8, u64)> = m.edges.iter().map(|(a, p)| (*p, *a)).collect();
    order.sort_unstable();
    // The x of every label drawn, kept sorted: the nearest on either side decides.
    let mut taken: Vec<f64> = Vec::new();
    let mut longest: f64 = 0.0;
    for (_, a) in order {
        let x = m.scale.x(a);
        let i = taken.partition_point(|&t| t < x);
        let near = |j: Option<usize>| j.and_then(|j| taken.get(j)).is_some_and(|t| (t - x).abs() < LABEL_GAP);
        if near(Some(i)) || near(i.checked_sub(1)) {
            continue;
        }
        taken.insert(i, x);
        let label = addr_label(a);
        longest = longest.max(text_w(&label, 10.0));
        c.line(x, axis_y, x, axis_y + 5.0, r##"stroke="#333" stroke-width="1""##);
        let (tx, ty) = (x + 3.0, axis_y + 12.0);
        c.text(
            tx,
            ty,
            10.0,
            &format!(r##"text-anchor="end" transform="rotate(-45 {} {})" fill="#222" class="address""##, n(tx), n(ty)),
            &label,
        );
    }
    longest
}

/// One line under the title: the crash kernel, the page tables and each hotpluggable node.
fn summary(r: &Report) -> String {
    let ck = &r.crash_kernel;
    let crash = match (ck.status.as_str(), ck.base, ck.size) {
        ("reserved", Some(b), Some(s)) => {
            format!("crash kernel {} at {b:#x}{}", human(s), ck.node.map_or(String::new(), |n| format!(" (node {n})")))
        }
        ("failed", ..) => "crash kernel: failed".into(),
        ("not_requested", ..) => "no crash kernel asked for".into(),
        _ => "crash kernel: not reached".into(),
    };
    let mut parts = vec![crash];
    if let Some(p) = &r.page_tables {
        parts.push(format!("page tables: {} from BRK, {} from memblock", p.from_brk, p.from_memblock));
    }
    for nd in r.nodes.iter().filter(|n| n.hotpluggable) {
        parts.push(format!("node {}: {}", nd.nid, nd.verdict.as_deref().map(verdict_word).unwrap_or("-")));
    }
    parts.join(" · ")
}

/// The document around the drawing.
fn finish(c: Canvas, width: f64, height: f64, r: &Report) -> String {
    let mut o = String::with_capacity(c.out.len() + 2048);
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="DejaVu Sans, Verdana, Arial, sans-serif" class="bootsim-map">"#,
        w = n(width.ceil()),
        h = n(height.ceil())
    );
    let _ = writeln!(
        o,
        "<title>{}</title>",
        escape_xml(&format!("Physical address space of {} under Linux {}", r.machine.name, r.profile))
    );
    o.push_str(
        r##"<defs>
<pattern id="hatch-hotplug" patternUnits="userSpaceOnUse" width="7" height="7" patternTransform="rotate(45)"><rect width="7" height="7" fill="none"/><line x1="0" y1="0" x2="0" y2="7" stroke="#c0392b" stroke-width="2" stroke-opacity="0.55"/></pattern>
<pattern id="hatch-hole" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(-45)"><rect width="6" height="6" fill="none"/><line x1="0" y1="0" x2="0" y2="6" stroke="#b5b5b5" stroke-width="1"/></pattern>
</defs>
"##,
    );
    let _ = writeln!(
        o,
        r##"<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##,
        n(width.ceil()),
        n(height.ceil())
    );
    o.push_str(&c.out);
    o.push_str("</svg>\n");
    o
}
