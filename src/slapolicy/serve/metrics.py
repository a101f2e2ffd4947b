"""The service's metrics in Prometheus' text format: counters and histograms kept in this process
(events accepted, escalations fired and delivered, delivery failures, scheduler lag, accept
latency), gauges read from the database when scraped (open subjects, deliveries by state)."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Mapping

LAG_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0, 300.0)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)

COUNTERS = {
    "events_accepted": "events accepted (stored, the subject replayed)",
    "events_repeated": "events posted again with an id already accepted (answered, not applied)",
    "events_refused": "events refused (422 or 409)",
    "webhook_values_omitted": "webhook payload values a profile's map lacks, left out as it says (unmapped: omit)",
    "escalations_fired": "escalation steps fired, once per dedupe key",
    "escalations_fired_late": "escalation steps fired later than late_after after their instant",
    "deliveries_delivered": "deliveries a webhook or SMTP server accepted",
    "delivery_failures": "delivery attempts that failed (each is retried until it is a dead letter)",
    "deliveries_dead": "deliveries given up after their last attempt (dead letters)",
    "policy_reloads": "policy reloads that replaced the policy",
    "policy_reloads_refused": "policy reloads refused because the new files do not validate",
}


class Histogram:
    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)
        self.total = 0.0
        self.n = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value
        self.n += 1

    def lines(self, name: str, labels: str = "") -> list[str]:
        out, running = [], 0
        sep = "," if labels else ""
        for bound, count in zip((*map(str, self.buckets), "+Inf"), self.counts):
            running += count
            out.append(f'{name}_bucket{{{labels}{sep}le="{bound}"}} {running}')
        brace = f"{{{labels}}}" if labels else ""
        out += [f"{name}_sum{brace} {self.total}", f"{name}_count{brace} {self.n}"]
        return out


class Metrics:
    """Thread-safe: the HTTP loop, the replay thread and the delivery thread all count here."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts = dict.fromkeys(COUNTERS, 0)
        self.lag = {"scheduler": Histogram(LAG_BUCKETS), "event": Histogram(LAG_BUCKETS)}
        self.latency = Histogram(LATENCY_BUCKETS)

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.counts[name] += n

    def fired(self, lag: float, source: str, late: bool) -> None:
        with self._lock:
            self.counts["escalations_fired"] += 1
            self.counts["escalations_fired_late"] += int(late)
            self.lag[source].observe(max(lag, 0.0))

    def accepted(self, seconds: float) -> None:
        with self._lock:
            self.latency.observe(seconds)

    def text(self, gauges: Mapping[str, int]) -> str:
        lines = []
        with self._lock:
            for name, help_text in COUNTERS.items():
                lines += [f"# HELP slapolicy_{name}_total {help_text}", f"# TYPE slapolicy_{name}_total counter",
                          f"slapolicy_{name}_total {self.counts[name]}"]
            lines += ["# HELP slapolicy_escalation_lag_seconds how long after its instant a step was fired "
                      "(scheduler: the scheduler's lag; event: fired by the event that revealed it)",
                      "# TYPE slapolicy_escalation_lag_seconds histogram"]
            for source, histogram in self.lag.items():
                lines += histogram.lines("slapolicy_escalation_lag_seconds", f'source="{source}"')
            lines += ["# HELP slapolicy_accept_seconds time from an events request read to its answer, commit included",
                      "# TYPE slapolicy_accept_seconds histogram", *self.latency.lines("slapolicy_accept_seconds")]
        for name, value in sorted(gauges.items()):
            lines += [f"# TYPE slapolicy_{name} gauge", f"slapolicy_{name} {value}"]
        return "\n".join(lines) + "\n"
