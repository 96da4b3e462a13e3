#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) one after another, seeds first, and keeps a
# log per target in logs/. Usage: ./run-all.sh [SECONDS] [TARGET...]
set -u
cd "$(dirname "$0")"
secs=${1:-600}; shift || true
targets=${*:-$(cargo +nightly fuzz list)}
mkdir -p logs
for t in $targets; do
  mkdir -p corpus/$t
  [ -d seeds/$t ] && cp -n seeds/$t/* corpus/$t/ 2>/dev/null
  echo "== $t $(date -u +%H:%M:%S)" >> logs/summary.txt
  cargo +nightly fuzz run -O "$t" corpus/$t -- -max_total_time="$secs" -rss_limit_mb=4096 > logs/$t.log 2>&1
  echo "   exit $? $(grep -E '^Done' logs/$t.log)" >> logs/summary.txt
done
