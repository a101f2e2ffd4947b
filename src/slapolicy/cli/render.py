from __future__ import annotations

import click

from ..i18n import choose
from ..output import OutputError, destination
from ..output.render import FORMATTERS
from ..review.render import document
from ..review.words import LANGS, Lang
from ._shared import fail, output_option, policy_set


@click.command("render")
@click.argument("policy", type=click.Path())
@click.option("--lang", type=click.Choice(LANGS), default=None,
              help="zh: the policy's own names; en: English labels and the policy's *_en translations (default: "
                   "`slapolicy --lang`, else the locale, else zh).")
@click.option("--format", "-f", "fmt", type=click.Choice(tuple(FORMATTERS)), default=None,
              help="markdown, or html: one self-contained page that prints on A4 (default: html when -o names a .html file, "
                   "else markdown).")
@click.option("--version", "version", default=None, metavar="V",
              help="The version to render when POLICY is a directory of versions (default: the newest).")
@output_option
def render(policy: str, lang: str, fmt: str | None, version: str | None, output: str | None) -> None:
    """Write POLICY as the regulation document people read (Markdown or printable HTML).

    POLICY is a policy file or a directory of its versions. The document lists severities,
    the time limits per tier with the calendar in words, escalation ladders, duties, rules,
    objectives and penalties, each with the clause it implements and that clause's own
    words, or marked as a local choice.

    Exit 0 written, 2 unreadable or invalid policy, unknown --version, or output that cannot be written.
    """
    versions = policy_set(policy).versions
    chosen = versions[-1] if version is None else next((p for p in versions if p.version == version), None)
    if chosen is None:
        fail(f"--version {version}: {policy} has no such version; it has {', '.join(p.version for p in versions)}")
    if fmt is None:
        fmt = "html" if output is not None and output.lower().endswith((".html", ".htm")) else "markdown"
    try:
        with destination(output) as out:
            FORMATTERS[fmt](document(chosen, _language(lang)), out)
    except OutputError as exc:
        fail(str(exc))


def _language(lang: str | None) -> Lang:
    """The document's language: render's --lang, else `slapolicy --lang`, else the locale, else Chinese (the
    language the shipped policies name things in; a policy does not declare its own yet)."""
    explicit = lang or click.get_current_context().find_root().meta.get("slapolicy.lang")
    return "en" if choose(explicit, "zh") == "en" else "zh"
