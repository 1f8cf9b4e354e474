#!/usr/bin/env bash
# engines.sh start|stop|status [docker] [podman] [swarm]     (default: all three)
#
# A PRIVATE dockerd, a PRIVATE Podman Docker-compatible API service and a second
# PRIVATE dockerd that is a single-node Swarm manager ("swarm", for the Swarm target's
# tests: the shared dockerd is never put in swarm mode), everything under $FLEETD_ENGINES_DIR (default
# <repo>/.engines). Nothing here touches /var/lib/docker, /var/lib/containers or a
# system socket, so it can run beside an engine the machine already has.
#
# `start` is idempotent: an engine that already answers /_ping is left alone, and an
# image that already exists is not imported again. It writes $DIR/env:
#   export FLEETD_TEST_DOCKER_HOST=unix://$DIR/docker/docker.sock
#   export FLEETD_TEST_PODMAN_HOST=unix://$DIR/podman/podman.sock
#   export FLEETD_TEST_SWARM_HOST=unix://$DIR/swarm/docker.sock
#
# Needs (Debian): docker.io runc podman busybox-static curl (podman pulls in conmon,
# netavark, aardvark-dns, containernetworking-plugins).
#
# Measured on the CI-like machine this was written on (root, Debian 12, dockerd
# 20.10.24 / API 1.41, podman 4.3.1, hybrid cgroups v1+v2, no systemd):
#   - dockerd with --bridge=none still creates user-defined bridge networks
#     (`POST /networks/create` driver=bridge) and containers on them get addresses
#     and reach each other by name and alias; `--iptables=false` only means no NAT.
#     A container created without a network gets loopback only (there is no
#     "bridge" network); on Podman it joins the default "podman" network (10.88/16).
#   - Port publishing to 127.0.0.1 works on dockerd (docker-proxy userland proxy) and
#     on Podman (netavark/rootful).
#   - Podman storage driver: overlay (kernel overlayfs works for root here); vfs is
#     not needed.
#   - Podman cgroup manager: cgroupfs (no systemd); events backend: file.
#   - crun 1.8 (Podman's default) refuses the hybrid cgroups; runc works. Containers
#     may not raise rlimits, hence default_ulimits in containers.conf.
#   - Podman never runs healthchecks by itself without systemd timers.
#   - Swarm (same dockerd, same flags, `POST /swarm/init` with AdvertiseAddr 127.0.0.1):
#     services run their tasks from local images, several replicas, on the ingress
#     network and on user overlay networks; updates and Swarm's automatic rollback
#     (failure_action: rollback) work: a crash-looping update of 2 replicas with a 3s
#     monitor was rolled back in about 40s. Tasks on one overlay network reach each
#     other by address and by name with endpoint_mode dnsrr (and `tasks.<service>`
#     resolves), but NOT through a service's virtual IP, and a port published through
#     the ingress routing mesh does not answer: both need IPVS (this kernel has no
#     ip_vs: /proc/sys/net/ipv4/vs is missing) and iptables, which stay off. So tests
#     check tasks and their states, never traffic through a VIP or a published port.
#     Ports: the cluster listens on 127.0.0.1:$FLEETD_SWARM_PORT (default 12377, not
#     2377, so a machine's own swarm is left alone); gossip takes 127.0.0.1:7946 (not
#     configurable), so only one such swarm per machine. Its own containerd namespace.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
dir=${FLEETD_ENGINES_DIR:-$repo/.engines}
docker_dir=$dir/docker
podman_dir=$dir/podman
docker_sock=$docker_dir/docker.sock
podman_sock=$podman_dir/podman.sock
swarm_dir=$dir/swarm
swarm_sock=$swarm_dir/docker.sock
swarm_port=${FLEETD_SWARM_PORT:-12377}
deadline_s=${FLEETD_ENGINES_DEADLINE:-60}

log() { printf 'engines.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# shellcheck source=engine-images.sh
source "$here/engine-images.sh"
ping_sock() { engine_ping "unix://$1"; }

wait_ping() { # sock name logfile
  local end=$((SECONDS + deadline_s))
  until ping_sock "$1"; do
    if ((SECONDS >= end)); then
      log "$2 did not answer /_ping on $1 within ${deadline_s}s; last log lines:"
      tail -n 20 "$3" >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_dockerd() { # DIR NAMESPACE
  local d=$1 sock=$1/docker.sock
  command -v dockerd >/dev/null || die "dockerd not found (apt-get install -y docker.io runc)"
  mkdir -p "$d/data" "$d/exec"
  if ping_sock "$sock"; then return 0; fi
  if pid_alive "$d/dockerd.pid"; then
    log "dockerd pid $(cat "$d/dockerd.pid") alive but not answering; waiting"
  else
    rm -f "$sock" "$d/dockerd.pid"
    # --bridge=none: no docker0 and no default bridge network (containers that ask for
    # none get only loopback); --iptables/--ip-masq off: never touch the host firewall.
    # setsid: the daemon must outlive this script and not get the caller's SIGINT.
    setsid dockerd \
      --host "unix://$sock" \
      --data-root "$d/data" \
      --exec-root "$d/exec" \
      --pidfile "$d/dockerd.pid" \
      --bridge=none --iptables=false --ip-masq=false \
      --containerd-namespace "$2" --containerd-plugins-namespace "$2-plugins" \
      >"$d/dockerd.log" 2>&1 </dev/null &
  fi
  wait_ping "$sock" dockerd "$d/dockerd.log"
}

start_docker() { start_dockerd "$docker_dir" fleetd-test; }

start_swarm() {
  start_dockerd "$swarm_dir" fleetd-swarm
  local state out
  state=$(engine_api "unix://$swarm_sock" /info -fsS --max-time 10 | grep -o '"LocalNodeState":"[a-z]*"') ||
    die "GET /info on the swarm engine failed"
  [[ $state == '"LocalNodeState":"active"' ]] && return 0
  out=$(engine_api "unix://$swarm_sock" /swarm/init -sS --fail-with-body --max-time 60 \
    -H 'Content-Type: application/json' \
    --data "{\"ListenAddr\":\"127.0.0.1:$swarm_port\",\"AdvertiseAddr\":\"127.0.0.1\"}") ||
    die "swarm init failed on unix://$swarm_sock: $out"
}

write_containers_conf() {
  # The project's own containers.conf (CONTAINERS_CONF), never /etc/containers.
  cat >"$podman_dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$podman_dir/events.log"
tmp_dir = "$podman_dir/tmp"
volume_path = "$podman_dir/root/volumes"

[network]
network_backend = "netavark"
network_config_dir = "$podman_dir/networks"
CONF
}

podman_cmd() {
  CONTAINERS_CONF=$podman_dir/containers.conf podman \
    --root "$podman_dir/root" --runroot "$podman_dir/runroot" \
    --storage-driver overlay "$@"
}

start_podman() {
  command -v podman >/dev/null || die "podman not found (apt-get install -y podman runc)"
  mkdir -p "$podman_dir/root" "$podman_dir/runroot" "$podman_dir/tmp" "$podman_dir/networks"
  write_containers_conf
  if ping_sock "$podman_sock"; then return 0; fi
  if pid_alive "$podman_dir/podman.pid"; then
    log "podman service pid $(cat "$podman_dir/podman.pid") alive but not answering; waiting"
  else
    rm -f "$podman_sock"
    # --time=0: never exit for idleness (the tests come and go).
    setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$podman_dir/podman.pid" \
      env CONTAINERS_CONF="$podman_dir/containers.conf" podman \
      --root "$podman_dir/root" --runroot "$podman_dir/runroot" --storage-driver overlay \
      system service --time=0 "unix://$podman_sock" \
      >"$podman_dir/podman.log" 2>&1 </dev/null &
  fi
  wait_ping "$podman_sock" "podman system service" "$podman_dir/podman.log"
}

write_env() { # only the engines that answer, so a half-started setup fails loudly
  {
    if ping_sock "$docker_sock"; then echo "export FLEETD_TEST_DOCKER_HOST=unix://$docker_sock"; fi
    if ping_sock "$podman_sock"; then echo "export FLEETD_TEST_PODMAN_HOST=unix://$podman_sock"; fi
    if ping_sock "$swarm_sock"; then echo "export FLEETD_TEST_SWARM_HOST=unix://$swarm_sock"; fi
  } >"$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"
}

stop_pidfile() { # pidfile name
  local pidfile=$1 pid end
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  end=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= end)); then
      log "$2 (pid $pid) ignored SIGTERM for 20s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$pidfile"
}

cleanup_mounts() { # DIR
  # Whatever a daemon left mounted under its directory (overlay layers, shm, netns),
  # deepest first so parents unmount after their children.
  local m
  while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done < <(awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r)
}

command=${1:-}
shift || true
want_docker=0 want_podman=0 want_swarm=0
for engine in "${@:-docker podman swarm}"; do
  for e in $engine; do
    case $e in
    docker) want_docker=1 ;;
    podman) want_podman=1 ;;
    swarm) want_swarm=1 ;;
    *) die "unknown engine: $e (docker, podman or swarm)" ;;
    esac
  done
done

case $command in
start)
  mkdir -p "$dir"
  if ((want_docker)); then
    start_docker
    engine_ensure_test_images "unix://$docker_sock" "$dir/images"
  fi
  if ((want_podman)); then
    start_podman
    engine_ensure_test_images "unix://$podman_sock" "$dir/images"
  fi
  if ((want_swarm)); then
    start_swarm
    engine_ensure_test_images "unix://$swarm_sock" "$dir/images"
  fi
  write_env
  log "ready; source $dir/env"
  ;;
stop)
  if ((want_podman)); then
    # Stopping the service does not stop its containers (conmon keeps them); do it first.
    if ping_sock "$podman_sock"; then podman_cmd stop --all --time 2 >/dev/null 2>&1 || true; fi
    stop_pidfile "$podman_dir/podman.pid" "podman system service"
    rm -f "$podman_sock"
    cleanup_mounts "$podman_dir"
  fi
  if ((want_docker)); then
    stop_pidfile "$docker_dir/dockerd.pid" dockerd
    rm -f "$docker_sock"
    cleanup_mounts "$docker_dir"
  fi
  if ((want_swarm)); then
    # Its services' task containers stop with it; the swarm state stays in data/ for the next start.
    stop_pidfile "$swarm_dir/dockerd.pid" "swarm dockerd"
    rm -f "$swarm_sock"
    cleanup_mounts "$swarm_dir"
  fi
  [[ -d $dir ]] && write_env
  ;;
status)
  rc=0
  if ((want_docker)); then
    if ping_sock "$docker_sock"; then echo "docker: up (unix://$docker_sock)"; else echo "docker: down"; rc=1; fi
  fi
  if ((want_podman)); then
    if ping_sock "$podman_sock"; then echo "podman: up (unix://$podman_sock)"; else echo "podman: down"; rc=1; fi
  fi
  if ((want_swarm)); then
    if ping_sock "$swarm_sock"; then echo "swarm: up (unix://$swarm_sock)"; else echo "swarm: down"; rc=1; fi
  fi
  exit $rc
  ;;
*)
  echo "usage: engines.sh start|stop|status [docker] [podman] [swarm]   (dir: $dir)" >&2
  exit 2
  ;;
esac
