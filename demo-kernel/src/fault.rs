//! Page faults, caught for one purpose: to check that an address the direct mapping must not
//! map really faults. [`probe_read`] reads a word at one known instruction; the page-fault
//! handler, when the fault comes from that instruction, resumes after it with "faulted" as
//! the result. Any other page fault is a bug: the kernel says where and fails.

use core::arch::global_asm;
use core::cell::UnsafeCell;
use x86_64::VirtAddr;
use x86_64::structures::idt::InterruptDescriptorTable;

global_asm!(
    r#"
    .section .text.fault, "ax"
    .code64
    /* u64 demo_probe_read(u64 va): 0 if the read worked, 1 if it faulted. */
    .global demo_probe_read
demo_probe_read:
    xorl %eax, %eax
demo_probe_insn:
    movq (%rdi), %rdx
demo_probe_resume:
    ret

    /* #PF: error code, RIP, CS, RFLAGS, RSP, SS on the stack. */
    .global demo_page_fault
demo_page_fault:
    addq $8, %rsp                       /* the error code */
    pushq %rax
    leaq demo_probe_insn(%rip), %rax
    cmpq %rax, 8(%rsp)
    jne 1f
    leaq demo_probe_resume(%rip), %rax
    movq %rax, 8(%rsp)                  /* resume after the probe */
    popq %rax
    movl $1, %eax                       /* ... which returns 1 */
    iretq
1:  movq 8(%rsp), %rdi                  /* the faulting RIP */
    movq %cr2, %rsi
    andq $-16, %rsp
    call demo_unexpected_page_fault
2:  hlt
    jmp 2b
"#,
    options(att_syntax)
);

unsafe extern "C" {
    fn demo_probe_read(va: u64) -> u64;
    fn demo_page_fault();
}

#[unsafe(no_mangle)]
extern "C" fn demo_unexpected_page_fault(rip: u64, cr2: u64) -> ! {
    crate::fail_with(format_args!("unexpected page fault at rip {rip:#x} reading or writing {cr2:#x}"))
}

struct Idt(UnsafeCell<InterruptDescriptorTable>);

// SAFETY: set up once by `init` on the only CPU, before it is loaded; never changed after.
unsafe impl Sync for Idt {}

static IDT: Idt = Idt(UnsafeCell::new(InterruptDescriptorTable::new()));

/// Loads an IDT whose only handler is the page-fault handler above.
pub fn init() {
    // SAFETY: the IDT is static and not loaded yet; `demo_page_fault` is an interrupt handler
    // for an exception with an error code, as the page-fault entry wants.
    unsafe {
        let idt = &mut *IDT.0.get();
        idt.page_fault.set_handler_addr(VirtAddr::new(demo_page_fault as *const () as u64));
        idt.load_unsafe();
    }
}

/// Whether reading a word at `va` faults.
pub fn faults(va: u64) -> bool {
    // SAFETY: the read happens at `demo_probe_insn`, whose fault the handler turns into a
    // return value; a successful read only reads.
    unsafe { demo_probe_read(va) != 0 }
}
