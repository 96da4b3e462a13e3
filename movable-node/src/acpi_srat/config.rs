//! The kernel configuration and boot state that change how the SRAT is parsed
//! (`CONFIG_NODES_SHIFT`, `CONFIG_MEMORY_HOTPLUG`, the APIC driver, UV, `numa=noacpi`), and the
//! constants the parse uses.

use super::messages::MessageStyle;

/// `MAX_NUMNODES` with the x86-64 default `CONFIG_NODES_SHIFT=6`.
pub const DEFAULT_MAX_NUMNODES: u32 = 64;
/// `MAX_LOCAL_APIC` on x86-64 (`arch/x86/include/asm/apicdef.h`).
pub const MAX_LOCAL_APIC: u32 = 32768;
/// `NUMA_NO_NODE`.
pub const NUMA_NO_NODE: i32 = -1;
/// `PXM_INVAL`.
pub const PXM_INVAL: i32 = -1;

/// Which `apic->apic_id_valid()` the running APIC driver has when the SRAT is parsed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ApicDriver {
    /// flat / physflat: `default_apic_id_valid()`, `apicid < 255` (as a C `int`).
    #[default]
    Default,
    /// x2apic_phys / x2apic_cluster / UV: `x2apic_apic_id_valid()`, every id.
    X2Apic,
}

impl ApicDriver {
    /// `apic->apic_id_valid(apicid)`.
    pub fn apic_id_valid(&self, apic_id: i32) -> bool {
        match self {
            ApicDriver::Default => apic_id < 255,
            ApicDriver::X2Apic => true,
        }
    }
}

/// What `acpi_map_pxm_to_node()` does with a PXM outside `[0, MAX_PXM_DOMAINS)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PxmRangeCheck {
    /// Linux 3.12/3.13: no check; the array index is out of bounds. The model stops with
    /// [`Error::PxmOutOfRange`](crate::Error::PxmOutOfRange).
    #[default]
    None,
    /// Later kernels (6.1 has it): `if (pxm < 0 || pxm >= MAX_PXM_DOMAINS) return NUMA_NO_NODE;`,
    /// which the callers report as "Too many proximity domains" and `bad_srat()`.
    NoNode,
}

/// The kernel configuration and boot state that change how the SRAT is parsed
/// (`CONFIG_NODES_SHIFT`, `CONFIG_MEMORY_HOTPLUG`, the APIC driver, UV, `numa=noacpi`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NumaConfig {
    /// `MAX_NUMNODES` (`1 << CONFIG_NODES_SHIFT`, 1..=1024; x86-64 default 64).
    pub max_numnodes: u32,
    /// `CONFIG_MEMORY_HOTPLUG` (`save_add_info()`): without it, hot-pluggable ranges are ignored.
    pub memory_hotplug: bool,
    /// The APIC driver's `apic_id_valid()`.
    pub apic_driver: ApicDriver,
    /// `get_uv_system_type() >= UV_X2APIC`: local APIC ids are `apic_id << 8 | local_sapic_eid`.
    pub uv_x2apic: bool,
    /// Range check of PXMs in `acpi_map_pxm_to_node()`.
    pub pxm_range_check: PxmRangeCheck,
    /// `numa=noacpi`: `acpi_numa` starts at -1, so every subtable is skipped.
    pub numa_noacpi: bool,
    /// Wording of the messages.
    pub style: MessageStyle,
}

impl NumaConfig {
    /// A Linux 3.12 x86-64 kernel with `CONFIG_NODES_SHIFT=6`, `CONFIG_MEMORY_HOTPLUG=y` (which
    /// `movable_node` needs), a flat/physflat APIC, no UV, no `numa=noacpi`.
    pub const fn linux_3_12() -> Self {
        NumaConfig {
            max_numnodes: DEFAULT_MAX_NUMNODES,
            memory_hotplug: true,
            apic_driver: ApicDriver::Default,
            uv_x2apic: false,
            pxm_range_check: PxmRangeCheck::None,
            numa_noacpi: false,
            style: MessageStyle::Linux3_12,
        }
    }

    /// [`NumaConfig::linux_3_12`] with 6.1's message wording and PXM range check; the parsing
    /// rules otherwise stay 3.12's (6.1's own rule changes are not modelled).
    pub const fn linux_6_1_messages() -> Self {
        let mut c = Self::linux_3_12();
        c.style = MessageStyle::Linux6_1;
        c.pxm_range_check = PxmRangeCheck::NoNode;
        c
    }

    /// `NR_NODE_MEMBLKS = MAX_NUMNODES * 2`: the memory pass's limit.
    pub fn nr_node_memblks(&self) -> u32 {
        self.max_numnodes.saturating_mul(2)
    }

    /// `MAX_PXM_DOMAINS`: 256, or `MAX_NUMNODES` if that is larger.
    pub fn max_pxm_domains(&self) -> u32 {
        self.max_numnodes.max(256)
    }
}

impl Default for NumaConfig {
    fn default() -> Self {
        Self::linux_3_12()
    }
}
