//! The silent early reservations, before `memblock=debug` prints anything: the 6.1 phase's
//! list ([`silent_reservations`]) from what the log and the options say, each one shown.

use super::*;
use crate::phases::linux_6_1::early::{SilentReservation, bios_start_from, silent_reservations};

impl Engine<'_> {
    /// `early_reserve_memory()` and friends: everything reserved before memblock=debug is on.
    pub(super) fn early_reservations(&mut self) {
        let kernel = self.opts.kernel.as_ref().map(|k| (k.start, k.end));
        if kernel.is_none() {
            self.infer(
                0,
                "the kernel image's place is not in the log (give --iomem or --kernel-range): \
                 the reserved rows of the first dump stand in for the silent reservations"
                    .into(),
            );
        }
        let initrd = self.initrd_as_loaded();
        // reserve_bios_regions(): the BIOS RAM size word (the end of the first usable e820 entry
        // on these machines); the EBDA is assumed to start there.
        let low_ram_end = self.trace.events.iter().find_map(|l| match &l.event {
            TraceEvent::E820 { base: 0, last, kind } if kind == "usable" => Some(last.saturating_add(1)),
            _ => None,
        });
        let ranges = initrd.map(|(b, last, _)| (b, last.saturating_add(1)));
        for r in silent_reservations(kernel, ranges, bios_start_from(low_ram_end)) {
            let (base, size) = r.range();
            let _ = self.mb.reserve_as(base, size, r.label());
            let what = match r {
                SilentReservation::KernelImage { start, end } => format!(
                    "reserve [{start:#x}-{:#x}] the kernel image _text..__end_of_kernel_reserve ({})",
                    end.wrapping_sub(1),
                    self.opts.kernel.as_ref().map_or("", |k| k.source.as_str())
                ),
                SilentReservation::FirstPages => "reserve [0x0-0xffff]: the first 64 KiB (early_reserve_memory)".into(),
                SilentReservation::Initrd { start, end } => format!(
                    "reserve [{start:#x}-{:#x}]: the initrd (RAMDISK: at line {}, end page-aligned)",
                    end.wrapping_sub(1),
                    initrd.map_or(0, |(.., n)| n)
                ),
                SilentReservation::BiosRegions { start } => format!(
                    "reserve [{start:#x}-0xfffff]: BIOS regions (bios_start from the BIOS RAM size{}, clamped to [0x20000, 0x9f000])",
                    low_ram_end.map_or(String::from(" (no e820 line: 0x9f000)"), |e| format!(" {e:#x}"))
                ),
            };
            self.infer(0, what);
        }
        if let Some(src) = self.kernel_end_from {
            let k = self.kernel_end;
            self.infer(0, format!("kernel_end (__pa_symbol(_end)) = {k:#x} from {src}"));
        }
    }

    /// The initrd where the boot loader put it: the first `RAMDISK:` line, or a move's source;
    /// `(base, last byte, line)`.
    fn initrd_as_loaded(&self) -> Option<(u64, u64, usize)> {
        let mut initrd = None;
        for l in &self.trace.events {
            match l.event {
                TraceEvent::RamdiskMoved { from_base, from_last, .. } => return Some((from_base, from_last, l.number)),
                TraceEvent::Ramdisk { base, last } if initrd.is_none() => initrd = Some((base, last, l.number)),
                _ => {}
            }
        }
        initrd
    }
}
