"""The language people read: English source strings, translated through gettext catalogs.

Messages are written in English in the code and marked for extraction: `_("...")` where
the text is used, `N_("...")` where it is only declared (a table heading, a help text) and
translated when shown. The catalogs are managed with Babel (`pybabel extract / update /
compile`, docs/translations.md); the compiled `.mo` files ship in the package and a test
holds them equal to the `.po` sources and every message id translated.

The language is chosen once per command (or per request in the service): an explicit
`--lang`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`: `zh_CN.UTF-8` is Chinese), else
the language a policy declares, else English. Codes, JSON keys and SARIF stay
language-neutral: only what is formatted for people is translated.

The bottom layer: imports nothing of slapolicy.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Literal

Lang = Literal["en", "zh"]
LANGUAGES: tuple[Lang, ...] = ("en", "zh")
DOMAIN = "slapolicy"
LOCALE_DIR = Path(__file__).parent / "locale"
_CATALOG_LOCALE: dict[Lang, str] = {"zh": "zh_CN"}  # the catalog folder of each translated language

_current: ContextVar[Lang] = ContextVar("slapolicy_lang", default="en")


def language_of(tag: str | None) -> Lang | None:
    """`zh`, `zh_CN.UTF-8`, `zh-Hans`, `en_GB` -> the language; `C`, `POSIX`, `de_DE`, '' -> None."""
    if not tag:
        return None
    primary = tag.replace("-", "_").split(".", 1)[0].split("@", 1)[0].split("_", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def choose(explicit: str | None = None, declared: str | None = None,
           environ: Mapping[str, str] | None = None) -> Lang:
    """The language to speak: `--lang`, else the locale as POSIX orders it (the first of
    LC_ALL, LC_MESSAGES, LANG that is set decides), else SLAPOLICY_LANG (a default where the locale
    names no language, C in a container, which has no English locale to name), else the policy's
    declared language, else English."""
    environ = os.environ if environ is None else environ
    for tag in (explicit, _locale(environ), environ.get("SLAPOLICY_LANG"), declared):
        lang = language_of(tag)
        if lang is not None:
            return lang
    return "en"


def _locale(environ: Mapping[str, str]) -> str | None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(name):
            return environ[name]
    return None


def current() -> Lang:
    return _current.get()


def set_language(lang: Lang) -> None:
    """Speak `lang` from now on in this context (a command run; the service sets it per request)."""
    _current.set(lang)


@contextmanager
def speaking(lang: Lang) -> Iterator[None]:
    """Speak `lang` inside the block (tests, and a page built in a language other than the command's)."""
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


@cache
def _translations(lang: Lang) -> _gettext.NullTranslations:
    folder = _CATALOG_LOCALE.get(lang)
    if folder is None:
        return _gettext.NullTranslations()  # English is the source language
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[folder])


def _(message: str) -> str:
    """`message` in the current language (itself in English, or where no translation exists)."""
    return _translations(_current.get()).gettext(message)


def pgettext(context: str, message: str) -> str:
    """`message` as it reads in `context`: one English word that two places translate apart (an objective's
    target is its target value, a clock's target its time limit)."""
    return _translations(_current.get()).pgettext(context, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the current language (Chinese has one form)."""
    return _translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 (the name gettext tools look for)
    """Marks `message` for the catalog where it is declared; `_()` translates it where it is shown."""
    return message


class Message(str):
    """A message kept as data: it reads as its English text (what JSON, SARIF and comparisons see, so
    they stay language-neutral), and holds its template and named values, so the output layer can say it
    again in the reader's language (`translated`). Values are shown as given (quoted user input stays as
    the user wrote it); a value that is itself a Message is translated with it. A Message without values
    is its template word for word (braces included: text a schema declares, `{country: CN}`)."""

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, /, **values: object) -> Message:
        text = super().__new__(cls, template.format(**values) if values else template)
        text.template, text.values = template, values
        return text

    def __reduce__(self) -> tuple[object, ...]:  # pickled across worker processes with its template
        return _rebuild, (self.template, self.values)

    def __add__(self, other: str) -> Message:
        """Messages joined stay translatable piece by piece."""
        return Message("{head}{tail}", head=self, tail=other)


def listing(items: list[str], separator: str = ", ") -> Message:
    """Items joined into one Message, each translated where it is one (`mon night and tue, wed`)."""
    return Message(separator.join(f"{{item{i}}}" for i in range(len(items))), **{f"item{i}": item for i, item in enumerate(items)})


def alternatives(items: list[str]) -> str:
    """`a or b or c` as one Message, each `or` in the reader's language (`a 或 b 或 c`); one item as it is."""
    said: str = items[0] if items else ""
    for item in items[1:]:
        said = Message(N_("{first} or {second}"), first=said, second=item)
    return said


def _rebuild(template: str, values: dict[str, object]) -> Message:
    return Message(template, **values)


def translated(text: str) -> str:
    """`text` in the current language: a Message rendered from its translated template; any other text as it is."""
    if not isinstance(text, Message):
        return text
    if not text.values:
        return _(text.template)
    return _(text.template).format(**{k: translated(v) if isinstance(v, str) else v for k, v in text.values.items()})
