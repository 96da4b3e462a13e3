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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use movable_node::memblock_bottomup::Nid;

use super::model::{Report, View};
use super::report::human;

/// Width of the address axis before it grows for very many pieces.
const MAP_W: f64 = 1140.0;
/// Left margin (lane titles).
const LEFT: f64 = 120.0;
/// Right margin.
const RIGHT: f64 = 40.0;
/// Widest a hole is drawn before it is shortened and marked with a break.
pub const HOLE_CAP: f64 = 40.0;
/// Widest an e820 area that is not RAM (reserved, ACPI, ...) is drawn: wide enough for its
/// type's name, never wide enough to crowd out the memory.
pub const FIRMWARE_CAP: f64 = 64.0;
/// Largest share of the axis one piece of memory takes; a larger one is shortened.
pub const MEMORY_CAP: f64 = 0.5;
/// Height of an annotation row.
const ROW_H: f64 = 14.0;
/// Closest two address labels may be along the axis (they are rotated 45 degrees, 10 px high).
pub const LABEL_GAP: f64 = 16.0;
/// Most annotation rows.
const MAX_ROWS: usize = 12;

/// `s` with the five XML special characters escaped and the characters XML 1.0 forbids
/// (control characters other than tab, newline and carriage return) replaced by U+FFFD, so
/// that any text can go into an element or an attribute value.
pub fn escape_xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

/// Spare colours for owners [`fixed_colour`] does not know.
const SPARE: [&str; 10] =
    ["#ff9da7", "#8cd17d", "#499894", "#d37295", "#b6992d", "#86bcb6", "#a0cbe8", "#ffbe7d", "#79706e", "#6a3d9a"];

/// The fixed colour of the owners every boot has, `None` for others.
fn fixed_colour(label: &str) -> Option<&'static str> {
    Some(match label {
        "kernel image" => "#4e79a7",
        "reserve_brk" => "#59a14f",
        "early_reserve_initrd" | "reserve_initrd" | "relocate_initrd" => "#b07aa1",
        "reserve_crashkernel" => "#e15759",
        "sparse_init (mem_map)" => "#f28e2b",
        "setup_node_data" => "#d4a017",
        "reserve_real_mode" => "#76b7b2",
        "reserve_ebda_region" => "#9c755f",
        "trim_low_memory_range" => "#bab0ac",
        "alloc_low_pages" => "#c2185b",
        "(unknown caller)" => "#444444",
        _ => return None,
    })
}

/// The colour of reservations made by `label`: fixed for the owners every boot has, the
/// `spare`-th spare colour (cycling) for the others.
pub fn label_colour(label: &str, spare: usize) -> &'static str {
    fixed_colour(label).unwrap_or(SPARE[spare % SPARE.len()])
}

/// The lane colour of node `nid`.
fn node_colour(nid: Nid) -> &'static str {
    const NODES: [&str; 8] = ["#9fb4d9", "#8fcfb5", "#c5d98c", "#d6a6cf", "#f2d479", "#a8d8e8", "#e0b896", "#b8b8b8"];
    NODES[nid.unsigned_abs() as usize % NODES.len()]
}

/// `colour` mixed with white (`amount` of white, 0..1): the RAM tint of a node.
fn tint(colour: &str, amount: f64) -> String {
    let hex = colour.trim_start_matches('#');
    let ch = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(0x80) as f64;
    let mix = |c: f64| (c + (255.0 - c) * amount).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", mix(ch(0)), mix(ch(2)), mix(ch(4)))
}

fn zone_colour(zone: &str) -> &'static str {
    match zone {
        "DMA" => "#e3ebcf",
        "DMA32" => "#c6da9f",
        "Normal" => "#9dc27a",
        "Movable" => "#b39ddb",
        _ => "#dddddd",
    }
}

/// A number for an attribute: two decimals at most, never NaN.
fn n(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" { "0".into() } else { s.to_string() }
}

/// Estimated width of `text` at font size `size` (sans-serif): DejaVu Sans averages about
/// 0.6 em a character on these texts (digits are 0.64 em), so 0.62 errs on the wide side.
fn text_w(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.62
}

/// Estimated width of bold `text` (DejaVu Sans Bold is about 15% wider).
fn bold_w(text: &str, size: f64) -> f64 {
    text_w(text, size) * 1.15
}

/// How many characters of width `char_w` fit in `room` px (at least one).
fn chars_in(room: f64, char_w: f64) -> usize {
    ((room / char_w).floor() as usize).max(1)
}

/// `text` cut into lines of at most `max` characters: at spaces, or, for a word longer than a
/// line (a path, a long option), after its last `/`, `,` or `-` that fits, or failing that
/// anywhere; a no-break space joins its words into one. Nothing is dropped: the lines joined
/// give `text` back, the spaces they were cut at aside. Linear in the text, whatever its length.
fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines: Vec<String> = Vec::new();
    let (mut line, mut len) = (String::new(), 0usize);
    for word in text.split(' ') {
        let word_len = word.chars().count();
        let sep = usize::from(len > 0);
        if len + sep + word_len <= max {
            if sep == 1 {
                line.push(' ');
            }
            line.push_str(word);
            len += sep + word_len;
            continue;
        }
        if word_len <= max {
            lines.push(std::mem::replace(&mut line, word.to_string()));
            len = word_len;
            continue;
        }
        // A word longer than a line fills this one, then the next ones.
        if len > 0 {
            if len + 1 < max {
                line.push(' ');
                len += 1;
            } else {
                lines.push(std::mem::take(&mut line));
                len = 0;
            }
        }
        let chars: Vec<char> = word.chars().collect();
        let mut i = 0;
        while chars.len() - i > max - len {
            let room = max - len;
            let cut = chars[i..i + room].iter().rposition(|c| matches!(c, '/' | ',' | '-')).map_or(room, |p| p + 1);
            line.extend(&chars[i..i + cut]);
            i += cut;
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        line.extend(&chars[i..]);
        len += chars.len() - i;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    // No-break spaces held words together; they are drawn as spaces.
    lines.into_iter().map(|l| l.replace('\u{a0}', " ")).collect()
}

/// An address as the axis labels it: hex, and the size in binary units when it is a whole
/// number of MiB.
fn addr_label(a: u64) -> String {
    if a != 0 && a.is_multiple_of(1 << 20) { format!("{a:#x} ({})", human(a)) } else { format!("{a:#x}") }
}

/// One piece of the axis.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: u64,
    end: u64,
    x0: f64,
    x1: f64,
    /// Drawn shorter than the common scale (marked with a break).
    broken: bool,
    /// Drawn wider than the common scale (widened to the minimum).
    enlarged: bool,
}

/// What a piece of the axis holds, which bounds its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PieceKind {
    /// memblock memory or an early reservation.
    Memory,
    /// Only e820 areas that are not memblock memory (reserved, ACPI, ...).
    Firmware,
    /// Nothing at all.
    Hole,
}

/// The piecewise-linear map from addresses to x.
#[derive(Debug)]
struct Scale {
    pieces: Vec<Piece>,
    /// Pixels per byte where the axis is to scale.
    px_per_byte: f64,
    /// The minimum width of a piece.
    min_w: f64,
}

impl Scale {
    /// Cuts `[0, top)` at `knots` and sizes the pieces; `kind(start, end)` says what a piece
    /// holds, which bounds how wide it is drawn.
    fn new(knots: &BTreeSet<u64>, kind: impl Fn(u64, u64) -> PieceKind) -> Scale {
        let k: Vec<u64> = knots.iter().copied().collect();
        let spans: Vec<(u64, u64, PieceKind)> = k.windows(2).map(|w| (w[0], w[1], kind(w[0], w[1]))).collect();
        let count = spans.len().max(1) as f64;
        let min_w = (MAP_W * 0.45 / count).clamp(0.8, 6.0);
        // Very many pieces: the axis grows rather than squeezing pieces below a pixel.
        let total_w = MAP_W.max(count * min_w / 0.6);
        // Memory is what the picture is about: holes and firmware areas get a few pixels, and
        // one stretch of memory never more than its share, so that however large a node or a
        // reserved area is, the small pieces beside it keep a readable width.
        let cap = |kind: PieceKind| match kind {
            PieceKind::Hole => HOLE_CAP.max(min_w),
            PieceKind::Firmware => FIRMWARE_CAP.max(min_w),
            PieceKind::Memory => (total_w * MEMORY_CAP).max(min_w),
        };
        let width = |s: f64, (a, b, h): (u64, u64, PieceKind)| ((b - a) as f64 * s).clamp(min_w, cap(h));
        let sum = |s: f64| spans.iter().map(|&p| width(s, p)).sum::<f64>();
        // The common scale: the largest whose widths fit the axis (bisection in log space).
        let (mut lo, mut hi) = (1e-30_f64.ln(), 1e3_f64.ln());
        for _ in 0..200 {
            let mid = (lo + hi) / 2.0;
            if sum(mid.exp()) > total_w {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let s = lo.exp();
        let mut x = LEFT;
        let pieces = spans
            .iter()
            .map(|&(a, b, h)| {
                let linear = (b - a) as f64 * s;
                let w = width(s, (a, b, h));
                let p =
                    Piece { start: a, end: b, x0: x, x1: x + w, broken: linear > w + 0.5, enlarged: linear < w - 0.01 };
                x += w;
                p
            })
            .collect();
        Scale { pieces, px_per_byte: s, min_w }
    }

    /// The x of address `a`.
    fn x(&self, a: u64) -> f64 {
        let i = self.pieces.partition_point(|p| p.end <= a);
        match self.pieces.get(i) {
            None => self.pieces.last().map_or(LEFT, |p| p.x1),
            Some(p) if a <= p.start => p.x0,
            Some(p) => p.x0 + (p.x1 - p.x0) * ((a - p.start) as f64 / (p.end - p.start) as f64),
        }
    }

    /// The right end of the axis.
    fn right(&self) -> f64 {
        self.pieces.last().map_or(LEFT, |p| p.x1)
    }
}

/// What fills a stretch of the memory lane.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fill {
    /// memblock memory of a node.
    Ram(Option<Nid>),
    /// An e820 entry that is not memblock memory (its kernel name).
    E820(String),
    /// Nothing.
    Hole,
}

fn fill_at(r: &Report, a: u64) -> Fill {
    if let Some(m) = r.memory.iter().find(|m| m.base <= a && a < m.end) {
        return Fill::Ram(m.nid);
    }
    if let Some(e) = r.e820.iter().find(|e| e.start <= a && a < e.end) {
        let kind = if e.code == 1 { "usable, not used".to_string() } else { e.kind.clone() };
        return Fill::E820(kind);
    }
    Fill::Hole
}

/// A callout under the memory lane.
#[derive(Debug)]
struct Note {
    x: f64,
    text: String,
    colour: String,
    marker: bool,
}

/// The SVG being written.
#[derive(Debug, Default)]
struct Canvas {
    out: String,
    /// Texts that go over the lanes and their breaks, written after them.
    over: String,
}

impl Canvas {
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        let _ = writeln!(
            self.out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" {attrs}/>"#,
            n(x),
            n(y),
            n(w.max(0.0)),
            n(h.max(0.0))
        );
    }

    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, attrs: &str) {
        let _ = writeln!(self.out, r#"<line x1="{}" y1="{}" x2="{}" y2="{}" {attrs}/>"#, n(x1), n(y1), n(x2), n(y2));
    }

    fn text(&mut self, x: f64, y: f64, size: f64, attrs: &str, text: &str) {
        let _ = writeln!(
            self.out,
            r#"<text x="{}" y="{}" font-size="{}" {attrs}>{}</text>"#,
            n(x),
            n(y),
            n(size),
            escape_xml(text)
        );
    }

    /// Text centred in `[x0, x1]` if one of `candidates` fits, the longest that does; it is
    /// written over everything drawn so far when [`Canvas::flush_over`] is called.
    fn fit_text(&mut self, x0: f64, x1: f64, y: f64, size: f64, attrs: &str, candidates: &[String]) {
        if let Some(t) = candidates.iter().find(|t| text_w(t, size) + 6.0 <= x1 - x0) {
            let main = std::mem::take(&mut self.out);
            self.text((x0 + x1) / 2.0, y, size, &format!(r#"text-anchor="middle" {attrs}"#), t);
            let text = std::mem::replace(&mut self.out, main);
            self.over.push_str(&text);
        }
    }

    /// Writes the texts kept for the top.
    fn flush_over(&mut self) {
        let over = std::mem::take(&mut self.over);
        self.out.push_str(&over);
    }
}

/// Lays out callouts in rows so that none overlaps: each goes in the first row with room.
fn place_notes(notes: &mut [Note], width_limit: f64) -> Vec<(usize, f64, usize)> {
    notes.sort_by(|a, b| a.x.total_cmp(&b.x));
    let mut rows: Vec<f64> = Vec::new();
    let mut placed = Vec::new();
    for (i, note) in notes.iter().enumerate() {
        let w = text_w(&note.text, 10.5) + 4.0;
        let tx = (note.x - 3.0).min(width_limit - w).max(4.0);
        let row = match rows.iter().position(|&end| end + 8.0 <= tx) {
            Some(r) => r,
            None if rows.len() < MAX_ROWS => {
                rows.push(f64::MIN);
                rows.len() - 1
            }
            // Out of rows: the legend still names it.
            None => continue,
        };
        rows[row] = tx + w;
        placed.push((i, tx, row));
    }
    placed
}

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

/// Contiguous runs of reservations with one label: `(label, start, end)`.
fn reservation_runs(r: &Report) -> Vec<(String, u64, u64)> {
    let mut runs: Vec<(String, u64, u64)> = Vec::new();
    let mut sorted: Vec<_> = r.reservations.iter().collect();
    sorted.sort_by_key(|x| x.start);
    for x in sorted {
        match runs.last_mut() {
            Some(last) if last.0 == x.label && last.2 == x.start => last.2 = x.end,
            _ => runs.push((x.label.clone(), x.start, x.end)),
        }
    }
    runs
}

/// Runs of contiguous page-table pages from one source: `(source, start, end, count)`.
fn pgt_runs(r: &Report) -> Vec<(String, u64, u64, usize)> {
    let mut pages: Vec<(u64, &str)> = r
        .page_tables
        .as_ref()
        .map(|p| p.pages.iter().map(|p| (p.address, p.source.as_str())).collect())
        .unwrap_or_default();
    pages.sort_unstable();
    let mut runs: Vec<(String, u64, u64, usize)> = Vec::new();
    for (a, src) in pages {
        match runs.last_mut() {
            Some(last) if last.0 == src && last.2 == a => {
                last.2 = a.saturating_add(4096);
                last.3 += 1;
            }
            _ => runs.push((src.to_string(), a, a.saturating_add(4096), 1)),
        }
    }
    runs
}

/// Runs of hotpluggable memory blocks that can, or cannot, go offline:
/// `(can_offline, first index, last index, start, end)`.
fn block_runs(r: &Report) -> Vec<(bool, u64, u64, u64, u64)> {
    let mut runs: Vec<(bool, u64, u64, u64, u64)> = Vec::new();
    let Some(b) = &r.memory_blocks else { return runs };
    for blk in b.blocks.iter().filter(|b| b.hotpluggable) {
        match runs.last_mut() {
            Some(last) if last.0 == blk.can_offline && last.2.checked_add(1) == Some(blk.index) => {
                last.2 = blk.index;
                last.4 = blk.end;
            }
            _ => runs.push((blk.can_offline, blk.index, blk.index, blk.start, blk.end)),
        }
    }
    runs
}

/// The SVG picture of a boot's physical address space.
pub fn render(v: &View) -> String {
    render_report(&v.report)
}

fn render_report(r: &Report) -> String {
    let runs = reservation_runs(r);
    let pgts = pgt_runs(r);
    let blocks = block_runs(r);
    // Every edge of interest, with how much its address label matters (0 most).
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
    for (_, s, e) in &runs {
        edge(*s, 2);
        edge(*e, 2);
    }
    // Page-table pages are not cut out: they lie inside reservations (BRK's, or memblock's
    // `alloc_low_pages`) and are drawn as ticks where they fall.
    for &(ok, _, _, s, e) in &blocks {
        if !ok {
            edge(s, 3);
            edge(e, 3);
        }
    }
    let top = edges.keys().next_back().copied().unwrap_or(0);
    let knots: BTreeSet<u64> = edges.keys().copied().collect();
    let kind = |a: u64, b: u64| {
        if r.memory.iter().any(|m| m.base < b && a < m.end) || r.reservations.iter().any(|x| x.start < b && a < x.end) {
            PieceKind::Memory
        } else if r.e820.iter().any(|e| e.start < b && a < e.end) {
            PieceKind::Firmware
        } else {
            PieceKind::Hole
        }
    };
    let scale = Scale::new(&knots, kind);
    let right = scale.right();
    let width = right + RIGHT;
    let mut c = Canvas::default();

    // Title.
    // Each wraps to the picture's width: a machine read from a file is named by its path, and
    // real command lines are long.
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
    if top == 0 {
        y += 24.0;
        c.text(16.0, y, 12.0, "", "no memory to draw");
        return finish(c, width, y + 20.0, r);
    }

    // Lanes.
    y += 22.0;
    let lanes_top = y;
    let node_y = y;
    let node_h = 28.0;
    let zone_y = node_y + node_h + 6.0;
    let zone_h = 16.0;
    let mem_y = zone_y + zone_h + 6.0;
    let mem_h = 58.0;
    let has_blocks = !blocks.is_empty();
    let blk_y = mem_y + mem_h + 6.0;
    let blk_h = if has_blocks { 14.0 } else { 0.0 };
    let lanes_bottom = if has_blocks { blk_y + blk_h } else { mem_y + mem_h };

    let title = |c: &mut Canvas, y: f64, h: f64, t: &str| {
        c.text(LEFT - 8.0, y + h / 2.0 + 4.0, 11.5, r##"text-anchor="end" fill="#333""##, t);
    };
    title(&mut c, node_y, node_h, "NUMA node");
    title(&mut c, zone_y, zone_h, "zone");
    title(&mut c, mem_y, mem_h, "memory");
    if has_blocks {
        title(&mut c, blk_y, blk_h, "hot-remove");
    }

    // Nodes.
    for nd in &r.nodes {
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
    // Zones.
    for nd in &r.nodes {
        for z in &nd.zones {
            let (x0, x1) = (scale.x(z.start), scale.x(z.end));
            c.rect(
                x0,
                zone_y,
                x1 - x0,
                zone_h,
                &format!(r##"fill="{}" stroke="#ffffff" stroke-width="1""##, zone_colour(&z.kind)),
            );
            c.fit_text(x0, x1, zone_y + zone_h / 2.0 + 4.0, 10.5, r##"fill="#222""##, std::slice::from_ref(&z.kind));
        }
    }
    // Memory: stretches of one fill.
    let mut stretches: Vec<(Fill, u64, u64)> = Vec::new();
    for p in &scale.pieces {
        let f = fill_at(r, p.start);
        match stretches.last_mut() {
            Some(last) if last.0 == f && last.2 == p.start => last.2 = p.end,
            _ => stretches.push((f, p.start, p.end)),
        }
    }
    for (f, s, e) in &stretches {
        let (x0, x1) = (scale.x(*s), scale.x(*e));
        match f {
            Fill::Ram(nid) => {
                let colour = nid.map_or("#eeeeee".to_string(), |n| tint(node_colour(n), 0.6));
                c.rect(x0, mem_y, x1 - x0, mem_h, &format!(r#"fill="{colour}" class="ram""#));
            }
            Fill::E820(kind) => {
                c.rect(x0, mem_y, x1 - x0, mem_h, r##"fill="#8a8a8a" class="e820-reserved""##);
                if scale.pieces.iter().any(|p| p.broken && p.start >= *s && p.end <= *e) {
                    // Its type and size go in a callout: the break runs through the middle.
                    continue;
                }
                c.fit_text(x0, x1, mem_y + mem_h - 6.0, 10.0, r##"fill="#ffffff""##, std::slice::from_ref(kind));
            }
            Fill::Hole => {
                c.rect(x0, mem_y, x1 - x0, mem_h, r##"fill="#f6f6f6" class="hole""##);
                c.rect(x0, mem_y, x1 - x0, mem_h, r#"fill="url(#hatch-hole)""#);
                if scale.pieces.iter().any(|p| p.broken && p.start >= *s && p.end <= *e) {
                    // Its size goes in a callout: the break runs through the middle.
                    continue;
                }
                let size = human(e.saturating_sub(*s));
                c.fit_text(
                    x0,
                    x1,
                    mem_y + mem_h - 6.0,
                    10.0,
                    r##"fill="#555""##,
                    &[format!("hole {size}"), "hole".into(), size],
                );
            }
        }
    }
    // Reservations, over the memory, coloured by owner.
    let colours = label_colours(r);
    for (label, s, e) in &runs {
        let (x0, x1) = (scale.x(*s), scale.x(*e));
        let colour = colours.get(label.as_str()).copied().unwrap_or("#444444");
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
    for (src, s, e, _) in &pgts {
        let (x0, x1) = (scale.x(*s), scale.x(*e));
        let colour = if src == "brk" { "#111111" } else { "#c2185b" };
        c.rect(x0, mem_y, (x1 - x0).max(1.5), 8.0, &format!(r#"fill="{colour}" class="pgtable""#));
    }
    // Hotpluggable memory: outlined.
    for nd in &r.nodes {
        for h in &nd.hotpluggable_ranges {
            let (x0, x1) = (scale.x(h.start), scale.x(h.end));
            c.rect(
                x0 + 0.75,
                mem_y + 0.75,
                x1 - x0 - 1.5,
                mem_h - 1.5,
                r##"fill="none" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="6 3""##,
            );
        }
    }
    c.rect(LEFT, mem_y, right - LEFT, mem_h, r##"fill="none" stroke="#555" stroke-width="0.8""##);
    // Memory blocks of hotpluggable memory.
    for &(ok, first, last, s, e) in &blocks {
        let (x0, x1) = (scale.x(s), scale.x(e));
        let (colour, text) = if ok {
            ("#8fd18f", format!("memory{first}–{last} can go offline"))
        } else {
            ("#d9534f", format!("memory{first}–{last} pinned"))
        };
        c.rect(x0, blk_y, x1 - x0, blk_h, &format!(r##"fill="{colour}" stroke="#ffffff" stroke-width="0.5""##));
        let short = if first == last { format!("memory{first}") } else { format!("{first}–{last}") };
        c.fit_text(x0, x1, blk_y + blk_h - 3.5, 9.5, r##"fill="#111""##, &[text, short]);
    }
    // Breaks: a zigzag across the lanes through every shortened piece.
    for p in scale.pieces.iter().filter(|p| p.broken) {
        zigzag(&mut c, (p.x0 + p.x1) / 2.0, lanes_top - 2.0, lanes_bottom + 2.0);
    }
    c.flush_over();

    // Callouts.
    let mut notes = notes(r, &runs, &pgts, &blocks, &colours, &scale);
    let placed = place_notes(&mut notes, width - 8.0);
    let rows = placed.iter().map(|p| p.2 + 1).max().unwrap_or(0);
    let notes_top = lanes_bottom + 10.0;
    let axis_y = notes_top + rows as f64 * ROW_H + 12.0;
    // Faint guides from every cut down to the axis, so that lanes and addresses line up; they
    // go under the lanes, which are drawn over them.
    let mut guides = Canvas::default();
    for k in &knots {
        let x = scale.x(*k);
        guides.line(x, lanes_top - 4.0, x, axis_y, r##"stroke="#dddddd" stroke-width="0.6""##);
    }
    let lanes = std::mem::take(&mut c.out);
    c.out.push_str(&guides.out);
    c.out.push_str(&lanes);
    // Leaders first, then the texts on their white boxes over them.
    for &(i, _, row) in &placed {
        let note = &notes[i];
        let ty = notes_top + row as f64 * ROW_H + 10.0;
        c.line(note.x, lanes_bottom, note.x, ty - 8.0, &format!(r#"stroke="{}" stroke-width="0.8""#, note.colour));
    }
    for &(i, tx, row) in &placed {
        let note = &notes[i];
        let ty = notes_top + row as f64 * ROW_H + 10.0;
        if note.marker {
            let _ = writeln!(
                c.out,
                r#"<path d="M{} {} l-3 5 h6 z" fill="{}"/>"#,
                n(note.x),
                n(lanes_bottom + 1.0),
                note.colour
            );
        }
        c.rect(tx - 1.0, ty - 9.5, text_w(&note.text, 10.5) + 4.0, 12.5, r##"fill="#ffffff" fill-opacity="0.9""##);
        c.text(tx + 1.0, ty, 10.5, &format!(r#"fill="{}" class="callout""#, darker(&note.colour)), &note.text);
    }

    // The axis.
    c.line(LEFT, axis_y, right, axis_y, r##"stroke="#333" stroke-width="1""##);
    let mut run: Option<(f64, f64)> = None;
    let mut enlarged = Vec::new();
    for p in &scale.pieces {
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
    for p in scale.pieces.iter().filter(|p| p.broken) {
        let xm = (p.x0 + p.x1) / 2.0;
        c.rect(xm - 5.0, axis_y - 4.0, 10.0, 8.0, r##"fill="#ffffff""##);
        c.line(xm - 5.0, axis_y + 4.0, xm - 1.0, axis_y - 4.0, r##"stroke="#333" stroke-width="1.2""##);
        c.line(xm + 1.0, axis_y + 4.0, xm + 5.0, axis_y - 4.0, r##"stroke="#333" stroke-width="1.2""##);
    }
    // Address labels at the edges, the most important first, none closer than
    // LABEL_GAP px: at 45 degrees that leaves about a line's height between neighbours.
    let mut order: Vec<(u8, u64)> = edges.iter().map(|(a, p)| (*p, *a)).collect();
    order.sort_unstable();
    let mut taken: Vec<f64> = Vec::new();
    let mut longest: f64 = 0.0;
    for (_, a) in order {
        let x = scale.x(a);
        if taken.iter().any(|t| (t - x).abs() < LABEL_GAP) {
            continue;
        }
        taken.push(x);
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
    y = axis_y + 18.0 + longest * std::f64::consts::FRAC_1_SQRT_2;

    // Scale.
    y += 8.0;
    y = scale_note(&mut c, &scale, y);
    // Legend.
    y = legend(&mut c, r, &colours, y + 10.0, right);
    finish(c, width, y + 12.0, r)
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

/// The colour of every label of `r`, spare colours by first appearance.
fn label_colours(r: &Report) -> BTreeMap<&str, &'static str> {
    let mut m = BTreeMap::new();
    let mut spare = 0;
    let mut sorted: Vec<_> = r.reservations.iter().collect();
    sorted.sort_by_key(|x| x.start);
    for x in sorted {
        if m.contains_key(x.label.as_str()) {
            continue;
        }
        let c = fixed_colour(&x.label).unwrap_or_else(|| {
            spare += 1;
            SPARE[(spare - 1) % SPARE.len()]
        });
        m.insert(x.label.as_str(), c);
    }
    m
}

fn darker(colour: &str) -> String {
    let hex = colour.trim_start_matches('#');
    let ch = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("40"), 16).unwrap_or(0x40) as f64;
    let d = |c: f64| (c * 0.7).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", d(ch(0)), d(ch(2)), d(ch(4)))
}

/// The callouts: each run of reservations, the page tables, pinned blocks.
fn notes(
    r: &Report,
    runs: &[(String, u64, u64)],
    pgts: &[(String, u64, u64, usize)],
    blocks: &[(bool, u64, u64, u64, u64)],
    colours: &BTreeMap<&str, &'static str>,
    scale: &Scale,
) -> Vec<Note> {
    let mut v = Vec::new();
    for (label, s, e) in runs {
        let size = human(e.saturating_sub(*s));
        // Neighbouring pg_data_t's make one run (3.14 puts node 1's below node 0's).
        let node_data: Vec<String> = r
            .nodes
            .iter()
            .filter(|nd| nd.node_data.is_some_and(|a| *s <= a && a < *e))
            .map(|nd| format!("NODE_DATA({})", nd.nid))
            .collect();
        let text = match label.as_str() {
            "setup_node_data" if !node_data.is_empty() => format!("{} {size}", node_data.join(", ")),
            "reserve_crashkernel" => format!("crash kernel {size}"),
            _ => format!("{label} {size}"),
        };
        let colour = colours.get(label.as_str()).copied().unwrap_or("#444444");
        v.push(Note { x: (scale.x(*s) + scale.x(*e)) / 2.0, text, colour: colour.into(), marker: false });
    }
    for (src, s, e, count) in pgts {
        let colour = if src == "brk" { "#111111" } else { "#c2185b" };
        let what = if *count == 1 { "page table".to_string() } else { format!("{count} page tables") };
        v.push(Note {
            x: (scale.x(*s) + scale.x(*e)) / 2.0,
            text: format!("{what} ({src})"),
            colour: colour.into(),
            marker: true,
        });
    }
    for p in scale.pieces.iter().filter(|p| p.broken) {
        let what = match fill_at(r, p.start) {
            Fill::E820(kind) => format!(" {kind},"),
            _ => String::new(),
        };
        v.push(Note {
            x: (p.x0 + p.x1) / 2.0,
            text: format!("{}{what} not to scale", human(p.end - p.start)),
            colour: "#555555".into(),
            marker: false,
        });
    }
    for &(ok, first, last, s, e) in blocks {
        if ok {
            continue;
        }
        let which = if first == last { format!("memory{first}") } else { format!("memory{first}–{last}") };
        v.push(Note {
            x: (scale.x(s) + scale.x(e)) / 2.0,
            text: format!("{which} cannot go offline"),
            colour: "#b52b27".into(),
            marker: false,
        });
    }
    v
}

/// A zigzag break at `x` from `y0` to `y1`.
fn zigzag(c: &mut Canvas, x: f64, y0: f64, y1: f64) {
    let mut left = Vec::new();
    let mut yy = y0;
    let mut flip = false;
    while yy < y1 {
        left.push((x - 3.0 + if flip { 3.0 } else { 0.0 }, yy));
        yy += 5.0;
        flip = !flip;
    }
    left.push((x - 3.0 + if flip { 3.0 } else { 0.0 }, y1));
    let right: Vec<(f64, f64)> = left.iter().rev().map(|&(px, py)| (px + 5.0, py)).collect();
    let pts =
        |v: &[(f64, f64)]| v.iter().map(|(px, py)| format!("{},{}", n(*px), n(*py))).collect::<Vec<_>>().join(" ");
    let all: Vec<(f64, f64)> = left.iter().chain(right.iter()).copied().collect();
    let _ = writeln!(c.out, r##"<polygon points="{}" fill="#ffffff" class="break"/>"##, pts(&all));
    let _ = writeln!(c.out, r##"<polyline points="{}" fill="none" stroke="#444" stroke-width="1"/>"##, pts(&left));
    let _ = writeln!(c.out, r##"<polyline points="{}" fill="none" stroke="#444" stroke-width="1"/>"##, pts(&right));
}

/// The scale bar and what the axis does; returns the next y.
fn scale_note(c: &mut Canvas, scale: &Scale, y: f64) -> f64 {
    // A power-of-two size whose bar is between 40 and 160 px.
    let mut bytes: u64 = 1 << 12;
    while (bytes as f64) * scale.px_per_byte < 40.0 && bytes < 1 << 62 {
        bytes <<= 1;
    }
    let w = bytes as f64 * scale.px_per_byte;
    if w.is_finite() && (1.0..=400.0).contains(&w) {
        c.line(LEFT, y, LEFT + w, y, r##"stroke="#222" stroke-width="2""##);
        c.line(LEFT, y - 4.0, LEFT, y + 4.0, r##"stroke="#222" stroke-width="1""##);
        c.line(LEFT + w, y - 4.0, LEFT + w, y + 4.0, r##"stroke="#222" stroke-width="1""##);
        c.text(LEFT + w + 8.0, y + 4.0, 11.0, r##"fill="#222""##, &format!("{} to scale", human(bytes)));
    }
    let mut y = y + 18.0;
    let note = format!(
        "The axis is cut at every edge shown; the pieces share one scale, except pieces narrower than {} px \
             (widened to it: blue bar under the axis) and long stretches (shortened: zigzag): holes to {} px, \
             firmware areas to {} px, memory to {:.0}% of the axis.",
        n(scale.min_w),
        n(HOLE_CAP),
        n(FIRMWARE_CAP),
        MEMORY_CAP * 100.0
    );
    for line in wrap(&note, chars_in(scale.right() + RIGHT - LEFT - 8.0, text_w("m", 10.5))) {
        c.text(LEFT, y, 10.5, r##"fill="#444" class="scale-note""##, &line);
        y += 14.0;
    }
    y - 8.0
}

/// The legend; returns the next y.
fn legend(c: &mut Canvas, r: &Report, colours: &BTreeMap<&str, &'static str>, y: f64, right: f64) -> f64 {
    let col_w = 285.0;
    let cols = (((right - 16.0) / col_w).floor() as usize).max(1);
    let mut y = y + 12.0;
    c.text(
        16.0,
        y,
        12.0,
        r#"font-weight="bold""#,
        "Early reservations (memblock.reserved at the end of early boot, by owner)",
    );
    y += 8.0;
    // Labels by first address, with their total.
    let mut totals: Vec<(&str, u64, u64)> = Vec::new();
    for x in &r.reservations {
        match totals.iter_mut().find(|t| t.0 == x.label) {
            Some(t) => {
                t.1 += x.size;
                t.2 = t.2.min(x.start);
            }
            None => totals.push((x.label.as_str(), x.size, x.start)),
        }
    }
    totals.sort_by_key(|t| t.2);
    let mut i = 0;
    for (label, bytes, _) in &totals {
        let (x, yy) = (16.0 + (i % cols) as f64 * col_w, y + (i / cols) as f64 * 18.0 + 6.0);
        let colour = colours.get(label).copied().unwrap_or("#444444");
        let _ = writeln!(c.out, r#"<g class="legend-item" data-label="{}">"#, escape_xml(label));
        c.rect(x, yy, 14.0, 12.0, &format!(r##"fill="{colour}" stroke="#333" stroke-width="0.5""##));
        let shown = if *label == "reserve_crashkernel" { "reserve_crashkernel (crash kernel)" } else { label };
        c.text(x + 20.0, yy + 10.0, 11.0, "", &format!("{shown} — {}", human(*bytes)));
        c.out.push_str("</g>\n");
        i += 1;
    }
    y += (i.div_ceil(cols)) as f64 * 18.0 + 20.0;
    c.text(16.0, y, 12.0, r#"font-weight="bold""#, "Map");
    y += 8.0;
    let mut keys: Vec<(&str, String, String)> = Vec::new();
    for nd in &r.nodes {
        keys.push(("fill", node_colour(nd.nid).into(), format!("node {} (RAM in a lighter tint)", nd.nid)));
    }
    keys.push(("hatch-hotplug", String::new(), "hotpluggable (SRAT), outlined red in memory".into()));
    keys.push(("fill", "#8a8a8a".into(), "e820 reserved / ACPI / not RAM".into()));
    keys.push(("hatch-hole", String::new(), "hole (no e820 entry)".into()));
    for z in ["DMA", "DMA32", "Normal", "Movable"] {
        keys.push(("fill", zone_colour(z).into(), format!("ZONE_{}", z.to_uppercase())));
    }
    keys.push(("fill", "#111111".into(), "page-table page from BRK".into()));
    keys.push(("fill", "#c2185b".into(), "page-table page from memblock".into()));
    keys.push(("fill", "#8fd18f".into(), "hotpluggable block that can go offline".into()));
    keys.push(("fill", "#d9534f".into(), "block an early reservation pins".into()));
    keys.push(("fill", "#6fa8dc".into(), "enlarged: drawn wider than scale".into()));
    keys.push(("break", String::new(), "break: drawn shorter than scale".into()));
    for (i, (kind, colour, text)) in keys.iter().enumerate() {
        let (x, yy) = (16.0 + (i % cols) as f64 * col_w, y + (i / cols) as f64 * 18.0 + 6.0);
        let _ = writeln!(c.out, r#"<g class="legend-key">"#);
        match *kind {
            "fill" => c.rect(x, yy, 14.0, 12.0, &format!(r##"fill="{colour}" stroke="#333" stroke-width="0.5""##)),
            "break" => zigzag(c, x + 6.0, yy - 1.0, yy + 13.0),
            pattern => {
                c.rect(x, yy, 14.0, 12.0, r##"fill="#ffffff" stroke="#333" stroke-width="0.5""##);
                c.rect(x, yy, 14.0, 12.0, &format!(r#"fill="url(#{pattern})""#));
            }
        }
        c.text(x + 20.0, yy + 10.0, 11.0, "", text);
        c.out.push_str("</g>\n");
    }
    y + keys.len().div_ceil(cols) as f64 * 18.0 + 8.0
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

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_cuts_at_spaces_then_after_separators_then_anywhere() {
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("one two three", 100), ["one two three"]);
        // A path longer than a line: after its last '/' that fits.
        assert_eq!(wrap("at /usr/local/share/x.txt", 12), ["at /usr/", "local/share/", "x.txt"]);
        // No separator: anywhere.
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        // A no-break space holds its words together and is drawn as a space.
        assert_eq!(wrap("a b Linux\u{a0}6.1", 9), ["a b", "Linux 6.1"]);
        // One character a line at worst, and nothing is lost.
        assert_eq!(wrap("ab c", 0), ["a", "b", "c"]);
    }

    #[test]
    fn wrap_is_linear_on_a_huge_word() {
        let word = "x/".repeat(500_000);
        let lines = wrap(&word, 100);
        assert_eq!(lines.len(), 10_000);
        assert_eq!(lines.concat(), word);
    }
}
