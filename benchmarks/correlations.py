"""The cost of correlation rules (issue 12): `report` on the same history under the shipped
after-sales policy and under the same policy without its correlation, side by side.

    .venv/bin/python benchmarks/correlations.py [--tickets 1000000] [--runs 1] [--jobs N]

The history is generated for policies/after-sales (customers, products and problem codes from
small pools, so the recurrence rule matches often). The policy "without" is the shipped one
with its `correlations:` removed and the correlation's event declared as a plain event, so the
metric that starts on it stays valid and every other rule is the same: the difference is the
first pass over the history and the matching. Prints wall seconds, tickets per second, peak
RSS and the ratio; the goal is at most 2x.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from replay import AS_OF, ROOT, SLAPOLICY, run


def without_correlations(text: str) -> str:
    text = re.sub(r"\ncorrelations:\n(?:  .*\n|    .*\n)+", "\n", text)
    return text.replace("\nevents:\n", "\nevents:\n  recurring-problem: a correlation event (never happens here)\n", 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    from slapolicy.sim.replay import default_jobs

    jobs = args.jobs or default_jobs()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "without"
        base.mkdir()
        (base / "2025.1.yaml").write_text(
            without_correlations((ROOT / "policies/after-sales/2025.1.yaml").read_text(encoding="utf-8"))
            .replace("../../regulation/", f"{ROOT.as_posix()}/regulation/"), encoding="utf-8")
        assert "correlations:" not in (base / "2025.1.yaml").read_text(encoding="utf-8")
        history = Path(tmp) / "history.jsonl"
        started = time.perf_counter()
        run([*SLAPOLICY, "generate", "--policy", "policies/after-sales", "--tickets", str(args.tickets), "--seed", "1",
             "--start", "2025-01-01", "-o", str(history)])
        print(f"generated {args.tickets} tickets in {time.perf_counter() - started:.0f} s; {jobs} job(s); "
              f"python {sys.version.split()[0]}; min / median of {args.runs} run(s)")
        medians = {}
        for label, policy in (("with the correlation", "policies/after-sales/2025.1.yaml"),
                              ("without it", str(base / "2025.1.yaml"))):
            times, rss = [], []
            for _ in range(args.runs):
                seconds, mb, _ = run([*SLAPOLICY, "report", policy, str(history), "--format", "json", "--as-of", AS_OF,
                                   "--engine", "python", "--jobs", str(jobs)])
                times.append(seconds)
                rss.append(mb)
            medians[label] = statistics.median(times)
            print(f"  report {label:22} {min(times):7.1f} / {medians[label]:7.1f} s   "
                  f"{args.tickets / medians[label]:8.0f} tickets/s   peak RSS {max(rss):4.0f} MB")
        print(f"  ratio with / without: {medians['with the correlation'] / medians['without it']:.2f} (goal <= 2)")


if __name__ == "__main__":
    main()
