#!/bin/sh
# sentinel-plane image entry point: the first argument names the service.
set -e
service=${1:-help}
[ $# -gt 0 ] && shift
cd /app
case "$service" in
  data-node)
    # A Redis host (compose): the data-node supervises redis-server, whose config is written from
    # a mounted template on the first start, with the host's own lines (announce address, initial
    # replicaof). Redis rewrites that copy after role changes (CONFIG REWRITE), so a restarted old
    # primary comes back as a replica.
    if [ -n "${SP_REDIS_CONFIG_TEMPLATE:-}" ]; then
      conf=${SP_REDIS_CONFIG_PATH:?SP_REDIS_CONFIG_PATH is required with SP_REDIS_CONFIG_TEMPLATE}
      if [ ! -f "$conf" ]; then
        mkdir -p "$(dirname "$conf")"
        cp "$SP_REDIS_CONFIG_TEMPLATE" "$conf.tmp"
        echo "replica-announce-ip ${REDIS_ANNOUNCE_IP:?REDIS_ANNOUNCE_IP is required}" >>"$conf.tmp"
        if [ -n "${REDIS_REPLICAOF:-}" ]; then echo "replicaof $REDIS_REPLICAOF" >>"$conf.tmp"; fi
        mv "$conf.tmp" "$conf"
      fi
    fi
    exec node services/data-node/dist/main.js "$@" ;;
  sentinel-agent)
    # The agent rewrites its sentinel.conf (myid, epochs, known instances), as Redis Sentinel
    # does: the mounted file is a template, copied to the data volume on the first start only.
    conf=${SP_SENTINEL_CONFIG:-/data/sentinel.conf}
    template=${SP_SENTINEL_TEMPLATE:-/etc/sentinel-plane/sentinel.conf}
    if [ ! -f "$conf" ]; then
      cp "$template" "$conf"
      # The agent's id is fixed by the deployment when its NATS user names it (SP_MYID).
      [ -z "${SP_MYID:-}" ] || printf 'sentinel myid %s\n' "$SP_MYID" >> "$conf"
    fi
    # V8 heap sizing (README, "Agent memory"), one option per word; AGENT_NODE_OPTIONS replaces
    # it (set but empty: none). The same default as the systemd unit and `npm run up`.
    # glibc malloc (README, "Agent memory"), each unless set: one arena, and blocks of 32 kB and
    # more mapped apart (the compiler memory of the start is given back).
    export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX-1}"
    export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_-32768}"
    # shellcheck disable=SC2086 # word splitting wanted
    exec node ${AGENT_NODE_OPTIONS---max-semi-space-size=1 --max-old-space-size=256 --compact-on-every-full-gc} \
      services/sentinel-agent/dist/main.js "$conf" "$@" ;;
  vip-manager)
    exec node services/vip-manager/dist/main.js "$@" ;;
  cli | sentinel-plane)
    exec node services/cli/dist/main.js "$@" ;;
  healthcheck)
    exec node /usr/local/bin/healthcheck.mjs "$@" ;;
  *)
    echo "usage: <data-node|sentinel-agent|vip-manager|cli|healthcheck> [arguments]" >&2
    exit 2 ;;
esac
