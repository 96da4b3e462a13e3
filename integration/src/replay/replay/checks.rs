//! The printed facts checked against the model: dumps, `NODE_DATA ... on node`, the movable
//! zone starts and the crash kernel messages.

use super::*;

impl Engine<'_> {
    /// `NODE_DATA(%d) on node %d` (or its absence, `on` = `None`) against the model.
    pub(super) fn node_data_on_node(&mut self, line: usize, nid: i32, on: Option<i32>) {
        if on.is_some() && !self.node_data_checked.contains(&nid) {
            self.node_data_checked.push(nid);
        }
        let model = self.model_off_node.get(&nid).copied();
        let identical = model == on;
        let word = |o: Option<i32>| o.map_or(format!("on node {nid}"), |o| format!("on node {o}"));
        let detail = if identical {
            format!("NODE_DATA({nid}) {}", word(on))
        } else {
            format!("NODE_DATA({nid}): kernel {}, model {}", word(on), word(model))
        };
        self.out.checks.push(Check { line, kind: CheckKind::NodeData, identical, detail });
    }

    pub(super) fn finish_dump(&mut self) {
        let Some(d) = self.dump.take() else { return };
        if !self.first_dump_seen {
            self.first_dump_seen = true;
            if !self.kernel_place_known {
                // The reserved rows of the first dump stand in for the silent reservations.
                let mut added = Vec::new();
                for &(base, size, ..) in &d.rows[DumpKind::Reserved as usize] {
                    if size > 0 && !covered(&self.mb, base, size) {
                        let _ = self.mb.reserve_as(base, size, "early_reserve_memory");
                        added.push(format!("[{base:#x}-{:#x}]", base.wrapping_add(size).wrapping_sub(1)));
                    }
                }
                self.infer(
                    d.line,
                    format!(
                        "silent reservations taken from this dump (no kernel place given): {}",
                        if added.is_empty() { "none missing".to_string() } else { added.join(", ") }
                    ),
                );
            }
        }
        let st = self.mb.state();
        let mut diffs = Vec::new();
        let mut complete = d.sizes.is_some();
        if let Some((m, r)) = d.sizes {
            if m != st.memory().total_size() {
                diffs.push(format!("memory size {m:#x}, model {:#x}", st.memory().total_size()));
            }
            if r != st.reserved().total_size() {
                diffs.push(format!("reserved size {r:#x}, model {:#x}", st.reserved().total_size()));
            }
        }
        for (k, kind) in [(0, RegionKind::Memory), (1, RegionKind::Reserved)] {
            let ty = st.region_type(kind);
            let name = kind.name();
            match d.counts[k] {
                Some(c) if c != ty.cnt() as u64 => diffs.push(format!("{name}.cnt {c:#x}, model {:#x}", ty.cnt())),
                Some(_) => {}
                None => complete = false,
            }
            let rows = &d.rows[k];
            if d.counts[k].is_some_and(|c| rows.len() as u64 != c) {
                complete = false;
            }
            for (i, &(base, size, nid, flags)) in rows.iter().enumerate() {
                let Some(r) = ty.entry(i) else {
                    diffs.push(format!("{name}[{i:#x}] [{base:#x}+{size:#x}] is not in the model"));
                    continue;
                };
                let model_nid = show_nid(r.nid);
                if (r.base, r.size, model_nid, u64::from(r.flags.bits())) != (base, size, nid, flags) {
                    let nd = |n: Option<i32>| n.map_or(String::new(), |n| format!(" on node {n}"));
                    diffs.push(format!(
                        "{name}[{i:#x}]: kernel [{base:#x}-{:#x}]{} flags {flags:#x}, model [{:#x}-{:#x}]{} flags {:#x}",
                        base.wrapping_add(size).wrapping_sub(1),
                        nd(nid),
                        r.base,
                        r.end().wrapping_sub(1),
                        nd(model_nid),
                        r.flags.bits()
                    ));
                }
            }
        }
        let identical = diffs.is_empty() && complete;
        let detail = if identical {
            format!(
                "memory.cnt {:#x}, reserved.cnt {:#x}, memory size {:#x}, reserved size {:#x}",
                st.memory().cnt(),
                st.reserved().cnt(),
                st.memory().total_size(),
                st.reserved().total_size()
            )
        } else if diffs.is_empty() {
            "the dump is incomplete (the log ends inside it)".into()
        } else {
            diffs.truncate(4);
            diffs.join("; ")
        };
        self.out.checks.push(Check { line: d.line, kind: CheckKind::Dump, identical, detail });
    }

    pub(super) fn finish_movable(&mut self) {
        let Some((line, log)) = self.movable.take() else { return };
        let max_pfn = self.max_pfn.unwrap_or_else(|| self.mb.end_of_dram() >> PAGE_SHIFT);
        let zones = free_area_init_nodes(self.mb.state(), max_pfn, self.profile, self.zone_params());
        let model: Vec<(i32, u64)> = zones.zone_movable_pfn.iter().map(|&(n, p)| (n, p << PAGE_SHIFT)).collect();
        let show = |v: &[(i32, u64)]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.iter().map(|(n, a)| format!("Node {n}: {a:#x}")).collect::<Vec<_>>().join(", ")
            }
        };
        let identical = model == log;
        let detail = if identical {
            format!("movable zone starts: {}", show(&model))
        } else {
            format!("kernel {}; model {}", show(&log), show(&model))
        };
        self.out.checks.push(Check { line, kind: CheckKind::MovableZone, identical, detail });
    }

    pub(super) fn crashkernel(&mut self, line: usize, m: &CrashMessage) {
        let (at, what) = match *m {
            CrashMessage::Reserved { at_mb, size_mb, .. } => (at_mb << 20, format!("crash kernel {size_mb} MiB")),
            CrashMessage::LowReserved { at_mb, size_mb, .. } => {
                (at_mb << 20, format!("crash kernel low {size_mb} MiB"))
            }
            CrashMessage::Other(ref s) => {
                let s = s.clone();
                self.infer(line, format!("crash kernel: {s}"));
                return;
            }
        };
        // Each message against its own allocation (H.5.2): the requests are setup_arch's
        // (reserve_crashkernel() and reserve_crashkernel_low() are inlined); the low part of a
        // `,high` crash kernel asks from=0 below 4 GiB, 16 MiB aligned, and its message comes
        // before the main one, whose allocation was made first.
        let low = matches!(m, CrashMessage::LowReserved { .. });
        let is_low_part = |a: &Allocation| a.align == CRASH_ALIGN && a.from == 0 && a.max_addr == CRASH_ADDR_LOW_MAX;
        // The main part: automatic (16 MiB aligned), or at a given base (a window of exactly
        // its size, 1 MiB aligned).
        let is_crash = |a: &Allocation| a.align == CRASH_ALIGN || a.max_addr == a.from.saturating_add(a.size);
        let model = self
            .out
            .allocations
            .iter()
            .rev()
            .find(|a| {
                function_of(&a.caller) == "setup_arch"
                    && a.kernel != Answer::Failed
                    && is_crash(a)
                    && is_low_part(a) == low
            })
            .and_then(|a| a.model);
        let identical = model.is_some_and(|m| m >> 20 == at >> 20);
        let detail = format!(
            "{what} at {} MiB; model {}",
            at >> 20,
            model.map_or("none".into(), |m| format!("{} MiB", m >> 20))
        );
        self.out.checks.push(Check { line, kind: CheckKind::Crashkernel, identical, detail });
    }
}

/// Whether `[base, base + size)` lies inside reserved regions entirely.
pub(super) fn covered(mb: &SeriesMemblock, base: u64, size: u64) -> bool {
    let end = base.saturating_add(size);
    let mut cursor = base;
    for r in mb.reserved().regions() {
        if r.end() <= cursor {
            continue;
        }
        if r.base > cursor {
            return false;
        }
        cursor = r.end();
        if cursor >= end {
            return true;
        }
    }
    cursor >= end
}
