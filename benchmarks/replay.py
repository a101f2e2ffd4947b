"""Replay at scale: `slapolicy report` throughput, peak memory and the cost over parsing.

    .venv/bin/python benchmarks/replay.py [--tickets 200000] [--runs 3]

Generates a seeded history for policies/after-sales (kept in a temporary directory),
then runs `slapolicy report` on it as a user would (a separate process each run) with
--jobs 1 and with all cores, on each rules-engine backend. Prints min / median of the
runs: tickets per second and peak RSS (largest process), and the time of a parse-only
pass (json.loads of every line) with the ratio simulate / parse-only.
Goals (2 cores): >= 20 000 tickets/s with all cores, peak RSS < 300 MB, ratio <= 15.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from slapolicy.engine import durable_available
from slapolicy.replay import default_jobs

ROOT = Path(__file__).resolve().parent.parent
SLAPOLICY = [sys.executable, "-m", "slapolicy"]


def run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cores = default_jobs()
    with tempfile.TemporaryDirectory() as tmp:
        history = Path(tmp) / "history.jsonl"
        started = time.perf_counter()
        subprocess.run([*SLAPOLICY, "generate", "--policy", str(ROOT / "policies/after-sales/2025.1.yaml"),
                        "--tickets", str(args.tickets), "--seed", "1", "--start", "2025-01-01", "-o", str(history)], check=True)
        print(f"{args.tickets} tickets generated in {time.perf_counter() - started:.1f} s "
              f"({history.stat().st_size / 1e6:.0f} MB); {cores} cores; python {sys.version.split()[0]}")

        parse = []
        for _ in range(args.runs):
            started = time.perf_counter()
            with history.open(encoding="utf-8") as f:
                for line in f:
                    json.loads(line)
            parse.append(time.perf_counter() - started)
        print(f"  parse-only (json.loads per line): min {min(parse):.2f} s, median {statistics.median(parse):.2f} s")

        engines = ["python"] + (["durable"] if durable_available() else [])
        for engine in engines:
            for jobs in sorted({1, cores}):
                times, rss = [], []
                for _ in range(args.runs):
                    seconds, mb = run([*SLAPOLICY, "report", str(ROOT / "policies/after-sales"), str(history),
                                       "--format", "json", "--as-of", "2026-06-30T00:00:00+08:00",
                                       "--engine", engine, "--jobs", str(jobs)])
                    times.append(seconds)
                    rss.append(mb)
                rates = [args.tickets / t for t in times]
                print(f"  report --engine {engine:7} --jobs {jobs}: {min(rates):8.0f} / {statistics.median(rates):8.0f} tickets/s "
                      f"(min / median), peak RSS {max(rss):.0f} MB, simulate / parse-only = {statistics.median(times) / statistics.median(parse):.1f}")
    print("  goals: >= 20000 tickets/s with all cores; peak RSS < 300 MB; simulate / parse-only <= 15")


if __name__ == "__main__":
    main()
