"""Validation cost on a large policy: a seeded policy with 30 000 target rules (about 3 MB).

    .venv/bin/python benchmarks/validate_bench.py [--rules 30000] [--runs 3]

Runs `slapolicy validate` on it as a separate process and prints min / median wall time
and peak RSS, with the time per 1 000 rules: validation should grow linearly with the
size of the policy (issue 10: 30 000 rules once took 39 s and 349 MB).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def policy(rules: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    customers = [f"C{i:05d}" for i in range(2000)]
    lines = ['policy: big', 'version: "1.0"', 'effective_from: 2025-01-01', 'effective_until: 2025-12-31',
             'timezone: Asia/Shanghai', 'calendars:', '  always: 24x7',
             '  office: {hours: {mon-fri: ["09:00-12:00", "13:30-18:00"]}, holidays: {country: CN}}',
             'severities: {P1: {name: a}, P2: {name: b}, P3: {name: c}}',
             'tiers: {gold: {name: g}, silver: {name: s}, bronze: {name: b}}', 'roles: {lead: lead, head: head}',
             'attributes:', '  customer: {values: [' + ", ".join(customers) + ']}',
             'metrics:', '  first_response: {start: created, stop: responded, required: true}',
             '  resolution: {start: created, stop: resolved}', 'targets:']
    for i in range(rules):
        lines.append(f"  - {{id: r{i}, when: {{severity: {rng.choice(['P1', 'P2', 'P3'])}, tier: {rng.choice(['gold', 'silver', 'bronze'])}, "
                     f"customer: {rng.choice(customers)}}}, first_response: {rng.randint(5, 60)}m, resolution: {rng.randint(2, 9)}h}}")
    lines.append("  - {id: default, first_response: {within: 1h, calendar: office}, resolution: 24h}")
    lines += ["escalations:", "  first_response:", "    - {at: 75%, notify: [lead]}", "    - {at: breach, notify: [head]}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text(policy(args.rules), encoding="utf-8")
        times, rss = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "slapolicy", "validate", str(path)], stdout=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            times.append(time.perf_counter() - started)
            rss.append(usage.ru_maxrss / 1024)
            if os.waitstatus_to_exitcode(status) not in (0, 1):
                raise SystemExit("validate failed")
        print(f"{args.rules} rules ({path.stat().st_size / 1e6:.1f} MB): validate {min(times):.2f} / {statistics.median(times):.2f} s "
              f"(min / median of {args.runs}), {statistics.median(times) / args.rules * 1000 * 1000:.0f} ms per 1 000 rules, "
              f"peak RSS {max(rss):.0f} MB")


if __name__ == "__main__":
    main()
