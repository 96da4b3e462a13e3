//! The initial ramdisk, moved when the boot loader left it outside the direct mapping.

use movable_node::memblock_bottomup::{PAGE_SIZE, page_align};

use super::{BootState, Flow};

/// `reserve_initrd()`: in place when mapped, otherwise a copy below `max_pfn_mapped` and the
/// old range freed; the kernel panics when there is no room for the copy.
pub fn reserve_initrd(st: &mut BootState) -> Flow {
    if let Some((s, e)) = st.boot.machine.initrd {
        let end = page_align(e);
        st.log.k(format!("RAMDISK: [mem {s:#010x}-{:#010x}]", end - 1));
        let (mapped, limit) = match &st.boot.direct_map {
            Some(dm) => (dm.pfn_range_is_mapped(s >> 12, end >> 12), dm.max_pfn_mapped() << 12),
            None => (false, 0),
        };
        if mapped {
            st.step("reserve_initrd", "in place".into());
        } else {
            let size = page_align(e - s);
            let mb = &mut st.boot.memblock;
            match mb.with_caller("relocate_initrd", |mb| mb.find_in_range(0, limit, size, PAGE_SIZE)) {
                Some(here) => {
                    let _ = mb.reserve_as(here, size, "relocate_initrd");
                    st.log.k(format!("Allocated new RAMDISK: [mem {here:#010x}-{:#010x}]", here + (e - s) - 1));
                    let _ = st.boot.memblock.free_as(s, end - s, "reserve_initrd");
                    st.step("reserve_initrd", format!("relocated to [{here:#x}-{:#x}]", here + size - 1));
                }
                None => return st.panic(format!("Cannot find place for new RAMDISK of size {}", e - s)),
            }
        }
    }
    st.log.memblock(&st.boot.memblock);
    Flow::Continue
}
