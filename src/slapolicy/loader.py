"""Read YAML safely into plain data, remembering where every key and value came from.

The resolver follows YAML 1.2's core schema, not PyYAML's YAML 1.1 default: `NO`
(Norway) stays a string, `13:30` is not the sexagesimal number 810 and dates stay
text until the model reads them. Only plain data tags are accepted.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from yaml._yaml import CParser  # libyaml, shipped in PyYAML wheels
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from .diagnostics import Diagnostic, InputError

MAX_BYTES = 5 * 1024 * 1024
MAX_NODES = 1_000_000  # values in a document (5 MiB of plain YAML holds fewer)
MAX_ALIASED = 100_000  # values built again through aliases: what an alias bomb multiplies
MAX_DEPTH = 200
# characters a YAML stream may not hold (PyYAML's reader refuses exactly these)
_FORBIDDEN = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

JsonPath = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_ALLOWED_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ}


# YAML 1.2 core schema: the plain scalars that are not text, tried in this order
_IMPLICIT = re.compile(
    r"(?P<bool>true|True|TRUE|false|False|FALSE)"
    r"|(?P<int>[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)"
    r"|(?P<float>[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))"
    r"|(?P<null>~|null|Null|NULL|)"
    r"|(?P<merge><<)"
)
_IMPLICIT_TAGS = {"bool": _BOOL, "int": _INT, "float": _FLOAT, "null": _NULL, "merge": _MERGE}


class _CoreResolver(BaseResolver):
    """One anchored regular expression per plain scalar (PyYAML's resolver loops in Python)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                m = _IMPLICIT.fullmatch(value)
                if m is not None and m.lastgroup is not None:
                    return _IMPLICIT_TAGS[m.lastgroup]
            return _STR
        return _SEQ if kind is SequenceNode else _MAP


def _scalar(tag: str, value: str) -> Any:
    """The value of a plain scalar the resolver typed (core schema)."""
    if tag == _BOOL:
        return value in ("true", "True", "TRUE")
    if tag == _NULL:
        return None
    if tag == _INT:
        if value.startswith(("0o", "0x")):
            return int(value[2:], 8 if value[1] == "o" else 16)
        return int(value)
    lowered = value.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    return float(value)


class _Loader(CParser, _CoreResolver):
    """libyaml's parser and composer (C, ten times faster than PyYAML's own), YAML 1.2 core resolution."""

    def __init__(self, text: str) -> None:
        CParser.__init__(self, text)
        _CoreResolver.__init__(self)


class Mark(NamedTuple):
    line: int
    column: int


@dataclass
class Document:
    """Plain data (dicts, lists, str, int, float, bool, None) plus source positions."""

    path: str
    data: Any
    marks: dict[JsonPath, Mark] = field(default_factory=dict)
    key_marks: dict[JsonPath, Mark] = field(default_factory=dict)
    raw: dict[JsonPath, str] = field(default_factory=dict)  # the source text of top-level scalars

    def locate(self, path: JsonPath, key: bool = False) -> Mark:
        """Position of a value (or of its key), else of its nearest located ancestor."""
        p = tuple(path)
        if key and p in self.key_marks:
            return self.key_marks[p]
        while p:
            if p in self.marks:
                return self.marks[p]
            p = p[:-1]
        return self.marks.get((), Mark(1, 1))

    def diagnostic(
        self, path: JsonPath, code: str, message: str, key: bool = False
    ) -> Diagnostic:
        """A diagnostic at the value (or key) `path`, at its code's registered severity."""
        mark = self.locate(path, key=key)
        return Diagnostic.of(self.path, mark.line, mark.column, code, message, json_path(path))


def json_path(path: JsonPath) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _mark(node: Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, loader: _Loader, display: str) -> None:
        self.loader = loader
        self.doc = Document(display, None)
        self.count = 0
        self.aliased = 0
        self.seen: set[int] = set()
        self.errors: list[Diagnostic] = []

    def error(self, node: Node, code: str, message: str, path: JsonPath) -> None:
        m = _mark(node)
        self.errors.append(Diagnostic.of(self.doc.path, m.line, m.column, code, message, json_path(path)))

    def build(self, node: Node, path: JsonPath, depth: int = 0) -> Any:
        self.count += 1
        if id(node) in self.seen:
            self.aliased += 1
        else:
            self.seen.add(id(node))
        if self.aliased > MAX_ALIASED or self.count > MAX_NODES:
            raise InputError(
                Diagnostic.of(self.doc.path, *_pos(node), "SLA009",
                              f"the document expands to more than {MAX_ALIASED if self.aliased > MAX_ALIASED else MAX_NODES} "
                              "values (aliases that repeat aliases?); write it out without nested anchors")
            )
        if depth > MAX_DEPTH:
            raise InputError(
                Diagnostic.of(self.doc.path, *_pos(node), "SLA009",
                              f"values are nested more than {MAX_DEPTH} levels deep")
            )
        self.doc.marks.setdefault(path, _mark(node))
        if node.tag not in _ALLOWED_TAGS and node.tag != _MERGE:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.error(node, "SLA008", f"tag '{tag}' is not allowed; policies hold plain data only", path)
            return None
        if isinstance(node, ScalarNode):
            if len(path) == 1:  # top-level scalars keep their text (`version: 2025.10` is not the number 2025.1)
                self.doc.raw.setdefault(path, node.value)
            if node.tag == _STR:
                return node.value
            return _scalar(node.tag, node.value)
        if isinstance(node, SequenceNode):
            return [self.build(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
        assert isinstance(node, MappingNode)
        result: dict[str, Any] = {}
        first_seen: dict[str, Mark] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self.error(key_node, "SLA008", "merge keys ('<<') are not supported; write the keys out", path)
                continue
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, "SLA004", "a key must be plain text, not a list or mapping", path)
                continue
            key = key_node.value
            key_path = path + (key,)
            if key in first_seen:
                first = first_seen[key]
                self.error(
                    key_node, "SLA005",
                    f"duplicate key '{key}' (first defined at line {first.line}); YAML would silently keep only the last one",
                    key_path,
                )
                continue
            first_seen[key] = _mark(key_node)
            self.doc.key_marks[key_path] = _mark(key_node)
            result[key] = self.build(value_node, key_path, depth + 1)
        return result


def _pos(node: Node) -> tuple[int, int]:
    m = _mark(node)
    return m.line, m.column


def _decode(raw: bytes, display: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputError(
            Diagnostic.of(display, line, column, "SLA002",
                       f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02X}); save it as UTF-8")
        ) from None


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, display: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        message = "a tab character is used for indentation; YAML allows only spaces"
    else:
        parts = [p for p in (exc.context, exc.problem) if p]
        message = "YAML syntax error: " + ", ".join(parts)
    return Diagnostic.of(display, line, column, "SLA004", message)


def load_text(text: str, display: str) -> tuple[Document, list[Diagnostic]]:
    """Parse YAML text; raise InputError when nothing usable results."""
    bad = _FORBIDDEN.search(text)
    if bad is not None:  # found before the parser, which would stop with a message about its own internals
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise InputError(Diagnostic.of(display, line, column, "SLA004",
                                       f"the control character U+{ord(bad.group()):04X} is not allowed in YAML; remove it"))
    loader = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            if "maximum nesting depth" in str(exc.problem):
                mark = exc.problem_mark
                raise InputError(Diagnostic.of(display, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1, "SLA009",
                                               f"values are nested more than {MAX_DEPTH} levels deep")) from None
            raise InputError(_syntax_error(exc, text, display)) from None
        except yaml.YAMLError as exc:  # anything else the parser refuses: one positioned line, never a traceback
            raise InputError(Diagnostic.of(display, 1, 1, "SLA004", f"YAML syntax error: {exc}")) from None
        except RecursionError:
            raise InputError(
                Diagnostic.of(display, 1, 1, "SLA009", "values are nested too deeply to read")
            ) from None
        if root is None:
            raise InputError(Diagnostic.of(display, 1, 1, "SLA006", "the file is empty"))
        builder = _Builder(loader, display)
        builder.doc.data = builder.build(root, ())
        return builder.doc, builder.errors
    finally:
        loader.dispose()


def load_file(path: str | Path, max_bytes: int = MAX_BYTES) -> tuple[Document, list[Diagnostic]]:
    """Read and parse one file; raise InputError for unreadable, oversized or broken input."""
    display = str(path)
    p = Path(path)
    try:
        info = p.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError(Diagnostic.of(display, 0, 0, "SLA001", "not a regular file; slapolicy reads only regular files"))
        size = info.st_size
        if size > max_bytes:
            raise InputError(
                Diagnostic.of(display, 1, 1, "SLA003",
                           f"the file is {size:,} bytes; files larger than {max_bytes // (1024 * 1024)} MiB are refused")
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(
            Diagnostic.of(display, 0, 0, "SLA001", f"cannot read the file: {exc.strerror or exc}")
        ) from None
    return load_text(_decode(raw, display), display)
