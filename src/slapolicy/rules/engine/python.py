"""Pure-Python interpreter for the durable-rules JSON expressions the compiler emits."""

from __future__ import annotations

from typing import Any

from ..compiler import CompiledPolicy, Expr

_ORDER = {"$lt": lambda a, b: a < b, "$lte": lambda a, b: a <= b, "$gt": lambda a, b: a > b, "$gte": lambda a, b: a >= b}


def _comparable(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    num = (int, float)
    return (isinstance(a, num) and isinstance(b, num)) or (isinstance(a, str) and isinstance(b, str))


def holds(expr: Expr, fact: dict[str, Any]) -> bool:
    ((key, value),) = expr.items()
    if key == "$and":
        return all(holds(e, fact) for e in value)
    if key == "$or":
        return any(holds(e, fact) for e in value)
    if key in ("$ex", "$nex"):
        ((f, _),) = value.items()
        return (f in fact) == (key == "$ex")
    if key == "$neq":
        ((f, v),) = value.items()
        return f in fact and fact[f] != v
    if key in _ORDER:
        ((f, v),) = value.items()
        return f in fact and _comparable(fact[f], v) and bool(_ORDER[key](fact[f], v))
    if key.startswith("$"):
        raise ValueError(f"operator {key} is not part of the compiled subset")
    return key in fact and bool(fact[key] == value)


class PythonBackend:
    name = "python"

    def matches(self, compiled: CompiledPolicy, fact: dict[str, Any]) -> frozenset[str]:
        return frozenset(rule["run"] for rule in compiled.rules.values() if holds(rule["all"][0]["m"], fact))
