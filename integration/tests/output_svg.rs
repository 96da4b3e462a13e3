//! `--svg`: the picture is well-formed XML (checked with `roxmltree`), names every owner of a
//! reservation in its legend, shows what pins node 1, and survives odd machines.

use std::collections::BTreeSet;

use integration::boot::{Boot, setup_arch};
use integration::json::Report;
use integration::machine::{Machine, NodeMemory, NodeSpec};
use integration::movable_node::{E820Entry, E820Type, KernelProfile};
use integration::srat_builder::build_srat;
use integration::svg::escape_xml;
use integration::view::View;
use roxmltree::{Document, Node};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
const TIB: u64 = 1 << 40;

/// The SVG of a predicted boot, through the view model as bootsim draws it.
fn render(boot: &Boot) -> String {
    integration::svg::render(&View::from_boot(boot))
}

fn default_boot(p: KernelProfile) -> Boot {
    setup_arch(&Machine::default_machine(), p).unwrap()
}

/// Parses `svg` and checks what every picture must be.
fn check(svg: &str) -> Document<'_> {
    let doc = Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2000/svg"));
    let width: f64 = root.attribute("width").unwrap().parse().unwrap();
    let height: f64 = root.attribute("height").unwrap().parse().unwrap();
    assert!(width > 0.0 && height > 0.0);
    for n in doc.descendants().filter(Node::is_element) {
        for a in ["x", "y", "width", "height", "x1", "x2", "y1", "y2"] {
            if let Some(v) = n.attribute(a) {
                let v: f64 = v.parse().unwrap_or_else(|_| panic!("{a}={v:?} on {:?}", n.tag_name()));
                assert!(v.is_finite(), "{a}={v}");
                if a == "width" || a == "height" {
                    assert!(v >= 0.0, "negative {a} on {:?}", n.tag_name());
                }
            }
        }
    }
    doc
}

fn texts<'a>(doc: &'a Document<'a>) -> Vec<&'a str> {
    doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).collect()
}

fn with_class<'a, 'b>(doc: &'b Document<'a>, class: &'b str) -> impl Iterator<Item = Node<'b, 'a>> + 'b {
    doc.descendants().filter(move |n| n.attribute("class") == Some(class))
}

#[test]
fn the_default_machine_is_well_formed_with_a_legend_entry_per_label() {
    let boot = default_boot(KernelProfile::V3_13);
    let svg = render(&boot);
    let doc = check(&svg);
    let labels: BTreeSet<&str> = boot.reserved.iter().map(|r| r.label.as_str()).collect();
    let legend: BTreeSet<&str> = with_class(&doc, "legend-item").filter_map(|n| n.attribute("data-label")).collect();
    assert_eq!(legend, labels);
    // Each legend entry shows its label and total.
    let t = texts(&doc);
    assert!(t.contains(&"reserve_crashkernel (crash kernel) — 256 MiB"), "{t:?}");
    assert!(t.contains(&"sparse_init (mem_map) — 512 MiB"));
    // Every reservation is drawn, coloured by its owner.
    let drawn: BTreeSet<&str> = with_class(&doc, "reservation").filter_map(|n| n.attribute("data-label")).collect();
    assert_eq!(drawn, labels);
}

#[test]
fn the_default_machine_shows_nodes_hotplug_crash_kernel_and_page_tables() {
    let svg = render(&default_boot(KernelProfile::V3_13));
    let doc = check(&svg);
    let t = texts(&doc);
    for want in [
        "node 0 · 17 GiB · not hotpluggable",
        "node 1 · 16 GiB · hotpluggable · BLOCKED",
        "crash kernel 256 MiB",
        "5 page tables (brk)",
        "NODE_DATA(1) 84 KiB",
        "memory261–263 cannot go offline",
        "0x440000000 (17 GiB)",
        "0x840000000 (33 GiB)",
        "0x28000000 (640 MiB)",
    ] {
        assert!(t.contains(&want), "{want:?} not in {t:?}");
    }
    assert_eq!(with_class(&doc, "node").count(), 2);
    assert_eq!(with_class(&doc, "hotplug").count(), 1);
    assert_eq!(with_class(&doc, "pgtable").count(), 1);
    // The hole [3 GiB, 4 GiB) is drawn, and the crash kernel lies left of node 1.
    assert!(with_class(&doc, "hole").count() >= 1);
    let x_of = |label: &str| -> f64 {
        with_class(&doc, "reservation")
            .find(|n| n.attribute("data-label") == Some(label))
            .and_then(|n| n.attribute("x"))
            .unwrap()
            .parse()
            .unwrap()
    };
    let node1_x: f64 = with_class(&doc, "node").nth(1).unwrap().attribute("x").unwrap().parse().unwrap();
    assert!(x_of("kernel image") < x_of("reserve_crashkernel"));
    assert!(x_of("reserve_crashkernel") < node1_x);
}

#[test]
fn small_reservations_get_a_minimum_width() {
    let doc_text = render(&default_boot(KernelProfile::V3_13));
    let doc = check(&doc_text);
    for n in with_class(&doc, "reservation") {
        let w: f64 = n.attribute("width").unwrap().parse().unwrap();
        assert!(w >= 5.9, "{:?} is {w} px wide", n.attribute("data-label"));
    }
    assert!(with_class(&doc, "enlarged").count() >= 1);
}

#[test]
fn every_profile_draws() {
    for p in [KernelProfile::V3_12, KernelProfile::V3_13, KernelProfile::V3_14, KernelProfile::Modern] {
        let svg = render(&default_boot(p));
        let doc = check(&svg);
        let t = texts(&doc);
        assert!(t.iter().any(|x| x.contains(&format!("Linux {}", p.name()))), "{t:?}");
    }
    // 3.12: two page tables from memblock, at the top of node 1.
    let svg = render(&default_boot(KernelProfile::V3_12));
    assert!(texts(&check(&svg)).contains(&"2 page tables (memblock)"));
    // 3.14: node 1 is removable and ZONE_MOVABLE.
    let svg = render(&default_boot(KernelProfile::V3_14));
    let doc = check(&svg);
    assert!(texts(&doc).contains(&"node 1 · 16 GiB · hotpluggable · removable"));
    assert!(texts(&doc).contains(&"Movable"));
    // Both pg_data_t's sit side by side in node 0.
    assert!(texts(&doc).contains(&"NODE_DATA(0), NODE_DATA(1) 168 KiB"));
}

#[test]
fn text_is_escaped() {
    assert_eq!(escape_xml(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    assert_eq!(escape_xml("bell\u{7}"), "bell\u{fffd}");
    let mut m = Machine::default_machine();
    m.name = r#"<script>alert("x")</script> & 'friends'"#.into();
    m.cmdline = "movable_node crashkernel=256M quiet=<&>\u{1}".into();
    let svg = render(&setup_arch(&m, KernelProfile::V3_13).unwrap());
    assert!(!svg.contains("<script>"));
    let doc = check(&svg);
    let t = texts(&doc);
    assert!(t.iter().any(|x| x.contains(r#"<script>alert("x")</script> & 'friends'"#)), "{t:?}");
    assert!(t.iter().any(|x| x.ends_with("quiet=<&>\u{fffd}")), "{t:?}");
}

fn holey_machine() -> Machine {
    // Node 1 at 1 TiB, with 48 GiB of hot-add space beyond its e820 RAM.
    let mut m = Machine::default_machine();
    m.e820 = vec![
        E820Entry { addr: 0, size: 0x9fc00, kind: E820Type::Ram },
        E820Entry { addr: MIB, size: 3 * GIB - MIB, kind: E820Type::Ram },
        E820Entry { addr: 4 * GIB, size: 4 * GIB, kind: E820Type::Ram },
        E820Entry { addr: TIB, size: 16 * GIB, kind: E820Type::Ram },
    ];
    let nodes = vec![
        NodeSpec { pxm: 0, cpus: vec![0], memory: vec![NodeMemory { start: 0, end: 8 * GIB, hotpluggable: false }] },
        NodeSpec {
            pxm: 1,
            cpus: vec![1],
            memory: vec![NodeMemory { start: TIB, end: TIB + 64 * GIB, hotpluggable: true }],
        },
    ];
    m.srat = Some(build_srat(&nodes));
    m
}

#[test]
fn gigantic_holes_are_shortened_and_marked_with_a_break() {
    let svg = render(&setup_arch(&holey_machine(), KernelProfile::V3_14).unwrap());
    let doc = check(&svg);
    let t = texts(&doc);
    // [8 GiB, 1 TiB) and the hot-add space [1 TiB + 16 GiB, 1 TiB + 64 GiB).
    assert!(t.contains(&"1016 GiB not to scale"), "{t:?}");
    assert!(t.contains(&"48 GiB not to scale"), "{t:?}");
    // One zigzag per break, and one in the legend.
    assert!(with_class(&doc, "break").count() >= 3);
    // The picture keeps its width: the hole does not eat it.
    let width: f64 = doc.root_element().attribute("width").unwrap().parse().unwrap();
    assert!(width < 1400.0, "{width}");
    // Node 1's hotpluggable range, hot-add space included, is hatched.
    let hatch = with_class(&doc, "hotplug").next().unwrap();
    let (x, w): (f64, f64) =
        (hatch.attribute("x").unwrap().parse().unwrap(), hatch.attribute("width").unwrap().parse().unwrap());
    let node1 = with_class(&doc, "node").nth(1).unwrap();
    let (nx, nw): (f64, f64) =
        (node1.attribute("x").unwrap().parse().unwrap(), node1.attribute("width").unwrap().parse().unwrap());
    assert!((x - nx).abs() < 0.01 && x + w > nx + nw + 20.0);
}

#[test]
fn a_boot_that_panics_still_draws() {
    let mut m = Machine::default_machine();
    m.e820.retain(|e| e.addr >= MIB);
    let boot = setup_arch(&m, KernelProfile::V3_13).unwrap();
    assert!(boot.panic.is_some());
    let svg = render(&boot);
    let doc = check(&svg);
    assert!(texts(&doc).contains(&"KERNEL PANIC: Cannot allocate trampoline"));
}

#[test]
fn a_report_read_back_from_json_draws_the_same() {
    let boot = default_boot(KernelProfile::V3_13);
    let r: Report = serde_json::from_value(integration::json::to_json(&boot)).unwrap();
    assert_eq!(integration::svg::render(&View::from_report(r)), render(&boot));
}

#[test]
fn many_nodes_and_entries_still_draw() {
    // 8 nodes of 512 GiB, every odd one hotpluggable, each cut into 40 e820 entries.
    let mut m = Machine::default_machine();
    let mut e820 = vec![
        E820Entry { addr: 0, size: 0x9fc00, kind: E820Type::Ram },
        E820Entry { addr: MIB, size: 3 * GIB - MIB, kind: E820Type::Ram },
    ];
    let mut nodes = Vec::new();
    for n in 0..8u64 {
        let (start, end) = (if n == 0 { 4 * GIB } else { n * 512 * GIB }, (n + 1) * 512 * GIB);
        let step = (end - start) / 40;
        for i in 0..40 {
            let s = start + i * step;
            let e = if i == 39 { end } else { s + step - MIB };
            e820.push(E820Entry { addr: s, size: e - s, kind: E820Type::Ram });
            if i != 39 {
                e820.push(E820Entry { addr: e, size: MIB, kind: E820Type::Reserved });
            }
        }
        let mut memory = vec![NodeMemory { start, end, hotpluggable: n % 2 == 1 }];
        if n == 0 {
            memory.insert(0, NodeMemory { start: 0, end: 3 * GIB, hotpluggable: false });
        }
        nodes.push(NodeSpec { pxm: n as u32, cpus: vec![n as u32], memory });
    }
    m.e820 = e820;
    m.srat = Some(build_srat(&nodes));
    let boot = setup_arch(&m, KernelProfile::V3_14).unwrap();
    let svg = render(&boot);
    let doc = check(&svg);
    assert_eq!(with_class(&doc, "node").count(), 8);
    let labels: BTreeSet<&str> = boot.reserved.iter().map(|r| r.label.as_str()).collect();
    let legend: BTreeSet<&str> = with_class(&doc, "legend-item").filter_map(|n| n.attribute("data-label")).collect();
    assert_eq!(legend, labels);
}

/// The width of `text` at `size` px in DejaVu Sans, measured high: its glyphs average under
/// 0.64 em (digits), under 0.7 em in bold.
fn generous_w(text: &str, size: f64, bold: bool) -> f64 {
    text.chars().count() as f64 * size * if bold { 0.7 } else { 0.64 }
}

fn attr(n: Node<'_, '_>, a: &str) -> f64 {
    n.attribute(a).unwrap_or_else(|| panic!("no {a}")).parse().unwrap()
}

#[test]
fn a_long_title_and_command_line_wrap_to_the_picture_width() {
    // As a boot from files is named: by its paths.
    let mut m = Machine::default_machine();
    let dir = "/home/someone/machines/linux-6.1-qemu-hotplug/a2-pc-2n-node1-hotplug-movable";
    m.name = format!("{dir}/iomem.txt + {dir}/dmesg.txt");
    m.cmdline = format!("{} movable_node crashkernel=256M", "console=ttyS0,115200 memblock=debug ".repeat(8));
    let svg = render(&setup_arch(&m, KernelProfile::V3_13).unwrap());
    let doc = check(&svg);
    let width = attr(doc.root_element(), "width");
    assert!(width < 1400.0, "{width}");
    let lines = |class: &str| -> Vec<(f64, f64, String)> {
        with_class(&doc, class).map(|n| (attr(n, "x"), attr(n, "font-size"), n.text().unwrap().to_string())).collect()
    };
    let title = lines("title");
    let subtitle = lines("subtitle");
    assert!(title.len() >= 2 && subtitle.len() >= 3, "{title:?} {subtitle:?}");
    for (x, size, text) in title.iter().map(|t| (t, true)).chain(subtitle.iter().map(|t| (t, false))).map(|(t, b)| {
        let (x, size, text) = t;
        (x + generous_w(text, *size, b), *size, text)
    }) {
        assert!(x <= width, "{text:?} ends at {x} of {width} (font {size})");
    }
    // Nothing is lost: the lines hold the whole title, in order.
    let joined: String = title.iter().map(|t| t.2.as_str()).collect::<Vec<_>>().join("");
    assert_eq!(joined.replace(' ', ""), format!("bootsim · {} · Linux 3.13", m.name).replace(' ', ""));
    // "Linux 3.13" stays on one line.
    assert!(title.last().unwrap().2.ends_with("Linux 3.13"), "{title:?}");
    // The profile line comes first (every output names its profile), then the command line.
    let joined: String = subtitle.iter().map(|t| t.2.as_str()).collect::<Vec<_>>().join(" ");
    assert!(joined.starts_with(&format!("profile 3.13 command line: {}", m.cmdline)), "{joined}");
}

#[test]
fn callouts_end_inside_the_picture() {
    for p in [KernelProfile::V3_13, KernelProfile::V3_14] {
        let svg = render(&default_boot(p));
        let doc = check(&svg);
        let width = attr(doc.root_element(), "width");
        for n in with_class(&doc, "callout") {
            let text = n.text().unwrap();
            let end = attr(n, "x") + generous_w(text, attr(n, "font-size"), false);
            assert!(end <= width, "{text:?} ends at {end} of {width}");
        }
    }
}

/// A QEMU 7.2 `pc` machine as Linux 6.1 saw it (testdata/fixtures/linux-6.1-qemu-hotplug/a2-*):
/// 6 GiB of RAM in two nodes, node 1 hotpluggable, and the 12 GiB QEMU reserves at
/// [1012 GiB, 1 TiB) for the AMD HyperTransport window.
fn qemu_pc_machine() -> Machine {
    let mut m = Machine::default_machine();
    m.e820 = vec![
        E820Entry { addr: 0, size: 0x9fc00, kind: E820Type::Ram },
        E820Entry { addr: 0x9fc00, size: 0x400, kind: E820Type::Reserved },
        E820Entry { addr: 0xf0000, size: 0x10000, kind: E820Type::Reserved },
        E820Entry { addr: MIB, size: 0x7ffdf000 - MIB, kind: E820Type::Ram },
        E820Entry { addr: 0x7ffdf000, size: 0x21000, kind: E820Type::Reserved },
        E820Entry { addr: 0xfeffc000, size: 0x4000, kind: E820Type::Reserved },
        E820Entry { addr: 0xfffc0000, size: 0x40000, kind: E820Type::Reserved },
        E820Entry { addr: 4 * GIB, size: 2 * GIB, kind: E820Type::Ram },
        E820Entry { addr: 0xfd00000000, size: 12 * GIB, kind: E820Type::Reserved },
    ];
    m.initrd = None;
    let nodes = vec![
        NodeSpec { pxm: 0, cpus: vec![0], memory: vec![NodeMemory { start: 0, end: 2 * GIB, hotpluggable: false }] },
        NodeSpec {
            pxm: 1,
            cpus: vec![1],
            memory: vec![NodeMemory { start: 4 * GIB, end: 6 * GIB, hotpluggable: true }],
        },
    ];
    m.srat = Some(build_srat(&nodes));
    m.cmdline = "movable_node crashkernel=128M".into();
    m
}

#[test]
fn a_large_firmware_area_is_shortened_and_the_memory_keeps_the_room() {
    // Under 3.14, whose few early reservations leave the axis to the areas this is about (a 6.1
    // boot adds some sixty small late reservations at the top of node 0, each drawn at the
    // minimum width).
    let svg = render(&setup_arch(&qemu_pc_machine(), KernelProfile::V3_14).unwrap());
    let doc = check(&svg);
    // The axis: from the left of the memory lane's frame to its right.
    let frame = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("rect") && n.attribute("stroke") == Some("#555") && n.attribute("fill") == Some("none")
        })
        .unwrap();
    let axis = attr(frame, "width");
    // The reserved 12 GiB (twice the RAM): a few pixels with a break, not most of the map.
    let top = with_class(&doc, "e820-reserved").max_by(|a, b| attr(*a, "x").total_cmp(&attr(*b, "x"))).unwrap();
    assert!(attr(top, "width") <= axis * 0.06, "{} of {axis}", attr(top, "width"));
    assert!(texts(&doc).contains(&"12 GiB reserved, not to scale"), "{:?}", texts(&doc));
    // Each 2 GiB node is drawn wider than a third of the axis.
    for node in with_class(&doc, "node") {
        assert!(attr(node, "width") > axis / 3.0, "node {:?}: {}", node.attribute("data-nid"), attr(node, "width"));
    }
    // ... and wide enough for its whole label.
    assert!(texts(&doc).contains(&"node 1 · 2 GiB · hotpluggable · removable"), "{:?}", texts(&doc));
}

#[test]
fn one_huge_stretch_of_memory_takes_at_most_half_the_axis() {
    // 4 GiB in node 0, then 1 TiB of RAM in node 1: the small reservations of node 0 keep room.
    let mut m = Machine::default_machine();
    m.e820 = vec![
        E820Entry { addr: 0, size: 0x9fc00, kind: E820Type::Ram },
        E820Entry { addr: MIB, size: 3 * GIB - MIB, kind: E820Type::Ram },
        E820Entry { addr: 4 * GIB, size: TIB, kind: E820Type::Ram },
    ];
    let nodes = vec![
        NodeSpec { pxm: 0, cpus: vec![0], memory: vec![NodeMemory { start: 0, end: 5 * GIB, hotpluggable: false }] },
        NodeSpec {
            pxm: 1,
            cpus: vec![1],
            memory: vec![NodeMemory { start: 5 * GIB, end: 4 * GIB + TIB, hotpluggable: true }],
        },
    ];
    m.srat = Some(build_srat(&nodes));
    let svg = render(&setup_arch(&m, KernelProfile::V3_14).unwrap());
    let doc = check(&svg);
    let node1 = with_class(&doc, "node").nth(1).unwrap();
    let node0 = with_class(&doc, "node").next().unwrap();
    let axis = attr(node1, "x") + attr(node1, "width") - attr(node0, "x");
    // Node 1 is 200 times node 0, yet node 0 keeps over a third of the axis, and node 1's
    // shortened stretch says so.
    assert!(attr(node0, "width") > axis / 3.0, "{} of {axis}", attr(node0, "width"));
    assert!(texts(&doc).iter().any(|t| t.ends_with("GiB not to scale")), "{:?}", texts(&doc));
    assert!(with_class(&doc, "break").count() >= 2);
}

#[test]
fn address_labels_do_not_overlap() {
    // Labels 10 px high turned 45 degrees overlap unless their anchors are 10 / sin 45° apart.
    let min_gap = 10.0 / std::f64::consts::FRAC_1_SQRT_2;
    for m in [Machine::default_machine(), qemu_pc_machine()] {
        let svg = render(&setup_arch(&m, KernelProfile::V3_13).unwrap());
        let doc = check(&svg);
        let mut xs: Vec<f64> = with_class(&doc, "address").map(|n| attr(n, "x")).collect();
        xs.sort_by(f64::total_cmp);
        assert!(xs.len() >= 8, "{xs:?}");
        for w in xs.windows(2) {
            assert!(w[1] - w[0] >= min_gap, "labels at {} and {}", w[0], w[1]);
        }
    }
}
