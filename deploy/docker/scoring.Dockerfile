# syntax=docker/dockerfile:1.7
# emer scoring service (CPU only): emotion-wheel and set-level metrics against references.
#   docker build -f deploy/docker/scoring.Dockerfile -t emer-scoring:0.1.0 .
ARG BASE_IMAGE=emer-base:0.1.0
FROM ${BASE_IMAGE}

USER 0:0
RUN pip install "/opt/emer/src[scoring]" \
 && python -c "import emer_scoring.service"

USER 10001:10001
ENTRYPOINT ["emer"]
CMD ["serve", "scoring"]
