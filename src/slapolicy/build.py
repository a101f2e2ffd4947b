"""Which build is installed: pure Python (the default), or the replay's hot modules compiled with
mypyc (`SLAPOLICY_USE_MYPYC=1` at install; setup.py reads `COMPILED` from this file, so the list is
kept in one place). The two builds give the same results byte for byte (CI compares them).

Nothing is imported here: `slapolicy --version` asks without loading the modules it names."""

from __future__ import annotations

import importlib.util

# per ticket: decoding its line, the clock machine, deadlines, escalations, decisions, findings, samples, the report's
# tallies and simulate's encoding (see docs/benchmark.md). Left pure on purpose: modules with frozen dataclasses that cross
# process boundaries (a compiled one cannot be unpickled: policy.conditions, sim.lanes, sim.outcome) and
# modules with msgspec structs (mypyc rewrites their annotations: sim.wire).
COMPILED = (
    "slapolicy.calendar.business",
    "slapolicy.calendar.instants",
    "slapolicy.kpi.measured",
    "slapolicy.kpi.report",
    "slapolicy.kpi.tally",
    "slapolicy.kpi.tallying",
    "slapolicy.output.encode",
    "slapolicy.rules.engine.python",
    "slapolicy.sim.checks",
    "slapolicy.sim.clock",
    "slapolicy.sim.correlate",
    "slapolicy.sim.decisions",
    "slapolicy.sim.derive",
    "slapolicy.sim.escalation",
    "slapolicy.sim.findings",
    "slapolicy.sim.machine",
    "slapolicy.sim.samples",
    "slapolicy.sim.simulator",
    "slapolicy.sim.tickets",
)


def compiled_modules() -> tuple[str, ...]:
    """The modules of `COMPILED` this installation loads from an extension module (none: the pure build)."""
    found = []
    for name in COMPILED:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin is not None and not spec.origin.endswith(".py"):
            found.append(name)
    return tuple(found)


def description() -> str:
    """The build, as `slapolicy --version` says it."""
    found = compiled_modules()
    if not found:
        return "pure Python"
    return f"compiled with mypyc: {len(found)} of {len(COMPILED)} modules"
