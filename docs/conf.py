"""The manual: Markdown pages (MyST-Parser) built by Sphinx with the Furo theme.

    sphinx-build -W --keep-going -b html docs docs/_build/html

builds it as CI does (tests/test_docs.py: every warning is an error, on the locked and on the
lowest versions pyproject.toml allows). The pages' commands run as tests too.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from sphinx.application import Sphinx

HERE = Path(__file__).resolve().parent

project = "slapolicy"
release = version = tomllib.loads((HERE.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]

extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3  # [words](page.md#a-heading): GitHub's anchors, for headings down to ###

html_theme = "furo"
html_title = f"slapolicy {release}"
html_copy_source = False
# the printable policy documents `slapolicy render` writes (docs/policies/*.html), copied as they
# are beside the site's own pages: /after-sales.zh.html
html_extra_path = sorted(p.relative_to(HERE).as_posix() for p in (HERE / "policies").glob("*.html"))


def _rendered_policy_links(app: Sphinx, docname: str, source: list[str]) -> None:
    """The Markdown documents of docs/policies/ are `slapolicy render`'s output, kept byte for
    byte: they link to their own `<a id="…">` anchors, which Sphinx does not know, so their
    links are left to the browser instead of resolved."""
    if docname.startswith("policies/"):
        source[0] = "---\nmyst:\n  all_links_external: true\n---\n" + source[0]


def setup(app: Sphinx) -> None:
    app.connect("source-read", _rendered_policy_links)
