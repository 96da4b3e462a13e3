//! Buffers taken right after the direct mapping: the CMA area and a larger log buffer.

use movable_node::memblock_bottomup::PAGE_SIZE;

use super::{BootState, Flow};

/// `dma_contiguous_reserve(0)`: a `cma=` area on any node below the current limit, 4 MiB
/// aligned.
pub fn dma_contiguous_reserve(st: &mut BootState) -> Flow {
    if let Some(size) = st.boot.params.cma.filter(|&s| s > 0) {
        let at = st.boot.memblock.with_caller("dma_contiguous_reserve", |mb| mb.alloc_base_nopanic(size, 4 << 20, 0));
        st.step("dma_contiguous_reserve", at.map_or("no room".into(), |a| format!("[{a:#x}-{:#x}]", a + size - 1)));
    }
    Flow::Continue
}

/// `setup_log_buf(1)`: only a `log_buf_len=` above the built-in buffer allocates; the kernel
/// panics if it cannot.
pub fn setup_log_buf(st: &mut BootState) -> Flow {
    let Some(len) = st.boot.params.log_buf_len.filter(|&l| l > st.boot.machine.build.log_buf_len) else {
        return Flow::Continue;
    };
    match st.boot.memblock.with_caller("setup_log_buf", |mb| mb.alloc(len, PAGE_SIZE)) {
        Ok(a) => {
            st.step("setup_log_buf", format!("[{a:#x}-{:#x}]", a + len - 1));
            Flow::Continue
        }
        Err(e) => {
            st.log.memblock(&st.boot.memblock);
            st.panic(e.to_string())
        }
    }
}
