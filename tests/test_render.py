"""`slapolicy render`: the policy as the document people read.

The goldens under tests/golden/render/ and the committed documents under docs/policies/ are
this command's output on the shipped policies; after a deliberate change regenerate both with

    .venv/bin/python -m pytest tests/test_render.py --update-golden

and review the diff (docs/policies/ is what engineers and customers read: the Markdown
documents are pages of the manual, the HTML ones its printable pages)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from slapolicy.output.render import html, markdown
from slapolicy.policy.build import build_policy
from slapolicy.policy.loader import load_text
from slapolicy.review.render import RenderedPolicy, document
from slapolicy.validate.repository import open_policy_set

POLICIES = sorted(p.name for p in (ROOT / "policies").iterdir() if p.is_dir())
GOLDEN = ROOT / "tests" / "golden" / "render"
DOCS = ROOT / "docs" / "policies"
OFFICE_ZH = "工作日 09:00–12:00、13:30–18:00，法定节假日除外，调休上班日照常"
OFFICE_EN = "working days 09:00–12:00 and 13:30–18:00, public holidays excepted, make-up working days worked"


def rendered(name: str, lang: str, fmt: str) -> str:
    out = io.StringIO()
    policy = open_policy_set(Path("policies") / name).latest
    (html if fmt == "html" else markdown)(document(policy, "en" if lang == "en" else "zh"), out)
    return out.getvalue()


def after_sales(lang: str = "zh") -> RenderedPolicy:
    return document(open_policy_set(ROOT / "policies" / "after-sales").latest, "en" if lang == "en" else "zh")


# the committed documents and the goldens ---------------------------------------------------

ENGLISH = {"ubuntu-pro", "sussex-its", "tencent-cvm"}  # agreements written in English: documents in English, and in Chinese for our readers
DOC_FILES = [(name, lang, fmt) for name in POLICIES for lang in (("en", "zh") if name in ENGLISH else ("zh",))
             for fmt in ("md", "html")] + [("after-sales", "en", "html")]


@pytest.mark.parametrize(("name", "lang", "fmt"), DOC_FILES)
def test_the_committed_documents_are_current(in_root: Path, golden: Callable[[Path, str], None], name: str, lang: str,
                                             fmt: str) -> None:
    """docs/policies/<policy>.<lang>.<md|html> is what `slapolicy render` writes today (regenerate: see the module docstring)."""
    golden(DOCS / f"{name}.{lang}.{fmt}", rendered(name, lang, fmt))


def test_the_english_markdown_of_after_sales(in_root: Path, golden: Callable[[Path, str], None]) -> None:
    """(regenerate with pytest --update-golden)"""
    golden(GOLDEN / "after-sales.en.md", rendered("after-sales", "en", "md"))


# what a reader finds in it -----------------------------------------------------------------

def _table(doc: RenderedPolicy, anchor: str, caption: str = "") -> dict[str, tuple[str, ...]]:
    section = next(s for s in doc.sections if s.anchor == anchor)
    table = next(t for t in section.tables if t.caption == caption)
    return {row[0]: row[1:] for row in table.rows}


def test_the_calendar_in_words_in_both_languages() -> None:
    assert _table(after_sales("zh"), "calendars")["办公时间"] == (OFFICE_ZH,)  # each calendar by its name (value_names)
    assert _table(after_sales("en"), "calendars")["office hours"] == (OFFICE_EN,)
    assert _table(after_sales("zh"), "calendars")["全天候"] == ("全天 24 小时，节假日照常（自然时间）",)


def test_the_targets_table_follows_precedence_per_severity() -> None:
    """R-000-04, R-000-05, R-000-06: the figures per severity; a rule that also depends on another
    attribute is shown with its condition, and a cell no rule reaches is a dash."""
    rows = _table(after_sales("zh"), "targets", "所有服务等级")
    assert rows["首次响应"] == ("15 分钟（自然时间）", "30 分钟（自然时间）", "1 小时（自然时间）")
    assert rows["提出解决方案"] == ("2 小时（自然时间）", "—", "—")
    assert rows["客户回访"][0] == f"3 个工作日（{OFFICE_ZH}）"
    assert rows["现场到达"][0] == "4 小时（自然时间）（仅当 客户所在地 = 同城）; 24 小时（自然时间）（仅当 客户所在地 = 外省）"
    en = _table(after_sales("en"), "targets", "All tiers")
    assert en["First response"] == ("15 min (clock time)", "30 min (clock time)", "1 h (clock time)")
    assert en["Follow-up call"][0] == f"3 working days ({OFFICE_EN})"


def test_targets_per_tier_where_a_rule_names_the_tier(in_root: Path) -> None:
    doc = document(open_policy_set("policies/company-service").latest)
    captions = [t.caption for t in next(s for s in doc.sections if s.anchor == "targets").tables]
    assert captions[:-1] == [t.name for t in open_policy_set("policies/company-service").latest.tiers.values()]
    assert captions[-1] == "计时规则"


def test_every_rule_carries_its_clause_text_or_its_choice() -> None:
    doc = after_sales("zh")
    rules = {r.title: r for s in doc.sections for r in s.rules}
    assert rules["p1-urgent"].basis.clauses == ("R-000-04",)
    assert rules["p1-urgent"].basis.source == f"{ROOT / 'policies/after-sales/2025.1.yaml'}:{_line('id: p1-urgent')}"
    assert rules["engineer-contact-p1"].basis.clauses == ()
    assert any("本单位规定：R-000-20 只写“约定时间”" in line for line in rules["engineer-contact-p1"].lines)  # its translation
    appendix = {c.id: (c, by) for c, by in doc.clauses}
    clause, cited_by = appendix["R-000-04"]
    assert clause.text == ("一级紧急问题(系统瘫痪、数据丢失)需15分钟内响应,2小时内提出解决方案",)
    assert "时限规则 p1-urgent" in cited_by and "严重等级 P1" in cited_by
    escalation = _table(doc, "escalations", "首次响应")
    assert escalation["1"][:2] == ("时限的 75%", "技术支援组组长")


def _line(text: str) -> int:
    lines = (ROOT / "policies/after-sales/2025.1.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def test_english_falls_back_to_the_original_names(in_root: Path) -> None:
    policy = open_policy_set("policies/service-guide").latest
    severities = _table(document(policy, "en"), "severities")  # by name: the codes are in the index
    assert policy.severities["L1"].name in severities  # no name_en in that policy
    assert _table(after_sales("en"), "severities")["Severity 1 (urgent)"] == ("system down or data lost",)


def test_the_html_page_is_self_contained_and_printable(in_root: Path) -> None:
    page = rendered("after-sales", "zh", "html")
    assert re.findall(r'(?:src|href)="(?!#)[^"]*"', page) == []
    assert "url(" not in page and "@import" not in page and "<script" not in page
    assert "@page { size: A4;" in page and "section.major { break-before: page; }" in page
    nav = page[page.index('<nav class="toc">'):page.index("</nav>")]
    toc = re.findall(r'<li><a href="#([^"]+)">', nav)
    assert toc[0] == "severities" and toc[-3:] == ["decisions", "appendix", "index"]
    assert all(f'id="{anchor}"' in page for anchor in toc)


# the command -------------------------------------------------------------------------------

def test_render_writes_the_file(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    target = tmp_path / "after-sales.html"
    result = run_cli("render", "policies/after-sales", "--lang", "en", "-o", str(target))  # .html: HTML without --format
    assert (result.exit_code, result.output) == (0, "")
    assert target.read_text(encoding="utf-8") == rendered("after-sales", "en", "html")


def test_render_speaks_the_language_chosen(run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    """render's --lang, else `slapolicy --lang`, else the locale, else SLAPOLICY_LANG, else the language the
    policy declares (after-sales implements Chinese registers), else Chinese."""
    def first_fact(*args: str) -> str:
        return run_cli(*args).output.splitlines()[2]
    assert first_fact("render", "policies/after-sales") == "- **Policy**: after-sales"  # SLAPOLICY_LANG=en (conftest)
    monkeypatch.delenv("SLAPOLICY_LANG")
    assert first_fact("render", "policies/after-sales") == "- **制度**: after-sales"  # LANG=C.UTF-8 says nothing
    assert first_fact("--lang", "en", "render", "policies/after-sales") == "- **Policy**: after-sales"
    assert first_fact("--lang", "en", "render", "policies/after-sales", "--lang", "zh") == "- **制度**: after-sales"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert first_fact("render", "policies/after-sales") == "- **Policy**: after-sales"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert first_fact("render", "policies/after-sales") == "- **制度**: after-sales"


def test_render_picks_a_version(run_cli: Callable[..., Result]) -> None:
    result = run_cli("render", "policies/after-sales", "--version", "2024.1", "--lang", "zh")
    assert result.exit_code == 0
    assert "- **版本**: 2024.1" in result.output
    missing = run_cli("render", "policies/after-sales", "--version", "2023.9")
    assert missing.exit_code == 2
    assert missing.output == "error: --version 2023.9: policies/after-sales has no such version; it has 2024.1, 2025.1\n"


def test_render_refuses_an_unusable_policy(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    broken = tmp_path / "p.yaml"
    broken.write_text("policy: x\nversion: '1'\nseverities: [\n", encoding="utf-8")
    result = run_cli("render", str(broken))
    assert result.exit_code == 2
    assert result.output == (f"error: {broken}:4:1: SLA004 error: a value is missing inside [ ] or {{ }} "
                             "(two commas in a row, or a comma before the closing bracket?)\n")
    assert run_cli("render", "no/such/policy.yaml").exit_code == 2


# property: whatever the names say, the documents keep their shape --------------------------

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)


@given(name=TEXT, description=TEXT, title=TEXT)
@example(name="1E0", description="0E0", title="1E0")  # numbers under YAML 1.2, plain text under PyYAML's 1.1
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_names_keep_markdown_tables_and_html_well_formed(name: str, description: str, title: str) -> None:
    """Pipes, angle brackets, quotes and newlines in a policy's own words never break a table row
    or inject markup."""
    data = yaml.safe_load((ROOT / "policies/network-service/2025.1.yaml").read_text(encoding="utf-8"))
    data["title"] = title
    first = next(iter(data["severities"]))
    data["severities"][first] = {"name": name, "description": description, "name_en": name}
    # written as JSON, YAML 1.2's own subset: PyYAML's YAML 1.1 writer leaves `1E0` unquoted, which YAML 1.2 reads as a number
    text = json.dumps(data, ensure_ascii=False, default=str)
    doc, problems = load_text(text, str(ROOT / "policies/network-service/x.yaml"))
    assert problems == []
    policy, errors = build_policy(doc)
    assert policy is not None, errors
    for lang in ("zh", "en"):
        out = io.StringIO()
        markdown(document(policy, lang), out)  # type: ignore[arg-type]
        for block in re.findall(r"(?:^\|.*\n)+", out.getvalue(), re.M):
            counts = {len(re.findall(r"(?<!\\)\|", row)) for row in block.splitlines()}
            assert len(counts) == 1, block
        page = io.StringIO()
        html(document(policy, lang), page)  # type: ignore[arg-type]
        checker = _Tags()
        checker.feed(page.getvalue())
        assert checker.tags <= {"html", "head", "meta", "title", "style", "body", "header", "h1", "dl", "dt", "dd", "nav", "h2",
                                "ol", "li", "a", "section", "table", "caption", "thead", "tr", "th", "tbody", "td", "br",
                                "span", "h3", "ul", "blockquote", "b", "p"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


def test_a_target_rule_may_carry_an_english_description() -> None:
    """`description_en` on a target rule is its translation, not a clock named description_en."""
    data = yaml.safe_load((ROOT / "policies/network-service/2025.1.yaml").read_text(encoding="utf-8"))
    data["targets"][0].update(description="中文说明", description_en="English words")
    doc, _ = load_text(yaml.safe_dump(data, allow_unicode=True), str(ROOT / "policies/network-service/x.yaml"))
    policy, errors = build_policy(doc)
    assert policy is not None, errors
    assert "description_en" not in policy.targets[0].values
    first = next(s for s in document(policy, "en").sections if s.anchor == "targets").rules[0]
    assert first.lines[0] == "English words"
    first_zh = next(s for s in document(policy, "zh").sections if s.anchor == "targets").rules[0]
    assert first_zh.lines[0] == "中文说明"


def test_a_condition_on_a_given_value_is_said_in_words() -> None:
    """`when: {promised_at: {exists: true}}` read "答應客戶的修妥時間 exists true" in the Chinese document."""
    zh = (DOCS / "company-service.zh.md").read_text(encoding="utf-8")
    assert "exists" not in zh
    assert "（仅当 答應客戶的修妥時間已登记）" in zh


def test_a_rule_quotes_the_row_of_a_table_its_figures_come_from(in_root: Path) -> None:
    """R-020-05 is the Sussex page's targets table, quoted row by row: each target rule quotes its own row (by
    the words of the figures it uses), not the table's heading, which it quoted before."""
    doc = document(open_policy_set(Path("policies") / "sussex-its").latest, "en")
    (targets,) = [s for s in doc.sections if s.anchor == "targets"]
    assert {r.title: dict(r.quoted) for r in targets.rules} == {
        "p1": {"R-020-05": "Priority 1 15 minutes 4 hours"}, "p2": {"R-020-05": "Priority 2 1 hours 1 Day"},
        "p3": {"R-020-05": "Priority 3 2 hours 3 Days"}, "p4": {"R-020-05": "Priority 4 4 hours 5 Days"},
        "p5": {"R-020-05": "Priority 5 8 hours 10 Days"}}
    assert "> **R-020-05** Priority 1 15 minutes 4 hours\n" in rendered("sussex-its", "en", "md")
