#!/usr/bin/env bash
# Regenerates docs/img/*.png, the README's screenshots of each kind of chart, from shipped
# scenarios: a run's SVG charts rendered by headless Chromium at their own size. Run it after
# changing how charts look; the PNGs are committed.
set -euo pipefail
cd "$(dirname "$0")/.."

browser=${ENISIM_CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
if [ -z "$browser" ]; then
  echo "no Chromium found: install chromium (Debian: apt-get install chromium) or set ENISIM_CHROMIUM" >&2
  exit 2
fi
cargo build --release --quiet
enisim="${CARGO_TARGET_DIR:-target}/release/enisim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$enisim" run scenarios/scale-up-storm.toml --out "$tmp/storm" --quiet
# Too few nodes for the storm: pods wait to be placed.
"$enisim" run scenarios/scale-up-storm.toml --set node_groups.0.count=12 --out "$tmp/short" --quiet
"$enisim" run scenarios/quickstart.toml --out "$tmp/quickstart" --quiet
"$enisim" run scenarios/mixed-zones.toml --out "$tmp/zones" --quiet

# shot RESULT CHART: docs/img/CHART.png from RESULT's charts/CHART.svg, at the SVG's size.
shot() {
  local svg="$tmp/$1/charts/$2.svg" size
  size=$(sed -n '1s/^<svg width="\([0-9]*\)" height="\([0-9]*\)".*/\1,\2/p' "$svg")
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="$size" \
    --screenshot="docs/img/$2.png" "file://$svg" >/dev/null 2>&1
  echo "docs/img/$2.png ($1, $size)"
}
mkdir -p docs/img
shot storm band
shot storm warm_enis
shot storm startup_latency
shot storm release_delays
shot storm api_calls
shot storm api_calls_busiest
shot storm pods
shot quickstart pool_hit_rate
shot short pending
shot zones node_groups
shot zones subnets
