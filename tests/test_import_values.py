"""What an empty or unmapped cell becomes, the same for `import` and a replay (both read the export
through one code path, `read_export`): Zendesk's optional priority is the profile's default or a
rejection at import; a cn-helpdesk channel the profile's map lacks is left out (the after-sales
policy marks channel `unknown: ignore`), counted, not rejected."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import yaml
from click.testing import Result

from conftest import ROOT
from slapolicy.sim.imports import load_profile, read_export, shipped

Run = Callable[..., Result]
SAMPLES = ROOT / "examples" / "imports"
NO_PRIORITY = "examples/imports/zendesk-ticket-export.no-priority.csv"
P3 = "examples/imports/profiles/zendesk-no-priority-is-p3.yaml"


def _simulated(run_cli: Run, profile: str) -> dict[str, dict[str, object]]:
    result = run_cli("simulate", "policies/after-sales", NO_PRIORITY, "--profile", profile, "--as-of", "2025-12-31", "--format", "json")
    return {t["id"]: t for t in json.loads(result.stdout)["tickets"]}


def test_an_empty_zendesk_priority_is_rejected_alike_by_import_and_replay(run_cli: Run) -> None:
    imported = run_cli("import", "-p", "zendesk-ticket-export", NO_PRIORITY)
    assert imported.exit_code == 1
    rejected = [line for line in imported.stderr.splitlines() if ": unparseable: " in line]
    assert [line.split(":")[1] for line in rejected] == ["3", "6", "10"]  # the rows whose Priority was blanked
    assert rejected[0].endswith("row 3, column J 'Priority' is empty; the profile requires attributes.severity "
                                "(give it a default to use for an empty cell)")
    replayed = _simulated(run_cli, "zendesk-ticket-export")
    refused = {tid: t["errors"] for tid, t in replayed.items() if t["status"] == "rejected"}
    assert sorted(refused) == ["4802", "4805", "4809"]
    assert refused["4802"][0]["message"] == rejected[0].split(": unparseable: ")[1]  # the same reason, word for word


def test_with_a_default_both_grade_the_ticket_with_it(run_cli: Run) -> None:
    imported = run_cli("import", "-p", P3, NO_PRIORITY)
    assert imported.exit_code == 0
    severities = {t["id"]: t["attributes"]["severity"] for t in map(json.loads, imported.stdout.splitlines())}
    assert (severities["4802"], severities["4801"]) == ("P3", "P1")  # blank: the default; Urgent: P1 as mapped
    replayed = _simulated(run_cli, P3)
    assert {tid: t["attributes"]["severity"] for tid, t in replayed.items()} == severities
    assert all(t["status"] != "rejected" for t in replayed.values())


def test_a_channel_the_policy_may_lack_is_left_out_and_counted(run_cli: Run, tmp_path: Path) -> None:
    text = (SAMPLES / "cn-helpdesk.csv").read_bytes().decode("gb18030").replace(",服务热线,", ",微信,", 1)
    path = tmp_path / "wechat.csv"
    path.write_bytes(text.encode("gb18030"))
    imported = read_export(load_profile("cn-helpdesk"), path.read_bytes())
    assert imported.rejections == [] and imported.omitted == {"attributes.channel": 1}
    assert "channel" not in imported.tickets[0].data["attributes"] and imported.tickets[0].data["attributes"]["tier"]
    result = run_cli("import", "-p", "cn-helpdesk", str(path), "-o", str(tmp_path / "out.jsonl"))
    assert (result.exit_code, result.stderr) == (0, "12 rows: 12 tickets imported, 0 rejected, 1 value not in the profile's "
                                                    "map left out (attributes.channel: 1)\n")
    replayed = run_cli("simulate", "policies/after-sales", str(path), "--profile", "cn-helpdesk", "--as-of", "2025-12-31",
                       "--format", "json")
    assert [t["status"] for t in json.loads(replayed.stdout)["tickets"]].count("rejected") == 0


def test_a_profile_leaves_out_only_what_the_policy_may_lack() -> None:
    """unmapped: omit is for an attribute the after-sales policy marks `unknown: ignore`: anything else would
    drop a value the policy needs."""
    policy = yaml.safe_load((ROOT / "policies" / "after-sales" / "2025.1.yaml").read_text(encoding="utf-8"))["attributes"]
    for name in shipped():
        for attribute, spec in load_profile(name).attributes:
            if spec.unmapped == "omit":
                assert policy[attribute].get("unknown") == "ignore", (name, attribute)
