# syntax=docker/dockerfile:1.7
# emer text service (CPU only): lexicons and small classifiers that ship in PyPI.
#   docker build -f deploy/docker/text.Dockerfile -t emer-text:0.1.0 .
ARG BASE_IMAGE=emer-base:0.1.0
FROM ${BASE_IMAGE}

# Debian bookworm version; bump it when the base image's security updates move on.
ARG LIBGOMP_VERSION=12.2.0-14+deb12u1

USER 0:0
# LightGBM (nade) needs OpenMP.
RUN apt-get update \
 && apt-get install -y --no-install-recommends "libgomp1=${LIBGOMP_VERSION}" \
 && rm -rf /var/lib/apt/lists/*
# nade unpacks its models into site-packages on first use: do it now, the root fs is read-only.
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked \
    install-deps.sh text \
 && python -c "import nade; nade.Nade()"

# The source last: a code change rebuilds only the layers below.
WORKDIR /opt/emer/src
COPY shared ./shared
COPY services ./services
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked pip install --no-deps . \
 && python -c "import emer_text.service"

# Labels last: the revision changes with every commit, and an ARG's new value
# invalidates the cache of every later instruction (torch would be reinstalled).
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="emer-text" \
      org.opencontainers.image.description="emer text clue service" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/emer/emer"

USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["emer"]
CMD ["serve", "text"]
