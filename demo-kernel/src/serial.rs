//! The console: COM1, which QEMU's `-serial stdio` carries to the host.

use core::fmt;
use x86_64::instructions::port::{Port, PortReadOnly};

const COM1: u16 = 0x3f8;
/// Line status register: transmit holding register empty.
const LSR_THRE: u8 = 0x20;

/// COM1 as a `fmt::Write`.
pub struct Console;

impl Console {
    fn put(&mut self, b: u8) {
        // SAFETY: the UART's data and line-status ports; this kernel runs one CPU with
        // interrupts off, so nothing else drives them.
        unsafe {
            while PortReadOnly::<u8>::new(COM1 + 5).read() & LSR_THRE == 0 {}
            Port::<u8>::new(COM1).write(b);
        }
    }
}

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            if b == b'\n' {
                self.put(b'\r');
            }
            self.put(b);
        }
        Ok(())
    }
}

/// Prints a line on the console.
#[macro_export]
macro_rules! kprintln {
    () => { $crate::kprintln!("") };
    ($($arg:tt)*) => {{
        let _ = core::fmt::Write::write_fmt(&mut $crate::serial::Console, format_args!($($arg)*));
        let _ = core::fmt::Write::write_str(&mut $crate::serial::Console, "\n");
    }};
}
