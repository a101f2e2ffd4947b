"""Correlations: rules over many subjects (the same problem recurring, R-000-14; reported again
after it was solved, R-004-16). A first pass over the history, before any subject is replayed.

Which subjects take part in which correlation is a decision of the rules engine, like every
other `when` (a `correlation:<id>` rule of the compiled ruleset, asked once per distinct
combination of attribute values, on either backend). Counting within a window is done here,
per key, in creation order: streaming every ticket into durable-rules' correlated patterns
would keep one fact per ticket in a session (slow per event, capped at 1024 sessions; see
`slapolicy.rules.engine`), and the answers would be the same.

The first pass is split like the replay: `records(ticket)` turns a subject into plain
records (in a worker process, block by block), and a `Correlator` in the main process keeps
them compactly (three numbers per member, in arrays per key) and finds the matches, kept as a
`MatchTable` (a few numbers each); the ids of the subjects involved are read back once, into an
`IdBook`, and a block's matches are made with them as the block is replayed.

Semantics (docs/format.md, "Correlations"):
- a subject's attributes are taken as they are at the end of its history (up to --as-of);
- `count: N, within: D`: in creation order, a subject completes a match when it and the
  unmatched subjects with the same key created within D before it are N; they are then
  used up (the next match needs N new ones);
- `again_after: resolved`: a subject matches when an earlier one with the same key was
  resolved before it was created (within D of that, if given); the latest such one;
- `link: repeat_of`: a subject matches when the subject its attribute names was created
  before it;
- a subject lacking a key attribute cannot take part; with `unknown: warn` it carries an
  `undecided_rule` finding.
The subject that completes a match carries a `recurrence` finding listing the subjects
involved, and an event named after the correlation at its creation (metrics may start on it).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..policy.model import Correlation, Policy
from .matches import Correlated, MatchTable
from .simulator import Replayer
from .tickets import Ticket, TicketError

# what a worker sends back per subject, plain data:
#   ("key", (version, correlation), key, created, line, resolved | nan)   a member of a keyed correlation
#   ("link", (version, correlation), id, named | None, created, line)     a member of a link correlation
# (members are counted with the members of the same version: its rule decides the count and window)
#   ("undecided", correlation, missing attributes, line)        it cannot take part
Record = tuple[Any, ...]


def records(replayer: Replayer, ticket: Ticket) -> list[Record]:
    """The subject's part in the correlations of the version in force for it (none if it will be rejected)."""
    created = ticket.events[0].at
    policy = replayer.policies.version_for(created)
    if policy is None or not policy.correlations or created > replayer.as_of:
        return []  # a subject created after --as-of did not exist then: it takes no part
    attrs = dict(ticket.attributes)
    resolved = math.nan
    for event in ticket.events:
        if event.at > replayer.as_of:
            break
        if event.attributes:
            attrs.update(event.attributes)
        if math.isnan(resolved) and event.type == "resolved":
            resolved = event.at
    simulator = replayer.simulator(policy)
    checks, decide, warned = simulator.checks, simulator.decider.decide, simulator.decider.warned
    try:  # the checks the replay makes before any clock runs: a subject it will reject takes no part
        checks.events(ticket)
        first = dict(ticket.attributes)
        first.update(ticket.events[0].attributes)
        checks.complete(ticket.kind, first)
        decide(ticket.kind, checks.settled(ticket.kind, first, created))
        for event in ticket.events[1:]:
            if event.attributes:
                first.update(event.attributes)
                decide(ticket.kind, checks.settled(ticket.kind, first, created))
        checks.complete(ticket.kind, attrs)
        attrs = checks.settled(ticket.kind, attrs, created)
        decision = decide(ticket.kind, attrs)
    except TicketError:
        return []  # rejected when it is replayed
    out: list[Record] = []
    for c in decision.correlations:
        if c.link is not None:
            named = attrs.get(c.link)
            out.append(("link", (policy.version, c.id), ticket.id, None if named is None else str(named), created, ticket.line))
            if named is None and c.link in warned:
                out.append(("undecided", c.id, (c.link,), ticket.line))
            continue
        key = tuple(attrs.get(k) for k in c.key)
        missing = tuple(k for k, v in zip(c.key, key) if v is None)
        if missing:
            if any(k in warned for k in missing):
                out.append(("undecided", c.id, missing, ticket.line))
            continue
        out.append(("key", (policy.version, c.id), key, created, ticket.line, resolved))
    return out


@dataclass
class _Group:
    """The members of one key of one correlation: three numbers each."""

    created: array[float] = field(default_factory=lambda: array("d"))
    lines: array[int] = field(default_factory=lambda: array("q"))
    resolved: array[float] = field(default_factory=lambda: array("d"))  # nan: not resolved


@dataclass
class Correlator:
    """Takes the records of a history (any order), then gives each line its matches."""

    replayer: Replayer
    groups: dict[tuple[tuple[str, str], tuple[Any, ...]], _Group] = field(default_factory=dict)
    linked: dict[tuple[str, str], dict[str, tuple[float, int]]] = field(default_factory=dict)  # rule -> id -> (created, line)
    links: list[tuple[tuple[str, str], str, float, int]] = field(default_factory=list)  # (rule, named id, created, line)
    undecided: dict[int, list[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)

    def add(self, record: Record) -> None:
        kind = record[0]
        if kind == "key":
            _, cid, key, created, line, resolved = record
            group = self.groups.get((cid, key))
            if group is None:
                group = self.groups[(cid, key)] = _Group()
            group.created.append(created)
            group.lines.append(line)
            group.resolved.append(resolved)
        elif kind == "link":
            _, cid, sid, named, created, line = record
            self.linked.setdefault(cid, {}).setdefault(sid, (created, line))
            if named is not None:
                self.links.append((cid, named, created, line))
        else:
            _, cid, missing, line = record
            self.undecided.setdefault(line, []).append((cid, missing))

    def add_ticket(self, ticket: Ticket) -> None:
        for record in records(self.replayer, ticket):
            self.add(record)

    def table(self) -> MatchTable:
        """Every match of the records taken (kept compactly: `MatchTable`)."""
        return MatchTable(self._found())

    def _found(self) -> Iterator[tuple[str, float, list[int], tuple[Any, ...]]]:
        """(correlation, at, member lines in creation order, key) of each match."""
        rules = {(p.version, c.id): (c, p) for p in self.replayer.policies.versions for c in p.correlations}
        for (rule, key), group in self.groups.items():
            correlation, policy = rules[rule]
            order = sorted(range(len(group.lines)), key=lambda i: (group.created[i], group.lines[i]))
            members = [(group.created[i], group.lines[i], group.resolved[i]) for i in order]
            matcher = _again if correlation.again_after else _counted
            for involved in matcher(correlation, members, policy):
                yield correlation.id, involved[-1][0], [m[1] for m in involved], key
        for rule, named, created, line in self.links:
            earlier = self.linked.get(rule, {}).get(named)
            if earlier is not None and earlier < (created, line):
                yield rule[1], created, [earlier[1], line], (named,)

    def undecided_lines(self) -> dict[int, tuple[tuple[str, tuple[str, ...]], ...]]:
        return {line: tuple(u) for line, u in self.undecided.items()}

    def result(self, ids: Callable[[set[int]], dict[int, str]]) -> Correlated:
        """Each line's matches (as the subject completing them) and its undecided correlations; `ids`
        gives the ids of the lines involved in matches (for a few subjects: a history's first pass keeps
        the table and reads the ids back per block)."""
        table = self.table()
        names = ids(set(table.involved().tolist()))
        return Correlated(table.between(0, 1 << 62, names.get), self.undecided_lines())

    def add_all(self, tickets: Iterable[Ticket]) -> None:
        for ticket in tickets:
            self.add_ticket(ticket)


Member = tuple[float, int, float]  # (created, line, resolved or nan)


def _window_start(correlation: Correlation, at: float, policy: Policy) -> float:
    """The earliest creation time still inside the window that ends at `at`."""
    within = correlation.within
    if within is None:
        return -math.inf
    if within.kind == "seconds":
        return at - within.amount
    local = dt.datetime.fromtimestamp(at, policy.tz)  # calendar days: the same wall-clock time N days earlier
    earlier = (local.replace(tzinfo=None) - dt.timedelta(days=within.amount)).replace(tzinfo=policy.tz)
    return earlier.timestamp()


def _counted(correlation: Correlation, members: list[Member], policy: Policy) -> list[list[Member]]:
    count = correlation.count or 2
    out = []
    pending: list[Member] = []
    for member in members:
        if pending:  # the window's start, a local date-time on calendar days, only where something can fall out of it
            start = _window_start(correlation, member[0], policy)
            pending = [m for m in pending if m[0] >= start]
        pending.append(member)
        if len(pending) >= count:
            out.append(pending)
            pending = []
    return out


def _again(correlation: Correlation, members: list[Member], policy: Policy) -> list[list[Member]]:
    out = []
    solved: list[tuple[float, int, Member]] = []  # (resolved, line, member) of earlier members, sorted
    for member in members:
        k = bisect.bisect_right(solved, (member[0], math.inf)) - 1
        if k >= 0:
            resolved, _, earlier = solved[k]
            if resolved >= _window_start(correlation, member[0], policy):
                out.append([earlier, member])
        if not math.isnan(member[2]):
            bisect.insort(solved, (member[2], member[1], member))
    return out
