# syntax=docker/dockerfile:1.7
# emer text service (CPU only): lexicons and small classifiers that ship in PyPI.
#   docker build -f deploy/docker/text.Dockerfile -t emer-text:0.1.0 .
ARG BASE_IMAGE=emer-base:0.1.0
FROM ${BASE_IMAGE}

USER 0:0
# LightGBM (used by nade) needs OpenMP.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/*
# nade unpacks its models into its own package folder on first use; do it now, because the
# root filesystem is read-only at run time.
RUN pip install "/opt/emer/src[text]" \
 && python -c "import nade; nade.Nade()" \
 && python -c "import emer_text.service"

USER 10001:10001
ENTRYPOINT ["emer"]
CMD ["serve", "text"]
