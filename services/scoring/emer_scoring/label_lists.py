"""Parsers for label lists stored as text, e.g. ``"['happy', 'sad']"`` in a CSV cell.

The published MER numbers depend on how each tool splits such text, so each tool's reading is
reproduced here by name, next to a strict reading that treats the text as a Python literal:

- ``parse_wheel_list``: the MER2025/MER2026 emotion-wheel tools. One leading ``[`` and one
  trailing ``]`` are removed, the rest is split on quote characters and commas, items are
  stripped and empty ones dropped. Bare comma lists (``"happy, sad"``) read the same way.
- ``parse_official_list``: the MER2024 open-vocabulary tool. It keeps the text between the
  first ``[`` and the next ``]`` and splits it on quote characters only, so a label with an
  apostrophe inside double quotes (``"don't believe"``) becomes two labels.
- ``parse_strict_list``: ``ast.literal_eval``; the text must be a list of strings.

Synonym groups (a list of lists, as text) have an official and a strict reading too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from emer_common.errors import InputError

WHEEL_SEPARATORS = re.compile(r"['\",]")
WHEEL_ITEM = re.compile(r"[^'\",\s](?:[^'\",]*[^'\",\s])?")
"""A stripped, non-blank run between separators: what splitting on WHEEL_SEPARATORS keeps."""
QUOTES = re.compile(r"['\"]")
BRACKETS = re.compile(r"[\[\]]")
IGNORED_ITEMS = frozenset({"", ","})

LabelParser = Callable[[str], tuple[str, ...]]
GroupParser = Callable[[str], tuple[tuple[str, ...], ...]]


class LabelListError(InputError, ValueError):
    """The text cannot be read as a list of labels."""


def _kept(items: list[str]) -> list[str]:
    return [item for item in items if item.strip() not in IGNORED_ITEMS]


def parse_wheel_list(text: str) -> tuple[str, ...]:
    """Labels as the MER2025/2026 emotion-wheel metric reads them (stripped, case kept).

    Raises ``LabelListError`` for an unbalanced bracket (a truncated list) or a bracket inside
    the list, which the MER tools would silently read as labels that contain a bracket.
    """
    if not text or text.isspace():
        return ()
    if text.lstrip().startswith("[") != text.rstrip().endswith("]"):
        raise LabelListError("unbalanced brackets: the list starts or ends without its pair")
    body = text[1:] if text[0] == "[" else text
    body = body[:-1] if body and body[-1] == "]" else body
    if "[" in body or "]" in body:
        raise LabelListError("nested or misplaced brackets inside the list")
    return tuple(WHEEL_ITEM.findall(body))


def parse_official_list(text: str) -> tuple[str, ...]:
    """Labels as the MER2024 open-vocabulary metric reads them (not stripped, case kept)."""
    if not text.strip():
        return ()
    if "[" not in text:
        raise LabelListError("no '[' found: the MER2024 reader expects a bracketed list")
    body = text.split("[", 1)[1].split("]", 1)[0]
    return tuple(_kept(QUOTES.split(body)))


def parse_strict_list(text: str) -> tuple[str, ...]:
    """Labels read as a Python list literal of strings (each stripped)."""
    if not text.strip():
        return ()
    value = _literal(text)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise LabelListError("not a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def parse_official_groups(text: str) -> tuple[tuple[str, ...], ...]:
    """Synonym groups as the MER2024 tool reads them: split on brackets, then on quotes."""
    chunks = _kept(BRACKETS.split(text))
    return tuple(tuple(_kept(QUOTES.split(chunk))) for chunk in chunks)


def parse_strict_groups(text: str) -> tuple[tuple[str, ...], ...]:
    """Synonym groups read as a Python literal list of lists of strings."""
    if not text.strip():
        return ()
    value = _literal(text)
    if not isinstance(value, list | tuple) or not all(
        isinstance(group, list | tuple) and all(isinstance(v, str) for v in group)
        for group in value
    ):
        raise LabelListError("not a list of lists of strings")
    return tuple(tuple(v.strip() for v in group) for group in value)


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
        raise LabelListError(f"not a Python list literal ({type(exc).__name__})") from exc


@dataclass(frozen=True)
class ListSyntax:
    """How one tool reads label lists and synonym groups."""

    name: str
    labels: LabelParser
    groups: GroupParser


LIST_SYNTAXES: Mapping[str, ListSyntax] = {
    "official": ListSyntax("official", parse_official_list, parse_official_groups),
    "strict": ListSyntax("strict", parse_strict_list, parse_strict_groups),
}
"""Readings offered by the MER2024 set-level metric, by the name the CLI uses."""


def list_syntax(name: str) -> ListSyntax:
    """The reading called ``name``; ``KeyError`` names the known ones."""
    try:
        return LIST_SYNTAXES[name]
    except KeyError:
        raise KeyError(f"unknown list parser {name!r}; known: {', '.join(LIST_SYNTAXES)}") from None
