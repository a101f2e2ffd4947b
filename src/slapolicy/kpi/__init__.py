"""What a replayed history means: quality KPIs and objectives per period (`report`), and one
history under two policy versions (`whatif`).

May import: `sim`, `validate`, `rules`, `policy`, `calendar`, `diagnostics`.
"""
