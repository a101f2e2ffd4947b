"""The shipped JSON Schema, and schema errors turned into positioned diagnostics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, did_you_mean
from .loader import Document

if TYPE_CHECKING:  # jsonschema is imported only to explain an invalid document
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMAS = {"policy": "policy.schema.json", "tests": "policy-test.schema.json", "register": "register.schema.json",
           "profile": "import-profile.schema.json"}

_TYPE_WORDS = {
    "object": "a mapping of keys", "array": "a list", "string": "text", "number": "a number",
    "integer": "a whole number", "boolean": "true or false", "null": "nothing",
}


def schema_text(name: str = "policy") -> str:
    return files(__package__).joinpath("schemas", SCHEMAS[name]).read_text(encoding="utf-8")


@cache
def _validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(schema_text(name)))


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"the text '{value}'"


def _expected(types: Any) -> str:
    types = [types] if isinstance(types, str) else list(types)
    return " or ".join(_TYPE_WORDS.get(t, t) for t in types)


def _leaf(error: ValidationError) -> ValidationError:
    """Descend oneOf/anyOf alternatives to the error a person should see.

    Alternatives whose type does not even fit the value are dropped first, so `15 mins`
    is told what a duration looks like rather than that it is not a mapping.
    """
    while error.context:
        branches: dict[object, list[ValidationError]] = {}
        for e in error.context:
            branches.setdefault(e.relative_schema_path[0], []).append(e)
        viable = [
            e for errs in branches.values()
            if not any(x.validator == "type" and not x.relative_path for x in errs) for e in errs
        ]
        if not viable:
            return error
        from jsonschema.exceptions import best_match, relevance

        error = best_match(viable, key=relevance)
    return error


def _branch_types(error: ValidationError) -> list[str]:
    types: list[str] = []
    for e in error.context or ():
        if e.validator == "type" and not e.relative_path:
            value = e.validator_value
            types.extend([value] if isinstance(value, str) else value)
    return list(dict.fromkeys(types))


def _convert(doc: Document, error: ValidationError) -> Iterator[Diagnostic]:
    err = _leaf(error)
    path = tuple(err.absolute_path)
    v = err.validator
    if v == "additionalProperties" and isinstance(err.instance, dict):
        known = set(err.schema.get("properties", {}))
        for key in err.instance:
            if key not in known:
                yield doc.diagnostic(path + (key,), "SLA101", f"unknown key '{key}'{did_you_mean(key, known)}", key=True)
        return
    if v == "required":
        missing = [k for k in err.validator_value if isinstance(err.instance, dict) and k not in err.instance]
        for key in missing:
            where = f" in {path[-2]} '{path[-1]}'" if len(path) >= 2 and isinstance(path[-1], str) else ""
            yield doc.diagnostic(path, "SLA102", f"missing required key '{key}'{where}")
        return
    if v == "type" or (v in ("oneOf", "anyOf") and _branch_types(err)):
        expected = err.validator_value if v == "type" else _branch_types(err)
        yield doc.diagnostic(path, "SLA103", f"expected {_expected(expected)}, found {_describe(err.instance)}")
        return
    if v == "propertyNames":
        name = err.instance
        message = err.schema.get("x-message") or "is not allowed here"
        yield doc.diagnostic(path + (name,), "SLA104", f"'{name}' {message}", key=True)
        return
    hint = err.schema.get("x-message")
    if v == "pattern" and hint:
        message = f"'{err.instance}' {hint}"
    elif v in ("enum", "const"):
        options = err.validator_value if v == "enum" else [err.validator_value]
        message = f"{_describe(err.instance)} is not allowed; use one of: {', '.join(map(str, options))}"
    elif v in ("minProperties", "minItems"):
        message = "must not be empty"
    elif v == "uniqueItems":
        message = "lists a value twice"
    else:
        message = err.message
    yield doc.diagnostic(path, "SLA104", message)


@cache
def _fast(name: str) -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(json.loads(schema_text(name)))


def schema_problems(doc: Document, name: str = "policy") -> list[Diagnostic]:
    """Every schema violation in the document, one diagnostic each, in file order.

    A valid document is recognised by jsonschema-rs (Rust, linear: 40 ms for a 30 000-rule
    policy); only a document with problems is walked by jsonschema, whose errors carry
    what the messages need (the failing keyword, its alternatives, the schema's hints).
    A test holds the two to the same verdict."""
    try:
        if _fast(name).is_valid(doc.data):
            return []
    except (ValueError, OverflowError):  # a value it cannot take (a number beyond 64 bits): let jsonschema decide
        pass
    errors = sorted(_validator(name).iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path)))
    out: set[Diagnostic] = set()
    for error in errors:
        out.update(_convert(doc, error))
    return sorted(out)
