//! Which kernel's `reserve_crashkernel()` a boot runs.

/// The version of x86's `reserve_crashkernel()` to model. The kernel profile of the layer
/// above chooses it (`movable_node::KernelProfile::crashkernel_variant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Variant {
    /// 3.12/3.13 (the series): one search below 896 MiB, or below 64 TiB for `,high`, and for
    /// a crash kernel above 4 GiB a low part of swiotlb + 8 MiB found from its own size up.
    /// [`crate::reserve_crashkernel`].
    #[default]
    Series,
    /// Linux 6.1 (arch/x86/kernel/setup.c): a low try below 4 GiB, a high try below 64 TiB,
    /// a low part of at least 256 MiB, 6.1's parser and messages, and every memblock request
    /// in order. [`crate::reserve_crashkernel_6_1`].
    Linux61,
}
