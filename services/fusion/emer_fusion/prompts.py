"""Versioned prompt files: the text lives in ``prompts/*.txt``, never scattered in code."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from emer_common.contracts import ALL_MODALITIES, ClueReport, Modality
from emer_common.llm.base import ChatMessage

SECTION = re.compile(r"^\[([a-z-]+)\]\s*$", re.MULTILINE)
MAX_CLUE_CHARS = 2_000  # per modality; keeps the prompt inside a small model's context


@dataclass(frozen=True)
class PromptTemplate:
    version: str
    system: str
    user: str
    ranking_prefix: str

    def messages(self, clues: str) -> list[ChatMessage]:
        return [
            ChatMessage("system", self.system),
            ChatMessage("user", self.user.replace("{clues}", clues)),
        ]


@functools.cache
def load_prompt(name: str = "fusion-v1") -> PromptTemplate:
    raw = resources.files("emer_fusion").joinpath(f"prompts/{name}.txt").read_text("utf-8")
    version = re.search(r"^# version: (\S+)", raw, re.MULTILINE)
    body = "\n".join(line for line in raw.splitlines() if not line.startswith("# "))
    parts = SECTION.split(body)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    return PromptTemplate(
        version=version.group(1) if version else name,
        system=sections["system"],
        user=sections["user"],
        ranking_prefix=sections["ranking-prefix"],
    )


def quote_data(text: str) -> str:
    """Neutralise anything that could close or open a data block."""
    return text.replace("<", "‹").replace(">", "›")


def clue_blocks(clues: Mapping[Modality, ClueReport], missing: tuple[Modality, ...]) -> str:
    blocks = []
    for modality in ALL_MODALITIES:
        report = clues.get(modality)
        if report is not None and report.description:
            text = quote_data(report.description[:MAX_CLUE_CHARS])
        elif report is not None and report.error is not None:
            text = f"(no usable {modality.value} clues: {quote_data(report.error.message)})"
        elif modality in missing:
            text = f"(the {modality.value} analysis did not report in time)"
        else:
            continue
        blocks.append(f'<clues modality="{modality.value}">\n{text}\n</clues>')
    return "\n".join(blocks)
