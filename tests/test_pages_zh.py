"""The simulate and what-if pages in Chinese, as the report page: the page's lang, its headings, columns, status
words and the timelines' texts in the reader's language; the same page in English reads as before (tests/test_html.py
and its golden). Checked in the parsed page and, where a script writes the text, in headless Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slapolicy.i18n import _, speaking
from slapolicy.output.html import CLOCK_STATUSES, TIMELINE_WORDS
from test_html import AS_OF, browser, open_page  # noqa: F401 (browser: the module's fixture)

WHATIF = ("whatif", "--base", "tests/fixtures/whatif/base.yaml", "--candidate", "tests/fixtures/whatif/candidate.yaml",
          "tests/fixtures/whatif/history.jsonl", "--as-of", "2025-12-31", "--jobs", "1", "--format", "html")
ENGLISH_WORD = re.compile(r"\b[a-z]{3,}\b")


def _simulate_zh(run_cli: Callable[..., Any], path: Path, history: str = "examples/tickets.jsonl") -> Any:
    return run_cli("--lang", "zh", "simulate", "policies/after-sales", history, "--as-of", AS_OF, "--format", "html", "-o", str(path))


def test_simulate_page_in_chinese(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    """Heading, summary, the status columns, the legend, controls and the words the timelines are written with."""
    path = tmp_path / "simulate-zh.html"
    assert _simulate_zh(run_cli, path).exit_code == 0
    page = path.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "<title>回放的工单</title>" in page
    assert "<h1>回放的工单</h1><p>14 张工单：回放 14 张，拒收 0 张；42 次升级。时间按各日历的时区显示。</p>" in page
    assert "<thead><tr><th>指标</th><th>达成</th><th>超时</th><th>计时中</th><th>已取消</th><th>不计时</th></tr></thead>" in page
    assert "<h2>工单时间线</h2>" in page and "> 只看有超时的工单</label>" in page and ">◀ 上一页</button>" in page
    meta = json.loads(re.search(r'<script type="application/json" id="meta">(.*?)</script>', page).group(1))  # type: ignore[union-attr]
    with speaking("zh"):
        assert meta["words"] == {**{k: _(v) for k, v in TIMELINE_WORDS.items()}, "status": {k: _(v) for k, v in CLOCK_STATUSES.items()}}
    assert meta["words"]["breach"] == "{name} 于 {when} 超时（时限 {target}）；{rule}"
    shown = re.sub(r"<script.*?</script>|<style>.*?</style>|<td>.*?</td>|<[^>]+>", " ", page, flags=re.S)  # cells: metric ids
    assert ENGLISH_WORD.findall(shown.replace("--as-of", "")) == []


def test_simulate_page_in_chinese_in_chromium(browser: Any, run_cli: Callable[..., Any], tmp_path: Path) -> None:  # noqa: F811
    """What timeline.js writes: the ticket's line, a mark's explanation, the page count, a rejected ticket, in Chinese."""
    path = tmp_path / "simulate-zh.html"
    assert _simulate_zh(run_cli, path).exit_code == 0
    page, errors = open_page(browser, path)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    ticket = page.locator("section.ticket").first
    assert ticket.locator("div").first.text_content() == "after-sales 2025.1，创建于 2025-03-07 17:50（Asia/Shanghai）"
    marker = page.locator('svg.timeline[data-ticket="T-1001"] circle.breach').first
    assert marker.locator("title").text_content().startswith("resolution_plan 于 2025-03-07 19:50 超时（时限 2h）；规则 policies/")
    bar = page.locator('svg.timeline[data-ticket="T-1001"] rect.work.met').first
    assert "达成：" in bar.locator("title").text_content() and " 开始" in bar.locator("title").text_content()
    assert page.locator("#pageinfo").text_content() == "第 1 页，共 1 页（14 张工单）"
    assert errors == []
    rejected = tmp_path / "bad-zh.html"
    assert _simulate_zh(run_cli, rejected, "examples/bad-tickets.jsonl").exit_code == 1
    page, errors = open_page(browser, rejected)
    assert page.locator("p.rejected").first.text_content().startswith("B-1（第 1 行）拒收：unknown_severity: ")
    assert errors == []


def test_whatif_page_in_chinese(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    """The what-if page's lang, title, a card per role and the headings of its own tables in Chinese; the English page
    keeps its words (tests/test_html.py checks it at desktop and phone width)."""
    result = run_cli("--lang", "zh", *WHATIF)
    assert result.exit_code == 0
    page = result.stdout
    assert '<html lang="zh-CN">' in page and "<h1>假设分析：load 1 → 2</h1>" in page
    labels = re.findall(r'<div class="label">(.*?)</div>', page)
    assert labels == ["发给 team_lead team lead 的通知", "发给 service_head service head 的通知", "发给 vice_gm vice general manager 的通知"]
    assert "<h2>时限项目</h2><div class=\"wide\"><table><thead><tr><th>指标</th>" in page
    assert "<summary>结果有变化的计时</summary>" in page
    english = run_cli(*WHATIF).stdout
    assert '<html lang="en">' in english and "<h2>Metrics</h2>" in english and "notifications to team_lead team lead" in english
