//! Raw SRAT bytes (`/sys/firmware/acpi/tables/SRAT`, `acpidump -b`'s `srat.dat`): checked here
//! only to be an SRAT at all. The table is parsed during the boot
//! (`movable_node::acpi_srat`), where a table that does not parse means NUMA off, as in the
//! kernel, and the report says so.

use std::path::Path;

use super::{InputError, Location, Place, name_of, read_bytes};

/// The SRAT's fixed part: the 36-byte ACPI header, `table_revision` (4) and 8 reserved bytes.
pub const SRAT_HEADER_LEN: usize = 48;

/// Checks that `bytes` (named `file` in messages) can be an SRAT: at least
/// [`SRAT_HEADER_LEN`] bytes, starting with the signature `SRAT`. Errors:
/// [`InputError::NotSrat`], at the offset of the fault.
///
/// # Errors
/// [`InputError::NotSrat`] saying why the bytes are not an SRAT the kernel would accept
/// (signature, length, checksum).
pub fn check_srat(file: &str, bytes: &[u8]) -> Result<(), InputError> {
    if let Some(sig) = bytes.get(..4)
        && sig != b"SRAT"
    {
        return Err(InputError::NotSrat {
            at: Place::new(file, Location::Offset(0)),
            why: format!(
                "its signature is {:?}, not \"SRAT\" (give /sys/firmware/acpi/tables/SRAT or acpidump -b's srat.dat)",
                String::from_utf8_lossy(sig)
            ),
        });
    }
    if bytes.len() < SRAT_HEADER_LEN {
        return Err(InputError::NotSrat {
            at: Place::new(file, Location::Offset(bytes.len() as u64)),
            why: format!("it ends after {} bytes, inside the {SRAT_HEADER_LEN}-byte SRAT header", bytes.len()),
        });
    }
    Ok(())
}

/// Reads an SRAT file and checks it with [`check_srat`].
///
/// # Errors
/// As [`read_bytes`] and [`check_srat`].
pub fn read_srat(path: &Path) -> Result<Vec<u8>, InputError> {
    let bytes = read_bytes(path)?;
    check_srat(&name_of(path), &bytes)?;
    Ok(bytes)
}
