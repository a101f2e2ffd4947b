"""Time BusinessCalendar.add / elapsed against businesstimedelta on the same inputs.

    .venv/bin/pip install -e '.[bench]' && .venv/bin/python benchmarks/calendar_bench.py

Calendar: Asia/Shanghai, Mon-Fri 09:00-12:00 and 13:30-18:00, China's holidays and
make-up working days. 100 000 random starts in 2025-2026 and durations of 1 min to 3
working days. businesstimedelta gets the same hours and holidays but cannot express
make-up working days, so it answers a slightly easier question. Prints min / median
of several runs, in microseconds per operation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from slapolicy.calendar.business import BusinessCalendar
from slapolicy.calendar.spec import CalendarSpec

TZ = ZoneInfo("Asia/Shanghai")
SPEC = CalendarSpec(
    "cn_office", "Asia/Shanghai", hours=(((540, 720), (810, 1080)),) * 5 + ((), ()), country="CN"
)


def timed(fn: Callable[[], object], runs: int, n: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) / n * 1e6)
    return min(samples), statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    base = dt.datetime(2025, 1, 1, tzinfo=TZ).timestamp()
    starts = [base + rng.randrange(0, 2 * 365 * 86400) for _ in range(args.n)]
    seconds = [rng.randrange(60, 3 * 7 * 3600) for _ in range(args.n)]
    aware = [dt.datetime.fromtimestamp(s, TZ) for s in starts]
    deltas = [dt.timedelta(seconds=s) for s in seconds]

    cal = BusinessCalendar(SPEC)
    cal.add_epoch(starts[0], 1)  # build the tables once, as a long-running process would
    ends = [cal.add_epoch(s, d) for s, d in zip(starts, seconds)]
    aware_ends = [dt.datetime.fromtimestamp(e, TZ) for e in ends]

    rows: list[tuple[str, float, float]] = []
    rows.append(("slapolicy add (epoch seconds)", *timed(lambda: [cal.add_epoch(s, d) for s, d in zip(starts, seconds)], args.runs, args.n)))
    rows.append(("slapolicy add (aware datetimes)", *timed(lambda: [cal.add(s, d) for s, d in zip(aware, deltas)], args.runs, args.n)))
    rows.append(("slapolicy elapsed (epoch seconds)", *timed(lambda: [cal.elapsed_epoch(s, e) for s, e in zip(starts, ends)], args.runs, args.n)))
    rows.append(("slapolicy elapsed (aware datetimes)", *timed(lambda: [cal.elapsed(s, e) for s, e in zip(aware, aware_ends)], args.runs, args.n)))

    try:
        import businesstimedelta as btd
        import holidays
        import pytz
    except ImportError:
        btd = None
    if btd is not None:
        cn = holidays.country_holidays("CN", years=[2025, 2026, 2027])
        rule = btd.Rules([
            btd.WorkDayRule(start_time=dt.time(9), end_time=dt.time(12), working_days=[0, 1, 2, 3, 4], tz=pytz.timezone("Asia/Shanghai")),
            btd.WorkDayRule(start_time=dt.time(13, 30), end_time=dt.time(18), working_days=[0, 1, 2, 3, 4], tz=pytz.timezone("Asia/Shanghai")),
            btd.HolidayRule(cn, tz=pytz.timezone("Asia/Shanghai")),
        ])
        m = max(1, args.n // 20)  # it is slow: time a twentieth and scale per operation
        rows.append(("businesstimedelta add", *timed(lambda: [aware[i] + btd.BusinessTimeDelta(rule, timedelta=deltas[i]) for i in range(m)], max(1, args.runs // 2), m)))
        rows.append(("businesstimedelta elapsed", *timed(lambda: [rule.difference(aware[i], aware_ends[i]) for i in range(m)], max(1, args.runs // 2), m)))

    print(f"python {sys.version.split()[0]}, {args.n} operations, {args.runs} runs (min / median, µs per operation)")
    for name, lo, med in rows:
        print(f"  {name:38} {lo:9.2f} {med:9.2f}")
    by = {name: med for name, _, med in rows}
    if "businesstimedelta add" in by:
        print(f"  add: slapolicy (aware) is {by['businesstimedelta add'] / by['slapolicy add (aware datetimes)']:.0f}x faster"
              f", on epoch seconds {by['businesstimedelta add'] / by['slapolicy add (epoch seconds)']:.0f}x")
        print(f"  elapsed: slapolicy (aware) is {by['businesstimedelta elapsed'] / by['slapolicy elapsed (aware datetimes)']:.0f}x faster")
    print("  goals: add <= 2 µs on epoch seconds, <= 6 µs with aware datetimes, >= 100x businesstimedelta")


if __name__ == "__main__":
    main()
