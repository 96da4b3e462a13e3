//! A small x86-64 kernel that builds its early memory with the `movable_node` series crates:
//! QEMU boots it through PVH (`-kernel`), it reads the firmware's memory map and SRAT, runs
//! Linux 3.13's `setup_arch()` placements with memblock's arrays, the page tables and the
//! crash kernel in real RAM, checks them, and tells QEMU whether every check passed.

#![no_std]
#![no_main]

extern crate alloc;

mod acpi;
mod arrays;
mod boot;
mod fault;
mod heap;
mod mapping;
mod serial;
mod setup;
mod start_info;

use x86_64::instructions::port::Port;

/// isa-debug-exit values: QEMU exits with `(value << 1) | 1`, so 33 is a pass, 35 a failure.
const EXIT_PASS: u32 = 0x10;
const EXIT_FAIL: u32 = 0x11;

/// Called by the boot code in long mode with the physical address of `hvm_start_info`.
#[unsafe(no_mangle)]
pub extern "C" fn kmain(start_info: u64) -> ! {
    kprintln!();
    // SAFETY: the loader's %ebx; the first GiBs are identity mapped by the boot tables.
    let info = match unsafe { start_info::read(start_info) } {
        Ok(info) => info,
        Err(why) => fail(why),
    };
    fault::init();
    let failures = setup::setup_arch(&info);
    kprintln!("demo-kernel: heap used {} KiB", heap::used() >> 10);
    if failures.is_empty() {
        kprintln!("demo-kernel: PASS");
        exit(EXIT_PASS)
    }
    kprintln!("demo-kernel: FAIL: {} check(s) failed", failures.len());
    exit(EXIT_FAIL)
}

fn fail(why: &str) -> ! {
    fail_with(format_args!("{why}"))
}

/// Says why and tells QEMU the boot failed.
pub fn fail_with(why: core::fmt::Arguments<'_>) -> ! {
    kprintln!("demo-kernel: FAIL: {why}");
    exit(EXIT_FAIL)
}

fn exit(code: u32) -> ! {
    // SAFETY: QEMU's isa-debug-exit at 0xf4; without it the write does nothing and the CPU
    // halts below with interrupts off.
    unsafe { Port::<u32>::new(0xf4).write(code) };
    loop {
        x86_64::instructions::hlt();
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    kprintln!("demo-kernel: panic: {info}");
    exit(EXIT_FAIL)
}
