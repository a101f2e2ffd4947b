"""Which build is installed: pure Python (the default), or the replay's hot modules compiled with
mypyc (`SLAPOLICY_USE_MYPYC=1` at install; setup.py reads `COMPILED` from this file, so the list is
kept in one place). The two builds give the same results byte for byte (CI compares them).

Nothing is imported here: `slapolicy --version` asks without loading the modules it names."""

from __future__ import annotations

import importlib.util
from pathlib import Path

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


def unlisted_modules(root: Path | None = None) -> tuple[str, ...]:
    """Extension modules inside the package (at `root`: the installed one by default) that `COMPILED` does not list:
    left by an in-place (editable) compiled build, or by a build of another list. They would run in place of their
    sources, unnoticed."""
    import importlib.machinery

    if root is None:
        spec = importlib.util.find_spec("slapolicy")
        if spec is None or spec.origin is None:
            return ()
        root = Path(spec.origin).parent
    found = []
    for path in sorted(root.rglob("*.so")) + sorted(root.rglob("*.pyd")):
        suffix = next((s for s in importlib.machinery.EXTENSION_SUFFIXES if path.name.endswith(s)), None)
        if suffix is not None:
            name = ".".join(("slapolicy", *path.relative_to(root).parent.parts, path.name[:-len(suffix)]))
            if name not in COMPILED:
                found.append(name)
    return tuple(found)


def description() -> str:
    """The build, as `slapolicy --version` says it."""
    found = compiled_modules()
    said = f"compiled with mypyc: {len(found)} of {len(COMPILED)} modules" if found else "pure Python"
    unlisted = unlisted_modules()
    return f"{said}; compiled, though not listed: {', '.join(unlisted)}" if unlisted else said
