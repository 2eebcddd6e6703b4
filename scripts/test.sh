#!/usr/bin/env bash
# The one test command (README): installs what is missing, then type-checks, lints, checks the
# format and runs every test against real redis-server and nats-server processes.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
command -v redis-sentinel >/dev/null || need+=(redis-sentinel)
command -v nats-server >/dev/null || need+=(nats-server)
command -v arping >/dev/null || need+=(iputils-arping)
command -v ip >/dev/null || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  echo "test: installing ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  # Keep the packages' own services from starting on the default ports.
  $SUDO env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  for svc in redis-server redis-sentinel nats-server; do
    $SUDO service "$svc" stop >/dev/null 2>&1 || true
  done
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

echo "test: type-check"
node_modules/.bin/tsc -b
echo "test: lint"
node_modules/.bin/eslint --max-warnings 0 .
echo "test: format"
node_modules/.bin/prettier --check . >/dev/null || { node_modules/.bin/prettier --check .; exit 1; }
echo "test: run"
node scripts/run-tests.mjs "$@"
