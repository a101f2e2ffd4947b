"""What a replayed history means: quality KPIs per period (`report`, counted exactly by `tally`),
each version's objectives tallied over its own subjects (`tallying`) and whether they were met
(`objectives`), what a history can measure (`measured`: clocks open past their target, never
solved or pending; the events a figure needs), one history under two policy versions (`whatif`,
with the notifications each role is sent under each), and what is open at an instant: the clocks
by time left, today's breaches and escalations (`board`).

May import: `sim`, `validate`, `rules`, `policy`, `calendar`, `diagnostics`, `i18n`.
"""
