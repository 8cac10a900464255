#!/usr/bin/env bash
# Build (and optionally push) every emer image from the repository root.
#
#   deploy/build-images.sh [--registry REGISTRY] [--tag TAG] [--cuda] [--push]
#                          [--packaged-models] [--only NAME,...] [--python-image IMAGE]
#
# Images: emer-base (shared base), emer-cli, emer-visual, emer-audio, emer-text, emer-fusion,
# emer-scoring, all tagged TAG (default: the version in pyproject.toml, which is the chart's
# appVersion). --cuda also builds emer-visual, emer-audio and emer-fusion as TAG-cuda, the tag
# the chart uses for services with gpu.enabled. --only builds emer-base and the named ones
# (cli, visual, audio, text, fusion, scoring). --python-image replaces the base's
# python:3.11-slim-bookworm. DOCKER=podman or DOCKER=buildah work too; BUILD_OPTS adds
# options to every build (deploy/build-local-images.sh passes buildah's).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
docker=${DOCKER:-docker}
registry=""
tag=""
cuda=false
push=false
packaged_models=false
only=""
python_image=""

while [ $# -gt 0 ]; do
    case "$1" in
        --registry) registry="${2%/}/"; shift 2 ;;
        --tag) tag="$2"; shift 2 ;;
        --cuda) cuda=true; shift ;;
        --push) push=true; shift ;;
        --packaged-models) packaged_models=true; shift ;;
        --only) only=",$2,"; shift 2 ;;
        --python-image) python_image="$2"; shift 2 ;;
        -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
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

# OCI labels: the commit the images were built from. The base's is the last commit that
# changed what it is built from, so a code change keeps the base (and every cached layer of
# the images above it, torch included).
revision=$(git -C "$repo_root" rev-parse HEAD 2>/dev/null || echo unknown)
base_revision=$(git -C "$repo_root" log -1 --format=%H -- deploy/docker/base.Dockerfile \
    deploy/docker/install-deps.sh deploy/docker/install-torch.sh deploy/docker/install-models.sh \
    pyproject.toml README.md requirements-models.txt 2>/dev/null || echo unknown)
# Cache mounts (RUN --mount=type=cache) need BuildKit; podman/buildah support them natively.
export DOCKER_BUILDKIT=1

# Extra options of every build, one word each (e.g. buildah's --isolation chroot).
read -r -a build_opts <<< "${BUILD_OPTS:-}"

built=()
build() {  # build IMAGE_NAME TAG DOCKERFILE [BUILD_ARGS...]
    local image="${registry}$1:$2" dockerfile="$3" name="${1#emer-}" rev="$revision"
    shift 3
    if [ -n "$only" ] && [ "$name" != base ] && [[ "$only" != *",$name,"* ]]; then
        return 0
    fi
    if [ "$name" = base ]; then
        rev="${base_revision:-unknown}"
    fi
    echo ">> $image"
    "$docker" build "${build_opts[@]}" --file "$repo_root/deploy/docker/$dockerfile" --tag "$image" \
        --build-arg "BASE_IMAGE=${registry}emer-base:$tag" \
        --build-arg "VERSION=$tag" --build-arg "REVISION=$rev" "$@" "$repo_root"
    built+=("$image")
}

build emer-base "$tag" base.Dockerfile \
    ${python_image:+--build-arg "PYTHON_IMAGE=$python_image"}
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
