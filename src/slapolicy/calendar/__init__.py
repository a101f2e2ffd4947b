"""Time as a regulation counts it: instants (epoch seconds, one ISO-8601 reader, time zones
resolved once), durations as people write them (`15m`, `3 working days`, `1 month`) and
business calendars (`business`: working hours, holidays, make-up working days, exact and
O(log n)), from what a policy declares (`spec`) and the countries' holidays (`holiday_sources`).

May import: `diagnostics`, `i18n`.
"""
