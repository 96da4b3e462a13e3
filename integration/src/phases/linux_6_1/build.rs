//! The Debian 6.1 amd64 build profile (spec §H.9.1): every size of an early request that
//! depends on how the kernel was configured and compiled, each with where it was read.

use movable_node::x86_mm_bottomup::BuildProfile;

/// The percpu first chunk's geometry (`struct pcpu_alloc_info`): what
/// `percpu: Embedded N pages/cpu s%zu r%zu d%zu u%zu` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PercpuGeometry {
    /// `static_size`: the kernel's `.data..percpu` section.
    pub static_size: u64,
    /// `reserved_size`: `PERCPU_MODULE_RESERVE`.
    pub reserved_size: u64,
    /// `dyn_size`: `PERCPU_DYNAMIC_RESERVE`, grown so that s + r + d is whole pages.
    pub dyn_size: u64,
    /// `unit_size`: each CPU's unit.
    pub unit_size: u64,
    /// `atom_size`: the allocation granule (`PMD_SIZE` on x86-64 with large pages).
    pub atom_size: u64,
}

/// `swiotlb_init_remap()`'s sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Swiotlb {
    /// `IO_TLB_DEFAULT_SIZE`: the bounce buffer.
    pub buffer_bytes: u64,
    /// `IO_TLB_SHIFT`: one slot is `1 << shift` bytes.
    pub slot_shift: u32,
    /// `sizeof(struct io_tlb_slot)`.
    pub slot_struct_bytes: u64,
    /// `sizeof(struct io_tlb_area)`.
    pub area_struct_bytes: u64,
}

/// Where the kernel image is, physically (`nokaslr`: the link addresses minus
/// `__START_KERNEL_map`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelSymbols {
    /// `_text`.
    pub text: u64,
    /// `__end_of_kernel_reserve`: the end of `early_reserve_memory()`'s image reservation.
    pub end_of_kernel_reserve: u64,
    /// `__brk_base`.
    pub brk_base: u64,
    /// `_end`.
    pub end: u64,
}

/// A Linux 6.1 x86-64 build, as far as its early memblock requests are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Build6_1 {
    /// What decides the direct mapping (`CONFIG_X86_5LEVEL`, `CONFIG_RANDOMIZE_MEMORY`),
    /// shared with `x86-mm-bottomup`'s `Linux6_1Walk`.
    pub mapping: BuildProfile,
    /// The kernel image: read from the fixtures' `kernel_symbols.txt` (all 11 identical).
    pub kernel: KernelSymbols,
    /// `reserve_real_mode()`'s trampoline request (bytes, page-aligned): every shared log.
    pub trampoline_bytes: u64,
    /// The used brk `reserve_brk()` reserves: the first dump of every shared log.
    pub used_brk_bytes: u64,
    /// `roundup(sizeof(pg_data_t), PAGE_SIZE)`: the `NODE_DATA(n) allocated` spans.
    pub pg_data_bytes: u64,
    /// `NODE_MIN_SIZE`: a node smaller than this gets no `NODE_DATA` (arch/x86/mm/numa.c).
    pub node_min_size: u64,
    /// `SECTION_SIZE_BITS`: 27, a section is 128 MiB (arch/x86/include/asm/sparsemem.h).
    pub section_size_bits: u32,
    /// `MAX_PHYSMEM_BITS` with 4-level paging: sections past 2^46 bytes are not present
    /// (`mminit_validate_memmodel_limits()`).
    pub max_physmem_bits: u32,
    /// `MAX_NUMNODES`: `1 << NODES_SHIFT`, 1024 with Debian's `CONFIG_MAXSMP`
    /// (`setup_percpu: NR_CPUS:8192`); the most node ids a boot can have.
    pub max_numnodes: u32,
    /// `NR_CPUS`: 8192 (`setup_percpu: NR_CPUS:8192`); the most CPU ids a boot can have.
    pub nr_cpus: u32,
    /// `NR_SECTION_ROOTS × sizeof(void *)`: the `mem_section` root array, 0x8000 bytes in every
    /// log (`sparse_init+…`); 2^(46 − 27) sections / 128 per root × 8 bytes.
    pub section_roots_bytes: u64,
    /// `SECTIONS_PER_ROOT`: 128 sections of 32 bytes in one 4 KiB root (pc2g-2n-16g asks for
    /// a second root at 16 GiB).
    pub sections_per_root: u64,
    /// One root: `SECTIONS_PER_ROOT × sizeof(struct mem_section)` (`sparse_index_alloc+…`).
    pub section_root_bytes: u64,
    /// `mem_section_usage_size()`: the usemap per section, 0x38 (0x380 for 16 sections in
    /// pc-2n, 0x1880 for 112 in pc2g-2n-16g).
    pub usemap_bytes_per_section: u64,
    /// `sizeof(struct page)`: 64, so a section's memmap is 2 MiB.
    pub struct_page_bytes: u64,
    /// `VMEMMAP_START` with `nokaslr` (4-level paging): which vmemmap table pages are new.
    pub vmemmap_base: u64,
    /// `sizeof(struct resource)`: 0x40 (`e820__reserve_resources+…` asks 0x40 per entry).
    pub resource_bytes: u64,
    /// `HPET_RESOURCE_NAME_SIZE`: 9 ("HPET %u" in a struct resource's tail; request 0x49).
    pub hpet_name_bytes: u64,
    /// `IOAPIC_RESOURCE_NAME_SIZE`: 11 (request 0x4b per IO-APIC).
    pub ioapic_name_bytes: u64,
    /// `sizeof(struct firmware_map_entry)`: 0x68 in every log.
    pub firmware_map_entry_bytes: u64,
    /// `sizeof(struct nosave_region)`: 0x20 in every log.
    pub nosave_region_bytes: u64,
    /// The first chunk's geometry when the log has no `percpu: Embedded` line: the line of
    /// every shared boot (`s217088 r8192 d28672 u2097152`), atom `PMD_SIZE`.
    pub percpu: PercpuGeometry,
    /// `sizeof(struct pcpu_alloc_info)` without its groups: 64 (six `size_t`, `__ai_size`,
    /// `nr_groups`; include/linux/percpu.h). With the groups and the CPU map it is rounded up
    /// to a page: one page in every log.
    pub pcpu_alloc_info_bytes: u64,
    /// `sizeof(struct pcpu_group_info)`: 24 (`nr_units`, `base_offset`, `cpu_map`).
    pub pcpu_group_info_bytes: u64,
    /// `struct pcpu_chunk` without its `populated[]` bitmap: 0x88 (the 0x90 requests).
    pub pcpu_chunk_bytes: u64,
    /// `sizeof(struct pcpu_block_md)`: 32 (the 0x40 and 0xe0 requests).
    pub pcpu_block_md_bytes: u64,
    /// `PCPU_MIN_ALLOC_SIZE`: one allocation-map bit per 4 bytes (mm/percpu-internal.h).
    pub pcpu_min_alloc_size: u64,
    /// `PCPU_BITMAP_BLOCK_SIZE`: one `pcpu_block_md` per page.
    pub pcpu_bitmap_block_size: u64,
    /// `spp_getpage()` calls for the CPU-entry-area tables: 3 in every log (2 and 4 CPUs;
    /// more CPUs not seen, spec §H.9.3).
    pub spp_getpage_pages: u64,
    /// The largest CPU count [`Build6_1::spp_getpage_pages`] was seen for.
    pub spp_getpage_checked_cpus: u32,
    /// `swiotlb_init_remap()`'s sizes.
    pub swiotlb: Swiotlb,
}

impl super::PlainFacts {
    /// The percpu geometry the boot printed (`percpu: Embedded`), with the build's atom size;
    /// the build's own geometry when the line is missing.
    pub fn percpu_geometry(&self, build: &PercpuGeometry) -> PercpuGeometry {
        match self.percpu {
            Some((static_size, reserved_size, dyn_size, unit_size)) => {
                PercpuGeometry { static_size, reserved_size, dyn_size, unit_size, atom_size: build.atom_size }
            }
            None => *build,
        }
    }
}

impl Build6_1 {
    /// Debian's `6.1.0-56-amd64` (6.1.192) on QEMU's `qemu64` CPU with `nokaslr`: the values of
    /// spec §H.9.1.
    pub const DEBIAN_6_1_AMD64: Build6_1 = Build6_1 {
        mapping: BuildProfile::DEBIAN_6_1,
        kernel: KernelSymbols {
            text: 0x100_0000,
            end_of_kernel_reserve: 0x440_0000,
            brk_base: 0x440_0000,
            end: 0x443_0000,
        },
        trampoline_bytes: 0x7000,
        used_brk_bytes: 0x1_1000,
        pg_data_bytes: 0x2_b000,
        node_min_size: 4 << 20,
        section_size_bits: 27,
        max_physmem_bits: 46,
        max_numnodes: 1024,
        nr_cpus: 8192,
        section_roots_bytes: 0x8000,
        sections_per_root: 128,
        section_root_bytes: 0x1000,
        usemap_bytes_per_section: 0x38,
        struct_page_bytes: 64,
        vmemmap_base: 0xffff_ea00_0000_0000,
        resource_bytes: 0x40,
        hpet_name_bytes: 9,
        ioapic_name_bytes: 11,
        firmware_map_entry_bytes: 0x68,
        nosave_region_bytes: 0x20,
        percpu: PercpuGeometry {
            static_size: 217_088,
            reserved_size: 8192,
            dyn_size: 28_672,
            unit_size: 2 << 20,
            atom_size: 2 << 20,
        },
        pcpu_alloc_info_bytes: 64,
        pcpu_group_info_bytes: 24,
        pcpu_chunk_bytes: 0x88,
        pcpu_block_md_bytes: 32,
        pcpu_min_alloc_size: 4,
        pcpu_bitmap_block_size: 4096,
        spp_getpage_pages: 3,
        spp_getpage_checked_cpus: 4,
        swiotlb: Swiotlb { buffer_bytes: 64 << 20, slot_shift: 11, slot_struct_bytes: 24, area_struct_bytes: 16 },
    };

    /// `PAGES_PER_SECTION`.
    pub const fn pages_per_section(&self) -> u64 {
        1 << (self.section_size_bits - 12)
    }

    /// `section_map_size()`: one section's `struct page` array, `PMD_SIZE`-aligned.
    pub const fn section_map_bytes(&self) -> u64 {
        self.pages_per_section() * self.struct_page_bytes
    }
}
