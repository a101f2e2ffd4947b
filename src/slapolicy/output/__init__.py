"""The one output layer: which formats each result has, the one rule that picks a format when
none is asked for, the one place that maps results to exit codes, the summary line, and
writing that never reports success it did not have.

Formatters live in one module per result type (`validation`, `tests`, `simulation`,
`report`, `whatif`, `board`); they read the typed results and outcomes and decide nothing. Below
them, `html` draws the pages and `cells` words the table cells the report and what-if
formats share, so the output modules import one way only (pyproject.toml's "Inside output").

Exit codes (also in docs/exit-codes.md and `slapolicy --help`):

| code | meaning |
|---|---|
| 0 | ok: valid, every case passed, every ticket replayed |
| 1 | findings: problems in the files checked, a failed case, a rejected ticket |
| 2 | usage or input error: a bad option, a path that cannot be read, an unusable policy, output that cannot be written |
| 130 | interrupted by SIGINT (Ctrl-C); what was done so far is printed, marked partial |
| 143 | terminated by SIGTERM; the same |

May import: `review`, `kpi`, `sim`, `validate`, `rules`, `policy`, `calendar`, `diagnostics`, `i18n`.
"""

from __future__ import annotations

import contextlib
import enum
import io
import os
import signal
import stat
import sys
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, cast

from ..i18n import _, ngettext

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


class ExitCode(enum.IntEnum):
    OK = 0
    FINDINGS = 1
    INPUT = 2
    INTERRUPTED = 130
    TERMINATED = 143


def interrupted_code(signum: int) -> ExitCode:
    return ExitCode.TERMINATED if signum == signal.SIGTERM else ExitCode.INTERRUPTED


@dataclass(frozen=True)
class Formats:
    """The formats of one result type and its defaults."""

    names: tuple[str, ...]
    terminal: str  # on a terminal
    piped: str  # when stdout is a file or a pipe
    github: str | None = None  # inside GitHub Actions


FORMATS: dict[str, Formats] = {
    "validate": Formats(("text", "json", "github", "sarif", "codequality"), "text", "text", "github"),
    "test": Formats(("text", "json", "github", "junit", "sarif"), "text", "text", "github"),
    "simulate": Formats(("table", "json", "jsonl", "csv", "html", "xlsx"), "table", "json"),
    "due": Formats(("table", "json", "csv", "html"), "table", "json"),
    "report": Formats(("table", "json", "csv", "markdown", "html", "xlsx"), "table", "json"),
    "whatif": Formats(("table", "json", "markdown", "html"), "table", "json"),
    "clauses": Formats(("text", "json", "markdown"), "text", "json"),
    "diff": Formats(("text", "markdown", "json"), "text", "text"),
}


# what a file's extension names, where the result has that format: `-o report.html` writes HTML
EXTENSIONS = {".html": "html", ".htm": "html", ".json": "json", ".jsonl": "jsonl", ".csv": "csv", ".md": "markdown",
              ".xlsx": "xlsx", ".sarif": "sarif"}


def named_format(result: str, path: str | None) -> str | None:
    """The format the output file's extension names (None: no file, or an extension the result has no format for)."""
    if not path or path == "-":
        return None
    found = EXTENSIONS.get(os.path.splitext(path)[1].lower())
    return found if found in FORMATS[result].names else None


def choose_format(result: str, requested: str | None, stream: IO[str] | None = None) -> str:
    """The format asked for; else the one the output file's extension names; else GitHub annotations inside
    GitHub Actions (where the result has them), else the terminal format on a terminal and the machine format
    when piped."""
    if requested:
        return requested
    named = named_format(result, getattr(stream, "name", None) if stream not in (None, sys.stdout) else None)
    if named:
        return named
    formats = FORMATS[result]
    if formats.github and os.environ.get("GITHUB_ACTIONS") == "true":
        return formats.github
    stream = stream if stream is not None else sys.stdout
    return formats.terminal if stream.isatty() else formats.piped


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def padded(text: str, cells: int) -> str:
    """`text` filled with blanks to `cells` terminal columns (a Chinese character takes two)."""
    from rich.cells import cell_len

    return text + " " * max(0, cells - cell_len(text))


def tickets_text(n: int) -> str:
    return ngettext("{count} ticket", "{count} tickets", n).format(count=n)


def subjects_text(n: int) -> str:
    return ngettext("{count} subject", "{count} subjects", n).format(count=n)


def kind_text(n: int, kind: str) -> str:
    """3 calls: a count of subjects of a kind the policy declares, by its id."""
    return ngettext("{count} {kind}", "{count} {kind}s", n).format(count=n, kind=kind)


def subjects_of(n: int, kinds: Collection[str]) -> str:
    """A count of subjects in their kind's word: 3 tickets; 3 calls where every subject counted is a call; 9 subjects
    where kinds mix (a policy governs tickets and more: calls, contracts, outages)."""
    found = set(kinds)
    if found <= {"ticket"}:
        return tickets_text(n)
    return kind_text(n, found.pop()) if len(found) == 1 else subjects_text(n)


def summary_line(simulated: int, rejected: int, interrupted: bool = False, later: int = 0, kinds: Collection[str] = ()) -> str:
    """The line every replaying command ends with on stderr, in the reader's language; `later`: subjects
    created after --as-of; `kinds`: of the subjects replayed, where they are other than tickets (3 calls, 9 subjects)."""
    total = simulated + rejected + later
    if set(kinds) <= {"ticket"}:
        line = ngettext("{count} ticket: {simulated} simulated, {rejected} rejected",
                        "{count} tickets: {simulated} simulated, {rejected} rejected", total).format(
            count=total, simulated=simulated, rejected=rejected)
    else:
        line = _("{tickets}: {simulated} simulated, {rejected} rejected").format(
            tickets=subjects_of(total, kinds), simulated=simulated, rejected=rejected)
    if later:
        line += _(", {later} not yet created").format(later=later)
    return line + (_(" (interrupted: partial)") if interrupted else "")


class OutputError(Exception):
    """Output that could not be written (a missing folder, a full disk); one line, exit 2."""


def binary_ok(fmt: str, stream: IO[str]) -> None:
    """A workbook is bytes: to a file or a pipe, never onto a terminal (OutputError)."""
    if fmt == "xlsx" and stream.isatty():
        raise OutputError("--format xlsx writes an Excel workbook, not text: give -o FILE.xlsx")


@contextlib.contextmanager
def destination(path: str | None, excel: bool = False) -> Iterator[IO[str]]:
    """stdout (None or '-') or a file; every write is flushed and checked on the way out, so a
    full disk or a closed pipe is an OutputError, never a silently truncated result.

    `excel`: text as Excel's own "CSV UTF-8" is, a byte-order mark first (without it Chinese Excel
    reads UTF-8 as the ANSI code page, GBK, and garbles it) and lines ended by CRLF."""
    encoding, newline = ("utf-8-sig", "\r\n") if excel else ("utf-8", "\n")
    if path in (None, "-"):
        try:
            if excel:
                sys.stdout.flush()
                with _rewrapped(sys.stdout, encoding, newline) as stream:
                    yield stream
            else:
                yield sys.stdout
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
            raise OutputError("stdout was closed before the output was written") from None
        except OSError as exc:
            raise OutputError(f"cannot write to stdout: {exc.strerror or exc}") from None
        return
    assert path is not None
    try:
        stream = open(path, "w", encoding=encoding, newline=newline)  # noqa: SIM115 (closed by the `with` below; its own error)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with stream:
            yield stream
            stream.flush()
            if stat.S_ISREG(os.fstat(stream.fileno()).st_mode):  # devices and pipes have nothing to sync
                os.fsync(stream.fileno())
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def _rewrapped(stdout: IO[str], encoding: str, newline: str) -> Iterator[IO[str]]:
    """stdout's bytes written through another encoding and line end; stdout itself left open."""
    stream = io.TextIOWrapper(cast(Any, stdout).buffer, encoding=encoding, newline=newline)
    try:
        yield stream
        stream.flush()
    finally:
        stream.detach()


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush is quiet."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


class _Trimmed(io.TextIOBase):
    """Lines without the trailing blanks rich pads table cells with (they show in a pipe and in diffs)."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.pending = ""

    def write(self, text: Any) -> int:
        lines = (self.pending + text).split("\n")
        self.pending = lines.pop()
        for line in lines:
            self.out.write(line.rstrip(" ") + "\n")
        return len(text)

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return self.out.isatty()


def rich_console(out: IO[str]) -> Console:
    """The one way outputs draw terminal tables: rich, as wide as the terminal (COLUMNS), no trailing blanks."""
    from rich.console import Console

    return Console(file=cast("IO[str]", _Trimmed(out)))  # a text stream in all but its declared type


def word_table(width: int, title: str, columns: Sequence[str], rows: Iterable[Sequence[str]],
               styles: Sequence[dict[int, str]] = (), right: Iterable[int] = (), keep: Iterable[int] = ()) -> Table:
    """A terminal table `width` columns wide at most that wraps cells between words and never cuts
    one: no column is narrower than its longest word (Chinese text may break between characters,
    as it is written), and `keep` columns (dates) do not wrap at all, unless the terminal is too
    narrow for even that: then the widest columns fold. Rich's own shrinking cuts words with …,
    so the widths are fixed here."""
    from rich import box
    from rich.cells import cell_len
    from rich.markup import escape
    from rich.table import Table

    rows = [list(r) for r in rows]
    texts = [[col, *(r[i] for r in rows)] for i, col in enumerate(columns)]
    # a column is never narrower than its longest ASCII word, nor than one wide (Chinese) character, nor than two
    # characters of a Chinese heading (one character a line reads as no word)
    least = [max((cell_len(w) if w.isascii() else max(map(cell_len, w)) for t in ts for w in t.split()), default=1) for ts in texts]
    least = [low if ts[0].isascii() else max(low, min(cell_len(ts[0]), 4)) for ts, low in zip(texts, least)]
    body = [max([cell_len(t) for t in ts[1:]] + [low]) for ts, low in zip(texts, least)]
    for i in keep:
        least[i] = body[i]
    widths = [max(cell_len(ts[0]), b) for ts, b in zip(texts, body)]
    for floor in (body, least, [1] * len(widths)):  # headers wrap first, then the longest cells, then words fold
        while sum(widths) + len(widths) - 1 > width:
            slack = max(range(len(widths)), key=lambda i: widths[i] - floor[i])
            if widths[slack] <= floor[slack]:
                break
            widths[slack] -= 1
    aligned = set(right)
    table = Table(title=escape(title), title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, padding=0)
    for i, col in enumerate(columns):
        table.add_column(col, overflow="fold", width=widths[i], justify="right" if i in aligned else "left")
    for n, r in enumerate(rows):
        style = styles[n] if n < len(styles) else {}
        table.add_row(*[f"[{style[i]}]{escape(c)}[/]" if style.get(i) else escape(c) for i, c in enumerate(r)])
    return table
