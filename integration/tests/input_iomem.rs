//! `/proc/iomem`: the kernel's lines, `_end` from `__bss_stop` and the BRK size, the crash
//! kernel, the RAM map fallback, zeroed addresses, and the errors.

use integration::input::{DEFAULT_BRK_SIZE, InputError, parse_iomem};
use integration::machine::KernelImage;
use integration::movable_node::{E820Entry, E820Type};

/// pc-2n's iomem.txt with a crash kernel added (as `crashkernel=256M` would show it).
const IOMEM: &str = "\
00000000-00000fff : Reserved
00001000-0009fbff : System RAM
0009fc00-0009ffff : Reserved
000a0000-000bffff : PCI Bus 0000:00
000c0000-000c05ff : Video ROM
000f0000-000fffff : Reserved
  000f0000-000fffff : System ROM
00100000-bffdffff : System RAM
  01000000-01e01d31 : Kernel code
  02000000-028eafff : Kernel rodata
  02a00000-02c4897f : Kernel data
  03310000-043fffff : Kernel bss
  af000000-beffffff : Crash kernel
bffe0000-bfffffff : Reserved
c0000000-febfffff : PCI Bus 0000:00
fec00000-fec003ff : IOAPIC 0
fed00000-fed003ff : HPET 0
  fed00000-fed003ff : PNP0103:00
fee00000-fee00fff : Local APIC
fffc0000-ffffffff : Reserved
100000000-13fffffff : System RAM
140000000-1bfffffff : PCI Bus 0000:00
fd00000000-ffffffffff : Reserved
";

#[test]
fn kernel_image_and_brk() {
    let io = parse_iomem("iomem.txt", IOMEM).unwrap();
    let s = io.kernel_sections().unwrap();
    assert_eq!(s.code, (0x1000000, 0x1e01d31));
    assert_eq!(s.rodata, Some((0x2000000, 0x28eafff)));
    assert_eq!(s.data, Some((0x2a00000, 0x2c4897f)));
    assert_eq!(s.bss, (0x3310000, 0x43fffff));
    // _end = __bss_stop + BRK; the fixtures' kernels have 0x30000 of BRK (_end 0x4430000).
    assert_eq!(
        io.kernel_image(DEFAULT_BRK_SIZE).unwrap(),
        KernelImage { text: 0x1000000, bss_stop: 0x4400000, end: 0x4430000 }
    );
    assert_eq!(io.kernel_image(0).unwrap().end, 0x4400000);
    assert_eq!(io.crash_kernel(), vec![(0xaf000000, 0xbf000000)]);
    assert_eq!(io.system_ram(), vec![(0x1000, 0x9fc00), (0x100000, 0xbffe0000), (0x1_0000_0000, 0x1_4000_0000)]);
}

#[test]
fn crlf_and_blank_lines() {
    let text = IOMEM.replace('\n', "\r\n\r\n");
    let io = parse_iomem("iomem.txt", &text).unwrap();
    assert_eq!(io.kernel_image(DEFAULT_BRK_SIZE).unwrap().text, 0x1000000);
}

#[test]
fn e820_from_the_resource_tree() {
    let io = parse_iomem("iomem.txt", IOMEM).unwrap();
    let r = |a: u64, end: u64, kind| E820Entry { addr: a, size: end - a, kind };
    use E820Type::*;
    assert_eq!(
        io.e820_entries(),
        vec![
            r(0, 0x1000, Reserved),
            r(0x1000, 0x9fc00, Ram),
            r(0x9fc00, 0xa0000, Reserved),
            r(0xf0000, 0x100000, Reserved),
            r(0x100000, 0xbffe0000, Ram),
            r(0xbffe0000, 0xc0000000, Reserved),
            r(0xfffc0000, 0x1_0000_0000, Reserved),
            r(0x1_0000_0000, 0x1_4000_0000, Ram),
            r(0xfd_0000_0000, 0x100_0000_0000, Reserved),
        ]
    );
}

#[test]
fn older_kernels_without_rodata() {
    let text = "00100000-dfffffff : System RAM\n  01000000-016a3f2f : Kernel code\n  016a3f30-01d2b1bf : Kernel data\n  01e8d000-01fe3fff : Kernel bss\n";
    let io = parse_iomem("iomem-3.13.txt", text).unwrap();
    assert_eq!(io.kernel_image(0x40000).unwrap(), KernelImage { text: 0x1000000, bss_stop: 0x1fe4000, end: 0x2024000 });
}

#[test]
fn zeroed_addresses_without_root() {
    let zeroed: String = IOMEM
        .lines()
        .map(|l| {
            let indent = l.len() - l.trim_start().len();
            let name = l.split_once(" : ").unwrap().1;
            format!("{}00000000-00000000 : {name}\n", " ".repeat(indent))
        })
        .collect();
    let io = parse_iomem("iomem.txt", &zeroed).unwrap();
    assert!(io.is_zeroed());
    let err = io.kernel_image(DEFAULT_BRK_SIZE).unwrap_err();
    assert!(matches!(err, InputError::ZeroedAddresses { .. }));
    assert_eq!(
        err.to_string(),
        "iomem.txt:1-23: every address reads 0: /proc/iomem shows addresses only to root (CAP_SYS_ADMIN); read it as root"
    );
}

#[test]
fn errors() {
    let parse = |t: &str| parse_iomem("iomem.txt", t).and_then(|io| io.kernel_image(DEFAULT_BRK_SIZE).map(|_| ()));
    let cases: &[(&str, &str)] = &[
        (
            "00100000-bffdffff : System RAM\n  01000000-01e01d31 Kernel code\n",
            "iomem.txt:2: cannot read \"01000000-01e01d31 Kernel code\": expected START-END : NAME (hex, inclusive \
             end, indented two spaces a level)",
        ),
        (
            "00100000-bffdffff : System RAM\n  01000000-01e01",
            "iomem.txt:2: the file ends in the middle of this line (was the log cut short?): \"01000000-01e01\"",
        ),
        (
            "00100000-000fffff : System RAM\n",
            "iomem.txt:1: the resource \"System RAM\" ends (0xfffff) before it starts (0x100000)",
        ),
        (
            "00100000-bffdffff : System RAM\n",
            "iomem.txt: no \"Kernel code\" line: the kernel image cannot be placed (is this /proc/iomem as root?)",
        ),
        (
            "00100000-bffdffff : System RAM\n  01000000-01e01d31 : Kernel code\n",
            "iomem.txt: no \"Kernel bss\" line: the kernel image cannot be placed (is this /proc/iomem as root?)",
        ),
        (
            "00100000-bffdffff : System RAM\n  01000000-01e01d31 : Kernel code\n  03310000-043fffff : Kernel bss\n  03310000-043fffff : Kernel bss\n",
            "iomem.txt:4: a second \"Kernel bss\" line (the first is line 3)",
        ),
        (
            "00100000-bffdffff : System RAM\n  01000000-01e01d31 : Kernel code\n  00310000-003fffff : Kernel bss\n",
            "iomem.txt:3: \"Kernel bss\" [0x310000-0x3fffff] does not lie above \"Kernel code\" [0x1000000-0x1e01d31] (line 2)",
        ),
        (
            "\n\n",
            "iomem.txt: no resources (expected START-END : NAME (hex, inclusive end, indented two spaces a level))",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(parse(text).unwrap_err().to_string(), *want, "{text:?}");
    }
}
