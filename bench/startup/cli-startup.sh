#!/usr/bin/env bash
# CLI start-up and `status` wall time, before/after the compiled build (issue 16): each command
# RUNS times (default 9) under /usr/bin/time, one after the other; prints the median wall seconds,
# CPU seconds (user + system) and peak RSS of each. Needs a local cluster for `status`:
#   npx sentinel-plane up --port-base 0 --dir /tmp/sp-bench   (in another terminal), then
#   npm run build && bash bench/startup/cli-startup.sh /tmp/sp-bench
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:?usage: cli-startup.sh <local cluster dir>}
runs=${RUNS:-9}
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

measure() {
  local label=$1; shift
  local out; out=$(mktemp)
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -a -o "$out" "$@" >/dev/null 2>&1 || true
  done
  printf '| %-44s | %6s s | %6s s | %6.1f MB |\n' "$label" \
    "$(awk '{print $1}' "$out" | median)" \
    "$(awk '{printf "%.2f\n", $2+$3}' "$out" | median)" \
    "$(awk '{print $4/1024}' "$out" | median)"
  rm -f "$out"
}

echo "| command (median of $runs runs) | wall | CPU | peak RSS |"
echo "| --- | --- | --- | --- |"
measure "node -e 0" node -e 0
measure "tsx CLI: sentinel-plane --help" node services/cli/bin/sentinel-plane.mjs --help
measure "compiled CLI: --help" node services/cli/dist/main.js --help
measure "tsx CLI: status" node services/cli/bin/sentinel-plane.mjs --dir "$dir" status
measure "compiled CLI: status" node services/cli/dist/main.js --dir "$dir" status
