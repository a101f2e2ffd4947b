"""Time the replay of one ticket, stage by stage, on each rules-engine backend (in one process).

    .venv/bin/python benchmarks/simulate_bench.py [--copies 500] [--runs 3]

Replays examples/tickets.jsonl COPIES times (fresh ids, dates shifted week by week)
against policies/after-sales and prints min / median µs per ticket for decoding a JSONL
line, simulating it (engine decisions are cached per distinct attribute combination, so
this is the simulator plus the engine's share at a realistic cache-hit rate), adding it to
a report, and encoding it as a JSONL output line.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

from slapolicy.kpi.report import Aggregator
from slapolicy.output.encode import Encoder
from slapolicy.output.simulation import encode
from slapolicy.rules.engine import durable_available, get_backend
from slapolicy.sim.simulator import Replayer
from slapolicy.sim.tickets import Ticket, decode_line
from slapolicy.validate.repository import open_policy_set

ROOT = Path(__file__).resolve().parent.parent


def shifted(ticket: dict, k: int) -> bytes:
    out = json.loads(json.dumps(ticket))
    out["id"] = f"{ticket['id']}-{k}"
    for e in out["events"]:
        e["at"] = (dt.datetime.fromisoformat(e["at"]) + dt.timedelta(days=7 * (k % 30))).isoformat()
    return json.dumps(out, ensure_ascii=False).encode()


@contextlib.contextmanager
def stopwatch(samples: list[float], n: int) -> Iterator[None]:
    started = time.perf_counter()
    yield
    samples.append((time.perf_counter() - started) / n * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    base = [json.loads(line) for line in (ROOT / "examples" / "tickets.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = [shifted(t, k) for k in range(args.copies) for t in base]
    policies = open_policy_set(ROOT / "policies" / "after-sales")
    as_of = dt.datetime(2026, 12, 31, tzinfo=dt.UTC).timestamp()
    n = len(lines)
    print(f"{n} tickets, {args.runs} runs; µs per ticket, min / median")
    for name in ["python"] + (["durable"] if durable_available() else []):
        stages: dict[str, list[float]] = {"decode": [], "simulate": [], "report": [], "encode jsonl": []}
        for _ in range(args.runs):
            with stopwatch(stages["decode"], n):
                tickets = [decode_line(line, i, policies.tz) for i, line in enumerate(lines, 1)]
            replayer = Replayer(policies, get_backend(name), as_of)
            with stopwatch(stages["simulate"], n):
                outcomes = [replayer.outcome(t) for t in tickets if isinstance(t, Ticket)]
            assert len(outcomes) == n
            aggregator = Aggregator(policies.tz, "month", ())
            with stopwatch(stages["report"], n):
                for o in outcomes:
                    aggregator.add_outcome(o)
            encoder = Encoder()
            with stopwatch(stages["encode jsonl"], n):
                for o in outcomes:
                    encode("jsonl", encoder.outcome(o))
        print(f"  {name}")
        for stage, samples in stages.items():
            print(f"    {stage:14} {min(samples):8.1f} {statistics.median(samples):8.1f}")


if __name__ == "__main__":
    main()
