"""A translation (`translations:`) is found by the text it translates, exactly as written, as a gettext
catalog finds a message: once that text is edited, the translation is found by nothing, and the
document keeps the new text as written in its appendix. The stale entry says which translation to
redo.

Passes::

    escalations:
      first_response:
        - {at: 75%, notify: [team_lead], choice: "warning at 75 % of the target: company practice"}
    translations:
      zh: {"warning at 75 % of the target: company practice": 达到时限的 75% 时预警：本单位惯例}

Fails::

    escalations:
      first_response:
        - {at: 75%, notify: [team_lead], choice: "warning at 80 % of the target: company practice"}
    translations:   # SLA707: the text it translates now says 80 %
      zh: {"warning at 75 % of the target: company practice": 达到时限的 75% 时预警：本单位惯例}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ...diagnostics.record import shorten
from ...i18n import N_, Message
from ...policy.model import Policy
from .base import Problem

CODE = "SLA707"


def check(policy: Policy) -> Iterator[Problem]:
    data = policy.document.data
    catalogs = data.get("translations")
    if not isinstance(catalogs, Mapping):
        return
    texts = set(_texts({k: v for k, v in data.items() if k != "translations"}))
    for lang, catalog in catalogs.items():
        for text in catalog if isinstance(catalog, Mapping) else ():
            if text not in texts:
                yield Problem(("translations", lang, text),
                              Message(N_("the policy has no text '{text}' any more: this translation is used nowhere; "
                                         "translate the text as it is now, or remove it"), text=shorten(text)), key=True)


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)

