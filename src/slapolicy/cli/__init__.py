"""The `slapolicy` command: a thin click layer over the library.

Subcommands are imported when they run, not when `slapolicy --help` lists them, so the
first answer comes fast; their one-line help is kept here, and a test holds it equal to
each command's own. A command module parses options, calls the library and hands the
result to `output`; no command module imports another.

May import: every other package.
"""

from __future__ import annotations

import importlib
import io
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import click
import click.formatting

from .. import __version__
from ..i18n import LANGUAGES, N_, Message, _, choose, ngettext, set_language, translated

# name -> (module, attribute, short help; translated when listed)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": ("validate", "validate", N_("Check policy files or directories (default: policies/).")),
    "test": ("test", "test", N_("Run policy test files (*.test.yaml) under PATHS (default: policies/).")),
    "simulate": ("simulate", "simulate", N_("Replay TICKETS against POLICY (a file or a directory of versions) in virtual time.")),
    "due": ("due", "due", N_("Which open tickets of TICKETS breach soon under POLICY: every running clock by time left.")),
    "report": ("report", "report", N_("Quality KPIs of a ticket HISTORY under POLICY, with its objectives met or missed.")),
    "whatif": ("whatif", "whatif", N_("Replay HISTORY under two policy versions: KPI deltas and the tickets whose outcome changes.")),
    "clauses": ("clauses", "clauses", N_("Each clause of the regulation with the rules that encode it and the test cases that cite it.")),
    "generate": ("generate", "generate", N_("Write a synthetic, seeded ticket history in the JSONL ticket format.")),
    "calendar": ("calendar", "calendar", N_("Check a policy's business calendar without writing a ticket.")),
    "schema": ("checks", "schema", N_("Print the policy JSON Schema (draft 2020-12) for editors and other tools.")),
    "checks": ("checks", "list_checks", N_("List the semantic checks (or, with --all, every code) with severity and title.")),
    "explain": ("checks", "explain", N_("Explain one code (SLA503, unknown_event_type, ...) with passing and failing examples.")),
    "import": ("import_", "import_", N_("Turn a helpdesk EXPORT (CSV or Excel .xlsx) into slapolicy's JSONL tickets through an import profile.")),
    "diff": ("diff", "diff", N_("What changed between two policy versions: targets, rules, calendars, escalations, objectives.")),
    "render": ("render", "render", N_("Write POLICY as the regulation document people read (Markdown or printable HTML).")),
    "profiles": ("profiles", "profiles", N_("List the shipped import profiles (`show NAME` prints one to copy and edit).")),
    "serve": ("serve", "serve", N_("Enforce POLICY live: ticket events in over HTTP, escalations out on time.")),
}


def _speak(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Chooses the language before any subcommand is looked up, so its help is translated too."""
    set_language(choose(value))
    ctx.meta["slapolicy.lang"] = value  # an explicit choice beats a policy's declared language


def _version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """The version and the build (pure Python, or compiled with mypyc: `slapolicy.build`), looked up only when asked."""
    if value and not ctx.resilient_parsing:
        from ..build import description

        click.echo(f"slapolicy, version {__version__} ({description()})")
        ctx.exit()


# `--help` in the reader's language: the help texts are English literals marked N_ where the commands
# declare them; a formatter translates them, and click's own words, as the help is written.
# click's own words (it marks them for a gettext domain it ships no translations for), marked for ours:
CLICK_WORDS = (N_("Usage:"), N_("Options"), N_("Commands"), N_("Positional arguments"), N_("Show this message and exit."),
               N_("Show the version and exit."), N_("required"))


# click's usage errors, likewise: its modules look their words up through the gettext functions they import, which
# `_click_speaks` points at our catalog (messages of click 8.4, the lowest allowed, and of the locked version; a word not in the catalog
# stays click's English)
CLICK_ERRORS = (N_("Error: {message}"), N_("Try '{command} {option}' for help."), N_("Invalid value: {message}"),
                N_("Invalid value for {param_hint}: {message}"), N_("Missing argument"), N_("Missing option"), N_("Missing parameter"),
                N_("Missing {param_type}"), N_("Missing parameter: {param_name}"), N_("No such option {name!r}."),
                N_("No such command {name!r}."), N_("Option {name!r} does not take a value."),
                N_("{value!r} is not a valid {number_type}."), N_("{value} is not in the range {range}."), N_("file"), N_("directory"),
                N_("path"), N_("{name} {filename!r} does not exist."), N_("{name} {filename!r} is a file."),
                N_("{name} {filename!r} is a directory."), N_("{name} {filename!r} is not readable."),
                N_("{value!r} is not a valid boolean."), N_("Aborted!"),
                ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", 2),
                ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 2),
                ngettext("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", 2),
                ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", 2))


def _click_speaks() -> None:
    """click's error messages in the reader's language: the gettext functions its modules call answer from our catalog,
    in the language chosen when the message is made (click marks its messages for gettext and ships no catalog)."""
    import click.core
    import click.exceptions
    import click.parser
    import click.types

    for module in (click.core, click.exceptions, click.parser, click.types):
        if hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


_click_speaks()


class LocalizedHelpFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, f"{_('Usage:')} " if prefix is None else prefix)

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        with super().section(_(name)):
            yield

    def write_text(self, text: str) -> None:
        super().write_text(_by_display_width(_(text), self.width - self.current_indent))

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(term, _described(text)) for term, text in rows]
        first_col = min(click.formatting.measure_table(rows)[0], col_max) + col_spacing if rows else 0
        text_width = max(self.width - first_col - 2, 10)  # what click's write_dl leaves the description
        super().write_dl([(term, _by_display_width(text, text_width)) for term, text in rows], col_max, col_spacing)


def _by_display_width(text: str, width: int) -> str:
    """Each paragraph of `text` that holds a wide (Chinese) character wrapped to `width` columns, a wide character
    counting two, and marked (`\\b`) for click to keep as it is: click wraps by characters, so a line of Chinese
    would run twice as wide as the terminal. rich, which lays out the tables, wraps it (and between any two Chinese
    characters, as Chinese is wrapped). Text all of one-column characters is left to click."""
    if not _wide(text):
        return text
    from rich.console import Console  # here: every command's start-up would pay ~10 ms for rich's console
    from rich.text import Text

    console = Console(width=width, file=io.StringIO())
    paragraphs = []
    for paragraph in text.split("\n\n"):
        lines = paragraph.splitlines()
        if not lines or lines[0].strip() == "\b" or not _wide(paragraph):
            paragraphs.append(paragraph)
            continue
        joined = " ".join(line.strip() for line in lines)  # as click joins a paragraph's lines
        paragraphs.append("\n".join(["\b", *(line.plain.rstrip() for line in Text(joined).wrap(console, width))]))
    return "\n\n".join(paragraphs)


def _wide(text: str) -> bool:
    """Whether `text` holds a character a terminal shows two columns wide (rich's cell_len is no test of that:
    it counts a line break as no column, so every paragraph of several lines looked wide)."""
    return any(unicodedata.east_asian_width(c) in "WF" for c in text)


def _described(text: str) -> str:
    """An option's help and the `[default: x; required]` click appends to it, each part translated."""
    if isinstance(text, Message):  # a help text with values (the formats of --format)
        return translated(text)
    help_text, bracket, extra = text.partition("  [") if not text.startswith("[") else ("", "[", text[1:])
    if not bracket or not extra.endswith("]"):
        return _(text)
    items = [_extra(item) for item in extra[:-1].split("; ")]
    return (_(help_text) + "  " if help_text else "") + "[" + "; ".join(items) + "]"


def _extra(item: str) -> str:
    name, colon, value = item.partition(": ")
    if colon and name == "default":
        return _("default: {default}").format(default=value)
    return _(item)


class TemplatedOption(click.Option):
    """An option whose help is a Message with values (`Output format (default: {default}).`): click keeps it
    as given (its own processing makes a plain str of it), so the formatter can translate its template."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = kwargs.get("help")


class LocalizedContext(click.Context):
    formatter_class = LocalizedHelpFormatter


def localized(command: click.Command) -> click.Command:
    """The command (and those of a group) writing its help through the translating formatter."""
    command.context_class = LocalizedContext
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            localized(sub)
    return command


class LazyGroup(click.Group):
    context_class = LocalizedContext

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: object) -> click.Context:
        set_language(choose())  # the locale's language already for `--help`, which is handled before `--lang` is seen
        return super().make_context(info_name, args, parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
        assert isinstance(command, click.Command)
        return localized(command)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _(help_text)) for name, (_module, _attribute, help_text) in COMMANDS.items()]
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]},
             help=N_("Write a service department's SLA regulation as data, and check it.\n"
                     "\n"
                     "\b\n"
                     "Exit codes: 0 ok; 1 problems found, a case failed or a ticket was rejected;\n"
                     "2 usage error, unreadable input or output that cannot be written;\n"
                     "130 / 143 interrupted by SIGINT / SIGTERM (what was done is printed, marked partial)."))
@click.option("--version", is_flag=True, is_eager=True, expose_value=False, callback=_version, help=N_("Show the version and exit."))
@click.option("--lang", type=click.Choice(LANGUAGES), is_eager=True, expose_value=False, callback=_speak,
              help=N_("Language of messages, tables and reports (zh or en; default: the locale, LANG=zh_CN.UTF-8 "
                   "speaks Chinese, else the policy's declared language, else English)."))
def main() -> None:
    pass  # the commands are looked up by LazyGroup
