//! The real-mode trampoline and the low memory the kernel never hands out.

use movable_node::ISA_END_ADDRESS;
use movable_node::memblock_bottomup::{PAGE_SIZE, page_align};

use super::{BootState, Flow};

/// `reserve_real_mode()`: the trampoline below 1 MiB (the kernel panics without it), then
/// `trim_low_memory_range()`.
pub fn reserve_real_mode(st: &mut BootState) -> Flow {
    let size = page_align(st.boot.machine.build.realmode_size);
    let mb = &mut st.boot.memblock;
    match mb.with_caller("reserve_real_mode", |mb| mb.find_in_range(0, ISA_END_ADDRESS, size, PAGE_SIZE)) {
        Some(at) => {
            let _ = mb.reserve_as(at, size, "reserve_real_mode");
            st.step("reserve_real_mode", format!("[{at:#x}-{:#x}]", at + size - 1));
        }
        None => return st.panic("Cannot allocate trampoline".into()),
    }
    let low = st.boot.machine.build.reserve_low;
    let _ = st.boot.memblock.reserve_as(0, low, "trim_low_memory_range");
    st.step("trim_low_memory_range", format!("{low:#x} bytes at 0"));
    st.log.memblock(&st.boot.memblock);
    Flow::Continue
}
