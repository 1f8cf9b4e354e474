# engine-images.sh: sourced by engines.sh and scripts/ensure-engine.sh.
#
# Talks to an engine's API with curl (no docker/podman CLI needed) given a
# DOCKER_HOST-style URL: unix:///path/to.sock or tcp://127.0.0.1:2375.
# Provides: engine_api HOST PATH [curl args...], engine_ping HOST,
#           engine_has_image HOST REF, engine_import HOST REF TAR,
#           engine_ensure_test_images HOST CACHE_DIR [REF...]

_engine_images_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

engine_api() { # HOST PATH [curl args...]
  local host=$1 path=$2
  shift 2
  case $host in
  unix://*) curl --unix-socket "${host#unix://}" "$@" "http://engine$path" ;;
  tcp://*) curl "$@" "http://${host#tcp://}$path" ;;
  *)
    echo "unsupported engine host: $host" >&2
    return 2
    ;;
  esac
}

engine_ping() { engine_api "$1" /_ping -fsS --max-time 2 -o /dev/null 2>/dev/null; }

engine_has_image() { # HOST REF
  local code
  code=$(engine_api "$1" "/images/$2/json" -sS -o /dev/null -w '%{http_code}' --max-time 30) || return 1
  [[ $code == 200 ]]
}

engine_import() { # HOST REF TAR
  local out
  # The tag goes inside `repo`: Podman 4.3 ignores the separate `tag` parameter.
  # changes=CMD ["sh"]: like the real busybox image, so running the bare image gives a shell.
  out=$(engine_api "$1" "/images/create?fromSrc=-&repo=$2&changes=CMD%20%5B%22sh%22%5D" \
    -sS --fail-with-body --max-time 120 -H 'Content-Type: application/x-tar' --data-binary "@$3") || {
    echo "import of $2 into $1 failed: $out" >&2
    return 1
  }
  if grep -q '"error' <<<"$out"; then
    echo "import of $2 into $1 failed: $out" >&2
    return 1
  fi
}

# The images the tests and the example fleet use, made from busybox-static:
# fleetd-test/app:v1, fleetd-test/app:v2 (differs in /VERSION) and busybox:1.36.
engine_ensure_test_images() { # HOST CACHE_DIR [REF...]
  local host=$1 cache=$2 ref version
  shift 2
  local refs=("$@")
  ((${#refs[@]})) || refs=(fleetd-test/app:v1 fleetd-test/app:v2 busybox:1.36)
  mkdir -p "$cache"
  for ref in "${refs[@]}"; do
    engine_has_image "$host" "$ref" && continue
    case $ref in
    fleetd-test/app:v2) version=v2 ;;
    *) version=v1 ;; # busybox:1.36 is the v1 rootfs under another name
    esac
    [[ -f $cache/$version.tar ]] || "$_engine_images_dir/make-rootfs.sh" "$cache/$version.tar" "$version"
    engine_import "$host" "$ref" "$cache/$version.tar" || return 1
  done
}
