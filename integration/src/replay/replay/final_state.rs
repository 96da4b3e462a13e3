//! The state at the end of the log as bootsim's view model, for the renderers, and the zone
//! parameters of its command line.

use super::*;

impl Engine<'_> {
    /// The final state as bootsim's view model (machine from the log's e820 lines, kernel
    /// place and command line; no page tables, crash kernel or steps of its own).
    pub(super) fn view(&self, hotplug: &[(Nid, u64, u64)]) -> crate::view::View {
        use crate::input::e820_type_from_kernel_name;
        use movable_node::{E820Entry, E820Table, E820Type};
        let e820: Vec<E820Entry> = self
            .trace
            .events
            .iter()
            .filter_map(|l| match &l.event {
                TraceEvent::E820 { base, last, kind } => Some(E820Entry {
                    addr: *base,
                    size: last.saturating_sub(*base).saturating_add(1),
                    kind: e820_type_from_kernel_name(kind).unwrap_or(E820Type::Reserved),
                }),
                _ => None,
            })
            .collect();
        let table = E820Table::new(e820.clone()).unwrap_or_else(|_| {
            let ram = self.mb.memory().regions().iter().map(|r| E820Entry {
                addr: r.base,
                size: r.size,
                kind: E820Type::Ram,
            });
            E820Table::new(ram.collect()).unwrap_or_default()
        });
        let mut machine = crate::machine::Machine::default_machine();
        machine.name = self.out.name.clone();
        machine.e820 = table.entries().to_vec();
        machine.srat = None;
        machine.initrd = None;
        machine.cmdline = self.cmdline.clone();
        if let Some(k) = &self.opts.kernel {
            machine.kernel =
                crate::machine::KernelImage { text: k.start, bss_stop: k.end, end: self.kernel_end.max(k.end) };
        }
        let max_pfn = self.max_pfn.unwrap_or_else(|| self.mb.end_of_dram() >> PAGE_SHIFT);
        let zones = free_area_init_nodes(self.mb.state(), max_pfn, self.profile, self.zone_params());
        let reserved = labelled_reservations(self.mb.state(), self.mb.log().events());
        let verdicts = hotplug_verdicts(self.mb.state(), hotplug, &reserved, &zones);
        let blocks =
            crate::blocks::memory_blocks_of(self.profile, self.mb.state(), &reserved, hotplug, &zones, max_pfn);
        let movable_node = if self.movable_node {
            movable_node::param::MovableNode::Enabled
        } else {
            movable_node::param::MovableNode::Absent
        };
        crate::view::View::build(&crate::view::Facts {
            machine: &machine,
            profile: self.profile,
            numa_off: false,
            e820: table.entries(),
            memblock: self.mb.state(),
            movable_node,
            bottom_up_after_numa: false,
            numa: None,
            hotplug,
            zones: Some(&zones),
            reserved: &reserved,
            verdicts: &verdicts,
            blocks: Some(&blocks),
            crash: None,
            direct_map: None,
            steps: &[],
            log: &[],
            warnings: &[],
            panic: None,
        })
    }

    pub(super) fn zone_params(&self) -> ZoneParams {
        crate::phases::linux_6_1::boot::zone_params(&self.cmdline, self.movable_node)
    }
}
