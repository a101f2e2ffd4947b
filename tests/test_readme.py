"""The README is executable: every command block runs, in order, against the shipped files.

Conventions (a reader sees ordinary Markdown):
- a ```sh block is run line by line (a trailing `\\` joins lines) with bash, from a scratch
  folder that holds the shipped policies/, examples/, regulation/ … and `.venv`; files a
  command writes (history.jsonl, report.xml …) stay in that folder, so later blocks read
  them. A command must exit 0 unless its comment says `# exits N`.
- a ```console block is a transcript: each `$ command` runs and must print the lines that
  follow it (stdout and stderr together; an annotation after two spaces and `#` is not
  part of the output).
- a ```sh no-run block is not run: benchmarks and fuzz runs of many minutes.
- set-up commands of the first block (`python3 -m venv`, `pip install`, the test command)
  are what `.ci/run` does itself; the test checks that `.ci/run` does exactly that.
- a ```yaml block that is a whole policy (`policy:` and `version:`) must validate without
  errors, and one that is a whole test file (`cases:`) must pass against the shipped policies.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SHIPPED = ("policies", "examples", "regulation", "schema", "benchmarks", "src", "tests", "pyproject.toml")
SETUP = ("python3 -m venv ", ".venv/bin/pip install ")
TEST_COMMAND = ".venv/bin/python -m pytest"
EXPECTED_EXIT = re.compile(r"#.*\bexits (\d)\b")
ANNOTATION = re.compile(r"\s{2,}#\s.*$")


@dataclass(frozen=True)
class Block:
    line: int  # of the first line inside the fence
    info: str  # the fence's info string: "sh", "sh no-run", "console", "yaml" …
    text: str


def blocks() -> list[Block]:
    found: list[Block] = []
    info: str | None = None
    start, body = 0, []
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            if info is None:
                info, start, body = line[3:].strip(), number + 1, []
            else:
                found.append(Block(start, info, "\n".join(body) + "\n"))
                info = None
        elif info is not None:
            body.append(line)
    assert info is None, "README.md ends inside a code block"
    return found


def commands(block: Block) -> list[tuple[int, str]]:
    """The commands of a sh block, with their README line; continuation lines joined."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    first = 0
    for offset, line in enumerate(block.text.splitlines()):
        if not pending:
            first = block.line + offset
            if not line.strip() or line.lstrip().startswith("#"):
                continue
        pending.append(line.rstrip().removesuffix("\\"))
        if not line.rstrip().endswith("\\"):
            out.append((first, " ".join(part.strip() for part in pending)))
            pending = []
    return out


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    here = tmp_path_factory.mktemp("readme")
    for name in SHIPPED:
        (here / name).symlink_to(ROOT / name)
    (here / ".venv").symlink_to(Path(sys.prefix))
    return here


def run(command: str, where: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "COLUMNS": "100", "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run(["bash", "-c", command], cwd=where, env=env, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)


def test_setup_commands_are_what_ci_runs() -> None:
    """The first block installs as `.ci/run` installs, and its test command is the one CI runs."""
    first = blocks()[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [c for _, c in commands(first)]
    assert len(lines) == 2, "the README starts with two commands: set-up + main job, and the tests"
    for part in lines[0].split(" && "):
        if part.startswith(SETUP):
            assert part.replace("install -e", "install -q -e") in ci or part in ci, f"{part!r} is not what .ci/run does"
    assert lines[1] == TEST_COMMAND and f"{TEST_COMMAND} -q" in ci


def test_every_command_block_runs_in_order(scratch: Path) -> None:
    ran = 0
    for block in blocks():
        language, *flags = block.info.split() or [""]
        if language == "sh" and "no-run" not in flags:
            for line, command in commands(block):
                if command.startswith(SETUP) or command == TEST_COMMAND:
                    continue
                command = " && ".join(p for p in command.split(" && ") if not p.startswith(SETUP))
                result = run(command, scratch)
                wanted = EXPECTED_EXIT.search(command)
                expected = int(wanted.group(1)) if wanted else 0
                assert result.returncode == expected, (
                    f"README.md:{line}: `{command}` exited {result.returncode}, not {expected}\n{result.stderr[-2000:]}")
                ran += 1
        elif language == "console":
            ran += _transcript(block, scratch)
    assert ran >= 20


def _transcript(block: Block, scratch: Path) -> int:
    steps: list[tuple[int, str, list[str]]] = []
    for offset, line in enumerate(block.text.splitlines()):
        if line.startswith("$ "):
            steps.append((block.line + offset, line[2:], []))
        else:
            assert steps, f"README.md:{block.line + offset}: a console block starts with `$ command`"
            steps[-1][2].append(ANNOTATION.sub("", line).rstrip())
    for line, command, expected in steps:
        result = run(command, scratch)
        wanted = EXPECTED_EXIT.search(command)
        assert result.returncode == (int(wanted.group(1)) if wanted else 0), f"README.md:{line}: `{command}`\n{result.stderr}"
        shown = [x.rstrip() for x in (result.stderr + result.stdout).splitlines()]
        assert shown == expected, f"README.md:{line}: `{command}` printed\n" + "\n".join(shown)
    return len(steps)


def _parsed(block: Block) -> object:
    try:
        return yaml.safe_load(block.text)
    except yaml.YAMLError as exc:
        return exc


def test_yaml_blocks_are_yaml() -> None:
    """A sketch of the grammar is fenced as text, so a reader never copies YAML that is not YAML."""
    broken = [f"README.md:{b.line}: {str(_parsed(b)).splitlines()[0]}" for b in blocks()
              if b.info == "yaml" and isinstance(_parsed(b), yaml.YAMLError)]
    assert broken == []


def _yaml_blocks(kind: str) -> list[Block]:
    out = []
    for block in blocks():
        if block.info != "yaml":
            continue
        data = _parsed(block)
        if not isinstance(data, dict) or "policy" not in data:
            continue
        if kind == "tests" and "cases" in data or kind == "policy" and "version" in data:
            out.append(block)
    return out


@pytest.mark.parametrize("block", _yaml_blocks("policy"), ids=lambda b: f"README.md:{b.line}")
def test_policy_examples_validate(block: Block, tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(block.text, encoding="utf-8")
    result = run(f"slapolicy validate {shlex.quote(str(path))}", ROOT)
    assert result.returncode == 0 and " 0 errors" in result.stdout, result.stdout


@pytest.mark.parametrize("block", _yaml_blocks("tests"), ids=lambda b: f"README.md:{b.line}")
def test_test_file_examples_pass(block: Block, tmp_path: Path) -> None:
    """A test file shown in the README passes against the shipped policy, placed beside it."""
    for name in ("policies", "regulation"):
        shutil.copytree(ROOT / name, tmp_path / name)
    data = yaml.safe_load(block.text)
    target = tmp_path / "policies" / data["policy"] / "readme-example.test.yaml"
    target.write_text(block.text, encoding="utf-8")
    result = run(f"slapolicy test {shlex.quote(str(target))}", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(data['cases'])} passed, 0 failed" in result.stdout, result.stdout
