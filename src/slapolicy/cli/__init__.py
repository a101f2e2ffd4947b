"""The `slapolicy` command: a thin click layer over the library.

Subcommands are imported when they run, not when `slapolicy --help` lists them, so the
first answer comes fast; their one-line help is kept here, and a test holds it equal to
each command's own. A command module parses options, calls the library and hands the
result to `output`; no command module imports another.

May import: every other package.
"""

from __future__ import annotations

import importlib

import click

from .. import __version__

# name -> (module, attribute, short help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": ("validate", "validate", "Check policy files or directories (default: policies/)."),
    "test": ("test", "test", "Run policy test files (*.test.yaml) under PATHS (default: policies/)."),
    "simulate": ("simulate", "simulate", "Replay TICKETS against POLICY (a file or a directory of versions) in virtual time."),
    "due": ("due", "due", "Which open tickets of TICKETS breach soon under POLICY: every running clock by time left."),
    "report": ("report", "report", "Quality KPIs of a ticket HISTORY under POLICY, with its objectives met or missed."),
    "whatif": ("whatif", "whatif", "Replay HISTORY under two policy versions: KPI deltas and the tickets whose outcome changes."),
    "clauses": ("clauses", "clauses", "Each clause of the regulation with the rules that encode it and the test cases that cite it."),
    "generate": ("generate", "generate", "Write a synthetic, seeded ticket history in the JSONL ticket format."),
    "calendar": ("calendar", "calendar", "Check a policy's business calendar without writing a ticket."),
    "schema": ("checks", "schema", "Print the policy JSON Schema (draft 2020-12) for editors and other tools."),
    "checks": ("checks", "list_checks", "List the semantic checks (or, with --all, every code) with severity and title."),
    "explain": ("checks", "explain", "Explain one code (SLA503, unknown_event_type, ...) with passing and failing examples."),
    "import": ("import_", "import_", "Turn a helpdesk EXPORT (CSV or Excel .xlsx) into slapolicy's JSONL tickets through an import profile."),
    "diff": ("diff", "diff", "What changed between two policy versions: targets, rules, calendars, escalations, objectives."),
    "render": ("render", "render", "Write POLICY as the regulation document people read (Markdown or printable HTML)."),
    "profiles": ("profiles", "profiles", "List the shipped import profiles (`show NAME` prints one to copy and edit)."),
    "serve": ("serve", "serve", "Enforce POLICY live: ticket events in over HTTP, escalations out on time."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, _, help_text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="slapolicy")
def main() -> None:
    """Write a service department's SLA regulation as data, and check it.

    \b
    Exit codes: 0 ok; 1 problems found, a case failed or a ticket was rejected;
    2 usage error, unreadable input or output that cannot be written;
    130 / 143 interrupted by SIGINT / SIGTERM (what was done is printed, marked partial).
    """
