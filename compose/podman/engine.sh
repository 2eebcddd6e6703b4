# Sourced by test-compose.sh and run-with-engine.sh: podman's Docker API on a socket, and a
# complete clean-up afterwards. Needs root.
#   engine_start: CONTAINERS_CONF, `podman system service`, DOCKER_HOST
#   engine_stop:  stops the service, `podman system reset -f`, removes netavark's iptables chains
#                 and podman bridges, net.ipv4.ip_forward back to 0 (IP_FORWARD_AFTER=1 keeps it on)
engine_socket=/run/podman/podman.sock
engine_service_pid=

engine_start() {
  export CONTAINERS_CONF
  CONTAINERS_CONF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/containers.conf
  mkdir -p /run/podman
  podman system service --time=0 "unix://$engine_socket" >"${ENGINE_LOG:-/dev/null}" 2>&1 &
  engine_service_pid=$!
  for _ in $(seq 1 100); do [ -S "$engine_socket" ] && break; sleep 0.1; done
  [ -S "$engine_socket" ] || { echo "podman system service did not create $engine_socket" >&2; return 1; }
  export DOCKER_HOST=unix://$engine_socket
}

engine_stop() {
  if [ -n "$engine_service_pid" ]; then
    kill "$engine_service_pid" 2>/dev/null
    wait "$engine_service_pid" 2>/dev/null
  fi
  podman system reset -f >/dev/null 2>&1
  local table chain rule link
  # netavark's iptables leftovers: jumps from the built-in chains, then its own chains.
  for table in filter nat mangle; do
    iptables-save -t "$table" 2>/dev/null | grep -E '^-A [A-Z]+ .*-j NETAVARK' | sed 's/^-A /-D /' |
      while read -r rule; do eval "iptables -t $table $rule"; done
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '/^-N NETAVARK/ { print $2 }'); do
      iptables -t "$table" -F "$chain"
    done
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '/^-N NETAVARK/ { print $2 }'); do
      iptables -t "$table" -X "$chain"
    done
  done
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^podman[0-9]+/ { print $2 }' | cut -d@ -f1); do
    ip link delete "$link" 2>/dev/null
  done
  sysctl -qw net.ipv4.ip_forward="${IP_FORWARD_AFTER:-0}"
}
