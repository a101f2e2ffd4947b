"""`diff`: the semantic changes between two policy versions, one fixture per kind of change
(tests/fixtures/diff/*.yaml each edit base.yaml), exit codes, the shipped versions' goldens
and the impact measured on a history equal to `whatif`'s figures."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, ROOT, pretty_json
from slapolicy.policy.build import build_policy
from slapolicy.policy.loader import load_text
from slapolicy.policy.model import Policy
from slapolicy.review.policydiff import Change, PolicyDiff, diff_policies
from slapolicy.sim.generate import generate
from slapolicy.validate.repository import open_policy, read_policy
from test_fuzz import FUZZ, POLICY_TEXTS, mutate_text, no_hang, to_bytes

Run = Callable[..., Result]
DIFF = FIXTURES / "diff"
BASE = "tests/fixtures/diff/base.yaml"
GOLDEN = ROOT / "tests" / "golden"
OLD, NEW = "policies/after-sales/2024.1.yaml", "policies/after-sales/2025.1.yaml"
AS_OF = "2026-01-31T00:00:00+08:00"
OFFICE = "on office (mon-fri 09:00-12:00, 13:30-18:00; CN public holidays, make-up days worked)"


@pytest.fixture(autouse=True)
def relative_paths(in_root: Path) -> None:
    """Run from the repository root: changes name their files as tests/fixtures/diff/…"""


def fixture(name: str) -> Policy:
    return open_policy(f"tests/fixtures/diff/{name}.yaml")


def changes(name: str) -> list[tuple[str, str, str, str | None, str | None]]:
    result = diff_policies(fixture("base"), fixture(name))
    return [(c.section, c.item, c.kind, c.old, c.new) for c in result.changes]


def test_the_same_policy_written_differently_is_no_change() -> None:
    assert changes("same") == []


def test_targets_per_severity_and_tier_with_their_calendar() -> None:
    assert changes("targets") == [
        ("targets", "first_response for severity=P2 / tier=basic", "changed", f"1h {OFFICE}", "1h around the clock"),
        ("targets", "resolution for severity=P1", "changed", "2h around the clock", "1h around the clock"),
        ("rules", "rule p1 values", "changed", "first_response: 15m on 24x7; resolution: 2h on 24x7",
         "first_response: 15m on 24x7; resolution: 1h on 24x7"),
        ("rules", "rule rest values", "changed", "first_response: 1h on office; resolution: 2 working days on office",
         "first_response: 1h on 24x7; resolution: 2 working days on office"),
    ]


def test_reordered_rules_say_what_wins_now() -> None:
    result = diff_policies(fixture("base"), fixture("reordered"))
    assert result.changes == (
        Change("targets", "first_response for severity=P1 / tier=gold", "changed", "15m around the clock", "30m around the clock",
               f"{BASE}:28", "tests/fixtures/diff/reordered.yaml:28"),
        Change("rules", "rule gold", "moved", "position 2", "position 1", f"{BASE}:29", "tests/fixtures/diff/reordered.yaml:28",
               "now tried before p1: it wins where both match"),
        Change("rules", "rule p1", "moved", "position 1", "position 2", f"{BASE}:28", "tests/fixtures/diff/reordered.yaml:29",
               "now tried after gold: they win where both match"),
    )


def test_rules_added_and_removed() -> None:
    assert changes("rules") == [
        ("targets", "first_response for severity=P2 / tier=gold", "changed", "30m around the clock", "20m around the clock"),
        ("rules", "rule gold", "removed", "when: tier = gold; values: first_response: 30m on 24x7", None),
        ("rules", "rule p2-gold", "added", None, "when: severity = P2 and tier = gold; values: first_response: 20m on 24x7"),
    ]


def test_calendar_hours_holidays_and_make_up_days() -> None:
    found = changes("calendar")
    # every target on that calendar changes with it (targets come first: what a ticket gets)
    assert [(c[0], c[1]) for c in found[:2]] == [("targets", "first_response for severity=P2 / tier=basic"),
                                                 ("targets", "resolution for severity=P2")]
    assert found[2:] == [
        ("calendars", "office hours", "changed", "mon-fri 09:00-12:00, 13:30-18:00", "mon-fri 09:00-12:00, 13:30-17:30"),
        ("calendars", "office extra holidays", "changed", "2025-12-31", "2025-12-30"),
        ("calendars", "office make-up working days", "changed", "—", "2025-10-11"),
    ]


def test_escalation_steps_added_removed_changed() -> None:
    assert changes("escalations") == [
        ("escalations", "resolution: warn", "removed", "at: 75%; notify: lead", None),
        ("escalations", "resolution: missed notify", "changed", "lead", "lead, head"),
        ("escalations", "resolution: late", "added", None, "at: breach + 4h; notify: head"),
    ]


def test_objectives_target_period_added() -> None:
    assert changes("objectives") == [
        ("objectives", "on-time min", "changed", "95%", "98%"),
        ("objectives", "on-time period", "changed", "month", "quarter"),
        ("objectives", "resolved", "added", None, "measure: resolution_rate; min: 90%; period: month"),
    ]


def test_version_and_effective_dates() -> None:
    assert changes("dates") == [
        ("policy", "version", "changed", "1.0", "1.1"),
        ("policy", "effective_from", "changed", "2025-01-01", "2026-01-01"),
        ("policy", "effective_until", "changed", "2025-12-31", "—"),
    ]


def test_metrics() -> None:
    assert changes("metrics") == [("metrics", "resolution pause_statuses", "changed", "—", "waiting")]


def test_an_event_that_comes_to_end_the_life(tmp_path: Path) -> None:
    """`ends: life` changes what ends with a subject's life (docs/semantics.md): diff says so."""
    semantics = FIXTURES / "semantics" / "policy.yaml"
    old = tmp_path / "old.yaml"
    old.write_text(semantics.read_text(encoding="utf-8").replace(", ends: life}", "}"), encoding="utf-8")
    found = [(c.section, c.item, c.kind, c.old, c.new) for c in diff_policies(open_policy(old), open_policy(semantics)).changes]
    assert found == [("events", "withdrawn ends", "changed", "—", "life")]


def test_duties_correlations_penalties() -> None:
    assert changes("duties") == [
        ("targets", "handover for every contract", "added", "none", "1 working day " + OFFICE),
        ("rules", "rule contract-handover", "added", None, "values: handover: 1 working day on office"),
        ("metrics", "handover", "added", None, "start: created; stop: handed_over; subject: contract"),
        ("subjects", "contract", "added", None, "name: contract"),
        ("events", "handed_over", "added", None, "the contract is handed over"),
        ("correlations", "again count", "changed", "3", "5"),
        ("penalties", "late-resolution amount", "changed", "50.00", "80.00"),
    ]


def test_each_change_names_its_line_in_both_files() -> None:
    result = diff_policies(fixture("base"), fixture("escalations"))
    assert [(c.old_at, c.new_at) for c in result.changes] == [
        (f"{BASE}:33", None), (f"{BASE}:34", "tests/fixtures/diff/escalations.yaml:33"),
        (None, "tests/fixtures/diff/escalations.yaml:34")]


def swapped(result: PolicyDiff) -> set[tuple[str, str, str, str | None, str | None]]:
    flip = {"added": "removed", "removed": "added"}
    return {(c.section, c.item, flip.get(c.kind, c.kind), c.new, c.old) for c in result.changes}


@pytest.mark.parametrize("name", ["targets", "reordered", "rules", "calendar", "escalations", "objectives", "dates", "duties"])
def test_diff_backwards_is_the_same_changes_reversed(name: str) -> None:
    a, b = fixture("base"), fixture(name)
    forward, backward = diff_policies(a, b), diff_policies(b, a)
    assert {(c.section, c.item, c.kind, c.old, c.new) for c in forward.changes} == swapped(backward)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=600), st.integers(min_value=1, max_value=600), st.sampled_from(["P1", "P2"]))
def test_a_changed_figure_is_reported_once_per_combination_it_reaches(before: int, after: int, severity: str) -> None:
    """Property: two policies differing in one rule's figure differ exactly there (and in that rule)."""
    text = (DIFF / "base.yaml").read_text(encoding="utf-8").replace("{id: p1, when: {severity: P1}",
                                                                     f"{{id: p1, when: {{severity: {severity}}}")

    def policy(minutes: int) -> object:
        doc, problems = load_text(text.replace("resolution: 2h}", f"resolution: {minutes}m}}"), "p.yaml")
        model, errors = build_policy(doc)
        assert not problems and model is not None, errors
        return model

    result = diff_policies(policy(before), policy(after))  # type: ignore[arg-type]
    if before == after:
        assert result.equal
    else:
        assert [(c.section, c.item, c.old, c.new) for c in result.changes if c.section == "targets"] == [
            ("targets", f"resolution for severity={severity}", f"{before}m around the clock", f"{after}m around the clock")]
        assert [c.item for c in result.changes if c.section != "targets"] == ["rule p1 values"]


def test_exit_codes(run_cli: Run) -> None:
    assert run_cli("diff", BASE, "tests/fixtures/diff/same.yaml").exit_code == 0
    result = run_cli("diff", BASE, "tests/fixtures/diff/targets.yaml", "--format", "text")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "diff-fixture 1.0 → diff-fixture 1.0: 4 changes"


def test_equal_versions_say_so(run_cli: Run) -> None:
    result = run_cli("diff", BASE, "tests/fixtures/diff/same.yaml", "--format", "markdown")
    assert result.stdout == "## Policy diff: diff-fixture 1.0 → diff-fixture 1.0: no semantic change\n"


@pytest.mark.parametrize(("args", "message"), [
    (("2024.9", "2025.1", "--in", "policies/after-sales"),
     "error: '2024.9' is no file or version under policies/after-sales; did you mean '2024.1'?"),
    ((OLD, NEW, "--history", "no-such.jsonl"), "error: no-such.jsonl: no such file"),
    ((OLD, "tests/fixtures/diff/nothing-here.yaml"),
     "error: '" + "tests/fixtures/diff/nothing-here.yaml' is no file or version under policies"),
])
def test_usage_errors_are_one_line_and_exit_2(run_cli: Run, args: tuple[str, ...], message: str) -> None:
    result = run_cli("diff", *args)
    assert result.exit_code == 2
    assert result.stderr.strip() == message
    assert result.stdout == ""


def test_a_broken_policy_is_an_input_error(run_cli: Run, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text((DIFF / "base.yaml").read_text(encoding="utf-8").replace("resolution: 2h}", "resolution: soon}"),
                      encoding="utf-8")
    result = run_cli("diff", BASE, str(broken))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {broken}:28:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_version_ids_and_directories(run_cli: Run) -> None:
    by_id = run_cli("diff", "2024.1", "2025.1", "--in", "policies/after-sales", "--format", "json")
    by_file = run_cli("diff", OLD, "policies/after-sales", "--format", "json")  # a directory: its newest version
    assert by_id.exit_code == by_file.exit_code == 1
    assert by_id.stdout == by_file.stdout


@pytest.mark.parametrize(("fmt", "golden_name"), [("markdown", "diff_after_sales.md"), ("json", "diff_after_sales.json")])
def test_shipped_versions_golden(run_cli: Run, golden: Callable[[Path, str], None], fmt: str, golden_name: str) -> None:
    result = run_cli("diff", OLD, NEW, "--format", fmt)
    assert result.exit_code == 1
    golden(GOLDEN / golden_name, pretty_json(json.loads(result.stdout)) if fmt == "json" else result.stdout)


def test_shipped_versions_name_the_regulation_changes(run_cli: Run) -> None:
    """The changes the 2025.1 changelog lists (R-000-05, R-000-06) show as effective targets."""
    doc = json.loads(run_cli("diff", OLD, NEW, "--format", "json").stdout)
    targets = {c["item"]: (c["old"], c["new"]) for c in doc["changes"] if c["section"] == "targets"}
    assert targets["first_response for severity=P2"] == ("1h around the clock", "30m around the clock")  # R-000-05
    assert targets["first_response for severity=P3"] == ("2h " + OFFICE, "1h around the clock")  # R-000-06
    assert "first_response for severity=P1" not in targets  # 15m in both


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 tickets in the 2024.1 vocabulary, which both versions read."""
    path = tmp_path_factory.mktemp("diff") / "history.jsonl"
    tickets = generate(open_policy(ROOT / OLD), 200, 3, dt.date(2025, 1, 1), days=90)
    path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tickets), encoding="utf-8")
    return path


def test_history_impact_is_what_whatif_measures(run_cli: Run, history: Path) -> None:
    result = run_cli("diff", OLD, NEW, "--history", str(history), "--as-of", AS_OF, "--jobs", "1", "--format", "json")
    assert result.exit_code == 1
    impact = json.loads(result.stdout)["impact"]
    whatif = json.loads(run_cli("whatif", "--base", OLD, "--candidate", NEW, str(history), "--as-of", AS_OF, "--jobs", "1",
                                "--format", "json", "--engine", "python").stdout)
    assert impact == {k: whatif[k] for k in ("period", "summary", "metrics", "by_severity", "notifications", "objectives_at_period")}
    assert impact["by_severity"] and impact["notifications"]["roles"]
    assert impact["summary"]["tickets"] == 200
    assert impact["summary"]["changed_outcomes"] > 0  # the 2025 targets are tighter
    fr = next(m for m in impact["metrics"] if m["metric"] == "first_response")
    assert fr["delta_on_time_rate"] < 0


def test_history_impact_in_markdown_and_text(run_cli: Run, history: Path) -> None:
    args = ("diff", OLD, NEW, "--history", str(history), "--as-of", AS_OF, "--jobs", "1")
    doc = json.loads(run_cli(*args, "--format", "json").stdout)
    s = doc["impact"]["summary"]
    told = (f"200 tickets: {s['replayed_base']} replayed, {s['rejected_base']} rejected; "
            f"{s['clocks_changed']} clocks change between met and breached")
    md = run_cli(*args, "--format", "markdown").stdout
    assert "### Impact on the history (per month)\n\n" + told + "\n" in md
    assert "| metric | base on time | candidate on time | delta | base breaches | candidate breaches |" in md
    text = run_cli(*args, "--format", "text").stdout
    assert f"Impact on the history (per month)\n  {told}\n" in text
    fr = next(m for m in doc["impact"]["metrics"] if m["metric"] == "first_response")
    x, y = fr["base"], fr["candidate"]
    assert (f"  first_response 首次响应: on time {x['on_time_rate'] * 100:.1f}% → {y['on_time_rate'] * 100:.1f}% "
            f"({fr['delta_on_time_rate'] * 100:+.1f} pt), breaches {x['breached']} → {y['breached']}") in text.splitlines()


def test_text_golden(run_cli: Run, golden: Callable[[Path, str], None]) -> None:
    result = run_cli("diff", BASE, "tests/fixtures/diff/reordered.yaml")  # text when piped, like `diff`
    assert result.exit_code == 1
    golden(GOLDEN / "diff_reordered.txt", result.stdout)


def test_a_rule_on_an_open_attribute_makes_the_target_depend_on_it(tmp_path: Path) -> None:
    """`customer` declares no values: a ticket's target depends on it, and the diff says so rather than guess."""
    edited = tmp_path / "open.yaml"
    edited.write_text((DIFF / "base.yaml").read_text(encoding="utf-8").replace(
        "  - {id: p1,", "  - {id: vip, when: {customer: ACME}, resolution: 1h}\n  - {id: p1,"), encoding="utf-8")
    result = diff_policies(fixture("base"), open_policy(edited))
    assert [(c.item, c.old, c.new) for c in result.changes if c.section == "targets"] == [
        ("resolution for severity=P1", "2h around the clock", "depends on customer (rule vip)"),
        ("resolution for severity=P2", f"2 working days {OFFICE}", "depends on customer (rule vip)"),
    ]


WITHOUT_REGISTERS = re.compile(r"(?m)^registers:.*\n")


@FUZZ
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(range(len(POLICY_TEXTS))))
def test_policy_mutants_diff_without_crash_or_hang(tmp_path_factory: pytest.TempPathFactory, seed: int, which: int) -> None:
    """Fuzz (tests/test_fuzz.py's mutants of the shipped policies): any policy that reads diffs against its original
    in bounded time; nothing against itself; the same changes backwards; every change one line."""
    rng = random.Random(seed)
    text = WITHOUT_REGISTERS.sub("", POLICY_TEXTS[which])  # its relative path would not resolve from a temporary folder
    folder = tmp_path_factory.mktemp("diff")
    (folder / "p.yaml").write_bytes(to_bytes(mutate_text(text, rng), rng))
    (folder / "o.yaml").write_text(text, encoding="utf-8")
    mutant, problems = read_policy(folder / "p.yaml")
    if mutant is None or any(d.severity.value == "error" for d in problems):
        return
    base = open_policy(folder / "o.yaml")
    with no_hang():
        forward, backward, same = diff_policies(base, mutant), diff_policies(mutant, base), diff_policies(mutant, mutant)
    assert same.equal, (seed, same.changes[:3])
    assert {(c.section, c.item, c.kind, c.old, c.new) for c in forward.changes} == swapped(backward), seed
    assert all("\n" not in f"{c.item}{c.old}{c.new}{c.note}" for c in forward.changes), seed


def test_statuses_declared(tmp_path: Path) -> None:
    edited = tmp_path / "statuses.yaml"
    edited.write_text((DIFF / "base.yaml").read_text(encoding="utf-8") + "statuses: [open, waiting]\n", encoding="utf-8")
    assert [(c.section, c.item, c.kind, c.new) for c in diff_policies(fixture("base"), open_policy(edited)).changes] == [
        ("statuses", "open", "added", "declared"), ("statuses", "waiting", "added", "declared")]
