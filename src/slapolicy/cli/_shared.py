"""What the commands share: options defined once, one-line errors, opening policies, `--as-of`
(what only the commands reading ticket histories share is in `_replay`)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar

import click

from ..calendar.instants import InstantError, parse_datetime, to_epoch
from ..diagnostics.record import InputError, did_you_mean, one_line
from ..i18n import N_, Message, choose, language_of, set_language, translated
from ..output import FORMATS, ExitCode
from ..policy.model import Policy
from ..policy.register import declared_language
from ..validate.repository import PolicySet, open_policy_set, scan
from ..validate.settings import Settings, SettingsError, load_settings
from . import TemplatedOption

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = ExitCode.INPUT) -> NoReturn:
    """One line on stderr, no traceback; a Message in the reader's language."""
    click.echo(f"error: {one_line(translated(message))}", err=True)
    sys.exit(code)


def reason(exc: Exception) -> str:
    """What an exception says: the Message it keeps (said again in the reader's language), else its text."""
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, Message) else str(exc)


def settings(ignore: tuple[str, ...] = ()) -> Settings:
    """The nearest configuration (.slapolicy.yaml or [tool.slapolicy]) with the `--ignore` codes;
    anything unusable in them is a usage error (exit 2) naming file:line."""
    try:
        configured = load_settings()
    except SettingsError as exc:
        fail(str(exc))
    try:
        return configured.ignoring(ignore)
    except SettingsError as exc:
        fail(f"--ignore: {exc}")


def speak_as_declared(policies: Iterable[Policy]) -> None:
    """The language of the policies' clause registers, where neither `--lang` nor the locale chose one
    and every policy read declares the same."""
    ctx = click.get_current_context(silent=True)
    explicit = ctx.find_root().meta.get("slapolicy.lang") if ctx is not None else None
    declared = {language_of(declared_language(p.source, p.registers)) for p in policies}
    set_language(choose(explicit, declared.pop() if len(declared) == 1 else None))


def policy_set(path: str) -> PolicySet:
    try:
        found = open_policy_set(path, settings())
    except InputError as exc:
        fail(exc.diagnostic.format())
    speak_as_declared(found.versions)
    return found


def resolve_version(spec: str, search: str) -> Policy:
    """A policy file, a directory of versions (its newest), or a version id looked up among the
    policies under `search` (`whatif`, `diff`)."""
    from pathlib import Path

    if Path(spec).exists():
        return policy_set(spec).latest  # speaks as the policy declares
    policies = scan([search], settings()).usable()
    found = [p for p in policies if p.version == spec]
    if len(found) != 1:
        versions = sorted({p.version for p in policies})
        reason = "is in several policies; give the file" if found else f"is no file or version under {search}{did_you_mean(spec, versions)}"
        fail(f"'{spec}' {reason}")
    speak_as_declared(found)
    return found[0]


def as_of(text: str | None, policies: PolicySet) -> float:
    """`--as-of` as epoch seconds (offset-less: the policy's zone); now when not given, or given as `now`."""
    if text is None or text.strip().lower() == "now":
        return dt.datetime.now(dt.UTC).timestamp()
    try:
        when, _ = parse_datetime(text, policies.tz)
        return to_epoch(when, f"--as-of '{text}'")
    except InstantError as exc:
        fail(f"--as-of: {exc}")


def format_option(result: str) -> Callable[[F], F]:
    formats = FORMATS[result]
    default: str = formats.piped if formats.terminal == formats.piped else \
        Message(N_("{terminal} on a terminal, else {piped}"), terminal=formats.terminal, piped=formats.piped)
    if formats.github:
        default = Message(N_("{github} inside GitHub Actions, else {piped}"), github=formats.github, piped=formats.piped)
    return click.option("--format", "-f", "fmt", type=click.Choice(formats.names), default=None, cls=TemplatedOption,
                        help=Message(N_("Output format (default: {default})."), default=default))


as_of_option = click.option(
    "--as-of", "as_of_text", default=None, metavar="ISO",
    help=N_("Virtual 'now' (ISO-8601; without offset: the policy's zone; or `now`): clocks still running then are running or breached. Default: now."))
ignore_option = click.option("--ignore", "ignore", multiple=True, metavar="CODE",
                             help=N_("Do not report this code (repeatable): --ignore SLA408. Only the semantic checks' codes."))
output_option = click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default=None,
                             help=N_("Write the result to this file instead of stdout."))
excel_option = click.option("--excel", is_flag=True,
                            help=N_("CSV for Excel: a UTF-8 byte-order mark first (so Chinese Excel reads it as UTF-8) and CRLF line ends."))


def excel_csv(excel: bool, fmt: str | None, other_csv: bool = False) -> None:
    """--excel shapes CSV only: asked with no CSV written, it is a usage error rather than ignored."""
    if excel and fmt != "csv" and not other_csv:
        fail("--excel shapes CSV output for Excel; add --format csv" + (f" (the output is {fmt})" if fmt else ""))
