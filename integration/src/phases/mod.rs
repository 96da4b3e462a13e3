//! The boot, phase by phase: each phase a small function named after the kernel function it
//! models, over the model memblock.

pub mod linux_6_1;
