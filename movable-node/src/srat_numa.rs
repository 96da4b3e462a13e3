//! `x86_acpi_numa_init()` as a NUMA init function: SRAT parsed into the node map, and, from
//! 3.14 on, its hotpluggable ranges marked `MEMBLOCK_HOTPLUG` in memblock.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::acpi_srat::{AcpiNuma, MemoryBlock, MessageStyle, NumaConfig, SratTable};
use crate::crashkernel::memblock_bottomup::{Nid, RegionFlags, SeriesMemblock};
use crate::error::Errno;
use crate::numa::{NumaDiscovery, NumaEvent, NumaInitFn, NumaMeminfo, NumaParams};

/// The ACPI NUMA init function over one SRAT (or none: `-ENOENT`, no SRAT).
#[derive(Debug)]
pub struct SratNuma<'a> {
    table: Option<SratTable<'a>>,
    config: NumaConfig,
    /// The parse of the last run, for reports (PXM map, processors, accepted ranges).
    pub parsed: Option<AcpiNuma>,
}

impl<'a> SratNuma<'a> {
    /// The init function for `table` with the kernel's parse settings `config`.
    pub fn new(table: Option<SratTable<'a>>, config: NumaConfig) -> Self {
        SratNuma { table, config, parsed: None }
    }

    /// The SRAT lines of the last run, in the configured kernel's words.
    pub fn lines(&self) -> Vec<String> {
        self.parsed.as_ref().map(AcpiNuma::message_lines).unwrap_or_default()
    }

    /// The hotpluggable ranges the last run accepted, `(node, start, end)`: what 3.14's
    /// `acpi_numa_memory_affinity_init()` marks with `memblock_mark_hotplug()`, and what the
    /// hot-remove verdicts ask about. Empty before a run or without an SRAT.
    pub fn hotplug_ranges(&self) -> Vec<(Nid, u64, u64)> {
        self.parsed
            .as_ref()
            .map(|a| hotpluggable(a).map(|b| (b.node as Nid, b.start, b.end)).collect())
            .unwrap_or_default()
    }
}

impl NumaInitFn for SratNuma<'_> {
    fn name(&self) -> &'static str {
        "acpi"
    }

    fn init(&mut self, mb: &mut SeriesMemblock, params: &NumaParams, events: &mut Vec<NumaEvent>) -> NumaDiscovery {
        let mut meminfo = NumaMeminfo::default();
        let mut add_events = Vec::new();
        let Ok(mut acpi) = AcpiNuma::new(self.config) else {
            return NumaDiscovery { ret: Err(Errno::EINVAL), ..NumaDiscovery::default() };
        };
        let ret = {
            let mut add = |nid: u32, start: u64, end: u64| meminfo.add_memblk(nid as Nid, start, end, &mut add_events);
            acpi.x86_acpi_numa_init(self.table.as_ref(), &mut add)
        };
        let style = self.config.style;
        for m in acpi.messages() {
            events.push(NumaEvent::Srat(m.render(style)));
        }
        events.append(&mut add_events);
        let ret = match ret {
            Ok(ret) => ret,
            Err(e) => {
                // A table the kernel would read past: treat it as a bad SRAT.
                events.push(NumaEvent::Srat(e.to_string()));
                Err(e.init_ret())
            }
        };
        if ret.is_ok() && params.profile.has_hotplug_flags() {
            for b in hotpluggable(&acpi) {
                if mb.set_flags(b.start, b.end - b.start, RegionFlags::HOTPLUG, true).is_err() {
                    events.push(NumaEvent::Srat(alloc::format!(
                        "{}SRAT: Failed to mark hotplug range [mem {:#010x}-{:#010x}] in memblock",
                        if style == MessageStyle::Linux6_1 { "ACPI: " } else { "" },
                        b.start,
                        b.end - 1
                    )));
                }
            }
        }
        let nodes_parsed = acpi.nodes_parsed().into_iter().map(|n| n as Nid).collect();
        self.parsed = Some(acpi);
        NumaDiscovery { ret, meminfo, nodes_parsed }
    }
}

/// The accepted memory ranges SRAT marks hot-pluggable (empty ones left out).
fn hotpluggable(acpi: &AcpiNuma) -> impl Iterator<Item = &MemoryBlock> {
    acpi.memblks().iter().filter(|b| b.hotpluggable && b.end > b.start)
}
