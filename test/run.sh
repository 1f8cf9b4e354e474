#!/usr/bin/env bash
# test/run.sh [vitest args...]   (npm test)
#
# The whole suite against real engines: brings up the private dockerd, Podman
# service, single-node Swarm dockerd and two-node Swarm (two dockerds in network
# namespaces of their own; test/support/engines.sh) unless they already answer, runs `vitest run`
# over test/, stops the engines this run started, and exits with vitest's code.
# Works from any directory. Keep engines up between runs with
# `bash test/support/engines.sh start` (then this script leaves them running).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo" || exit 1
# Node 24 from the project's own devDependency comes first (effect 4 and vitest 5 need it).
export PATH="$repo/node_modules/.bin:$PATH"
engines="$repo/test/support/engines.sh"
dir=${FLEETD_ENGINES_DIR:-$repo/.engines}

started=()
for engine in docker podman swarm swarm2; do
  bash "$engines" status "$engine" >/dev/null 2>&1 || started+=("$engine")
done
stop_started() {
  if ((${#started[@]})); then bash "$engines" stop "${started[@]}" || true; fi
}
trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Always run start: it is idempotent and also makes sure the test images exist.
bash "$engines" start || {
  echo "test/run.sh: could not start the test engines (see above)" >&2
  exit 1
}
# shellcheck source=/dev/null
source "$dir/env"

report=$(mktemp)
vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
code=$?
# The plain closing line CI reads: "N passed, N failed[, N skipped]".
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
  const skipped = r.numPendingTests + r.numTodoTests
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""))
' "$report" 2>/dev/null || echo "0 passed, 1 failed"
rm -f "$report"
exit "$code"
