"""Versioned prompt files of the scoring service (``prompts/<task>-<version>.<lang>.txt``).

A file has ``# `` comment lines (one of them ``# version: <id>``) and ``[system]`` and
``[user]`` sections; fields are ``$name`` placeholders (``string.Template``), so JSON
examples in the text need no escaping. Every score records the prompt's version and the
SHA-256 prefix of the file, so an edited prompt can never pass for the old one.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import Literal

from emer_common.llm.base import ChatMessage

Language = Literal["en", "zh"]
SECTION = re.compile(r"^\[(system|user)\]\s*$", re.MULTILINE)
VERSION = re.compile(r"^# version: (\S+)\s*$", re.MULTILINE)
DIGEST_CHARS = 12
MAX_FIELD_CHARS = 6_000  # per field; explanations are a few hundred characters


@dataclass(frozen=True)
class PromptTemplate:
    """One prompt file, ready to render into chat messages."""

    name: str
    version: str
    language: Language
    digest: str
    system: str
    user: str

    def messages(self, **fields: str) -> list[ChatMessage]:
        """System and user messages with every ``$field`` filled in as quoted data."""
        quoted = {key: quote_data(value) for key, value in fields.items()}
        return [
            ChatMessage("system", self.system),
            ChatMessage("user", Template(self.user).substitute(quoted)),
        ]


def quote_data(text: str) -> str:
    """Untrusted text as data: it cannot close or open a ``<tag>`` block, and is bounded."""
    return text[:MAX_FIELD_CHARS].replace("<", "‹").replace(">", "›")


@functools.cache
def load_prompt(task: str, version: str = "v1", language: Language = "en") -> PromptTemplate:
    """The prompt for ``task`` ("judge", "extract-labels") at ``version`` in ``language``."""
    name = f"{task}-{version}.{language}.txt"
    path = resources.files("emer_scoring").joinpath(f"prompts/{name}")
    if not path.is_file():
        raise FileNotFoundError(f"no prompt file {name} in emer_scoring/prompts")
    raw = path.read_text("utf-8")
    found = VERSION.search(raw)
    body = "\n".join(line for line in raw.splitlines() if not line.startswith("# "))
    parts = SECTION.split(body)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if set(sections) != {"system", "user"}:
        raise ValueError(f"prompt {name} needs exactly a [system] and a [user] section")
    return PromptTemplate(
        name=name,
        version=found.group(1) if found else f"{task}-{version}",
        language=language,
        digest=hashlib.sha256(raw.encode()).hexdigest()[:DIGEST_CHARS],
        system=sections["system"],
        user=sections["user"],
    )
