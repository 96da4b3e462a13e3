//! Linux 3.13.11 as released: the `int ret` truncation of the bottom-up search (spec §A.12)
//! reaches the direct mapping once the kernel image lies above 2 GiB. Two machines, worked by
//! hand from the kernel's rules (§B.8, §B.9, §B.10): the BRK buffer's six pages go to the first
//! mapping and the first tables above the kernel; every later table comes from memblock,
//! bottom-up from `kernel_end`.

use x86_mm_bottomup::SeriesWalk;
use x86_mm_mapping::harness::{Kernel, Machine, run_kernel};

/// One machine: RAM [1 MiB, `ram_end`), the kernel image [text, bss_stop), BRK right after it
/// ending at `_end`, 2 MiB pages without 1 GiB ones.
fn machine(text: u64, bss_stop: u64, ram_end: u64) -> Machine {
    let end = bss_stop + 0x6000;
    Machine::parse(&format!(
        "name truncated\ncpu pse=1 pge=1 gbpages=0\nkernel {text:#x} {bss_stop:#x} {end:#x}\nbrk_used 0\n\
         e820 0x0 0x1000 reserved\ne820 0x1000 0x9f000 ram\ne820 0x9f000 0x100000 reserved\n\
         e820 0x100000 {ram_end:#x} ram\nreserve 0x9f000 0x100000\nrealmode 0x6000\n"
    ))
    .unwrap()
}

fn lines_starting<'a>(out: &'a str, prefix: &str) -> Vec<&'a str> {
    out.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn the_names_are_the_profiles() {
    assert_eq!(Kernel::from_name("3.13.11"), Some(Kernel::V3_13_11));
    assert_eq!(Kernel::from_name("3.13"), Some(Kernel::V3_13));
    assert_eq!(Kernel::from_name("3.14"), None);
}

#[test]
fn a_truncated_address_that_is_not_ram_faults_in_clear_page() {
    // Kernel at 2 GiB, _end = 0x81006000, RAM to 8 GiB. Above the kernel: PMD pages for the
    // PUD slots 2 and 3 come from BRK (pages 4 and 5; the first MiB took 3), slot 4 takes the
    // last one, slot 5 asks memblock: bottom-up from _end finds 0x81006000, which the int
    // truncates and sign-extends to 0xffffffff81006000. That is not RAM: clear_page faults.
    let m = machine(0x8000_0000, 0x8100_0000, 0x2_0000_0000);
    let run = run_kernel(&m, true, &mut SeriesWalk, Kernel::V3_13_11);
    let out = &run.output;
    assert!(out.contains("\nFAULT: clear_page pa=0xffffffff81006000\nEND: fault\n"), "{out}");
    assert_eq!(lines_starting(out, "PGT:").len(), 6, "{out}");
    assert!(out.contains("RESULT: pgt_pages total=6 brk=6 memblock=0\n"), "{out}");
    // The fixed kernel takes the page at _end and finishes.
    let fixed = run_kernel(&m, true, &mut SeriesWalk, Kernel::V3_13).output;
    assert!(fixed.contains("PGT: 0x0081006000 memblock\n"), "{fixed}");
    assert!(fixed.contains("END: ok\n"), "{fixed}");
}

#[test]
fn a_truncated_address_that_is_ram_serves_several_tables() {
    // Kernel at 4 GiB + 16 MiB, _end = 0x102006000, RAM to 16 GiB. BRK: the first MiB (3), the
    // PMD pages of slots 4, 5 and 6. Slots 7..15 above the kernel and then slots 1, 2, 3 below
    // it ask memblock: bottom-up from _end finds 0x102006000 every time (the block taken is
    // the truncated 0x2006000, so the found one stays free), and the int keeps 0x2006000,
    // which is RAM. That page is handed out twelve times and twelve PUD entries point at it.
    let m = machine(0x1_0100_0000, 0x1_0200_0000, 0x4_0000_0000);
    let run = run_kernel(&m, true, &mut SeriesWalk, Kernel::V3_13_11);
    let out = &run.output;
    assert!(out.contains("END: ok\n"), "{out}");
    let memblock_pgts = lines_starting(out, "PGT:").into_iter().filter(|l| l.ends_with("memblock")).collect::<Vec<_>>();
    assert_eq!(memblock_pgts, ["PGT: 0x0002006000 memblock"; 12]);
    assert!(out.contains("RESULT: pgt_pages total=18 brk=6 memblock=12\n"), "{out}");
    // One PUD page, PMD pages referenced 4 (BRK) + 12 (the shared page) times, the PTE page of
    // the first MiB; every page taken is referenced once per taking.
    assert!(out.contains("RESULT: tables pud=1 pmd=16 pte=1 unreferenced=0 foreign=0\n"), "{out}");
    assert!(out.contains("PGTLEVELS:UMTMMMMMMMMMMMMMMM\n"), "{out}");
    // The fixed kernel takes twelve pages one after the other from _end.
    let fixed = run_kernel(&m, true, &mut SeriesWalk, Kernel::V3_13).output;
    let expected: Vec<String> =
        (0..12).map(|k| format!("PGT: {:#012x} memblock", 0x1_0200_6000u64 + k * 0x1000)).collect();
    let got: Vec<&str> = lines_starting(&fixed, "PGT:").into_iter().filter(|l| l.ends_with("memblock")).collect();
    assert_eq!(got, expected);
    assert!(fixed.contains("RESULT: tables pud=1 pmd=16 pte=1 unreferenced=0 foreign=0\n"), "{fixed}");
}

#[test]
fn a_page_taken_twice_and_referenced_once_is_unreferenced_for_its_second_taking() {
    use x86_mm_mapping::{TableLevel, TableWalk};
    let walk =
        TableWalk { references: vec![(0x1000, TableLevel::Pmd), (0x3000, TableLevel::Pte)], ..TableWalk::default() };
    assert_eq!(
        walk.match_taken([0x1000, 0x1000, 0x2000, 0x3000]),
        [Some(TableLevel::Pmd), None, None, Some(TableLevel::Pte)]
    );
    assert_eq!(walk.referenced(TableLevel::Pmd), 1);
}
