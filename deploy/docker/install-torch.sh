#!/bin/sh
# Install the torch family pinned by one pyproject extra, as the CPU or the CUDA build.
#   install-torch.sh cpu|cuda EXTRA [EXTRA...]
# cpu: wheels from the PyTorch CPU index (pip prefers 2.9.1+cpu over PyPI's 2.9.1, and the
# later `pip install .[extra]` accepts it: a local label satisfies ==2.9.1). cuda: PyPI's
# default Linux build, which brings the CUDA runtime, cuBLAS and cuDNN as nvidia-* wheels;
# those are registered with the dynamic linker so CTranslate2 (faster-whisper) finds them too.
# Only the NVIDIA driver comes from the host (the container toolkit mounts it).
set -eu
src="${EMER_SRC:-/opt/emer/src}"
pip="${PIP:-pip}"
variant="$1"
shift
case "$variant" in
    cpu | cuda) ;;
    *)
        echo "install-torch: variant must be cpu or cuda, not '$variant'" >&2
        exit 2
        ;;
esac
pins=$("${PYTHON:-python}" - "$src/pyproject.toml" "$@" <<'PY'
import re, sys, tomllib
with open(sys.argv[1], "rb") as pyproject:
    extras = tomllib.load(pyproject)["project"]["optional-dependencies"]
torch_family = {"torch", "torchaudio", "torchvision"}
pins = {req for extra in sys.argv[2:] for req in extras[extra]
        if re.split(r"[=<>!~\[ ]", req, maxsplit=1)[0].lower() in torch_family}
print(" ".join(sorted(pins)))
PY
)
if [ -z "$pins" ]; then
    echo "install-torch: extras '$*' pin no torch package; nothing to do"
    exit 0
fi
case "$variant" in
    cpu)
        # shellcheck disable=SC2086  # one word per pin
        $pip install --extra-index-url "${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}" $pins
        ;;
    cuda)
        # shellcheck disable=SC2086
        $pip install $pins
        "${PYTHON:-python}" - <<'PY' > /etc/ld.so.conf.d/emer-nvidia.conf
import importlib.util, pathlib
for name in ("nvidia.cublas", "nvidia.cudnn", "nvidia.cuda_runtime", "nvidia.cuda_nvrtc"):
    spec = importlib.util.find_spec(name)
    if spec and spec.submodule_search_locations:
        lib = pathlib.Path(list(spec.submodule_search_locations)[0]) / "lib"
        if lib.is_dir():
            print(lib)
PY
        ldconfig
        ;;
esac
