"""A progress bar counted in tickets, on stderr, only while stderr is a terminal: piped and CI
output never holds one.

The rate and the time left are the run's average so far (tickets done ÷ time since the bar
started), not a short window: a history is replayed in blocks that finish in bursts, and a
window would swing between zero and several times the real rate.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import ProgressColumn, Task
    from rich.text import Text

Advance = Callable[[int], None]


def rate(task: Task) -> float | None:
    """Tickets per second since the bar started; None before the first ticket."""
    elapsed = task.elapsed
    return task.completed / elapsed if task.completed and elapsed else None


def remaining(task: Task) -> float | None:
    """Seconds left at the average rate so far; None while unknown."""
    speed = rate(task)
    return None if speed is None or task.total is None else max(task.total - task.completed, 0) / speed


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    whole = round(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def columns() -> tuple[str | ProgressColumn, ...]:
    """The bar's columns: what, bar, done/total, tickets per second, time left."""
    from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = rate(task)
            return Text(f"{speed:,.0f} {task.description}/s" if speed is not None else f"- {task.description}/s",
                        style="progress.data.speed")

    class Left(ProgressColumn):
        def render(self, task: Task) -> Text:
            return Text(f"{clock(remaining(task))} left", style="progress.remaining")

    return ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), Rate(), Left())


@contextlib.contextmanager
def bar(total: Callable[[], int | None], what: str = "tickets") -> Iterator[Advance | None]:
    """A function to call with the number of tickets just done, or None (no terminal, or no known
    total: stdin). `total` is asked only on a terminal (counting a file's lines reads it)."""
    count = total() if sys.stderr.isatty() else None
    if count is None:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(*columns(), transient=True, console=Console(stderr=True), refresh_per_second=4) as progress:
        task = progress.add_task(what, total=count)
        step = max(1, count // 1000)  # the bar is told in steps: an update costs microseconds, a ticket may cost less
        pending = 0

        def advance(n: int) -> None:
            nonlocal pending
            pending += n
            if pending >= step:
                progress.advance(task, pending)
                pending = 0

        yield advance
        progress.advance(task, pending)
