#!/usr/bin/env bash
# docker/stand-in-base-images.sh [--pip-index URL]...
#
# For a Docker engine that cannot pull from Docker Hub: stand-ins for docker/Dockerfile's
# two Node.js base images, imported into the local engine under their names, so that
# `docker build --network host -f docker/Dockerfile --target runtime .` runs (or
# `--target composed-model`). As root, with debootstrap:
#
#   node:20-bookworm-slim  Debian 12 `debootstrap --variant=minbase` + this machine's Node.js 20
#                          (and npm) in /usr/local, the node user (uid 1000), as the real one has them
#   node:20-bookworm       that + what the real one's buildpack-deps base has and the build stage
#                          relies on (ca-certificates, curl, git, make, gcc, g++, procps)
#                          + /etc/pip.conf naming the --pip-index URLs (a PyPI mirror the build can reach)
#                          + this machine's local CAs (/usr/local/share/ca-certificates: a TLS-intercepting
#                          proxy's, which npm's registry then needs) and NODE_EXTRA_CA_CERTS naming the bundle
#
# tensorflow/serving (compose's tf-serving) has no stand-in: TF Serving comes from Docker Hub only.
# The minbase rootfs is cached in $TFSRP_ROOTFS_CACHE (default /var/cache/tfserving-remote-predict),
# the one test/docker-stages/ uses.
set -euo pipefail
log() { echo "[stand-in-base-images] $*" >&2; }
die() { log "$*"; exit 1; }

indexes=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --pip-index) indexes+=("$2"); shift ;;
    *) die "unknown argument $1 (usage: $0 [--pip-index URL]...)" ;;
  esac
  shift
done
[[ "$(id -u)" -eq 0 ]] || die "needs root (debootstrap, chroot)"
node_version="$(node -p process.versions.node)"
[[ "$node_version" == 20.* ]] || die "this machine's node is $node_version, not 20"
docker info >/dev/null 2>&1 || die "no Docker engine answers (docker info)"

cache="${TFSRP_ROOTFS_CACHE:-/var/cache/tfserving-remote-predict}"
base="$cache/bookworm-minbase"
complete=.tfsrp-debootstrap-complete
if [[ ! -f "$base/$complete" ]]; then
  command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install -y debootstrap"
  rm -rf "$base.partial"
  debootstrap --variant=minbase bookworm "$base.partial" "${TFSRP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  date -u +%FT%TZ > "$base.partial/$complete"
  mv "$base.partial" "$base"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/stand-in-base-images.XXXXXX")"
cleanup() {
  for m in proc dev; do mountpoint -q "$work/rootfs/$m" && umount "$work/rootfs/$m"; done
  # Never delete through a mount.
  if ! grep -q " $work/" /proc/self/mounts; then rm -rf "$work"; else log "left $work: still mounted"; fi
}
trap cleanup EXIT
rootfs="$work/rootfs"
cp -a "$base" "$rootfs"
rm -f "$rootfs/$complete" "$rootfs"/var/lib/apt/lists/*_* "$rootfs"/var/cache/apt/archives/*.deb

# node:20-bookworm-slim: Node.js in /usr/local as the official image installs it.
install -m 755 "$(command -v node)" "$rootfs/usr/local/bin/node"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

import_image() {
  local name="$1"; shift
  tar -C "$rootfs" --exclude=./proc/* --exclude=./dev/* -c . |
    docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change "ENV NODE_VERSION=$node_version" --change 'CMD ["node"]' "$@" - "$name" >/dev/null
  log "$name: $(docker image inspect -f '{{.Size}}' "$name") bytes"
}
import_image node:20-bookworm-slim

# node:20-bookworm: the build tools buildpack-deps:bookworm brings, and a reachable PyPI.
mount -t proc proc "$rootfs/proc"
mount --bind /dev "$rootfs/dev"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
chroot "$rootfs" apt-get update -qq
chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  ca-certificates curl git make gcc g++ libc6-dev procps >/dev/null
cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
chroot "$rootfs" update-ca-certificates >/dev/null
chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/*_*
umount "$rootfs/proc" "$rootfs/dev"
if [[ ${#indexes[@]} -gt 0 ]]; then
  { echo '[global]'; echo "index-url = ${indexes[0]}"
    [[ ${#indexes[@]} -lt 2 ]] || echo "extra-index-url = ${indexes[*]:1}"
    # pip refuses plain-http indexes on hosts other than localhost unless they are trusted
    # (an engine's bridge gateway, e.g. http://172.17.0.1:PORT/simple).
    hosts=()
    for index in "${indexes[@]}"; do
      [[ "$index" != http://* ]] || hosts+=("$(echo "$index" | sed -E 's#^http://([^/:]+).*#\1#')")
    done
    [[ ${#hosts[@]} -eq 0 ]] || echo "trusted-host = ${hosts[*]}"; } > "$rootfs/etc/pip.conf"
fi
import_image node:20-bookworm --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'
