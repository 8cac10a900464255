# syntax=docker/dockerfile:1.7
# Shared base of every emer image: Python, a non-root user, a virtual environment with the
# core package (bus, contracts, CLI). Service images start FROM it and add their extra.
# Build from the repository root (deploy/build-images.sh does it all):
#   docker build -f deploy/docker/base.Dockerfile -t emer-base:0.1.0 .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
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

RUN groupadd --gid 10001 emer \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp/home \
        --shell /usr/sbin/nologin emer \
 && mkdir -p /models /data \
 && chown 10001:10001 /models /data \
 && python -m venv "$VIRTUAL_ENV" \
 && pip install --upgrade "pip>=24"

WORKDIR /opt/emer/src
COPY pyproject.toml README.md requirements-models.txt ./
COPY shared ./shared
COPY services ./services
COPY deploy/docker/install-torch.sh deploy/docker/install-models.sh /usr/local/bin/
RUN pip install . && python -c "import emer_common, emer_cli"

USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["emer"]
CMD ["--help"]
