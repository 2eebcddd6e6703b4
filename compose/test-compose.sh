#!/usr/bin/env bash
# The compose deployment tested for real, with podman (no Docker engine here): builds the images,
# brings compose/docker-compose.yml up through podman's Docker API with the docker compose v2
# plugin, SIGKILLs the primary's container and checks that the agents fail over to a replica that
# takes writes; then tears everything down and cleans up (podman system reset -f, netavark's
# iptables chains and podman bridges, net.ipv4.ip_forward back to 0).
#
# Usage (root): bash compose/test-compose.sh        about 3-5 minutes; see compose/README.md
# Needs Debian's packages (podman runc debootstrap) and the npm registry; no image registry.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
stamp() { echo "[$(($(date +%s) - started))s] $*"; }

[ "$(id -u)" -eq 0 ] || { echo "test-compose: run as root (podman, iptables, sysctl)" >&2; exit 1; }

# --- tools -------------------------------------------------------------------------------------
need=()
for tool in podman runc debootstrap iptables; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [ ${#need[@]} -gt 0 ]; then
  stamp "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    podman runc debootstrap iptables netavark aardvark-dns >/dev/null
fi
bash compose/install-compose-plugin.sh >/dev/null

# shellcheck source=podman/engine.sh
source compose/podman/engine.sh
project=sp-compose-test
base_image=localhost/sentinel-plane-base:bookworm
app_image=localhost/sentinel-plane:test
health_pid=
engine_up=

compose() {
  SP_IMAGE=$app_image NODE_IMAGE=$base_image REDIS_IMAGE=$base_image NATS_IMAGE=$base_image \
    REDIS_RESTART=no SP_REST_TOKEN=compose-test-token-0123456789 SP_SENTINEL_PASS=compose-test-sentinel-pass \
    SP_REST_HOST_PORT=$rest_host_port SP_SENTINEL_HOST_PORT=$sentinel_host_port \
    docker compose -p "$project" -f compose/docker-compose.yml "$@"
}

cleanup() {
  local code=$?
  set +e
  stamp "teardown"
  if [ -n "$engine_up" ] && [ "$code" -ne 0 ]; then
    compose ps -a >"$work/ps.txt" 2>&1
    for s in agent-1 agent-2 data-node-1 data-node-2; do
      compose logs --no-color --tail 40 "$s" >"$work/$s.log" 2>&1
    done
    echo "test-compose: FAILED; container logs in $work" >&2
  fi
  [ -n "$health_pid" ] && kill "$health_pid" 2>/dev/null && wait "$health_pid" 2>/dev/null
  [ -n "$engine_up" ] && compose down -v --remove-orphans -t 5 >/dev/null 2>&1
  engine_stop
  stamp "cleaned up (ip_forward=$(sysctl -n net.ipv4.ip_forward)); exit $code"
  exit "$code"
}
work=$(mktemp -d /tmp/sp-compose-test.XXXXXX)
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
rest_host_port=$(free_port)
sentinel_host_port=$(free_port)

# --- podman's Docker API --------------------------------------------------------------------
ENGINE_LOG=$work/podman-service.log engine_start
engine_up=1
stamp "podman API at $DOCKER_HOST (pid $engine_service_pid)"

# --- images ---------------------------------------------------------------------------------
bash compose/podman/build-base-image.sh "$base_image"
stamp "base image ready"
ca=${SP_BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}
secret=()
[ -f "$ca" ] && secret=(--secret "id=npm_ca,src=$ca")
podman build -q --network host "${secret[@]}" -f compose/Dockerfile \
  --build-arg NODE_IMAGE="$base_image" -t "$app_image" . >"$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log"; exit 1; }
stamp "image $app_image built"

# podman runs health checks from systemd timers, absent here: run them ourselves, so
# depends_on: service_healthy can progress.
(
  while true; do
    for id in $(podman ps -q 2>/dev/null); do podman healthcheck run "$id" >/dev/null 2>&1 || true; done
    sleep 1
  done
) &
health_pid=$!

# --- up ---------------------------------------------------------------------------------------
up_started=$(date +%s)
compose up -d --no-build >"$work/up.log" 2>&1 || { cat "$work/up.log"; exit 1; }
stamp "compose up returned after $(($(date +%s) - up_started))s"

cid() { compose ps -q "$1"; }
# Ask an agent from inside the network (redis-2's container has redis-cli).
ask() { podman exec "$(cid redis-2)" redis-cli -h "$1" -p 26379 -a compose-test-sentinel-pass --no-auth-warning "${@:2}" 2>/dev/null; }
primary_seen_by() { ask "$1" SENTINEL GET-MASTER-ADDR-BY-NAME mymaster | head -1; }

deadline=$(($(date +%s) + 180))
until [ "$(primary_seen_by 172.30.77.22)" = 172.30.77.11 ] &&
  [ "$(ask 172.30.77.22 SENTINEL REPLICAS mymaster | grep -c '^172.30.77.1[23]$')" -eq 2 ] &&
  [ "$(podman exec "$(cid redis-2)" redis-cli -h 172.30.77.11 SET compose-test before 2>/dev/null)" = OK ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "cluster not ready within 180 s" >&2; exit 1; }
  sleep 1
done
ready_s=$(($(date +%s) - up_started))
stamp "ready: agents see primary 172.30.77.11 with 2 replicas; writes OK (${ready_s}s after up)"
for agent in 172.30.77.21 172.30.77.23; do
  [ "$(primary_seen_by $agent)" = 172.30.77.11 ] || { echo "agent $agent disagrees" >&2; exit 1; }
done
if redis-cli -p "$sentinel_host_port" -a compose-test-sentinel-pass --no-auth-warning PING 2>/dev/null | grep -q PONG; then
  stamp "agent-1's Sentinel port published on 127.0.0.1:$sentinel_host_port answers"
fi

# --- SIGKILL the primary's container ----------------------------------------------------------
killed_ms=$(date +%s%3N)
podman kill --signal KILL "$(cid redis-1)" >/dev/null
stamp "SIGKILL sent to redis-1 (the primary's container)"
deadline=$(($(date +%s) + 60))
new=172.30.77.11
while [ "$new" = 172.30.77.11 ] || [ -z "$new" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "no failover within 60 s" >&2; exit 1; }
  sleep 0.1
  new=$(primary_seen_by 172.30.77.22)
done
failover_ms=$(($(date +%s%3N) - killed_ms))
stamp "failover: agent-2 reports primary $new ${failover_ms} ms after the kill"
deadline=$(($(date +%s) + 30))
until [ "$(podman exec "$(cid redis-2)" redis-cli -h "$new" SET compose-test after 2>/dev/null)" = OK ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "new primary $new does not take writes" >&2; exit 1; }
  sleep 0.2
done
writable_ms=$(($(date +%s%3N) - killed_ms))
[ "$(podman exec "$(cid redis-2)" redis-cli -h "$new" GET compose-test)" = after ]
for agent in 172.30.77.21 172.30.77.23; do
  deadline=$(($(date +%s) + 30))
  until [ "$(primary_seen_by $agent)" = "$new" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "agent $agent still disagrees" >&2; exit 1; }
    sleep 0.2
  done
done
stamp "new primary $new takes writes ${writable_ms} ms after the kill; all three agents agree"
echo "test-compose: PASSED (ready ${ready_s}s after up, failover ${failover_ms} ms, total $(($(date +%s) - started))s)"
