//! NUMA init as the log's SRAT lines tell it, run silently at the first `NODE_DATA`.

use super::*;
use crate::phases::linux_6_1::numa::numa_from_srat_lines;

impl Engine<'_> {
    /// `x86_numa_init()` at the first `NODE_DATA`: everything `numa_init()` does silently.
    pub(super) fn numa_init(&mut self, line: usize, node_data_size: u64) {
        self.numa_done = true;
        let max_pfn = self.max_pfn.unwrap_or_else(|| self.mb.end_of_dram() >> PAGE_SHIFT);
        let numa_off = last_param(self.cmdline.as_bytes(), "numa").flatten() == Some(&b"off"[..]);
        let params = NumaParams { max_pfn, numa_off, node_data_size, profile: self.profile };
        let srat = std::mem::take(&mut self.srat);
        let state = numa_from_srat_lines(&mut self.mb, &params, &srat, &self.opts.hotplug);
        let blocks: Vec<String> = state
            .meminfo
            .blks()
            .iter()
            .map(|b| format!("node {} [{:#x}-{:#x}]", b.nid, b.start, b.end.wrapping_sub(1)))
            .collect();
        let hot: Vec<String> = srat
            .iter()
            .filter(|b| b.hotplug || self.opts.hotplug.contains(&b.nid))
            .map(|b| {
                format!("[{:#x}-{:#x}]{}", b.start, b.end.wrapping_sub(1), if b.hotplug { "" } else { " (declared)" })
            })
            .collect();
        let mut what = format!("NUMA init ({}, silent): ", state.method);
        if self.profile.has_series() {
            what.push_str("memblock_set_bottom_up(false); ");
        }
        if !hot.is_empty() {
            if self.profile.has_hotplug_flags() {
                what.push_str(&format!("memblock_mark_hotplug {}; ", hot.join(", ")));
            } else {
                what.push_str(&format!(
                    "hotpluggable {} (no MEMBLOCK_HOTPLUG in {}); ",
                    hot.join(", "),
                    self.profile.name()
                ));
            }
        }
        what.push_str(&format!(
            "blocks after numa_cleanup_meminfo: {}; memblock_set_node on memory",
            blocks.join(", ")
        ));
        if self.profile.has_hotplug_flags() {
            let kn: Vec<String> = state.kernel_nodes.iter().map(|n| n.to_string()).collect();
            what.push_str(&format!(
                ", then on reserved; nodes holding reservations lose HOTPLUG: {{{}}}",
                kn.join(", ")
            ));
        }
        what.push_str(&format!(
            "; NODE_DATA: memblock_phys_alloc_try_nid({node_data_size:#x}, 64, nid) for each node{}",
            if !self.profile.has_hotplug_flags() { " (node-local only)" } else { "" }
        ));
        self.infer(line, what);
        for n in &state.nodes {
            self.model_node_data.insert(n.nid, (n.node_data, page_align(node_data_size)));
        }
        let mut model_merges = Vec::new();
        for ev in &state.events {
            match *ev {
                NumaEvent::NodeDataOffNode { nid, on } => {
                    self.model_off_node.insert(nid, on);
                }
                NumaEvent::Merge(_, _, r) => model_merges.push((r.nid, r.start, r.end)),
                _ => {}
            }
        }
        if !self.log_merges.is_empty() || !model_merges.is_empty() {
            let identical = model_merges == self.log_merges;
            let show = |v: &[(i32, u64, u64)]| {
                v.iter()
                    .map(|(n, s, e)| format!("node {n} [{s:#x}-{:#x}]", e.wrapping_sub(1)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let detail = if identical {
                format!("merged blocks as the log: {}", show(&model_merges))
            } else {
                format!("log: {}; model: {}", show(&self.log_merges), show(&model_merges))
            };
            self.out.checks.push(Check { line, kind: CheckKind::NumaMerges, identical, detail });
        }
        // The hotplug picture needs the SRAT blocks again at the end.
        self.srat = srat;
    }
}
