"""The shipped JSON Schema, and schema errors turned into positioned diagnostics."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from ..diagnostics.record import Diagnostic, did_you_mean, named, shorten
from ..i18n import N_, Message
from .loader import Document, JsonPath, json_path
from .syntax import full_width_note

if TYPE_CHECKING:  # jsonschema is imported only to explain an invalid document
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

_BOUNDS = {"minimum": N_("{value} is less than the least allowed here, {bound}; write a number within the bounds"),
           "maximum": N_("{value} is more than the most allowed here, {bound}; write a number within the bounds"),
           "exclusiveMinimum": N_("{value} must be more than {bound}; write a number within the bounds"),
           "exclusiveMaximum": N_("{value} must be less than {bound}; write a number within the bounds")}
_MAX_LISTED = 12  # more allowed keys than this are not listed in a message

SCHEMAS = {"policy": "policy.schema.json", "tests": "policy-test.schema.json", "register": "register.schema.json",
           "profile": "import-profile.schema.json"}

_TYPE_WORDS = {
    "object": N_("a mapping of keys"), "array": N_("a list"), "string": N_("text"), "number": N_("a number"),
    "integer": N_("a whole number"), "boolean": N_("true or false"), "null": N_("nothing"),
}


def schema_text(name: str = "policy") -> str:
    return files(__package__).joinpath("schemas", SCHEMAS[name]).read_text(encoding="utf-8")


@cache
def _validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(schema_text(name)))


def _describe(value: Any) -> Message:
    if isinstance(value, bool):
        return Message(N_("true/false"))
    if isinstance(value, dict):
        return Message(N_("a mapping"))
    if isinstance(value, list):
        return Message(N_("a list"))
    if value is None:
        return Message(N_("nothing"))
    if isinstance(value, (int, float)):
        return Message(N_("the number {value}"), value=value)
    return Message(N_("the text '{value}'"), value=shorten(value))


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "number" if isinstance(value, (int, float)) else "string"


def _expected(types: Any) -> Message:
    types = [types] if isinstance(types, str) else list(types)
    return _either([Message(_TYPE_WORDS[t]) if t in _TYPE_WORDS else Message("{name}", name=t) for t in types])


def _either(alternatives: list[Message]) -> Message:
    """`a list or text`, said in the reader's language."""
    said = alternatives[0]
    for other in alternatives[1:]:
        said = Message(N_("{one} or {other}"), one=said, other=other)
    return said


_KEYS = ("required", "additionalProperties")  # a mapping's errors that say it has another's keys


def _fits(errors: list[ValidationError], instance: Any) -> bool:
    """Whether an alternative of a oneOf/anyOf has the shape the user wrote: its own type
    (or its constant's) is the value's, so its errors are about what is inside."""
    kind = _json_type(instance)
    for e in errors:
        if e.relative_path:
            continue
        if e.validator == "type":
            return False
        if e.validator in ("const", "enum"):
            allowed = [e.validator_value] if e.validator == "const" else e.validator_value
            if all(_json_type(a) != kind for a in allowed):
                return False
    return True


def _leaves(error: ValidationError) -> list[ValidationError]:
    """The errors a person should see under one schema error (the deepest path, not the
    enclosing mapping).

    A oneOf/anyOf is descended into the alternative that has the shape of the value (a
    calendar written as a mapping is told what is wrong inside the mapping, not that it is
    not `24x7`); when several alternatives have that shape, jsonschema's best_match picks
    the likeliest, as check-jsonschema does."""
    if not error.context:
        return [error]
    branches: dict[object, list[ValidationError]] = {}
    for e in error.context:
        branches.setdefault(e.relative_schema_path[0], []).append(e)
    viable = [errs for errs in branches.values() if _fits(errs, error.instance)]
    if not viable:
        return [error]
    # of two mappings (a calendar, a calendar chosen by the subject) the one whose keys the value has
    viable = [errs for errs in viable if not any(not e.relative_path and e.validator in _KEYS for e in errs)] or viable
    if len(viable) == 1:
        return [leaf for e in viable[0] for leaf in _leaves(e)]
    from jsonschema.exceptions import best_match, relevance

    best = best_match([e for errs in viable for e in errs], key=relevance)
    return [error] if best is None else _leaves(best)


def _alternatives(error: ValidationError) -> list[Message]:
    """What the alternatives of a oneOf/anyOf accept, in words (`24x7` or a mapping of keys)."""
    found: list[Message] = []
    for e in error.context or ():
        if e.relative_path:
            continue
        if e.validator == "type":
            value = e.validator_value
            found.extend(Message(_TYPE_WORDS[t]) if t in _TYPE_WORDS else Message("{name}", name=t)
                         for t in ([value] if isinstance(value, str) else value))
        elif e.validator == "const":
            found.append(Message("{name}", name=e.validator_value))
    return list(dict.fromkeys(found))


def _as_list_hint(err: ValidationError, name: str) -> str:
    """`; write it as a list, even of one: ["09:00-18:00"]` when the one value would be a valid
    item, else a list written like the schema's example of an item."""
    items = err.schema.get("items") if isinstance(err.schema, dict) else None
    if not isinstance(items, dict):
        return ""
    if not isinstance(err.instance, (dict, list)) and _validator(name).evolve(schema=items).is_valid(err.instance):
        return Message(N_("; write it as a list, even of one: {example}"), example=json.dumps([err.instance], ensure_ascii=False))
    ref = items.get("$ref", "")
    item = _validator(name).schema.get("$defs", {}).get(ref.rsplit("/", 1)[-1], {}) if ref.startswith("#/$defs/") else items
    examples = item.get("examples") if isinstance(item, dict) else None
    return Message(N_("; write a list, e.g. [{example}]"), example=_flow(examples[0])) if examples else ""


def _as_mapping_hint(err: ValidationError, name: str) -> str:
    """`; write it as {name: urgent}` when the value is what the mapping's one required key takes,
    else the mapping the schema gives as an example."""
    schema = err.schema if isinstance(err.schema, dict) else {}
    required = schema.get("required") or []
    props = schema.get("properties", {})
    if (len(required) == 1 and not isinstance(err.instance, (dict, list)) and isinstance(props.get(required[0]), dict)
            and _validator(name).evolve(schema=props[required[0]]).is_valid(err.instance)):
        return Message(N_("; write it as {example}"), example=f"{{{required[0]}: {_flow(err.instance)}}}")
    examples = schema.get("examples")
    return Message(N_("; write it like {example}"), example=_flow(examples[0])) if examples else ""


def _flow(value: Any) -> str:
    """A value as YAML flow text, the way the manual writes examples (`{at: 75%, notify: [lead]}`)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    text = str(value)
    return text if re.fullmatch(r"[\w%+ .-]+", text) else json.dumps(text, ensure_ascii=False)


def _as_text_hint(err: ValidationError) -> str:
    """Why a number or true/false is not the text the schema wants, and how to write it."""
    hint = err.schema.get("x-message") if isinstance(err.schema, dict) else None
    pattern = err.schema.get("pattern") if isinstance(err.schema, dict) else None
    if isinstance(err.instance, (int, float)) and not isinstance(err.instance, bool) and pattern:
        share = f"{err.instance}%"
        if re.search(pattern, share):
            return Message(N_("; write {share} (a share needs the {sign} sign)"), share=share, sign="%")
    return Message(N_(", which {rule}"), rule=Message(hint)) if hint else ""


def _known_keys(err: ValidationError) -> set[str]:
    props = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
    return set(props)


def _unknown_key_hint(key: str, known: set[str], err: ValidationError) -> str:
    near = _hint(key, err) or did_you_mean(key, known)
    if near or not known:
        return near
    if len(known) > _MAX_LISTED:
        return Message(N_("; `slapolicy schema` lists the keys allowed here"))
    return Message(N_("; the keys allowed here are: {keys}"), keys=", ".join(sorted(known)))


def _misspelt(err: ValidationError, key: str) -> bool:
    """Whether the mapping holds a near miss of a missing key that is reported as unknown (`notfy`)."""
    if not isinstance(err.schema, dict) or err.schema.get("additionalProperties") is not False:
        return False
    known = _known_keys(err)
    return any(not _hint(k, err) and did_you_mean(k, known) == did_you_mean(k, [key]) != ""
               for k in err.instance if isinstance(k, str) and k not in known)


def _missing_hint(err: ValidationError, key: str) -> str:
    props = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
    examples = props.get(key, {}).get("examples") if isinstance(props.get(key), dict) else None
    if not examples:
        return ""
    return Message(N_("; add it, e.g. {example}"), example=f"{key}: {_flow(examples[0])}")


def _hint(word: Any, err: ValidationError) -> str:
    """The schema's own advice for a word people write here (`weekdays` in hours is `mon-fri`)."""
    hints = err.schema.get("x-hints", {}) if isinstance(err.schema, dict) else {}
    hint = hints.get(str(word).lower()) if isinstance(word, str) else None
    return Message(N_("; {hint}"), hint=Message(hint)) if hint else ""


def _matches(err: ValidationError) -> Callable[[str], bool]:
    """Whether a text would pass the pattern that refused this value."""
    pattern = err.schema.get("pattern") if isinstance(err.schema, dict) else None
    return lambda text: bool(pattern) and re.search(str(pattern), text) is not None


_SPACELESS = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?=[^\s:/])")  # `first_response:15m`, not `http://`


def _spaceless_keys(doc: Document, err: ValidationError) -> Iterator[tuple[JsonPath, str]]:
    """Keys refused here that are a key and its value written without the space after the colon
    (`{first_response:15m}` is the key 'first_response:15m' with no value): the part before the colon
    is a key allowed here and nothing follows the key. Their path in the document, and the key."""
    if list(err.schema_path)[-2:-1] == ["propertyNames"]:
        path, keys, schema = tuple(err.absolute_path), [err.instance], err.schema
        mapping = _at(doc.data, path)
        props: set[str] = set()
    elif err.validator == "additionalProperties" and isinstance(err.instance, dict):
        path, mapping, schema = tuple(err.absolute_path), err.instance, {}
        props = _known_keys(err)
        keys = [k for k in mapping if k not in props]
    else:
        return
    if not isinstance(mapping, dict):
        return
    from jsonschema import Draft202012Validator

    for key in keys:
        m = _SPACELESS.match(key) if isinstance(key, str) else None
        if m is None or mapping.get(key) is not None:
            continue
        if m.group(1) in props or (schema and m.group(1) not in mapping and Draft202012Validator(schema).is_valid(m.group(1))):
            yield path + (key,), key


def _at(data: Any, path: JsonPath) -> Any:
    for part in path:
        data = data.get(part) if isinstance(data, dict) else data[part] if isinstance(data, list) and isinstance(part, int) else None
    return data


def _within(at: str | None, places: Iterable[str]) -> bool:
    """Whether the JSON path `at` is one of `places` or inside one."""
    return at is not None and any(at == p or at.startswith((p + ".", p + "[")) for p in places)


def _convert_leaf(doc: Document, err: ValidationError, name: str) -> Iterator[Diagnostic]:
    path = tuple(err.absolute_path)
    v = err.validator
    if v == "additionalProperties" and isinstance(err.instance, dict):
        known = _known_keys(err)
        for key in err.instance:
            if key not in known:
                yield doc.diagnostic(path + (key,), "SLA101", Message(N_("unknown key '{key}'{hint}"), key=shorten(key),
                                                                              hint=_unknown_key_hint(key, known, err)), key=True)
        return
    if v == "required":
        missing = [k for k in err.validator_value if isinstance(err.instance, dict) and k not in err.instance]
        for key in missing:
            if _misspelt(err, key):
                continue  # the unknown key's "did you mean" says it: one root cause, one message
            if any(isinstance(k, str) and k.startswith(key + ":") and v is None for k, v in err.instance.items()):
                continue  # `{start:created}`: the missing space after the colon says it
            where = Message(N_(" in {section} '{entry}'"), section=path[-2], entry=path[-1]) \
                if len(path) >= 2 and isinstance(path[-1], str) else ""
            yield doc.diagnostic(path, "SLA102", Message(N_("missing required key '{key}'{where}{hint}"), key=key, where=where,
                                                         hint=_missing_hint(err, key)))
        return
    if v == "type":
        wanted = err.validator_value
        note = full_width_note(err.instance, lambda text: text[:1] in "[{") if isinstance(err.instance, str) else ""
        hint = note or (_as_list_hint(err, name) if wanted == "array" else _as_mapping_hint(err, name) if wanted == "object"
                        else _as_text_hint(err) if wanted == "string" else "")
        yield doc.diagnostic(path, "SLA103", Message(N_("expected {wanted}, found {found}{hint}"), wanted=_expected(wanted),
                                                     found=_describe(err.instance), hint=hint))
        return
    if v in ("oneOf", "anyOf") and _alternatives(err):
        text = next((e for e in err.context or () if e.validator == "type" and e.validator_value == "string"
                     and not e.relative_path), None)  # the text alternative says how to write it
        hint = _as_text_hint(text) if text is not None else ""
        yield doc.diagnostic(path, "SLA103", Message(N_("expected {wanted}, found {found}{hint}"), wanted=_either(_alternatives(err)),
                                                     found=_describe(err.instance), hint=hint))
        return
    if list(err.schema_path)[-2:-1] == ["propertyNames"]:  # a key, checked as a value of its own
        rule = Message(err.schema.get("x-message") or N_("is not allowed here"))
        key = err.instance
        note = _hint(key, err) or full_width_note(str(key), _matches(err))
        yield doc.diagnostic(path + (key,), "SLA104", Message("'{value}' {rule}{note}", value=shorten(key), rule=rule, note=note),
                             key=True)
        return
    hint = err.schema.get("x-message")
    display = _display_name(doc, err) if v == "pattern" else None
    message: str
    if display is not None:
        message = display
    elif v == "pattern" and hint:
        message = Message("'{value}' {rule}{note}", value=shorten(err.instance), rule=Message(hint),
                          note=full_width_note(str(err.instance), _matches(err)))
    elif v in ("enum", "const"):
        options = err.validator_value if v == "enum" else [err.validator_value]
        near = did_you_mean(str(err.instance), [str(o) for o in options]) if isinstance(err.instance, str) and len(options) > 1 else ""
        message = Message(N_("{value} is not allowed; use one of: {options}{near}"), value=_describe(err.instance),
                          options=", ".join(map(str, options)), near=near)
    elif v in ("minProperties", "minItems"):
        message = Message(hint or N_("must not be empty"))
    elif v == "uniqueItems":
        message = Message(N_("lists a value twice"))
    elif v in _BOUNDS:
        message = Message(_BOUNDS[v], value=err.instance, bound=err.validator_value)
    else:
        message = err.message  # jsonschema's own words: a keyword the policy schemas do not use
    yield doc.diagnostic(path, "SLA104", message)


def _display_name(doc: Document, err: ValidationError) -> Message | None:
    """`'组长' is the name of role 'team_lead'; write its id, team_lead` where the value refused is the display name of an entry of
    the section the schema names (`x-names: roles`), else None."""
    section = err.schema.get("x-names") if isinstance(err.schema, dict) else None
    entries = doc.data.get(section) if isinstance(doc.data, dict) and isinstance(section, str) else None
    if not isinstance(section, str) or not isinstance(entries, dict) or not isinstance(err.instance, str):
        return None
    names = {str(k): v if isinstance(v, str) else v.get("name") for k, v in entries.items() if isinstance(v, (str, dict))}
    key = named(err.instance, {k: n for k, n in names.items() if isinstance(n, str)})
    if key is None:
        return None
    return Message(N_("'{value}' is the name of role '{id}'; write its id, {id}") if section == "roles" else
                   N_("'{value}' is the name of {section} '{id}'; write its id, {id}"), value=shorten(err.instance),
                   section=section, id=key)


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
    leaves = [leaf for error in errors for leaf in _leaves(error)]
    spaceless = {json_path(where): (where, key) for leaf in leaves for where, key in _spaceless_keys(doc, leaf)}
    out: set[Diagnostic] = {
        Diagnostic.of(doc.path, *doc.locate(where, key=True), "SLA004",
                      Message(N_("put a space after the colon: '{key}'"), key=shorten(key.replace(':', ': ', 1))), at)
        for at, (where, key) in spaceless.items()}
    for leaf in leaves:  # the key refused and its missing value: said once, by the message above
        out.update(d for d in _convert_leaf(doc, leaf, name) if not _within(d.json_path, spaceless))
    if not out:  # jsonschema takes where jsonschema-rs refuses .nan and .inf, which JSON has no number for
        out.update(doc.diagnostic(tuple(e.instance_path), "SLA104", Message(N_(".nan and .inf are not numbers a policy can use; "
                                                                                 "write a finite number such as 50"))) for e in _fast(name).iter_errors(doc.data) if _only_numbers(e))
    return sorted(out)


def _only_numbers(error: Any) -> bool:
    """A place that takes numbers only: where text is also taken, the model reads .nan as written."""
    return set(getattr(error.kind, "types", None) or ()) in ({"number"}, {"integer"})
