from __future__ import annotations

import click

from ..i18n import N_, choose
from ..output import OutputError, destination
from ..output.render import FORMATTERS
from ..policy.model import Policy
from ..policy.register import declared_language
from ..review.render import document
from ..review.words import LANGS, Lang
from ._shared import fail, output_option, policy_set


@click.command("render", help=N_("Write POLICY as the regulation document people read (Markdown or printable HTML).\n"
                        "\n"
                        "POLICY is a policy file or a directory of its versions. The document lists severities,\n"
                        "the time limits per tier with the calendar in words, escalation ladders, duties, rules,\n"
                        "objectives and penalties, each with the clause it implements and that clause's own\n"
                        "words, or marked as a local choice.\n"
                        "\n"
                        "Exit 0 written, 2 unreadable or invalid policy, unknown --version, or output that cannot be written."))
@click.argument("policy", type=click.Path())
@click.option("--lang", type=click.Choice(LANGS), default=None,
              help=N_("zh: the policy's own names; en: English labels and the policy's *_en translations (default: "
                      "`slapolicy --lang`, else the locale, else the language the policy declares, else zh)."))
@click.option("--format", "-f", "fmt", type=click.Choice(tuple(FORMATTERS)), default=None,
              help=N_("markdown, or html: one self-contained page that prints on A4 (default: html when -o names a .html file, "
                   "else markdown)."))
@click.option("--version", "version", default=None, metavar="V",
              help=N_("The version to render when POLICY is a directory of versions (default: the newest)."))
@output_option
def render(policy: str, lang: str | None, fmt: str | None, version: str | None, output: str | None) -> None:
    versions = policy_set(policy).versions
    chosen = versions[-1] if version is None else next((p for p in versions if p.version == version), None)
    if chosen is None:
        fail(f"--version {version}: {policy} has no such version; it has {', '.join(p.version for p in versions)}")
    if fmt is None:
        fmt = "html" if output is not None and output.lower().endswith((".html", ".htm")) else "markdown"
    try:
        with destination(output) as out:
            FORMATTERS[fmt](document(chosen, _language(lang, chosen)), out)
    except OutputError as exc:
        fail(str(exc))


def _language(lang: str | None, policy: Policy) -> Lang:
    """The document's language: render's --lang, else `slapolicy --lang`, else the locale, else the language
    the policy's registers declare, else Chinese (the language the shipped policies name things in)."""
    explicit = lang or click.get_current_context().find_root().meta.get("slapolicy.lang")
    return "en" if choose(explicit, declared_language(policy.source, policy.registers) or "zh") == "en" else "zh"
