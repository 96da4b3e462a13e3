//! `--html`: one self-contained page with the map, the node table, the crash kernel, the
//! steps and the escaped log. The page is written as well-formed XML, so `roxmltree` checks
//! that every tag is closed and nested, and reads the text back unescaped.

use integration::boot::{Boot, setup_arch};
use integration::machine::Machine;
use integration::movable_node::KernelProfile;
use integration::view::View;
use roxmltree::{Document, Node};

/// The page of a predicted boot, through the view model as bootsim draws it.
fn render(boot: &Boot) -> String {
    integration::html::render(&View::from_boot(boot))
}

fn default_boot(p: KernelProfile) -> Boot {
    setup_arch(&Machine::default_machine(), p).unwrap()
}

fn parse(html: &str) -> Document<'_> {
    let opts = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    Document::parse_with_options(html, opts).unwrap_or_else(|e| panic!("not well formed: {e}"))
}

/// All the text under `n`.
fn text_of(n: Node<'_, '_>) -> String {
    n.descendants().filter(Node::is_text).filter_map(|t| t.text()).collect()
}

fn by_id<'a, 'b>(doc: &'b Document<'a>, id: &str) -> Node<'b, 'a> {
    doc.descendants().find(|n| n.attribute("id") == Some(id)).unwrap_or_else(|| panic!("no #{id}"))
}

#[test]
fn the_page_holds_the_map_the_table_and_the_log() {
    let boot = default_boot(KernelProfile::V3_13);
    let html = render(&boot);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    let doc = parse(&html);
    assert_eq!(doc.root_element().tag_name().name(), "html");
    // The map, inline.
    let svgs: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("svg")).collect();
    assert_eq!(svgs.len(), 1);
    assert_eq!(svgs[0].parent_element().unwrap().attribute("class"), Some("map"));
    // The node table: a row per node with its verdict.
    let table = doc.descendants().find(|n| n.has_tag_name("table") && n.attribute("class") == Some("nodes")).unwrap();
    let rows: Vec<_> = table.descendants().filter(|n| n.has_tag_name("tr")).collect();
    assert_eq!(rows.len(), 3);
    let node1 = text_of(by_id(&doc, "node-1"));
    for want in [
        "[0x440000000-0x83fffffff] 16 GiB",
        "Normal [0x440000000-0x83fffffff] (16 GiB present)",
        "sparse_init (mem_map) — 256 MiB",
        "setup_node_data — 84 KiB",
        "memory261–263 (3 blocks)",
        "0x83ffeb000",
        "BLOCKED",
        "early reservations that are never freed lie in its hotpluggable memory: setup_node_data, sparse_init (mem_map)",
    ] {
        assert!(node1.contains(want), "{want:?} not in {node1:?}");
    }
    let node0 = text_of(by_id(&doc, "node-0"));
    assert!(node0.contains("NOT HOTPLUGGABLE") && node0.contains("DMA32 [0x1000000-0xffffffff]"), "{node0}");
    // The crash kernel and the steps.
    let crash = text_of(
        doc.descendants()
            .find(|n| n.has_tag_name("p") && n.prev_sibling_element().map(|h| h.attribute("id")) == Some(Some("crash")))
            .unwrap(),
    );
    assert!(crash.starts_with("256 MiB [0x28000000-0x37ffffff] at 0x28000000 (640 MiB), in node 0"), "{crash}");
    let steps: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("ol"))
        .flat_map(|ol| ol.children().filter(|c| c.has_tag_name("li")))
        .collect();
    assert_eq!(steps.len(), boot.steps.len());
    // The log, every line, read back exactly.
    let pre = doc.descendants().find(|n| n.has_tag_name("pre")).unwrap();
    assert_eq!(pre.attribute("class"), Some("log"));
    let mut log = boot.log.join("\n");
    log.push('\n');
    assert_eq!(text_of(pre), log);
}

#[test]
fn everything_is_escaped_and_nothing_is_fetched() {
    let mut m = Machine::default_machine();
    m.name = "<b>bold</b> & \"quoted\"".into();
    m.cmdline = "movable_node crashkernel=256M x=<script>alert(1)</script>&amp;".into();
    let boot = setup_arch(&m, KernelProfile::V3_13).unwrap();
    let html = render(&boot);
    assert!(!html.contains("<script"));
    assert!(!html.contains("<b>"));
    let doc = parse(&html);
    let title = doc.descendants().find(|n| n.has_tag_name("h1")).unwrap();
    assert_eq!(text_of(title), "bootsim: <b>bold</b> & \"quoted\" under Linux 3.13");
    let pre = doc.descendants().find(|n| n.has_tag_name("pre")).unwrap();
    assert!(text_of(pre).contains("Command line: movable_node crashkernel=256M x=<script>alert(1)</script>&amp;"));
    // Self-contained: no script, no link, no image, no address but the SVG namespace.
    for tag in ["script", "link", "img", "iframe", "object"] {
        assert!(!doc.descendants().any(|n| n.has_tag_name(tag)), "<{tag}>");
    }
    assert_eq!(html.matches("http").count(), html.matches("http://www.w3.org/2000/svg").count());
    assert!(doc.descendants().any(|n| n.has_tag_name("style")));
}

#[test]
fn every_profile_and_a_panic_make_a_page() {
    for p in [KernelProfile::V3_12, KernelProfile::V3_13, KernelProfile::V3_14, KernelProfile::Modern] {
        let html = render(&default_boot(p));
        parse(&html);
    }
    let html = render(&default_boot(KernelProfile::V3_14));
    let doc = parse(&html);
    let node1 = text_of(by_id(&doc, "node-1"));
    // 3.14 keeps node 1's NODE_DATA out of it, in node 0.
    assert!(node1.contains("REMOVABLE") && node1.contains("0x43ffd6000 (in node 0)"), "{node1}");

    let mut m = Machine::default_machine();
    m.e820.retain(|e| e.addr >= 1 << 20);
    let html = render(&setup_arch(&m, KernelProfile::V3_13).unwrap());
    let doc = parse(&html);
    let panic = doc.descendants().find(|n| n.attribute("class") == Some("panic")).unwrap();
    assert!(text_of(panic).contains("Cannot allocate trampoline"));
    assert!(text_of(by_id(&doc, "nodes").next_sibling_element().unwrap()).contains("No NUMA node"));
}

#[test]
fn a_long_name_wraps_in_the_title_and_in_the_map() {
    // A boot from files is named by their paths, which have no spaces to break at.
    let mut m = Machine::default_machine();
    let dir = "/home/someone/machines/linux-6.1-qemu-hotplug/a2-pc-2n-node1-hotplug-movable";
    m.name = format!("{dir}/iomem.txt + {dir}/dmesg.txt");
    let html = render(&setup_arch(&m, KernelProfile::V3_13).unwrap());
    let doc = parse(&html);
    // The heading holds the whole name and may break anywhere in it.
    let title = doc.descendants().find(|n| n.has_tag_name("h1")).unwrap();
    assert_eq!(text_of(title), format!("bootsim: {} under Linux 3.13", m.name));
    let css = text_of(doc.descendants().find(|n| n.has_tag_name("style")).unwrap());
    let h1_rule = css.lines().find(|l| l.starts_with("h1 ")).unwrap();
    assert!(h1_rule.contains("overflow-wrap: anywhere"), "{h1_rule}");
    // The map's own title comes in lines, none wider than the map.
    let svg = doc.descendants().find(|n| n.has_tag_name("svg")).unwrap();
    let width: f64 = svg.attribute("width").unwrap().parse().unwrap();
    let lines: Vec<_> = svg.descendants().filter(|n| n.attribute("class") == Some("title")).collect();
    assert!(lines.len() >= 2);
    for l in lines {
        let chars = l.text().unwrap().chars().count() as f64;
        assert!(16.0 + chars * 17.0 * 0.7 <= width, "{:?}", l.text());
    }
}
