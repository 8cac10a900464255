# syntax=docker/dockerfile:1.7
# The `emer` command line for the cluster: the bus init hook (`emer bus init`), the `helm test`
# pod (`emer bus ping`) and analysis Jobs (`emer analyze ... --nats-url`, see `emer k8s submit`).
#   docker build -f deploy/docker/cli.Dockerfile --build-arg BASE_IMAGE=emer-base:0.1.0 \
#     -t emer-cli:0.1.0 .
ARG BASE_IMAGE=emer-base:0.1.0
FROM ${BASE_IMAGE}

USER 0:0
RUN pip install "/opt/emer/src[deploy]" && emer --help >/dev/null
USER 10001:10001
ENTRYPOINT ["emer"]
CMD ["--help"]
