"""The templates a policy repository copies (templates/policy-repo/): the GitHub Actions workflow
and the GitLab CI job run, as their CI would run them, in a scratch policy repository (a git
repository holding a shipped policy, its register, its tests and the templates), with the pinned
slapolicy of the template replaced by the wheel of this checkout (conftest's `dist`): they pass on
good policies and fail on a broken policy or a broken promise. Their structure is checked against
the GitHub workflow and GitLab CI schemas check-jsonschema vendors (no network).

What is not run: `uses:` steps (checkout, setup-python, the SARIF upload; the SARIF file they
upload is checked instead) and the `if:` conditions, which hold whenever the install succeeded."""

from __future__ import annotations

import json
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from conftest import ROOT, Dist, fresh_venv, run, venv_env

TEMPLATES = ROOT / "templates" / "policy-repo"
WORKFLOW = TEMPLATES / ".github" / "workflows" / "slapolicy.yml"
GITLAB = TEMPLATES / ".gitlab-ci.yml"
PRE_COMMIT = TEMPLATES / ".pre-commit-config.yaml"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def _yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(("template", "schema"), [(WORKFLOW, "vendor.github-workflows"), (GITLAB, "vendor.gitlab-ci")])
def test_the_templates_fit_their_ci_schema(template: Path, schema: str) -> None:
    checked = run(sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, template)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_templates_pin_this_release() -> None:
    """A policy repository is checked with a release it names: the tag of this version."""
    pins = [_yaml(WORKFLOW)["env"]["SLAPOLICY"], _yaml(GITLAB)["variables"]["SLAPOLICY"]]
    for pin in map(Requirement, pins):
        assert pin.name == "slapolicy"
        assert pin.url is not None and pin.url.startswith("git+") and pin.url.endswith(f"@v{VERSION}")
    (repo,) = _yaml(PRE_COMMIT)["repos"]
    assert repo["rev"] == f"v{VERSION}"
    hooks = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert {hook["id"] for hook in repo["hooks"]} == hooks


@pytest.fixture(scope="module")
def ci_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The runner's fresh Python, without slapolicy until a job installs it."""
    return fresh_venv(tmp_path_factory.mktemp("runner"))


@pytest.fixture
def policy_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "quality-policies"
    for folder in ("policies/after-sales", "regulation"):
        shutil.copytree(ROOT / folder, repo / folder)
    shutil.copytree(TEMPLATES, repo, dirs_exist_ok=True)
    git = ["git", "-C", repo, "-c", "user.name=CI", "-c", "user.email=ci@example.com"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "policies"]):
        assert run(*git, *command).returncode == 0
    return repo


def _ci_env(bin_dir: Path, variables: dict[str, str], dist: Dist) -> dict[str, str]:
    """The job's variables, its pinned slapolicy replaced by the wheel (installed from it alone, and installed even when
    the environment the runner borrows its dependencies from holds slapolicy itself, as the compiled build's does)."""
    return venv_env(bin_dir) | variables | {"SLAPOLICY": str(dist.wheel), "PIP_NO_DEPS": "1", "PIP_NO_INDEX": "1",
                                            "PIP_IGNORE_INSTALLED": "1"}


def github_job(repo: Path, bin_dir: Path, dist: Dist) -> dict[str, int]:
    """The workflow's `run:` steps in order, as the runner's default bash runs them: name -> exit status."""
    workflow = _yaml(repo / ".github" / "workflows" / "slapolicy.yml")
    (job,) = workflow["jobs"].values()
    env = _ci_env(bin_dir, workflow["env"], dist)
    statuses = {}
    for step in job["steps"]:
        if "run" in step:
            ran = run("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"], cwd=repo, env=env)
            statuses[step["name"]] = ran.returncode
    return statuses


def github_passes(repo: Path, statuses: dict[str, int]) -> bool:
    """The job's result: a failing step fails it unless it may (continue-on-error)."""
    (job,) = _yaml(repo / ".github" / "workflows" / "slapolicy.yml")["jobs"].values()
    may_fail = {step["name"] for step in job["steps"] if step.get("continue-on-error")}
    return all(status == 0 for name, status in statuses.items() if name not in may_fail)


def gitlab_job(repo: Path, bin_dir: Path, dist: Dist) -> int:
    """The job's before_script and script in one shell, stopping at the first failing line, as the runner does."""
    pipeline = _yaml(repo / ".gitlab-ci.yml")
    job = pipeline["slapolicy"]
    script = "\n".join(["set -eo pipefail", *job["before_script"], *job["script"]])
    return run("bash", "-c", script, cwd=repo, env=_ci_env(bin_dir, pipeline["variables"], dist)).returncode


def test_the_github_workflow_passes_good_policies(policy_repo: Path, ci_bin: Path, dist: Dist) -> None:
    statuses = github_job(policy_repo, ci_bin, dist)
    assert statuses == dict.fromkeys(statuses, 0)
    assert len(statuses) == 5  # install, validate, the SARIF report, test, clauses
    where = run(ci_bin / "python", "-c", "import slapolicy; print(slapolicy.__file__)", cwd=policy_repo)
    assert Path(where.stdout.strip()).is_relative_to(ci_bin.parent), "the steps ran another slapolicy than the one installed"
    assert (ci_bin / "slapolicy").is_file()
    sarif = yaml.safe_load((policy_repo / "slapolicy.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["tool"]["driver"]["name"] == "slapolicy"
    assert sarif["runs"][0]["results"] == []


def test_the_gitlab_job_passes_good_policies_with_a_junit_report(policy_repo: Path, ci_bin: Path, dist: Dist) -> None:
    assert gitlab_job(policy_repo, ci_bin, dist) == 0
    report = (policy_repo / "policy-tests.xml").read_text(encoding="utf-8")
    assert "<testsuite" in report and 'failures="0"' in report
    assert json.loads((policy_repo / "gl-code-quality.json").read_text(encoding="utf-8")) == []


def _break_policy(repo: Path) -> Path:
    policy = repo / "policies" / "after-sales" / "2025.1.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("timezone: Asia/Shanghai", "timezone: Asia/Shanghia", 1),
                      encoding="utf-8")
    return policy


def _break_promise(repo: Path) -> None:
    """A test case expecting what the policy does not promise (the P1 answer due 15 minutes after 17:50)."""
    cases = repo / "policies" / "after-sales" / "after-sales.test.yaml"
    text = cases.read_text(encoding="utf-8")
    assert "first_response: {due_at: 2025-03-07T18:05:00+08:00" in text
    cases.write_text(text.replace("first_response: {due_at: 2025-03-07T18:05:00+08:00",
                                  "first_response: {due_at: 2025-03-07T18:20:00+08:00", 1), encoding="utf-8")


def test_the_github_workflow_fails_a_broken_policy_and_reports_it_to_code_scanning(
        policy_repo: Path, ci_bin: Path, dist: Dist) -> None:
    policy = _break_policy(policy_repo)
    statuses = github_job(policy_repo, ci_bin, dist)
    assert not github_passes(policy_repo, statuses)
    assert statuses["Validate the policies"] == 1
    sarif = yaml.safe_load((policy_repo / "slapolicy.sarif").read_text(encoding="utf-8"))
    located = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]]
    assert policy.relative_to(policy_repo).as_posix() in located


def test_the_github_workflow_fails_a_broken_promise(policy_repo: Path, ci_bin: Path, dist: Dist) -> None:
    _break_promise(policy_repo)
    statuses = github_job(policy_repo, ci_bin, dist)
    assert not github_passes(policy_repo, statuses)
    assert statuses["Validate the policies"] == 0
    assert statuses["Test the policies"] == 1


def test_the_gitlab_job_fails_a_broken_policy_and_shows_it_in_the_merge_request(
        policy_repo: Path, ci_bin: Path, dist: Dist) -> None:
    policy = _break_policy(policy_repo)
    assert gitlab_job(policy_repo, ci_bin, dist) == 1
    issues = json.loads((policy_repo / "gl-code-quality.json").read_text(encoding="utf-8"))
    assert policy.relative_to(policy_repo).as_posix() in {i["location"]["path"] for i in issues}


def test_the_gitlab_job_fails_a_broken_promise_in_its_test_report(policy_repo: Path, ci_bin: Path, dist: Dist) -> None:
    _break_promise(policy_repo)
    assert gitlab_job(policy_repo, ci_bin, dist) == 1
    assert 'failures="1"' in (policy_repo / "policy-tests.xml").read_text(encoding="utf-8")
