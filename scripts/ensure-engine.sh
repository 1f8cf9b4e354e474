#!/usr/bin/env bash
# scripts/ensure-engine.sh: prints a DOCKER_HOST for the demo on stdout.
#
# Uses the engine the user already has when one answers /_ping ($DOCKER_HOST, else
# the usual Docker and Podman sockets, as fleetd itself discovers them); otherwise
# starts the project's private dockerd (test/support/engines.sh start docker) and
# prints its socket. Either way makes sure busybox:1.36, which the example fleet
# runs, exists on that engine: no registry is reachable here, so it is imported
# from Debian's busybox-static rather than pulled. Messages go to stderr.
#
#   export DOCKER_HOST=$(bash scripts/ensure-engine.sh)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${FLEETD_ENGINES_DIR:-$repo/.engines}
# shellcheck source=../test/support/engine-images.sh
source "$repo/test/support/engine-images.sh"

candidates=()
if [[ -n ${DOCKER_HOST:-} ]]; then
  candidates+=("$DOCKER_HOST")
else
  candidates+=(unix:///var/run/docker.sock)
  [[ -n ${XDG_RUNTIME_DIR:-} ]] && candidates+=("unix://$XDG_RUNTIME_DIR/docker.sock")
  candidates+=(unix:///run/podman/podman.sock)
  [[ -n ${XDG_RUNTIME_DIR:-} ]] && candidates+=("unix://$XDG_RUNTIME_DIR/podman/podman.sock")
fi

host=
for candidate in "${candidates[@]}"; do
  if engine_ping "$candidate"; then
    host=$candidate
    break
  fi
done

if [[ -z $host ]]; then
  echo "ensure-engine.sh: no engine answered (${candidates[*]}); starting a private dockerd under $dir" >&2
  FLEETD_ENGINES_DIR=$dir bash "$repo/test/support/engines.sh" start docker >&2
  host=unix://$dir/docker/docker.sock
fi

engine_ensure_test_images "$host" "$dir/images" busybox:1.36 >&2
echo "$host"
