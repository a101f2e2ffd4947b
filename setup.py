"""The build: pure Python by default, as every installation of pyproject.toml's metadata is.

With SLAPOLICY_USE_MYPYC=1 in the environment the modules `slapolicy.build.COMPILED` names (the
replay's hot path) are compiled with mypyc into C extension modules. mypyc type-checks the package
with the libraries it imports, so the compiled build is made in an environment that already holds
them at their locked versions, without build isolation (a C compiler and Python's headers needed):

    .venv/bin/pip install -c constraints.txt '.[test]' 'setuptools>=77'
    SLAPOLICY_USE_MYPYC=1 .venv/bin/pip install --no-build-isolation --no-deps --force-reinstall .

It gives the same results byte for byte (CI compares the two builds) and replays about twice as
fast (docs/benchmark.md). `slapolicy --version` says which build is installed."""

import os
import shutil
import sys
from pathlib import Path

from setuptools import setup


def compiled_modules() -> list[object]:
    """The extension modules of the compiled build; none while only the package's metadata or its sdist is asked for
    (neither depends on them): mypyc runs once, for the build, into a fresh build/ (setuptools packs whatever an
    earlier build left there: a module no longer compiled would ship compiled still)."""
    if {"egg_info", "dist_info", "sdist"} & set(sys.argv[1:]):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        raise SystemExit("SLAPOLICY_USE_MYPYC=1 compiles with the environment's own mypy and libraries: install the project "
                         "first, then build with --no-build-isolation (setup.py says how)") from None
    shutil.rmtree(Path(__file__).parent / "build", ignore_errors=True)
    names: dict[str, object] = {}
    exec((Path(__file__).parent / "src" / "slapolicy" / "build.py").read_text(encoding="utf-8"), names)  # COMPILED; imports nothing
    return mypycify([f"src/{name.replace('.', '/')}.py" for name in names["COMPILED"]], opt_level="3")


setup(ext_modules=compiled_modules() if os.environ.get("SLAPOLICY_USE_MYPYC") == "1" else [])
