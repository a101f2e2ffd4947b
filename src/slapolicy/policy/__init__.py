"""A policy file as data: YAML read safely with every position remembered (`loader`; the
parser and its errors in plain words: `syntax`), the shipped JSON Schemas (`schema`),
`when:` conditions, the typed, frozen policy model (`model`) and how a document becomes
it (`build`; its business calendars: `calendars`), the clause registers and the clauses a policy cites.

May import: `calendar`, `diagnostics`, `i18n`.
"""
