"""Decisions as rules: a policy model compiled into a ruleset in durable-rules' JSON format
(`compiler`), and the engines that answer "which rules match these facts?" (`engine`:
durable-rules behind one adapter, and its pure-Python twin).

May import: `policy`, `calendar`, `diagnostics`, `i18n`.
"""
