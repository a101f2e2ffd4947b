"""Replaying histories: in blocks, in parallel, from pipes; every line accounted for once, in
input order, with the same result however the work is split."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import PURE_ONLY, ROOT
from slapolicy.sim.generate import generate
from slapolicy.sim.lines import Lines as _Lines
from slapolicy.sim.outcome import Rejection, SubjectOutcome
from slapolicy.sim.replay import BLOCK_BYTES, outcomes
from slapolicy.validate.repository import open_policy_set

AS_OF = dt.datetime(2026, 6, 30, tzinfo=dt.UTC).timestamp()
POLICY = ROOT / "policies" / "after-sales"


@pytest.fixture(scope="module")
def big_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More than two default blocks, so `--jobs 2` really runs workers (with megabytes in flight)."""
    path = tmp_path_factory.mktemp("history") / "big.jsonl"
    policy = open_policy_set(POLICY).latest
    lines = [json.dumps(t, ensure_ascii=False) for t in generate(policy, 4000, seed=9, start=dt.date(2025, 1, 1))]
    lines[1500] = lines[10]  # a duplicate id across blocks
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 2 * BLOCK_BYTES
    return path


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "slapolicy", *args], input=stdin, capture_output=True, timeout=300,
                          cwd=ROOT, check=False)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_jobs_2_writes_the_same_bytes_as_jobs_1(big_history: Path, fmt: str) -> None:
    """No deadlock with large blocks and large results; the output is identical byte for byte."""
    common = ["simulate", str(POLICY), str(big_history), "--as-of", "2026-06-30T00:00:00+08:00", "--engine", "python",
              "--format", fmt]
    one, two = run_cli(*common, "--jobs", "1"), run_cli(*common, "--jobs", "2")
    assert one.returncode == two.returncode == 1  # the duplicate is rejected
    assert one.stdout == two.stdout and len(one.stdout) > 1_000_000
    assert one.stderr.decode().strip() == "4000 tickets: 3999 simulated, 1 rejected"


def test_report_jobs_2_equals_jobs_1_and_stdin(big_history: Path) -> None:
    common = ["report", str(POLICY), "--as-of", "2026-06-30T00:00:00+08:00", "--engine", "python", "--format", "json"]
    one = run_cli(*common[:2], str(big_history), *common[2:], "--jobs", "1")
    two = run_cli(*common[:2], str(big_history), *common[2:], "--jobs", "2")
    piped = run_cli(*common[:2], "-", *common[2:], "--jobs", "2", stdin=big_history.read_bytes())
    assert one.stdout == two.stdout == piped.stdout
    assert json.loads(one.stdout)["summary"] == {"tickets": 4000, "simulated": 3999, "rejected": 1}


def test_duplicate_is_rejected_against_its_first_line(big_history: Path) -> None:
    """R-002-03: the first line that carries an id claims it, across blocks and workers."""
    found = outcomes(open_policy_set(POLICY), str(big_history), AS_OF, "python", jobs=2, block_bytes=50_000)
    assert len(found) == 4000
    (dup,) = [o for o in found if isinstance(o, Rejection)]
    assert (dup.line, dup.reasons[0].code) == (1501, "duplicate_id")
    assert dup.reasons[0].message == f"ticket id '{dup.id}' was already used at line 11"
    assert [o.line for o in found] == list(range(1, 4001))


def test_bom_crlf_and_blank_lines_keep_editor_line_numbers(tmp_path: Path) -> None:
    """A UTF-8 BOM is not a broken first ticket; CRLF and blank lines do not shift line numbers."""
    base = (ROOT / "examples" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
    text = "\ufeff" + "\r\n".join([base[0], "", base[1], "not json", base[2]]) + "\r\n"
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(text.encode("utf-8"))
    found = outcomes(open_policy_set(POLICY), str(path), AS_OF, "python")
    assert [(o.line, type(o).__name__) for o in found] == [
        (1, "SubjectOutcome"), (3, "SubjectOutcome"), (4, "Rejection"), (5, "SubjectOutcome")]


class _Pipe(io.RawIOBase):
    """A stream that cannot seek, like stdin from a pipe."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_lines_of_a_pipe_can_be_read_back_from_the_spool() -> None:
    data = b"".join(f'{{"id": "T-{n}"}}\n'.encode() for n in range(1, 501))
    lines = _Lines(io.BufferedReader(_Pipe(data)), 1000)
    try:
        blocks = list(lines.blocks())
        assert lines.spool is not None and len(blocks) >= 7
        assert b"".join(b.data for b in blocks) == data
        assert [b.first_line for b in blocks] == [1 + b"".join(x.data for x in blocks[:i]).count(b"\n")
                                                  for i, b in enumerate(blocks)]
        assert lines.line(1) == b'{"id": "T-1"}' and lines.line(377) == b'{"id": "T-377"}'
    finally:
        lines.close()


def test_outcomes_are_typed(big_history: Path) -> None:
    (first,) = outcomes(open_policy_set(POLICY), str(ROOT / "examples" / "tickets.jsonl"), AS_OF)[:1]
    assert isinstance(first, SubjectOutcome)
    fr = next(c for c in first.clocks if c.metric.id == "first_response")
    assert fr.rule is not None and fr.rule.id == "p1-urgent" and fr.rule.clauses == ("R-000-04",)
    line = next(n for n, text in enumerate(Path(fr.rule.source.path).read_text(encoding="utf-8").splitlines(), 1)
                if "id: p1-urgent" in text)
    assert str(fr.rule.source).endswith(f"2025.1.yaml:{line}")


@PURE_ONLY
def test_both_passes_ask_the_engine_once_per_distinct_subject(big_history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 23: in one process the first pass (correlations) and the replay share one cache of the engine's
    decisions: no combination of the attribute values decisions read is asked of the engine twice."""
    from slapolicy.sim.decisions import Decider

    asked: list[tuple[Any, ...]] = []
    ask = Decider._ask_engine

    def counted(self: Decider, kind: str, attributes: dict[str, Any], *rest: Any) -> Any:
        asked.append((self.policy.version, kind, *(repr(attributes.get(f)) for f in self._key_fields)))
        return ask(self, kind, attributes, *rest)

    monkeypatch.setattr(Decider, "_ask_engine", counted)
    policies = open_policy_set(POLICY)
    assert any(p.correlations for p in policies.versions)  # a first pass runs
    found = outcomes(policies, str(big_history), AS_OF, "python", jobs=1)
    assert len(found) == 4000 and len(asked) > 100
    assert len(set(asked)) == len(asked)
