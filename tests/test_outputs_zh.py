"""`whatif`, `diff`, `test`, `clauses` and `due` as text and Markdown in Chinese: headings, column
names, summaries and status words translated; ids, clauses, paths and the policy's own names as written;
the same figures as the English output (which the English goldens hold unchanged)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from rich.cells import cell_len

from conftest import ROOT

Run = Callable[..., Result]
GOLDEN = ROOT / "tests" / "golden" / "zh"
WHATIF = ("whatif", "--base", "2024.1", "--candidate", "2025.1", "--in", "policies/after-sales", "tests/fixtures/history.jsonl",
          "--as-of", "2025-12-31T00:00:00+08:00", "--jobs", "1", "--limit", "2", "--engine", "python")
DIFF = ("diff", "tests/fixtures/diff/base.yaml", "tests/fixtures/diff/reordered.yaml")


def _numbers(text: str) -> list[str]:
    """The figures of a text, in order: what a translation must keep."""
    return re.findall(r"[+-]?\d+(?:\.\d+)?%?", text)


def test_whatif_markdown_in_chinese(run_cli: Run, golden: Callable[[Path, str], None]) -> None:
    result = run_cli("--lang", "zh", *WHATIF, "--format", "markdown")
    assert result.exit_code == 1  # tickets rejected, as in English
    golden(GOLDEN / "whatif_history.md", result.stdout)
    lines = result.stdout.splitlines()
    assert lines[0] == "# 假设分析：after-sales 2024.1 → 2025.1"
    assert lines[2].startswith("64 张工单：回放 61，拒收 3。10 个计时在按时与超时之间改变；210 个计时只在候选版本中")
    assert "| 指标 | 基准及时率 | 候选及时率 | 变化 | 基准超时 | 候选超时 |" in lines
    assert "| first_response 首次响应 | 92.1% | 90.5% | -1.6 个百分点 | 5 | 6 |" in lines
    assert "| P2 | resolution 处理 / 答复 / 解决 | 84.0%（21/25） | 48.0%（12/25） | -36.0 个百分点 |" in lines
    assert {"## 各严重等级的及时率", "## 各角色收到的通知", "## 各角色每月收到的通知", "## 质量目标", "## 结果改变的工单"} <= set(lines)
    english = run_cli(*WHATIF, "--format", "markdown").stdout.splitlines()
    assert [_numbers(line) for line in english if line.startswith("| ")] == [_numbers(line) for line in lines if line.startswith("| ")]
    assert result.stderr == "64 张工单：回放 61，拒收 3\n"


def test_whatif_table_in_chinese(run_cli: Run) -> None:
    result = run_cli("--lang", "zh", *WHATIF, "--format", "table")
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert {"时限项目", "各严重等级的及时率", "各角色收到的通知", "质量目标", "结果改变的工单"} <= set(lines)
    assert any(line.startswith("service_head 技术服务部负责人") and line.split()[-3:] == ["6", "23", "+17"] for line in lines)
    assert not any(word in result.stdout for word in ("base on time", "changed outcomes", "Notifications per role", "replayed"))


def test_diff_text_in_chinese(run_cli: Run, golden: Callable[[Path, str], None]) -> None:
    result = run_cli("--lang", "zh", *DIFF)
    assert result.exit_code == 1
    golden(GOLDEN / "diff_reordered.txt", result.stdout)
    lines = result.stdout.splitlines()
    assert lines[0] == "diff-fixture 1.0 → diff-fixture 1.0: 3 处变化"
    assert {"实际时限（首条匹配规则，按严重等级 × 服务等级）", "时限规则"} <= set(lines)
    assert "  移动     规则 gold: 第 2 位 → 第 1 位  (tests/fixtures/diff/base.yaml:29 → tests/fixtures/diff/reordered.yaml:28)" in lines
    assert "           现在排在 p1 之前：两者都匹配时，以本规则为准" in lines
    same = run_cli("--lang", "zh", "diff", "tests/fixtures/diff/base.yaml", "tests/fixtures/diff/same.yaml", "--format", "markdown")
    assert same.stdout == "## 策略差异：diff-fixture 1.0 → diff-fixture 1.0: 语义无变化\n"


def test_diff_of_shipped_versions_in_chinese(run_cli: Run, golden: Callable[[Path, str], None]) -> None:
    """Each change's item, values and note said in Chinese (the policy's own names and texts as written); the JSON
    keeps the English text of the same changes."""
    args = ("diff", "2024.1", "2025.1", "--in", "policies/after-sales")
    result = run_cli("--lang", "zh", *args)
    assert result.exit_code == 1
    golden(GOLDEN / "diff_after_sales.txt", result.stdout)
    lines = result.stdout.splitlines()
    assert ("  修改     first_response（severity=P2）: 1h 自然时间（全天候） → 30m 自然时间（全天候）  "
            "(policies/after-sales/2024.1.yaml:52 → policies/after-sales/2025.1.yaml:276)") in lines
    assert any(line.startswith("  新增     handover（每个 contract）: 1 working day 按日历 office（mon-fri 09:00-12:00, 13:30-18:00；"
                               "CN 法定节假日，调休上班日上班）") for line in lines)
    assert "  新增     withdrawn: 已声明  (policies/after-sales/2025.1.yaml:110)" in lines
    for english in ("around the clock", "every ticket", " for severity=", "public holidays", "position "):
        assert english not in result.stdout
    changes = json.loads(run_cli("--lang", "zh", *args, "--format", "json").stdout)["changes"]
    assert json.loads(run_cli(*args, "--format", "json").stdout)["changes"] == changes
    assert {"section": "targets", "item": "first_response for severity=P2", "kind": "changed", "old": "1h around the clock",
            "new": "30m around the clock", "old_at": "policies/after-sales/2024.1.yaml:52",
            "new_at": "policies/after-sales/2025.1.yaml:276", "note": ""} in changes
    markdown = run_cli("--lang", "zh", *args, "--format", "markdown").stdout
    assert "| 修改 | first_response（severity=P2） | 1h 自然时间（全天候） → 30m 自然时间（全天候） |" in markdown


def test_diff_impact_in_chinese(run_cli: Run) -> None:
    """diff --history says the impact in the reader's language, with whatif's figures."""
    args = ("diff", "2024.1", "2025.1", "--in", "policies/after-sales", "--history", "tests/fixtures/history.jsonl", "--as-of",
            "2025-12-31T00:00:00+08:00", "--jobs", "1")
    text = run_cli("--lang", "zh", *args, "--format", "text").stdout.splitlines()
    start = text.index("对工单历史的影响（按月）")
    assert text[start + 1].startswith("  64 张工单：回放 61，拒收 3；10 个计时在按时与超时之间改变；在 2024.1 下，忽略了 18 个")
    assert "  first_response 首次响应：及时率 92.1% → 90.5%（-1.6 个百分点），超时 5 → 6" in text
    assert "  发给 service_head 技术服务部负责人 的通知：6 → 23（+17）" in text
    assert "  2025 年发给 vice_gm 的通知：1 → 6（+5）" in text
    markdown = run_cli("--lang", "zh", *args, "--format", "markdown").stdout
    assert "\n### 对工单历史的影响（按月）\n" in markdown and "\n| | 内容 | 变化 | 位置 |\n" in markdown
    assert "<details><summary>各角色每月收到的通知</summary>" in markdown
    assert "Impact" not in markdown and "| changed |" not in markdown


def test_policy_tests_in_chinese(run_cli: Run) -> None:
    result = run_cli("--lang", "zh", "test", "policies/after-sales", "--coverage", "--engine", "python")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    passed = [line for line in lines if line.startswith("通过 policies/after-sales/after-sales.test.yaml:")]
    english = run_cli("test", "policies/after-sales", "--engine", "python").stdout.splitlines()
    assert len(passed) == sum(line.startswith("PASSED ") for line in english) > 0
    summary = next(line for line in lines if line.startswith("通过 ") and "失败" in line)
    assert summary == f"通过 {len(passed)} 个，失败 0 个"
    assert "after-sales 2025.1 的覆盖情况：" in lines and "  未覆盖的时限规则：无" in lines


def test_clauses_in_chinese(run_cli: Run) -> None:
    gaps = run_cli("--lang", "zh", "clauses", "tests/fixtures/clauses/gaps", "--format", "text")
    assert gaps.exit_code == 1
    assert gaps.output.splitlines()[-1] == ("2 条需执行的条款：1 条已验证，0 条已引用但未验证，1 条未测试，0 条未编码；"
                                           "1 条组织性条款；所读文件中有 1 个错误")
    assert "R-900-01 [aggregate / ticket] 已编码，未验证：没有通过的测试用例引用它" in gaps.output
    cited = "tests/fixtures/clauses/cited"
    text = run_cli("--lang", "zh", "clauses", cited, "--format", "text").output
    assert f"    用例：{cited}/cited.test.yaml:4 severity 1 is answered within 15 minutes（通过，验证）" in text
    markdown = run_cli("--lang", "zh", "clauses", cited, "--format", "markdown").output.splitlines()
    assert markdown[0] == "| 条款 | 类型 | 编码规则 | 引用它的通过用例 | 验证它的用例 | 状态 |"
    assert markdown[2] == "| R-900-01 | aggregate / ticket | cited 1.0: objective answered | 2 | 0 | **未验证** |"
    assert json.loads(run_cli("--lang", "zh", "clauses", cited, "--format", "json").output)["clauses"][0]["status"] == "unverified"


def test_due_table_in_chinese(run_cli: Run) -> None:
    result = run_cli("--lang", "zh", "due", "policies/after-sales", "tests/fixtures/due/friday.jsonl", "--as-of",
                     "2025-03-07T18:00:00+08:00", "--within", "1h", "--format", "table")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "2025-03-07 18:00 仍在计时的时限，1h 内到期，最早到期的在前；规则按"
    assert lines[3].split() == ["剩余", "到期", "工单", "等级", "指标", "规则", "条款", "处理人"]
    assert lines[5].split()[:6] == ["-1h24m", "03-07", "16:36", "T-B", "P2", "engineer_contact"]
    assert result.stderr == "5 张工单：模拟 5，拒收 0；未结 5，列出 4 个计时，1h 内到期（已超时 2，暂停 1）\n"
