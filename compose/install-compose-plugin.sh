#!/usr/bin/env bash
# Installs the docker compose v2 CLI plugin (`docker compose ...`) when it is missing. Debian
# bookworm only ships compose v1 (`docker-compose` 1.29); Debian trixie's `docker-compose`
# package (2.26) is the v2 plugin, a static Go binary that runs on bookworm. It is fetched with
# apt from Debian's archive through a private source list (the system's apt configuration is not
# touched) and only its plugin binary is copied to /usr/local/lib/docker/cli-plugins.
# `docker compose config` then validates compose files with no container engine at all.
set -euo pipefail

if docker compose version >/dev/null 2>&1; then
  docker compose version
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-compose-plugin: needs root (apt-get); or install docker-compose-plugin yourself" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial"
# The Debian archive this machine already uses for its release (not the security or updates one).
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
archive=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(ORIGIN)' |
  awk -v rel="$codename" '$2 == rel && $3 == "Debian" { print $1; exit }')
if [ -z "$archive" ]; then
  echo "install-compose-plugin: no Debian archive for $codename in apt's sources (run apt-get update)" >&2
  exit 1
fi
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $archive trixie main" >"$work/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$work/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache::Archives=$work/archives"
  -o "APT::Sandbox::User=root"
)
apt-get "${apt_opts[@]}" update -qq
(cd "$work" && apt-get "${apt_opts[@]}" download docker-compose)
dpkg -x "$work"/docker-compose_*.deb "$work/root"
install -D -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-compose" \
  /usr/local/lib/docker/cli-plugins/docker-compose
docker compose version
