//! The silent early reservations, before `memblock=debug` prints anything.

use super::*;

impl Engine<'_> {
    /// `early_reserve_memory()` and friends: everything reserved before memblock=debug is on.
    pub(super) fn early_reservations(&mut self) {
        if let Some(k) = &self.opts.kernel {
            let (s, e) = (k.start, k.end);
            let _ = self.mb.reserve_as(s, e - s, "kernel image");
            let src = k.source.clone();
            self.infer(
                0,
                format!(
                    "reserve [{s:#x}-{:#x}] the kernel image _text..__end_of_kernel_reserve ({src})",
                    e.wrapping_sub(1)
                ),
            );
        } else {
            self.infer(
                0,
                "the kernel image's place is not in the log (give --iomem or --kernel-range): \
                 the reserved rows of the first dump stand in for the silent reservations"
                    .into(),
            );
        }
        let _ = self.mb.reserve_as(0, 0x1_0000, "first 64 KiB");
        self.infer(0, "reserve [0x0-0xffff]: the first 64 KiB (early_reserve_memory)".into());
        // The initrd where the boot loader put it: the first RAMDISK line, or a move's source.
        let mut initrd = None;
        for l in &self.trace.events {
            match l.event {
                TraceEvent::RamdiskMoved { from_base, from_last, .. } => {
                    initrd = Some((from_base, from_last, l.number));
                    break;
                }
                TraceEvent::Ramdisk { base, last } if initrd.is_none() => initrd = Some((base, last, l.number)),
                _ => {}
            }
        }
        if let Some((b, last, n)) = initrd {
            let end = page_align(last.saturating_add(1));
            let _ = self.mb.reserve_as(b, end - b, "initrd");
            self.infer(
                0,
                format!(
                    "reserve [{b:#x}-{:#x}]: the initrd (RAMDISK: at line {n}, end page-aligned)",
                    end.wrapping_sub(1)
                ),
            );
        }
        // reserve_bios_regions(): the BIOS RAM size word (the end of the first usable e820 entry
        // on these machines), clamped; the EBDA is assumed to start there.
        let low_ram_end = self.trace.events.iter().find_map(|l| match &l.event {
            TraceEvent::E820 { base: 0, last, kind } if kind == "usable" => Some(last.saturating_add(1)),
            _ => None,
        });
        let bios_start = match low_ram_end {
            Some(e) if (BIOS_START_MIN..=BIOS_START_MAX).contains(&e) => e,
            _ => BIOS_START_MAX,
        };
        let _ = self.mb.reserve_as(bios_start, 0x10_0000 - bios_start, "BIOS regions");
        self.infer(
            0,
            format!(
                "reserve [{bios_start:#x}-0xfffff]: BIOS regions (bios_start from the BIOS RAM size{}, clamped to [0x20000, 0x9f000])",
                low_ram_end.map_or(String::from(" (no e820 line: 0x9f000)"), |e| format!(" {e:#x}"))
            ),
        );
        if let Some(src) = self.kernel_end_from {
            let k = self.kernel_end;
            self.infer(0, format!("kernel_end (__pa_symbol(_end)) = {k:#x} from {src}"));
        }
    }
}
