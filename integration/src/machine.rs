//! A machine as the early boot sees it: the BIOS memory map, the SRAT, where the bootloader
//! put the kernel and the initrd, the command line, and the sizes the kernel takes from its
//! build.

use movable_node::{CpuFeatures, E820Entry, E820Type};

use crate::acpi_tables::{AcpiReservation, AcpiTableInInitrd, AcpiTableSize, GivenTable};
use crate::srat_builder::build_srat;
pub use crate::srat_builder::{NodeMemory, NodeSpec};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// Where the kernel image sits (physical addresses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelImage {
    /// `_text`.
    pub text: u64,
    /// `__bss_stop`: the end of what `setup_arch()` reserves for the image.
    pub bss_stop: u64,
    /// `_end` (`__pa_symbol(_end)`): the end of the image with BRK, memblock's `kernel_end`.
    pub end: u64,
}

/// Sizes and options the kernel takes from its build, with realistic defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildConfig {
    /// Size of the real-mode trampoline blob (`real_mode_blob_end - real_mode_blob`).
    pub realmode_size: u64,
    /// BRK already used before `early_alloc_pgt_buf()`.
    pub brk_used: u64,
    /// `__LOG_BUF_LEN` (`1 << CONFIG_LOG_BUF_SHIFT`): `log_buf_len=` only allocates above it.
    pub log_buf_len: u64,
    /// `roundup(sizeof(pg_data_t), PAGE_SIZE)`; 0 takes the profile's usual build
    /// ([`BuildConfig::node_data_size_for`]).
    pub node_data_size: u64,
    /// Where the EBDA starts (`reserve_ebda_region()` keeps [EBDA, 1 MiB)).
    pub ebda_start: u64,
    /// `CONFIG_X86_RESERVE_LOW`: bytes reserved at 0.
    pub reserve_low: u64,
    /// `CONFIG_MOVABLE_NODE`.
    pub config_movable_node: bool,
    /// `CONFIG_MEMORY_HOTPLUG`: without it SRAT's hotpluggable ranges are ignored.
    pub memory_hotplug: bool,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            realmode_size: 0x6000,
            brk_used: 0x5000,
            log_buf_len: 1 << 18,
            node_data_size: 0,
            ebda_start: 0x9fc00,
            reserve_low: 0x10000,
            config_movable_node: true,
            memory_hotplug: true,
        }
    }
}

impl BuildConfig {
    /// The `pg_data_t` size to use under `profile`: the machine's, or the usual one of that
    /// kernel's distribution builds (0x15000 for 3.x x86-64 with 64 nodes; 0x2b000 for Debian's
    /// 6.1, whose MAXSMP build has 1024 nodes, as its NODE_DATA lines show).
    pub fn node_data_size_for(&self, profile: movable_node::KernelProfile) -> u64 {
        match (self.node_data_size, profile) {
            (0, movable_node::KernelProfile::Modern) => 0x2b000,
            (0, _) => 0x15000,
            (n, _) => n,
        }
    }
}

/// What the platform tells Linux beyond the memory map and the SRAT: the firmware's other ACPI
/// tables (the MADT's CPUs and IO-APICs, every table's place) and the words of the command line
/// the kernel proper does not know. Only Linux 6.1's boot reads these (its ACPI reservations,
/// percpu areas, IO-APIC mappings); each is empty or `None` where no input said it, and a
/// 6.1 boot lists what it assumed instead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Platform {
    /// Every ACPI table in the firmware's order, as `acpi_reserve_initial_tables()` reserves
    /// them (`ACPI: Reserving … table memory` lines; acpidump).
    pub acpi_tables: Vec<AcpiReservation>,
    /// Tables known by their length only, in the firmware's order: a 6.1 boot places them back
    /// to back in the firmware's area below 4 GiB, and says so.
    pub acpi_table_sizes: Vec<AcpiTableSize>,
    /// The tables the initrd overrides (`acpi_table_upgrade()`; `ACPI: … ACPI table found in
    /// initrd` lines).
    pub acpi_upgrades: Vec<AcpiTableInInitrd>,
    /// Possible CPUs (`smpboot: Allowing N CPUs`, from the MADT).
    pub cpus: Option<u32>,
    /// IO-APICs in the MADT (`IOAPIC[n]:` lines).
    pub ioapics: Option<u64>,
    /// The words of `Unknown kernel command line parameters "…"`
    /// (`print_unknown_bootoptions()`).
    pub unknown_parameters: Option<Vec<String>>,
}

impl Platform {
    /// Replaces the tables by `tables`, each placed or by its length.
    pub fn set_tables(&mut self, tables: Vec<GivenTable>) {
        self.acpi_tables.clear();
        self.acpi_table_sizes.clear();
        for t in tables {
            match t {
                GivenTable::Placed(r) => self.acpi_tables.push(r),
                GivenTable::Sized(s) => self.acpi_table_sizes.push(s),
            }
        }
    }
}

/// A machine to boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// A name for reports.
    pub name: String,
    /// The BIOS memory map.
    pub e820: Vec<E820Entry>,
    /// Raw SRAT bytes, if the machine has one.
    pub srat: Option<Vec<u8>>,
    /// The kernel image.
    pub kernel: KernelImage,
    /// The initrd `[start, end)` where the bootloader put it.
    pub initrd: Option<(u64, u64)>,
    /// The kernel command line.
    pub cmdline: String,
    /// CPU features.
    pub cpu: CpuFeatures,
    /// Build sizes and options.
    pub build: BuildConfig,
    /// What the platform's other tables say (read by the 6.1 profile only).
    pub platform: Platform,
}

fn e(addr: u64, end: u64, kind: E820Type) -> E820Entry {
    E820Entry { addr, size: end - addr, kind }
}

impl Machine {
    /// The built-in machine: two sockets of 16 GiB, node 1 hotpluggable, a PCI hole below
    /// 4 GiB, a distribution-sized kernel at 16 MiB, an initrd near the top of low memory, and
    /// `movable_node crashkernel=256M`.
    pub fn default_machine() -> Machine {
        use E820Type::*;
        let nodes = vec![
            NodeSpec {
                pxm: 0,
                cpus: vec![0, 1, 2, 3],
                memory: vec![
                    NodeMemory { start: 0, end: 0xa0000, hotpluggable: false },
                    NodeMemory { start: MIB, end: 3 * GIB, hotpluggable: false },
                    NodeMemory { start: 4 * GIB, end: 17 * GIB, hotpluggable: false },
                ],
            },
            NodeSpec {
                pxm: 1,
                cpus: vec![4, 5, 6, 7],
                memory: vec![NodeMemory { start: 17 * GIB, end: 33 * GIB, hotpluggable: true }],
            },
        ];
        Machine {
            name: "default: two sockets, node 1 hotpluggable".into(),
            e820: vec![
                e(0, 0x9fc00, Ram),
                e(0x9fc00, 0xa0000, Reserved),
                e(0xf0000, 0x10_0000, Reserved),
                e(MIB, 0xbffd_f000, Ram),
                e(0xbffd_f000, 0xc000_0000, Reserved),
                e(0xfeff_c000, 0xff00_0000, Reserved),
                e(0xfffc_0000, 4 * GIB, Reserved),
                e(4 * GIB, 33 * GIB, Ram),
            ],
            srat: Some(build_srat(&nodes)),
            kernel: KernelImage { text: 0x100_0000, bss_stop: 0x440_0000, end: 0x443_0000 },
            initrd: Some((0xbe00_0000, 0xbfd9_a000)),
            cmdline: "ro quiet movable_node crashkernel=256M".into(),
            cpu: CpuFeatures::default(),
            build: BuildConfig::default(),
            platform: Platform::default(),
        }
    }
}
