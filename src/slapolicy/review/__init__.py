"""What a policy author reviews before a version lands: the difference between two versions
(`policydiff`), the policy's own unit tests (`testing`, on the versions `testpolicies` finds),
each clause of the regulation with the rules encoding it and the cases citing and verifying it
(`clauses`, by the clauses each expectation checks: `governs`), and the policy as the document
people read (`render`, in the words of `words`).

May import: `kpi`, `sim`, `validate`, `rules`, `policy`, `calendar`, `diagnostics`, `i18n`.
"""
