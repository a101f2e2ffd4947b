"""`slapolicy serve`: the policy enforced live. Ticket events come in over HTTP, each subject is
replayed by the simulator as of now after every event (so the service and `simulate` agree by
construction), escalations fire from a persistent index of the instants at which a subject's
outcome next changes, and deliveries go out as signed webhooks and e-mail.

Modules: `config` (the deployment file: database, tokens, recipients, limits), `auth` (hashed,
scoped tokens), `store` (SQLite or PostgreSQL behind one interface, with versioned SQL
`migrations`) over `tx` (the queries of one transaction and the rows they read), `live` (an event in: stored, the subject replayed, its firings recorded; the
scheduler's tick; the state as of now), `documents` (what the API answers), `deliveries`
(webhooks and SMTP, retries and dead letters), `metrics` (Prometheus), `runtime` (the threads
that own the database and the replay) and `app` (the HTTP routes, `openapi.json`).

May import: `output`, `review`, `kpi`, `sim`, `validate`, `rules`, `policy`, `calendar`, `diagnostics`, `i18n`.
"""
