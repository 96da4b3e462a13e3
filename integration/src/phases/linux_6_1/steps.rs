//! The phases of spec §H.9.2 steps 6–7, 10, 11 and 12 in the kernel's order, driven by what
//! a plain dmesg says: what a prediction runs, each phase's operations kept under its name so
//! a difference from a log can name the phase it came from.

use movable_node::memblock_bottomup::{Nid, SeriesMemblock};

use super::start_kernel::swiotlb_areas;
use super::{
    Build6_1, PhaseError, PhaseOp, PlainFacts, acpi_parse_hpet, acpi_reserve_initial_tables, acpi_table_upgrade,
    alloc_bootmem_cpumask_var, e820_register_nosave_regions, e820_reserve_resources, firmware_map_add_early,
    io_apic_init_mappings, print_unknown_bootoptions, setup_command_line, setup_per_cpu_areas, sparse_init,
    spp_getpage, swiotlb_init,
};

/// The operations of one phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseOps {
    /// The kernel function the phase models.
    pub phase: &'static str,
    /// Its memblock operations, in order.
    pub ops: Vec<PhaseOp>,
}

/// Runs phases in order, keeping each one's operations under its name.
struct Steps(Vec<PhaseOps>);

impl Steps {
    fn run(&mut self, phase: &'static str, ops: Result<Vec<PhaseOp>, PhaseError>) -> Result<(), PhaseError> {
        self.0.push(PhaseOps { phase, ops: ops? });
        Ok(())
    }
}

fn missing(phase: &'static str, what: &str) -> PhaseError {
    PhaseError::Missing { phase, what: format!("the log has no {what} line") }
}

/// Steps 6 and 7, right after `init_mem_mapping()` and `reserve_initrd()`:
/// `acpi_table_upgrade()` below `max_low_pfn_mapped` (the 6.1 walk's), then
/// `acpi_reserve_initial_tables()`.
///
/// # Errors
/// As the phases.
pub fn acpi_early(
    mb: &mut SeriesMemblock,
    facts: &PlainFacts,
    max_low_pfn_mapped: u64,
) -> Result<Vec<PhaseOps>, PhaseError> {
    let mut s = Steps(Vec::new());
    s.run("acpi_table_upgrade", acpi_table_upgrade(mb, &facts.acpi_initrd_tables, max_low_pfn_mapped))?;
    s.run("acpi_reserve_initial_tables", acpi_reserve_initial_tables(mb, &facts.acpi_reservations))?;
    Ok(s.0)
}

/// Step 10, `paging_init()`'s `sparse_init()`, then step 11, the rest of `setup_arch()`:
/// HPET, IO-APIC, e820 resources, the firmware map and the nosave regions. `node_data` is
/// each node's `NODE_DATA` address (the NUMA phase's answers).
///
/// # Errors
/// [`PhaseError::Missing`] without a `last_pfn` line; otherwise as the phases.
pub fn paging_init_to_setup_arch_end(
    mb: &mut SeriesMemblock,
    build: &Build6_1,
    facts: &PlainFacts,
    node_data: &[(Nid, u64)],
) -> Result<Vec<PhaseOps>, PhaseError> {
    let max_pfn = facts.max_pfn.ok_or_else(|| missing("e820__register_nosave_regions", "`last_pfn =`"))?;
    let kernel_e820 = facts.kernel_e820();
    let mut s = Steps(Vec::new());
    s.run("sparse_init", sparse_init(mb, build, node_data))?;
    s.run("acpi_parse_hpet", acpi_parse_hpet(mb, build, facts.hpet))?;
    s.run("io_apic_init_mappings", io_apic_init_mappings(mb, build, facts.ioapics))?;
    s.run("e820__reserve_resources", e820_reserve_resources(mb, build, &kernel_e820))?;
    s.run("firmware_map_add_early", firmware_map_add_early(mb, build, &facts.bios_e820))?;
    s.run("e820__register_nosave_regions", e820_register_nosave_regions(mb, build, &kernel_e820, max_pfn))?;
    Ok(s.0)
}

/// Step 12, `start_kernel()` up to `mm_init()`. `online_nodes` are the nodes that got
/// `NODE_DATA`. The CPUs are the `SRAT: PXM … -> APIC` lines; a boot with CPUs the SRAT does
/// not place (`nr_cpu_ids` more than those lines) is refused, as that case is not derived.
///
/// # Errors
/// [`PhaseError::Missing`] for a missing `Command line:`, `setup_percpu:`, `smpboot: Allowing`
/// or `last_pfn` line; [`PhaseError::NotDerived`] for CPUs without an SRAT entry;
/// [`PhaseError::Invalid`] for more CPU or node ids than the build has; otherwise as the
/// phases.
pub fn start_kernel_early(
    mb: &mut SeriesMemblock,
    build: &Build6_1,
    facts: &PlainFacts,
    online_nodes: &[Nid],
) -> Result<Vec<PhaseOps>, PhaseError> {
    let command_line = facts.command_line.as_deref().ok_or_else(|| missing("setup_command_line", "`Command line:`"))?;
    let (nr_cpu_ids, nr_node_ids) = match (facts.nr_cpu_ids, facts.nr_node_ids) {
        (Some(c), Some(n)) => (c, n),
        _ => return Err(missing("setup_per_cpu_areas", "`setup_percpu: … nr_cpu_ids:N nr_node_ids:N`")),
    };
    if nr_cpu_ids > build.nr_cpus || nr_node_ids > build.max_numnodes {
        return Err(PhaseError::Invalid {
            phase: "setup_per_cpu_areas",
            what: format!(
                "nr_cpu_ids {nr_cpu_ids} and nr_node_ids {nr_node_ids} cannot come from this build (NR_CPUS {}, \
                 MAX_NUMNODES {}): the log is of another kernel",
                build.nr_cpus, build.max_numnodes
            ),
        });
    }
    let possible = facts.possible_cpus.ok_or_else(|| missing("spp_getpage", "`smpboot: Allowing N CPUs`"))?;
    let cpu_nodes = facts.cpu_nodes();
    if cpu_nodes.len() != nr_cpu_ids as usize {
        return Err(PhaseError::NotDerived {
            phase: "setup_per_cpu_areas",
            what: format!(
                "{nr_cpu_ids} CPUs but {} `SRAT: PXM … -> APIC … -> Node` lines: the nodes of CPUs without an SRAT \
                 entry are not derived",
                cpu_nodes.len()
            ),
        });
    }
    let max_possible_pfn = facts.max_possible_pfn().ok_or_else(|| missing("swiotlb_init", "`last_pfn =`"))?;
    let geometry = facts.percpu_geometry(&build.percpu);
    let nareas = facts.swiotlb_areas.unwrap_or_else(|| swiotlb_areas(possible));
    let unknown = facts.unknown_parameters.as_deref().unwrap_or(&[]);
    let mut s = Steps(Vec::new());
    s.run("setup_command_line", setup_command_line(mb, command_line))?;
    s.run("setup_per_cpu_areas", setup_per_cpu_areas(mb, build, &geometry, &cpu_nodes, online_nodes))?;
    s.run("alloc_bootmem_cpumask_var", alloc_bootmem_cpumask_var(mb, nr_node_ids, nr_cpu_ids))?;
    s.run("print_unknown_bootoptions", print_unknown_bootoptions(mb, unknown))?;
    s.run("spp_getpage", spp_getpage(mb, build, possible))?;
    s.run("swiotlb_init", swiotlb_init(mb, build, max_possible_pfn, nareas))?;
    Ok(s.0)
}
