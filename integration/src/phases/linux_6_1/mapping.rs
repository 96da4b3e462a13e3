//! Spec §H.9.2 step 5: 6.1's `init_mem_mapping()`, run by `x86-mm-bottomup`'s
//! [`Linux6_1Walk`] on the build's direct map (4 KiB and 2 MiB pages, the 16-page brk
//! buffer), then `memblock_set_current_limit(max_pfn_mapped << PAGE_SHIFT)`.

use movable_node::memblock_bottomup::{Event, SeriesMemblock};
use movable_node::x86_mm_bottomup::{Linux6_1Walk, QEMU64};
use movable_node::{CpuFeatures, DirectMap, E820Table, MapEvent, MappingSetup};

use super::{Build6_1, Issuer, KernelSymbols, PhaseError, PhaseOp, PhaseRequest, PlainFacts};
use crate::replay::trace::RequestKind;

/// What the mapping left: its operations and the direct map (for `max_pfn_mapped` and
/// `max_low_pfn_mapped`).
#[derive(Debug)]
pub struct Mapped {
    /// The probe, its free and each `alloc_low_pages` request, in order.
    pub ops: Vec<PhaseOp>,
    /// The direct map as the walk left it.
    pub direct_map: DirectMap,
}

/// `init_mem_mapping()` of 6.1 on memblock as `reserve_real_mode()` left it: the brk
/// page-table buffer is the last pages of the used brk (`early_alloc_pgt_buf()` runs after the
/// DMI data took the first bytes), `kernel_end` is `_end`.
///
/// # Errors
/// [`PhaseError::Invalid`] for an e820 table the mapping cannot take or a used brk smaller
/// than the buffer; [`PhaseError::Missing`] without a `last_pfn` line;
/// [`PhaseError::KernelPanics`] where `alloc_low_pages` finds nothing.
pub fn init_mem_mapping(
    mb: &mut SeriesMemblock,
    build: &Build6_1,
    kernel: &KernelSymbols,
    facts: &PlainFacts,
) -> Result<Mapped, PhaseError> {
    const PHASE: &str = "init_mem_mapping";
    let invalid = |what: String| PhaseError::Invalid { phase: PHASE, what };
    let (Some(max_pfn), Some(max_low_pfn)) = (facts.max_pfn, facts.max_low_pfn()) else {
        return Err(PhaseError::Missing { phase: PHASE, what: "the log has no `last_pfn =` line".into() });
    };
    let max_arch_pfn = 1u64 << build.max_physmem_bits.saturating_sub(12);
    if max_pfn > max_arch_pfn || max_low_pfn > max_pfn {
        return Err(invalid(format!(
            "last_pfn {max_pfn:#x} (max_low_pfn {max_low_pfn:#x}) cannot come from this build (max_arch_pfn {max_arch_pfn:#x})"
        )));
    }
    let e820 = E820Table::new(facts.e820_after_fixups()).map_err(|e| invalid(format!("the e820 table: {e}")))?;
    let buffer = build.mapping.pgt_buf_pages().saturating_mul(4096);
    let pgt_buf_base = kernel
        .brk_base
        .checked_add(build.used_brk_bytes)
        .and_then(|end| end.checked_sub(buffer))
        .filter(|&b| b >= kernel.brk_base)
        .ok_or_else(|| {
            invalid(format!(
                "the used brk ({:#x}) cannot hold the {buffer:#x}-byte page-table buffer",
                build.used_brk_bytes
            ))
        })?;
    let mut dm = build.mapping.direct_map(MappingSetup {
        e820,
        // The build profile's CPU (qemu64), with 1 GiB pages where the boot says it has them.
        cpu: CpuFeatures { gbpages: facts.gbpages, ..QEMU64 },
        direct_gbpages: true,
        pgt_buf_base,
        max_pfn,
        max_low_pfn,
    });
    let walked = dm.init_mem_mapping(mb, &mut Linux6_1Walk);
    let mut issuer = Issuer::new(mb, PHASE);
    issuer.extend(dm.events().iter().filter_map(op_of));
    let ops = issuer.finish();
    walked.map_err(|e| PhaseError::KernelPanics { phase: PHASE, what: e.to_string() })?;
    mb.set_current_limit(dm.max_pfn_mapped() << 12);
    Ok(Mapped { ops, direct_map: dm })
}

/// The memblock operation a mapping event is, if any.
fn op_of(ev: &MapEvent) -> Option<PhaseOp> {
    match ev {
        MapEvent::PhysAllocRange(r) => Some(PhaseOp::Request(PhaseRequest {
            kind: RequestKind::PhysAllocRange,
            caller: r.caller,
            size: r.size,
            align: r.align,
            from: r.start,
            max_addr: r.end,
            nid: None,
            answer: r.found,
        })),
        MapEvent::Memblock(Event::Free { base, size, caller }) => {
            Some(PhaseOp::Free { caller: *caller, base: *base, size: *size })
        }
        _ => None,
    }
}
