//! What is reserved before `setup_arch()` looks at memory, and the early parameters.

use movable_node::ISA_END_ADDRESS;
use movable_node::memblock_bottomup::BottomUp;
use movable_node::memblock_bottomup::page_align;
use movable_node::param::cmdline_parse_movable_node;

use super::{BootState, Flow};

/// `x86_64_start_reservations()` and `early_reserve_initrd()`: the kernel image, the EBDA
/// (`reserve_ebda_region()`) and the initrd where the boot loader put it.
pub fn start_reservations(st: &mut BootState) -> Flow {
    let k = st.boot.machine.kernel;
    let ebda = st.boot.machine.build.ebda_start.min(ISA_END_ADDRESS);
    let mb = &mut st.boot.memblock;
    let _ = mb.reserve_as(k.text, k.bss_stop - k.text, "kernel image");
    let _ = mb.reserve_as(ebda, ISA_END_ADDRESS - ebda, "reserve_ebda_region");
    st.step(
        "memblock_reserve",
        format!("kernel image [{:#x}-{:#x}], EBDA [{ebda:#x}-0xfffff]", k.text, k.bss_stop - 1),
    );
    if let Some((s, e)) = st.boot.machine.initrd {
        let _ = st.boot.memblock.reserve_as(s, page_align(e) - s, "early_reserve_initrd");
        st.step("early_reserve_initrd", format!("[{s:#x}-{:#x}]", page_align(e) - 1));
    }
    Flow::Continue
}

/// `parse_early_param()`: `movable_node` (patch 6). `memblock=debug` takes effect here: what
/// was reserved before it is silent in the kernel's log (the report still has it).
pub fn parse_early_param(st: &mut BootState) -> Flow {
    let b = &mut st.boot;
    b.movable_node = cmdline_parse_movable_node(
        &mut b.memblock,
        b.machine.cmdline.as_bytes(),
        b.profile,
        b.machine.build.config_movable_node,
    );
    if let Some(w) = b.movable_node.warning() {
        st.log.warn(w);
    }
    let note = format!("movable_node: {:?}, bottom-up: {}", st.boot.movable_node, st.boot.memblock.bottom_up());
    st.step("parse_early_param", note);
    st.log.skip_memblock(&st.boot.memblock);
    Flow::Continue
}
