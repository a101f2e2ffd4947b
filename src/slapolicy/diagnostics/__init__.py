"""Diagnostics: the one problem record every layer reports (`record`) and the registry of every
code slapolicy reports, with its severity and documentation (`codes`).

May import: `i18n`.
"""
