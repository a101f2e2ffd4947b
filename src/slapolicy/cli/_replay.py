"""What the commands that read and replay ticket histories share: the history's path, format,
encoding, import profile and roster, the rules engine and the worker processes, and the replay
itself with its progress bar."""

from __future__ import annotations

from dataclasses import replace

import click

from ..calendar.instants import InstantError, zone
from ..diagnostics.record import InputError
from ..i18n import N_
from ..output import progress
from ..rules.engine import ENGINES, EngineError, get_backend
from ..sim.imports import ExportRefused, Profile, ProfileError, load_profile
from ..sim.lanes import Plan, Sink
from ..sim.replay import Interrupted, ReplayError, default_jobs, input_size, replay
from ..sim.roster import EMPTY as EMPTY_ROSTER
from ..sim.roster import Roster, RosterError, read_roster
from ..sim.tickets import FORMATS as INPUT_FORMATS
from ..validate.repository import PolicySet
from ._shared import fail, reason


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


engine_option = click.option("--engine", type=click.Choice(ENGINES), default=None,
                             help=N_("Rules engine backend (default: durable where it imports, else python)."))
jobs_option = click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                           help=N_("Worker processes for a JSONL history (default: all cores)."))


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
                               help=N_("Text encoding of the ticket input (default: the import profile's encoding, else utf-8; "
                                    "GB18030 and GBK are common in Chinese helpdesk exports)."))
sheet_option = click.option("--sheet", default=None, metavar="NAME",
                            help=N_("The sheet of an Excel (.xlsx) input to read (default: its first sheet)."))
input_format_option = click.option("--input-format", type=click.Choice(INPUT_FORMATS), default=None,
                                   help=N_("Ticket input format (default: by file extension; jsonl otherwise)."))


roster_option = click.option("--roster", "roster_path", type=click.Path(dir_okay=False), default=None,
                             help=N_("Who is on duty when: CSV person,role,from,to (or JSON lines), for penalties paid by "
                                  "the person on duty."))


def roster(path: str | None, policies: PolicySet) -> Roster:
    """The roster file read in the policy's time zone; a one-line error (exit 2) if it cannot be read."""
    if path is None:
        return EMPTY_ROSTER
    try:
        return read_roster(path, policies.tz)
    except RosterError as exc:
        fail(str(exc))


profile_option = click.option("--profile", "profile_name", default=None, metavar="NAME|FILE",
                              help=N_("Read the input as a helpdesk export (or a file of webhook payloads) through this import "
                                   "profile (a shipped name such as jira-service-management or zammad-webhook, or a profile "
                                   "file); see `slapolicy import`."))


def input_profile(name: str | None, input_format: str | None, encoding: str | None) -> Profile | None:
    """`--profile` of a replaying command: None without one; with one, --input-format has no say."""
    if name is None:
        if _SOURCE_TZ in click.get_current_context().meta:
            fail("--source-tz names the zone of an export's times: give the export's --profile too")
        return None
    profile = import_profile(name)
    if input_format is not None:
        read = "webhook payloads (JSON)" if profile.rows == "webhook" else "a helpdesk export (CSV or .xlsx)"
        fail(f"--profile reads the input as {read}; leave out --input-format {input_format}")
    return profile_encoding(profile, encoding)


def profile_encoding(profile: Profile, encoding: str | None) -> Profile:
    """The profile, once --encoding is known to apply to what it reads: webhook payloads are JSON, always UTF-8."""
    if encoding is not None and profile.rows == "webhook":
        fail(f"--profile {profile.name} reads webhook payloads, which are JSON and always UTF-8; leave out --encoding {encoding}")
    return profile


def _source_tz(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        try:
            ctx.meta[_SOURCE_TZ] = zone(value)
        except InstantError as exc:
            raise click.BadParameter(str(exc)) from None


_SOURCE_TZ = "slapolicy.source_tz"
source_tz_option = click.option("--source-tz", metavar="ZONE", expose_value=False, callback=_source_tz,
                                help=N_("IANA time zone of the export's times written without a UTC offset (Znuny writes its "
                                        "server's zone, UTC by default); overrides the profile's `timezone:`. Times with an "
                                        "offset keep it."))


def import_profile(name: str) -> Profile:
    """The import profile named, its `timezone:` replaced by --source-tz when given; every problem of a
    bad profile on stderr, exit 2."""
    try:
        profile = load_profile(name)
        source_tz = click.get_current_context().meta.get(_SOURCE_TZ)
        return profile if source_tz is None else replace(profile, timezone=source_tz)
    except ProfileError as exc:
        for problem in exc.problems[:-1]:
            click.echo(f"error: {problem.format()}", err=True)
        fail(exc.problems[-1].format())
    except InputError as exc:
        fail(exc.diagnostic.format())


def replay_history(plan: Plan, path: str, input_format: str | None, total: Sink, jobs: int | None) -> int | None:
    """The history replayed into `total`, a progress bar on a terminal: the signal that interrupted it (`total`
    then holds what was replayed so far), else None; a replay that cannot run is a one-line error (exit 2)."""
    try:
        with progress.bar(lambda: input_size(plan, path, input_format)) as on_progress:
            replay(plan, path, input_format, total, jobs or default_jobs(), on_progress)
    except Interrupted as exc:
        return exc.signum
    except (EngineError, ReplayError, ExportRefused) as exc:
        fail(reason(exc))
    return None
