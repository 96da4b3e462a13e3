//! The colours of the map: owners of reservations, nodes, zones.

use std::collections::BTreeMap;

use movable_node::memblock_bottomup::Nid;

use crate::view::model::Report;

/// Spare colours for owners [`fixed_colour`] does not know.
pub(super) const SPARE: [&str; 10] =
    ["#ff9da7", "#8cd17d", "#499894", "#d37295", "#b6992d", "#86bcb6", "#a0cbe8", "#ffbe7d", "#79706e", "#6a3d9a"];

/// The fixed colour of the owners every boot has, `None` for others.
pub(super) fn fixed_colour(label: &str) -> Option<&'static str> {
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
pub(super) fn node_colour(nid: Nid) -> &'static str {
    const NODES: [&str; 8] = ["#9fb4d9", "#8fcfb5", "#c5d98c", "#d6a6cf", "#f2d479", "#a8d8e8", "#e0b896", "#b8b8b8"];
    NODES[nid.unsigned_abs() as usize % NODES.len()]
}

/// `colour` mixed with white (`amount` of white, 0..1): the RAM tint of a node.
pub(super) fn tint(colour: &str, amount: f64) -> String {
    let hex = colour.trim_start_matches('#');
    let ch = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(0x80) as f64;
    let mix = |c: f64| (c + (255.0 - c) * amount).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", mix(ch(0)), mix(ch(2)), mix(ch(4)))
}

pub(super) fn zone_colour(zone: &str) -> &'static str {
    match zone {
        "DMA" => "#e3ebcf",
        "DMA32" => "#c6da9f",
        "Normal" => "#9dc27a",
        "Movable" => "#b39ddb",
        _ => "#dddddd",
    }
}

/// The colour of every label of `r`, spare colours by first appearance.
pub(super) fn label_colours(r: &Report) -> BTreeMap<&str, &'static str> {
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

pub(super) fn darker(colour: &str) -> String {
    let hex = colour.trim_start_matches('#');
    let ch = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("40"), 16).unwrap_or(0x40) as f64;
    let d = |c: f64| (c * 0.7).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", d(ch(0)), d(ch(2)), d(ch(4)))
}
