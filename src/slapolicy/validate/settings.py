"""What a team decides about the codes, applied in one place (`Settings.apply`) to every list
of diagnostics a command reports: inline `# slapolicy: ignore[SLA503]` comments in a policy
or test file, a `[tool.slapolicy]` section of pyproject.toml or a `.slapolicy.yaml` (the
nearest one walking up from the working directory), and `--ignore CODE`.

Only the findings of the semantic checks (and the checks across versions) can be silenced
or re-levelled: a load, schema or test-file error means the file was not checked at all,
and silencing it would pass a file nobody read.
"""

from __future__ import annotations

import bisect
import dataclasses
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..diagnostics import codes
from ..diagnostics.record import Diagnostic, InputError, Severity, did_you_mean
from ..policy.loader import load_file

CONFIG_FILES = (".slapolicy.yaml", "pyproject.toml")
_DIRECTIVE = re.compile(r"(?:^|(?<=\s))#\s*slapolicy\s*:(?P<rest>[^\n#]*)", re.MULTILINE)
_IGNORE = re.compile(r"\s*ignore\[(?P<codes>[^\]]*)\]")
HOW = "write `# slapolicy: ignore[SLA503]` (several codes: `ignore[SLA503, SLA408]`)"


class SettingsError(Exception):
    """A configuration or `--ignore` that cannot be used: one line, exit 2."""


def adjustable(code: str) -> bool:
    """Codes a team may silence or re-level: the findings of the semantic checks."""
    entry = codes.CODES.get(code)
    return entry is not None and (entry.stage in ("check", "versions") or code == "SLA901")


def check_code(code: str) -> str:
    """The registered code, or why it cannot be named in an ignore or a configuration."""
    try:
        entry = codes.get(code)
    except KeyError:
        known = [c for c in codes.CODES if adjustable(c)]
        raise SettingsError(f"unknown code '{code}'{did_you_mean(code.upper(), known)} "
                            "(`slapolicy checks` lists the codes that can be ignored)") from None
    if not adjustable(entry.code):
        why = {"ticket": "is about tickets, not policy files", "finding": "is about tickets, not policy files",
               "config": "reports an ignore comment that cannot work; fix the comment"}.get(
            entry.stage, "means the file could not be checked at all; fix the file instead")
        raise SettingsError(f"{entry.code} cannot be ignored or re-levelled: it {why}")
    return entry.code


@dataclass(frozen=True)
class _Directive:
    path: str
    line: int  # where the comment is
    column: int
    applies_to: int  # the line it silences
    codes: tuple[str, ...]
    until: int = 0  # on a line of its own: the last line of the block the next line starts

    def covers(self, line: int) -> bool:
        return self.applies_to <= line <= max(self.until, self.applies_to)

    def lines(self) -> str:
        return f"line {self.applies_to}" if self.until <= self.applies_to else f"lines {self.applies_to}–{self.until}"


@dataclass(frozen=True)
class Settings:
    """Codes disabled everywhere and codes given another severity."""

    disable: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)

    def ignoring(self, extra: Iterable[str]) -> Settings:
        """These settings with the `--ignore` codes disabled too (SettingsError for an unknown code)."""
        return dataclasses.replace(self, disable=self.disable | {check_code(c) for c in extra})

    def apply(self, diagnostics: Iterable[Diagnostic], files: Iterable[str]) -> list[Diagnostic]:
        """The diagnostics the user asked to see, at the severity they asked for; an inline ignore
        that silences nothing is itself reported (SLA901), one that names a code no ignore can
        take is an error (SLA902)."""
        diagnostics = list(diagnostics)
        directives, problems = _directives(files)
        by_path: dict[str, list[_Directive]] = {}
        for d in directives:
            by_path.setdefault(d.path, []).append(d)
        # a file that could not be checked (a load or schema error) has no stale ignores: its checks did not run
        unchecked = {d.path for d in diagnostics if d.severity is Severity.ERROR and not adjustable(d.code)}
        used: set[tuple[_Directive, str]] = {(d, code) for d in directives if d.path in unchecked for code in d.codes}
        kept: list[Diagnostic] = []
        for diag in diagnostics:
            hits = [d for d in by_path.get(diag.path, ()) if diag.code in d.codes and d.covers(diag.line)]
            used.update((d, diag.code) for d in hits)
            if not hits:
                kept.append(diag)
        kept += problems + [Diagnostic.of(d.path, d.line, d.column, "SLA901",
                                          f"the ignore comment for {code} silences nothing on {d.lines()}; remove it")
                            for d in directives for code in d.codes if (d, code) not in used]
        return sorted(self._level(d) for d in kept if d.code not in self.disable)

    def _level(self, diag: Diagnostic) -> Diagnostic:
        level = self.severity.get(diag.code)
        return diag if level is None or level is diag.severity else dataclasses.replace(diag, severity=level)


NO_SETTINGS = Settings()


def _directives(files: Iterable[str]) -> tuple[list[_Directive], list[Diagnostic]]:
    found: list[_Directive] = []
    problems: list[Diagnostic] = []
    for path in files:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue  # the file's own diagnostics say why it cannot be read
        if not _DIRECTIVE.search(text):
            continue
        inside = _scalar_spans(text)
        lines = text.split("\n")
        for match in _DIRECTIVE.finditer(text):
            if _within(inside, match.start()):
                continue
            line = text.count("\n", 0, match.start()) + 1
            start_of_line = text.rfind("\n", 0, match.start()) + 1
            column = match.start() - start_of_line + 1
            own_line = not text[start_of_line:match.start()].strip()
            ignore = _IGNORE.match(match["rest"])
            names = [c.strip() for c in ignore["codes"].split(",") if c.strip()] if ignore else []
            if not names:
                problems.append(Diagnostic.of(path, line, column, "SLA902", f"this comment names no code to ignore; {HOW}"))
                continue
            good = []
            for name in names:
                try:
                    good.append(check_code(name))
                except SettingsError as exc:
                    problems.append(Diagnostic.of(path, line, column, "SLA902", str(exc)))
            if good:
                found.append(_Directive(path, line, column, line + 1 if own_line else line, tuple(good),
                                        _block_end(lines, line + 1) if own_line else line))
    return found, problems


def _block_end(lines: list[str], first: int) -> int:
    """The last line of the block that line `first` (1-based) starts: the lines below it indented
    deeper than it (under a `key:`, also the items of a list written at the key's own indentation),
    up to its next sibling; blank and comment lines between are part of it. A line that starts no
    block ends where it starts."""
    if first > len(lines):
        return first
    head = lines[first - 1]
    indent = len(head) - len(head.lstrip(" "))
    text = head.strip()
    if not text or text.startswith("#"):
        return first
    opens_key = not _is_item(text) and re.sub(r"\s+#.*$", "", text).endswith(":")
    last = first
    for n in range(first, len(lines)):
        text = lines[n].strip()
        if not text or text.startswith("#"):
            continue
        deeper = len(lines[n]) - len(lines[n].lstrip(" "))
        if deeper > indent or (opens_key and deeper == indent and _is_item(text)):
            last = n + 1
            continue
        break
    return last


def _is_item(text: str) -> bool:
    return text == "-" or text.startswith("- ")


def _scalar_spans(text: str) -> list[tuple[int, int]]:
    """Where quoted and block scalars lie, so a `#` inside a value is not taken for a comment."""
    spans = []
    try:
        for token in yaml.scan(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(token, yaml.ScalarToken):
                spans.append((token.start_mark.index, token.end_mark.index))
    except yaml.YAMLError:
        pass  # a broken file: its comments are read up to where it breaks, the rest by the pattern alone
    return sorted(spans)


def _within(spans: list[tuple[int, int]], index: int) -> bool:
    i = bisect.bisect_right(spans, (index, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= index < spans[i][1]


# ---- the configuration file ------------------------------------------------------------------

def find_config(start: Path, relative: bool = False) -> Path | None:
    """The nearest `.slapolicy.yaml`, or pyproject.toml with a [tool.slapolicy] section, from
    `start` up to the root. A pyproject.toml that cannot be read and does not mention
    tool.slapolicy is another project's business, passed over like one without the section.
    `relative`: name a file in an error from the working directory, as the user sees it."""
    for folder in (start, *start.parents):
        yaml_file = folder / CONFIG_FILES[0]
        if yaml_file.is_file():
            return yaml_file
        toml_file = folder / CONFIG_FILES[1]
        shown = Path(os.path.relpath(toml_file)) if relative else toml_file
        if toml_file.is_file() and (doc := _toml(toml_file, shown)) is not None \
                and isinstance(tool := doc.get("tool"), dict) and "slapolicy" in tool:
            return toml_file
    return None


def load_settings(start: Path | None = None) -> Settings:
    """The settings of the nearest configuration file (none: nothing configured); SettingsError
    names file:line for anything that cannot be used."""
    found = find_config(start or Path.cwd(), relative=start is None)
    if found is None:
        return NO_SETTINGS
    path = found if start else Path(os.path.relpath(found))  # from the working directory: named as the user sees it
    if path.name == CONFIG_FILES[1]:
        parsed = _toml(path)
        if parsed is None:  # gone since find_config read it
            return NO_SETTINGS
        text = path.read_text(encoding="utf-8", errors="replace")
        section = parsed["tool"]["slapolicy"]
        return _settings(section, str(path), lambda keys, token: _toml_line(text, token), "[tool.slapolicy]")
    try:
        doc, problems = load_file(path)
    except InputError as exc:
        if exc.diagnostic.code == "SLA006":  # empty, or comments only: nothing configured
            return NO_SETTINGS
        raise SettingsError(exc.diagnostic.format()) from None
    if problems:
        raise SettingsError(problems[0].format())
    data = doc.data

    def where(keys: tuple[str | int, ...], token: str) -> tuple[int, int]:
        mark = doc.locate(keys, key=not keys or isinstance(keys[-1], str))
        return mark.line, mark.column

    return _settings(data, str(path), where, path.name)


_MENTION = re.compile(rb"""\btool\s*\.\s*["']?slapolicy\b""")
_TOML_AT = re.compile(r"\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)$")


def _toml(path: Path, shown: Path | None = None) -> dict[str, Any] | None:
    """The parsed file; None when it cannot be read or parsed and does not mention tool.slapolicy;
    SettingsError at file:line:column when it mentions the section but cannot be parsed."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None  # nothing to tell whether it holds slapolicy settings: not ours to complain about
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        if not _MENTION.search(raw):
            return None
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SettingsError(f"{shown or path}:{line}:{column}: the file is not UTF-8 text "
                            f"(byte 0x{raw[exc.start]:02X}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        if not _MENTION.search(raw):
            return None
        message = str(exc)
        at = _TOML_AT.search(message)
        where = f"{at['line']}:{at['column']}" if at else "1"
        what = message[:at.start()] if at else message
        raise SettingsError(f"{shown or path}:{where}: this is not valid TOML ({what}); correct the file "
                            "so that its [tool.slapolicy] section can be read") from None


_TOML_HEADER = re.compile(r"""\s*\[\[?\s*(?P<name>[^\[\]#]*?)\s*\]\]?\s*$""")


def _toml_line(text: str, token: str) -> tuple[int, int]:
    """Where `token` (a key or a code) first appears as a whole word, bare or quoted, in the
    [tool.slapolicy] tables, comments left out: tomllib keeps no positions."""
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines) if _ours(_toml_header(line))), 0)
    word = re.compile(r"(?<![\w-])([\"']?)" + re.escape(token) + r"\1(?![\w-])")
    inside = True
    for n in range(start, len(lines)):
        code = _toml_code(lines[n])
        if header := _toml_header(code):
            inside = _ours(header)
        if inside and (match := word.search(code)):
            return n + 1, match.start() + len(match[1]) + 1
    return start + 1, 1


def _ours(table: str) -> bool:
    return table == "tool.slapolicy" or table.startswith("tool.slapolicy.")


def _toml_header(line: str) -> str:
    """The table a `[table]` or `[[table]]` line opens ('' for any other line), quotes and spaces left out."""
    match = _TOML_HEADER.fullmatch(_toml_code(line))
    return re.sub(r"""[\s"']""", "", match["name"]) if match else ""


def _toml_code(line: str) -> str:
    """The line up to its comment: the first `#` outside a quoted string."""
    quote = ""
    escaped = False
    for i, char in enumerate(line):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:i]
    return line


Where = Callable[[tuple[str | int, ...], str], tuple[int, int]]


def _settings(data: object, path: str, where: Where, section: str) -> Settings:
    def error(message: str, keys: tuple[str | int, ...] = (), token: str = "[tool.slapolicy") -> SettingsError:
        line, column = where(keys, token)
        return SettingsError(f"{path}:{line}:{column}: {message}")

    example = "disable: [SLA408] and severity: {SLA503: error}" if section.endswith("yaml") else \
        'disable = ["SLA408"] and [tool.slapolicy.severity] SLA503 = "error"'
    if not isinstance(data, dict):
        raise error(f"{section} must be a mapping of settings; write {example}")
    for key in data:
        if key not in ("disable", "severity"):
            raise error(f"unknown setting '{key}' in {section}{did_you_mean(str(key), ['disable', 'severity'])}; "
                        f"write {example}", (str(key),), str(key))
    disable = data.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(c, str) for c in disable):
        raise error(f"'disable' is a list of codes; write {example}", ("disable",), "disable")
    levels = data.get("severity", {})
    if not isinstance(levels, dict):
        raise error(f"'severity' maps codes to error or warning; write {example}", ("severity",), "severity")
    off: set[str] = set()
    for n, code in enumerate(disable):
        try:
            off.add(check_code(code))
        except SettingsError as exc:
            raise error(str(exc), ("disable", n), code) from None
    severity: dict[str, Severity] = {}
    for code, level in levels.items():
        try:
            name = check_code(str(code))
        except SettingsError as exc:
            raise error(str(exc), ("severity", str(code)), str(code)) from None
        if level not in ("error", "warning"):
            raise error(f"the severity of {name} is 'error' or 'warning', not '{level}'", ("severity", str(code)), str(code))
        severity[name] = Severity(level)
    return Settings(frozenset(off), severity)
