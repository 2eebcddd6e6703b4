#!/usr/bin/env bash
# Builds the local stand-in for the public base images (node:20-bookworm-slim, redis:7,
# nats:2-alpine) on a machine that can reach Debian's packages but no image registry:
# debootstrap a minimal bookworm, install redis, nats-server and the tools the health checks
# use, copy this machine's Node 20 (node + npm), and import the tree as one podman image.
# Usage: build-base-image.sh <image-name> [work-dir]   (skips the build if the image exists; the
# tree is kept as work-dir/rootfs.tar, outside the repository, and re-imported on the next run)
set -euo pipefail
image=${1:?usage: build-base-image.sh <image-name> [work-dir]}
work=${2:-/var/tmp/sentinel-plane-base}

if podman image exists "$image"; then
  echo "base image $image exists"
  exit 0
fi
# A tree built earlier (podman system reset removes images, not this cache): import it again.
if [ -f "$work/rootfs.tar" ]; then
  podman import --change 'CMD ["/bin/sh"]' "$work/rootfs.tar" "$image" >/dev/null
  echo "base image $image imported from $work/rootfs.tar"
  exit 0
fi
for tool in debootstrap podman node; do
  command -v "$tool" >/dev/null || { echo "build-base-image: $tool is missing" >&2; exit 1; }
done
rootfs="$work/rootfs"
rm -rf "$rootfs"
mkdir -p "$rootfs"
echo "base: debootstrap bookworm (minbase)"
debootstrap --variant=minbase bookworm "$rootfs" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log"; exit 1; }
# No service may start inside the chroot while packages are installed.
printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
chmod +x "$rootfs/usr/sbin/policy-rc.d"
echo "base: apt-get install redis-server redis-tools nats-server wget procps iproute2 iputils-arping"
chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  redis-server redis-tools nats-server ca-certificates wget procps iproute2 iputils-arping \
  >"$work/apt.log" 2>&1 || { tail -20 "$work/apt.log"; exit 1; }
chroot "$rootfs" apt-get clean
rm -f "$rootfs/usr/sbin/policy-rc.d"
rm -rf "$rootfs"/var/lib/apt/lists/*
echo "base: Node $(node --version) from this machine"
node_bin=$(command -v node)
install -D -m 0755 "$(readlink -f "$node_bin")" "$rootfs/usr/local/bin/node"
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
# The official images' users: node (1000) and redis; the data dir /data.
chroot "$rootfs" sh -c 'id node >/dev/null 2>&1 || useradd -u 1000 -m -s /bin/sh node; mkdir -p /data'
tar --numeric-owner -C "$rootfs" -cf "$work/rootfs.tar.tmp" .
mv "$work/rootfs.tar.tmp" "$work/rootfs.tar"
podman import --change 'CMD ["/bin/sh"]' "$work/rootfs.tar" "$image" >/dev/null
rm -rf "$rootfs"
echo "base image $image built"
