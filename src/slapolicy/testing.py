"""`slapolicy test`: policy unit tests that quality managers write.

A test file (`*.test.yaml`, beside the policy it tests) names a policy and holds cases;
each case is a ticket in the simulator's shape plus what the regulation promises about
it. Cases run through `simulate`, the same path as `slapolicy simulate`: no second
implementation of the semantics. Only the fields an expectation lists are compared, each
exactly; instants are compared as instants.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .diagnostics import Diagnostic, InputError, Severity, did_you_mean
from .engine import Backend
from .loader import Document, JsonPath, load_file
from .model import Policy, version_key
from .schema import validate_document
from .simulate import simulate
from .tickets import RawTicket
from .validate import discover, is_test_file, validate_paths

INSTANT_FIELDS = ("due_at", "breached_at", "started_at", "stopped_at", "at")


@dataclass
class CaseResult:
    path: str
    line: int
    description: str
    clauses: list[str]
    outcome: str  # passed | failed | skipped
    failures: list[str] = field(default_factory=list)
    policy: str = ""


@dataclass
class Coverage:
    policy: Policy
    rules: set[int] = field(default_factory=set)
    steps: set[tuple[str, int]] = field(default_factory=set)
    clauses: set[str] = field(default_factory=set)

    def missing(self) -> dict[str, list[str]]:
        p, doc = self.policy, self.policy.document
        rules = [f"{r.id or 'rule'} ({doc.path}:{doc.locate(r.path).line})" for r in p.targets if r.index not in self.rules]
        steps = [f"{m} step {s.index}{f' {s.id}' if s.id else ''} ({doc.path}:{doc.locate(s.path).line})"
                 for m, ss in p.escalations.items() for s in ss if (m, s.index) not in self.steps]
        cited = set(re.findall(r"R-\d{3}-\d{2}", Path(doc.path).read_text(encoding="utf-8")))
        return {"target_rules": rules, "escalation_steps": steps, "clauses": sorted(cited - self.clauses)}


@dataclass
class TestRun:
    files: list[str] = field(default_factory=list)
    cases: list[CaseResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    coverage: dict[str, Coverage] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        return sum(c.outcome == outcome for c in self.cases)

    def exit_code(self) -> int:
        if any(d.severity is Severity.ERROR for d in self.diagnostics):
            return 2
        return 1 if self.count("failed") else 0


def _instant(value: Any, tz: ZoneInfo) -> float | None:
    if value is None:
        return None
    when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (when if when.tzinfo else when.replace(tzinfo=tz)).timestamp()


def _same(key: str, expected: Any, actual: Any, tz: ZoneInfo) -> bool:
    if key in INSTANT_FIELDS:
        try:
            return _instant(expected, tz) == _instant(actual, tz)
        except ValueError:
            return False
    return bool(expected == actual)


class _FileRunner:
    def __init__(self, doc: Document, policies: list[Policy], backend: Backend, pattern: str | None, run: TestRun) -> None:
        self.doc = doc
        self.policies = policies
        self.backend = backend
        self.pattern = pattern.lower() if pattern else None
        self.run = run
        self.tz = ZoneInfo(policies[-1].timezone)

    def check_names(self) -> list[Diagnostic]:
        """Event types, metrics and steps the policy does not define: load errors, with positions."""
        p = self.policies[-1]
        out = []
        for i, case in enumerate(self.doc.data["cases"]):
            for j, event in enumerate(case["ticket"]["events"]):
                if event["type"] not in p.events:
                    out.append(self.doc.diagnostic(("cases", i, "ticket", "events", j, "type"), "SLA802",
                                                   f"policy '{p.id}' has no event type '{event['type']}'{did_you_mean(event['type'], p.events)}"))
            expect = case["expect"]
            for metric in expect.get("clocks", {}):
                if metric not in p.metrics:
                    out.append(self.doc.diagnostic(("cases", i, "expect", "clocks", metric), "SLA802",
                                                   f"policy '{p.id}' has no metric '{metric}'{did_you_mean(metric, tuple(p.metrics))}", key=True))
            for kind in ("escalations", "no_escalations"):
                for k, e in enumerate(expect.get(kind, [])):
                    steps = p.escalations.get(e["metric"])
                    if steps is None:
                        out.append(self.doc.diagnostic(("cases", i, "expect", kind, k, "metric"), "SLA802",
                                                       f"policy '{p.id}' has no escalations for metric '{e['metric']}'"))
                    elif "step" in e and not 1 <= e["step"] <= len(steps):
                        out.append(self.doc.diagnostic(("cases", i, "expect", kind, k, "step"), "SLA802",
                                                       f"metric '{e['metric']}' has {len(steps)} escalation steps, not {e['step']}"))
        return out

    def run_cases(self) -> None:
        data = self.doc.data
        for i, case in enumerate(data["cases"]):
            path: JsonPath = ("cases", i)
            clauses = case.get("clause", [])
            result = CaseResult(self.doc.path, self.doc.locate(path).line, case["description"],
                                [clauses] if isinstance(clauses, str) else list(clauses), "passed")
            self.run.cases.append(result)
            if self.pattern and self.pattern not in case["description"].lower():
                result.outcome = "skipped"
                continue
            as_of = _instant(case.get("as_of", data.get("as_of")), self.tz)
            if as_of is None:
                as_of = dt.datetime.now(dt.timezone.utc).timestamp()
            ticket = {"id": case["ticket"].get("id", f"case-{i + 1}"), "attributes": case["ticket"].get("attributes", {}),
                      "events": case["ticket"]["events"]}
            (actual,) = simulate(self.policies, [RawTicket(ticket, result.line)], self.backend, as_of)
            result.policy = f"{actual.get('policy', self.policies[-1].id)} {actual.get('policy_version', '')}".strip()
            result.failures = self.compare(case["expect"], actual)
            result.outcome = "failed" if result.failures else "passed"
            self.record_coverage(actual, case)

    def compare(self, expect: dict[str, Any], actual: dict[str, Any]) -> list[str]:
        failures: list[str] = []
        if "rejected" in expect:
            codes = [e["code"] for e in actual["errors"]]
            if expect["rejected"] not in codes:
                failures.append(f"rejected: expected {expect['rejected']}, actual {', '.join(codes) or 'not rejected'}")
            return failures
        if actual["status"] == "rejected":
            return ["the ticket was rejected: " + "; ".join(f"{e['code']}: {e['message']}" for e in actual["errors"])]
        for metric, spec in expect.get("clocks", {}).items():
            items = spec if isinstance(spec, list) else [spec]
            for n, item in enumerate(items):
                cycle = item.get("cycle", n + 1 if isinstance(spec, list) else 1)
                clock = next((c for c in actual["clocks"] if c["metric"] == metric and c["cycle"] == cycle), None)
                label = f"{metric} (cycle {cycle})"
                if clock is None:
                    if item.get("status") != "not_applicable":
                        failures.append(f"{label}: expected a clock, actual none (not applicable)")
                    continue
                for key, want in item.items():
                    if key == "cycle":
                        continue
                    have = clock.get(key) if key != "status" else clock["status"]
                    if not _same(key, want, have, self.tz):
                        failures.append(f"{label}.{key}: expected {_show(want)}, actual {_show(have)}")
        for e in expect.get("escalations", []):
            if not any(self._matches(e, a) for a in actual["escalations"]):
                fired = ", ".join(f"{a['metric']} step {a['step']} at {a['at']}" for a in actual["escalations"]) or "none"
                failures.append(f"escalation {_describe(e)}: expected to fire; fired: {fired}")
        for e in expect.get("no_escalations", []):
            hits = [a for a in actual["escalations"] if self._matches(e, a)]
            if hits:
                failures.append(f"escalation {_describe(e)}: expected not to fire, fired at {hits[0]['at']}")
        return failures

    def _matches(self, want: dict[str, Any], have: dict[str, Any]) -> bool:
        return all(_same(k, v, have.get(k), self.tz) for k, v in want.items())

    def record_coverage(self, actual: dict[str, Any], case: dict[str, Any]) -> None:
        version = actual.get("policy_version")
        policy = next((p for p in self.policies if p.version == version), None)
        if policy is None:
            return
        cov = self.run.coverage.setdefault(f"{policy.id} {policy.version}", Coverage(policy))
        clauses = case.get("clause", [])
        cov.clauses.update([clauses] if isinstance(clauses, str) else clauses)
        doc = policy.document
        by_line = {doc.locate(r.path).line: r for r in policy.targets}
        for clock in actual["clocks"]:
            if clock.get("rule"):
                rule = by_line.get(int(clock["rule"].rsplit(":", 1)[1]))
                if rule is not None:
                    cov.rules.add(rule.index)
                    cov.clauses.update(_clauses(doc.data["targets"][rule.index]))
        for e in actual["escalations"]:
            cov.steps.add((e["metric"], e["step"]))
            cov.clauses.update(_clauses(doc.data["escalations"][e["metric"]][e["step"] - 1]))


def _clauses(item: dict[str, Any]) -> list[str]:
    c = item.get("clause", [])
    return [c] if isinstance(c, str) else list(c)


def _show(value: Any) -> str:
    return "null" if value is None else str(value)


def _describe(e: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in e.items())


def _policies_for(doc: Document, available: list[Policy]) -> tuple[list[Policy], list[Diagnostic]]:
    pid = doc.data["policy"]
    here = Path(doc.path).resolve().parent
    matching = [p for p in available if p.id == pid]
    near = [p for p in matching if Path(p.source).resolve().parent == here]
    chosen = near or matching
    if "version" in doc.data:
        wanted = doc.raw.get(("version",), str(doc.data["version"]))
        chosen = [p for p in chosen if version_key(p.version) == version_key(wanted)]
        if not chosen:
            return [], [doc.diagnostic(("version",), "SLA801", f"policy '{pid}' has no version {wanted}")]
    if not chosen:
        known = sorted({p.id for p in available})
        return [], [doc.diagnostic(("policy",), "SLA801", f"no policy '{pid}' found{did_you_mean(pid, known)}")]
    return sorted(chosen, key=lambda p: p.version_key), []


def run_tests(paths: Iterable[str | Path], backend: Backend, pattern: str | None = None) -> TestRun:
    """Discover test files under `paths`, run every case, collect results and coverage."""
    paths = list(paths)
    run = TestRun()
    files, missing = discover(paths, is_test_file)
    run.diagnostics.extend(missing)
    roots = {str(p) for p in paths if Path(p).is_dir()} | {str(f.parent) for f in files}
    validated = validate_paths(sorted(roots))
    broken = {d.path for d in validated.diagnostics if d.severity is Severity.ERROR}
    available = [p for p in validated.policies if p.source not in broken]
    for f in files:
        run.files.append(str(f))
        try:
            doc, problems = load_file(f)
        except InputError as exc:
            run.diagnostics.append(exc.diagnostic)
            continue
        problems = problems or (validate_document(doc, "tests") if isinstance(doc.data, dict) else
                                [doc.diagnostic((), "SLA007", "the top level must be a mapping with policy: and cases:")])
        if not problems:
            policies, problems = _policies_for(doc, available)
        if not problems:
            runner = _FileRunner(doc, policies, backend, pattern, run)
            problems = runner.check_names()
        if problems:
            run.diagnostics.extend(problems)
            continue
        runner.run_cases()
    return run
