//! The callouts under the memory lane: what each names, and their rows.

use super::Map;
use super::runs::{Fill, fill_at};
use super::text::text_w;
use crate::view::report::human;

/// Height of an annotation row.
pub(super) const ROW_H: f64 = 14.0;
/// Most annotation rows.
pub(super) const MAX_ROWS: usize = 12;

/// A callout under the memory lane.
#[derive(Debug)]
pub(super) struct Note {
    pub(super) x: f64,
    pub(super) text: String,
    pub(super) colour: String,
    pub(super) marker: bool,
}

/// Lays out callouts in rows so that none overlaps: each goes in the first row with room.
pub(super) fn place_notes(notes: &mut [Note], width_limit: f64) -> Vec<(usize, f64, usize)> {
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

/// The callouts: each run of reservations, the page tables, pinned blocks.
pub(super) fn notes(m: &Map) -> Vec<Note> {
    let (r, runs, pgts, blocks, colours, scale) = (m.r, &m.runs, &m.pgts, &m.blocks, &m.colours, &m.scale);
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
        let what = match fill_at(&m.spans, r, p.start) {
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
