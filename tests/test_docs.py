"""The documentation is executable: README.md and every page of the manual (docs/) run, in
order, against the shipped files, and the manual builds without a warning.

Which pages, in which order: README.md, README.zh-CN.md (the same commands; a test holds them
equal), then docs/index.md and the pages of its table of
contents, depth first in the order of its `{toctree}` directives, as Sphinx lists them; every
Markdown file under docs/ is one of them. The pages share one scratch folder, so a page may
read a file that an earlier page's commands wrote (html.md reads the history report.md
generates); the test of a page runs the pages before it first, so it passes alone too
(`pytest tests/test_docs.py -k html.md`).

Conventions (a reader sees ordinary Markdown):
- a ```sh block is run line by line (a trailing `\\` joins lines) with bash, from a scratch
  folder that holds the shipped policies/, examples/, regulation/ … and `.venv`; files a
  command writes (history.jsonl, report.xml …) stay in that folder, so later blocks read
  them. A command must exit 0 unless its comment says `# exits N`.
- a ```console block is a transcript: each `$ command` runs and must print the lines that
  follow it (stdout and stderr together; an annotation after two spaces and `#` is not
  part of the output).
- a ```sh no-run block is not run: benchmarks and fuzz runs of many minutes.
- set-up commands of the README's first block (`python3 -m venv`, `pip install`, the test
  command) are what `.ci/run` does itself; the test checks that `.ci/run` does exactly that.
- a ```yaml block that is a whole policy (`policy:` and `version:`) must validate without
  errors, and one that is a whole test file (`cases:`) must pass against the shipped policies.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
README_ZH = ROOT / "README.zh-CN.md"  # the same front page in Chinese: the same commands, run the same way
DOCS = ROOT / "docs"
SHIPPED = ("policies", "examples", "regulation", "schema", "benchmarks", "src", "tests", "templates", "pyproject.toml")
SETUP = ("python3 -m venv ", ".venv/bin/pip install ")
TEST_COMMAND = ".venv/bin/python -m pytest"
EXPECTED_EXIT = re.compile(r"#.*\bexits (\d)\b")
ANNOTATION = re.compile(r"\s{2,}#\s.*$")
TOCTREE = re.compile(r"^```\{toctree\}[^\n]*\n(.*?)^```", re.M | re.S)
# the commands the pages run (sh lines and console steps): a command taken out of the documentation
# lowers it on purpose (39 when README.md alone held the manual; 53 once the README's tour was added)
COMMANDS_AT_LEAST = 53


def toctree(page: Path) -> list[Path]:
    """The page and, depth first, the pages its `{toctree}` directives list, in their order."""
    order = [page]
    for body in TOCTREE.findall(page.read_text(encoding="utf-8")):
        for entry in body.splitlines():
            entry = entry.strip()
            if not entry or entry.startswith(":"):  # a blank line, or an option such as :caption:
                continue
            entry = re.sub(r"^.*<(.+)>$", r"\1", entry).removesuffix(".md")  # "Title <page>" names a page too
            order += toctree(page.parent / f"{entry}.md")
    return order


PAGES = [README, README_ZH, *toctree(DOCS / "index.md")]


def name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the first line inside the fence
    info: str  # the fence's info string: "sh", "sh no-run", "console", "yaml" …
    text: str

    def at(self, offset: int = 0) -> str:
        return f"{name(self.page)}:{self.line + offset}"


def blocks(page: Path) -> list[Block]:
    found: list[Block] = []
    info: str | None = None
    start, body = 0, []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            if info is None:
                info, start, body = line[3:].strip(), number + 1, []
            else:
                found.append(Block(page, start, info, "\n".join(body) + "\n"))
                info = None
        elif info is not None:
            body.append(line)
    assert info is None, f"{name(page)} ends inside a code block"
    return found


def all_blocks() -> list[Block]:
    return [block for page in PAGES for block in blocks(page)]


def commands(block: Block) -> list[tuple[int, str]]:
    """The commands of a sh block, with their line in the page; continuation lines joined."""
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


def steps(block: Block) -> list[tuple[int, str, int, list[str] | None]]:
    """What a block runs: (line, command, expected exit, expected output; None for a sh line)."""
    language, *flags = block.info.split() or [""]
    out: list[tuple[int, str, int, list[str] | None]] = []
    if language == "sh" and "no-run" not in flags:
        for line, command in commands(block):
            if command.startswith(SETUP) or command == TEST_COMMAND:
                continue
            command = " && ".join(p for p in command.split(" && ") if not p.startswith(SETUP))
            out.append((line, command, _expected_exit(command), None))
    elif language == "console":
        for offset, line in enumerate(block.text.splitlines()):
            if line.startswith("$ "):
                out.append((block.line + offset, line[2:], _expected_exit(line), []))
            else:
                expected = out[-1][3] if out else None
                assert expected is not None, f"{block.at(offset)}: a console block starts with `$ command`"
                expected.append(ANNOTATION.sub("", line).rstrip())
    return out


def _expected_exit(command: str) -> int:
    wanted = EXPECTED_EXIT.search(command)
    return int(wanted.group(1)) if wanted else 0


def run(command: str, where: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "COLUMNS": "100", "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run(["bash", "-c", command], cwd=where, env=env, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)


@dataclass
class Pages:
    """Runs the pages in order in one scratch folder, each once; what failed, per page."""
    scratch: Path
    failures: dict[Path, str | None] = field(default_factory=dict)

    def through(self, page: Path) -> str | None:
        for earlier in PAGES[:PAGES.index(page) + 1]:
            if earlier not in self.failures:
                self.failures[earlier] = self._run(earlier)
        return self.failures[page]

    def _run(self, page: Path) -> str | None:
        """The first command of the page that fails, if one does; the page stops there."""
        for block in blocks(page):
            for line, command, expected, output in steps(block):
                result = run(command, self.scratch)
                where = f"{name(page)}:{line}: `{command}`"
                if result.returncode != expected:
                    return f"{where} exited {result.returncode}, not {expected}\n{result.stderr[-2000:]}"
                if output is not None:
                    shown = [x.rstrip() for x in (result.stderr + result.stdout).splitlines()]
                    if shown != output:
                        return f"{where} printed\n" + "\n".join(shown)
        return None


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Pages:
    here = tmp_path_factory.mktemp("docs")
    for shipped in SHIPPED:
        (here / shipped).symlink_to(ROOT / shipped)
    (here / ".venv").symlink_to(Path(sys.prefix))
    return Pages(here)


def test_setup_commands_are_what_ci_runs() -> None:
    """The README's first block installs as `.ci/run` installs, and its test command is the one CI runs."""
    first = blocks(README)[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [c for _, c in commands(first)]
    assert len(lines) == 2, "the README starts with two commands: set-up + main job, and the tests"
    for part in lines[0].split(" && "):
        if part.startswith(SETUP):
            assert part.replace("install -e", "install -q -e") in ci or part in ci, f"{part!r} is not what .ci/run does"
    assert lines[1] == TEST_COMMAND and f"{TEST_COMMAND} -q" in ci


def _commands_shown(page: Path) -> list[tuple[str, list[tuple[str, int, list[str] | None]]]]:
    """Every command block of a page as what it runs: each command without its comment, its expected exit
    and, in a transcript, its output; a `no-run` block's commands too."""
    shown = []
    for block in blocks(page):
        language, *flags = block.info.split() or [""]
        if language == "console" or language == "sh" and "no-run" not in flags:
            ran = [(ANNOTATION.sub("", command), exit, output) for _, command, exit, output in steps(block)]
        elif language == "sh":
            ran = [(ANNOTATION.sub("", command), _expected_exit(command), None) for _, command in commands(block)]
        else:
            continue
        shown.append((block.info, ran))
    return shown


def test_the_chinese_readme_shows_the_same_commands() -> None:
    """README.zh-CN.md is README.md for Chinese readers: its command blocks, in order, are the same commands
    with the same exit codes and output (only the comments are translated), so the two cannot drift; each
    links to the other. test_every_command_block_runs_in_order runs both."""
    assert _commands_shown(README_ZH) == _commands_shown(README)
    assert "(README.zh-CN.md)" in README.read_text(encoding="utf-8")
    assert "(README.md)" in README_ZH.read_text(encoding="utf-8")


def test_every_page_is_in_the_table_of_contents() -> None:
    pages = {p for p in DOCS.rglob("*.md") if "_build" not in p.relative_to(DOCS).parts}
    assert pages - set(PAGES) == set(), "add them to a {toctree} (docs/index.md)"
    assert len(PAGES) == len(set(PAGES)), "a page is listed twice"


def test_no_command_is_lost() -> None:
    ran = sum(len(steps(block)) for block in all_blocks())
    assert ran >= COMMANDS_AT_LEAST, f"the pages run {ran} commands, fewer than {COMMANDS_AT_LEAST}"


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_every_command_block_runs_in_order(pages: Pages, page: Path) -> None:
    failure = pages.through(page)
    assert failure is None, failure


def _parsed(block: Block) -> object:
    try:
        return yaml.safe_load(block.text)
    except yaml.YAMLError as exc:
        return exc


def test_yaml_blocks_are_yaml() -> None:
    """A sketch of the grammar is fenced as text, so a reader never copies YAML that is not YAML."""
    broken = [f"{b.at()}: {str(_parsed(b)).splitlines()[0]}" for b in all_blocks()
              if b.info == "yaml" and isinstance(_parsed(b), yaml.YAMLError)]
    assert broken == []


def _yaml_blocks(kind: str) -> list[Block]:
    out = []
    for block in all_blocks():
        if block.info != "yaml":
            continue
        data = _parsed(block)
        if not isinstance(data, dict) or "policy" not in data:
            continue
        if kind == "tests" and "cases" in data or kind == "policy" and "version" in data:
            out.append(block)
    return out


@pytest.mark.parametrize("block", _yaml_blocks("policy"), ids=Block.at)
def test_policy_examples_validate(block: Block, tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(block.text, encoding="utf-8")
    result = run(f"slapolicy validate {shlex.quote(str(path))}", ROOT)
    assert result.returncode == 0 and " 0 errors" in result.stdout, result.stdout


@pytest.mark.parametrize("block", _yaml_blocks("tests"), ids=Block.at)
def test_test_file_examples_pass(block: Block, tmp_path: Path) -> None:
    """A test file shown in the documentation passes against the shipped policy, placed beside it."""
    for shipped in ("policies", "regulation"):
        shutil.copytree(ROOT / shipped, tmp_path / shipped)
    data = yaml.safe_load(block.text)
    target = tmp_path / "policies" / data["policy"] / "docs-example.test.yaml"
    target.write_text(block.text, encoding="utf-8")
    result = run(f"slapolicy test {shlex.quote(str(target))}", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(data['cases'])} passed, 0 failed" in result.stdout, result.stdout


def test_the_manual_builds_without_a_warning(tmp_path: Path) -> None:
    """`sphinx-build -W --keep-going -b html docs docs/_build/html`, into a scratch folder: a
    broken link or anchor, a page outside every toctree, a code block Pygments cannot lex …
    is an error."""
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                             "-d", str(tmp_path / "doctrees"), "docs", str(tmp_path / "html")],
                            cwd=ROOT, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "html" / "index.html").is_file()


def _docstring_paragraphs(package: Path) -> list[str]:
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8"))) or ""
    return [" ".join(p.split()) for p in docstring.split("\n\n") if p.strip()]


def test_every_package_is_on_the_architecture_page() -> None:
    """docs/architecture.md names every package of src/slapolicy, and gives each top-level one a
    section with the first paragraph of its `__init__` docstring (what it owns) and the last
    (what it may import), so the page cannot drift from the code."""
    page = (DOCS / "architecture.md").read_text(encoding="utf-8")
    sections = {m[0]: " ".join(m[1].split()) for m in re.findall(r"^## `(\w+)`\n(.*?)(?=^## |\Z)", page, re.M | re.S)}
    source = ROOT / "src" / "slapolicy"
    packages = sorted(p.parent.relative_to(source) for p in source.rglob("__init__.py") if p.parent != source)
    assert packages
    for package in packages:
        dotted = ".".join(package.parts)
        if len(package.parts) > 1:
            assert f"`{dotted}`" in page, f"docs/architecture.md does not name the package {dotted}"
            continue
        assert dotted in sections, f"docs/architecture.md has no section ## `{dotted}`"
        paragraphs = _docstring_paragraphs(source / package)
        for wanted in (paragraphs[0], paragraphs[-1]):
            assert wanted in sections[dotted], f"the section ## `{dotted}` of docs/architecture.md lacks:\n\n{wanted}"
        assert f"── {dotted}/" in page, f"the package tree of docs/architecture.md lacks {dotted}/"
    assert set(sections) == {p.parts[0] for p in packages}, "a section for a package that does not exist"
    tree = re.search(r"^```text\nsrc/slapolicy/\n.*?^```$", page, re.M | re.S)
    assert tree and tree[0] in README.read_text(encoding="utf-8"), "README.md's package tree differs from docs/architecture.md's"
