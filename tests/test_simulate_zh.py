"""`simulate --format table` in Chinese: headings, status words, the notes under the clocks and the
summary translated; ids, metric names and the policy's own names as written; still 80 columns."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from rich.cells import cell_len

from conftest import ROOT

ARGS = ("simulate", "policies/after-sales", "examples/tickets.jsonl", "--as-of", "2025-12-31T00:00:00+08:00",
        "--format", "table", "--engine", "python")


def test_simulate_table_in_chinese(run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch,
                                   golden: Callable[[Path, str], None]) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    result = run_cli(*ARGS)
    assert result.exit_code == 0
    golden(ROOT / "tests" / "golden" / "zh" / "simulate_examples_table.txt", result.stdout)
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert "T-1001 — 严重等级 P2 二级重要, 服务等级 standard 标准服务" in lines
    assert "after-sales 2025.1，创建于 2025-03-07 17:50；时间按各日历的时区显示" in lines
    assert any(line.startswith("resolution_plan   2h ") and line.endswith(" 超时") for line in lines)
    assert "  升级       03-07 19:20  resolution_plan 第 1 步 → team_lead" in lines
    assert result.stderr == "14 个对象：模拟 14，拒收 0\n"  # hotline calls beside the tickets: subjects
    assert "…" not in result.stdout  # a character that no longer fits starts the next line, none is cut


def test_same_table_as_in_english(run_cli: Callable[..., Result]) -> None:
    """The Chinese table has the English one's tickets and clocks, in the same order."""
    english = run_cli(*ARGS).stdout.splitlines()
    chinese = run_cli("--lang", "zh", *ARGS).stdout.splitlines()
    clocks = ("registration ", "first_response", "resolution", "follow_up", "archive")
    assert [line[:11] for line in english if line.startswith(clocks)] == [line[:11] for line in chinese if line.startswith(clocks)]
    assert [line.split()[0] for line in english if line.startswith("T-")] == \
        [line.split()[0] for line in chinese if line.startswith("T-")]


def test_rejections_in_chinese(run_cli: Callable[..., Result]) -> None:
    """Why a ticket is rejected, in the reader's language in the table (ids and the values quoted as written); the
    JSON says it in English."""
    args = ("simulate", "policies/after-sales", "examples/bad-tickets.jsonl", "--as-of", "2025-12-31T00:00:00+08:00", "--engine", "python")
    table = run_cli("--lang", "zh", *args, "--format", "table").stdout
    said = " ".join(table.split())  # the table wraps long reasons
    assert "B-1 （第 1 行）拒收：unknown_severity: 未知严重等级 'P4'；可选值：P1, P2, P3" in said
    assert "missing_created: 工单没有 'created' 事件；每张工单都以它开始" in said
    assert "duplicate_id: 工单 id 'B-1' 已在第 1 行使用" in said
    assert "no_policy_version: 2023-03-07 没有生效的策略 'after-sales' 版本" in said
    english = [json.loads(line) for line in run_cli("--lang", "zh", *args, "--format", "jsonl").stdout.splitlines()]
    errors = {e["code"]: e["message"] for doc in english for e in doc.get("errors", ())}
    assert errors["unknown_severity"] == "unknown severity 'P4'; use one of: P1, P2, P3"
    assert errors["duplicate_id"] == "ticket id 'B-1' was already used at line 1"
