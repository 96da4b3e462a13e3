//! What the kernel prints while it reads the SRAT: ACPICA's and the table walker's messages
//! ([`TableMessage`]), the NUMA parse's lines ([`Message`]), and the kernel version whose wording
//! they are rendered in ([`MessageStyle`]).

use alloc::format;
use alloc::string::String;
use core::fmt;

/// Which kernel's wording the messages are rendered in. The parsing rules are always 3.12/3.13's;
/// only the text changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MessageStyle {
    /// Linux 3.12 (ACPICA 20130725): no `ACPI: ` prefix on the SRAT lines of `arch/x86/mm/srat.c`.
    #[default]
    Linux3_12,
    /// Linux 3.13 (ACPICA 20131115): as 3.12; only the ACPICA message suffix differs.
    Linux3_13,
    /// Linux 6.1: the memory-affinity lines and `bad_srat()` moved to `drivers/acpi/numa.c`, whose
    /// `pr_fmt` adds `ACPI: `; the memory line gains a ` non-volatile` suffix; the walker's limit
    /// message reads `found the maximum %i entries`. Processor lines keep their 3.12 text.
    Linux6_1,
}

/// A message printed by ACPICA or by `acpi_table_parse_entries()` while the SRAT is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableMessage {
    /// `acpi_tb_verify_checksum()` (`drivers/acpi/acpica/tbprint.c`): `ACPI_BIOS_WARNING`
    /// `Incorrect checksum in table [SRAT] - 0x%2.2X, should be 0x%2.2X`; the table is used anyway.
    IncorrectChecksum {
        /// The header's checksum byte.
        stored: u8,
        /// The value that would make the table sum to zero.
        expected: u8,
    },
    /// `acpi_table_parse_entries()`: `ACPI: [SRAT:0x%02x] Invalid zero length` (the pass's type).
    InvalidZeroLength {
        /// The type this pass was looking for.
        entry_id: u8,
    },
    /// `acpi_table_parse_entries()`: `ACPI: [SRAT:0x%02x] ignored %i entries of %i found`.
    IgnoredEntries {
        /// The type this pass was looking for.
        entry_id: u8,
        /// Matching entries beyond the limit.
        ignored: u32,
        /// Matching entries in the table.
        found: u32,
    },
}

impl TableMessage {
    /// The printk level the kernel uses.
    pub fn level(&self) -> log::Level {
        match self {
            TableMessage::IncorrectChecksum { .. } | TableMessage::IgnoredEntries { .. } => log::Level::Warn,
            TableMessage::InvalidZeroLength { .. } => log::Level::Error,
        }
    }

    /// The line as the kernel prints it (without the timestamp).
    pub fn render(&self, style: MessageStyle) -> String {
        match *self {
            TableMessage::IncorrectChecksum { stored, expected } => {
                // ACPI_MSG_SUFFIX: " (%8.8X/%s-%u)" = ACPICA version / module-line of the
                // ACPI_BIOS_WARNING call (the line of its closing parenthesis with gcc).
                let suffix = match style {
                    MessageStyle::Linux3_12 => " (20130725/tbprint-204)",
                    MessageStyle::Linux3_13 => " (20131115/tbprint-214)",
                    MessageStyle::Linux6_1 => "",
                };
                format!(
                    "ACPI BIOS Warning (bug): Incorrect checksum in table [SRAT] - 0x{stored:02X}, should be 0x{expected:02X}{suffix}"
                )
            }
            TableMessage::InvalidZeroLength { entry_id } => {
                format!("ACPI: [SRAT:0x{entry_id:02x}] Invalid zero length")
            }
            TableMessage::IgnoredEntries { entry_id, ignored, found } => match style {
                // `%i` of unsigned values: printed as C ints.
                MessageStyle::Linux3_12 | MessageStyle::Linux3_13 => format!(
                    "ACPI: [SRAT:0x{entry_id:02x}] ignored {} entries of {} found",
                    ignored as i32, found as i32
                ),
                MessageStyle::Linux6_1 => {
                    format!("ACPI: [SRAT:0x{entry_id:02x}] found the maximum {} entries", found as i32)
                }
            },
        }
    }
}

/// A line the kernel prints (`printk`/`pr_*` in `arch/x86/mm/srat.c`, `drivers/acpi/numa.c`,
/// `drivers/acpi/tables.c`, ACPICA) while it parses the SRAT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// ACPICA's checksum warning or the walker's messages.
    Table(TableMessage),
    /// `SRAT: PXM %u -> X2APIC 0x%04x ignored`.
    X2ApicIgnored {
        /// The PXM.
        pxm: u32,
        /// The x2APIC id.
        apic_id: u32,
    },
    /// `SRAT: Too many proximity domains %x` (processor handlers).
    TooManyDomains {
        /// The PXM.
        pxm: u32,
    },
    /// `SRAT: PXM %u -> APIC 0x%02x -> Node %u skipped apicid that is too big` (`0x%04x` for x2APIC).
    ApicIdTooBig {
        /// The PXM.
        pxm: u32,
        /// The APIC id.
        apic_id: u32,
        /// The node.
        node: u32,
        /// x2APIC subtable.
        x2apic: bool,
    },
    /// `SRAT: PXM %u -> APIC 0x%02x -> Node %u` (`0x%04x` for x2APIC).
    ProcessorNode {
        /// The PXM.
        pxm: u32,
        /// The APIC id.
        apic_id: u32,
        /// The node.
        node: u32,
        /// x2APIC subtable.
        x2apic: bool,
    },
    /// `SRAT: Too many proximity domains.` (memory handler).
    TooManyDomainsMemory,
    /// `SRAT: SRAT not used.` (`bad_srat()`).
    SratNotUsed,
    /// `SRAT: Node %u PXM %u [mem %#010Lx-%#010Lx]%s` (` hotplug`).
    MemoryNode {
        /// The node.
        node: u32,
        /// The PXM.
        pxm: u32,
        /// First byte.
        start: u64,
        /// `base + length` (printed as `end - 1`).
        end: u64,
        /// Hot-pluggable.
        hotpluggable: bool,
        /// Non-volatile (printed by 6.1 only).
        non_volatile: bool,
    },
}

impl Message {
    /// The printk level the kernel uses.
    pub fn level(&self) -> log::Level {
        match self {
            Message::Table(t) => t.level(),
            Message::TooManyDomains { .. } | Message::TooManyDomainsMemory | Message::SratNotUsed => log::Level::Error,
            Message::X2ApicIgnored { .. }
            | Message::ApicIdTooBig { .. }
            | Message::ProcessorNode { .. }
            | Message::MemoryNode { .. } => log::Level::Info,
        }
    }

    /// The line as the kernel prints it (without the timestamp).
    pub fn render(&self, style: MessageStyle) -> String {
        alloc::format!("{}", Rendered(self, style))
    }
}

struct Rendered<'m>(&'m Message, MessageStyle);

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let style = self.1;
        // 6.1 prints these from drivers/acpi/numa.c, whose pr_fmt is "ACPI: ".
        let acpi = if style == MessageStyle::Linux6_1 { "ACPI: " } else { "" };
        match *self.0 {
            Message::Table(t) => f.write_str(&t.render(style)),
            Message::X2ApicIgnored { pxm, apic_id } => {
                write!(f, "SRAT: PXM {pxm} -> X2APIC 0x{apic_id:04x} ignored")
            }
            Message::TooManyDomains { pxm } => {
                write!(f, "SRAT: Too many proximity domains {pxm:x}")
            }
            Message::ApicIdTooBig { pxm, apic_id, node, x2apic } => {
                if x2apic {
                    write!(f, "SRAT: PXM {pxm} -> APIC 0x{apic_id:04x} -> Node {node} skipped apicid that is too big")
                } else {
                    write!(f, "SRAT: PXM {pxm} -> APIC 0x{apic_id:02x} -> Node {node} skipped apicid that is too big")
                }
            }
            Message::ProcessorNode { pxm, apic_id, node, x2apic } => {
                if x2apic {
                    write!(f, "SRAT: PXM {pxm} -> APIC 0x{apic_id:04x} -> Node {node}")
                } else {
                    write!(f, "SRAT: PXM {pxm} -> APIC 0x{apic_id:02x} -> Node {node}")
                }
            }
            Message::TooManyDomainsMemory => write!(f, "{acpi}SRAT: Too many proximity domains."),
            Message::SratNotUsed => write!(f, "{acpi}SRAT: SRAT not used."),
            Message::MemoryNode { node, pxm, start, end, hotpluggable, non_volatile } => {
                write!(f, "{acpi}SRAT: Node {node} PXM {pxm} [mem {start:#010x}-{:#010x}]", end.wrapping_sub(1))?;
                if hotpluggable {
                    f.write_str(" hotplug")?;
                }
                if non_volatile && style == MessageStyle::Linux6_1 {
                    f.write_str(" non-volatile")?;
                }
                Ok(())
            }
        }
    }
}
