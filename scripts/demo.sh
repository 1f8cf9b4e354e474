#!/usr/bin/env bash
# demo.sh — fleetd's main job on the example fleet: validate fleet.example.yaml, show
# the plan, apply it to a local engine (the private dockerd the tests use when no
# engine is reachable), show that a second apply has nothing to do, and fetch the
# page the example's web service serves. Leaves the fleet running; the last line
# says how to remove it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
DOCKER_HOST=$(bash scripts/ensure-engine.sh)
export DOCKER_HOST
fleetd=(node bin/fleetd.js)
args=(-f fleet.example.yaml --fleet example)

step() { printf '\n\033[1m$ fleetd %s\033[0m\n' "$*"; }
step validate "${args[@]}"; "${fleetd[@]}" validate "${args[@]}"
step plan "${args[@]}"; "${fleetd[@]}" plan "${args[@]}"
step apply "${args[@]}"; "${fleetd[@]}" apply "${args[@]}"
step plan "${args[@]}" "  # again: nothing to do"; "${fleetd[@]}" plan "${args[@]}"

printf '\n\033[1m$ curl http://127.0.0.1:8080/\033[0m\n'
for _ in $(seq 1 50); do
  if page=$(curl -fsS --max-time 2 http://127.0.0.1:8080/ 2>/dev/null); then break; fi
  sleep 0.2
done
printf '%s\n' "${page:-(the web service did not answer on 127.0.0.1:8080)}"
[[ -n ${page:-} ]] || exit 1

cat <<MSG

The example fleet runs on $DOCKER_HOST.
Remove it with: DOCKER_HOST=$DOCKER_HOST node bin/fleetd.js apply --fleet example --allow-empty -f <(printf 'services: {}\n')
MSG
