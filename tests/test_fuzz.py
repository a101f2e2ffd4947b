"""Fuzzing every parser and the replay behind them, with the invariants the tool promises:
no exception escapes, no run hangs, every input ticket is accounted for exactly once,
every output parses strictly, exit codes stay in {0, 1, 2}.

CI runs a short, bounded sample. The long run (the figures in the project notes):

    SLAPOLICY_FUZZ_EXAMPLES=10000 .venv/bin/python -m pytest tests/test_fuzz.py -q

Mutants are made from the shipped policies and example tickets by seeded, reproducible
edits (a failing example prints its seed): bytes inserted, deleted and flipped, lines
duplicated or dropped, scalars replaced by hostile values (huge numbers, `.nan`, year
1 or 9999, 600000w, lone surrogates, regexes that backtrack, aliases, tags, control
characters, BOMs, CRs, other encodings).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import os
import random
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from slapolicy.diagnostics.codes import CODES
from slapolicy.diagnostics.record import InputError, Severity
from slapolicy.kpi.report import Aggregator
from slapolicy.output.encode import Encoder
from slapolicy.output.report import document
from slapolicy.policy.loader import load_text
from slapolicy.policy.schema import _fast, _validator
from slapolicy.sim.outcome import Rejection, SubjectOutcome
from slapolicy.sim.replay import OutcomeList, Plan, replay
from slapolicy.validate.repository import open_policy_set, read_policy, validate_document

EXAMPLES = int(os.environ.get("SLAPOLICY_FUZZ_EXAMPLES", "60"))
HANG_SECONDS = 10
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 200,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
POLICY_TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "policies").glob("*/*.yaml")) if ".test." not in p.name]
TICKET_LINES = (ROOT / "examples" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
AFTER_SALES = open_policy_set(ROOT / "policies" / "after-sales")
AS_OF = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()

HOSTILE = [
    "1e5", ".inf", "-.inf", ".nan", "0x10", "0o17", "-1", "0", "99999999999999999999999", "~", "[]", "{}", "''",
    "Asia", "A" * 300, "(a+)+$", "((a*)*)*b", "0001-01-01", "9999-12-31", "2025-02-30", "600000w", "999999999 month",
    "1s", "*anchor", "&anchor x", "!!python/object:os.system x", "<<: {}", "：", "\u3000", "\x00", "\x07", "\x85",
    "\ufeff", "中文", "P4", "breach + 999999h", "200%", "-5%", "75", "true", "null", "2025.1.1.1.1.1.1.1",
    "{from: 0001-01-01, to: 9999-12-31}", "[a, [b, [c, [d]]]]", "'unterminated", '"\\ud800"', "\t", "a: b: c",
    "【09:00-18:00】", "75％", "a，b", "（x）", "weekdays", "China", "Beijing", "UTC+8",
]
HOSTILE_JSON: list[Any] = [
    None, True, -1, 0, 2**70, 1e308, -0.0, "", " ", "\u0000", "\ud800", "x" * 100_000, "T-1001", [], {}, [[[]]],
    {"a": {"b": {}}}, "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "2025-02-30T00:00:00", "2025-03-07T25:00",
    "2025-03-07T17:50:00", "2025-03-07t17:50:00z", "2025-03-07T17:50:00.123456+05:45", "P1", "P9", "created",
    "Created", "status", "waiting_on_customer", "resolved", "reopened", "same_city", "(a+)+$",
]


class Hang(Exception):
    pass


@contextmanager
def no_hang(seconds: int = HANG_SECONDS) -> Iterator[None]:
    def alarm(signum: int, frame: object) -> None:
        raise Hang(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---- policies ------------------------------------------------------------------------------

def mutate_text(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        if not lines:
            lines = [""]
        op = rng.randrange(7)
        i = rng.randrange(len(lines))
        if op == 0:  # replace a value with a hostile one
            if ":" in lines[i]:
                head = lines[i].split(":", 1)[0]
                lines[i] = f"{head}: {rng.choice(HOSTILE)}"
        elif op == 1:  # replace a word inside a line
            words = lines[i].split(" ")
            words[rng.randrange(len(words))] = rng.choice(HOSTILE)
            lines[i] = " ".join(words)
        elif op == 2:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 3:
            del lines[i]
        elif op == 4:  # a character somewhere
            pos = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:pos] + rng.choice(["\t", "\x00", "\r", ":", "[", "{", "&a", "*a", "-", "#", "'", '"', "\ufeff"]) + lines[i][pos:]
        elif op == 5:
            lines = lines[: rng.randrange(len(lines) + 1)]
            if not lines:
                lines = [""]
        else:  # indentation
            lines[i] = " " * rng.randrange(0, 5) + lines[i].lstrip()
    return "\n".join(lines)


def to_bytes(text: str, rng: random.Random) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    op = rng.randrange(6)
    if op == 0 and raw:
        pos = rng.randrange(len(raw))
        raw = raw[:pos] + bytes([rng.randrange(256)]) + raw[pos + 1:]
    elif op == 1:
        raw = b"\xef\xbb\xbf" + raw
    elif op == 2:
        raw = raw.replace(b"\n", b"\r\n")
    return raw


@FUZZ
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(range(len(POLICY_TEXTS))))
def test_policy_mutants_never_crash_or_hang(tmp_path_factory: pytest.TempPathFactory, seed: int, which: int) -> None:
    rng = random.Random(seed)
    path = _beside_registers(tmp_path_factory.mktemp("policy")) / "p.yaml"
    path.write_bytes(to_bytes(mutate_text(POLICY_TEXTS[which], rng), rng))
    with no_hang():
        policy, problems = read_policy(path)
    for d in problems:
        assert d.code in CODES, (seed, d)
        assert d.format().count("\n") == 0, (seed, d)
    if policy is not None and not any(d.severity.value == "error" for d in problems):
        json.dumps(Encoder().outcome(_replay_one(policy)), allow_nan=False)


def _beside_registers(root: Path) -> Path:
    """A policy folder laid out as in the repository (policies/<id>/ beside regulation/), so the shipped
    policies' `registers: [../../regulation/…]` resolve and a mutant that is still valid is replayed too."""
    (root / "regulation").symlink_to(ROOT / "regulation")
    folder = root / "policies" / "fuzzed"
    folder.mkdir(parents=True)
    return folder


def _replay_one(policy: Any) -> Any:
    from slapolicy.sim.replay import simulate
    from slapolicy.sim.tickets import RawItem
    from slapolicy.validate.repository import PolicySet

    ticket = json.loads(TICKET_LINES[0])
    (outcome,) = simulate(PolicySet.of([policy], pinned=True), [RawItem(ticket, 1)], "python", AS_OF)
    return outcome


TEST_TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "policies").glob("*/*.test.yaml"))]


@FUZZ
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(range(len(TEST_TEXTS))))
def test_policy_test_file_mutants_never_crash_or_hang(tmp_path_factory: pytest.TempPathFactory, seed: int, which: int) -> None:
    """The test-file loader and runner: a broken test file is diagnostics or failed cases, never a traceback."""
    from slapolicy.review.testing import run_tests
    from slapolicy.rules.engine import get_backend

    rng = random.Random(seed)
    directory = _beside_registers(tmp_path_factory.mktemp("tests"))
    source = sorted((ROOT / "policies").glob("*/*.test.yaml"))[which]
    for policy_file in source.parent.glob("*.yaml"):
        if ".test." not in policy_file.name:
            (directory / policy_file.name).write_text(policy_file.read_text(encoding="utf-8"), encoding="utf-8")
    (directory / "x.test.yaml").write_bytes(to_bytes(mutate_text(TEST_TEXTS[which], rng), rng))
    with no_hang(60):
        run = run_tests([directory], get_backend("python"))
    assert all(d.code in CODES and "\n" not in d.format() for d in run.diagnostics), seed
    assert all(c.outcome in ("passed", "failed", "skipped") for c in run.cases), seed


def test_fast_and_explaining_schema_validators_agree() -> None:
    """jsonschema-rs decides validity, jsonschema explains it: on every fixture and mutant they agree."""
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "tests" / "fixtures").rglob("*.yaml")] + POLICY_TEXTS
    rng = random.Random(7)
    texts += [mutate_text(rng.choice(POLICY_TEXTS), rng) for _ in range(1000)]
    verdicts = []
    for text in texts:
        try:
            data = load_text(text, "mutant.yaml")[0].data
        except InputError:
            continue
        try:
            fast = _fast("policy").is_valid(data)
        except (ValueError, OverflowError):
            continue  # schema_problems lets jsonschema decide these
        slow = not any(True for _ in _validator("policy").iter_errors(data))
        assert fast == slow, text[:200]
        verdicts.append(fast)
    assert len(verdicts) > 400 and verdicts.count(True) > 50 and verdicts.count(False) > 50


# ---- messages ------------------------------------------------------------------------------

FULL_WIDTH = ["：", "，", "（", "）", "【", "】", "\u3000", "％", "“", "”"]
RAW_PARSER_TEXT = ("while ", "expected ", "did not find", "could not find", "mapping values", "found ")


@FUZZ
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(range(len(POLICY_TEXTS))))
def test_yaml_syntax_messages_are_plain_and_placed(seed: int, which: int) -> None:
    """Full-width punctuation and indentation slips anywhere: a syntax error is one plain
    message inside the file (never the parser's own words alone), a readable file no error."""
    rng = random.Random(seed)
    lines = POLICY_TEXTS[which].split("\n")
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        if rng.random() < 0.6:
            pos = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:pos] + rng.choice(FULL_WIDTH) + lines[i][pos + rng.randrange(2):]
        else:
            lines[i] = " " * rng.randrange(0, 7) + lines[i].lstrip(" ")
    text = "\n".join(lines)
    try:
        with no_hang():
            load_text(text, "p.yaml")
    except InputError as exc:
        d = exc.diagnostic
        assert d.code in CODES and "\n" not in d.format(), seed
        assert 1 <= d.line <= len(lines) + 1 and d.column >= 1, (seed, d)
        if d.code == "SLA004":
            assert not d.message.startswith(RAW_PARSER_TEXT), (seed, d.message)


@FUZZ
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(range(len(POLICY_TEXTS))))
def test_every_schema_violation_gets_a_message(seed: int, which: int) -> None:
    """The explaining walk never comes back empty for a document the fast validator refuses,
    and each message is one readable line at a place inside the file."""
    from slapolicy.policy.schema import schema_problems

    rng = random.Random(seed)
    text = mutate_text(POLICY_TEXTS[which], rng)
    try:
        doc, problems = load_text(text, "p.yaml")
    except InputError:
        return
    if problems or not isinstance(doc.data, dict):
        return
    try:
        valid = _fast("policy").is_valid(doc.data)
    except (ValueError, OverflowError):
        return
    found = schema_problems(doc)
    if not valid and not found:  # a value the walk leaves to the model, which says it (`version: .nan`: not a version)
        found = [d for d in validate_document(doc)[1] if d.severity is Severity.ERROR]
    assert bool(found) != valid, seed
    last = text.count("\n") + 2  # an empty value at the very end is placed after the last line by libyaml
    for d in found:
        assert d.message and "\n" not in d.format() and 1 <= d.line <= last, (seed, d)


# ---- tickets ---------------------------------------------------------------------------------

def hostile(rng: random.Random) -> Any:
    return copy.deepcopy(rng.choice(HOSTILE_JSON))  # a fresh object: mutations never make cycles


def mutate_ticket(ticket: dict[str, Any], rng: random.Random) -> Any:
    t = json.loads(json.dumps(ticket))
    for _ in range(rng.randint(1, 3)):
        if not isinstance(t, dict):
            break
        op = rng.randrange(8)
        if op == 0:
            t[rng.choice(["id", "attributes", "events", "extra"])] = hostile(rng)
        elif op == 1 and isinstance(t.get("attributes"), dict):
            t["attributes"][rng.choice(["severity", "tier", "region", "channel", "satisfaction", "x"])] = hostile(rng)
        elif op == 2 and isinstance(t.get("events"), list) and t["events"]:
            e = rng.choice(t["events"])
            if isinstance(e, dict):
                e[rng.choice(["at", "type", "status", "attributes"])] = hostile(rng)
        elif op == 3 and isinstance(t.get("events"), list) and t["events"]:
            t["events"].insert(rng.randrange(len(t["events"])), copy.deepcopy(rng.choice(t["events"])))
        elif op == 4 and isinstance(t.get("events"), list) and t["events"]:
            del t["events"][rng.randrange(len(t["events"]))]
        elif op == 5 and isinstance(t.get("events"), list):
            t["events"].append({"at": rng.choice(["2199-12-30T00:00:00+08:00", "1971-01-02T00:00:00Z", "2025-03-16T12:00:00+08:00"]),
                                "type": rng.choice(["on_site_arrived", "on_site_update", "status", "reopened", "update"]),
                                "status": rng.choice(["waiting_on_customer", "in_progress"]),
                                "attributes": {"severity": rng.choice(["P1", "P2", "P3"])}})
        elif op == 6:
            t = hostile(rng)
        else:
            t["id"] = rng.choice(["T-1001", "T-1002", "dup", 7, "7"])
    return t


def ticket_file(rng: random.Random, directory: Path) -> tuple[Path, str, int]:
    """A mutated history in one of the input formats, and how many items it holds."""
    tickets = [mutate_ticket(json.loads(rng.choice(TICKET_LINES)), rng) for _ in range(rng.randint(1, 6))]
    fmt = rng.choice(["jsonl", "jsonl", "jsonl", "csv", "yaml", "json"])
    if fmt == "jsonl":
        lines = [json.dumps(t, ensure_ascii=rng.random() < 0.5) for t in tickets]
        if rng.random() < 0.3:
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(["", "not json", "{", "[1, 2]", "{\"id\": \"x\" \"y\"}", "   "]))
        text = "\n".join(lines) + rng.choice(["\n", "", "\r\n"])
        raw = to_bytes(text, rng)
        items = sum(1 for line in raw.removeprefix(b"\xef\xbb\xbf").split(b"\n") if line.strip())
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["ticket_id", "at", "type", "status", "severity"])
        for t in tickets:
            for e in (t.get("events") or []) if isinstance(t, dict) and isinstance(t.get("events"), list) else []:
                if isinstance(e, dict):
                    writer.writerow([t.get("id"), e.get("at"), e.get("type"), e.get("status") or "",
                                     (t.get("attributes") or {}).get("severity", "") if isinstance(t.get("attributes"), dict) else ""])
        raw = to_bytes(buf.getvalue(), rng)
        items = -1  # rows are grouped into tickets: one outcome per ticket, checked by id below
    else:
        text = yaml.safe_dump(tickets, allow_unicode=True) if fmt == "yaml" else json.dumps(tickets)
        raw = to_bytes(text, rng)
        items = -1
    path = directory / f"h.{fmt}"
    path.write_bytes(raw)
    return path, fmt, items


@FUZZ
@given(st.integers(min_value=0, max_value=2**32))
def test_ticket_inputs_are_each_accounted_for(tmp_path_factory: pytest.TempPathFactory, seed: int) -> None:
    rng = random.Random(seed)
    path, fmt, items = ticket_file(rng, tmp_path_factory.mktemp("tickets"))
    total = OutcomeList()
    with no_hang():
        replay(Plan((AFTER_SALES,), AS_OF, "python", OutcomeList), str(path), fmt, total)
    found = [o for (o,) in total.items]
    if items >= 0:
        assert len(found) == items, seed  # every non-blank line: simulated or rejected, once
        assert len({o.line for o in found}) == len(found), seed
    simulated = [o.id for o in found if isinstance(o, SubjectOutcome)]
    assert len(simulated) == len(set(simulated)), seed  # an id is replayed once (R-002-03)
    encoder = Encoder()
    for o in found:
        assert isinstance(o, (SubjectOutcome, Rejection))
        if isinstance(o, Rejection):
            assert o.reasons and all(r.code in CODES for r in o.reasons), (seed, o)
        json.loads(json.dumps(encoder.outcome(o), allow_nan=False))
    aggregator = Aggregator(AFTER_SALES.tz, "month", ("severity",))
    for o in found:
        aggregator.add_outcome(o)
    json.loads(json.dumps(document(aggregator.report, AFTER_SALES.versions), allow_nan=False))
