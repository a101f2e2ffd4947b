"""The long explanation of each code (`slapolicy explain`) in the reader's language.

English is each code's own documentation (`Code.plain_doc`). A translation is kept beside the gettext
catalog of its language (i18n/locale/zh_CN/explanations.yaml), not in it: a catalog entry of a page of
prose with examples would be as long as the page, and a check module's docstring cannot be marked for
extraction. Each translation carries the SHA-256 of the English text it translates, as a catalog
matches a message by its text: when the English is edited the translation is stale, tests/test_i18n.py
names it, and `explain` shows the English until it is redone. Only prose is translated; the Passes /
Fails examples are the English ones word for word (the test holds them equal).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import cache
from typing import Literal

import yaml

from ..i18n import LOCALE_DIR, Lang, current
from .codes import Code

EXPLANATIONS = {"zh": LOCALE_DIR / "zh_CN" / "explanations.yaml"}
HEADINGS = {"Passes:": "通过：", "Fails:": "不通过："}
Block = Literal["prose", "heading", "example"]


def source_hash(english: str) -> str:
    """What a translation records of the English it translates: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(english.encode("utf-8")).hexdigest()[:16]


def blocks(text: str) -> Iterator[tuple[Block, str]]:
    """The explanation's paragraphs, each prose, a Passes/Fails heading or an indented example."""
    for block in text.split("\n\n"):
        if block in HEADINGS or block in HEADINGS.values():
            yield "heading", block
        elif all(line.startswith("    ") for line in block.split("\n")):
            yield "example", block
        else:
            yield "prose", block


@cache
def translations(lang: Lang) -> dict[str, dict[str, str]]:
    """Code -> {source, text} of the language's explanations (none for English, the source language)."""
    path = EXPLANATIONS.get(lang)
    if path is None:
        return {}
    with path.open(encoding="utf-8") as f:
        found: dict[str, dict[str, str]] = yaml.safe_load(f)
    return found


def explanation(code: Code) -> str:
    """The code's explanation in the current language: the translation where it translates the English as it
    now reads, else the English."""
    english = code.plain_doc()
    entry = translations(current()).get(code.code)
    if entry is None or entry["source"] != source_hash(english):
        return english
    return entry["text"]
