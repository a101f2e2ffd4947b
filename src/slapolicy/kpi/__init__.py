"""What a replayed history means: quality KPIs per period (`report`, counted exactly by `tally`),
whether the objectives were met (`objectives`), and one history under two policy versions (`whatif`).

May import: `sim`, `validate`, `rules`, `policy`, `calendar`, `diagnostics`.
"""
