#!/bin/sh
# Starts redis-server from its own config copy on the data volume (see config/redis.conf).
# REDIS_ANNOUNCE_IP: the address agents and replicas use; REDIS_REPLICAOF: "host port" of the
# initial primary (empty on the initial primary). Both only matter on the first start.
set -e
conf=/data/redis.conf
if [ ! -f "$conf" ]; then
  cp /etc/sentinel-plane/redis.conf "$conf"
  echo "replica-announce-ip ${REDIS_ANNOUNCE_IP:?REDIS_ANNOUNCE_IP is required}" >>"$conf"
  if [ -n "${REDIS_REPLICAOF:-}" ]; then echo "replicaof $REDIS_REPLICAOF" >>"$conf"; fi
fi
exec redis-server "$conf"
