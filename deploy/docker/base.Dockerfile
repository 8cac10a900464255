# syntax=docker/dockerfile:1.7
# Shared base of every emer image: Python, a non-root user, a virtual environment with the
# core dependencies (bus, contracts, CLI), but not emer's source: each image installs its
# extra's dependencies first and copies the source last, so a code change rebuilds one small
# layer. Needs BuildKit (cache mounts keep pip's downloads between builds).
# Build from the repository root (deploy/build-images.sh does it all):
#   docker build -f deploy/docker/base.Dockerfile -t emer-base:0.1.0 .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Build time only: pip's downloads go to the BuildKit cache mount (HOME is /tmp/home).
    PIP_CACHE_DIR=/root/.cache/pip \
    VIRTUAL_ENV=/opt/emer/venv \
    PATH=/opt/emer/venv/bin:$PATH \
    # The root filesystem is read-only at run time: caches go to /tmp (an emptyDir), models
    # to the mounted model cache.
    HOME=/tmp/home \
    XDG_CACHE_HOME=/tmp/.cache \
    MPLCONFIGDIR=/tmp/matplotlib \
    NUMBA_CACHE_DIR=/tmp/numba \
    EMER_MODEL_CACHE_DIR=/models \
    HF_HOME=/models

RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked \
    groupadd --gid 10001 emer \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp/home \
        --shell /usr/sbin/nologin emer \
 && mkdir -p /models /data \
 && chown 10001:10001 /models /data \
 && python -m venv "$VIRTUAL_ENV" \
 && pip install --upgrade "pip>=24,<26"

WORKDIR /opt/emer/src
COPY pyproject.toml README.md requirements-models.txt ./
COPY deploy/docker/install-torch.sh deploy/docker/install-models.sh deploy/docker/install-deps.sh \
     /usr/local/bin/
# The core, and OpenTelemetry (off unless EMER_TRACING_ENABLED=true).
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked install-deps.sh tracing

# Labels last: the revision changes with every commit, and an ARG's new value
# invalidates the cache of every later instruction (torch would be reinstalled).
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="emer-base" \
      org.opencontainers.image.description="emer: shared base of the service images" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/emer/emer"

USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["emer"]
CMD ["--help"]
