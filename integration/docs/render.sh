#!/usr/bin/env bash
# Renders bootsim's SVG map and HTML page for a few machines and screenshots them in a real
# headless browser (Debian's `chromium`), so a person can look at what a user sees.
#
#   integration/docs/render.sh [OUT_DIR]     (default: target/render)
#   UPDATE_DOCS=1 integration/docs/render.sh  also refreshes the SVGs the integration README
#                                             shows (integration/docs/default-3.1{3,4}.svg)
#
# Machines: the built-in one (3.13 and 3.14), four-nodes.toml, 64tib-16-nodes.toml, and a real
# Linux 6.1 QEMU machine booted from its own dmesg. Writes NAME.svg, NAME.html, NAME.svg.png and
# NAME.html.png for each. Needs chromium (`apt-get install chromium`).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/target/render}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$browser" ] || { echo "render.sh: no chromium on PATH (apt-get install chromium)" >&2; exit 2; }

cargo build --quiet --release -p integration --manifest-path "$root/Cargo.toml"
bootsim="$root/target/release/bootsim"
fixture="$root/testdata/fixtures/linux-6.1-qemu-hotplug/a2-pc-2n-node1-hotplug-movable"

# name, then bootsim's arguments.
machines=(
  "default-3.13|--profile 3.13"
  "default-3.14|--profile 3.14"
  "four-nodes|--machine $root/integration/machines/four-nodes.toml"
  "64tib-16-nodes|--machine $root/integration/machines/64tib-16-nodes.toml --profile 3.14"
  "linux-6.1-qemu-a2|--dmesg $fixture/dmesg.txt --iomem $fixture/iomem.txt --profile 6.1"
)

shot() { # FILE PNG WIDTH HEIGHT
  local profile
  profile="$(mktemp -d)"
  "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$profile" --screenshot="$2" --window-size="$3,$4" "file://$1" >/dev/null 2>&1
  rm -rf "$profile"
}

for m in "${machines[@]}"; do
  name="${m%%|*}"
  # shellcheck disable=SC2086 # the arguments are meant to split
  "$bootsim" ${m#*|} --svg "$out/$name.svg" --html "$out/$name.html" >/dev/null
  # The SVG at its own size, the page at a laptop's.
  w="$(sed -n 's/^<svg [^>]* width="\([0-9.]*\)".*/\1/p' "$out/$name.svg" | head -1)"
  h="$(sed -n 's/^<svg [^>]* height="\([0-9.]*\)".*/\1/p' "$out/$name.svg" | head -1)"
  shot "$out/$name.svg" "$out/$name.svg.png" "${w%.*}" "${h%.*}"
  shot "$out/$name.html" "$out/$name.html.png" 1400 1000
  echo "$out/$name.{svg,html}{,.png}"
done

if [ "${UPDATE_DOCS:-}" = 1 ]; then
  cp "$out/default-3.13.svg" "$out/default-3.14.svg" "$root/integration/docs/"
  echo "updated integration/docs/default-3.13.svg, default-3.14.svg"
fi
