"""`slapolicy test`: policy unit tests that quality managers write.

A test file (`*.test.yaml`, beside the policy it tests) names a policy and holds cases;
each case is a ticket in the simulator's shape plus what the regulation promises about
it. Cases run through the same replay as `slapolicy simulate`: no second implementation
of the semantics. Only the fields an expectation lists are compared, each exactly;
instants are compared as instants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..calendar.instants import InstantError, iso, parse_instant
from ..diagnostics.record import Diagnostic, InputError, Severity, did_you_mean
from ..kpi.ledger import settle
from ..kpi.objectives import objective_results
from ..kpi.report import NOBODY, Aggregator
from ..policy.citations import citations
from ..policy.loader import Document, JsonPath, load_file
from ..policy.model import Policy
from ..policy.schema import schema_problems
from ..rules.engine import Backend
from ..sim.outcome import Charge, ClockOutcome, EscalationFiring, Finding, NoticeFiring, Rejection, SubjectOutcome, money
from ..sim.replay import OutcomeList, Plan, replay, replay_items
from ..sim.roster import EMPTY as NO_ROSTER
from ..sim.roster import Roster, RosterError, shift_from
from ..sim.tickets import RawItem
from ..validate.repository import PolicySet, discover, is_policy_file, is_test_file, scan
from ..validate.settings import NO_SETTINGS, Settings
from . import governs
from .owed_cases import expect_availability, expect_credits, expect_ledger, expect_settled, same_money
from .testpolicies import policies_for, untested_versions

INSTANT_FIELDS = frozenset({"due_at", "breached_at", "started_at", "stopped_at", "failed_at", "at"})

CLOCK_FIELDS: dict[str, Callable[[ClockOutcome], Any]] = {
    "status": lambda c: c.status.value,
    "due_at": lambda c: c.due,
    "breached_at": lambda c: c.breached_at,
    "started_at": lambda c: c.started,
    "stopped_at": lambda c: c.stopped,
    "paused": lambda c: c.paused,
    "paused_seconds": lambda c: c.paused_seconds,
    "elapsed_seconds": lambda c: c.elapsed_seconds,
    "failed_at": lambda c: c.failed,
    "calendar": lambda c: c.calendar,
    "target": lambda c: c.target.text if c.target is not None else None,
}
ESCALATION_FIELDS: dict[str, Callable[[EscalationFiring], Any]] = {
    "metric": lambda e: e.step.metric,
    "step": lambda e: e.step.index,
    "id": lambda e: e.step.id,
    "at": lambda e: e.at,
    "notify": lambda e: list(e.step.notify),
    "cycle": lambda e: e.cycle,
    "repeat": lambda e: e.repeat,
}


@dataclass
class CaseResult:
    path: str
    line: int
    description: str
    clauses: list[str]
    outcome: str  # passed | failed | skipped
    failures: list[str] = field(default_factory=list)
    policy: str = ""  # the policy version the case ran on (its label)
    policy_id: str = ""
    checks: set[str] = field(default_factory=set)  # the clauses its expectations check (review.governs)


@dataclass
class Coverage:
    policy: Policy
    rules: set[int] = field(default_factory=set)
    steps: set[tuple[str, int]] = field(default_factory=set)
    clauses: set[str] = field(default_factory=set)

    def missing(self) -> dict[str, list[str]]:
        p = self.policy
        rules = [f"{r.id or 'rule'} ({r.source})" for r in p.targets if r.index not in self.rules]
        steps = [f"{m} step {s.index}{f' {s.id}' if s.id else ''} ({s.source})"
                 for m, ss in p.escalations.items() for s in ss if (m, s.index) not in self.steps]
        return {"target_rules": rules, "escalation_steps": steps, "clauses": sorted(cited_clauses(p) - self.clauses)}


def cited_clauses(policy: Policy) -> set[str]:
    """Every clause id a rule of the policy cites (`clause:` keys)."""
    return {c.clause for c in citations(policy)}


@dataclass
class TestRun:
    __test__ = False  # not a pytest test class

    files: list[str] = field(default_factory=list)
    cases: list[CaseResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    coverage: dict[str, Coverage] = field(default_factory=dict)
    unreadable: bool = False  # a path that could not be read at all
    unusable: bool = False  # a policy the tests run on fails to load (SLA804)
    stopped: bool = False  # stopped at the first failure (-x) with cases or files left
    ran: set[str] = field(default_factory=set)  # the policy versions (labels) some case's subject ran under

    def count(self, outcome: str) -> int:
        return sum(c.outcome == outcome for c in self.cases)

    def failing(self) -> bool:
        return bool(self.count("failed")) or any(d.severity is Severity.ERROR for d in self.diagnostics)


def _show(value: Any) -> str:
    return "null" if value is None else str(value)


class _FileRunner:
    def __init__(self, doc: Document, policies: PolicySet, backend: Backend, pattern: str | None, run: TestRun,
                 stop_first: bool = False) -> None:
        self.doc = doc
        self.stop_first = stop_first
        self.policies = policies
        self.backend = backend
        self.pattern = pattern.lower() if pattern else None
        self.run = run
        self.tz = policies.tz

    def check_names(self) -> list[Diagnostic]:
        """Event types, metrics and steps the policy does not define: load errors, with positions."""
        p = self.policies.latest
        out = []
        objectives = {o.id for o in p.objectives}
        notices = {n.id for n in p.notices}
        for i, case in enumerate(self.doc.data["cases"]):
            tickets = [("ticket", case["ticket"])] if "ticket" in case else [
                (k, t) for k, t in enumerate(case["history"])] if isinstance(case.get("history"), list) else []
            for where, ticket in tickets:
                base = ("cases", i, "ticket") if where == "ticket" else ("cases", i, "history", where)
                for j, event in enumerate(ticket["events"]):
                    if event["type"] not in p.events:
                        out.append(self.doc.diagnostic((*base, "events", j, "type"), "SLA802",
                                                       f"policy '{p.id}' has no event type '{event['type']}'{did_you_mean(event['type'], p.events)}"))
            expect = case["expect"]
            for k, o in enumerate(expect.get("objectives", [])):
                if o["id"] not in objectives:
                    out.append(self.doc.diagnostic(("cases", i, "expect", "objectives", k, "id"), "SLA802",
                                                   f"policy '{p.id}' has no objective '{o['id']}'{did_you_mean(o['id'], tuple(objectives))}"))
            for kind in ("notices", "no_notices"):
                for k, n in enumerate(expect.get(kind, [])):
                    if n["id"] not in notices:
                        out.append(self.doc.diagnostic(("cases", i, "expect", kind, k, "id"), "SLA802",
                                                       f"policy '{p.id}' has no notice '{n['id']}'{did_you_mean(n['id'], tuple(notices))}"))
            for metric in expect.get("clocks", {}):
                if metric not in p.metrics:
                    out.append(self.doc.diagnostic(("cases", i, "expect", "clocks", metric), "SLA802",
                                                   f"policy '{p.id}' has no metric '{metric}'{did_you_mean(metric, tuple(p.metrics))}", key=True))
            for name in expect.get("derived", {}):
                if name not in p.lookups and name not in p.periods:
                    out.append(self.doc.diagnostic(("cases", i, "expect", "derived", name), "SLA802",
                                                   f"policy '{p.id}' derives no '{name}' (no lookup table or period gives it)", key=True))
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

    def _instant(self, value: Any) -> float | None:
        if value is None:
            return None
        return parse_instant(str(value), self.tz)

    def run_cases(self) -> None:
        data = self.doc.data
        for i, case in enumerate(data["cases"]):
            if self.stop_first and self.run.count("failed"):
                self.run.stopped = True
                return
            path: JsonPath = ("cases", i)
            clauses = case.get("clause", [])
            result = CaseResult(self.doc.path, self.doc.locate(path).line, case["description"],
                                [clauses] if isinstance(clauses, str) else list(clauses), "passed",
                                policy_id=self.policies.id)
            self.run.cases.append(result)
            if self.pattern and self.pattern not in case["description"].lower():
                result.outcome = "skipped"
                continue
            try:
                as_of = self._instant(case.get("as_of", data.get("as_of")))
            except InstantError as exc:
                result.outcome, result.failures = "failed", [f"as_of: {exc}"]
                continue
            if as_of is None:
                as_of = dt.datetime.now(dt.UTC).timestamp()
            try:
                roster = self._roster(case.get("roster", data.get("roster")))
            except RosterError as exc:
                result.outcome, result.failures = "failed", [f"roster: {exc}"]
                continue
            if "history" in case:
                result.failures = self.run_history(case, as_of, roster, result)
                result.outcome = "failed" if result.failures else "passed"
                result.policy = self.policies.latest.label
                continue
            ticket = {"id": case["ticket"].get("id", f"case-{i + 1}"), "attributes": case["ticket"].get("attributes", {}),
                      "events": case["ticket"]["events"], "kind": case["ticket"].get("kind", "ticket")}
            total = OutcomeList()  # the same path as a history of one: ids, correlations, penalties
            replay_items(Plan((self.policies,), as_of, self.backend.name, OutcomeList, roster=roster),
                         [RawItem(ticket, result.line)], total)
            ((actual,),) = total.items
            if isinstance(actual, SubjectOutcome):
                result.policy = actual.policy.label
                self.record_coverage(actual, result.clauses)
            else:  # a case expecting a rejection exercises its clauses too (an unknown tier, a missing attribute)
                result.policy = self.policies.latest.id
                latest = self.policies.latest
                self.run.coverage.setdefault(latest.label, Coverage(latest)).clauses.update(result.clauses)
            result.failures = self.compare(case["expect"], actual, result.checks)
            result.outcome = "failed" if result.failures else "passed"

    def _roster(self, shifts: list[Any] | None) -> Roster:
        if not shifts:
            return NO_ROSTER
        return Roster(shift_from(s, f"{self.doc.path}: roster shift {n}", self.tz) for n, s in enumerate(shifts, 1))

    def run_history(self, case: Mapping[str, Any], as_of: float, roster: Roster, result: CaseResult) -> list[str]:
        """Replay a small history (as `report` does: ids, correlations, penalties) and compare the objectives,
        counts, findings, charges and ledger it gives."""
        history = case["history"]
        total = OutcomeList()
        plan = Plan((self.policies,), as_of, self.backend.name, OutcomeList, roster=roster)
        if isinstance(history, str):
            path = Path(self.doc.path).parent / history
            if not path.is_file():
                return [f"history: {history}: no such file"]
            replay(plan, str(path), None, total)
        else:
            replay_items(plan, [RawItem({**t, "id": t.get("id", f"h-{n}")}, n) for n, t in enumerate(history, 1)], total)
        outcomes = [o for (o,) in total.items]
        for outcome in outcomes:
            if isinstance(outcome, SubjectOutcome):
                self.record_coverage(outcome, result.clauses)
        aggregator = Aggregator(self.policies.tz, "month", (), as_of)
        for outcome in outcomes:
            aggregator.add_outcome(outcome)
        report = aggregator.report
        failures = []
        expect = case["expect"]
        for key, want in expect.get("summary", {}).items():
            have = getattr(report, key)
            if want != have:
                failures.append(f"summary.{key}: expected {want}, actual {have}")
        results = objective_results(report, self.policies.versions)
        for want in expect.get("objectives", []):
            rows = [r for r in results if r.objective.id == want["id"] and ("period" not in want or r.period == str(want["period"]))]
            label = f"objective {want['id']}" + (f" ({want['period']})" if "period" in want else "")
            if not rows:
                periods = ", ".join(r.period for r in results if r.objective.id == want["id"]) or "none"
                failures.append(f"{label}: expected a result, actual none (periods measured: {periods})")
                continue
            row = rows[0]
            result.checks.update(row.objective.clauses)
            for key in ("value", "met", "measured", "tickets"):
                if key in want and want[key] != getattr(row, key):
                    failures.append(f"{label}.{key}: expected {_show(want[key])}, actual {_show(getattr(row, key))}")
        ledger = settle(report, self.policies.versions)
        failures += expect_ledger(expect.get("ledger", []), ledger, result.checks)
        failures += expect_settled(expect.get("credits", []), ledger, self.policies.versions, self.tz, result.checks)
        failures += expect_availability(expect.get("availability", []), ledger.measured, result.checks)
        for sid, wanted in expect.get("subjects", {}).items():
            found = sorted((o for o in outcomes if o.id == str(sid)),  # a later line with the same id: the rejected one
                           key=lambda o: isinstance(o, Rejection) != ("rejected" in wanted))
            if not found:
                failures.append(f"subject {sid}: not in the history")
            else:
                failures += [f"subject {sid}: {failure}" for failure in self.compare(wanted, found[0], result.checks)]
        subjects = [o for o in outcomes if isinstance(o, SubjectOutcome)]
        failures += self._expect_findings(expect, [f for o in subjects for f in o.findings], result.checks)
        failures += self._expect_charges(expect, [c for o in subjects for c in o.charges], self.policies.tz, result.checks)
        return failures

    def _expect_findings(self, expect: Mapping[str, Any], findings: list[Finding], checks: set[str]) -> list[str]:
        failures = []
        for f in expect.get("findings", []):
            matched = [g for g in findings if self._finding_matches(f, g)]
            checks |= governs.of_firings(matched)
            if not matched:
                listed = "; ".join(f"{g.code}: {g.message}" for g in findings) or "none"
                failures.append(f"finding {_describe(f)}: expected; found: {listed}")
        if expect.get("no_findings") and findings:
            failures.append("no findings expected; found: " + "; ".join(f"{g.code}: {g.message}" for g in findings))
        return failures

    def _expect_charges(self, expect: Mapping[str, Any], charges: list[Charge], tz: dt.tzinfo, checks: set[str]) -> list[str]:
        failures = []
        for want in expect.get("charges", []):
            matched = [c for c in charges if self._charge_matches(want, c)]
            checks |= governs.of_firings(matched)
            if not matched:
                listed = "; ".join(f"{c.penalty.id} {money(c.amount)} × {c.factor:g} by {c.payer or NOBODY} at {iso(c.at, tz)}"
                                   for c in charges) or "none"
                failures.append(f"charge {_describe(want)}: expected; charged: {listed}")
        if expect.get("no_charges") and charges:
            failures.append("no charges expected; charged: " + "; ".join(f"{c.penalty.id} {money(c.amount)}" for c in charges))
        return failures

    def _charge_matches(self, want: Mapping[str, Any], have: Charge) -> bool:
        return (want["penalty"] == have.penalty.id and ("amount" not in want or same_money(want["amount"], have.amount))
                and ("payer" not in want or want["payer"] == (have.payer or NOBODY))
                and ("factor" not in want or want["factor"] == have.factor)
                and ("at" not in want or self._same("at", want["at"], have.at)))

    def _same(self, key: str, expected: Any, actual: Any) -> bool:
        if key in INSTANT_FIELDS:
            try:
                return bool(self._instant(expected) == actual)
            except InstantError:
                return False
        return bool(expected == actual)

    def compare(self, expect: Mapping[str, Any], actual: SubjectOutcome | Rejection, checks: set[str]) -> list[str]:
        """What differs from the expectations; `checks` gathers the clauses they check (review.governs)."""
        failures: list[str] = []
        if "rejected" in expect:
            codes = [r.code for r in actual.reasons] if isinstance(actual, Rejection) else []
            if expect["rejected"] not in codes:
                failures.append(f"rejected: expected {expect['rejected']}, actual {', '.join(codes) or 'not rejected'}")
            elif expect["rejected"] == "duplicate_id":  # the one rejection that is a behaviour a clause may ask for
                checks |= governs.of_builtin(self.policies.latest, "unique_ids")
            return failures
        if isinstance(actual, Rejection):
            return ["the ticket was rejected: " + "; ".join(f"{r.code}: {r.message}" for r in actual.reasons)]
        for key in ("objectives", "summary", "ledger", "availability"):
            if key in expect:
                failures.append(f"{key}: give the case a `history` to measure objectives")
        for metric, spec in expect.get("clocks", {}).items():
            items = spec if isinstance(spec, list) else [spec]
            for n, item in enumerate(items):
                cycle = item.get("cycle", n + 1 if isinstance(spec, list) else 1)
                clock = next((c for c in actual.clocks if c.metric.id == metric and c.cycle == cycle), None)
                label = f"{metric} (cycle {cycle})"
                if clock is None:
                    if item.get("status") != "not_applicable":
                        failures.append(f"{label}: expected a clock, actual none (not applicable)")
                    continue
                checks |= governs.of_clock(actual.policy, clock)
                tz = actual.policy.calendars[clock.calendar].tz
                for key, want in item.items():
                    if key == "cycle":
                        continue
                    have = CLOCK_FIELDS[key](clock)
                    if not self._same(key, want, have):
                        shown = iso(have, tz) if key in INSTANT_FIELDS and have is not None else _number(have)
                        failures.append(f"{label}.{key}: expected {_show(want)}, actual {_show(shown)}")
        failures += self._expect_derived(expect, actual, checks)
        fired = actual.escalations
        for e in expect.get("escalations", []):
            matched = [a for a in fired if self._matches(e, a)]
            checks |= governs.of_firings(matched)
            if not matched:
                listed = ", ".join(f"{a.step.metric} step {a.step.index} at {self._at(actual, a)}" for a in fired) or "none"
                failures.append(f"escalation {_describe(e)}: expected to fire; fired: {listed}")
        for e in expect.get("no_escalations", []):
            checks |= governs.of_absent_steps(actual.policy, e)
            hits = [a for a in fired if self._matches(e, a)]
            if hits:
                failures.append(f"escalation {_describe(e)}: expected not to fire, fired at {self._at(actual, hits[0])}")
        told = actual.notices
        for n in expect.get("notices", []):
            given = [t for t in told if self._notice_matches(n, t)]
            checks |= governs.of_firings(given)
            if not given:
                listed = ", ".join(f"{t.notice.id} at {iso(t.at, actual.policy.tz)}" for t in told) or "none"
                failures.append(f"notice {_describe(n)}: expected to be given; given: {listed}")
        for n in expect.get("no_notices", []):
            checks |= governs.of_absent_notice(actual.policy, n)
            given = [t for t in told if self._notice_matches(n, t)]
            if given:
                failures.append(f"notice {_describe(n)}: expected not to be given, given at {iso(given[0].at, actual.policy.tz)}")
        failures += self._expect_findings(expect, list(actual.findings), checks)
        failures += self._expect_charges(expect, list(actual.charges), actual.policy.tz, checks)
        failures += expect_credits(expect.get("credits", []), actual.credits, self._same, checks)
        if expect.get("no_credits") and actual.credits:
            failures.append("no credits expected; earned: " + "; ".join(f"{c.credit.id} {money(c.amount)}" for c in actual.credits))
        return failures

    def _expect_derived(self, expect: Mapping[str, Any], actual: SubjectOutcome, checks: set[str]) -> list[str]:
        """Each derived attribute as expected: at creation (a mapping), or at each change (a list)."""
        failures: list[str] = []
        for name, spec in expect.get("derived", {}).items():
            found, items = [d for d in actual.derived if d.attribute == name], spec if isinstance(spec, list) else [spec]
            if len(found) < len(items) or (isinstance(spec, list) and len(found) != len(items)):
                failures.append(f"derived {name}: expected {len(items)} settlement(s), actual {len(found)}")
            for n, (want, have) in enumerate(zip(items, found)):
                checks |= set(have.rule.clauses)
                fields = {"value": have.value, "derived": have.derived, "given": have.given, "from": dict(have.inputs), "at": have.at}
                failures += [f"derived {name} ({n + 1}).{key}: expected {_show(value)}, actual "
                             f"{_show(iso(have.at, actual.policy.tz) if key == 'at' else fields[key])}"
                             for key, value in want.items() if not self._same(key, value, fields[key])]
        return failures

    def _notice_matches(self, want: Mapping[str, Any], have: NoticeFiring) -> bool:
        if want["id"] != have.notice.id:
            return False
        if "notify" in want and list(want["notify"]) != list(have.notice.notify):
            return False
        return "at" not in want or self._same("at", want["at"], have.at)

    def _at(self, outcome: SubjectOutcome, firing: EscalationFiring) -> str:
        clock = next(c for c in outcome.clocks if c.metric.id == firing.step.metric and c.cycle == firing.cycle)
        return iso(firing.at, outcome.policy.calendars[clock.calendar].tz)

    def _matches(self, want: Mapping[str, Any], have: EscalationFiring) -> bool:
        return all(self._same(k, v, ESCALATION_FIELDS[k](have)) for k, v in want.items())

    def record_coverage(self, actual: SubjectOutcome, clauses: list[str]) -> None:
        policy = actual.policy
        self.run.ran.add(policy.label)
        cov = self.run.coverage.setdefault(policy.label, Coverage(policy))
        cov.clauses.update(clauses)
        for clock in actual.clocks:
            if clock.rule is not None:
                cov.rules.add(clock.rule.index)
                cov.clauses.update(clock.rule.clauses)
        for e in actual.escalations:
            cov.steps.add((e.step.metric, e.step.index))
            cov.clauses.update(e.step.clauses)


    def _finding_matches(self, want: Mapping[str, Any], have: Finding) -> bool:
        return (want["code"] == have.code and want.get("message", "") in have.message
                and ("clause" not in want or want["clause"] in have.clauses)
                and ("id" not in want or want["id"] == have.rule) and ("actor" not in want or want["actor"] == have.actor)
                and ("at" not in want or (have.at is not None and self._same("at", want["at"], have.at))))


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _describe(e: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in e.items())


def run_tests(paths: Iterable[str | Path], backend: Backend, pattern: str | None = None,
              settings: Settings = NO_SETTINGS, stop_first: bool = False) -> TestRun:
    """Discover test files under `paths`, run every case, collect results and coverage; with
    `stop_first`, stop at the first failing case or broken test file. A policy file named
    outright stands for the test files beside it (the tests of its policy)."""
    paths = [Path(p).parent if Path(p).is_file() and is_policy_file(Path(p).name) else p for p in paths]
    run = TestRun()
    files, missing = discover(paths, is_test_file)
    run.diagnostics.extend(missing)
    run.unreadable = bool(missing)
    roots = {str(p) for p in paths if Path(p).is_dir()} | {str(f.parent) for f in files}
    scanned = scan(sorted(roots), settings)
    tested: list[PolicySet] = []
    test_files: dict[str, list[str]] = {}
    for f in files:
        if stop_first and run.failing():
            run.stopped = True
            break
        run.files.append(str(f))
        try:
            doc, problems = load_file(f)
        except InputError as exc:
            run.diagnostics.append(exc.diagnostic)
            run.unreadable |= exc.diagnostic.code == "SLA001"
            continue
        problems = problems or (schema_problems(doc, "tests") if isinstance(doc.data, dict) else
                                [doc.diagnostic((), "SLA007", "the top level must be a mapping with policy: and cases:")])
        policies = None
        if not problems:
            policies, problems = policies_for(doc, scanned)
            run.unusable |= any(d.code == "SLA804" for d in problems)
        if policies is not None and not problems:
            runner = _FileRunner(doc, policies, backend, pattern, run, stop_first)
            problems = runner.check_names()
            if not problems:
                runner.run_cases()
                tested.append(policies)
                test_files.setdefault(policies.id, []).append(str(f))
        run.diagnostics.extend(problems)
    if pattern is None and not run.stopped:  # with -k or -x, cases were left out on purpose
        run.diagnostics.extend(untested_versions(tested, run.ran, test_files))
    run.diagnostics = settings.apply(run.diagnostics, run.files)
    return run
