"""Read YAML safely into plain data, remembering where every key and value came from.

The text is parsed by `syntax` (YAML 1.2 core schema); only plain data tags are accepted,
and the size, alias and depth limits hold against hostile input.
"""

from __future__ import annotations

import dataclasses
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..diagnostics.record import Diagnostic, InputError
from ..i18n import N_, Message
from .syntax import ALLOWED_TAGS, MERGE, STR, Parser, full_width, scalar, syntax_error

MAX_BYTES = 5 * 1024 * 1024
MAX_NODES = 1_000_000  # values in a document (5 MiB of plain YAML holds fewer)
MAX_ALIASED = 100_000  # values built again through aliases: what an alias bomb multiplies
MAX_DEPTH = 200
# characters a YAML stream may not hold (PyYAML's reader refuses exactly these)
_FORBIDDEN = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Source:
    """Where a rule was written: reports, tests and `--explain` point here (the model's objects keep one)."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


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
    def __init__(self, loader: Parser, display: str, text: str) -> None:
        self.loader = loader
        self.text = text
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
                              Message(N_("the document expands to more than {count} values (aliases that repeat aliases?); "
                                         "write it out without nested anchors"),
                                      count=MAX_ALIASED if self.aliased > MAX_ALIASED else MAX_NODES))
            )
        if depth > MAX_DEPTH:
            raise InputError(
                Diagnostic.of(self.doc.path, *_pos(node), "SLA009",
                              Message(N_("values are nested more than {depth} levels deep"), depth=MAX_DEPTH))
            )
        self.doc.marks.setdefault(path, _mark(node))
        if node.tag not in ALLOWED_TAGS and node.tag != MERGE:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.error(node, "SLA008", Message(N_("tag '{tag}' is not allowed; policies hold plain data only"), tag=tag), path)
            return None
        if isinstance(node, ScalarNode):
            if len(path) == 1:  # top-level scalars keep their text (`version: 2025.10` is not the number 2025.1)
                self.doc.raw.setdefault(path, node.value)
            if node.tag == STR:
                return node.value
            return scalar(node.tag, node.value)
        if isinstance(node, SequenceNode):
            return [self.build(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
        assert isinstance(node, MappingNode)
        result: dict[str, Any] = {}
        first_seen: dict[str, Mark] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE:
                self.error(key_node, "SLA008", Message(N_("merge keys ('<<') are not supported; write the keys out")), path)
                continue
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, "SLA004", Message(N_("a key must be plain text, not a list or mapping")), path)
                continue
            key = key_node.value
            key_path = path + (key,)
            if not key_node.style and ("：" in key or key.startswith("　")):  # `tiers： x` is one key "tiers： x", never meant
                line = key_node.start_mark.line
                found = full_width(self.text.split("\n", line + 1)[line], line + 1, self.doc.path)
                if found is not None:
                    self.errors.append(dataclasses.replace(found, json_path=json_path(key_path)))
                    continue
            if key in first_seen:
                first = first_seen[key]
                self.error(
                    key_node, "SLA005",
                    Message(N_("duplicate key '{key}' (first defined at line {line}); YAML would silently keep only the last one"),
                            key=key, line=first.line),
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
                       Message(N_("the file is not UTF-8 text (byte {byte}); save it as UTF-8"), byte=f"0x{raw[exc.start]:02X}"))
        ) from None



def load_text(text: str, display: str) -> tuple[Document, list[Diagnostic]]:
    """Parse YAML text; raise InputError when nothing usable results."""
    bad = _FORBIDDEN.search(text)
    if bad is not None:  # found before the parser, which would stop with a message about its own internals
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise InputError(Diagnostic.of(display, line, column, "SLA004",
                                       Message(N_("the control character {char} is not allowed in YAML; remove it"),
                                               char=f"U+{ord(bad.group()):04X}")))
    loader = Parser(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            if "maximum nesting depth" in str(exc.problem):
                mark = exc.problem_mark
                raise InputError(Diagnostic.of(display, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1, "SLA009",
                                               Message(N_("values are nested more than {depth} levels deep"), depth=MAX_DEPTH))) from None
            raise InputError(syntax_error(exc, text, display)) from None
        except yaml.YAMLError as exc:  # anything else the parser refuses: one positioned line, never a traceback
            raise InputError(Diagnostic.of(display, 1, 1, "SLA004", Message(N_("this is not valid YAML ({reason}); check the "
                                                                              "indentation and the punctuation"), reason=exc))) from None
        except RecursionError:
            raise InputError(
                Diagnostic.of(display, 1, 1, "SLA009", Message(N_("values are nested too deeply to read")))
            ) from None
        if root is None:
            raise InputError(Diagnostic.of(display, 1, 1, "SLA006", Message(N_("the file is empty"))))
        builder = _Builder(loader, display, text)
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
            raise InputError(Diagnostic.of(display, 0, 0, "SLA001", Message(N_("not a regular file; slapolicy reads only regular files"))))
        size = info.st_size
        if size > max_bytes:
            raise InputError(
                Diagnostic.of(display, 1, 1, "SLA003",
                           Message(N_("the file is {size} bytes; files larger than {limit} MiB are refused"), size=f"{size:,}",
                                   limit=max_bytes // (1024 * 1024)))
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(
            Diagnostic.of(display, 0, 0, "SLA001", Message(N_("cannot read the file: {reason}"), reason=exc.strerror or exc))
        ) from None
    return load_text(_decode(raw, display), display)
