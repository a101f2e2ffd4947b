"""Diagnostics: the one problem record every layer reports (`record`) and the registry of every
code slapolicy reports, with its severity and documentation (`codes`), that documentation in the
reader's language (`explanations`).

May import: `i18n`.
"""
