//! From the PVH loader to Rust: the ELF note that makes QEMU's `-kernel` use PVH, and the
//! 32-bit entry that turns on long mode and calls `kmain(start_info)`.
//!
//! The loader enters in 32-bit protected mode with paging off, interrupts off, flat
//! segments, `%ebx` = physical address of `struct hvm_start_info`, and no stack. The entry
//! builds an identity map of the first [`BOOT_IDENTITY_GIB`] GiB in 2 MiB pages (at run
//! time, in `.bss`), so that the memory map, the ACPI tables and all RAM the machines have
//! can be reached before the kernel's own direct mapping exists. That identity map stays in
//! slot 0 of the kernel's final top-level table, as Linux keeps its kernel-text mapping
//! beside the direct mapping.

use core::arch::global_asm;

/// GiB of physical memory the boot page tables map 1:1.
pub const BOOT_IDENTITY_GIB: u64 = 16;

global_asm!(
    r#"
    /* XEN_ELFNOTE_PHYS32_ENTRY (18): name "Xen", an 8-byte descriptor with the 32-bit
     * physical entry. QEMU reads a size_t descriptor from an ELF64 note. */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4
    .long 8
    .long 18
    .asciz "Xen"
    .balign 4
    .quad pvh_entry32

    .section .text.entry32, "ax"
    .code32
    .global pvh_entry32
pvh_entry32:
    movl $boot_stack_end, %esp
    movl %ebx, %ebp                      /* start_info, kept across the set-up */

    /* .bss is NOLOAD: zero it (this also zeroes the boot tables and the stack). */
    movl $__bss_start, %edi
    movl $__bss_stop, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    cld
    rep stosb

    /* The boot page directories: entry i maps 2 MiB page i (high dword = i >> 11). */
    movl $boot_pd, %edi
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax                      /* present | writable | 2 MiB */
    movl %eax, (%edi,%ecx,8)
    movl %ecx, %eax
    shrl $11, %eax
    movl %eax, 4(%edi,%ecx,8)
    incl %ecx
    cmpl ${pd_entries}, %ecx
    jb 1b

    /* The page-directory-pointer table: one directory per GiB. */
    movl $boot_pdpt, %edi
    xorl %ecx, %ecx
2:  movl %ecx, %eax
    shll $12, %eax
    addl $boot_pd + 3, %eax
    movl %eax, (%edi,%ecx,8)
    incl %ecx
    cmpl ${gib}, %ecx
    jb 2b

    movl $boot_pdpt + 3, %eax
    movl %eax, boot_pml4

    /* Long mode: CR4.PAE, EFER.LME, CR3, then CR0.PG. */
    movl %cr4, %eax
    orl $0x20, %eax
    movl %eax, %cr4
    movl $0xc0000080, %ecx
    rdmsr
    orl $0x100, %eax
    wrmsr
    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl $0x80000000, %eax
    movl %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $entry64

    .code64
entry64:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    /* Upper halves are undefined after the switch: reload, zero-extend. */
    movabsq $boot_stack_end, %rsp
    movl %ebp, %edi
    call kmain
3:  hlt
    jmp 3b

    .section .data.boot_gdt, "aw"
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff             /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff             /* 0x10: data */
boot_gdt_ptr:
    .word boot_gdt_ptr - boot_gdt - 1
    .quad boot_gdt

    .section .bss.boot, "aw", @nobits
    .balign 4096
    .global boot_pml4
boot_pml4:
    .skip 4096
boot_pdpt:
    .skip 4096
boot_pd:
    .skip {pd_bytes}
    .balign 16
boot_stack:
    .skip 65536
boot_stack_end:
"#,
    pd_entries = const BOOT_IDENTITY_GIB * 512,
    gib = const BOOT_IDENTITY_GIB,
    pd_bytes = const BOOT_IDENTITY_GIB * 4096,
    options(att_syntax)
);

unsafe extern "C" {
    /// The boot top-level table (its slot 0 is the identity map).
    static boot_pml4: [u64; 512];
}

/// Slot 0 of the boot top-level table: the identity map, to be kept in the kernel's own.
pub fn identity_slot() -> u64 {
    // SAFETY: written once by the entry code before Rust runs; read-only afterwards.
    unsafe { (&raw const boot_pml4).cast::<u64>().read() }
}
