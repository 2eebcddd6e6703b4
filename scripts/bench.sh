#!/usr/bin/env bash
# The benchmark command (README, "Performance"): sentinel-plane against Redis Sentinel in the same
# run. Installs what is missing, then runs, one after the other (they must not share the CPU):
#   1. bench/failover   SIGKILL, SIGSTOP, partition, switchover at down-after 1000 and 5000 ms
#   2. bench/scale      one agent and one redis-sentinel watching 50 and 200 primaries
#   3. bench/throughput SENTINEL get-master-addr-by-name (redis-benchmark) and REST GETs
# Results: bench/results/<name>-<time>.json/.md and <name>-latest.*. Needs root (network
# namespace and iptables for the partition fault). About 45 minutes on a 2-core machine.
# BENCH_RUNS: failover runs per implementation and figure (default 5). Each benchmark also runs
# alone with its own flags (see the header of its main.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA_COMMANDS="iptables:iptables"
# shellcheck source=scripts/prereqs.sh
source scripts/prereqs.sh

runs="${BENCH_RUNS:-5}"
node --import tsx bench/failover/main.ts --down-after 1000,5000 --runs "$runs"
node --import tsx bench/scale/main.ts
node --import tsx bench/throughput/main.ts
