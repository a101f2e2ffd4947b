"""`slapolicy profiles`: every shipped import profile listed with what it reads, and `show NAME`
printing the file as shipped, so that a copy of it is a working profile of the user's own."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from slapolicy.sim import mapping
from slapolicy.sim.imports import shipped

Run = Callable[..., Result]
PROFILES = files("slapolicy.sim").joinpath("profiles")


def _shipped_text(name: str) -> str:
    return PROFILES.joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def test_the_list_names_each_shipped_profile_with_its_rows_and_description(run_cli: Run) -> None:
    result = run_cli("profiles")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == sorted(shipped())
    for line in lines:
        data = yaml.safe_load(_shipped_text(line.split()[0]))
        assert line.split(maxsplit=2)[1:] == [data["rows"], data["description"]]


def test_the_list_as_json(run_cli: Run) -> None:
    result = run_cli("profiles", "--json")
    assert result.exit_code == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [p["name"] for p in listed] == sorted(shipped())
    assert {p["name"]: p["rows"] for p in listed}["znuny-webhook"] == "webhook"
    assert {p["name"]: p["rows"] for p in listed}["cn-worklog"] == "event"


@pytest.mark.parametrize("name", sorted(shipped()))
def test_show_prints_the_shipped_file_as_it_is(run_cli: Run, name: str) -> None:
    result = run_cli("profiles", "show", name)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == _shipped_text(name)


def test_a_copy_written_with_o_imports_as_the_shipped_profile_does(run_cli: Run, tmp_path: Path) -> None:
    copy = tmp_path / "my-helpdesk.yaml"
    assert run_cli("profiles", "show", "cn-helpdesk", "-o", str(copy)).exit_code == 0
    by_name = run_cli("import", "--profile", "cn-helpdesk", "examples/imports/cn-helpdesk.csv")
    by_copy = run_cli("import", "--profile", str(copy), "examples/imports/cn-helpdesk.csv")
    assert by_name.exit_code == by_copy.exit_code == 0, by_copy.stderr
    assert by_copy.stdout == by_name.stdout
    assert by_copy.stdout.count("\n") >= 10


@pytest.mark.parametrize(("name", "meant"), [
    ("zamad", "zammad-ticket-report"),        # the helpdesk misspelt: the first of its profiles
    ("zendesk-webhok", "zendesk-webhook"),    # a profile misspelt
    ("jira", "jira-service-management"),      # the start of a name
])
def test_an_unknown_name_is_a_usage_error_with_a_did_you_mean(run_cli: Run, name: str, meant: str) -> None:
    result = run_cli("profiles", "show", name)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {name}:0:0: SLA911 error: no shipped import profile of that name; "
                                    f"did you mean '{meant}'?; shipped profiles: cn-helpdesk, ")


def test_a_name_close_to_none_lists_the_shipped_ones(run_cli: Run) -> None:
    result = run_cli("profiles", "show", "servicenow")
    assert result.exit_code == 2
    assert "did you mean" not in result.stderr
    assert result.stderr.rstrip().endswith(", ".join(sorted(shipped())))


def test_an_output_that_cannot_be_written_is_a_usage_error(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("profiles", "show", "cn-helpdesk", "-o", str(tmp_path / "missing" / "p.yaml"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot write {tmp_path / 'missing' / 'p.yaml'}: ")


@pytest.mark.parametrize(("text", "where"), [
    ("profile: broken\nrows: [ticket\ndescription: an unclosed list\n", ":2:7: SLA004 error: "),  # YAML syntax
    ("profile: broken\nrows: ticket\nrows: event\n", ":3:1: SLA005 error: "),  # a duplicate key
    ("profile: broken\ndescription: no rows\n", ":1:1: SLA102 error: "),  # not a profile: `rows` missing
])
def test_a_broken_profile_file_is_a_one_line_error_not_a_traceback(run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   text: str, where: str) -> None:
    """A shipped profile edited into no profile (the folder of an installation): `profiles` and `profiles show` say
    where, file:line:column, on one line, exit 2; the other profiles are still shown by `show`."""
    (tmp_path / "broken.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "cn-helpdesk.yaml").write_text(_shipped_text("cn-helpdesk"), encoding="utf-8")
    monkeypatch.setattr(mapping, "PROFILES", tmp_path)
    for args in (("profiles",), ("profiles", "--json"), ("profiles", "show", "broken")):
        result = run_cli(*args)
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.startswith(f"error: {tmp_path / 'broken.yaml'}{where}") and result.stderr.count("\n") == 1
        assert "Traceback" not in result.stderr
    assert run_cli("profiles", "show", "cn-helpdesk").stdout == _shipped_text("cn-helpdesk")
