//! From the e820 map to memblock: the end of RAM, the brk page-table buffer, and the memory
//! regions.

use movable_node::memblock_bottomup::page_align;
use movable_node::{INIT_PGT_BUF_SIZE, ISA_END_ADDRESS};

use super::{BootState, Flow};

/// `e820_end_of_ram_pfn()` and, above 4 GiB, `e820_end_of_low_ram_pfn()`.
pub fn end_of_ram_pfn(st: &mut BootState) -> Flow {
    let (max_pfn, line) = st.boot.e820.end_of_ram_pfn();
    st.log.k(line.to_string());
    st.max_pfn = max_pfn;
    st.max_low_pfn = if max_pfn > 1 << 20 {
        let (low, line) = st.boot.e820.end_of_low_ram_pfn();
        st.log.k(line.to_string());
        low
    } else {
        max_pfn
    };
    Flow::Continue
}

/// `early_alloc_pgt_buf()` and `reserve_brk()`: the used brk and the page-table buffer after
/// it, then `memblock_set_current_limit(ISA_END_ADDRESS)`.
pub fn reserve_brk(st: &mut BootState) -> Flow {
    let brk_start = page_align(st.boot.machine.kernel.bss_stop);
    st.pgt_buf_base = page_align(brk_start + st.boot.machine.build.brk_used);
    let brk_end = st.pgt_buf_base + INIT_PGT_BUF_SIZE;
    let _ = st.boot.memblock.reserve_as(brk_start, brk_end - brk_start, "reserve_brk");
    let note = format!("[{brk_start:#x}-{:#x}], page-table buffer at {:#x}", brk_end - 1, st.pgt_buf_base);
    st.step("reserve_brk", note);
    st.boot.memblock.set_current_limit(ISA_END_ADDRESS);
    st.log.memblock(&st.boot.memblock);
    Flow::Continue
}

/// `memblock_x86_fill()`: every RAM entry of e820 as a memory region; with `memblock=debug`,
/// the first `memblock_dump_all()`.
pub fn memblock_x86_fill(st: &mut BootState) -> Flow {
    let _ = st.boot.e820.fill_memblock(&mut st.boot.memblock);
    let mb = &st.boot.memblock;
    let note = format!("{} memory regions, {:#x} bytes", mb.memory().cnt(), mb.phys_mem_size());
    st.step("memblock_x86_fill", note);
    st.log.memblock(&st.boot.memblock);
    if st.boot.params.memblock_debug {
        for line in st.boot.memblock.dump_all().to_string().lines() {
            st.log.k(line);
        }
    }
    st.log.memblock(&st.boot.memblock);
    Flow::Continue
}
