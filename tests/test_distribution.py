"""slapolicy as it is installed where policies live (a policy repository is not this checkout):
the sdist and the wheel `python -m build` makes (conftest's `dist`: the wheel is built from the
sdist, so the sdist rebuilds), both passing `twine check --strict`; the sdist holding every file
of the checkout; the wheel holding every file the package reads at run time and, installed in a
fresh virtual environment (conftest's `fresh_venv`), checking and testing a shipped policy from a
folder outside the checkout."""

from __future__ import annotations

import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, Dist, fresh_venv, run, venv_env

PACKAGE = ROOT / "src" / "slapolicy"


def _tracked(*paths: str) -> list[str]:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the files it tracks are unknown")
    listed = run("git", "-C", ROOT, "ls-files", "-z", "--", *paths)
    assert listed.returncode == 0, listed.stderr
    return [p for p in listed.stdout.split("\0") if p and (ROOT / p).exists()]  # a file deleted but not committed is gone


def test_twine_passes_the_sdist_and_the_wheel(dist: Dist) -> None:
    checked = run(sys.executable, "-m", "twine", "check", "--strict", dist.sdist, dist.wheel)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2


def test_the_sdist_holds_every_file_of_the_checkout(dist: Dist) -> None:
    with tarfile.open(dist.sdist) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if m.isfile() and "/" in m.name}
    missing = sorted(set(_tracked()) - members)
    assert not missing, f"the sdist lacks {missing[:10]} (MANIFEST.in names the folders it holds)"
    assert not [m for m in members if m.startswith((".venv", "docs/_build/")) or "__pycache__" in m]


def test_the_wheel_holds_every_file_the_package_reads(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        names = set(wheel.namelist())
    data = [p.removeprefix("src/") for p in _tracked("src/slapolicy") if not p.endswith(".py")]
    assert len(data) >= 20  # schemas, import profiles, the HTML assets, py.typed
    missing = sorted(set(data) - names)
    assert not missing, f"the wheel lacks {missing} ([tool.setuptools.package-data] in pyproject.toml)"
    modules = [p.removeprefix("src/") for p in _tracked("src/slapolicy") if p.endswith(".py")]
    assert set(modules) <= names


@pytest.fixture(scope="module")
def installed(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the wheel; its bin/ folder. Installed even when the environment
    it borrows its dependencies from holds slapolicy itself (a non-editable install, such as the compiled
    build's: pip would otherwise find it satisfied there)."""
    bin_dir = fresh_venv(tmp_path_factory.mktemp("venv"))
    pip = run(bin_dir / "python", "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", "-q", dist.wheel)
    assert pip.returncode == 0, pip.stderr
    return bin_dir


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A policy repository of its own: a shipped policy with its register and tests, no checkout around it."""
    for folder in ("policies/after-sales", "regulation"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def test_the_installed_wheel_is_what_runs(installed: Path, outside: Path) -> None:
    where = run(installed / "python", "-c", "import slapolicy; print(slapolicy.__file__)", cwd=outside, env=venv_env(installed))
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed.parent)
    assert not Path(where.stdout.strip()).is_relative_to(ROOT)


@pytest.mark.parametrize("command", [
    ["validate", "policies/", "--strict"],
    ["test", "policies/"],
    ["clauses", "policies/", "--strict", "--format", "text"],
    ["render", "policies/after-sales", "--format", "html"],
    ["profiles", "show", "cn-helpdesk"],
    ["schema"],
])
def test_the_installed_command_works_outside_the_checkout(installed: Path, outside: Path, command: list[str]) -> None:
    ran = run(installed / "slapolicy", *command, cwd=outside, env=venv_env(installed))
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    assert ran.stdout


def test_the_installed_command_finds_a_broken_policy(installed: Path, outside: Path) -> None:
    policy = next((outside / "policies" / "after-sales").glob("*.yaml"))
    policy.write_text(policy.read_text(encoding="utf-8").replace("timezone:", "timezone_typo:", 1), encoding="utf-8")
    ran = run(installed / "slapolicy", "validate", "policies/", cwd=outside, env=venv_env(installed))
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert f"{policy.relative_to(outside)}:" in ran.stdout + ran.stderr
