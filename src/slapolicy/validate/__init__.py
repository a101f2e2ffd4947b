"""Whether a policy may be used: the semantic checks (`checks`, one module a code), the
validation of a document and of the versions of one policy (`validation`), a team's
settings about the codes (`settings`), and the repository every command opens policies
through, read and validated once (`repository`).

May import: `rules`, `policy`, `calendar`, `diagnostics`, `i18n`.
"""
