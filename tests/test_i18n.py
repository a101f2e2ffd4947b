"""The catalogs: every message the code marks is translated, placeholders survive, the
shipped .mo files are the compiled .po sources; and the language chosen as documented."""

from __future__ import annotations

import dataclasses
import gettext
import io
import re
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from slapolicy.diagnostics.codes import CODES
from slapolicy.diagnostics.explanations import EXPLANATIONS, blocks, explanation, source_hash, translations
from slapolicy.i18n import LOCALE_DIR, N_, _, choose, language_of, ngettext, speaking

ROOT = Path(__file__).resolve().parent.parent
PO = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "slapolicy.po"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def _source_ids() -> set[str]:
    ids: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / "src" / "slapolicy"), method_map=[("**.py", "python")], keywords=KEYWORDS):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def _catalog() -> Catalog:
    with PO.open("rb") as f:
        return read_po(f)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_marked_message_has_a_chinese_translation() -> None:
    catalog = _catalog()
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    source = _source_ids()
    assert source, "no message is marked for translation"
    assert sorted(source - set(translated)) == [], "marked in the code, missing from the catalog: run the update in docs/translations.md"
    assert sorted(set(translated) - source) == [], "in the catalog, no longer in the code: run the update in docs/translations.md"
    untranslated = [key for key, m in translated.items() if not (m.string if isinstance(m.string, str) else all(m.string))]
    assert untranslated == []
    assert [key for key, m in translated.items() if m.fuzzy] == []


def test_translations_keep_the_placeholders() -> None:
    for m in _catalog():
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for text in strings:
            assert _fields(text) == _fields(ids[-1]), m.id


def _messages(mo: bytes) -> dict[object, str]:
    """The translations a .mo holds, without its header (which names the Babel that wrote it)."""
    catalog = dict(gettext.GNUTranslations(io.BytesIO(mo))._catalog)  # type: ignore[attr-defined]
    catalog.pop("", None)
    return catalog


def test_shipped_mo_is_the_compiled_po() -> None:
    compiled = io.BytesIO()
    write_mo(compiled, _catalog())
    assert _messages(PO.with_suffix(".mo").read_bytes()) == _messages(compiled.getvalue()), \
        "recompile: pybabel compile (docs/translations.md)"


def test_messages_in_each_language() -> None:
    assert _("Commands") == "Commands"
    with speaking("zh"):
        assert _("Commands") == "命令"
        assert ngettext("Commands", "Commands", 3) in ("命令", "Commands")  # one form in Chinese
    assert N_("Commands") == "Commands"


@pytest.mark.parametrize(("explicit", "environ", "declared", "expected"), [
    ("zh", {"LANG": "en_US.UTF-8"}, None, "zh"),  # --lang beats the locale
    (None, {"LANG": "zh_CN.UTF-8"}, "en", "zh"),  # the locale beats the policy
    (None, {"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, None, "en"),  # LC_ALL first, as POSIX orders it
    (None, {"LC_MESSAGES": "zh_TW", "LANG": "en_US"}, None, "zh"),
    (None, {"LANG": "C.UTF-8"}, "zh", "zh"),  # C says nothing: the policy's language
    (None, {"LANG": "de_DE.UTF-8"}, None, "en"),  # neither translated: English
    (None, {}, None, "en"),
])
def test_language_chosen_in_the_documented_order(explicit: str | None, environ: dict[str, str],
                                                declared: str | None, expected: str) -> None:
    assert choose(explicit, declared, environ) == expected


@given(st.text(max_size=30))
def test_any_locale_name_gives_a_language_or_none(tag: str) -> None:
    assert language_of(tag) in ("en", "zh", None)


def test_help_follows_the_locale(run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    listed = run_cli("--help").output
    assert re.search(r"^  validate\s+检查策略文件或目录", listed, re.M)
    assert "\n命令:\n" in listed or "\n命令：\n" in listed
    assert "Check policy files" in run_cli("--lang", "en", "--help").output


# ---- `explain`'s long texts: a translation per code, kept with the hash of the English it translates ----

def test_every_code_explanation_is_translated_and_current() -> None:
    """Each code has its Chinese explanation; each translates the English as it now reads (an edited English text
    makes its translation stale); the examples are the English ones word for word; every paragraph of prose is Chinese."""
    found = translations("zh")
    assert sorted(set(found) - set(CODES)) == [], "explanations of codes that no longer exist: remove them"
    assert sorted(set(CODES) - set(found)) == [], "codes without a Chinese explanation: add them to " + str(EXPLANATIONS["zh"])
    stale = [f"{code}: set source: {source_hash(c.plain_doc())} once the translation says what the English now says"
             for code, c in CODES.items() if found[code]["source"] != source_hash(c.plain_doc())]
    assert stale == [], f"stale translations in {EXPLANATIONS['zh']}"
    for code, c in CODES.items():
        english, chinese = list(blocks(c.plain_doc())), list(blocks(found[code]["text"]))
        assert [k for k, _t in english] == [k for k, _t in chinese], code
        assert [t for k, t in english if k == "example"] == [t for k, t in chinese if k == "example"], code
        assert all(re.search(r"[\u4e00-\u9fff]", t) for k, t in chinese if k != "example"), code


def test_a_changed_english_explanation_is_shown_in_english() -> None:
    """A translation of an English text that has since changed is not shown: `explain` says the English until it is redone."""
    code = CODES["SLA503"]
    edited = dataclasses.replace(code, module=None, text=code.plain_doc() + " Edited.")
    with speaking("zh"):
        assert explanation(code) == translations("zh")["SLA503"]["text"]
        assert explanation(edited) == edited.plain_doc()


def test_explain_speaks_both_languages(run_cli: Callable[..., Result]) -> None:
    """Every code's explanation through the command: the English text, and under --lang zh the Chinese one."""
    for code, c in CODES.items():
        english, chinese = run_cli("explain", code).output, run_cli("--lang", "zh", "explain", code).output
        assert english.endswith(c.plain_doc() + "\n") and chinese.endswith(translations("zh")[code]["text"] + "\n"), code
        assert english != chinese
