from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from slapolicy.build import compiled_modules
from slapolicy.cli import main
from slapolicy.i18n import set_language

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
# a test that watches the replay from inside, by replacing a method of its classes: compiled code (setup.py,
# SLAPOLICY_USE_MYPYC=1) calls its own methods directly and never sees the replacement. The pure build runs such a
# test (CI runs both builds); the compiled one is held to the pure one's output byte for byte (.ci/same_bytes.py)
PURE_ONLY = pytest.mark.skipif(bool(compiled_modules()), reason="replaces a method the compiled build calls directly")

# English golden files whatever the developer's locale (C names no language; SLAPOLICY_LANG=en keeps the
# shipped Chinese policies from speaking their declared language); tests of another language set LANG themselves
for _name in ("LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"
os.environ["SLAPOLICY_LANG"] = "en"


@pytest.fixture(autouse=True)
def _english() -> None:
    """Each test starts in English: a command run in Chinese does not leak into the next test."""
    set_language("en")


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root so paths in diagnostics are the short relative ones."""
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.fixture
def run_cli(in_root: Path) -> Callable[..., Result]:
    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    return run


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite the golden files (tests/golden/*, tests/fixtures/**/*.expected) from the current "
                          "output instead of comparing; review the diff before committing.")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[Path, str], None]:
    """Compare text with a golden file, or rewrite it under --update-golden."""
    update = request.config.getoption("--update-golden")

    def check(path: Path, actual: str) -> None:
        if update:
            path.write_text(actual, encoding="utf-8")
            return
        assert actual == path.read_text(encoding="utf-8"), f"{path} differs (regenerate with pytest --update-golden)"

    return check


def pretty_json(value: object) -> str:
    """The text a JSON golden file holds: indented, keys in their order, non-ASCII as is."""
    import json

    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def run(*command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A program run to its end, its output kept as text."""
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@dataclass(frozen=True)
class Dist:
    sdist: Path
    wheel: Path


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """The sdist and the wheel `python -m build` makes of the checkout (the wheel from the sdist), once
    per run. build's isolated environment installs setuptools from the package index (reachable in CI)."""
    out = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "build", "--outdir", out, ROOT)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert "deprecated" not in built.stdout + built.stderr, "setuptools warns about the project's metadata"
    (sdist,), (wheel,) = out.glob("*.tar.gz"), out.glob("*.whl")
    return Dist(sdist, wheel)


def fresh_venv(folder: Path) -> Path:
    """A new virtual environment with pip and without slapolicy, which finds slapolicy's dependencies
    in this environment's site-packages (a .pth file: after its own, so what is installed in it comes
    first); its bin/ folder. Installing a wheel into it then needs no package index."""
    import sysconfig

    created = run(sys.executable, "-m", "venv", folder)
    assert created.returncode == 0, created.stderr
    python = folder / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    return folder / "bin"


def venv_env(bin_dir: Path) -> dict[str, str]:
    """The environment of a shell in which `python`, `pip` and `slapolicy` are those of bin_dir,
    outside GitHub Actions (so slapolicy's output is text)."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "GITHUB_ACTIONS")}
    return env | {"PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", "VIRTUAL_ENV": str(bin_dir.parent)}
