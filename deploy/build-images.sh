#!/usr/bin/env bash
# Build (and optionally push) every emer image from the repository root.
#
#   deploy/build-images.sh [--registry REGISTRY] [--tag TAG] [--cuda] [--push]
#                          [--packaged-models]
#
# Images: emer-base (shared base), emer-cli, emer-visual, emer-audio, emer-text, emer-fusion,
# emer-scoring, all tagged TAG (default: the version in pyproject.toml, which is the chart's
# appVersion). --cuda also builds emer-visual, emer-audio and emer-fusion as TAG-cuda, the tag
# the chart uses for services with gpu.enabled. DOCKER=podman works too.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
docker=${DOCKER:-docker}
registry=""
tag=""
cuda=false
push=false
packaged_models=false

while [ $# -gt 0 ]; do
    case "$1" in
        --registry) registry="${2%/}/"; shift 2 ;;
        --tag) tag="$2"; shift 2 ;;
        --cuda) cuda=true; shift ;;
        --push) push=true; shift ;;
        --packaged-models) packaged_models=true; shift ;;
        -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done

if [ -z "$tag" ]; then
    tag=$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo_root/pyproject.toml" | head -n 1)
fi
if [ "$tag" = "latest" ]; then
    echo "refusing the tag 'latest': pin a version" >&2
    exit 2
fi

# OCI labels: the commit the images were built from.
revision=$(git -C "$repo_root" rev-parse HEAD 2>/dev/null || echo unknown)
# Cache mounts (RUN --mount=type=cache) need BuildKit; podman/buildah support them natively.
export DOCKER_BUILDKIT=1

built=()
build() {  # build IMAGE_NAME DOCKERFILE [BUILD_ARGS...]
    local image="${registry}$1:$2" dockerfile="$3"
    shift 3
    echo ">> $image"
    "$docker" build --file "$repo_root/deploy/docker/$dockerfile" --tag "$image" \
        --build-arg "BASE_IMAGE=${registry}emer-base:$tag" \
        --build-arg "VERSION=$tag" --build-arg "REVISION=$revision" "$@" "$repo_root"
    built+=("$image")
}

build emer-base "$tag" base.Dockerfile
build emer-cli "$tag" cli.Dockerfile
build emer-text "$tag" text.Dockerfile
build emer-scoring "$tag" scoring.Dockerfile
for variant in cpu $([ "$cuda" = true ] && echo cuda); do
    suffix="" clip=false
    if [ "$variant" = cuda ]; then
        suffix="-cuda" clip=true
    fi
    common=(--build-arg "VARIANT=$variant" --build-arg "PACKAGED_MODELS=$packaged_models")
    build emer-visual "$tag$suffix" visual.Dockerfile "${common[@]}" --build-arg "WITH_CLIP=$clip"
    build emer-audio "$tag$suffix" audio.Dockerfile "${common[@]}"
    build emer-fusion "$tag$suffix" fusion.Dockerfile "${common[@]}"
done

if [ "$push" = true ]; then
    for image in "${built[@]}"; do
        "$docker" push "$image"
    done
fi
printf 'built:\n'
printf '  %s\n' "${built[@]}"
