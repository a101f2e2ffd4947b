"""YAML syntax: libyaml's parser with YAML 1.2 core-schema resolution, and what it refuses
said in plain words at the place a person must change.

The resolver follows YAML 1.2's core schema, not PyYAML's YAML 1.1 default: `NO`
(Norway) stays a string, `13:30` is not the sexagesimal number 810 and dates stay
text until the model reads them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml
from yaml._yaml import CParser  # libyaml, shipped in PyYAML wheels
from yaml.nodes import ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from ..diagnostics.record import Diagnostic, shorten
from ..i18n import N_, Message

STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
MERGE = "tag:yaml.org,2002:merge"
ALLOWED_TAGS = {STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ}


# YAML 1.2 core schema: the plain scalars that are not text, tried in this order
_IMPLICIT = re.compile(
    r"(?P<bool>true|True|TRUE|false|False|FALSE)"
    r"|(?P<int>[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)"
    r"|(?P<float>[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))"
    r"|(?P<null>~|null|Null|NULL|)"
    r"|(?P<merge><<)"
)
_IMPLICIT_TAGS = {"bool": _BOOL, "int": _INT, "float": _FLOAT, "null": _NULL, "merge": MERGE}


class _CoreResolver(BaseResolver):
    """One anchored regular expression per plain scalar (PyYAML's resolver loops in Python)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                m = _IMPLICIT.fullmatch(value)
                if m is not None and m.lastgroup is not None:
                    return _IMPLICIT_TAGS[m.lastgroup]
            return STR
        return _SEQ if kind is SequenceNode else _MAP


def scalar(tag: str, value: str) -> Any:
    """The value of a plain scalar the resolver typed (core schema); `<<` outside a
    mapping key is text, as YAML 1.2 has no merge keys."""
    if tag == MERGE:
        return value
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


class Parser(CParser, _CoreResolver):
    """libyaml's parser and composer (C, ten times faster than PyYAML's own), YAML 1.2 core resolution."""

    def __init__(self, text: str) -> None:
        CParser.__init__(self, text)
        _CoreResolver.__init__(self)


# full-width punctuation a Chinese input method types where YAML needs ASCII
_FULL_WIDTH = {
    "：": (N_("colon"), ":"), "，": (N_("comma"), ","), "（": (N_("parenthesis"), "("), "）": (N_("parenthesis"), ")"),
    "【": (N_("bracket"), "["), "】": (N_("bracket"), "]"), "［": (N_("bracket"), "["), "］": (N_("bracket"), "]"),
    "｛": (N_("brace"), "{"), "｝": (N_("brace"), "}"), "“": (N_("quotation mark"), '"'), "”": (N_("quotation mark"), '"'),
    "　": (N_("space"), " "), "－": (N_("hyphen"), "-"), "％": (N_("percent sign"), "%"),
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
    return Message(N_("; '{mark}' is a full-width (Chinese) {name}: write '{ascii}'"), mark=m.group(), name=Message(name),
                   ascii=ascii_char)


_OPENING = "【［｛“（"  # full-width marks that open a collection or a quote where a value starts
_IN_FLOW = "，】］｝"  # marks that separate or close items inside [ ] or { }


_MARKS = "'\"[]{},:-" + "".join(_FULL_WIDTH)
# the line in runs: one YAML mark or full-width mark (U+3000 included), blanks, or other text; a
# scan visits each run once, so a 2 MB line costs what a 2 MB file does
_RUNS = re.compile("(?P<mark>[" + re.escape(_MARKS) + "])|(?P<blank>[^\\S\u3000]+)|[^\\s" + re.escape(_MARKS) + "]+")


def _culprits(line: str, strict: bool) -> list[int]:
    """Where on the line a full-width mark stands in YAML's place: a colon ending a key, a
    comma or closing bracket inside [ ] or { }, a bracket or quote opening a value, a space or
    dash in the indentation. Elsewhere such marks are text (a description in Chinese) and are
    left alone; `strict` (lines before the one the parser stopped at): only a colon after a key
    and the indentation, the marks a parser notices a line late. One pass over the line's runs."""
    code = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]
    found: list[int] = []
    depth, quote, segment = 0, "", 0  # open [ {, the quote we are in, where the current key may start
    last = ""  # the last character before this run that is not blank
    indent = True  # all before `last` is spaces and list dashes: a mark here stands in the indentation
    odd_blank = False  # a blank other than ' ' since `last`
    colon_space = -1  # where the last ': ' starts
    content = -1  # the last character that is neither ' ' nor '-'
    for run in _RUNS.finditer(code):
        i, text = run.start(), run.group()
        if run.lastgroup == "blank":
            if text[0] == " " and i and code[i - 1] == ":":
                colon_space = i - 1
            kept = text.rstrip(" ")
            if kept:
                content, odd_blank = i + len(kept) - 1, True
            continue
        if run.lastgroup is None:  # text
            last, indent, odd_blank, content = text[-1], False, False, run.end() - 1
            continue
        ch = text
        at_value = last in ("", ":", "-", "[", "{", ",")
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
        elif ((ch == "：" and colon_space < segment and not (i > segment and code[i - 1] == ":") and content >= segment)  # after a key
              or (ch in "　－" and indent)  # indentation, a list dash
              or (not strict and ((ch in _IN_FLOW and depth > 0) or (ch in _OPENING and at_value)))):
            found.append(i)
        if ch == "　":  # a blank, though a full-width one
            content, odd_blank = i, True
        else:
            indent = indent and not odd_blank and ch == "-"
            last, odd_blank = ch, False
            content = content if ch == "-" else i
    return found


def _fixed(line: str, where: list[int], space: str = " ") -> str:
    """The line with the full-width marks at `where` written in ASCII (a colon followed by a space; a
    full-width space as `space`)."""
    chars = list(line)
    for i in where:
        chars[i] = space if line[i] == "　" else (
            _FULL_WIDTH[line[i]][1] + (" " if line[i] == "：" and line[i + 1:i + 2] not in (" ", "") else ""))
    return "".join(chars)


_TRIED = 20  # lines above the error whose full-width marks are tried as its cause (a parse each)


def _gets_further(lines: list[str], number: int, line: str, stopped: tuple[int, int]) -> bool:
    """Whether the parser gets past the place it `stopped` at (1-based) once the full-width marks of line
    `number` that may stand in YAML's place are written in ASCII: only then are they the cause. A colon in
    Chinese text further up (a continuation line, a list item's text) is not; writing it in ASCII would
    break that text. A full-width space in the indentation is as wide as two plain ones, and may have been
    typed for one, for two or in front of them: each is tried."""
    where = _culprits(line, strict=True)
    spaces = (" ", "  ", "") if any(line[i] == "　" for i in where) else (" ",)
    return any(_parses_past("\n".join([*lines[:number - 1], _fixed(line, where, space), *lines[number:]]), stopped)
               for space in spaces)


def _parses_past(text: str, stopped: tuple[int, int]) -> bool:
    loader = Parser(text)
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


def full_width(line: str, number: int, display: str, strict: bool = False) -> Diagnostic | None:
    """The first full-width mark on a line that stands in YAML's place, named, with the line fixed."""
    where = _culprits(line, strict)
    if not where:
        return None
    mark = line[where[0]]
    name, ascii_char = _FULL_WIDTH[mark]
    fixed = shorten(_fixed(line, where).strip())
    if name == "parenthesis":
        return Diagnostic.of(display, number, where[0] + 1, "SLA004",
                             Message(N_("'{mark}' is a full-width (Chinese) parenthesis where a value starts; YAML writes a "
                                        "mapping in {{ }}, a list in [ ], and text that starts with a parenthesis in quotes"),
                                     mark=mark))
    plain = Message(N_("'{ascii}' followed by a space"), ascii=ascii_char) if ascii_char == ":" else Message("'{ascii}'", ascii=ascii_char)
    return Diagnostic.of(
        display, number, where[0] + 1, "SLA004",
        Message(N_("'{mark}' is a full-width (Chinese) {name}; YAML needs the plain {plain} (switch the input method to "
                   "English): {fixed}"), mark=mark, name=Message(name), plain=plain, fixed=fixed))


# parser complaints that need no context to say in plain words
_PLAIN_WORDS = {
    "found undefined alias": N_("a value starting with '*' names an anchor ('&name') defined nowhere above; "
                                "put the value in quotes, or write it out"),
    "found character that cannot start any token": N_("this character cannot start a value in YAML ('@', '`', '%' …); "
                                                      "put the value in quotes, e.g. note: \"@home\""),
    "block sequence entries are not allowed in this context": N_("a list item ('- ') cannot follow a value on the same key; "
                                                                 "end the key with ':' and put each item on its own line"),
    "did not find expected node content": N_("a value is missing inside [ ] or { } (two commas in a row, or a comma before "
                                             "the closing bracket?)"),
    "did not find expected comment or line break": N_("after '|' or '>' nothing may follow on the line; start the text on the "
                                                      "next line, indented"),
    "did not find expected <document start>": N_("this line does not fit the document: a line less indented than the keys "
                                                 "above it, or text after a value that ended; check its indentation and "
                                                 "write it as 'name: value'"),
}
_NO_SPACE = re.compile(r"(?<=[^\s:]):(?=[^\s:/])")  # `policy:x`, not `http://` or `13:30`
_SPACELESS_KEY = re.compile(r" *(?:- )?[A-Za-z_][A-Za-z0-9_-]*:[^\s:/]")  # a line `effective_until:2025-12-31`


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_indent(line: str) -> int:
    """Where the keys of the line's mapping start (after `- ` on a list item)."""
    return _indent(line) + (2 if line.lstrip(" ").startswith("- ") else 0)


def _spaces(n: int) -> Message:
    return Message(N_("{n} space"), n=n) if n == 1 else Message(N_("{n} spaces"), n=n)


def _explain(context: str, problem: str, lines: list[str], p_line: int, c_line: int, c_col: int) -> tuple[int, int, Message] | None:
    """A parser error in plain words, at the place a person must change (1-based line, column)."""
    at = lines[p_line - 1] if 0 < p_line <= len(lines) else ""
    opened = lines[c_line - 1].strip() if 0 < c_line <= len(lines) else ""
    if problem == "could not find expected ':'":
        text = shorten(lines[c_line - 1].strip()) if 0 < c_line <= len(lines) else ""
        spaceless = _SPACELESS_KEY.match(lines[c_line - 1]) if 0 < c_line <= len(lines) else None
        if spaceless is not None:  # `effective_until:2025-12-31`: a key, its value and no space between
            fixed = shorten(_NO_SPACE.sub(": ", lines[c_line - 1].strip(), count=1))
            return c_line, _indent(lines[c_line - 1]) + 1, Message(N_("put a space after the colon: '{key}'"), key=fixed)
        return c_line, c_col, Message(N_("'{text}' has no colon: write a key as 'name: value' (a colon and a space after the "
                                         "key), or a list item as '- {text}'"), text=text)
    if problem == "mapping values are not allowed in this context":
        before = next((n for n in range(p_line - 1, 0, -1) if lines[n - 1].strip() and not lines[n - 1].lstrip().startswith("#")), 0)
        prev = lines[before - 1] if before else ""
        if before and _NO_SPACE.search(prev) and ": " not in prev.split("#")[0] + " ":
            fixed = shorten(_NO_SPACE.sub(": ", prev.strip(), count=1))
            return before, _indent(prev) + 1, Message(N_("put a space after the colon: '{key}'"), key=fixed)
        holds_value = not re.search(r"(?:^|:|-)\s*[|>]?[-+]?$", prev.split(" #")[0].rstrip())  # not `key:`, `- `, `key: |`
        if before and before != p_line and holds_value and _indent(at) > _key_indent(prev):
            return p_line, _indent(at) + 1, Message(
                N_("this line is indented more than line {line} ('{text}'), so YAML reads it as the rest of that value; "
                   "indent it {spaces} like the key on line {line} if it is a key of its own"),
                line=before, text=shorten(prev.strip()), spaces=_spaces(_key_indent(prev)))
        key, _, value = at.strip().partition(": ")
        if ": " not in value and not value.endswith(":"):
            return p_line, _indent(at) + 1, Message(N_("YAML reads this line as part of a value above it: check the indentation "
                                                       "of this line and the one before, and quote a value that holds ': '"))
        return p_line, 0, Message(N_("a second ': ' on one line; a value that holds ': ' must be quoted: {quoted}"),
                                  quoted=f"{shorten(key)}: \"{shorten(value)}\"")
    if problem == "did not find expected key" and "block mapping" in context:
        if _indent(at) == c_col - 1 and not at.lstrip().startswith("- "):
            return p_line, _indent(at) + 1, Message(N_("'{text}' stands where a key of the block opened at line {line} is "
                                                       "expected; write a key as 'name: value'"), text=shorten(at.strip()), line=c_line)
        if at.lstrip().startswith("- "):
            return p_line, _indent(at) + 1, Message(N_("a list item where a key is expected (in the block opened at line {line}, "
                                                       "'{opened}'); put the list under a key, indented, e.g. 'items:' then "
                                                       "'  - ...'"), line=c_line, opened=shorten(opened))
        return p_line, _indent(at) + 1, Message(
            N_("this line is indented {spaces}, but the block it continues starts at line {line} ('{opened}') indented "
               "{block_spaces}; the keys of one block line up exactly: indent them alike (or this line like a key of an "
               "enclosing block)"), spaces=_spaces(_indent(at)), line=c_line, opened=shorten(opened), block_spaces=_spaces(c_col - 1))
    if problem == "did not find expected '-' indicator":
        item = lines[c_line - 1] if 0 < c_line <= len(lines) else ""
        key_col = _indent(item) + 2
        return p_line, _indent(at) + 1, Message(
            N_("this line is indented {spaces} inside the list opened at line {line} ('{opened}'): a new item starts with "
               "'- ' at {item_spaces}, a further key of the same item is indented {key_column}"),
            spaces=_spaces(_indent(at)), line=c_line, opened=shorten(opened), item_spaces=_spaces(_indent(item)), key_column=key_col)
    if problem.startswith("did not find expected ','"):
        closing = "]" if "sequence" in context else "}"
        return c_line, c_col, Message(N_("the '{opening}' opened here is not closed, or two items lack a ',' between them: "
                                         "separate items with ', ' and close it with '{closing}' on the same line"),
                                      opening="[" if closing == "]" else "{", closing=closing)
    plain = _PLAIN_WORDS.get(problem)
    if plain is not None:
        return p_line, 0, Message(plain)
    if context.startswith("expected a single document"):
        return p_line, 1, Message(N_("a second document starts here ('---'); a file holds one: remove the '---' line or split "
                                     "the file"))
    if "quoted scalar" in context:
        return c_line, c_col, Message(N_("the quotation mark opened here is never closed; add the closing quote on the same line"))
    return None


def syntax_error(exc: yaml.MarkedYAMLError, text: str, display: str) -> Diagnostic:
    """The parser's complaint in plain words, at the place to change (often not where the parser stopped)."""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        return Diagnostic.of(display, line, column, "SLA004",
                             Message(N_("a tab character is used for indentation; YAML allows only spaces")))
    lines = text.split("\n")
    cm = exc.context_mark
    c_line, c_col = (cm.line + 1, cm.column + 1) if cm else (line, column)
    above = [(number, found) for number in range(max(1, min(c_line, line - 1)), min(line - 1, len(lines)) + 1)
             if (found := full_width(lines[number - 1], number, display, strict=True)) is not None]
    for number, found in above[-_TRIED:]:  # the parser notices a line late: the nearest lines above
        if _gets_further(lines, number, lines[number - 1], (line, column)):
            return found
    if line <= len(lines):
        found = full_width(lines[line - 1], line, display)
        if found is not None:
            return found
    explained = _explain(exc.context or "", exc.problem or "", lines, line, c_line, c_col)
    if explained is not None:
        at_line, at_column, message = explained
        return Diagnostic.of(display, at_line, at_column or column, "SLA004", message)
    parts = "; ".join(p for p in (exc.context, exc.problem) if p)
    return Diagnostic.of(display, line, column, "SLA004",
                         Message(N_("this is not valid YAML here ({reason}); check the indentation (spaces only, keys of "
                                    "one block lined up) and that each key ends with ': '"), reason=parts))

