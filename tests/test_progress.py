"""The progress bar: counted in tickets, the run's average rate and the time left at it, only on
a terminal."""

from __future__ import annotations

import io
import sys

import pytest
from rich.console import Console
from rich.progress import Progress

from slapolicy.output import progress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def rendered(bar: Progress) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(bar.get_renderable())
    return console.file.getvalue().strip()  # type: ignore[attr-defined]


def test_rate_and_time_left_are_the_average_so_far() -> None:
    clock = Clock()
    bar = Progress(*progress.columns(), get_time=clock, console=Console(file=io.StringIO()), auto_refresh=False)
    task = bar.add_task("tickets", total=200_000)
    assert rendered(bar).endswith("0/200000 - tickets/s -:--:-- left")
    clock.now = 4.0
    bar.advance(task, 50_000)  # a block of 50 000 after 4 s: 12 500 tickets/s, 150 000 left = 12 s
    assert rendered(bar).endswith("50000/200000 12,500 tickets/s 0:00:12 left")
    clock.now = 5.0  # a quiet second between blocks: the rate is the average, not the last second's zero
    assert rendered(bar).endswith("50000/200000 10,000 tickets/s 0:00:15 left")


def test_clock_format() -> None:
    assert [progress.clock(s) for s in (None, 0, 59.6, 3725)] == ["-:--:--", "0:00:00", "0:01:00", "1:02:05"]


def test_no_bar_unless_stderr_is_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = []
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with progress.bar(lambda: asked.append(1) or 10) as advance:
        assert advance is None
    assert asked == []  # the total (a pass over the file) is not even computed


def test_on_a_terminal_the_bar_counts_tickets(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    with progress.bar(lambda: 3) as advance:
        assert advance is not None
        advance(3)
    with progress.bar(lambda: None) as advance:  # stdin: no total, no bar
        assert advance is None


def test_generate_piped_writes_no_bar(run_cli: object) -> None:
    result = run_cli("generate", "--policy", "policies/after-sales", "--tickets", "5")  # type: ignore[operator]
    assert result.exit_code == 0 and result.stderr == "" and len(result.stdout.splitlines()) == 5
