#!/usr/bin/env bash
# Builds the local stand-ins for the public base images on a machine that can reach Debian's
# packages but no image registry, from one debootstrap of a minimal bookworm:
#   <image>          stands in for node:20-bookworm-slim (build stages), redis:7 and nats:2-alpine:
#                    redis, nats-server, the health checks' tools, this machine's Node 20 and npm.
#   <runtime-image>  (optional) stands in for debian:bookworm-slim with the sentinel-plane image's
#                    run-time packages already installed (redis-server, iproute2, iputils-arping),
#                    docs, man pages and locales removed as the slim images do: no Node, no npm.
#                    compose/Dockerfile copies its node binary from the build stage.
# Usage: build-base-image.sh <image> [work-dir] [runtime-image]
# Skips an image that exists; the trees are kept as work-dir/rootfs.tar and
# work-dir/runtime-rootfs.tar (outside the repository) and re-imported on the next run.
set -euo pipefail
image=${1:?usage: build-base-image.sh <image> [work-dir] [runtime-image]}
work=${2:-/var/tmp/sentinel-plane-base}
runtime_image=${3:-}

need_base=1
need_runtime=
podman image exists "$image" && need_base=
[ -n "$runtime_image" ] && ! podman image exists "$runtime_image" && need_runtime=1
# Trees built earlier (podman system reset removes images, not this cache): import them again.
if [ -n "$need_base" ] && [ -f "$work/rootfs.tar" ]; then
  podman import --change 'CMD ["/bin/sh"]' "$work/rootfs.tar" "$image" >/dev/null
  echo "base image $image imported from $work/rootfs.tar"
  need_base=
fi
if [ -n "$need_runtime" ] && [ -f "$work/runtime-rootfs.tar" ]; then
  podman import --change 'CMD ["/bin/sh"]' "$work/runtime-rootfs.tar" "$runtime_image" >/dev/null
  echo "runtime base image $runtime_image imported from $work/runtime-rootfs.tar"
  need_runtime=
fi
if [ -z "$need_base" ] && [ -z "$need_runtime" ]; then
  echo "base image $image${runtime_image:+ and $runtime_image} ready"
  exit 0
fi
for tool in debootstrap podman node; do
  command -v "$tool" >/dev/null || { echo "build-base-image: $tool is missing" >&2; exit 1; }
done
mkdir -p "$work"
minbase="$work/minbase"
rm -rf "$minbase"
mkdir -p "$minbase"
echo "base: debootstrap bookworm (minbase)"
debootstrap --variant=minbase bookworm "$minbase" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log"; exit 1; }

# apt_install <tree> <packages...>: apt-get in the chroot, no service started, lists and cache dropped.
apt_install() {
  local tree=$1
  shift
  # No service may start inside the chroot while packages are installed.
  printf '#!/bin/sh\nexit 101\n' >"$tree/usr/sbin/policy-rc.d"
  chmod +x "$tree/usr/sbin/policy-rc.d"
  echo "base: apt-get install $* ($(basename "$tree"))"
  chroot "$tree" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
    >"$work/apt.log" 2>&1 || { tail -20 "$work/apt.log"; exit 1; }
  chroot "$tree" apt-get clean
  rm -f "$tree/usr/sbin/policy-rc.d"
  rm -rf "$tree"/var/lib/apt/lists/*
}
# The official images' users: node (1000) and redis; the data dir /data.
users() {
  chroot "$1" sh -c 'id node >/dev/null 2>&1 || useradd -u 1000 -m -s /bin/sh node; mkdir -p /data'
}
# pack <tree> <tar> <image>
pack() {
  tar --numeric-owner -C "$1" -cf "$2.tmp" .
  mv "$2.tmp" "$2"
  podman import --change 'CMD ["/bin/sh"]' "$2" "$3" >/dev/null
  rm -rf "$1"
}

if [ -n "$need_runtime" ]; then
  runtime="$work/runtime-rootfs"
  rm -rf "$runtime"
  cp -a "$minbase" "$runtime"
  apt_install "$runtime" redis-server iproute2 iputils-arping
  # What debian:bookworm-slim leaves out (its dpkg excludes), and the redis-server package's
  # service files (the data-node starts redis-server itself).
  find "$runtime/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
  find "$runtime/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$runtime"/usr/share/{man,info,locale,lintian,linda}/* "$runtime"/var/cache/debconf/*-old \
    "$runtime"/var/log/*.log "$runtime"/var/log/apt/*
  users "$runtime"
  pack "$runtime" "$work/runtime-rootfs.tar" "$runtime_image"
  echo "runtime base image $runtime_image built"
fi

if [ -n "$need_base" ]; then
  rootfs="$work/rootfs"
  rm -rf "$rootfs"
  mv "$minbase" "$rootfs"
  apt_install "$rootfs" redis-server redis-tools nats-server ca-certificates wget procps iproute2 iputils-arping
  echo "base: Node $(node --version) from this machine"
  node_bin=$(command -v node)
  install -D -m 0755 "$(readlink -f "$node_bin")" "$rootfs/usr/local/bin/node"
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  users "$rootfs"
  pack "$rootfs" "$work/rootfs.tar" "$image"
  echo "base image $image built"
fi
rm -rf "$minbase"
