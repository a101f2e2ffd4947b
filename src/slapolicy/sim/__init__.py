"""Subjects in, outcomes out: ticket input (`tickets`), helpdesk exports through import
profiles (`imports`), CSV as spreadsheets write it (`sheets`), the duty roster, synthetic
histories (`generate`), the clock machine that replays one subject in virtual time
(`simulator`), correlations over many subjects, and the replay of a whole history on one
core or several (`replay`), yielding the typed outcome model (`outcome`) every output reads.

May import: `validate`, `rules`, `policy`, `calendar`, `diagnostics`.
"""
