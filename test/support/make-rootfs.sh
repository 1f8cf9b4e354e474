#!/usr/bin/env bash
# make-rootfs.sh OUT.tar [VERSION]
#
# Writes a tiny root filesystem made of Debian's busybox-static, as a tar that the
# Engine API's image import (`POST /images/create?fromSrc=-`) accepts. No registry is
# reachable from the machines the tests run on, so every test image is made this way.
# VERSION goes into /VERSION: two calls with different versions give two images that
# differ in exactly one file (the update tests need a second image).
set -euo pipefail

out=${1:?usage: make-rootfs.sh OUT.tar [VERSION]}
version=${2:-v1}
busybox=${BUSYBOX:-/bin/busybox}

if ! "$busybox" --list >/dev/null 2>&1; then
  echo "make-rootfs.sh: $busybox is not a busybox binary (apt-get install -y busybox-static)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,etc,tmp,root,var/www,proc,sys,dev}
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
# Every applet, so tests can use sh, sleep, httpd, wget, nc, cat, env, trap (a sh builtin)...
for applet in $("$busybox" --list); do
  [[ $applet == busybox ]] && continue
  ln -sf busybox "$root/bin/$applet"
done
mkdir -p "$root/usr/bin" "$root/sbin" "$root/usr/sbin"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
printf '%s\n' "$version" >"$root/VERSION"
printf 'fleetd test image %s\n' "$version" >"$root/var/www/index.html"

# Fixed owner and mtime: the same VERSION always gives the same layer content.
tar --numeric-owner --owner=0 --group=0 --mtime='2024-01-01 00:00:00' --sort=name \
  -C "$root" -cf "$out" .
