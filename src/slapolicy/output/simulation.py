"""`simulate` output: every outcome as a JSONL line, a CSV row per clock (or the same rows as an
Excel sheet), an element of a JSON document, or a table on a terminal; streamed as outcomes arrive, in input order.

`EncodedBlock` is the partial a replay worker fills: the outcomes of its block already
encoded, so the main process only writes bytes. `SimulationWriter` is the total: it
writes what it is given, in order, and counts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from ..calendar.durations import format_seconds
from ..i18n import N_, _, translated
from ..sim.outcome import Outcome, Rejection, SubjectOutcome
from . import rich_console, word_table
from .cells import csv_safe, derived_text
from .encode import Encoder, dumps, pretty
from .html import CLOCK_STATUSES, TimelinePage
from .workbook import Table, write_workbook

CSV_COLUMNS = ("id", "status", "policy_version", "metric", "cycle", "target", "calendar", "started_at", "due_at",
               "stopped_at", "paused_seconds", "clock_status", "breached_at", "rule", "errors")
STREAMED = ("json", "jsonl", "csv")  # formats a worker can encode


def _csv_rows(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    base = {"id": doc["id"], "status": doc["status"], "policy_version": doc.get("policy_version", ""),
            "errors": "; ".join(f"{e['code']}: {e['message']}" for e in doc["errors"])}
    if not doc["clocks"]:
        yield base
    for c in doc["clocks"]:
        yield {**base, **{k: c[k] for k in CSV_COLUMNS if k in c and k != "status"}, "clock_status": c["status"]}


def encode(fmt: str, doc: dict[str, Any]) -> bytes:
    """One outcome's document in a streamed format: a JSONL line, CSV rows, or an indented JSON element."""
    if fmt == "jsonl":
        return dumps(doc) + b"\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, CSV_COLUMNS, lineterminator="\n")
        for row in _csv_rows(doc):
            writer.writerow({k: csv_safe(v) for k, v in row.items()})
        return buf.getvalue().encode("utf-8")
    return pretty(doc).replace(b"\n", b"\n    ")


@dataclass
class Counts:
    """Subjects simulated, rejected, and created after --as-of (listed, not replayed, no error)."""

    simulated: int = 0
    rejected: int = 0
    later: int = 0
    kinds: set[str] = field(default_factory=set)  # of the subjects simulated: the summary counts them in their kind's word

    def add(self, outcome: Outcome) -> None:
        if not isinstance(outcome, Rejection):
            self.simulated += 1
            self.kinds.add(outcome.kind)
        elif outcome.not_yet_created:
            self.later += 1
        else:
            self.rejected += 1

    def merge(self, other: Counts) -> None:
        self.simulated += other.simulated
        self.rejected += other.rejected
        self.later += other.later
        self.kinds |= other.kinds

    @property
    def total(self) -> int:
        return self.simulated + self.rejected + self.later


@dataclass
class EncodedBlock:
    """The partial of a `simulate` replay in a worker: encoded outcomes and counts."""

    fmt: str
    items: list[bytes] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    encoder: Encoder = field(default_factory=Encoder, repr=False)

    def add(self, outcomes: tuple[Outcome, ...]) -> None:
        (outcome,) = outcomes
        self.items.append(encode(self.fmt, self.encoder.outcome(outcome)))
        self.counts.add(outcome)

    def export(self) -> tuple[list[bytes], Counts]:
        return self.items, self.counts



class SimulationWriter:
    """Writes outcomes (or workers' encoded blocks) to a stream in a format, in order."""

    def __init__(self, fmt: str, stream: IO[str], engine: str, as_of: float, explain: bool = False,
                 tz: dt.tzinfo = dt.UTC) -> None:
        self.fmt = fmt
        self.tz = tz  # the policy's: the zone of an xlsx sheet's date-times
        self.stream = stream
        self.engine = engine
        self.counts = Counts()
        self._first = True
        self._encoder = Encoder()
        self._table = _Table(stream, explain) if fmt == "table" else None
        self._page = None
        self._rows: list[dict[str, Any]] = []  # xlsx: the CSV rows, written as one sheet at close
        if fmt == "html":
            self._page = TimelinePage(stream, _heading, as_of)
        self._begun = False  # the heading is written with the first outcome (or at close): an input refused
                             # before any ticket leaves no half document behind

    def _begin(self) -> None:
        if not self._begun:
            self._begun = True
            if self.fmt == "csv":
                self.stream.write(",".join(CSV_COLUMNS) + "\n")
            elif self.fmt == "json":
                self.stream.write('{\n  "tickets": [')

    def add(self, outcomes: tuple[Outcome, ...]) -> None:
        self._begin()
        (outcome,) = outcomes
        self.counts.add(outcome)
        if self._table is not None:
            self._table.add(outcome)
        elif self._page is not None:
            self._page.add(outcome)
        elif self.fmt == "xlsx":
            self._rows.extend(_csv_rows(self._encoder.outcome(outcome)))
        else:
            self._write(encode(self.fmt, self._encoder.outcome(outcome)))

    def merge(self, block: tuple[list[bytes], Counts]) -> None:
        self._begin()
        items, counts = block
        for item in items:
            self._write(item)
        self.counts.merge(counts)

    def _write(self, data: bytes) -> None:
        text = data.decode("utf-8")
        if self.fmt == "json":
            self.stream.write(("\n    " if self._first else ",\n    ") + text)
            self._first = False
        else:
            self.stream.write(text)

    def close(self, interrupted: bool = False) -> None:
        """Ends the output; an interrupted run's page says it holds only the tickets replayed so far."""
        self._begin()
        counts = self.counts
        if self._page is not None:
            self._page.close(counts.simulated, counts.rejected, interrupted, counts.later)
        if self.fmt == "xlsx":
            write_workbook(self.stream, [Table("clocks", CSV_COLUMNS, self._rows)], self.tz)
        if self.fmt != "json":
            return
        summary: dict[str, Any] = {"tickets": counts.total, "simulated": counts.simulated, "rejected": counts.rejected}
        if counts.later:
            summary["not_yet_created"] = counts.later
        summary["engine"] = self.engine
        closing = "\n  ]" if not self._first else "]"
        self.stream.write(closing + ',\n  "summary": ' + pretty(summary).decode().replace("\n", "\n  ") + "\n}\n")


class _Table:
    """A terminal table per ticket, as wide as the terminal: its severity and tier with the policy's
    names, its clocks, then their target changes and pauses, escalations, notices, findings and charges."""

    STYLES = {"met": "green", "breached": "bold red", "running": "yellow", "cancelled": "dim", "untimed": "cyan"}
    STATUSES = CLOCK_STATUSES
    COLUMNS = (N_("metric"), N_("target"), N_("started"), N_("due"), N_("stopped"), N_("status"))

    def __init__(self, stream: IO[str], explain: bool) -> None:
        self.console = rich_console(stream)
        self.explain = explain
        self.encoder = Encoder()
        self.shown = False  # a ticket's table was printed: the next one starts after a blank line

    def add(self, outcome: Outcome) -> None:
        from rich.markup import escape

        r = self.encoder.outcome(outcome)
        if isinstance(outcome, Rejection):
            said = _("(line {line}) not yet created: {reasons}") if outcome.not_yet_created else _("(line {line}) rejected: {reasons}")
            reasons = "; ".join(f"{e['code']}: {translated(e['message'])}" for e in r["errors"])
            self.console.print(f"[bold {'yellow' if outcome.not_yet_created else 'red'}]{escape(str(r['id'] or '?'))}[/] "
                               + escape(said.format(line=r["line"], reasons=reasons)))
            return
        print_ = self.console.print
        if self.shown:
            print_()
        self.shown = True
        print_(f"[bold]{escape(r['id'])}[/]" + escape(_heading(outcome)))
        source = outcome.policy.source
        print_(escape(f"{r['policy']} {r['policy_version']}" + (_(" ({source}: rules by line)").format(source=source) if self.explain else "")
                      + _(", created {date}; times in the calendars' zones").format(date=_short(r["created_at"], True))))
        columns = [_(c) for c in (*self.COLUMNS, N_("rule"))] if self.explain else [_(c) for c in self.COLUMNS]
        rows, styles = [], []
        for c in r["clocks"]:
            target = (c["target"] or _("measured")) + ("" if c["calendar"] == "24x7" else f" ({c['calendar']})")
            rows.append([_clock(c), target, _short(c["started_at"]), _short(c["due_at"]),
                         _short(c["stopped_at"] or c.get("cancelled_at")), _(self.STATUSES[c["status"]]),
                         *([_rule(c["rule"], source)] if self.explain else [])])
            styles.append({5: self.STYLES[c["status"]]})
        if rows:
            print_(word_table(self.console.width, "", columns, rows, styles, keep=(0, 2, 3, 4, 5)))
        note = self._note
        for d in r.get("derived", ()):
            note(N_("derived"), None, _short(d["at"]), derived_text(d))
        for c in r["clocks"]:
            for before, after in zip(c.get("target_changes", ()), c.get("target_changes", ())[1:]):
                rule = _(" (rule {rule})").format(rule=_rule(after["rule"], source)) if after["rule"] and self.explain else ""
                none = _("none")
                note(N_("target"), None, _short(after["at"]),
                     f"{_clock(c)}: {before['target'] or none} → {after['target'] or none}{rule}")
            if c["paused_seconds"] or c["paused"]:
                paused = _("{clock}: {duration} in all, still paused") if c["paused"] else _("{clock}: {duration} in all")
                note(N_("paused"), None, "", paused.format(clock=_clock(c), duration=format_seconds(c["paused_seconds"])))
        for e in r["escalations"]:
            note(N_("escalation"), None, _short(e["at"]),
                 _("{metric} step {step} → {roles}").format(metric=e["metric"], step=e["step"], roles=", ".join(e["notify"])))
        for n in r.get("notices", ()):
            note(N_("notice"), None, _short(n["at"]), f"{n['id']} → {', '.join(n['notify'])}")
        for f in r.get("findings", ()):
            who = _(" (by {actor})").format(actor=f["actor"]) if "actor" in f else ""
            clauses = f" [{', '.join(f['clauses'])}]" if "clauses" in f else ""
            note(N_("finding"), "yellow", _short(f.get("at")), f"{f['code']}: {translated(f['message'])}{who}{clauses}")
        for c in r.get("charges", ()):
            factor = f" × {c['factor']}" if c["factor"] != 1 else ""
            currency = " " + c["currency"] if "currency" in c else ""
            payer = c["payer"] or _("(no payer)")
            note(N_("charge"), "magenta", _short(c["at"]), f"{c['penalty']} {c['amount']}{currency}{factor} → {payer}")
        for c in r.get("credits", ()):
            currency = " " + c["currency"] if "currency" in c else ""
            note(N_("credit"), "cyan", _short(c["at"]),
                 _("{credit} {amount}{currency} owed to {payee}: {reason}").format(
                     credit=c["credit"], amount=c["amount"], currency=currency, payee=c["payee"] or _("(no payee)"),
                     reason=translated(c["reason"])))

    def _note(self, label: str, style: str | None, when: str, text: str) -> None:
        """One line under the clocks, its label in the reader's language (padded by its width on the
        terminal: a Chinese character takes two columns); a long text wraps between words under itself."""
        from rich.cells import cell_len
        from rich.table import Table
        from rich.text import Text

        label = _(label)
        label += " " * (10 - cell_len(label))
        grid = Table.grid()
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")  # a Chinese character that no longer fits starts the next line
        grid.add_row(Text(f"  {label} ", style=style or "") + Text(f"{when:<11}  "), Text(text))
        self.console.print(grid)


def _rule(label: str | None, source: str) -> str:
    """The line of the rule in the policy file named in the heading (its whole file:line when elsewhere)."""
    if label is None:
        return ""
    path, _, line = label.rpartition(":")
    return line if path == source else label


def _clock(c: dict[str, Any]) -> str:
    return f"{c['metric']}" + (f" #{c['cycle']}" if c["cycle"] > 1 else "")


def _heading(outcome: SubjectOutcome) -> str:
    """ — severity P1 一级紧急, tier basic 基础服务: what the ticket's targets were chosen by, in the policy's words."""
    policy, attrs = outcome.policy, outcome.attributes
    parts = [] if outcome.kind == "ticket" else [outcome.kind]
    for name, word, declared in (("severity", N_("severity"), policy.severities), ("tier", N_("tier"), policy.tiers)):
        value = attrs.get(name)
        if value is not None:
            found = declared.get(str(value))
            parts.append(f"{_(word)} {value}" + (f" {found.name}" if found is not None and found.name != value else ""))
    return " — " + ", ".join(parts) if parts else ""


def _short(iso: str | None, year: bool = False) -> str:
    """03-07 17:50: fits an 80-column terminal; the year is in the heading, the zone in the JSON."""
    return iso[0 if year else 5:16].replace("T", " ") if iso else ""
