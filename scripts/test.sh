#!/usr/bin/env bash
# The one test command (README): installs what is missing, then type-checks, lints, checks the
# format and runs every test against real redis-server and nats-server processes.
set -euo pipefail
cd "$(dirname "$0")/.."

# iptables: the fault suite's partition tests (test/faults) drop packets inside their namespaces.
EXTRA_COMMANDS="iptables:iptables"
# shellcheck source=scripts/prereqs.sh
source scripts/prereqs.sh

echo "test: type-check"
node_modules/.bin/tsc -b
echo "test: lint"
node_modules/.bin/eslint --max-warnings 0 .
# Ratchets: the bounds are today's counts and only go down (list them without --max).
echo "test: function lengths, type assertions"
node scripts/function-lengths.mjs --max 0 70 | tail -n 1
node scripts/type-assertions.mjs --max 50 | tail -n 1
echo "test: format"
node_modules/.bin/prettier --check . >/dev/null || { node_modules/.bin/prettier --check .; exit 1; }
echo "test: run"
node scripts/run-tests.mjs "$@"
