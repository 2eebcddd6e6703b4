#!/usr/bin/env bash
# `npm run up`: the README's first command. Installs the npm dependencies when they are missing
# (the system programs, redis-server and nats-server, are installed by `sentinel-plane up` itself
# with apt when run as root), then starts the local cluster. Arguments go to `sentinel-plane up`,
# e.g. `npm run up -- --dir /tmp/sp --port-base 0`. The agents start with V8 heap options
# (services/cli/src/up/agent-node-options.ts); AGENT_NODE_OPTIONS replaces them (empty: none), e.g.
# `AGENT_NODE_OPTIONS= npm run up`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ ! -e node_modules/.bin/tsx ]; then
  echo "up: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
exec node services/cli/bin/sentinel-plane.mjs up "$@"
