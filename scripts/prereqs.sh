#!/usr/bin/env bash
# Installs what the test and benchmark commands need when it is missing: Debian's redis-server,
# redis-tools (redis-cli, redis-benchmark), redis-sentinel, nats-server, arping, iproute2, openssl
# (throwaway certificates for the TLS tests), chromium
# (the console's browser test drives it headless; nothing downloads a browser), tcl (Redis's own
# Sentinel test suite, test/redis-suite.serial.test.ts) (and what
# the caller adds in EXTRA_COMMANDS as "command:package" pairs), then `npm ci` when node_modules
# is missing or older than package-lock.json. Sourced by scripts/test.sh and scripts/bench.sh.
need=()
for pair in redis-server:redis-server redis-cli:redis-tools redis-sentinel:redis-sentinel \
  nats-server:nats-server arping:iputils-arping ip:iproute2 chromium:chromium openssl:openssl \
  tclsh:tcl ${EXTRA_COMMANDS:-}; do
  command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "prereqs: installing ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  # Keep the packages' own services from starting on the default ports.
  $SUDO env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  for svc in redis-server redis-sentinel nats-server; do
    $SUDO service "$svc" stop >/dev/null 2>&1 || true
  done
fi

# puppeteer-core never downloads a browser; this keeps any puppeteer package from trying.
export PUPPETEER_SKIP_DOWNLOAD=1
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
