"""Which build is installed (slapolicy.build): pure Python or compiled with mypyc (setup.py), said by
`slapolicy --version`; the suite runs on both builds (.ci/run), so each test holds for the one it runs on."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from slapolicy.build import COMPILED, compiled_modules, description, unlisted_modules


def test_every_module_the_compiled_build_lists_exists() -> None:
    assert len(set(COMPILED)) == len(COMPILED)
    for name in COMPILED:
        assert importlib.util.find_spec(name) is not None, name


def test_a_build_is_pure_or_compiled_whole() -> None:
    found = compiled_modules()
    assert found in ((), COMPILED)
    assert description() == ("pure Python" if not found else f"compiled with mypyc: {len(COMPILED)} of {len(COMPILED)} modules")


def test_version_names_the_build(run_cli: Callable[..., Result]) -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert re.fullmatch(r"slapolicy, version \S+ \((pure Python|compiled with mypyc: (\d+) of \2 modules)\)\n", result.output)


def test_an_extension_module_not_listed_is_named(tmp_path: Path) -> None:
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    (tmp_path / "sim").mkdir()
    for name in ("sim/machine", "sim/lanes", "stale"):
        (tmp_path / f"{name}{suffix}").touch()
    (tmp_path / "sim" / "lanes.py").touch()
    assert unlisted_modules(tmp_path) == ("slapolicy.sim.lanes", "slapolicy.stale")
    assert unlisted_modules() == ()  # the build under test has none
