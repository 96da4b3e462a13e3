//! The SVG being written: elements with their numbers formatted, texts kept for the top, the
//! zigzag of a break.

use std::fmt::Write;

use super::text::{escape_xml, n, text_w};

/// The SVG being written.
#[derive(Debug, Default)]
pub(super) struct Canvas {
    pub(super) out: String,
    /// Texts that go over the lanes and their breaks, written after them.
    pub(super) over: String,
}

impl Canvas {
    pub(super) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        let _ = writeln!(
            self.out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" {attrs}/>"#,
            n(x),
            n(y),
            n(w.max(0.0)),
            n(h.max(0.0))
        );
    }

    pub(super) fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, attrs: &str) {
        let _ = writeln!(self.out, r#"<line x1="{}" y1="{}" x2="{}" y2="{}" {attrs}/>"#, n(x1), n(y1), n(x2), n(y2));
    }

    pub(super) fn text(&mut self, x: f64, y: f64, size: f64, attrs: &str, text: &str) {
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
    pub(super) fn fit_text(&mut self, x0: f64, x1: f64, y: f64, size: f64, attrs: &str, candidates: &[String]) {
        if let Some(t) = candidates.iter().find(|t| text_w(t, size) + 6.0 <= x1 - x0) {
            let main = std::mem::take(&mut self.out);
            self.text((x0 + x1) / 2.0, y, size, &format!(r#"text-anchor="middle" {attrs}"#), t);
            let text = std::mem::replace(&mut self.out, main);
            self.over.push_str(&text);
        }
    }

    /// Writes the texts kept for the top.
    pub(super) fn flush_over(&mut self) {
        let over = std::mem::take(&mut self.over);
        self.out.push_str(&over);
    }
}

/// A zigzag break at `x` from `y0` to `y1`.
pub(super) fn zigzag(c: &mut Canvas, x: f64, y0: f64, y1: f64) {
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
