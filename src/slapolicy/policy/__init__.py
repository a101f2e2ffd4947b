"""A policy file as data: YAML read safely with every position remembered (`loader`), the
shipped JSON Schemas (`schema`), `when:` conditions, the typed, frozen policy model, the
clause registers and the clauses a policy cites.

May import: `calendar`, `diagnostics`.
"""
