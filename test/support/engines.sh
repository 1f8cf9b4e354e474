#!/usr/bin/env bash
# engines.sh start|stop|status [docker] [podman] [swarm] [swarm2]     (default: all four)
#
# A PRIVATE dockerd, a PRIVATE Podman Docker-compatible API service, a second
# PRIVATE dockerd that is a single-node Swarm manager ("swarm", for the Swarm target's
# tests: the shared dockerd is never put in swarm mode), and a PRIVATE two-node swarm
# ("swarm2": two more dockerds, each in a network namespace of its own joined by a veth
# pair, for placement and drain tests), everything under $FLEETD_ENGINES_DIR (default
# <repo>/.engines). Nothing here touches /var/lib/docker, /var/lib/containers, a
# system socket or the host's network, so it can run beside an engine the machine already has.
#
# `start` is idempotent: an engine that already answers /_ping is left alone, and an
# image that already exists is not imported again. It writes $DIR/env:
#   export FLEETD_TEST_DOCKER_HOST=unix://$DIR/docker/docker.sock
#   export FLEETD_TEST_PODMAN_HOST=unix://$DIR/podman/podman.sock
#   export FLEETD_TEST_SWARM_HOST=unix://$DIR/swarm/docker.sock
#   export FLEETD_TEST_SWARM2_HOST=unix://$DIR/swarm2/manager/docker.sock
#   export FLEETD_TEST_SWARM2_WORKER_HOST=unix://$DIR/swarm2/worker/docker.sock
#
# Needs (Debian): docker.io runc podman busybox-static curl iproute2 (podman pulls in conmon,
# netavark, aardvark-dns, containernetworking-plugins), and root (network namespaces).
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
#   - Two-node swarm ("swarm2"): two dockerds, each in a network namespace of its own
#     (`ip netns add`), joined by a veth pair created straight into the two namespaces
#     (it never exists in the host's), 10.213.7.1/24 (manager) and 10.213.7.2/24
#     (worker), no route anywhere else. The daemons are started with `nsenter --net`,
#     NOT `ip netns exec`: the latter remounts /sys in a new mount namespace, which hides
#     the cgroup mounts and dockerd exits with "Devices cgroup isn't mounted". Their unix
#     sockets stay on this filesystem, so the tests reach both from the host's
#     namespace. Each daemon also gets a UTS namespace with its own hostname
#     (fleetd-swarm2-manager/-worker), so `node.hostname` tells them apart. The raft
#     port (2377), gossip (7946) and VXLAN (4789) are per network namespace: this swarm
#     never clashes with the single-node one on the host's loopback. Measured: both
#     daemons answer /_ping in about 1.2 s, `swarm init` 0.8 s, the worker's join 1.9 s;
#     tasks of one service on both nodes reach each other over a user overlay network
#     (VXLAN between the namespaces) and `tasks.<service>` resolves to both; a drained
#     node's task is running again on the other node in about 10 s (5 s of it is Swarm's
#     default restart delay). Same limits as the single-node swarm: no IPVS, so no VIP
#     and no ingress mesh traffic. Each node gets the label fleetd.test.zone=a (manager)
#     or =b (worker); `start` also sets both nodes back to `active` (a test that drains
#     one and fails must not leave the next run with one node).
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
swarm2_dir=$dir/swarm2
swarm2_manager_sock=$swarm2_dir/manager/docker.sock
swarm2_worker_sock=$swarm2_dir/worker/docker.sock
# Network namespace names are machine-wide: tie them to this engines directory, so a
# private $FLEETD_ENGINES_DIR never takes over the shared one's namespaces.
swarm2_ns=fleetd-s2-$(printf '%s' "$dir" | cksum | cut -d' ' -f1)
swarm2_manager_addr=10.213.7.1
swarm2_worker_addr=10.213.7.2
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

launch_dockerd() { # DIR NAMESPACE [NETNS HOSTNAME]: starts it unless it answers, does not wait
  local d=$1 sock=$1/docker.sock wrap=()
  command -v dockerd >/dev/null || die "dockerd not found (apt-get install -y docker.io runc)"
  mkdir -p "$d/data" "$d/exec"
  if ping_sock "$sock"; then return 0; fi
  if pid_alive "$d/dockerd.pid"; then
    log "dockerd pid $(cat "$d/dockerd.pid") alive but not answering; waiting"
  else
    rm -f "$sock" "$d/dockerd.pid"
    if [[ -n ${3:-} ]]; then
      # Into the network namespace only (nsenter --net, not `ip netns exec`, which would
      # hide the cgroup mounts), with a hostname of its own for `node.hostname`.
      wrap=(nsenter "--net=/run/netns/$3" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$4")
    fi
    # --bridge=none: no docker0 and no default bridge network (containers that ask for
    # none get only loopback); --iptables/--ip-masq off: never touch the host firewall.
    # setsid: the daemon must outlive this script and not get the caller's SIGINT.
    setsid "${wrap[@]}" dockerd \
      --host "unix://$sock" \
      --data-root "$d/data" \
      --exec-root "$d/exec" \
      --pidfile "$d/dockerd.pid" \
      --bridge=none --iptables=false --ip-masq=false \
      --containerd-namespace "$2" --containerd-plugins-namespace "$2-plugins" \
      >"$d/dockerd.log" 2>&1 </dev/null &
  fi
}

start_dockerd() { # DIR NAMESPACE
  launch_dockerd "$1" "$2"
  wait_ping "$1/docker.sock" dockerd "$1/dockerd.log"
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

swarm2_netns() { # the two namespaces and the veth pair between them, made only when missing
  local role addr
  command -v ip >/dev/null || die "ip not found (apt-get install -y iproute2)"
  for role in manager worker; do
    [[ -e /run/netns/$swarm2_ns-$role ]] || ip netns add "$swarm2_ns-$role" ||
      die "ip netns add $swarm2_ns-$role failed (root is needed for the two-node swarm)"
    ip -n "$swarm2_ns-$role" link set lo up
  done
  if ! ip -n "$swarm2_ns-manager" link show s2 >/dev/null 2>&1; then
    ip -n "$swarm2_ns-worker" link del s2 2>/dev/null || true # half of an old pair
    # Created straight into the two namespaces: the pair never appears in the host's.
    ip link add s2 netns "$swarm2_ns-manager" type veth peer name s2 netns "$swarm2_ns-worker" ||
      die "could not create the veth pair between $swarm2_ns-manager and $swarm2_ns-worker"
  fi
  for role in manager worker; do
    addr=$swarm2_manager_addr
    [[ $role == worker ]] && addr=$swarm2_worker_addr
    ip -n "$swarm2_ns-$role" addr replace "$addr/24" dev s2
    ip -n "$swarm2_ns-$role" link set s2 up
  done
}

swarm2_state() { # SOCK: the node's LocalNodeState (inactive, pending, active, error, locked)
  engine_api "unix://$1" /info -fsS --max-time 10 | grep -o '"LocalNodeState":"[a-z]*"' | cut -d'"' -f4
}

swarm2_node_spec() { # ROLE ZONE: the whole node spec (fleetd owns these nodes' specs outright)
  printf '{"Role":"%s","Availability":"active","Labels":{"fleetd.test.zone":"%s"}}' "$1" "$2"
}

swarm2_label() { # SOCK ROLE ZONE: labels the node, and sets it back to active
  local id version out
  id=$(engine_api "unix://$1" /info -fsS --max-time 10 | grep -o '"NodeID":"[a-z0-9]*","NodeAddr"' | cut -d'"' -f4)
  [[ -n $id ]] || die "no swarm node id on unix://$1"
  version=$(engine_api "unix://$swarm2_manager_sock" "/nodes/$id" -fsS --max-time 10 |
    grep -o '"Version":{"Index":[0-9]*}' | grep -o '[0-9]*') || die "GET /nodes/$id on the swarm2 manager failed"
  out=$(engine_api "unix://$swarm2_manager_sock" "/nodes/$id/update?version=$version" -sS --fail-with-body \
    --max-time 10 -H 'Content-Type: application/json' --data "$(swarm2_node_spec "$2" "$3")") ||
    die "labelling swarm2 node $id failed: $out"
}

start_swarm2() {
  local state token out end
  swarm2_netns
  # Both daemons start together, then both are waited for.
  launch_dockerd "$swarm2_dir/manager" fleetd-swarm2-manager "$swarm2_ns-manager" fleetd-swarm2-manager
  launch_dockerd "$swarm2_dir/worker" fleetd-swarm2-worker "$swarm2_ns-worker" fleetd-swarm2-worker
  wait_ping "$swarm2_manager_sock" "swarm2 manager dockerd" "$swarm2_dir/manager/dockerd.log"
  wait_ping "$swarm2_worker_sock" "swarm2 worker dockerd" "$swarm2_dir/worker/dockerd.log"
  state=$(swarm2_state "$swarm2_manager_sock") || die "GET /info on the swarm2 manager failed"
  if [[ $state == inactive ]]; then
    out=$(engine_api "unix://$swarm2_manager_sock" /swarm/init -sS --fail-with-body --max-time 60 \
      -H 'Content-Type: application/json' \
      --data "{\"ListenAddr\":\"$swarm2_manager_addr:2377\",\"AdvertiseAddr\":\"$swarm2_manager_addr\"}") ||
      die "swarm init failed on unix://$swarm2_manager_sock: $out"
  elif [[ $state != active ]]; then
    die "the swarm2 manager is in swarm state '$state'; stop it and remove $swarm2_dir to start afresh"
  fi
  state=$(swarm2_state "$swarm2_worker_sock") || die "GET /info on the swarm2 worker failed"
  if [[ $state == inactive ]]; then
    token=$(engine_api "unix://$swarm2_manager_sock" /swarm -fsS --max-time 10 |
      grep -o '"Worker":"[^"]*"' | cut -d'"' -f4) || die "no join token from the swarm2 manager"
    out=$(engine_api "unix://$swarm2_worker_sock" /swarm/join -sS --fail-with-body --max-time 60 \
      -H 'Content-Type: application/json' \
      --data "{\"ListenAddr\":\"$swarm2_worker_addr:2377\",\"AdvertiseAddr\":\"$swarm2_worker_addr\",\"RemoteAddrs\":[\"$swarm2_manager_addr:2377\"],\"JoinToken\":\"$token\"}") ||
      die "the swarm2 worker could not join the manager: $out"
  fi
  # A restarted pair finds each other again from the state in data/; wait for both to be ready.
  end=$((SECONDS + deadline_s))
  until [[ $(engine_api "unix://$swarm2_manager_sock" /nodes -fsS --max-time 10 | grep -o '"State":"ready"' | wc -l) == 2 ]]; do
    if ((SECONDS >= end)); then
      log "the two swarm2 nodes were not both ready within ${deadline_s}s; last worker log lines:"
      tail -n 20 "$swarm2_dir/worker/dockerd.log" >&2 || true
      die "stop swarm2 and remove $swarm2_dir to start afresh"
    fi
    sleep 0.2
  done
  swarm2_label "$swarm2_manager_sock" manager a
  swarm2_label "$swarm2_worker_sock" worker b
}

stop_swarm2() {
  local role
  # Task containers stop with their daemons; the swarm state stays in data/ for the next start.
  # Both at once: each spends seconds waiting for gossip to say goodbye to the other.
  for role in worker manager; do
    stop_pidfile "$swarm2_dir/$role/dockerd.pid" "swarm2 $role dockerd" &
  done
  wait
  for role in worker manager; do
    rm -f "$swarm2_dir/$role/docker.sock"
    cleanup_mounts "$swarm2_dir/$role"
  done
  # Deleting a namespace deletes its end of the veth pair, and with it the other end.
  for role in manager worker; do
    [[ -e /run/netns/$swarm2_ns-$role ]] && ip netns del "$swarm2_ns-$role"
  done
  return 0
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
    if ping_sock "$swarm2_manager_sock" && ping_sock "$swarm2_worker_sock"; then
      echo "export FLEETD_TEST_SWARM2_HOST=unix://$swarm2_manager_sock"
      echo "export FLEETD_TEST_SWARM2_WORKER_HOST=unix://$swarm2_worker_sock"
    fi
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
want_docker=0 want_podman=0 want_swarm=0 want_swarm2=0
for engine in "${@:-docker podman swarm swarm2}"; do
  for e in $engine; do
    case $e in
    docker) want_docker=1 ;;
    podman) want_podman=1 ;;
    swarm) want_swarm=1 ;;
    swarm2) want_swarm2=1 ;;
    *) die "unknown engine: $e (docker, podman, swarm or swarm2)" ;;
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
  if ((want_swarm2)); then
    start_swarm2
    # Every node runs its tasks from its own images (there is no registry): both get them.
    engine_ensure_test_images "unix://$swarm2_manager_sock" "$dir/images"
    engine_ensure_test_images "unix://$swarm2_worker_sock" "$dir/images"
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
  if ((want_swarm2)); then stop_swarm2; fi
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
  if ((want_swarm2)); then
    if ping_sock "$swarm2_manager_sock" && ping_sock "$swarm2_worker_sock"; then
      echo "swarm2: up (unix://$swarm2_manager_sock, worker unix://$swarm2_worker_sock)"
    else
      echo "swarm2: down"
      rc=1
    fi
  fi
  exit $rc
  ;;
*)
  echo "usage: engines.sh start|stop|status [docker] [podman] [swarm] [swarm2]   (dir: $dir)" >&2
  exit 2
  ;;
esac
