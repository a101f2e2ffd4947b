"""A lookup table covers every combination of the values of the attributes it reads (or gives the
rest with `otherwise`): a priority matrix with a cell missing would leave some tickets without a
severity. The attributes it reads must list their values (severity, tier, a period, or an
attribute with `values`), so that "every combination" is known.

Passes::

    attributes:
      criticality: {values: [High, Low]}
      impact: {values: [HIGH, LOW]}
    lookups:
      severity:
        rows: criticality
        columns: impact
        cells:
          High: {HIGH: P1, LOW: P2}
          Low: {HIGH: P2, LOW: P3}

Fails::

    lookups:
      severity:
        rows: criticality
        columns: impact
        cells:
          High: {HIGH: P1, LOW: P2}
          Low: {HIGH: P2}            # SLA510: no cell for Low × LOW
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.derived import cell_key
from ...policy.model import Policy
from .base import Problem

CODE = "SLA510"
_SHOWN = 8  # missing cells named in one message


def check(policy: Policy) -> Iterator[Problem]:
    for table in policy.lookups.values():
        axes = []
        for axis, name in (("rows", table.rows), ("columns", table.columns)):
            if name is None:
                continue
            values = policy.values_of(name)
            if not values and (name in policy.attributes or name in ("severity", "tier")):
                how = Message(N_("under {section}:"), section="severities" if name == "severity" else "tiers") \
                    if name in ("severity", "tier") else \
                    f"({name}: {{values: [...]}})"
                yield Problem(table.path + (axis,), Message(N_("the table's {axis} attribute '{name}' lists no values, so the "
                                                               "table cannot be known to cover it: declare them {how}"),
                                                            axis=axis, name=name, how=how))
            axes.append(values or ())
        if table.otherwise is not None or not all(axes):
            continue
        missing = [" × ".join(map(cell_key, combo)) for combo in itertools.product(*axes)
                   if tuple(map(cell_key, combo)) not in table.cells]
        if missing:
            shown = Message(N_("{listed} and {count} more"), listed=", ".join(missing[:_SHOWN]), count=len(missing) - _SHOWN) \
                if len(missing) > _SHOWN else ", ".join(missing)
            yield Problem(table.path + ("cells",), Message(N_("the {attribute} table has no cell for {cells}: add them, or give "
                                                              "the rest with `otherwise:`"), attribute=table.attribute, cells=shown),
                          key=True)
