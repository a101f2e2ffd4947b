"""Versions of one policy id in a directory: each version once (SLA601), versions in the
order they take effect (SLA602), and effective periods that do not overlap (SLA603). A
version without `effective_until` ends when the next version takes effect.

Passes::

    after-sales-2024.1.yaml: {policy: after-sales, version: 2024.1, effective_from: 2024-01-01}
    after-sales-2025.1.yaml: {policy: after-sales, version: 2025.1, effective_from: 2025-01-01}

Fails::

    a.yaml: {policy: after-sales, version: 2025.1, ...}
    b.yaml: {policy: after-sales, version: 2025.1, ...}       # SLA601
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from ...diagnostics.record import Diagnostic
from ...i18n import N_, Message
from ...policy.model import Policy


def check_versions(policies: Iterable[Policy]) -> Iterator[Diagnostic]:
    by_id: dict[str, list[Policy]] = {}
    for p in policies:
        by_id.setdefault(p.id, []).append(p)
    for group in by_id.values():
        seen: dict[tuple[int, ...], Policy] = {}
        for p in sorted(group, key=lambda p: p.source):
            if p.version_key in seen:
                yield p.document.diagnostic(
                    ("version",), "SLA601",
                    Message(N_("version {version} of policy '{policy}' is also defined in {other}; give the newer file the next "
                               "version number"), version=p.version, policy=p.id, other=seen[p.version_key].source),
                )
            else:
                seen[p.version_key] = p
        ordered = sorted(seen.values(), key=lambda p: p.version_key)
        for older, newer in zip(ordered, ordered[1:]):
            if newer.effective_from <= older.effective_from:
                yield newer.document.diagnostic(
                    ("effective_from",), "SLA602",
                    Message(N_("version {version} takes effect on {since}, not after version {older} ({older_since}, {source}): "
                               "versions go backwards; a higher version takes effect later"), version=newer.version,
                            since=newer.effective_from, older=older.version, older_since=older.effective_from, source=older.source),
                )
            elif older.effective_until is not None and older.effective_until >= newer.effective_from:
                yield older.document.diagnostic(
                    ("effective_until",), "SLA603",
                    Message(N_("version {version} is in force until {until}, overlapping version {newer} from {since} ({source}); "
                               "end it on {end}"), version=older.version, until=older.effective_until, newer=newer.version,
                            since=newer.effective_from, source=newer.source, end=newer.effective_from - dt.timedelta(days=1)),
                )
