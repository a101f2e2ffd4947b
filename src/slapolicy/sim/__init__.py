"""Subjects in, outcomes out: ticket input (`tickets`, a JSONL line's shape in `wire`, whole files in `ticket_files`), helpdesk exports (`imports`; JSON ones in `json_tickets`)
and webhook payloads (`webhooks`) through import profiles (`mapping`), CSV as spreadsheets write it
(`sheets`), the duty roster, synthetic histories (`generate`), the replay of one subject in virtual time (`simulator`, walking its
events through the units of an outcome: `checks`, `decisions`, `machine` on `clock`,
`escalation`, `periods`, `findings`, `charges`, `samples`; the subject's nested `phases`,
which the machine, periods and findings end things with), correlations over many subjects
(`correlate`, handing on `matches`), and the replay of a whole history on one core or
several (`replay`, through `passes`, `workers`, `lanes` and `lines`), yielding the typed
outcome model (`outcome`) every output reads.

May import: `validate`, `rules`, `policy`, `calendar`, `diagnostics`, `i18n`.
"""
