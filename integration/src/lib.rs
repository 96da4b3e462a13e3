//! # integration — the early boot path of `setup_arch()` over every layer of the series
//!
//! Given a machine (its e820 map, its SRAT, where the kernel and the initrd sit, its command
//! line), [`boot::setup_arch`] replays the x86-64 early boot with the layers of the
//! `movable_node` series: the memblock users in the kernel's order, the direct mapping, the
//! crash kernel where the profile puts it, SRAT and NUMA init, the struct page arrays, the
//! zones, and for each node and each memory block what pins it. The `bootsim` command reports
//! it; the same machine under 3.12, 3.13 and 3.14 side by side is the whole argument of the
//! series.

#![deny(missing_docs)]

pub mod acpi_tables;
pub mod blocks;
pub mod boot;
pub mod input;
pub mod machine;
pub mod out;
pub mod params;
pub mod phases;
pub mod predict;
pub mod profile_choice;
pub mod replay;
pub mod srat_builder;
pub mod view;

pub use view::{html, json, report, svg};

pub use movable_node;
