"""Replay at scale, side by side in one run: `report` and `simulate` throughput, peak memory,
the cost over a bare JSON parse, and the start-up of `--help` and `validate`.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/replay.py [--tickets 1000000] [--simulate-tickets 200000] [--runs 1]
    .venv/bin/python benchmarks/replay.py --history big.jsonl      # an existing history instead
    .venv-compiled/bin/python benchmarks/replay.py                 # the compiled build (setup.py), the same way

Generates a seeded history for policies/after-sales (kept in a temporary directory), then
runs each command as a user would, a separate process each run, and prints min / median
over the runs: wall seconds, tickets per second, peak RSS of the largest process (the
main process or a worker), and for `report` the ratio to a bare `orjson.loads` of every
line in one process (msgspec when orjson is not installed).

Goals (issue 23, 2 cores): report --jobs 2 >= 20 000 tickets/s and <= 10 x the bare parse;
simulate --format jsonl >= 10 000 tickets/s per core; peak RSS < 300 MB. Issue 18: `--help`
< 100 ms and `validate policies/` < 400 ms (alone: benchmarks/validate_bench.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
SLAPOLICY = [sys.executable, "-m", "slapolicy"]
AS_OF = "2026-06-30T00:00:00+08:00"
# the everyday commands' start-up and their goals in ms (issue 18)
STARTUP = (("slapolicy --help", [*SLAPOLICY, "--help"], 100), ("slapolicy validate policies/", [*SLAPOLICY, "validate", "policies/"], 400))


class Run(NamedTuple):
    """One run of a command as a separate process; wait4 accounts for the command's process and
    the processes it waited for (its workers)."""

    wall: float  # seconds
    rss: float  # peak MB of the largest of them
    cpu: float  # user + system seconds of all of them: less shaken than wall time by a busy machine


def run(args: list[str], stdout: int | None = subprocess.DEVNULL) -> Run:
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return Run(elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


class Parse(NamedTuple):
    """A bare parse of every line in one process: wall and CPU seconds."""

    wall: float
    cpu: float


def parse_only(history: Path) -> tuple[str, Parse]:
    try:
        import orjson

        loads, name = orjson.loads, "orjson"
    except ImportError:
        import msgspec

        loads, name = msgspec.json.decode, "msgspec"
    started, cpu = time.perf_counter(), time.process_time()
    with history.open("rb") as f:
        for line in f:
            loads(line)
    return name, Parse(time.perf_counter() - started, time.process_time() - cpu)


def measure(label: str, args: list[str], tickets: int, runs: int, parse: Parse | None = None) -> None:
    """Wall time and rate, and the CPU seconds of the command and its workers: on a machine other work shares,
    tickets per CPU second (per core) is the figure that holds, and cores times it the rate the wall time would show
    on a machine of its own (when the main process is not the limit)."""
    times, rss, cpus = [], [], []
    for _ in range(runs):
        seconds, mb, cpu = run(args)
        times.append(seconds)
        rss.append(mb)
        cpus.append(cpu)
    rates = [tickets / t for t in times]
    ratio = f", {statistics.median(times) / parse.wall:.1f} x the bare parse ({statistics.median(cpus) / parse.cpu:.1f} x in CPU)" \
        if parse else ""
    print(f"  {label:34} {min(times):7.1f} / {statistics.median(times):7.1f} s   {max(rates):8.0f} / "
          f"{statistics.median(rates):8.0f} tickets/s   peak RSS {max(rss):4.0f} MB{ratio}; "
          f"{tickets / statistics.median(cpus):6.0f} tickets per CPU second")


def startup(label: str, args: list[str], runs: int = 7, goal_ms: float | None = None) -> None:
    """The start-up of a short command: median wall and CPU milliseconds of `runs` runs after a
    warm-up run (which fills the file cache), and the goal."""
    run(args)
    samples = [run(args) for _ in range(runs)]
    wall, cpu = (statistics.median(getattr(r, f) for r in samples) * 1000 for f in ("wall", "cpu"))
    low, high = (f(r.wall for r in samples) * 1000 for f in (min, max))
    goal = f"   goal < {goal_ms:.0f} ms" if goal_ms is not None else ""
    print(f"  {label:34} {wall:7.0f} ms wall ({low:.0f}-{high:.0f}), {cpu:4.0f} ms cpu: median of {runs}{goal}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--simulate-tickets", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--history", type=Path, default=None, help="Use this JSONL history (no generation).")
    parser.add_argument("--engine", default="python")
    args = parser.parse_args()
    from slapolicy.build import description
    from slapolicy.sim.replay import default_jobs

    cores = default_jobs()
    with tempfile.TemporaryDirectory() as tmp:
        history = args.history
        if history is None:
            history = Path(tmp) / "history.jsonl"
            started = time.perf_counter()
            run([*SLAPOLICY, "generate", "--policy", "policies/after-sales", "--tickets", str(args.tickets),
                 "--seed", "1", "--start", "2025-01-01", "-o", str(history)])
            print(f"generated {args.tickets} tickets in {time.perf_counter() - started:.0f} s")
        with history.open("rb") as f:
            tickets = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 22), b""))
        head = Path(tmp) / "head.jsonl"
        with history.open("rb") as src, head.open("wb") as dst:
            for n, line in enumerate(src):
                if n >= args.simulate_tickets:
                    break
                dst.write(line)
        small = min(tickets, args.simulate_tickets)
        print(f"{tickets} tickets ({history.stat().st_size / 1e6:.0f} MB); {cores} cores; python {sys.version.split()[0]}; "
              f"engine {args.engine}; slapolicy {description()}; min / median of {args.runs} run(s)")
        name, parse = parse_only(history)
        print(f"  {'bare parse (' + name + ', 1 process)':34} {parse.wall:7.1f} s   {tickets / parse.cpu:8.0f} tickets per CPU second")
        for jobs in sorted({1, cores}):
            measure(f"report --jobs {jobs}", [*SLAPOLICY, "report", "policies/after-sales", str(history), "--format", "json",
                                              "--as-of", AS_OF, "--engine", args.engine, "--jobs", str(jobs)],
                    tickets, args.runs, parse)
        for jobs in sorted({1, cores}):
            measure(f"simulate -f jsonl --jobs {jobs} ({small})",
                    [*SLAPOLICY, "simulate", "policies/after-sales", str(head), "--format", "jsonl", "--as-of", AS_OF,
                     "--engine", args.engine, "--jobs", str(jobs)], small, args.runs)
        for label, command, goal in STARTUP:
            startup(label, command, goal_ms=goal)
    print("goals: report >= 20000 tickets/s with 2 jobs and <= 10 x the bare parse; simulate jsonl >= 10000 tickets/s "
          "per core; peak RSS < 300 MB")


if __name__ == "__main__":
    main()
