//! The struct page arrays.

use super::{BootState, Flow};

/// `sparse_init()` (movable-node's): each node's `mem_map`, node-local from 16 MiB up, any
/// node if not.
pub fn sparse_init(st: &mut BootState) -> Flow {
    let nodes = st.boot.numa.as_ref().map(|n| n.nodes.clone()).unwrap_or_default();
    for m in movable_node::sparse::sparse_init(&mut st.boot.memblock, &nodes) {
        let note = match m.at {
            Some(a) => format!("node {} mem_map [{a:#x}-{:#x}] ({} sections)", m.nid, a + m.size - 1, m.sections),
            None => format!("node {}: no room for mem_map of {:#x} bytes", m.nid, m.size),
        };
        st.step("sparse_init", note);
    }
    st.log.memblock(&st.boot.memblock);
    Flow::Continue
}
