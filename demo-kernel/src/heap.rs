//! The kernel heap: a bump allocator over a `.bss` array. The series' upper layers keep their
//! bookkeeping (events, the simulated page-table copies, NUMA state) in `alloc` collections;
//! memblock's region arrays do not live here (see `arrays`).

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};

const HEAP_BYTES: usize = 8 << 20;

#[repr(C, align(4096))]
struct Arena(UnsafeCell<[u8; HEAP_BYTES]>);

// SAFETY: the arena is handed out in disjoint pieces by `Bump`, never shared otherwise.
unsafe impl Sync for Arena {}

static ARENA: Arena = Arena(UnsafeCell::new([0; HEAP_BYTES]));

/// Hands out the arena front to back; frees nothing (an early-boot kernel lives briefly).
struct Bump {
    next: AtomicUsize,
}

// SAFETY: `alloc` returns null or a block of `layout.size()` bytes aligned to `layout.align()`
// inside the arena, never handed out twice (the bump only moves forward); `dealloc` frees nothing.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = ARENA.0.get() as usize;
        let mut out = core::ptr::null_mut();
        let _ = self.next.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
            let start = (base + used).checked_next_multiple_of(layout.align())?;
            let end = start.checked_add(layout.size())?;
            (end <= base + HEAP_BYTES).then(|| {
                out = start as *mut u8;
                end - base
            })
        });
        out
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static HEAP: Bump = Bump { next: AtomicUsize::new(0) };

/// Bytes of the heap in use.
pub fn used() -> usize {
    HEAP.next.load(Ordering::Relaxed)
}
