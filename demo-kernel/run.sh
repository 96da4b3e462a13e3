#!/usr/bin/env bash
# Builds the demo kernel, boots it under QEMU (TCG) on every machine of machines.txt, each
# under a timeout, and exits 0 only if every boot passed its own checks (isa-debug-exit 33 and
# a PASS line). Logs: target/boot-<machine>.log. The comparison with bootsim is
# integration/tests/demo_kernel.rs (cargo test -p integration --test demo_kernel).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v qemu-system-x86_64 >/dev/null; then
    echo "demo-kernel: skipped: qemu-system-x86_64 not found (apt-get install -y qemu-system-x86)"
    exit 0
fi
cargo build --release --quiet
KERNEL=target/x86_64-unknown-none/release/demo-kernel

# On success the kernel writes 0x10 to isa-debug-exit: QEMU exits with (0x10 << 1) | 1 = 33.
QEMU_PASS=33
TIMEOUT_S=${DEMO_KERNEL_TIMEOUT:-60}
COMMON=(-accel tcg -nodefaults -nographic -serial stdio -monitor none -no-reboot
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$KERNEL")

passed=0
total=0
trim() { sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' <<<"$1"; }
while IFS= read -r line; do
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    IFS='|' read -r name args cmdline <<<"$line"
    name=$(trim "$name")
    total=$((total + 1))
    read -r -a qargs <<<"$args"
    cmdline=$(trim "$cmdline")
    log=target/boot-$name.log
    start=$(date +%s%N)
    rc=0
    timeout "$TIMEOUT_S" qemu-system-x86_64 "${COMMON[@]}" "${qargs[@]}" -append "$cmdline" </dev/null >"$log.raw" 2>&1 || rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    # SeaBIOS sends terminal resets and clears; drop them and the CRs.
    tr -d '\r' <"$log.raw" | sed -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' >"$log"
    if [[ $rc -eq $QEMU_PASS ]] && grep -q '^demo-kernel: PASS$' "$log"; then
        echo "demo-kernel: $name: PASS in $ms ms ($(grep -c . "$log") lines in $log)"
        grep -E '^demo-kernel: (node|page table)' "$log" | sed 's/^/    /'
        passed=$((passed + 1))
    else
        echo "demo-kernel: $name: FAIL (QEMU exit status $rc; 124 is the timeout) after $ms ms; the log:"
        sed 's/^/    /' "$log"
    fi
done <machines.txt

echo "demo-kernel: $passed of $total machines passed"
[[ $passed -eq $total && $total -gt 0 ]]
