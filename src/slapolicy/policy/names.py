"""What a value code is called where people read it, and a text of the policy in the other language:
the policy's `value_names:` (each code with its name in Chinese and in English), its `translations:`
(each text as written with its translation, per language), and which codes the policy's document shows (the declared values of
its attributes, its statuses and calendars, the groups its routes assign to).

`render` words a code by its name in the document's language, and the SLA706 check tells the author
which shown code has no name in a language the policy names its values in. A code written in the
document's own language (`安装指导` in Chinese, `east` in English) is its own name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .loader import JsonPath
from .model import Policy

LANGUAGES = ("zh", "en")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def in_chinese(text: str) -> bool:
    """Whether `text` is written in Chinese (it has a Han character): what a Chinese document may show as it is."""
    return bool(_CJK.search(text))


def reads_in(code: str, lang: str) -> bool:
    """Whether the code itself reads as a word of `lang`: Chinese characters in Chinese; in English a code
    without Chinese characters or the underscores of an identifier (`east`, `High`, not `same_city`)."""
    return in_chinese(code) if lang == "zh" else not in_chinese(code) and "_" not in code


def value_names(policy: Policy) -> Mapping[str, Mapping[str, str]]:
    names = policy.document.data.get("value_names")
    return names if isinstance(names, Mapping) else {}


def value_name(policy: Policy, code: str, lang: str) -> str | None:
    """The code's name in `lang`, or None where the policy gives none (and the code is not itself a word of it)."""
    named = value_names(policy).get(code)
    if isinstance(named, Mapping) and named.get(lang):
        return str(named[lang])
    return code if reads_in(code, lang) else None


def translation(policy: Policy, text: str, lang: str) -> str | None:
    """The policy's own translation of one of its texts into `lang` (translations:), as a gettext catalog gives one."""
    catalog = (policy.document.data.get("translations") or {}).get(lang)
    found = catalog.get(text) if isinstance(catalog, Mapping) and text else None
    return str(found) if found else None


def named_languages(policy: Policy) -> tuple[str, ...]:
    """The languages the policy names any value in: the ones it has chosen to name every shown code in."""
    given = {lang for named in value_names(policy).values() if isinstance(named, Mapping) for lang in named}
    return tuple(lang for lang in LANGUAGES if lang in given)


def shown_codes(policy: Policy) -> Iterator[tuple[str, JsonPath]]:
    """Each code a document shows, once, where it is declared: attribute values, statuses, calendars, routing groups."""
    data: Mapping[str, Any] = policy.document.data
    seen: set[str] = set()
    found: list[tuple[Any, JsonPath]] = []
    for name, attribute in (data.get("attributes") or {}).items():
        if isinstance(attribute, Mapping):
            found += [(v, ("attributes", name, "values", i)) for i, v in enumerate(attribute.get("values") or ())]
    found += [(s, ("statuses", i)) for i, s in enumerate(data.get("statuses") or ())]
    found += [(name, ("calendars", name)) for name in data.get("calendars") or ()]
    for route in policy.routes:
        found += [(g, (*route.path, "group")) for g in route.groups if g not in policy.roles]  # a role goes by its name
    for code, path in found:
        if isinstance(code, str) and code not in seen:
            seen.add(code)
            yield code, path
