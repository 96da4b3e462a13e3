//! Under the axis: the scale bar with what the axis does, and the legend.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::canvas::{Canvas, zigzag};
use super::colour::{node_colour, zone_colour};
use super::scale::{FIRMWARE_CAP, HOLE_CAP, LEFT, MEMORY_CAP, RIGHT, Scale};
use super::text::{chars_in, escape_xml, n, text_w, wrap};
use crate::view::model::Report;
use crate::view::report::human;

/// The scale bar and what the axis does; returns the next y.
pub(super) fn scale_note(c: &mut Canvas, scale: &Scale, y: f64) -> f64 {
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
pub(super) fn legend(c: &mut Canvas, r: &Report, colours: &BTreeMap<&str, &'static str>, y: f64, right: f64) -> f64 {
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
