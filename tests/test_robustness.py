"""Every way an input or a fault once broke a run (issue 10), each with its exact message and
exit code: no traceback, no hang, no lost ticket, no silent truncation."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import msgspec
import pytest
from click.testing import Result

from conftest import ROOT
from slapolicy.sim import tickets
from slapolicy.sim.outcome import Rejection

Run = Callable[..., Result]
BASE = (ROOT / "policies" / "after-sales" / "2025.1.yaml").read_text(encoding="utf-8")
EXAMPLE = json.loads((ROOT / "examples" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()[0])
AS_OF = "2026-01-01T00:00:00+08:00"


def policy(tmp_path: Path, old: str, new: str, name: str = "p.yaml") -> str:
    """The shipped after-sales policy with one change, written elsewhere (its register found where it is)."""
    assert old in BASE
    path = tmp_path / name
    text = BASE.replace(old, new, 1).replace("../../regulation/", f"{ROOT.as_posix()}/regulation/")
    path.write_text(text, encoding="utf-8")
    return str(path)


def lines_of(result: Result) -> list[str]:
    return [line.split(": ", 1)[1] for line in result.output.splitlines()[:-1]]


# ---- policies that crashed or hung validate ---------------------------------------------------

def at(text: str, column: int) -> str:
    """`line:column` of the shipped policy's line holding `text` (the tests survive edits of the policy)."""
    line = next(n for n, row in enumerate(BASE.splitlines(), 1) if text in row)
    return f"{line}:{column}"


REPEAT = "repeat: {every: 4h, times: 3}"
REPEAT_COLUMN = next(row for row in BASE.splitlines() if REPEAT in row).index(REPEAT) + 1


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("title: 软件", "title: \x00软件", [f"{at('title: 软件', 8)}: SLA004 error: the control character U+0000 is not allowed in YAML; remove it"]),
    ("title: 软件", "title: \x07软件", [f"{at('title: 软件', 8)}: SLA004 error: the control character U+0007 is not allowed in YAML; remove it"]),
    ("timezone: Asia/Shanghai", "timezone: Asia",
     [f"{at('timezone: Asia/Shanghai', 11)}: SLA403 error: unknown time zone 'Asia'; write an IANA name such as Asia/Shanghai (China), "
      "Asia/Hong_Kong, Asia/Taipei, Europe/Berlin or UTC"]),
    ("timezone: Asia/Shanghai", "timezone: " + "A" * 300,
     [f"{at('timezone: Asia/Shanghai', 11)}: SLA403 error: unknown time zone '{'A' * 59}…'; write an IANA name such as "
      "Asia/Shanghai (China), Asia/Hong_Kong, Asia/Taipei, Europe/Berlin or UTC"]),
    ('version: "2025.1"', "version: 1e5", [f"{at('version: ', 10)}: SLA104 error: '1e5' is not a version; write numbers separated by dots such as 2025.1"]),
    ('version: "2025.1"', "version: .inf", [f"{at('version: ', 10)}: SLA104 error: '.inf' is not a version; write numbers separated by dots such as 2025.1"]),
    ('version: "2025.1"', "version: 0x10", [f"{at('version: ', 10)}: SLA104 error: '0x10' is not a version; write numbers separated by dots such as 2025.1"]),
    ("first_response: 15m", "first_response: 600000w",
     [f"{at('first_response: 15m', 21)}: SLA104 error: '600000w' is longer than slapolicy allows (3660 days (about ten years)); "
      "no regulation promises that far ahead — is a unit wrong?"]),
    ("first_response: 15m", "first_response: 999999999 month",
     [f"{at('first_response: 15m', 21)}: SLA104 error: '999999999 month' is longer than slapolicy allows (120 months); "
      "no regulation promises that far ahead — is a unit wrong?"]),
    (REPEAT, "repeat: {every: 1s, times: 1000000000}",
     [f"{at(REPEAT, REPEAT_COLUMN + 16)}: SLA104 error: a repeat interval must be a time in hours and minutes of at least 1m, not '1s'",
      f"{at(REPEAT, REPEAT_COLUMN + 27)}: SLA104 error: 1000000000 firings are more than slapolicy allows (1000); "
      "without `times` a step repeats while its clock runs, at most that often"]),
    ("holidays: {country: CN}", "holidays: {country: CN}\n    extra_holidays: [{from: 0001-01-01, to: 9999-12-31}]",
     [f"{int(at('holidays: {country: CN}', 0).split(':')[0]) + 1}:29: SLA104 error: 0001-01-01 is outside the supported range 1971-01-01 to 2199-12-31 (UTC)",
      f"{int(at('holidays: {country: CN}', 0).split(':')[0]) + 1}:45: SLA104 error: 9999-12-31 is outside the supported range 1971-01-01 to 2199-12-31 (UTC)"]),
])
def test_hostile_policy_values_get_one_line_each(run_cli: Run, tmp_path: Path, old: str, new: str, expected: list[str]) -> None:
    result = run_cli("validate", policy(tmp_path, old, new))
    assert result.exit_code == 1
    assert [line.split(":", 1)[1] for line in result.output.splitlines()[:-1]] == expected


def test_a_backtracking_regex_is_linear(run_cli: Run, tmp_path: Path) -> None:
    """RE2: `(a+)+$` on a 100 000-character value answers at once (it took minutes with Python's re)."""
    path = policy(tmp_path, "  - id: on-site-same-city", '  - id: rx\n    clause: R-000-07\n    when: {channel: {matches: "(a+)+$"}}\n'
                  "    on_site_arrival: 4h\n  - id: on-site-same-city")
    path = Path(path)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "channel: {description: 受理渠道, values: [hotline, chat, email],", "channel: {description: 受理渠道,"), encoding="utf-8")
    ticket = {"id": "RX", "attributes": {"severity": "P1", "channel": "a" * 100_000 + "b"},
              "events": [{"at": "2025-03-16T08:00:00+08:00", "type": "created"}, {"at": "2025-03-16T09:00:00+08:00", "type": "on_site_agreed"}]}
    (tmp_path / "t.jsonl").write_text(json.dumps(ticket) + "\n", encoding="utf-8")
    started = time.perf_counter()
    result = run_cli("simulate", str(path), str(tmp_path / "t.jsonl"), "--as-of", AS_OF, "--format", "json", "--engine", "python")
    assert result.exit_code == 0 and time.perf_counter() - started < 30  # a guard against a hang, not a benchmark
    (outcome,) = json.loads(result.stdout)["tickets"]
    assert not any(c["metric"] == "on_site_arrival" for c in outcome["clocks"])  # no match: no target


# ---- tickets that crashed or hung simulate / report --------------------------------------------

def write_jsonl(tmp_path: Path, tickets: list[object]) -> str:
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(t if isinstance(t, str) else json.dumps(t) for t in tickets) + "\n", encoding="utf-8")
    return str(path)


def with_event(at: str) -> dict[str, object]:
    t = json.loads(json.dumps(EXAMPLE))
    t["events"][1]["at"] = at
    return t


def test_timestamps_outside_the_supported_range_are_rejected(run_cli: Run, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path, [with_event("0001-01-01T00:00:00+08:00"), with_event("9999-12-31T00:00:00+08:00")])
    result = run_cli("simulate", "policies/after-sales", path, "--as-of", AS_OF, "--format", "jsonl", "--engine", "python")
    assert result.exit_code == 1
    errors = [json.loads(line)["errors"] for line in result.stdout.splitlines()]
    assert errors == [
        [{"code": "bad_timestamp", "message": "event 2: 0001-01-01T00:00:00+08:00 is outside the supported range 1971-01-01 to 2199-12-31 (UTC)"}],
        [{"code": "bad_timestamp", "message": "event 2: 9999-12-31T00:00:00+08:00 is outside the supported range 1971-01-01 to 2199-12-31 (UTC)"}],
    ]


def test_a_lone_surrogate_is_a_rejected_line_not_a_crash(run_cli: Run, tmp_path: Path) -> None:
    bad = '{"id": "\\ud800", "attributes": {"severity": "P1"}, "events": [{"at": "2025-03-07T17:50:00+08:00", "type": "created"}]}'
    path = write_jsonl(tmp_path, [bad, EXAMPLE])
    result = run_cli("simulate", "policies/after-sales", path, "--as-of", AS_OF, "--format", "jsonl", "--engine", "python")
    assert result.exit_code == 1
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["errors"][0]["code"] == "unparseable" and first["line"] == 1
    assert second["status"] == "ok"  # the tickets after it are not lost
    assert result.stderr.strip() == "2 tickets: 1 simulated, 1 rejected"


def test_a_recurring_clock_cannot_run_away(run_cli: Run, tmp_path: Path) -> None:
    """R-000-11 every 2 h: an on-site visit never finished, replayed to 2199, is one rejected ticket, not a hang."""
    ticket = {"id": "R", "attributes": {"severity": "P1", "region": "same_city"}, "events": [
        {"at": "2025-03-16T08:00:00+08:00", "type": "created"}, {"at": "2025-03-16T08:05:00+08:00", "type": "on_site_requested"},
        {"at": "2025-03-16T11:30:00+08:00", "type": "on_site_arrived"}]}
    path = write_jsonl(tmp_path, [ticket, EXAMPLE])
    result = run_cli("simulate", "policies/after-sales", path, "--as-of", "2199-12-31T00:00:00+08:00", "--format", "jsonl",
                     "--engine", "python")
    first = json.loads(result.stdout.splitlines()[0])
    assert first["errors"] == [{"code": "limit", "message": "'progress_update' would run more than 10000 periods (every 2h) "
                                                            "before 2199-12-31; check --as-of and the subject's events"}]
    assert result.stderr.strip() == "2 tickets: 1 simulated, 1 rejected"


def test_a_yaml_alias_bomb_ticket_file_is_refused(run_cli: Run, tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb, encoding="utf-8")
    assert len(bomb.encode()) < 400
    result = run_cli("simulate", "policies/after-sales", str(path), "--format", "jsonl", "--engine", "python")
    assert result.exit_code == 1
    (rejected,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert rejected["errors"] == [{"code": "unparseable", "message": f"{path}:1:29: SLA009 error: the document expands to more than "
                                                                     "100000 values (aliases that repeat aliases?); write it out without nested anchors"}]


def test_nan_and_infinity_never_reach_json_output(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("- id: N\n  attributes: {severity: P1, satisfaction: .nan}\n  events: [{at: 2025-03-07T17:50:00+08:00, type: created}]\n"
                    "- id: I\n  attributes: {severity: P1, satisfaction: -.inf}\n  events: [{at: 2025-03-07T17:50:00+08:00, type: created}]\n",
                    encoding="utf-8")
    result = run_cli("simulate", "policies/after-sales", str(path), "--format", "json", "--as-of", AS_OF, "--engine", "python")
    doc = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON output"))
    assert [t["errors"] for t in doc["tickets"]] == [
        [{"code": "bad_shape", "message": "attribute 'satisfaction' is nan; give a finite number"}],
        [{"code": "bad_shape", "message": "attribute 'satisfaction' is -inf; give a finite number"}],
    ]


# ---- output -------------------------------------------------------------------------------------

@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize("args", [
    ["simulate", "policies/after-sales", "examples/tickets.jsonl", "--format", "json", "-o", "/dev/full"],
    ["report", "policies/after-sales", "examples/tickets.jsonl", "--format", "json", "-o", "/dev/full"],
    ["report", "policies/after-sales", "examples/bad-tickets.jsonl", "--format", "json", "--rejects", "/dev/full", "-o", os.devnull],
    ["test", "policies", "--format", "junit", "-o", "/dev/full"],
    ["validate", "policies", "-o", "/dev/full"],
    ["generate", "--policy", "policies/after-sales", "--tickets", "2000", "-o", "/dev/full"],
])
def test_a_full_disk_is_exit_2_not_a_truncated_success(run_cli: Run, args: list[str]) -> None:
    result = run_cli(*args, "--engine", "python") if args[0] in ("simulate", "report", "test") else run_cli(*args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "error: cannot write /dev/full: No space left on device"


def test_stdout_on_a_full_disk_is_exit_2() -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "slapolicy", "simulate", "policies/after-sales", "examples/tickets.jsonl",
                               "--format", "json", "--engine", "python"], stdout=full, stderr=subprocess.PIPE, cwd=ROOT, check=False)
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines()[-1] == "error: cannot write to stdout: No space left on device"


@pytest.mark.parametrize("option", ["-o", "--rejects"])
def test_a_missing_folder_is_one_line(run_cli: Run, option: str) -> None:
    result = run_cli("report", "policies/after-sales", "examples/bad-tickets.jsonl", "--format", "json", option, "no/such/dir/out.json",
                     "--engine", "python")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "error: cannot write no/such/dir/out.json: No such file or directory"


def test_csv_output_cannot_run_formulas(run_cli: Run, tmp_path: Path) -> None:
    ticket = json.loads(json.dumps(EXAMPLE))
    ticket["id"] = '=HYPERLINK("http://x","y")'
    result = run_cli("simulate", "policies/after-sales", write_jsonl(tmp_path, [ticket]), "--format", "csv", "--as-of", AS_OF,
                     "--engine", "python")
    assert all(row.startswith("\"'=HYPERLINK(") for row in result.stdout.splitlines()[1:])


def test_markdown_output_escapes_html_and_pipes(run_cli: Run, tmp_path: Path) -> None:
    ticket = json.loads(json.dumps(EXAMPLE))
    ticket["attributes"]["channel"] = "email"
    ticket["attributes"]["category"] = "consulting"
    path = write_jsonl(tmp_path, [ticket])
    policy_path = Path(policy(tmp_path, "    values: [consulting, technical, complaint]\n", ""))
    (tmp_path / "t.jsonl").write_text(json.dumps({**ticket, "attributes": {**ticket["attributes"], "category": "<script>|x"}}) + "\n",
                                      encoding="utf-8")
    result = run_cli("report", str(policy_path), path, "--by", "category", "--format", "markdown", "--as-of", AS_OF, "--engine", "python")
    assert "## 2025-03 category=&lt;script&gt;\\|x" in result.stdout
    assert "<script>" not in result.stdout


def test_junit_is_well_formed_with_control_characters(run_cli: Run, tmp_path: Path) -> None:
    policy(tmp_path, "policy: after-sales", "policy: after-sales")
    (tmp_path / "x.test.yaml").write_text(
        'policy: after-sales\nas_of: 2025-12-31T00:00:00+08:00\ncases:\n  - description: "bell \\a and escape \\e inside"\n'
        "    ticket: {attributes: {severity: P1}, events: [{at: 2025-03-07T17:50:00+08:00, type: created}]}\n"
        "    expect: {clocks: {first_response: {status: met}}}\n", encoding="utf-8")
    result = run_cli("test", str(tmp_path), "--format", "junit", "--engine", "python")
    assert result.exit_code == 1
    root = ET.fromstring(result.output.split("\n", 1)[1])
    assert root.find(".//testcase").get("name") == "bell  and escape  inside"  # type: ignore[union-attr]


# ---- input decoding ------------------------------------------------------------------------------

def test_other_encodings_are_named_not_garbled(run_cli: Run, tmp_path: Path) -> None:
    ticket = json.loads(json.dumps(EXAMPLE))
    ticket["attributes"]["note"] = "客户反馈：系统瘫痪"
    path = tmp_path / "gb.jsonl"
    line = (json.dumps(ticket, ensure_ascii=False) + "\n").encode("gb18030")
    path.write_bytes(line)
    with pytest.raises(UnicodeDecodeError) as bad:
        line.decode("utf-8")
    byte = bad.value.start
    result = run_cli("simulate", "policies/after-sales", str(path), "--format", "jsonl", "--as-of", AS_OF, "--engine", "python")
    assert json.loads(result.stdout)["errors"] == [{"code": "unparseable", "message": f"line 1 is not UTF-8 text (byte {byte + 1} of the line, "
                                                                                       f"0x{line[byte]:02X}); is the file GB18030 / GBK? "
                                                                                       "give --encoding gb18030"}]
    result = run_cli("simulate", "policies/after-sales", str(path), "--format", "jsonl", "--as-of", AS_OF, "--engine", "python",
                     "--encoding", "gb18030")
    assert json.loads(result.stdout)["attributes"]["note"] == "客户反馈：系统瘫痪"
    latin = tmp_path / "l.csv"
    latin.write_bytes("ticket_id,at,type,severity,note\nT-1,2025-03-07T17:50:00+08:00,created,P1,café\n".encode("latin-1"))
    result = run_cli("simulate", "policies/after-sales", str(latin), "--format", "jsonl", "--as-of", AS_OF, "--engine", "python")
    assert json.loads(result.stdout)["errors"][0]["message"] == (
        "line 2, byte 45: the file is not utf-8 text (byte 0xE9); is it GB18030 / GBK? give --encoding gb18030")


class _Refusing:
    """A decoder that fails on every line the way one msgspec version or another does."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def decode(self, line: bytes) -> Any:
        raise self.error


@pytest.mark.parametrize("error", [UnicodeDecodeError("utf-8", b"\xbc", 0, 1, "invalid start byte"),  # msgspec < 0.23
                                   msgspec.DecodeError("Invalid UTF-8 encoded string"),  # msgspec 0.23
                                   msgspec.DecodeError("some future wording")])
def test_the_encoding_diagnosis_does_not_depend_on_which_exception_msgspec_raises(
        monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    line = '{"id": "T-1", "note": "系统瘫痪"}'.encode("gb18030")  # 系统瘫 happen to be valid UTF-8 pairs; 痪 starts with 0xBB
    monkeypatch.setattr(tickets, "TYPED", _Refusing(error))
    monkeypatch.setattr(tickets, "PLAIN", _Refusing(error))
    rejected = tickets.decode_line(line, 7, dt.UTC)
    assert isinstance(rejected, Rejection)
    assert [r.message for r in rejected.reasons] == [
        "line 7 is not UTF-8 text (byte 30 of the line, 0xBB); is the file GB18030 / GBK? give --encoding gb18030"]
    valid = b'{"id": "T-1", "events": [}'
    assert tickets.decode_line(valid, 8, dt.UTC).reasons[0].message.startswith("line 8 is not JSON (")  # type: ignore[union-attr]


# ---- special files ---------------------------------------------------------------------------

def test_special_files_in_a_policy_directory_are_errors(run_cli: Run, tmp_path: Path) -> None:
    policy(tmp_path, "policy: after-sales", "policy: after-sales", name="ok.yaml")
    (tmp_path / "x.yaml").mkdir()
    (tmp_path / "broken.yaml").symlink_to(tmp_path / "missing.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    result = run_cli("validate", str(tmp_path))
    assert result.exit_code == 2
    assert result.output.splitlines()[:3] == [
        f"{tmp_path}/broken.yaml:0:0: SLA001 error: a broken symbolic link; its target does not exist",
        f"{tmp_path}/pipe.yaml:0:0: SLA001 error: not a regular file (a FIFO, socket or device); slapolicy reads only regular files",
        f"{tmp_path}/x.yaml:0:0: SLA001 error: a directory, not a policy file",
    ]


def test_a_fifo_given_directly_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    proc = subprocess.run([sys.executable, "-m", "slapolicy", "validate", str(tmp_path / "pipe.yaml")], capture_output=True,
                          text=True, timeout=60, cwd=ROOT, check=False)
    assert proc.returncode == 2
    assert proc.stdout.splitlines()[0] == (f"{tmp_path}/pipe.yaml:0:0: SLA001 error: not a regular file (a FIFO, socket or device); "
                                           "slapolicy reads only regular files")


# ---- signals --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def long_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Long enough to still be replaying when the signal comes (copies of the example tickets, fresh ids)."""
    lines = (ROOT / "examples" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
    history = tmp_path_factory.mktemp("long") / "h.jsonl"
    with history.open("w", encoding="utf-8") as f:
        for k in range(15_000):
            for line in lines:
                f.write(line.replace('"id": "T-', f'"id": "K{k}-', 1) + "\n")
    return history


def children(pid: int) -> list[str]:
    return subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout.split()


def interrupted_report(policy: str, history: Path, signum: int, after: float) -> tuple[int, dict[str, Any], str, list[str]]:
    proc = subprocess.Popen([sys.executable, "-m", "slapolicy", "report", policy, str(history), "--format", "json",
                             "--jobs", "2", "--engine", "python", "--as-of", AS_OF], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(workers := children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(workers) == 2
    time.sleep(after)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    time.sleep(0.5)
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers)
    return proc.returncode, json.loads(out), err.decode(), workers


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_gives_the_partial_report_and_leaves_no_worker(long_history: Path, tmp_path: Path, signum: int, code: int) -> None:
    """During the replay (a policy without correlations: no first pass)."""
    plain = Path(policy(tmp_path, BASE[BASE.index("\ncorrelations:\n"):BASE.index("\nrouting:\n")], ""))
    plain.write_text(plain.read_text(encoding="utf-8").replace(
        "\nevents:\n", "\nevents:\n  recurring-problem: the correlation's event, which never happens here\n", 1), encoding="utf-8")
    returncode, doc, err, _ = interrupted_report(str(plain), long_history, signum, 4.0)  # a 1 MB block (~3 000 tickets) done even on a loaded machine; the whole history takes ~25 s
    assert returncode == code
    assert doc["partial"] is True and 0 < doc["summary"]["tickets"] < 150_000
    assert "interrupted: the report covers the tickets replayed so far" in err


def test_a_signal_during_the_first_pass_gives_an_empty_partial_report(long_history: Path) -> None:
    """The shipped policy has a correlation: the first pass reads the whole history before any ticket is replayed."""
    returncode, doc, err, _ = interrupted_report("policies/after-sales", long_history, signal.SIGINT, 0.3)
    assert returncode == 130
    assert doc["partial"] is True and doc["summary"]["tickets"] == 0
    assert "interrupted: the report covers the tickets replayed so far" in err


# ---- validation cost ----------------------------------------------------------------------------

def test_validation_work_grows_linearly_with_the_rules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The semantic checks evaluate each condition once per domain combination: doubling the rules
    doubles the work (it was quadratic: 39 s for 30 000 rules). Counted, not timed."""
    from slapolicy.policy import conditions
    from slapolicy.validate.checks import _domain
    from slapolicy.validate.repository import read_policy

    calls = {"n": 0}
    original = conditions.evaluate_partial

    def counting(*args: object) -> object:
        calls["n"] += 1
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(_domain, "evaluate_partial", counting)

    def work(rules: int) -> int:
        calls["n"] = 0
        body = "\n".join(f"  - {{when: {{severity: P{1 + i % 3}, tier: {('gold', 'basic')[i % 2]}, customer: c{i % 97}}}, first_response: {1 + i % 50}m}}"
                         for i in range(rules))
        text = (f"policy: big\nversion: \"1\"\neffective_from: 2025-01-01\ntimezone: UTC\ncalendars: {{always: 24x7}}\n"
                f"severities: {{P1: {{name: a}}, P2: {{name: b}}, P3: {{name: c}}}}\ntiers: {{gold: {{name: g}}, basic: {{name: b}}}}\n"
                f"attributes: {{customer: {{values: [{', '.join(f'c{i}' for i in range(97))}]}}}}\n"
                f"metrics: {{first_response: {{start: created, stop: responded, required: true}}}}\n"
                f"targets:\n{body}\n  - {{first_response: 1h}}\n")
        (tmp_path / f"{rules}.yaml").write_text(text, encoding="utf-8")
        policy, problems = read_policy(tmp_path / f"{rules}.yaml")
        assert policy is not None
        return calls["n"]

    small, large = work(1000), work(2000)
    assert 1.8 < large / small < 2.2


class _Budget(Exception):
    pass


def _steps_of_the_syntax_diagnosis(text: str, budget: int) -> int:
    """How many lines of slapolicy.policy.syntax run while `text` is loaded (a syntax error is diagnosed);
    past `budget` the load is stopped, so a quadratic scan fails at once instead of running for minutes."""
    from slapolicy.diagnostics.record import InputError
    from slapolicy.policy import syntax
    from slapolicy.policy.loader import load_text

    steps = 0

    def trace(frame: Any, event: str, arg: object) -> Any:
        nonlocal steps
        if frame.f_code.co_filename != syntax.__file__:
            return None
        if event == "line":
            steps += 1
            if steps > budget:
                raise _Budget
        return trace

    sys.settrace(trace)
    try:
        load_text(text, "p.yaml")
    except InputError:
        pass
    finally:
        sys.settrace(None)
    return steps


def test_a_syntax_error_on_a_2_mb_line_is_diagnosed_in_one_pass() -> None:
    """The full-width diagnosis sliced the line at every character: a 2 MB line took 22-24 s to say it had a
    syntax error. It visits runs of the line (a word, a blank, a mark) once each: counted, not timed."""
    minimal = (ROOT / "tests" / "fixtures" / "valid" / "minimal.yaml").read_text(encoding="utf-8")
    text = minimal.replace("  lead: team lead\n", "  lead: {name: team lead, description: \"" + "说明文字" * 170_000 + "\n")
    assert len(text.encode()) > 2_000_000
    assert _steps_of_the_syntax_diagnosis(text, budget=20_000) < 20_000


def test_the_syntax_diagnosis_grows_linearly_with_the_marks_on_a_line() -> None:
    """A line of many items ([a, a, a, … unclosed) has a run per mark: twice the items, twice the steps."""
    minimal = (ROOT / "tests" / "fixtures" / "valid" / "minimal.yaml").read_text(encoding="utf-8")

    def steps(items: int) -> int:
        return _steps_of_the_syntax_diagnosis(minimal.replace("  lead: team lead\n", "  lead: [" + "a, " * items + "\n"), 10**8)

    small, large = steps(2_000), steps(4_000)
    assert 1.8 < large / small < 2.2


def test_a_closed_pipe_is_exit_2_and_leaves_no_worker(long_history: Path) -> None:
    """`slapolicy simulate … | head -1`: the reader goes away; the run stops with one line, its workers with it."""
    proc = subprocess.Popen([sys.executable, "-m", "slapolicy", "simulate", "policies/after-sales", str(long_history), "--format", "jsonl",
                             "--jobs", "2", "--engine", "python", "--as-of", AS_OF], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT, start_new_session=True)
    assert proc.stdout is not None and proc.stderr is not None
    assert json.loads(proc.stdout.readline())["id"] == "K0-1001"
    workers = children(proc.pid)
    proc.stdout.close()
    assert proc.wait(timeout=60) == 2
    with proc.stderr:
        assert proc.stderr.read().decode().splitlines()[-1] == "error: stdout was closed before the output was written"
    time.sleep(0.5)
    assert workers and all(not Path(f"/proc/{pid}").exists() for pid in workers)
