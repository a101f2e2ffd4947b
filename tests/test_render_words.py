"""The words of a rendered document: the body speaks the document's language only — each value code by
the name the policy gives it (`value_names:`), each note in that language (as written, or its
`translations:` entry) — and the codes, file:line places and notes written in another language are
kept in the appendix (the index of rules, the notes as written), and in the HTML page's tooltips."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from slapolicy.output.render import html, markdown
from slapolicy.policy.build import build_policy
from slapolicy.policy.loader import load_text
from slapolicy.policy.model import Policy
from slapolicy.review.render import document
from slapolicy.validate.repository import open_policy_set

POLICIES = sorted(p.name for p in (ROOT / "policies").iterdir() if p.is_dir())
PLACE = re.compile(r"\S+\.ya?ml:\d+")  # policies/after-sales/2025.1.yaml:276
LATIN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9_./-]*")  # a Latin word, a code: same_city, first_response, Priority
# What is legitimately Latin in the body of a Chinese document, and why; anything else (a value code, an
# English word or sentence) fails the test:
LATIN_IN_CHINESE = (
    re.compile(r"R-[A-Z0-9]+-\d+"),  # the regulation's own clause numbers (R-000-04, R-CVM-12): how its readers cite it
    re.compile(r"[A-Z][a-z]+/[A-Za-z_]+"),  # IANA time zones of calendars abroad (Europe/London), as written everywhere
    re.compile(r"IT|ID|CNY"),  # abbreviations Chinese writes in Latin letters: IT 服务, 实例 ID, the currency code
    re.compile(r"SG-"),  # the prefix of service-guide's ticket numbers (单号格式 SG- 加 6 至 10 位数字)
    re.compile(r"Ubuntu|Pro|Essential|Standard|Advanced|Canvas"),  # product and plan names, as their makers write them
)


def _latin(body: str) -> list[str]:
    return [word for word in LATIN.findall(body) if not any(allowed.fullmatch(word) for allowed in LATIN_IN_CHINESE)]


def _policy(name: str) -> Policy:
    return open_policy_set(ROOT / "policies" / name).latest


def _markdown(policy: Policy, lang: str) -> str:
    out = io.StringIO()
    markdown(document(policy, lang), out)  # type: ignore[arg-type]
    return out.getvalue()


def _body(text: str) -> str:
    """What the document itself says before its appendix. Left out: the register's own words (the quoted
    clauses, `>`), the clause links and anchors (`[R-000-04](#R-000-04)`, `<a id=…>`, `<br>`), each rule's
    heading (its id: the name the index, the appendix and `slapolicy test` know it by), the facts naming the
    policy's id and the source documents by their published titles, and the id format shown as its pattern."""
    body = text.split('<a id="appendix"></a>', 1)[0]
    lines = [line for line in body.splitlines()
             if not line.startswith((">", "### ", "- **制度**", "- **依据的规章**", "- **Policy**", "- **Regulations implemented**"))]
    return re.sub(r"\]\(#[^)]*\)|<a id=\"[^\"]*\"></a>|<br>|`[^`]*`", "", "\n".join(lines))


@pytest.mark.parametrize("name", POLICIES)
def test_the_chinese_document_of_every_shipped_policy_speaks_chinese(name: str) -> None:
    """No value code, no English word or sentence and no file:line in the body of the Chinese document: only
    the Latin of LATIN_IN_CHINESE; and every code it shows has its Chinese name."""
    body = _body(_markdown(_policy(name), "zh"))
    assert (_latin(body), PLACE.findall(body)) == ([], [])
    assert _unnamed(_policy(name), "zh") == []


@pytest.mark.parametrize("name", POLICIES)
def test_the_english_document_names_every_code_and_keeps_places_in_the_appendix(name: str) -> None:
    """The same rules mirrored: every code the English document shows has its English name (the notes, written
    in English by the policy's authors, may mention their keys), and no file:line is in the body."""
    policy = _policy(name)
    assert _unnamed(policy, "en") == []
    assert PLACE.findall(_body(_markdown(policy, "en"))) == []


def _unnamed(policy: Policy, lang: str) -> list[str]:
    """The codes the document shows as they are, for want of a name in its language (a code that reads as a word
    of it, `withdrawn` in English, is its own name)."""
    doc = document(policy, lang)  # type: ignore[arg-type]
    return [code for code, name, _ in doc.codes if name == doc.words["unnamed"]]


def test_the_index_says_where_each_rule_is_defined_and_what_each_code_is() -> None:
    policy = _policy("after-sales")
    doc = document(policy, "zh")
    places = dict(doc.places)
    lines = Path(policy.source).read_text(encoding="utf-8").splitlines()
    assert places["时限规则 p1-urgent"] == f"{policy.source}:{lines.index('  - id: p1-urgent') + 1}"
    codes = {code: (name, where) for code, name, where in doc.codes}
    assert codes["same_city"][0] == "同城" and codes["waiting_on_customer"][0] == "等待客户回复"
    named_at = next(i for i, line in enumerate(lines, 1) if line.startswith("  same_city:"))
    assert codes["same_city"][1] == f"{policy.source}:{named_at}"
    text = _markdown(policy, "zh")
    index = text[text.index('<a id="index"></a>'):]
    assert "## 11. 附录：规则索引" in index and "| same_city | 同城 |" in index
    assert f"| 时限规则 p1-urgent | {places['时限规则 p1-urgent']} |" in index


def test_the_html_page_keeps_the_place_of_a_rule_in_its_tooltip() -> None:
    policy = _policy("after-sales")
    doc = document(policy, "zh")
    page = io.StringIO()
    html(doc, page)
    where = dict(doc.places)["时限规则 p1-urgent"]
    assert f'<h3 title="{where}">p1-urgent</h3>' in page.getvalue()
    body = page.getvalue().split('id="appendix"', 1)[0]
    assert PLACE.findall(re.sub(r' title="[^"]*"', "", body)) == []


def _with(data: dict[str, object]) -> Policy:
    text = json.dumps(data, ensure_ascii=False, default=str)
    doc, problems = load_text(text, str(ROOT / "policies/network-service/x.yaml"))
    assert problems == []
    policy, errors = build_policy(doc)
    assert policy is not None, errors
    return policy


def _network() -> dict[str, object]:
    data = yaml.safe_load((ROOT / "policies/network-service/2025.1.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_a_code_without_a_name_is_shown_as_it_is_and_listed_as_unnamed() -> None:
    data = _network()
    del data["value_names"]
    data["statuses"] = ["new", "waiting_on_customer"]
    data["metrics"]["first_response"]["pause_while"] = {"status": "waiting_on_customer"}
    doc = document(_with(data), "zh")
    where = f"{ROOT / 'policies/network-service/x.yaml'}:1"  # the policy is one line of JSON
    assert ("waiting_on_customer", "（未命名：文档中显示代码）", where) in doc.codes
    clocks = next(s for s in doc.sections if s.anchor == "targets").tables[-1]
    assert any("状态为 waiting_on_customer" in cell for row in clocks.rows for cell in row)


def test_a_note_in_another_language_goes_to_the_appendix_as_written_unless_translated() -> None:
    data = _network()
    note = "the lead hears of a missed response at once: company practice"  # a text the policy's catalog does not hold
    data["escalations"]["first_response"][0]["choice"] = note  # type: ignore[index]
    doc = document(_with(data), "zh")
    number = doc.originals.index(note) + 1
    steps = next(s for s in doc.sections if s.anchor == "escalations").tables[0]
    assert steps.bases[0] is not None and steps.bases[0].choice == f"原文见附录说明 {number}"
    assert f"\n{number}. {note}\n" in _markdown(_with(data), "zh")
    data["translations"]["zh"][note] = "首次响应超时立即通知客服主管：本单位惯例"  # type: ignore[index]
    translated = document(_with(data), "zh")
    assert note not in translated.originals
    steps = next(s for s in translated.sections if s.anchor == "escalations").tables[0]
    assert steps.bases[0] is not None and steps.bases[0].choice == "首次响应超时立即通知客服主管：本单位惯例"
    assert document(_with(data), "en").originals == ()  # English: written in English (or quoting 定期), shown as written


CODE = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
WORDS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)


@given(names=st.dictionaries(CODE, st.fixed_dictionaries({}, optional={"zh": WORDS, "en": WORDS}), max_size=4),
       note=WORDS, translated=WORDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_value_names_and_translations_keep_the_documents_well_formed(names: dict[str, dict[str, str]], note: str,
                                                                         translated: str) -> None:
    """Whatever the names and translations say (pipes, brackets, newlines, Chinese, English), every Markdown
    table keeps its columns, every note is in the body or once in the appendix, and the page stays one page."""
    data = _network()
    data["value_names"] = {**{k: v for k, v in names.items() if v}, **data["value_names"]}  # type: ignore[dict-item]
    data["escalations"]["first_response"][0]["choice"] = note
    data["translations"] = {"zh": {note: translated}} if len(names) % 2 else {}
    policy = _with(data)
    for lang in ("zh", "en"):
        text = _markdown(policy, lang)
        for block in re.findall(r"(?:^\|.*\n)+", text, re.M):
            assert len({len(re.findall(r"(?<!\\)\|", row)) for row in block.splitlines()}) == 1, block
        doc = document(policy, lang)  # type: ignore[arg-type]
        assert len(doc.originals) == len(set(doc.originals))  # each kept once, however often the body points at it
        page = io.StringIO()
        html(doc, page)
        assert page.getvalue().count("<body>") == 1 and page.getvalue().rstrip().endswith("</html>")
