//! The axis: a piecewise-linear map from addresses to x, cut at every edge of interest.

use std::collections::BTreeSet;

/// Width of the address axis before it grows for very many pieces.
pub(super) const MAP_W: f64 = 1140.0;
/// Left margin (lane titles).
pub(super) const LEFT: f64 = 120.0;
/// Right margin.
pub(super) const RIGHT: f64 = 40.0;
/// Widest a hole is drawn before it is shortened and marked with a break.
pub const HOLE_CAP: f64 = 40.0;
/// Widest an e820 area that is not RAM (reserved, ACPI, ...) is drawn: wide enough for its
/// type's name, never wide enough to crowd out the memory.
pub const FIRMWARE_CAP: f64 = 64.0;
/// Largest share of the axis one piece of memory takes; a larger one is shortened.
pub const MEMORY_CAP: f64 = 0.5;

/// One piece of the axis.
#[derive(Debug, Clone, Copy)]
pub(super) struct Piece {
    pub(super) start: u64,
    pub(super) end: u64,
    pub(super) x0: f64,
    pub(super) x1: f64,
    /// Drawn shorter than the common scale (marked with a break).
    pub(super) broken: bool,
    /// Drawn wider than the common scale (widened to the minimum).
    pub(super) enlarged: bool,
}

/// What a piece of the axis holds, which bounds its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PieceKind {
    /// memblock memory or an early reservation.
    Memory,
    /// Only e820 areas that are not memblock memory (reserved, ACPI, ...).
    Firmware,
    /// Nothing at all.
    Hole,
}

/// The piecewise-linear map from addresses to x.
#[derive(Debug)]
pub(super) struct Scale {
    pub(super) pieces: Vec<Piece>,
    /// Pixels per byte where the axis is to scale.
    pub(super) px_per_byte: f64,
    /// The minimum width of a piece.
    pub(super) min_w: f64,
    /// How many of the pieces before the i-th are broken (one more entry than pieces).
    broken_before: Vec<usize>,
}

impl Scale {
    /// Cuts `[0, top)` at `knots` and sizes the pieces; `kind(start, end)` says what a piece
    /// holds, which bounds how wide it is drawn.
    pub(super) fn new(knots: &BTreeSet<u64>, kind: impl Fn(u64, u64) -> PieceKind) -> Scale {
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
            let converged = mid == lo || mid == hi;
            if sum(mid.exp()) > total_w {
                hi = mid;
            } else {
                lo = mid;
            }
            // With the midpoint one of the ends, every further step would repeat this one.
            if converged {
                break;
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
            .collect::<Vec<Piece>>();
        let mut broken = 0;
        let broken_before = std::iter::once(0)
            .chain(pieces.iter().map(|p| {
                broken += usize::from(p.broken);
                broken
            }))
            .collect();
        Scale { pieces, px_per_byte: s, min_w, broken_before }
    }

    /// Whether a broken piece lies within `[s, e)` (the pieces are sorted and apart, so those
    /// within are a run, found by binary search).
    pub(super) fn breaks_within(&self, s: u64, e: u64) -> bool {
        let first = self.pieces.partition_point(|p| p.start < s);
        let end = self.pieces.partition_point(|p| p.end <= e);
        end > first && self.broken_before[end] > self.broken_before[first]
    }

    /// The x of address `a`.
    pub(super) fn x(&self, a: u64) -> f64 {
        let i = self.pieces.partition_point(|p| p.end <= a);
        match self.pieces.get(i) {
            None => self.pieces.last().map_or(LEFT, |p| p.x1),
            Some(p) if a <= p.start => p.x0,
            Some(p) => p.x0 + (p.x1 - p.x0) * ((a - p.start) as f64 / (p.end - p.start) as f64),
        }
    }

    /// The right end of the axis.
    pub(super) fn right(&self) -> f64 {
        self.pieces.last().map_or(LEFT, |p| p.x1)
    }
}
