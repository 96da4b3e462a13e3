//! `/sys/firmware/memmap`: the directory, the fixtures' flattened listing, `grep .`'s listing,
//! and their errors.

mod input_common;

use input_common::{scratch, write};
use integration::input::{
    InputError, memmap_type, parse_e820_text, parse_memmap_txt, parse_memmap_txt_split, read_e820_path, read_memmap_dir,
};
use integration::movable_node::{E820Entry, E820Type};

fn e(addr: u64, end: u64, kind: E820Type) -> E820Entry {
    E820Entry { addr, size: end - addr, kind }
}

/// pc-2n's memmap.txt (fixtures/linux-6.1-qemu/pc-2n).
const TXT: &str = "\
0 start=0x0 end=0x9fbff type=System RAM
1 start=0x9fc00 end=0x9ffff type=Reserved
2 start=0xf0000 end=0xfffff type=Reserved
3 start=0x100000 end=0xbffdffff type=System RAM
4 start=0xbffe0000 end=0xbfffffff type=Reserved
5 start=0xfffc0000 end=0xffffffff type=Reserved
6 start=0x100000000 end=0x13fffffff type=System RAM
7 start=0xfd00000000 end=0xffffffffff type=Reserved
";

fn expected() -> Vec<E820Entry> {
    use E820Type::*;
    vec![
        e(0, 0x9fc00, Ram),
        e(0x9fc00, 0xa0000, Reserved),
        e(0xf0000, 0x100000, Reserved),
        e(0x100000, 0xbffe0000, Ram),
        e(0xbffe0000, 0xc0000000, Reserved),
        e(0xfffc0000, 0x1_0000_0000, Reserved),
        e(0x1_0000_0000, 0x1_4000_0000, Ram),
        e(0xfd_0000_0000, 0x100_0000_0000, Reserved),
    ]
}

/// The listing as a directory tree, the way sysfs lays it out (values end in a newline).
fn as_dir(txt: &str) -> std::path::PathBuf {
    let dir = scratch("memmap");
    for line in txt.lines() {
        let mut it = line.splitn(4, ' ');
        let (n, s, en, t) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
        write(&dir, &format!("{n}/start"), format!("{}\n", &s[6..]));
        write(&dir, &format!("{n}/end"), format!("{}\n", &en[4..]));
        write(&dir, &format!("{n}/type"), format!("{}\n", &t[5..]));
    }
    dir
}

#[test]
fn flattened_listing() {
    assert_eq!(parse_memmap_txt("memmap.txt", TXT).unwrap(), expected());
    assert_eq!(parse_memmap_txt("memmap.txt", &TXT.replace('\n', "\r\n")).unwrap(), expected());
    assert_eq!(parse_e820_text("memmap.txt", TXT).unwrap(), expected());
}

#[test]
fn grep_listing() {
    let mut text = String::new();
    for line in TXT.lines() {
        let mut it = line.splitn(4, ' ');
        let (n, s, en, t) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
        text.push_str(&format!("/sys/firmware/memmap/{n}/end:{}\n", &en[4..]));
        text.push_str(&format!("/sys/firmware/memmap/{n}/start:{}\n", &s[6..]));
        text.push_str(&format!("/sys/firmware/memmap/{n}/type:{}\n", &t[5..]));
    }
    assert_eq!(parse_memmap_txt("grep.txt", &text).unwrap(), expected());
    assert_eq!(parse_e820_text("grep.txt", &text).unwrap(), expected());
    let missing = text.replace("/sys/firmware/memmap/3/type:System RAM\n", "");
    assert_eq!(
        parse_memmap_txt("grep.txt", &missing).unwrap_err().to_string(),
        "grep.txt:10: memmap entry 3 lacks its start, end or type line"
    );
}

#[test]
fn directory_in_numeric_order() {
    // Entries 10 and 11 sort after 9, not after 1.
    let mut txt = String::from(TXT);
    txt.push_str("8 start=0x10000000000 end=0x100ffffffff type=ACPI Tables\n");
    txt.push_str("9 start=0x10100000000 end=0x101ffffffff type=ACPI Non-volatile Storage\n");
    txt.push_str("10 start=0x10200000000 end=0x102ffffffff type=Unusable memory\n");
    txt.push_str("11 start=0x10300000000 end=0x103ffffffff type=Persistent Memory\n");
    let dir = as_dir(&txt);
    write(&dir, "README", "not an entry\n");
    let got = read_memmap_dir(&dir).unwrap();
    let mut want = expected();
    want.push(e(0x100_0000_0000, 0x101_0000_0000, E820Type::Acpi));
    want.push(e(0x101_0000_0000, 0x102_0000_0000, E820Type::Nvs));
    want.push(e(0x102_0000_0000, 0x103_0000_0000, E820Type::Unusable));
    want.push(e(0x103_0000_0000, 0x104_0000_0000, E820Type::Persistent));
    assert_eq!(got, want);
    assert_eq!(read_e820_path(&dir).unwrap(), want);
}

#[test]
fn sys_type_names() {
    assert_eq!(memmap_type("System RAM"), Some(E820Type::Ram));
    assert_eq!(memmap_type("reserved"), Some(E820Type::Reserved)); // 3.x
    assert_eq!(memmap_type("Unknown E820 type"), Some(E820Type::Reserved));
    assert_eq!(memmap_type("Persistent Memory (legacy)"), Some(E820Type::Other(12)));
    assert_eq!(memmap_type("Soft Reserved"), Some(E820Type::Other(0xefff_ffff)));
    assert_eq!(memmap_type("RAM"), None);
}

#[test]
fn listing_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "0 start=0x0 end=0x9fbff type=System RAM\n1 start=0x9fc00 end= type=Reserved\n",
            "memmap.txt:2: cannot read \"1 start=0x9fc00 end= type=Reserved\": expected N start=0xSTART end=0xEND \
             type=TYPE (end inclusive), or PATH/N/start:0xSTART as `grep . /sys/firmware/memmap/*/*` prints it",
        ),
        (
            "0 start=0x0 end=0x9fbff type=System RAM\n1 start=0x9fc00 end=0x9ffff type=Fast RAM\n",
            "memmap.txt:2: unknown memmap type \"Fast RAM\" (expected System RAM, Reserved, ACPI Tables, ACPI \
             Non-volatile Storage, Unusable memory, Persistent Memory or Soft Reserved)",
        ),
        ("0 start=0x9fc00 end=0x0 type=System RAM\n", "memmap.txt:1: the entry ends (0x0) before it starts (0x9fc00)"),
        (
            "0 start=0x0 end=0x9fbff type=System RAM\n1 start=0x9f000 end=0x9ffff type=Reserved\n",
            "memmap.txt:2: e820 entries [mem 0x0-0x9fbff] and [mem 0x9f000-0x9ffff] overlap (the other entry is at \
             memmap.txt:1)",
        ),
        ("0 start=0x0 end=0x9fbff type=Reserved\n", "memmap.txt:1: the e820 map has no usable RAM"),
        (
            "# nothing\n\n",
            "memmap.txt: no memmap entries (expected N start=0xSTART end=0xEND type=TYPE (end inclusive), or PATH/N/start:0xSTART as `grep . /sys/firmware/memmap/*/*` prints it)",
        ),
        (
            "0 start=0x0 end=0x9fbff type=System RAM\n1 start=0x9fc00 end=0x9ff",
            "memmap.txt:2: the file ends in the middle of this line (was the log cut short?): \"1 start=0x9fc00 end=0x9ff\"",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(parse_memmap_txt("memmap.txt", text).unwrap_err().to_string(), *want, "{text:?}");
    }
}

#[test]
fn directory_errors_name_the_file() {
    let dir = as_dir(TXT);
    write(&dir, "3/end", "0xbffdfffz\n");
    let err = read_memmap_dir(&dir).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}:1: cannot read \"0xbffdfffz\": expected a hex address like 0x9fbff", dir.join("3/end").display())
    );
    std::fs::remove_file(dir.join("3/end")).unwrap();
    let err = read_memmap_dir(&dir).unwrap_err();
    assert!(matches!(&err, InputError::Io { .. }));
    assert!(err.to_string().starts_with(&format!("{}: cannot read it: ", dir.join("3/end").display())), "{err}");

    let dir = as_dir(TXT);
    write(&dir, "4/start", "0xbffd0000\n");
    assert_eq!(
        read_memmap_dir(&dir).unwrap_err().to_string(),
        format!(
            "{}: e820 entries [mem 0x100000-0xbffdffff] and [mem 0xbffd0000-0xbfffffff] overlap (the other entry is at {})",
            dir.join("4").display(),
            dir.join("3").display()
        )
    );

    let empty = scratch("memmap-empty");
    assert_eq!(
        read_memmap_dir(&empty).unwrap_err().to_string(),
        format!("{}: no numbered entry directories (0, 1, ...): not a /sys/firmware/memmap directory", empty.display())
    );
    let gone = empty.join("nope");
    assert!(
        read_memmap_dir(&gone).unwrap_err().to_string().starts_with(&format!("{}: cannot read it: ", gone.display()))
    );
}

#[test]
fn hot_added_entries_come_after_the_boot_map() {
    // Issue 13: the boot's entries are listed in address order (firmware_map_add_early over
    // the sanitised e820 table); hot-added RAM is appended (firmware_map_add_hotplug). The
    // first entry out of address order starts the hot-added tail when it is all System RAM.
    let boot = "0 start=0x0 end=0x9fbff type=System RAM\n1 start=0x100000 end=0xbfffffff type=System RAM\n\
                2 start=0xfd00000000 end=0xffffffffff type=Reserved\n";
    let read = parse_memmap_txt_split(
        "m.txt",
        &format!("{boot}3 start=0x100000000 end=0x13fffffff type=System RAM\n4 start=0x140000000 end=0x17fffffff type=System RAM\n"),
    )
    .unwrap();
    assert_eq!(read.boot, parse_memmap_txt("m.txt", boot).unwrap());
    assert_eq!(
        read.hot_added,
        vec![e(0x1_0000_0000, 0x1_4000_0000, E820Type::Ram), e(0x1_4000_0000, 0x1_8000_0000, E820Type::Ram)]
    );
    // Out of order but not RAM: no hot-add, the map is read as it is (and here overlaps).
    let odd = format!("{boot}3 start=0xfe00000000 end=0xfe0000ffff type=Reserved\n");
    assert!(parse_memmap_txt_split("m.txt", &odd).is_err());
    // In order: nothing hot-added can be told from the order alone.
    assert!(parse_memmap_txt_split("m.txt", boot).unwrap().hot_added.is_empty());
}
