"""Validation cost: the start-up of the everyday commands against their goals (issue 18:
`slapolicy --help` < 100 ms, `slapolicy validate policies/` < 400 ms), then a seeded policy
with 30 000 target rules (about 3 MB).

    .venv/bin/python benchmarks/validate_bench.py [--startup-runs 15] [--rules 30000] [--runs 3]

Every figure is a whole process, as a user runs it. The start-up figures are the median
wall and CPU time of several runs after a warm-up run; where PYTHONDONTWRITEBYTECODE is set
(as on the development machines) slapolicy's own modules are compiled on every run, which
the first line says. The large policy prints min / median wall time and peak RSS, with the
time per 1 000 rules: validation should grow linearly with the size of the policy (issue
10: 30 000 rules once took 39 s and 349 MB). `--rules 0` leaves it out. Last, a policy with
a syntax error on a 2 MB line: the plain-words diagnosis scans the line once (issue 19: it
sliced the line at every character, 22-24 s).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path

from replay import SLAPOLICY, STARTUP, run, startup


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


def long_line(chars: int) -> str:
    """The minimal policy with a role whose description is `chars` characters long and never closed."""
    lines = ['policy: long', 'version: "1.0"', 'effective_from: 2025-01-01', 'timezone: Asia/Shanghai',
             'calendars: {always: 24x7}', 'severities: {P1: {name: a}}', 'metrics:',
             '  first_response: {start: created, stop: responded, required: true}',
             'targets:', '  - {first_response: 1h}', 'roles:', '  lead: {name: lead, description: "' + "x" * chars]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--startup-runs", type=int, default=15)
    parser.add_argument("--rules", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    compiled = "compiled on every run (PYTHONDONTWRITEBYTECODE)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "cached"
    print(f"python {sys.version.split()[0]}; bytecode of slapolicy's modules: {compiled}")
    for label, command, goal in STARTUP:
        startup(label, command, args.startup_runs, goal)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long_line.yaml"
        path.write_text(long_line(2_000_000), encoding="utf-8")
        samples = [run([*SLAPOLICY, "validate", str(path)]) for _ in range(args.runs)]
        times = sorted(r.wall for r in samples)
        print(f"a syntax error on a 2 MB line: validate {times[0]:.2f} / {statistics.median(times):.2f} s (min / median of {args.runs})")
    if not args.rules:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text(policy(args.rules), encoding="utf-8")
        samples = [run([*SLAPOLICY, "validate", str(path)]) for _ in range(args.runs)]
        times = [r.wall for r in samples]
        print(f"{args.rules} rules ({path.stat().st_size / 1e6:.1f} MB): validate {min(times):.2f} / {statistics.median(times):.2f} s "
              f"(min / median of {args.runs}), {statistics.median(times) / args.rules * 1000 * 1000:.0f} ms per 1 000 rules, "
              f"peak RSS {max(r.rss for r in samples):.0f} MB")


if __name__ == "__main__":
    main()
