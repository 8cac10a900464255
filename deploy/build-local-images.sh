#!/usr/bin/env bash
# Build emer's CPU images on a machine without Docker and without access to a container
# registry (`make images`): a Debian bookworm base with Python 3.11 made by debootstrap from
# the Debian mirror, then the repository's Dockerfiles built with buildah on top of it.
#
#   deploy/build-local-images.sh [--only NAME,...] [--rebuild-base] [--ca-dir DIR]
#
# --only        images besides emer-base (default: cli,text,scoring,visual,audio,fusion)
# --rebuild-base  run debootstrap again (otherwise the imported base is reused)
# --ca-dir      extra CA certificates (*.crt) the base trusts, for a TLS-intercepting proxy
#               between this machine and PyPI; default /usr/local/share/ca-certificates
#
# Needs root and `make image-deps` (buildah, podman, runc, debootstrap). Images and layers
# live in their own containers-storage under $EMER_IMAGES_DIR (default .cache/images), with
# the vfs driver (no overlay mounts needed); `podman --root`-style access goes through
# CONTAINERS_STORAGE_CONF=$EMER_IMAGES_DIR/storage.conf. The images are tagged
# localhost/emer-NAME:VERSION. The base made here stands in for python:3.11-slim-bookworm
# (same Debian release and Python minor); release images are built FROM the official one
# with deploy/build-images.sh.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${EMER_IMAGES_DIR:-$repo_root/.cache/images}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
python_image=localhost/emer-python:3.11-bookworm
only=cli,text,scoring,visual,audio,fusion
rebuild_base=false
ca_dir=/usr/local/share/ca-certificates

while [ $# -gt 0 ]; do
    case "$1" in
        --only) only="$2"; shift 2 ;;
        --rebuild-base) rebuild_base=true; shift ;;
        --ca-dir) ca_dir="$2"; shift 2 ;;
        -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done

if [ "$(id -u)" != 0 ]; then
    echo "build-local-images: debootstrap and buildah's chroot isolation need root" >&2
    exit 2
fi
for tool in debootstrap buildah podman; do
    if ! command -v "$tool" >/dev/null; then
        echo "build-local-images: $tool is missing; run 'make image-deps'" >&2
        exit 2
    fi
done

mkdir -p "$work"
cat > "$work/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$work/storage"
runroot = "$work/run"
EOF
export CONTAINERS_STORAGE_CONF="$work/storage.conf"

make_base() {
    local rootfs="$work/rootfs"
    echo ">> $python_image (debootstrap bookworm from $mirror)"
    rm -rf "$rootfs"
    debootstrap --variant=minbase \
        --include=python3,python3-venv,python-is-python3,ca-certificates \
        bookworm "$rootfs" "$mirror"
    if compgen -G "$ca_dir/*.crt" >/dev/null; then
        # A TLS-intercepting proxy: trust its CA in the base, and make pip use the system
        # bundle (pip otherwise trusts only its own certifi copy).
        cp "$ca_dir"/*.crt "$rootfs/usr/local/share/ca-certificates/"
        chroot "$rootfs" update-ca-certificates
        printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$rootfs/etc/pip.conf"
    fi
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$python_image"
    rm -rf "$rootfs"
}

if [ "$rebuild_base" = true ] || ! podman image exists "$python_image"; then
    make_base
fi

# buildah: Docker's image format (the Dockerfiles use SHELL, which OCI images drop), chroot
# isolation and the host's network (no user namespaces, bridges or overlay mounts needed).
export BUILD_OPTS="--format docker --isolation chroot --network host --layers"
DOCKER=buildah "$repo_root/deploy/build-images.sh" --registry localhost \
    --python-image "$python_image" --only "$only"
# vfs stores every layer as a full copy: drop the images earlier builds left untagged
# (one pass over base, cli, text, scoring and visual freed 20 GB of 41 GB).
podman image prune --force >/dev/null
