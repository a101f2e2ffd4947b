"""The words the shipped JSON Schemas hold for people (`x-message`, `x-hints`), marked here for the
catalog: JSON is not extracted, and a schema's advice is shown translated like any message.
tests/test_messages_zh.py holds this list equal to the schemas' texts."""

from __future__ import annotations

from ..i18n import N_

SCHEMA_TEXTS = (
    N_("checks nothing when empty: list the availability expected"),
    N_("checks nothing when empty: list the charges expected, or write no_charges: true"),
    N_("checks nothing when empty: list the credits expected, or write no_credits: true"),
    N_("checks nothing when empty: list the escalations that must fire, or the ones that must not under no_escalations"),
    N_("checks nothing when empty: list the escalations that must not fire"),
    N_("checks nothing when empty: list the findings expected, or write no_findings: true"),
    N_("checks nothing when empty: list the ledger totals expected"),
    N_("checks nothing when empty: list the notices that must be given, or the ones that must not under no_notices"),
    N_("checks nothing when empty: list the notices that must not be given"),
    N_("checks nothing when empty: list the objective results expected"),
    N_("did you mean 'daily'?"),
    N_("did you mean 'mon-fri'?"),
    N_("did you mean 'sat,sun'?"),
    N_("gives one figure: a duration, a rate, a count, an amount or a period"),
    N_("holidays are written holidays: {country: CN}"),
    N_("is not a built-in behaviour; use unique_ids or attribute_change"),
    N_("is not a clause id; write it like R-000-04"),
    N_("is not a country code; write an ISO 3166 code such as CN"),
    N_("is not a currency code; write an ISO 4217 code such as CNY"),
    N_("is not a date; write YYYY-MM-DD"),
    N_("is not a day; use mon..sun, a range such as mon-fri, a list such as sat,sun, or daily"),
    N_("is not a day; write a date as YYYY-MM-DD (2025-09-15) or a day of every year as MM-DD (12-13)"),
    N_("is not a duration; write it like 15m, 2h, 1h30m, 3 working days, 3 days of working hours, 14 calendar days or 1 month"),
    N_("is not a firing point; write start, a share such as 75%, breach, or breach + 4h"),
    N_("is not a rate; write it like 98%"),
    N_("is not a register id; write the middle part of its clause ids: three digits such as \"000\", or capitals such as \"CVM\""),
    N_("is not a share; write a percentage such as 99.9699%"),
    N_("is not a share; write a percentage such as 99.975%"),
    N_("is not a valid name; use letters, digits, _ and -, starting with a letter"),
    N_("is not a version; write numbers separated by dots such as 2025.1"),
    N_("is not a working interval; write HH:MM-HH:MM such as 09:00-12:00 (22:00-06:00 crosses midnight)"),
    N_("working hours go under hours, e.g. hours: {mon-fri: [\"09:00-18:00\"]}"),
    N_("write timezone, e.g. timezone: Asia/Shanghai"),
)
