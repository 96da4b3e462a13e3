//! SRAT bytes as `/sys/firmware/acpi/tables/SRAT` gives them, through the table reader and
//! `acpi_numa_init()` in both message styles.
#![no_main]

use libfuzzer_sys::fuzz_target;
use movable_node::acpi_srat::{AcceptAll, AcpiNuma, NumaConfig, SratTable};

fuzz_target!(|data: &[u8]| {
    let Ok(table) = SratTable::from_bytes(data) else { return };
    for config in [NumaConfig::linux_3_12(), NumaConfig::linux_6_1_messages()] {
        let Ok(mut numa) = AcpiNuma::new(config) else { continue };
        let _ = numa.x86_acpi_numa_init(Some(&table), &mut AcceptAll);
        let _ = numa.message_lines();
        for b in numa.memblks() {
            assert!(b.node < config.max_numnodes, "node {} out of range", b.node);
        }
    }
});
