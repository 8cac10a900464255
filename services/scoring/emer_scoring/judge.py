"""An LLM judge of explanation quality: EMER's clue overlap and label overlap (1-10).

The judge asks any fusion ``LLMBackend`` (in-process or an OpenAI-compatible server) to
compare a predicted explanation with the reference. The original EMER judge (a 2023
GPT-3.5 snapshot at temperature 0) is gone, so scores from another judge are comparable only
by rank; every verdict therefore records the judge model, the prompt version and digest, the
temperature and the raw reply.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from emer_common.errors import EmerError
from emer_common.llm.base import GenerationOptions, LLMBackend
from emer_scoring.prompts import Language, PromptTemplate, load_prompt

log = logging.getLogger(__name__)

JUDGE_TASK = "judge"
SCORE_MIN, SCORE_MAX = 1.0, 10.0
SCORE_KEYS = ("clue_overlap", "label_overlap")
JUDGE_MAX_NEW_TOKENS = 64  # a JSON object of two small numbers
JSON_OBJECT = re.compile(r"\{[^{}]*\}")
NUMBER = r"(-?\d+(?:\.\d+)?)"


class JudgeReplyError(EmerError, ValueError):
    """The judge's reply holds no valid pair of scores; the raw reply is kept."""

    def __init__(self, message: str, raw_reply: str) -> None:
        super().__init__(message)
        self.raw_reply = raw_reply


@dataclass(frozen=True)
class JudgeVerdict:
    """Two 1-10 scores with everything needed to reproduce or audit them."""

    clue_overlap: float
    label_overlap: float
    judge_model: str
    judge_backend: str
    prompt_version: str
    prompt_digest: str
    language: Language
    temperature: float
    raw_reply: str

    def provenance(self) -> dict[str, str]:
        """The audit fields as strings (``Score.details``)."""
        return {
            "judge_model": self.judge_model,
            "judge_backend": self.judge_backend,
            "prompt_version": self.prompt_version,
            "prompt_digest": self.prompt_digest,
            "language": self.language,
            "temperature": repr(self.temperature),
            "raw_reply": self.raw_reply,
        }


def parse_scores(reply: str) -> tuple[float, float]:
    """(clue_overlap, label_overlap) from a reply: a JSON object, else ``key: number`` text."""
    for candidate in JSON_OBJECT.findall(reply):
        try:
            data: Any = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict) and all(key in data for key in SCORE_KEYS):
            return _checked(reply, *(data[key] for key in SCORE_KEYS))
    found = [
        re.search(rf"{key.replace('_', '[_ ]')}\W{{0,4}}{NUMBER}", reply, re.IGNORECASE)
        for key in SCORE_KEYS
    ]
    if all(found):
        return _checked(reply, *(m.group(1) for m in found if m))
    raise JudgeReplyError("no clue_overlap and label_overlap scores in the reply", reply)


def _checked(reply: str, *values: Any) -> tuple[float, float]:
    try:
        clue, label = (float(v) for v in values)
    except (TypeError, ValueError) as exc:
        raise JudgeReplyError(f"scores are not numbers: {values!r}", reply) from exc
    for value in (clue, label):
        if not SCORE_MIN <= value <= SCORE_MAX:
            raise JudgeReplyError(f"score {value} outside {SCORE_MIN:g}-{SCORE_MAX:g}", reply)
    return clue, label


class ExplanationJudge:
    """Scores a predicted explanation against a reference through an LLM backend."""

    def __init__(
        self,
        backend: LLMBackend,
        language: Language = "en",
        prompt_version: str = "v1",
        temperature: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.backend = backend
        self.prompt: PromptTemplate = load_prompt(JUDGE_TASK, prompt_version, language)
        self.options = GenerationOptions(
            max_new_tokens=JUDGE_MAX_NEW_TOKENS, temperature=temperature, seed=seed, json_mode=True
        )

    def judge(self, reference: str, candidate: str) -> JudgeVerdict:
        """One verdict; ``JudgeReplyError`` (with the raw reply) when the reply is unusable.

        ``BackendError`` from the backend propagates: its ``transient`` flag says whether
        the caller should retry.
        """
        messages = self.prompt.messages(reference=reference, candidate=candidate)
        generation = self.backend.generate(messages, self.options)
        clue, label = parse_scores(generation.text)
        info = self.backend.info
        log.debug("judge %s: clue %.1f label %.1f", info.model, clue, label)
        return JudgeVerdict(
            clue_overlap=clue,
            label_overlap=label,
            judge_model=f"{info.model}@{info.version}" if info.version else info.model,
            judge_backend=info.backend,
            prompt_version=self.prompt.version,
            prompt_digest=self.prompt.digest,
            language=self.prompt.language,
            temperature=self.options.temperature,
            raw_reply=generation.text,
        )
