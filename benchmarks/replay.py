"""Replay at scale, side by side in one run: `report` and `simulate` throughput, peak memory,
the cost over a bare JSON parse, and the start-up of `--help` and `validate`.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/replay.py [--tickets 1000000] [--simulate-tickets 200000] [--runs 1]
    .venv/bin/python benchmarks/replay.py --history big.jsonl      # an existing history instead

Generates a seeded history for policies/after-sales (kept in a temporary directory), then
runs each command as a user would, a separate process each run, and prints min / median
over the runs: wall seconds, tickets per second, peak RSS of the largest process (the
main process or a worker), and for `report` the ratio to a bare `orjson.loads` of every
line in one process (msgspec when orjson is not installed).

Goals (issue 9, 2 cores): report --jobs 2 >= 20 000 tickets/s and <= 8 x the bare parse;
simulate --format jsonl >= 8 000 tickets/s per core; peak RSS < 300 MB; `--help` < 150 ms;
`validate policies/` < 400 ms.
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

ROOT = Path(__file__).resolve().parent.parent
SLAPOLICY = [sys.executable, "-m", "slapolicy"]
AS_OF = "2026-06-30T00:00:00+08:00"


def run(args: list[str], stdout: int | None = subprocess.DEVNULL) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run: wait4 reports the largest of the command's
    process and the processes it waited for (its workers)."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024


def parse_only(history: Path) -> tuple[str, float]:
    try:
        import orjson

        loads, name = orjson.loads, "orjson"
    except ImportError:
        import msgspec

        loads, name = msgspec.json.decode, "msgspec"
    started = time.perf_counter()
    with history.open("rb") as f:
        for line in f:
            loads(line)
    return name, time.perf_counter() - started


def measure(label: str, args: list[str], tickets: int, runs: int, parse: float | None = None) -> None:
    times, rss = [], []
    for _ in range(runs):
        seconds, mb = run(args)
        times.append(seconds)
        rss.append(mb)
    rates = [tickets / t for t in times]
    ratio = f", {statistics.median(times) / parse:.1f} x the bare parse" if parse else ""
    print(f"  {label:34} {min(times):7.1f} / {statistics.median(times):7.1f} s   {max(rates):8.0f} / "
          f"{statistics.median(rates):8.0f} tickets/s   peak RSS {max(rss):4.0f} MB{ratio}")


def startup(label: str, args: list[str], runs: int = 7) -> None:
    times = [run(args)[0] for _ in range(runs)]
    print(f"  {label:34} {min(times) * 1000:7.0f} / {statistics.median(times) * 1000:7.0f} ms (min / median of {runs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--simulate-tickets", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--history", type=Path, default=None, help="Use this JSONL history (no generation).")
    parser.add_argument("--engine", default="python")
    args = parser.parse_args()
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
              f"engine {args.engine}; min / median of {args.runs} run(s)")
        name, parse = parse_only(history)
        print(f"  {'bare parse (' + name + ', 1 process)':34} {parse:7.1f} s")
        for jobs in sorted({1, cores}):
            measure(f"report --jobs {jobs}", [*SLAPOLICY, "report", "policies/after-sales", str(history), "--format", "json",
                                              "--as-of", AS_OF, "--engine", args.engine, "--jobs", str(jobs)],
                    tickets, args.runs, parse)
        for jobs in sorted({1, cores}):
            measure(f"simulate -f jsonl --jobs {jobs} ({small})",
                    [*SLAPOLICY, "simulate", "policies/after-sales", str(head), "--format", "jsonl", "--as-of", AS_OF,
                     "--engine", args.engine, "--jobs", str(jobs)], small, args.runs)
        startup("slapolicy --help", [*SLAPOLICY, "--help"])
        startup("slapolicy validate policies/", [*SLAPOLICY, "validate", "policies/"])
    print("goals: report >= 20000 tickets/s with 2 jobs and <= 8 x the bare parse; simulate jsonl >= 8000 tickets/s "
          "per core; peak RSS < 300 MB; --help < 150 ms; validate < 400 ms")


if __name__ == "__main__":
    main()
