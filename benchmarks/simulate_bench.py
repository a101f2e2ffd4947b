"""Time `simulate` per ticket on each rules-engine backend.

    .venv/bin/python benchmarks/simulate_bench.py [--copies 500]

Replays examples/tickets.jsonl COPIES times (fresh ids, dates shifted week by week)
against policies/after-sales and prints min / median µs per ticket over several runs.
Engine decisions are cached per distinct attribute combination, so this measures the
simulator plus the engine's share at a realistic cache-hit rate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from pathlib import Path

from slapolicy.engine import durable_available, get_backend
from slapolicy.simulate import simulate
from slapolicy.tickets import RawTicket
from slapolicy.validate import validate_paths

ROOT = Path(__file__).resolve().parent.parent


def shifted(ticket: dict, k: int) -> dict:
    out = json.loads(json.dumps(ticket))
    out["id"] = f"{ticket['id']}-{k}"
    for e in out["events"]:
        at = dt.datetime.fromisoformat(e["at"]) + dt.timedelta(days=7 * (k % 30))
        e["at"] = at.isoformat()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    base = [json.loads(line) for line in (ROOT / "examples" / "tickets.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    tickets = [RawTicket(shifted(t, k), i) for k in range(args.copies) for i, t in enumerate(base)]
    policies = validate_paths([ROOT / "policies" / "after-sales"]).policies
    as_of = dt.datetime(2026, 12, 31, tzinfo=dt.UTC).timestamp()
    print(f"{len(tickets)} tickets, {args.runs} runs (min / median µs per ticket)")
    for name in ["python"] + (["durable"] if durable_available() else []):
        samples = []
        for _ in range(args.runs):
            backend = get_backend(name)
            started = time.perf_counter()
            results = list(simulate(policies, tickets, backend, as_of))
            samples.append((time.perf_counter() - started) / len(tickets) * 1e6)
            assert all(r["status"] == "ok" for r in results)
        print(f"  {name:8} {min(samples):8.1f} {statistics.median(samples):8.1f}")


if __name__ == "__main__":
    main()
