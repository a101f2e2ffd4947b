from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from slapolicy.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


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
