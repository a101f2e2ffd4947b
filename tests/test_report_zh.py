"""`report` as text and Markdown in Chinese: the section headings, column headings, verdicts and the
summary translated; objective ids, clauses and the policy's own names as written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from rich.cells import cell_len

from conftest import ROOT

ARGS = ("report", "policies/after-sales", "examples/tickets.jsonl", "--as-of", "2025-12-31T00:00:00+08:00", "--engine", "python")


def test_report_table_in_chinese(run_cli: Callable[..., Result], golden: Callable[[Path, str], None]) -> None:
    result = run_cli("--lang", "zh", *ARGS, "--format", "table")
    assert result.exit_code == 0
    golden(ROOT / "tests" / "golden" / "zh" / "report_examples_table.txt", result.stdout)
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert "质量目标" in lines and "objectives" not in lines
    assert any(line.startswith("目标 ") and "条款" in line and "结果" in line for line in lines)
    assert any(line.startswith("first-reply-on-time") and "未达成" in line for line in lines)


def test_report_markdown_in_chinese(run_cli: Callable[..., Result]) -> None:
    text = run_cli("--lang", "zh", *ARGS, "--format", "markdown").stdout
    assert text.startswith("# 服务质量报告 — after-sales 2025.1")
    assert "\n## 质量目标\n" in text and "## Objectives" not in text
    english = run_cli(*ARGS, "--format", "markdown").stdout
    assert english.startswith("# Service quality report — after-sales 2025.1") and "\n## Objectives\n" in english


def test_an_objectives_target_is_its_target_value_a_clocks_its_time_limit(run_cli: Callable[..., Result]) -> None:
    """One English word, two Chinese ones by the message context: 目标值 in the objectives table, 时限 in a clock table."""
    report = run_cli("--lang", "zh", *ARGS, "--format", "markdown").stdout.splitlines()
    assert "| 目标 | 条款 | 时段 | 实际值 | 目标值 | 结果 | 计量 |" in report
    simulate = run_cli("--lang", "zh", "simulate", *ARGS[1:], "--format", "table").stdout.splitlines()
    assert any(line.split()[:2] == ["指标", "时限"] for line in simulate)
    assert "| objective | clause | period | value | target | result | measured |" in run_cli(*ARGS, "--format", "markdown").stdout


def test_a_groups_escalations_and_findings_read_as_chinese_sentences(run_cli: Callable[..., Result]) -> None:
    """A group's escalation steps and findings in Markdown: the step in the reader's words, the list with 、 and the
    sentence with 。; English keeps its own line word for word."""
    chinese = run_cli("--lang", "zh", *ARGS, "--format", "markdown").stdout.splitlines()
    english = run_cli(*ARGS, "--format", "markdown").stdout.splitlines()
    assert "升级：first_response 第 1 步 × 1、first_response 第 2 步 × 1、resolution 第 1 步 × 1、resolution 第 2 步 × 1。" in chinese
    assert "检查发现：misrouted × 1、recurrence × 1。" in chinese
    assert "Escalations: first_response step 1 × 1, first_response step 2 × 1, resolution step 1 × 1, resolution step 2 × 1." in english
    assert "Findings: misrouted × 1, recurrence × 1." in english
