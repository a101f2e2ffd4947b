"""Read YAML safely into plain data, remembering where every key and value came from.

The resolver follows YAML 1.2's core schema, not PyYAML's YAML 1.1 default: `NO`
(Norway) stays a string, `13:30` is not the sexagesimal number 810 and dates stay
text until the model reads them. Only plain data tags are accepted.
"""

from __future__ import annotations

import dataclasses
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from yaml._yaml import CParser  # libyaml, shipped in PyYAML wheels
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from ..diagnostics.record import Diagnostic, InputError, shorten

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
    def __init__(self, loader: _Loader, display: str, text: str) -> None:
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
            if not key_node.style and ("：" in key or key.startswith("　")):  # `tiers： x` is one key "tiers： x", never meant
                line = key_node.start_mark.line
                found = _full_width(self.text.split("\n", line + 1)[line], line + 1, self.doc.path)
                if found is not None:
                    self.errors.append(dataclasses.replace(found, json_path=json_path(key_path)))
                    continue
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


# full-width punctuation a Chinese input method types where YAML needs ASCII
_FULL_WIDTH = {
    "：": ("colon", ":"), "，": ("comma", ","), "（": ("parenthesis", "("), "）": ("parenthesis", ")"),
    "【": ("bracket", "["), "】": ("bracket", "]"), "［": ("bracket", "["), "］": ("bracket", "]"),
    "｛": ("brace", "{"), "｝": ("brace", "}"), "“": ("quotation mark", '"'), "”": ("quotation mark", '"'),
    "　": ("space", " "), "－": ("hyphen", "-"), "％": ("percent sign", "%"),
}
_FULL_WIDTH_CHARS = re.compile("[" + "".join(_FULL_WIDTH) + "]")
_TO_ASCII = str.maketrans({k: v for k, (_, v) in _FULL_WIDTH.items()})


def full_width_note(text: str, fixed: Callable[[str], bool]) -> str:
    """`; '【' is a full-width (Chinese) bracket: write '['` when the text holds full-width
    punctuation and `fixed` accepts the text written with ASCII instead, else ''."""
    m = _FULL_WIDTH_CHARS.search(text)
    if m is None or not fixed(text.translate(_TO_ASCII)):
        return ""
    name, ascii_char = _FULL_WIDTH[m.group()]
    return f"; '{m.group()}' is a full-width (Chinese) {name}: write '{ascii_char}'"


_OPENING = "【［｛“（"  # full-width marks that open a collection or a quote where a value starts
_IN_FLOW = "，】］｝"  # marks that separate or close items inside [ ] or { }


def _culprits(line: str, strict: bool) -> list[int]:
    """Where on the line a full-width mark stands in YAML's place: a colon ending a key, a
    comma or closing bracket inside [ ] or { }, a bracket or quote opening a value, a space or
    dash in the indentation. Elsewhere such marks are text (a description in Chinese) and are
    left alone; `strict` (lines before the one the parser stopped at): only a colon after a key
    and the indentation, the marks a parser notices a line late."""
    code = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]
    found: list[int] = []
    depth, quote, segment = 0, "", 0  # open [ {, the quote we are in, where the current key may start
    for i, ch in enumerate(code):
        before = code[:i].rstrip()
        at_value = before == "" or before.endswith((":", "-", "[", "{", ","))
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"" and at_value:
            quote = ch
        elif ch in "[{" and at_value:
            depth, segment = depth + 1, i + 1
        elif ch in "]}" and depth:
            depth -= 1
        elif ch == "," and depth:
            segment = i + 1
        elif ((ch == "：" and ": " not in code[segment:i] + " " and code[segment:i].strip(" -"))  # after a key
              or (ch in "　－" and before.lstrip("- ") == "")  # indentation, a list dash
              or (not strict and ((ch in _IN_FLOW and depth > 0) or (ch in _OPENING and at_value)))):
            found.append(i)
    return found


def _fixed(line: str, where: list[int]) -> str:
    """The line with the full-width marks at `where` written in ASCII (a colon followed by a space)."""
    chars = list(line)
    for i in where:
        chars[i] = _FULL_WIDTH[line[i]][1] + (" " if line[i] == "：" and line[i + 1:i + 2] not in (" ", "") else "")
    return "".join(chars)


_TRIED = 20  # lines above the error whose full-width marks are tried as its cause (a parse each)


def _gets_further(lines: list[str], number: int, line: str, stopped: Mark) -> bool:
    """Whether the parser gets past the place it `stopped` at (1-based) once the full-width marks of line
    `number` that may stand in YAML's place are written in ASCII: only then are they the cause. A colon in
    Chinese text further up (a continuation line, a list item's text) is not; writing it in ASCII would
    break that text."""
    text = "\n".join([*lines[:number - 1], _fixed(line, _culprits(line, strict=True)), *lines[number:]])
    loader = _Loader(text)
    try:
        while loader.check_event():
            start = getattr(loader.get_event(), "start_mark", None)
            if start is not None and (start.line + 1, start.column + 1) > stopped:
                return True
        return True
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return mark is not None and (mark.line + 1, mark.column + 1) > stopped
    except yaml.YAMLError:
        return False
    finally:
        loader.dispose()


def _full_width(line: str, number: int, display: str, strict: bool = False) -> Diagnostic | None:
    """The first full-width mark on a line that stands in YAML's place, named, with the line fixed."""
    where = _culprits(line, strict)
    if not where:
        return None
    mark = line[where[0]]
    name, ascii_char = _FULL_WIDTH[mark]
    fixed = shorten(_fixed(line, where).strip())
    if name == "parenthesis":
        return Diagnostic.of(display, number, where[0] + 1, "SLA004",
                             f"'{mark}' is a full-width (Chinese) parenthesis where a value starts; YAML writes a mapping "
                             "in { }, a list in [ ], and text that starts with a parenthesis in quotes")
    return Diagnostic.of(
        display, number, where[0] + 1, "SLA004",
        f"'{mark}' is a full-width (Chinese) {name}; YAML needs the plain '{ascii_char}'"
        f"{' followed by a space' if ascii_char == ':' else ''} (switch the input method to English): {fixed}")


# parser complaints that need no context to say in plain words
_PLAIN_WORDS = {
    "found undefined alias": "a value starting with '*' names an anchor ('&name') defined nowhere above; "
                             "put the value in quotes, or write it out",
    "found character that cannot start any token": "this character cannot start a value in YAML ('@', '`', '%' …); "
                                                   "put the value in quotes, e.g. note: \"@home\"",
    "block sequence entries are not allowed in this context": "a list item ('- ') cannot follow a value on the same key; "
                                                              "end the key with ':' and put each item on its own line",
    "did not find expected node content": "a value is missing inside [ ] or { } (two commas in a row, or a comma before "
                                          "the closing bracket?)",
    "did not find expected comment or line break": "after '|' or '>' nothing may follow on the line; start the text on the "
                                                   "next line, indented",
    "did not find expected <document start>": "this line does not fit the document: a line less indented than the keys "
                                              "above it, or text after a value that ended; check its indentation and "
                                              "write it as 'name: value'",
}
_NO_SPACE = re.compile(r"(?<=[^\s:]):(?=[^\s:/])")  # `policy:x`, not `http://` or `13:30`
_SPACELESS_KEY = re.compile(r" *(?:- )?[A-Za-z_][A-Za-z0-9_-]*:[^\s:/]")  # a line `effective_until:2025-12-31`


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_indent(line: str) -> int:
    """Where the keys of the line's mapping start (after `- ` on a list item)."""
    return _indent(line) + (2 if line.lstrip(" ").startswith("- ") else 0)


def _spaces(n: int) -> str:
    return f"{n} space" if n == 1 else f"{n} spaces"


def _explain(context: str, problem: str, lines: list[str], p_line: int, c_line: int, c_col: int) -> tuple[int, int, str] | None:
    """A parser error in plain words, at the place a person must change (1-based line, column)."""
    at = lines[p_line - 1] if 0 < p_line <= len(lines) else ""
    opened = lines[c_line - 1].strip() if 0 < c_line <= len(lines) else ""
    if problem == "could not find expected ':'":
        text = shorten(lines[c_line - 1].strip()) if 0 < c_line <= len(lines) else ""
        spaceless = _SPACELESS_KEY.match(lines[c_line - 1]) if 0 < c_line <= len(lines) else None
        if spaceless is not None:  # `effective_until:2025-12-31`: a key, its value and no space between
            fixed = shorten(_NO_SPACE.sub(": ", lines[c_line - 1].strip(), count=1))
            return c_line, _indent(lines[c_line - 1]) + 1, f"put a space after the colon: '{fixed}'"
        return c_line, c_col, (f"'{text}' has no colon: write a key as 'name: value' (a colon and a space after the key), "
                               f"or a list item as '- {text}'")
    if problem == "mapping values are not allowed in this context":
        before = next((n for n in range(p_line - 1, 0, -1) if lines[n - 1].strip() and not lines[n - 1].lstrip().startswith("#")), 0)
        prev = lines[before - 1] if before else ""
        if before and _NO_SPACE.search(prev) and ": " not in prev.split("#")[0] + " ":
            fixed = shorten(_NO_SPACE.sub(": ", prev.strip(), count=1))
            return before, _indent(prev) + 1, f"put a space after the colon: '{fixed}'"
        holds_value = not re.search(r"(?:^|:|-)\s*[|>]?[-+]?$", prev.split(" #")[0].rstrip())  # not `key:`, `- `, `key: |`
        if before and before != p_line and holds_value and _indent(at) > _key_indent(prev):
            return p_line, _indent(at) + 1, (
                f"this line is indented more than line {before} ('{shorten(prev.strip())}'), so YAML reads it as the rest of "
                f"that value; indent it {_spaces(_key_indent(prev))} like the key on line {before} if it is a key of its own")
        key, _, value = at.strip().partition(": ")
        if ": " not in value and not value.endswith(":"):
            return p_line, _indent(at) + 1, ("YAML reads this line as part of a value above it: check the indentation of "
                                             "this line and the one before, and quote a value that holds ': '")
        return p_line, 0, f"a second ': ' on one line; a value that holds ': ' must be quoted: {shorten(key)}: \"{shorten(value)}\""
    if problem == "did not find expected key" and "block mapping" in context:
        if _indent(at) == c_col - 1 and not at.lstrip().startswith("- "):
            return p_line, _indent(at) + 1, (f"'{shorten(at.strip())}' stands where a key of the block opened at line {c_line} "
                                             "is expected; write a key as 'name: value'")
        if at.lstrip().startswith("- "):
            return p_line, _indent(at) + 1, (f"a list item where a key is expected (in the block opened at line {c_line}, "
                                            f"'{shorten(opened)}'); put the list under a key, indented, e.g. 'items:' then '  - ...'")
        return p_line, _indent(at) + 1, (
            f"this line is indented {_spaces(_indent(at))}, but the block it continues starts at line {c_line} "
            f"('{shorten(opened)}') indented {_spaces(c_col - 1)}; the keys of one block line up exactly: indent them "
            "alike (or this line like a key of an enclosing block)")
    if problem == "did not find expected '-' indicator":
        item = lines[c_line - 1] if 0 < c_line <= len(lines) else ""
        key_col = _indent(item) + 2
        return p_line, _indent(at) + 1, (
            f"this line is indented {_spaces(_indent(at))} inside the list opened at line {c_line} ('{shorten(opened)}'): "
            f"a new item starts with '- ' at {_spaces(_indent(item))}, a further key of the same item is indented {key_col}")
    if problem.startswith("did not find expected ','"):
        closing = "]" if "sequence" in context else "}"
        return c_line, c_col, (f"the '{'[' if closing == ']' else '{'}' opened here is not closed, or two items lack a ',' "
                               f"between them: separate items with ', ' and close it with '{closing}' on the same line")
    plain = _PLAIN_WORDS.get(problem)
    if plain is not None:
        return p_line, 0, plain
    if context.startswith("expected a single document"):
        return p_line, 1, "a second document starts here ('---'); a file holds one: remove the '---' line or split the file"
    if "quoted scalar" in context:
        return c_line, c_col, "the quotation mark opened here is never closed; add the closing quote on the same line"
    return None


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, display: str) -> Diagnostic:
    """The parser's complaint in plain words, at the place to change (often not where the parser stopped)."""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        return Diagnostic.of(display, line, column, "SLA004", "a tab character is used for indentation; YAML allows only spaces")
    lines = text.split("\n")
    cm = exc.context_mark
    c_line, c_col = (cm.line + 1, cm.column + 1) if cm else (line, column)
    above = [(number, found) for number in range(max(1, min(c_line, line - 1)), min(line - 1, len(lines)) + 1)
             if (found := _full_width(lines[number - 1], number, display, strict=True)) is not None]
    for number, found in above[-_TRIED:]:  # the parser notices a line late: the nearest lines above
        if _gets_further(lines, number, lines[number - 1], Mark(line, column)):
            return found
    if line <= len(lines):
        found = _full_width(lines[line - 1], line, display)
        if found is not None:
            return found
    explained = _explain(exc.context or "", exc.problem or "", lines, line, c_line, c_col)
    if explained is not None:
        at_line, at_column, message = explained
        return Diagnostic.of(display, at_line, at_column or column, "SLA004", message)
    parts = "; ".join(p for p in (exc.context, exc.problem) if p)
    return Diagnostic.of(display, line, column, "SLA004",
                         f"this is not valid YAML here ({parts}); check the indentation (spaces only, keys of one block "
                         "lined up) and that each key ends with ': '")


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
            raise InputError(Diagnostic.of(display, 1, 1, "SLA004", f"this is not valid YAML ({exc}); check the indentation "
                                           "and the punctuation")) from None
        except RecursionError:
            raise InputError(
                Diagnostic.of(display, 1, 1, "SLA009", "values are nested too deeply to read")
            ) from None
        if root is None:
            raise InputError(Diagnostic.of(display, 1, 1, "SLA006", "the file is empty"))
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
