#!/usr/bin/env bash
# Runs a command with a container engine: podman's Docker API at DOCKER_HOST, the local base
# image as the Redis and NATS image for testcontainers, then cleans everything up.
#   sudo bash compose/podman/run-with-engine.sh node scripts/run-tests.mjs libs/testkit/src/containers
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "run-with-engine: run as root" >&2; exit 1; }
for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      podman runc debootstrap iptables netavark aardvark-dns >/dev/null
    break
  }
done
# shellcheck source=engine.sh
source compose/podman/engine.sh
finish() {
  local code=$?
  set +e
  engine_stop
  exit "$code"
}
trap finish EXIT
engine_start
base=localhost/sentinel-plane-base:bookworm
bash compose/podman/build-base-image.sh "$base"
export SP_TC_REDIS_IMAGE=${SP_TC_REDIS_IMAGE:-$base} SP_TC_NATS_IMAGE=${SP_TC_NATS_IMAGE:-$base}
export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
"$@"
