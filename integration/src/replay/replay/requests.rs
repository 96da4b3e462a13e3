//! Each request of the log answered by the model through 6.1's entry points, resolved with
//! the kernel's answer, and (what-if) the requests the policy asks differently.

use super::*;

/// `CRASH_ALIGN`: the alignment of every automatic crash kernel request.
pub(super) const CRASH_ALIGN: u64 = 16 << 20;
/// `CRASH_ADDR_LOW_MAX`: the top of the low part's window.
pub(super) const CRASH_ADDR_LOW_MAX: u64 = 1 << 32;
/// `CRASH_ADDR_HIGH_MAX` (6.1, x86-64): the top of the high try's window, 64 TiB.
pub(super) const CRASH_ADDR_HIGH_MAX: u64 = 1 << 46;

/// The crash kernel's low part request (§H.5.2): setup_arch, from 0 below 4 GiB, 16 MiB aligned.
pub(super) fn is_crash_low_part(r: &Request) -> bool {
    r.kind == RequestKind::PhysAllocRange
        && function_of(&r.caller) == "setup_arch"
        && r.align == CRASH_ALIGN
        && r.from == 0
        && r.max_addr == CRASH_ADDR_LOW_MAX
}

/// The crash kernel's high try (§H.5.2): setup_arch, from 16 MiB below 64 TiB.
pub(super) fn is_crash_high_try(r: &Request) -> bool {
    r.kind == RequestKind::PhysAllocRange
        && function_of(&r.caller) == "setup_arch"
        && r.align == CRASH_ALIGN
        && r.max_addr == CRASH_ADDR_HIGH_MAX
}

impl Engine<'_> {
    pub(super) fn push_alloc(&mut self, a: Allocation, booked: Booked) -> usize {
        self.out.allocations.push(a);
        self.booked.push(booked);
        self.out.allocations.len() - 1
    }

    /// The end a search for this entry point and `max_addr` ends at.
    pub(super) fn search_end(&self, kind: RequestKind, max: u64) -> u64 {
        let limit = self.mb.current_limit();
        let end = if kind == RequestKind::PhysAllocRange { max } else { max.min(limit) };
        if end == 0 || end == movable_node::memblock_bottomup::MEMBLOCK_ALLOC_NOLEAKTRACE { limit } else { end }
    }

    /// The rule the placement is about to follow for a window ending at `end`.
    pub(super) fn rule(&self, end: u64) -> &'static str {
        if !self.mb.bottom_up() {
            return "top-down";
        }
        match self.mb.placement().semantics() {
            Semantics::Modern => "bottom-up",
            Semantics::Series if end > self.kernel_end => "bottom-up above kernel_end",
            Semantics::Series => "top-down (window ends below kernel_end)",
        }
    }

    pub(super) fn how(&self, rule: &'static str, fallbacks_before: usize, f: &Found) -> How {
        let rule =
            if self.mb.placement().fallbacks() > fallbacks_before { "top-down (bottom-up fallback)" } else { rule };
        How {
            rule,
            attempt: f.attempt,
            window: f.window,
            nid: show_nid(f.nid),
            free_range: f.free_range.map(|r| (r.start, r.end, show_nid(r.nid))),
        }
    }

    /// The request as the kernel would have asked it: the log's, or (what-if) re-derived
    /// where it depends on an earlier answer (see [`Adjustment`]).
    fn asked(&self, r: &Request) -> (u64, u64, Nid, Option<Adjustment>) {
        let (from, max, nid) = (r.from, r.max_addr, r.nid.unwrap_or(NUMA_NO_NODE));
        if !self.what_if {
            return (from, max, nid, None);
        }
        let fname = function_of(&r.caller);
        if fname == "init_mem_mapping" && r.kind == RequestKind::PhysAllocRange && self.mb.bottom_up() {
            return (from, max, nid, Some(Adjustment::ProbeNotMade));
        }
        if fname == "alloc_low_pages" && self.mb.bottom_up() && self.kernel_end != 0 && from != self.kernel_end {
            return (self.kernel_end, max, nid, Some(Adjustment::PageTablesFromKernelEnd));
        }
        if fname == "sparse_init_nid"
            && r.kind == RequestKind::AllocTryNid
            && max != 0
            && let Some((goal, n)) = self.usemap_goal(r.from, r.max_addr)
            && (goal != from || n != nid)
        {
            return (goal, goal.saturating_add(SECTION_SIZE), n, Some(Adjustment::UsemapFollowsNodeData));
        }
        if is_crash_low_part(r) && !self.crash_main_above_4g() {
            return (from, max, nid, Some(Adjustment::CrashLowNotMade));
        }
        (from, max, nid, None)
    }

    /// A request line: the model answers now; the kernel's answer comes with the next
    /// `memblock_alloc_range_nid` reserve line.
    pub(super) fn request(&mut self, line: usize, r: &Request) {
        let (from, max, nid, adjustment) = self.asked(r);
        let fname = function_of(&r.caller);
        let l = label(&r.caller);
        let mut a = Allocation {
            index: self.out.allocations.len() + 1,
            line,
            answer_line: None,
            function: r.kind.name(),
            caller: r.caller.clone(),
            size: r.size,
            align: r.align,
            nid: r.nid.and(Some(nid)).and_then(show_nid),
            from,
            max_addr: max,
            kernel: Answer::Unknown,
            model: None,
            model_node: None,
            how: None,
            outcome: Outcome::LogEnded,
            note: adjustment.map(|x| x.words().to_string()),
            adjustment,
            freed_bytes: 0,
        };
        let mut booked = Booked { model_size: r.size, label: l };
        if !adjustment.is_some_and(Adjustment::not_made) {
            let rule = self.rule(self.search_end(r.kind, max));
            let fb = self.mb.placement().fallbacks();
            if let Some(f) = r.kind.ask(&mut self.mb, [r.size, r.align, from, max], nid, l) {
                a.model = Some(f.addr);
                a.model_node = node_of(self.mb.state(), f.addr).and_then(show_nid);
                a.how = Some(self.how(rule, fb, &f));
                booked.model_size = f.size;
            }
        }
        let idx = self.push_alloc(a, booked);
        self.pending = Some(idx);
        // What-if: a `,high` crash kernel the policy puts at or above 4 GiB needs its low
        // part, which the log does not show when the kernel put it below.
        if self.what_if
            && is_crash_high_try(r)
            && !self.log_has_crash_low
            && self.crash_main_above_4g()
            && let Some(low) = self.crash_low_size()
        {
            self.synthesize(
                line,
                r,
                Adjustment::CrashLowPart,
                1,
                low,
                CRASH_ALIGN,
                0,
                CRASH_ADDR_LOW_MAX,
                NUMA_NO_NODE,
            );
            // No room below 4 GiB: reserve_crashkernel_low() fails and the main part is
            // freed again ("Cannot reserve %ldMB crashkernel low memory ...").
            let low_failed = self.out.allocations.last().is_some_and(|a| a.model.is_none());
            if low_failed && let Some(main) = self.out.allocations[idx].model {
                let Booked { model_size, label } = self.booked[idx];
                let _ = self.mb.free_as(main, model_size, label);
                self.out.allocations[idx].freed_bytes += model_size;
                self.infer(
                    line,
                    format!(
                        "Cannot reserve {}MB crashkernel low memory, please try smaller size.: the crash kernel at \
                         {main:#x} is freed again (H.5.2)",
                        low >> 20
                    ),
                );
            }
        }
        // What-if follow-ups the kernel would have asked for at once.
        if self.what_if && self.out.allocations[idx].model.is_none() {
            if fname == "sparse_init_nid" && r.kind == RequestKind::AllocTryNid && max != 0 {
                self.synthesize(line, r, Adjustment::UsemapRetryNoLimit, 1, r.size, r.align, from, 0, nid);
            } else if fname == "sparse_init_nid" && r.kind == RequestKind::AllocExactNidRaw {
                // One per present section; a size beyond any machine (64 TiB) is not a memmap.
                let n = r.size / PMD_SIZE;
                if n <= (64 << 40) / SECTION_SIZE {
                    self.synthesize(
                        line,
                        r,
                        Adjustment::MemmapPerSection,
                        n,
                        PMD_SIZE,
                        PMD_SIZE,
                        MAX_DMA_ADDRESS,
                        0,
                        nid,
                    );
                }
            }
        }
    }

    /// Whether the policy's crash kernel (the main part, the last one made) lies at or above
    /// 4 GiB, so that `reserve_crashkernel_low()` runs.
    pub(super) fn crash_main_above_4g(&self) -> bool {
        self.out
            .allocations
            .iter()
            .rev()
            .find(|a| {
                function_of(&a.caller) == "setup_arch"
                    && a.align == CRASH_ALIGN
                    && !(a.from == 0 && a.max_addr == CRASH_ADDR_LOW_MAX)
                    && a.model.is_some()
            })
            .and_then(|a| a.model)
            .is_some_and(|m| m >= CRASH_ADDR_LOW_MAX)
    }

    /// The size of the crash kernel's low part (§H.5.2): `crashkernel=Y,low`, else
    /// max(swiotlb + 8 MiB, 256 MiB); `None` for `crashkernel=0,low`.
    pub(super) fn crash_low_size(&self) -> Option<u64> {
        let cmdline = self.cmdline.as_bytes();
        match movable_node::parse_crashkernel_with(cmdline, 0, movable_node::Suffix::Low, movable_node::Profile::Modern)
        {
            Ok(r) if r.size == 0 => None,
            Ok(r) => Some(r.size),
            Err(_) => {
                let swiotlb = last_param(cmdline, "swiotlb").flatten().map_or(0, movable_node::parse_swiotlb);
                Some((movable_node::swiotlb_size_or_default(swiotlb) + (8 << 20)).max(256 << 20))
            }
        }
    }

    /// Requests the kernel would have made under the policy and the log does not show.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn synthesize(
        &mut self,
        line: usize,
        r: &Request,
        why: Adjustment,
        n: u64,
        size: u64,
        align: u64,
        from: u64,
        max: u64,
        nid: Nid,
    ) {
        let (kind, caller) = match why {
            Adjustment::MemmapPerSection => (RequestKind::AllocTryNidRaw, "vmemmap_populate (synthesized)".to_string()),
            _ => (r.kind, format!("{} (synthesized)", function_of(&r.caller))),
        };
        let l = label(&caller);
        for _ in 0..n {
            let rule = self.rule(self.search_end(kind, max));
            let fb = self.mb.placement().fallbacks();
            let found = kind.ask(&mut self.mb, [size, align, from, max], nid, l);
            let a = Allocation {
                index: self.out.allocations.len() + 1,
                line,
                answer_line: None,
                function: kind.name(),
                caller: caller.clone(),
                size,
                align,
                nid: show_nid(nid),
                from,
                max_addr: max,
                kernel: Answer::Unknown,
                model: found.map(|f| f.addr),
                model_node: found.and_then(|f| node_of(self.mb.state(), f.addr)).and_then(show_nid),
                how: found.map(|f| self.how(rule, fb, &f)),
                outcome: Outcome::Synthesized,
                note: Some(why.words().to_string()),
                adjustment: Some(why),
                freed_bytes: 0,
            };
            self.push_alloc(a, Booked { model_size: found.map_or(size, |f| f.size), label: l });
        }
    }

    /// The usemap's goal and node under the policy: the section of the policy's `NODE_DATA`
    /// for the node whose kernel `NODE_DATA` lies in `[from, max)`.
    pub(super) fn usemap_goal(&self, from: u64, max: u64) -> Option<(u64, Nid)> {
        let (&nid, _) = self.kernel_node_data.iter().find(|&(_, &k)| from <= k && k < max)?;
        let model = self.model_node_data.get(&nid)?.0?;
        let goal = round_down(model, SECTION_SIZE);
        let n = self.mb.search_pfn_nid(goal >> PAGE_SHIFT).map_or(nid, |p| p.nid);
        Some((goal, if show_nid(n).is_some() { n } else { nid }))
    }

    /// Closes the pending request with the kernel's answer.
    pub(super) fn resolve_pending(&mut self, kernel: Answer, kernel_size: u64, answer_line: Option<usize>) {
        let Some(idx) = self.pending.take() else { return };
        self.resolve(idx, kernel, kernel_size, answer_line);
    }

    pub(super) fn resolve(&mut self, idx: usize, kernel: Answer, kernel_size: u64, answer_line: Option<usize>) {
        let booked = self.booked[idx];
        let a = &mut self.out.allocations[idx];
        a.kernel = kernel;
        a.answer_line = answer_line;
        if a.adjustment.is_some_and(Adjustment::not_made) {
            a.outcome = Outcome::Skipped;
            return;
        }
        let same = match kernel {
            Answer::At(k) => a.model == Some(k),
            Answer::Failed => a.model.is_none(),
            Answer::Unknown => false,
        };
        a.outcome = if same { Outcome::Identical } else { Outcome::Different };
        if let (Answer::At(_), true) = (kernel, kernel_size != a.size) {
            let note = format!("the kernel reserved {kernel_size:#x} bytes for a {:#x}-byte request", a.size);
            a.note = Some(note);
        }
        if same || self.what_if {
            return;
        }
        // Check mode: say why, then take the kernel's answer so later requests are checked on
        // their own.
        let model = a.model;
        if let Some(m) = model {
            let _ = self.mb.free_as(m, booked.model_size, booked.label);
        }
        let note = self.diagnose(idx, kernel, kernel_size, model);
        if let Answer::At(k) = kernel {
            let _ = self.mb.reserve_as(k, kernel_size.max(1), booked.label);
        }
        self.out.allocations[idx].note = Some(note);
    }

    /// The first difference between the kernel's answer and the model's, with the model's
    /// reason (state: the model's block already given back).
    pub(super) fn diagnose(&self, idx: usize, kernel: Answer, kernel_size: u64, model: Option<u64>) -> String {
        let a = &self.out.allocations[idx];
        let reason = match &a.how {
            Some(h) => {
                let fr = h.free_range.map_or(String::from("?"), |(s, e, n)| {
                    format!("[{s:#x}-{:#x}] node {}", e.wrapping_sub(1), n.map_or("-".into(), |n| n.to_string()))
                });
                format!(
                    "{} ({}) in window [{:#x}-{:#x}) took the free range {fr}",
                    h.rule,
                    h.attempt.words(),
                    h.window.0,
                    h.window.1
                )
            }
            None => "nothing fits the window on any node the rules allow".into(),
        };
        match (kernel, model) {
            (Answer::At(k), m) => {
                let st = self.mb.state();
                let where_k = if !st.is_region_memory(k, kernel_size) {
                    "is not all memory in the model".to_string()
                } else if st.is_region_reserved(k, kernel_size) {
                    let r = st.reserved().overlaps(k, kernel_size).map(|i| st.reserved().regions()[i]);
                    r.map_or("overlaps a reservation in the model".into(), |r| {
                        format!("overlaps the model's reserved [{:#x}-{:#x}]", r.base, r.end().wrapping_sub(1))
                    })
                } else {
                    "is free in the model".to_string()
                };
                let m = m.map_or("nothing".to_string(), |m| format!("{m:#x}"));
                format!("kernel {k:#x}, model {m}: the kernel's block {where_k}; the model: {reason}")
            }
            (_, Some(m)) => format!("the kernel found nothing, the model {m:#x}: {reason}"),
            _ => String::new(),
        }
    }

    /// A `memblock_alloc_range_nid` reserve line with no request before it: `NODE_DATA`
    /// (`memblock_phys_alloc_try_nid`, which prints no request), after the silent NUMA steps.
    /// The node of the `NODE_DATA(n) allocated` line that follows event `i` before any other
    /// memblock line.
    pub(super) fn node_data_follows(&self, i: usize) -> Option<Nid> {
        self.trace.events[i + 1..].iter().take_while(|l| !l.event.is_memblock()).find_map(|l| match l.event {
            TraceEvent::NodeData { nid, .. } => Some(nid),
            _ => None,
        })
    }

    pub(super) fn unannounced(&mut self, i: usize, line: usize, base: u64, size: u64) {
        let Some(nid) = self.node_data_follows(i) else {
            let _ = self.mb.reserve_as(base, size, "memblock_alloc_range_nid");
            self.infer(line, "an allocation with no request line and no NODE_DATA line: reserved as printed".into());
            return;
        };
        if !self.numa_done {
            self.numa_init(line, size);
        }
        self.kernel_node_data.insert(nid, base);
        let (model, model_size) = self.model_node_data.get(&nid).copied().unwrap_or((None, size));
        let l = label("alloc_node_data");
        let a = Allocation {
            index: self.out.allocations.len() + 1,
            line,
            answer_line: Some(line),
            function: RequestKind::PhysAllocTryNid.name(),
            caller: "alloc_node_data".into(),
            size,
            align: SMP_CACHE_BYTES,
            nid: Some(nid),
            from: 0,
            max_addr: 0,
            kernel: Answer::Unknown,
            model,
            model_node: model.and_then(|m| node_of(self.mb.state(), m)).and_then(show_nid),
            how: model.map(|m| How {
                rule: "top-down",
                attempt: if node_of(self.mb.state(), m) == Some(nid) { Attempt::First } else { Attempt::AnyNode },
                window: (PAGE_SIZE, self.mb.current_limit()),
                nid: Some(nid),
                free_range: None,
            }),
            outcome: Outcome::LogEnded,
            note: None,
            adjustment: None,
            freed_bytes: 0,
        };
        let idx = self.push_alloc(a, Booked { model_size, label: l });
        self.resolve(idx, Answer::At(base), size, Some(line));
        if !self.node_data_checked.contains(&nid) {
            self.node_data_checked.push(nid);
            // The "on node" line, if any, follows the NODE_DATA line; absent means its own node.
            let on =
                self.trace.events[i + 1..].iter().take_while(|l| !l.event.is_memblock()).find_map(|l| match l.event {
                    TraceEvent::NodeDataOnNode { nid: n, on } if n == nid => Some(on),
                    _ => None,
                });
            if on.is_none() {
                self.node_data_on_node(line, nid, None);
            }
        }
    }
}
