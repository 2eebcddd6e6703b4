#!/usr/bin/env bash
# The compose deployment tested for real, with podman (no Docker engine here): builds the images,
# brings compose/docker-compose.yml up through podman's Docker API with the docker compose v2
# plugin, then
#   1. stops the NATS server that leads the topology bucket's stream (found through its monitoring
#      endpoint, /jsz): a forced failover still completes, and the bucket still has 3 replicas;
#   2. SIGKILLs the primary's redis-server (RUNS times, 3 by default): each Redis host's data-node
#      supervises it, so the agents fail over at once; prints the time to +switch-master and to
#      the first write acknowledged by the new primary, and their medians;
# then tears everything down and cleans up (podman system reset -f, netavark's iptables chains
# and podman bridges, net.ipv4.ip_forward back to 0).
#
# Usage (root): flock -w 1200 /work/wt/heavy.lock bash compose/test-compose.sh
#   about 5-8 minutes; PROJECT (compose project name, default com-sp-test), RUNS (3).
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
project=${PROJECT:-com-sp-test}
runs=${RUNS:-3}
base_image=localhost/sentinel-plane-base:bookworm
runtime_image=localhost/sentinel-plane-runtime-base:bookworm
app_image=localhost/sentinel-plane:test
sentinel_pass=compose-test-sentinel-pass
health_pid=
engine_up=

# Every NATS user's password (config/nats.conf), required by the compose file as in .env.
for v in ADMIN AGENT_1 AGENT_2 AGENT_3 DATA_NODE_1 DATA_NODE_2 DATA_NODE_3 VIP_MANAGER_1 VIP_MANAGER_2 VIP_MANAGER_3; do
  export "SP_NATS_PASS_$v=compose-test-nats-$v"
done
compose() {
  SP_IMAGE=$app_image NODE_IMAGE=$base_image RUNTIME_IMAGE=$runtime_image NATS_IMAGE=$base_image \
    SP_REST_TOKEN=compose-test-token-0123456789 SP_LEASE_TOKEN_1=compose-test-lease-token-1-0123456789 SP_LEASE_TOKEN_2=compose-test-lease-token-2-0123456789 SP_LEASE_TOKEN_3=compose-test-lease-token-3-0123456789 \
    SP_SENTINEL_PASS=$sentinel_pass \
    SP_REST_HOST_PORT=$rest_host_port SP_SENTINEL_HOST_PORT=$sentinel_host_port \
    docker compose -p "$project" -f compose/docker-compose.yml "$@"
}

cleanup() {
  local code=$?
  set +e
  stamp "teardown"
  if [ -n "$engine_up" ] && [ "$code" -ne 0 ]; then
    compose ps -a >"$work/ps.txt" 2>&1
    for s in agent-1 agent-2 agent-3 redis-1 redis-2 redis-3 nats-1 nats-2 nats-3; do
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
bash compose/podman/build-base-image.sh "$base_image" /var/tmp/sentinel-plane-base "$runtime_image"
stamp "base images ready"
ca=${SP_BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}
secret=()
[ -f "$ca" ] && secret=(--secret "id=npm_ca,src=$ca")
podman build -q --network host "${secret[@]}" -f compose/Dockerfile \
  --build-arg NODE_IMAGE="$base_image" --build-arg RUNTIME_IMAGE="$runtime_image" \
  -t "$app_image" . >"$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log"; exit 1; }
app_size=$(podman image inspect --format '{{.Size}}' "$app_image")
stamp "image $app_image built: $((app_size / 1000000)) MB ($app_size bytes, podman image inspect --format {{.Size}})"
podman image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | sed 's/^/  /'

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
ask() { podman exec "$(cid redis-2)" redis-cli -h "$1" -p 26379 -a "$sentinel_pass" --no-auth-warning "${@:2}" 2>/dev/null; }
primary_seen_by() { ask "$1" SENTINEL GET-MASTER-ADDR-BY-NAME mymaster | head -1; }
on_redis() { podman exec "$(cid redis-2)" redis-cli -h "$1" "${@:2}" 2>/dev/null; }
# 172.30.77.1N is the Redis host redis-N.
host_of() { echo "redis-${1##*.1}"; }
agents_agree_on() {
  local agent
  for agent in 172.30.77.21 172.30.77.22 172.30.77.23; do
    [ "$(primary_seen_by $agent)" = "$1" ] || return 1
  done
}
# The primary takes writes and both replicas are online on it.
healthy() {
  local primary=$1
  agents_agree_on "$primary" &&
    [ "$(on_redis "$primary" SET compose-test ready)" = OK ] &&
    [ "$(on_redis "$primary" INFO replication | grep -c '^slave[0-9]:.*state=online')" -eq 2 ]
}
wait_healthy() {
  local deadline=$(($(date +%s) + $2))
  until healthy "$1"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "cluster not healthy around $1 within $2 s" >&2; return 1; }
    sleep 1
  done
}
median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

deadline=$(($(date +%s) + 180))
until [ "$(primary_seen_by 172.30.77.22)" = 172.30.77.11 ] &&
  [ "$(ask 172.30.77.22 SENTINEL REPLICAS mymaster | grep -c '^172.30.77.1[23]$')" -eq 2 ] &&
  [ "$(on_redis 172.30.77.11 SET compose-test before)" = OK ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "cluster not ready within 180 s" >&2; exit 1; }
  sleep 1
done
ready_s=$(($(date +%s) - up_started))
stamp "ready: agents see primary 172.30.77.11 with 2 replicas; writes OK (${ready_s}s after up)"
wait_healthy 172.30.77.11 60
if redis-cli -p "$sentinel_host_port" -a "$sentinel_pass" --no-auth-warning PING 2>/dev/null | grep -q PONG; then
  stamp "agent-1's Sentinel port published on 127.0.0.1:$sentinel_host_port answers"
fi

# Each Redis host: redis-server is the data-node's child (supervise mode), under an init.
for n in 1 2 3; do
  c=$(cid "redis-$n")
  podman cp compose/scripts/failover-probe.mjs "$c:/tmp/failover-probe.mjs"
  # shellcheck disable=SC2016
  tree=$(podman exec "$c" sh -c 'for p in /proc/[0-9]*; do
      [ "$(cat "$p/comm" 2>/dev/null)" = redis-server ] || continue
      pp=$(cut -d" " -f4 "$p/stat"); echo "redis-server ${p#/proc/} parent $(cat "/proc/$pp/comm") $pp pid1 $(cat /proc/1/comm)"
    done')
  stamp "redis-$n: $tree"
  case "$tree" in "redis-server "*" parent node "*) ;; *) echo "redis-$n: redis-server is not the data-node's child" >&2; exit 1 ;; esac
done

# --- NATS: stop the server that leads the topology bucket's stream ---------------------------
stream=KV_sp_compose_topology
# The stream as one NATS server's monitoring endpoint reports it (wget: the NATS image has it).
bucket() {
  podman exec "$(cid "$1")" wget -qO- "http://127.0.0.1:8222/jsz?accounts=true&streams=true&config=true" |
    node -e '
      let text = "";
      process.stdin.on("data", (d) => (text += d)).on("end", () => {
        const jsz = JSON.parse(text);
        for (const account of jsz.account_details ?? [])
          for (const s of account.stream_detail ?? [])
            if (s.name === process.argv[1]) {
              const c = s.cluster ?? {};
              console.log(JSON.stringify({ stream: s.name,
                num_replicas: s.config?.num_replicas, leader: c.leader ?? null,
                peers: (c.replicas ?? []).map((r) => ({ name: r.name, current: r.current, offline: r.offline ?? false, lag: r.lag ?? 0 })),
                messages: s.state?.messages }));
              process.exit(0);
            }
        process.exit(1);
      });' "$stream"
}
field() { node -e 'const v = JSON.parse(process.argv[1])[process.argv[2]]; console.log(typeof v === "object" ? JSON.stringify(v) : v)' "$1" "$2"; }
info=$(bucket nats-1)
stamp "bucket before (from nats-1): $info"
[ "$(field "$info" num_replicas)" = 3 ] || { echo "the topology bucket does not have 3 replicas" >&2; exit 1; }
leader=$(field "$info" leader)
case "$leader" in nats-[123]) ;; *) echo "no leader for $stream: $leader" >&2; exit 1 ;; esac
other=nats-1
[ "$leader" = nats-1 ] && other=nats-2
primary=$(primary_seen_by 172.30.77.22)
# A writer on the primary while the leader goes away (the data-nodes on it reconnect; the
# failsafe lease keeps the primary writable meanwhile).
podman exec "$(cid "$(host_of "$primary")")" node /tmp/failover-probe.mjs writes 8000 >"$work/nats-writes.json" 2>&1 &
writer_pid=$!
sleep 1
stopped_ms=$(date +%s%3N)
compose stop -t 5 "$leader" >/dev/null 2>&1
stamp "stopped $leader (the leader of $stream) in $(($(date +%s%3N) - stopped_ms)) ms"
deadline=$(($(date +%s) + 60))
until info=$(bucket "$other") && new_leader=$(field "$info" leader) && [ -n "$new_leader" ] &&
  [ "$new_leader" != null ] && [ "$new_leader" != "$leader" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "$stream has no new leader within 60 s" >&2; exit 1; }
  sleep 0.5
done
stamp "new leader of $stream: $new_leader ($(($(date +%s%3N) - stopped_ms)) ms after the stop)"
wait "$writer_pid" || { cat "$work/nats-writes.json"; exit 1; }
stamp "writes on the primary $primary during the stop: $(cat "$work/nats-writes.json")"
# A forced failover with one NATS server of three down.
deadline=$(($(date +%s) + 60))
until [ "$(ask 172.30.77.22 SENTINEL FAILOVER mymaster)" = OK ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "SENTINEL FAILOVER refused for 60 s" >&2; exit 1; }
  sleep 1
done
forced_ms=$(date +%s%3N)
deadline=$(($(date +%s) + 60))
new=$primary
until [ "$new" != "$primary" ] && [ -n "$new" ] && [ "$(on_redis "$new" SET compose-test forced)" = OK ] &&
  agents_agree_on "$new"; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "forced failover did not complete within 60 s" >&2; exit 1; }
  sleep 0.2
  new=$(primary_seen_by 172.30.77.22)
done
stamp "forced failover with $leader down: $primary -> $new, writable and agreed $(($(date +%s%3N) - forced_ms)) ms after SENTINEL FAILOVER"
# The leader's view: followers may not list every peer.
info=$(bucket "$new_leader")
stamp "bucket with $leader down, from its new leader: $info"
[ "$(field "$info" num_replicas)" = 3 ] || { echo "the bucket lost its 3 replicas" >&2; exit 1; }
compose start "$leader" >/dev/null 2>&1
deadline=$(($(date +%s) + 90))
until current=$(field "$(bucket "$other")" leader) && info=$(bucket "$current") &&
  [ "$(field "$info" num_replicas)" = 3 ] &&
  node -e 'const i = JSON.parse(process.argv[1]); process.exit(i.leader && i.peers.length === 2 && i.peers.every((p) => p.current && !p.offline) ? 0 : 1)' "$info"; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "$leader did not catch up within 90 s: $info" >&2; exit 1; }
  sleep 1
done
stamp "$leader back and current, from the leader $current: $info"
primary=$new
wait_healthy "$primary" 90
last_failover_ms=$forced_ms

# --- SIGKILL of the primary's redis-server, $runs times ----------------------------------------
# Agents start no new failover of a master within 2 x failover-timeout (10 s in
# config/sentinel.conf) of the last one, and automatic ones are blocked for failover-block-period
# until acknowledged (README, Anti-flapping): each run acknowledges its failover, and the next one
# starts 21 s after it at the earliest.
switch_figures=()
write_figures=()
for run in $(seq 1 "$runs"); do
  wait_healthy "$primary" 120
  wait_ms=$((last_failover_ms + 21000 - $(date +%s%3N)))
  [ "$wait_ms" -le 0 ] || sleep "$(awk -v ms="$wait_ms" 'BEGIN { print ms / 1000 }')"
  wait_healthy "$primary" 60
  candidates=$(for n in 1 2 3; do [ "172.30.77.1$n" = "$primary" ] || printf '172.30.77.1%s:6379,' "$n"; done)
  result=$(podman exec "$(cid "$(host_of "$primary")")" node /tmp/failover-probe.mjs kill "$sentinel_pass" \
    172.30.77.21:26379,172.30.77.22:26379,172.30.77.23:26379 "${candidates%,}") ||
    { echo "run $run: $result" >&2; exit 1; }
  last_failover_ms=$(date +%s%3N)
  stamp "run $run: SIGKILL of $primary's redis-server: $result"
  switch_figures+=("$(field "$result" switch_master_ms)")
  write_figures+=("$(field "$result" first_write_ms)")
  new=$(field "$result" new_primary)
  new=${new%:6379}
  deadline=$(($(date +%s) + 30))
  until agents_agree_on "$new"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "run $run: the agents do not agree on $new" >&2; exit 1; }
    sleep 0.2
  done
  primary=$new
  ack=$(ask 172.30.77.22 SENTINEL ACK-FAILOVER mymaster)
  [ "$ack" = OK ] || { echo "run $run: SENTINEL ACK-FAILOVER answered: $ack" >&2; exit 1; }
done
switch_median=$(echo "${switch_figures[*]}" | median)
write_median=$(echo "${write_figures[*]}" | median)
stamp "SIGKILL of the primary's redis-server, $runs runs: +switch-master ${switch_figures[*]} ms (median $switch_median), first acknowledged write ${write_figures[*]} ms (median $write_median)"
# The old primaries came back as replicas (their data-nodes restarted redis-server fenced).
wait_healthy "$primary" 120
echo "test-compose: PASSED (ready ${ready_s}s after up; image $((app_size / 1000000)) MB; +switch-master median ${switch_median} ms, first write median ${write_median} ms over $runs SIGKILLs; total $(($(date +%s) - started))s)"
