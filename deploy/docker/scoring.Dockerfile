# syntax=docker/dockerfile:1.7
# emer scoring service (CPU only): emotion-wheel and set-level metrics against references.
#   docker build -f deploy/docker/scoring.Dockerfile -t emer-scoring:0.1.0 .
ARG BASE_IMAGE=emer-base:0.1.0
FROM ${BASE_IMAGE}

USER 0:0
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked install-deps.sh scoring

# The source last: a code change rebuilds only the layers below.
WORKDIR /opt/emer/src
COPY shared ./shared
COPY services ./services
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked pip install --no-deps . \
 && python -c "import emer_scoring.service"

# Labels last: the revision changes with every commit, and an ARG's new value
# invalidates the cache of every later instruction (torch would be reinstalled).
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="emer-scoring" \
      org.opencontainers.image.description="emer scoring service" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/emer/emer"

USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["emer"]
CMD ["serve", "scoring"]
