//! The conditions a figure was taken under, printed with it: the host may be shared. Every
//! crate's benches include this file (by path), so they all describe the host alike.

/// The cores, the processor and the load average.
pub fn conditions() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model =
        cpu.lines().find_map(|l| l.strip_prefix("model name")).map_or("?", |m| m.trim_start_matches([' ', '\t', ':']));
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores of {model}; load average {} at the end", load.join(" "))
}
