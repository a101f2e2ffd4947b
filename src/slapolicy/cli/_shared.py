"""What the commands share: options defined once, one-line errors, opening policies, `--as-of`."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from ..calendar.instants import InstantError, parse_datetime, to_epoch
from ..diagnostics.record import InputError, did_you_mean, one_line
from ..output import FORMATS, ExitCode
from ..policy.model import Policy
from ..rules.engine import ENGINES, EngineError, get_backend
from ..sim.imports import Profile, ProfileError, load_profile
from ..sim.roster import EMPTY as EMPTY_ROSTER
from ..sim.roster import Roster, RosterError, read_roster
from ..sim.tickets import FORMATS as INPUT_FORMATS
from ..validate.repository import PolicySet, open_policy_set, scan
from ..validate.settings import Settings, SettingsError, load_settings

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = ExitCode.INPUT) -> NoReturn:
    """One line on stderr, no traceback."""
    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(code)


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


def policy_set(path: str) -> PolicySet:
    try:
        return open_policy_set(path, settings())
    except InputError as exc:
        fail(exc.diagnostic.format())


def resolve_version(spec: str, search: str) -> Policy:
    """A policy file, a directory of versions (its newest), or a version id looked up among the
    policies under `search` (`whatif`, `diff`)."""
    from pathlib import Path

    if Path(spec).exists():
        return policy_set(spec).latest
    policies = scan([search], settings()).usable()
    found = [p for p in policies if p.version == spec]
    if len(found) != 1:
        versions = sorted({p.version for p in policies})
        reason = "is in several policies; give the file" if found else f"is no file or version under {search}{did_you_mean(spec, versions)}"
        fail(f"'{spec}' {reason}")
    return found[0]


def as_of(text: str | None, policies: PolicySet) -> float:
    """`--as-of` as epoch seconds (offset-less: the policy's zone); now when not given."""
    if text is None:
        return dt.datetime.now(dt.UTC).timestamp()
    try:
        when, _ = parse_datetime(text, policies.tz)
        return to_epoch(when, f"--as-of '{text}'")
    except InstantError as exc:
        fail(f"--as-of: {exc}")


def engine_name(name: str | None) -> str:
    """The backend that will run (checked here, so workers cannot fail on it)."""
    try:
        return get_backend(name).name
    except EngineError as exc:
        fail(str(exc))


def history_path(path: str) -> str:
    if path != "-" and not _is_file(path):
        fail(f"{path}: no such file")
    return path


def _is_file(path: str) -> bool:
    from pathlib import Path

    return Path(path).is_file()


def format_option(result: str) -> Callable[[F], F]:
    formats = FORMATS[result]
    default = formats.piped if formats.terminal == formats.piped else f"{formats.terminal} on a terminal, else {formats.piped}"
    if formats.github:
        default = f"{formats.github} inside GitHub Actions, else {formats.piped}"
    return click.option("--format", "-f", "fmt", type=click.Choice(formats.names), default=None,
                        help=f"Output format (default: {default}).")


as_of_option = click.option(
    "--as-of", "as_of_text", default=None, metavar="ISO",
    help="Virtual 'now' (ISO-8601; without offset: the policy's zone): clocks still running then are running or breached. Default: now.")
engine_option = click.option("--engine", type=click.Choice(ENGINES), default=None,
                             help="Rules engine backend (default: durable where it imports, else python).")
jobs_option = click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                           help="Worker processes for a JSONL history (default: all cores).")
ignore_option = click.option("--ignore", "ignore", multiple=True, metavar="CODE",
                             help="Do not report this code (repeatable): --ignore SLA408. Only the semantic checks' codes.")
output_option = click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default=None,
                             help="Write the result to this file instead of stdout.")
def _encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    import codecs

    if value is None:  # not given: the import profile's encoding, else utf-8
        return None
    try:
        text = getattr(codecs.lookup(value), "_is_text_encoding", True)
    except LookupError:
        text = None
    if not text:
        reason = "is not a text encoding" if text is False else "is an unknown encoding"
        raise click.BadParameter(f"'{value}' {reason}; use utf-8, gb18030, gbk, latin-1, …")
    return value


encoding_option = click.option("--encoding", default=None, callback=_encoding,
                               help="Text encoding of the ticket input (default: the import profile's encoding, else utf-8; "
                                    "GB18030 and GBK are common in Chinese helpdesk exports).")
input_format_option = click.option("--input-format", type=click.Choice(INPUT_FORMATS), default=None,
                                   help="Ticket input format (default: by file extension; jsonl otherwise).")


roster_option = click.option("--roster", "roster_path", type=click.Path(dir_okay=False), default=None,
                             help="Who is on duty when: CSV person,role,from,to (or JSON lines), for penalties paid by "
                                  "the person on duty.")


def roster(path: str | None, policies: PolicySet) -> Roster:
    """The roster file read in the policy's time zone; a one-line error (exit 2) if it cannot be read."""
    if path is None:
        return EMPTY_ROSTER
    try:
        return read_roster(path, policies.tz)
    except RosterError as exc:
        fail(str(exc))


profile_option = click.option("--profile", "profile_name", default=None, metavar="NAME|FILE",
                              help="Read the input as a helpdesk export through this import profile (a shipped name such as "
                                   "jira-service-management, or a profile file); see `slapolicy import`.")


def input_profile(name: str | None, input_format: str | None) -> Profile | None:
    """`--profile` of a replaying command: None without one; with one, --input-format has no say."""
    if name is None:
        return None
    if input_format is not None:
        fail(f"--profile reads the input as a helpdesk export (CSV); leave out --input-format {input_format}")
    return import_profile(name)


def import_profile(name: str) -> Profile:
    """The import profile named; every problem of a bad profile on stderr, exit 2."""
    try:
        return load_profile(name)
    except ProfileError as exc:
        for problem in exc.problems[:-1]:
            click.echo(f"error: {problem.format()}", err=True)
        fail(exc.problems[-1].format())
    except InputError as exc:
        fail(exc.diagnostic.format())
