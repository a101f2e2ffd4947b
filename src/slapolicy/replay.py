"""Replay a ticket history: simulation results in input order, on one core or several.

With several jobs, chunks of JSONL lines are simulated in worker processes, a bounded
number ahead, and come back in order; duplicate ticket ids are checked here, in the
main process (`reject_duplicates`), so the results are the same as with one job
whatever the chunking.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from .engine import Backend, get_backend
from .model import Policy
from .simulate import reject_duplicates, simulate
from .tickets import detect_format, iter_input, open_input, read_tickets

CHUNK_LINES = 2000

_worker: dict[str, Any] = {}


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _init_worker(policy_path: str, engine: str | None, as_of: float, every_ticket: bool) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the main process handles it
    from .validate import load_versions

    _worker["policies"] = load_versions(policy_path)
    _worker["backend"] = get_backend(engine)
    _worker["as_of"] = as_of
    _worker["every_ticket"] = every_ticket


def _simulate_chunk(first_line: int, lines: list[str]) -> list[dict[str, Any]]:
    import io

    stream = io.StringIO("".join(lines))
    raw = list(read_tickets(stream, "jsonl", first_line))
    return list(simulate(_worker["policies"], raw, _worker["backend"], _worker["as_of"], every_ticket=_worker["every_ticket"]))


def _chunks(path: str, on_bytes: Callable[[int], None] | None, size: int) -> Iterator[tuple[int, list[str]]]:
    with open_input(path) as stream:
        lines: list[str] = []
        first = 1
        for number, line in enumerate(stream, 1):
            lines.append(line)
            if on_bytes is not None:
                on_bytes(len(line.encode("utf-8", "replace")))
            if len(lines) == size:
                yield first, lines
                first, lines = number + 1, []
        if lines:
            yield first, lines


def results(
    policies: list[Policy], policy_path: str, path: str, fmt: str | None, engine: str | None,
    as_of: float, jobs: int = 1, on_bytes: Callable[[int], None] | None = None, every_ticket: bool = False,
    chunk_lines: int = CHUNK_LINES,
) -> Iterator[dict[str, Any]]:
    """Every input ticket's result, in input order (simulated or rejected)."""
    fmt = fmt or detect_format(path)
    if jobs <= 1 or fmt != "jsonl" or path == "-":
        backend: Backend = get_backend(engine)
        yield from simulate(policies, iter_input(path, fmt), backend, as_of, every_ticket=every_ticket)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(policy_path, engine, as_of, every_ticket)) as pool:
        pending: deque[Future[list[dict[str, Any]]]] = deque()
        chunks = _chunks(path, on_bytes, chunk_lines)

        def ordered() -> Iterator[dict[str, Any]]:
            for first, lines in chunks:
                pending.append(pool.submit(_simulate_chunk, first, lines))
                while len(pending) > 2 * jobs:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()

        try:
            yield from reject_duplicates(ordered())
        finally:
            for f in pending:
                f.cancel()
