"""A policy that names its value codes for people (`value_names:`) names every code its document
shows, in each language it names any in: the Chinese document of a policy that calls `same_city`
同城 but gives `other_province` no Chinese name would print `other_province` among Chinese words.
A code already written in that language (`安装指导`; `east` in English) is its own name. A policy
that names no value is left alone: its documents show the codes, and list them in their index.

Passes::

    attributes: {region: {values: [same_city, other_province]}}
    value_names:
      same_city: {zh: 同城, en: same city}
      other_province: {zh: 外省, en: another province}

Fails::

    attributes: {region: {values: [same_city, other_province]}}   # SLA706: other_province has no zh name
    value_names:
      same_city: {zh: 同城}
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.model import Policy
from ...policy.names import named_languages, shown_codes, value_name
from .base import Problem

CODE = "SLA706"
_LANGUAGE = {"zh": N_("Chinese"), "en": N_("English")}


def check(policy: Policy) -> Iterator[Problem]:
    languages = named_languages(policy)
    for code, path in shown_codes(policy):
        for lang in languages:
            if value_name(policy, code, lang) is not None:
                continue
            shown = (value_name(policy, code, "zh") if lang == "en" else None) or code  # English falls back to the Chinese name
            yield Problem(path, Message(N_("'{code}' has no {language} name: the {language} document shows '{shown}' "
                                           "among its words; name it under value_names ({code}: {{{lang}: …}})"),
                                        code=code, language=Message(_LANGUAGE[lang]), shown=shown, lang=lang))
