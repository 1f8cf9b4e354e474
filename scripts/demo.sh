#!/usr/bin/env bash
# demo.sh — fleetd's main job, the daemon, on the example fleet. It makes a local git
# repository of fleet.example.yaml (and its files), runs `fleetd run` on it against a
# local engine (the private dockerd the tests use when no engine answers), and prints
# the daemon's address. Then it pushes a change (rolled out) and a broken change (its
# new container fails its gate and is rolled back) and shows what each pass did. The
# daemon keeps running until Ctrl-C, which stops it and leaves the fleet running; the
# last lines say how to remove it. DEMO_EXIT=1 stops after the rollback (for scripts).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
DOCKER_HOST=$(bash scripts/ensure-engine.sh)
export DOCKER_HOST
fleetd=(node bin/fleetd.js)
# The example's web service serves 127.0.0.1:8080, fleetd's default: the daemon takes 8090.
address=127.0.0.1:${DEMO_PORT:-8090}
url=http://$address

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
say() { printf '\033[2m# %s\033[0m\n' "$*"; }

step fleetd validate -f fleet.example.yaml --fleet example
"${fleetd[@]}" validate -f fleet.example.yaml --fleet example

# A repository of the example fleet: a bare "remote" and a working clone that pushes to it.
work=$(mktemp -d /tmp/fleetd-demo.XXXXXX)
git init -q --bare --initial-branch=main "$work/remote.git"
git init -q --initial-branch=main "$work/repo"
cp fleet.example.yaml "$work/repo/fleet.yaml"
cp -r example "$work/repo/example"
git_() { git -C "$work/repo" -c user.name="fleetd demo" -c user.email=demo@fleetd.invalid "$@"; }
push() {
  git_ add -A && git_ commit -q -m "$1" && git_ push -q "$work/remote.git" main
  say "pushed: $1"
}
push "the example fleet"

export FLEETD_API_TOKEN
FLEETD_API_TOKEN=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
step fleetd run --repo "file://$work/remote.git" --fleet example --listen "$address" --interval 1m
"${fleetd[@]}" run --repo "file://$work/remote.git" --fleet example --listen "$address" --interval 1m \
  --data-dir "$work/data" --log-format json >"$work/fleetd.log" 2>&1 &
daemon=$!
stop() {
  if kill -0 "$daemon" 2>/dev/null; then
    kill -TERM "$daemon" && wait "$daemon" || true
  fi
  cat <<MSG

fleetd stopped; the example fleet keeps running on $DOCKER_HOST (its log: $work/fleetd.log).
Remove it with: DOCKER_HOST=$DOCKER_HOST node bin/fleetd.js apply --fleet example --allow-empty -f <(printf 'services: {}\n')
MSG
}
trap 'stop; exit 0' INT TERM

for _ in $(seq 1 300); do
  curl -fsS --max-time 1 "$url/ready" >/dev/null 2>&1 && break
  kill -0 "$daemon" 2>/dev/null || { cat "$work/fleetd.log"; exit 1; }
  sleep 0.2
done
curl -fsS --max-time 1 "$url/ready" >/dev/null || { say "fleetd did not become ready"; tail -20 "$work/fleetd.log"; stop; exit 1; }
step fleetd status --url "$url"
"${fleetd[@]}" status --url "$url" || true
step curl http://127.0.0.1:8080/
curl -fsS --max-time 2 http://127.0.0.1:8080/ || say "(the web service did not answer on 127.0.0.1:8080)"

# A change: the worker's env_file. Only the service that reads it is replaced.
sed -i 's/^INTERVAL=5$/INTERVAL=3/' "$work/repo/example/worker.env"
push "the worker works every 3 seconds"
step fleetd sync --wait --url "$url"
"${fleetd[@]}" sync --wait --url "$url" || true

# A broken change: the worker's new command exits at once. Its new container fails the
# gate, and fleetd puts the old one back: the worker never stops working.
awk '/^  worker:/ { w = 1 } w && /^    command:/ { print "    command: [\"sh\", \"-c\", \"echo cannot read the new config >&2; exit 3\"]"; w = 0; next } { print }' \
  "$work/repo/fleet.yaml" >"$work/fleet.yaml.new" && mv "$work/fleet.yaml.new" "$work/repo/fleet.yaml"
push "a broken worker"
step fleetd sync --wait --url "$url"
"${fleetd[@]}" sync --wait --url "$url" || say "the pass did not converge: the broken worker was rolled back"
step fleetd status --url "$url"
"${fleetd[@]}" status --url "$url" || true

if [[ ${DEMO_EXIT:-} == 1 ]]; then
  stop
  exit 0
fi
cat <<MSG

fleetd runs on $url (status: $url/status, metrics: $url/metrics) and follows
file://$work/remote.git. Push to it from $work/repo and watch: fleetd status --url $url
Ctrl-C stops fleetd and leaves the fleet running.
MSG
wait "$daemon"
