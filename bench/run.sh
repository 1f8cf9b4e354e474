#!/usr/bin/env bash
# bench/run.sh — runs every benchmark in one go (`npm run bench`).
#
# Uses the private test engines (test/support/engines.sh). If they are not up, it
# starts them and stops them again at the end; engines that were already running
# (another engineer's tests may be using them) are left alone. Each benchmark uses
# its own fleet/project names and removes only what carries them.
#
# Environment: BENCH_PASSES (no-op passes, default 30), BENCH_ROUNDS (compose rounds,
# default 5), BENCH_HOOK_ROUNDS (webhook/registry push → running rounds, default 10), BENCH_LEASE_ROUNDS
# (lease takeovers, default 10), BENCH_IDLE_ROUNDS (idle daemons, default 3), BENCH_STARTUP_RUNS (fresh processes per start-up command, default 15), BENCH_PODMAN=0 to
# skip the Podman no-op passes; BENCH_SCALE=0 to skip the scale curve (bench/scale.ts: 1,000
# containers, about 5 GB and 10 minutes); FLEETD_ENGINES_DIR as for engines.sh (engines of another
# checkout).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"
export PATH=$repo/node_modules/.bin:$PATH

started=0
if ! bash test/support/engines.sh status >/dev/null 2>&1; then
  if bash test/support/engines.sh status 2>/dev/null | grep -q ': up'; then
    # One is up and one is not: start the missing one, but never stop the other's.
    echo "bench: one test engine is already up; starting the other and leaving both up" >&2
  else
    started=1
  fi
  bash test/support/engines.sh start
fi
if ((started)); then trap 'bash test/support/engines.sh stop' EXIT; fi
# shellcheck disable=SC1091
source "${FLEETD_ENGINES_DIR:-.engines}/env"

# The daemon benchmarks run `fleetd run` as users do: from the bundle, which
# bin/fleetd.js loads only when it is newer than src/.
npm run --silent build >/dev/null

echo "# fleetd benchmarks — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, node $(node --version)"
echo "# $(uname -srm); $(dockerd --version); $(podman --version); $(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /')"
echo

node bench/planThousandServices.ts
echo
node bench/noopPass.ts docker "${BENCH_PASSES:-30}"
echo
if [[ ${BENCH_PODMAN:-1} != 0 ]]; then
  node bench/noopPass.ts podman "${BENCH_PASSES:-30}"
  echo
fi
node bench/applyVsCompose.ts "${BENCH_ROUNDS:-5}"
echo
node bench/noopApplyPhases.ts 7
echo
node bench/startup.ts "${BENCH_STARTUP_RUNS:-15}"
echo
node bench/webhookToRunning.ts "${BENCH_HOOK_ROUNDS:-10}"
echo
node bench/webhookBurst.ts 1000
echo
node bench/imagePushToRunning.ts docker "${BENCH_HOOK_ROUNDS:-10}"
echo
node bench/manySources.ts docker "${BENCH_HOOK_ROUNDS:-10}" 60 "${BENCH_HOOK_ROUNDS:-10}"
if [[ ${BENCH_PODMAN:-1} != 0 ]]; then
  echo
  node bench/manySources.ts podman "${BENCH_HOOK_ROUNDS:-10}" 60 "${BENCH_HOOK_ROUNDS:-10}"
fi
echo
node bench/idleDaemon.ts 60 docker "${BENCH_IDLE_ROUNDS:-3}"
echo
node bench/daemonNoopPass.ts docker 20
if [[ ${BENCH_PODMAN:-1} != 0 ]]; then
  echo
  node bench/daemonNoopPass.ts podman 20
fi
echo
if [[ ${BENCH_SCALE:-1} != 0 ]]; then
  node bench/scale.ts docker "${BENCH_SCALE_POLLS:-15}"
  echo
fi
node bench/rollbackRecovery.ts docker "${BENCH_ROLLBACK_ROUNDS:-5}"
if [[ ${BENCH_PODMAN:-1} != 0 ]]; then
  echo
  node bench/rollbackRecovery.ts podman "${BENCH_ROLLBACK_ROUNDS:-5}"
fi
echo
node bench/leaseTakeover.ts docker "${BENCH_LEASE_ROUNDS:-10}"
if [[ ${BENCH_PODMAN:-1} != 0 ]]; then
  echo
  node bench/leaseTakeover.ts podman "${BENCH_LEASE_ROUNDS:-10}"
fi
