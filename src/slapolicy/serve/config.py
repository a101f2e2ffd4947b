"""The deployment file: what a running service needs that is not the regulation's (the database,
who may call it, who hears of each escalation, limits). People change more often than the policy,
so the role -> recipient mapping lives here, never in the policy.

Every problem is one line with file:line:column; secrets may be named by environment variable
(`secret_env`, `password_env`, `database_env`) so the file itself can be committed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..calendar.durations import DurationError, parse_duration
from ..calendar.instants import InstantError, zone
from ..diagnostics.record import InputError
from ..policy.loader import Document, load_file
from ..sim.mapping import shipped

SCOPES = ("events", "read", "admin")  # post events; read tickets, escalations and metrics; reload and deliveries
DEFAULT_DATABASE = "slapolicy.db"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


class DeploymentError(Exception):
    """A deployment file that cannot be used: one line, file:line:column (exit 2)."""


@dataclass(frozen=True)
class Token:
    name: str
    digest: str  # SHA-256 of the token, hex: the token itself is never stored
    scopes: frozenset[str]


@dataclass(frozen=True)
class Recipient:
    channel: str  # webhook | email
    address: str  # the URL or the e-mail address
    secret: bytes | None = None  # the webhook's HMAC key


@dataclass(frozen=True)
class Smtp:
    host: str = "localhost"
    port: int = 25
    sender: str = "slapolicy@localhost"
    starttls: bool = False
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class Deployment:
    database: str = DEFAULT_DATABASE  # a SQLite file (or sqlite:///path), or a postgresql:// URL
    tokens: tuple[Token, ...] = ()
    recipients: Mapping[str, tuple[Recipient, ...]] = field(default_factory=dict)
    smtp: Smtp = Smtp()
    body_bytes: int = 1 << 20  # a request body larger than this is refused (413)
    events_per_request: int = 1000
    attempts: int = 8  # deliveries: tries before a delivery is a dead letter
    backoff: float = 2.0  # seconds before the first retry; doubled each time, with jitter
    max_backoff: float = 600.0
    timeout: float = 10.0  # seconds a webhook or SMTP server has to answer
    poll: float = 1.0  # seconds between looks for work other instances left (one instance knows its own)
    late_after: float = 60.0  # a step fired this many seconds after its instant is marked late
    webhook_zones: Mapping[str, str] = field(default_factory=dict)  # webhook profile -> zone of its times without an offset
    path: str | None = None


def load_deployment(path: str | None, environ: Mapping[str, str] = os.environ) -> Deployment:
    """The deployment file at `path` (None: no file, every default); DeploymentError when unusable."""
    if path is None:
        return Deployment()
    try:
        doc, problems = load_file(path)
    except InputError as exc:
        raise DeploymentError(exc.diagnostic.format()) from None
    if problems:
        raise DeploymentError(problems[0].format())
    return _Reader(doc, environ).deployment()


class _Reader:
    def __init__(self, doc: Document, environ: Mapping[str, str]) -> None:
        self.doc = doc
        self.environ = environ

    def fail(self, where: tuple[str | int, ...], message: str, key: bool = False) -> DeploymentError:
        mark = self.doc.locate(where, key=key)
        return DeploymentError(f"{self.doc.path}:{mark.line}:{mark.column}: {message}")

    def mapping(self, value: Any, where: tuple[str | int, ...], known: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "write a mapping here")
        for key in value:
            if key not in known:
                raise self.fail((*where, key), f"unknown key '{key}'; use one of: {', '.join(known)}", key=True)
        return value

    def text(self, value: Any, where: tuple[str | int, ...]) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(where, "write a text here")
        return value

    def env(self, name: Any, where: tuple[str | int, ...]) -> str:
        value = self.environ.get(self.text(name, where))
        if not value:
            raise self.fail(where, f"the environment variable {name} is not set")
        return value

    def seconds(self, value: Any, where: tuple[str | int, ...]) -> float:
        try:
            duration = parse_duration(value)
        except DurationError as exc:
            raise self.fail(where, str(exc)) from None
        if duration.kind != "seconds":
            raise self.fail(where, "write a clock duration here (30s, 10m), not working or calendar days")
        return float(duration.amount)

    def count(self, value: Any, where: tuple[str | int, ...]) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(where, "write a whole number of at least 1 here")
        return value

    def deployment(self) -> Deployment:
        top = self.mapping(self.doc.data, (), ("database", "database_env", "tokens", "recipients", "smtp", "limits",
                                               "deliveries", "scheduler", "webhooks"))
        if "database" in top and "database_env" in top:
            raise self.fail(("database_env",), "give database or database_env, not both")
        database = self.text(top["database"], ("database",)) if "database" in top else \
            self.env(top["database_env"], ("database_env",)) if "database_env" in top else DEFAULT_DATABASE
        limits = self.mapping(top.get("limits", {}), ("limits",), ("body_bytes", "events_per_request"))
        deliveries = self.mapping(top.get("deliveries", {}), ("deliveries",), ("attempts", "backoff", "max_backoff", "timeout"))
        scheduler = self.mapping(top.get("scheduler", {}), ("scheduler",), ("poll", "late_after"))
        base = Deployment()
        return Deployment(
            database=database,
            tokens=self.tokens(top.get("tokens", [])),
            recipients=self.recipients(top.get("recipients", {})),
            smtp=self.smtp(top["smtp"]) if "smtp" in top else base.smtp,
            body_bytes=self.count(limits["body_bytes"], ("limits", "body_bytes")) if "body_bytes" in limits else base.body_bytes,
            events_per_request=self.count(limits["events_per_request"], ("limits", "events_per_request"))
            if "events_per_request" in limits else base.events_per_request,
            attempts=self.count(deliveries["attempts"], ("deliveries", "attempts")) if "attempts" in deliveries else base.attempts,
            backoff=self.seconds(deliveries["backoff"], ("deliveries", "backoff")) if "backoff" in deliveries else base.backoff,
            max_backoff=self.seconds(deliveries["max_backoff"], ("deliveries", "max_backoff"))
            if "max_backoff" in deliveries else base.max_backoff,
            timeout=self.seconds(deliveries["timeout"], ("deliveries", "timeout")) if "timeout" in deliveries else base.timeout,
            poll=self.seconds(scheduler["poll"], ("scheduler", "poll")) if "poll" in scheduler else base.poll,
            late_after=self.seconds(scheduler["late_after"], ("scheduler", "late_after"))
            if "late_after" in scheduler else base.late_after,
            webhook_zones=self.webhook_zones(top.get("webhooks", {})),
            path=self.doc.path,
        )

    def tokens(self, value: Any) -> tuple[Token, ...]:
        if not isinstance(value, list):
            raise self.fail(("tokens",), "write a list of tokens: - {name: helpdesk, sha256: …, scopes: [events]}")
        out = []
        for i, item in enumerate(value):
            where: tuple[str | int, ...] = ("tokens", i)
            entry = self.mapping(item, where, ("name", "sha256", "scopes"))
            for key in ("name", "sha256", "scopes"):
                if key not in entry:
                    raise self.fail(where, f"a token needs {key}")
            digest = self.text(entry["sha256"], (*where, "sha256"))
            if not _SHA256.fullmatch(digest):
                raise self.fail((*where, "sha256"), "write the token's SHA-256 as 64 lower-case hex digits "
                                                   "(`slapolicy serve --new-token NAME:SCOPES` prints one)")
            scopes = entry["scopes"]
            if not isinstance(scopes, list) or not scopes:
                raise self.fail((*where, "scopes"), f"write a list of scopes among: {', '.join(SCOPES)}")
            for j, scope in enumerate(scopes):
                if scope not in SCOPES:
                    raise self.fail((*where, "scopes", j), f"unknown scope '{scope}'; use one of: {', '.join(SCOPES)}")
            out.append(Token(self.text(entry["name"], (*where, "name")), digest, frozenset(scopes)))
        return tuple(out)

    def recipients(self, value: Any) -> dict[str, tuple[Recipient, ...]]:
        if not isinstance(value, dict):
            raise self.fail(("recipients",), "write a mapping of roles to lists of recipients")
        out = {}
        for role, items in value.items():
            if not isinstance(items, list):
                raise self.fail(("recipients", role), "write a list: - {webhook: URL, secret_env: NAME} or - {email: ADDRESS}")
            out[role] = tuple(self.recipient(item, ("recipients", role, i)) for i, item in enumerate(items))
        return out

    def recipient(self, item: Any, where: tuple[str | int, ...]) -> Recipient:
        entry = self.mapping(item, where, ("webhook", "secret", "secret_env", "email"))
        if "email" in entry:
            if len(entry) > 1:
                raise self.fail(where, "an e-mail recipient is {email: ADDRESS} alone")
            address = self.text(entry["email"], (*where, "email"))
            if not _EMAIL.fullmatch(address):
                raise self.fail((*where, "email"), f"'{address}' is not an e-mail address")
            return Recipient("email", address)
        if "webhook" not in entry:
            raise self.fail(where, "a recipient is {webhook: URL, secret_env: NAME} or {email: ADDRESS}")
        url = self.text(entry["webhook"], (*where, "webhook"))
        if not url.startswith(("https://", "http://")):
            raise self.fail((*where, "webhook"), f"'{url}' is not an http(s) URL")
        if ("secret" in entry) == ("secret_env" in entry):
            raise self.fail(where, "a webhook needs its signing key: secret_env (an environment variable) or secret")
        secret = self.text(entry["secret"], (*where, "secret")) if "secret" in entry else self.env(entry["secret_env"], (*where, "secret_env"))
        return Recipient("webhook", url, secret.encode("utf-8"))

    def webhook_zones(self, value: Any) -> dict[str, str]:
        """`webhooks: {znuny-webhook: {timezone: Europe/Berlin}}`: the helpdesk's zone, where its payloads' times carry
        no offset and it is not the profile's (a Znuny whose OTRSTimeZone is not UTC): --source-tz of the service."""
        if not isinstance(value, dict):
            raise self.fail(("webhooks",), "write a mapping of webhook profiles: znuny-webhook: {timezone: Europe/Berlin}")
        out = {}
        for name, entry in value.items():
            where: tuple[str | int, ...] = ("webhooks", name)
            if name not in shipped() or not str(name).endswith("-webhook"):
                raise self.fail(where, f"no shipped webhook profile '{name}'; use one of: "
                                       + ", ".join(sorted(n for n in shipped() if n.endswith("-webhook"))), key=True)
            zone_name = self.text(self.mapping(entry, where, ("timezone",)).get("timezone"), (*where, "timezone"))
            try:
                zone(zone_name)
            except InstantError as exc:
                raise self.fail((*where, "timezone"), str(exc)) from None
            out[name] = zone_name
        return out

    def smtp(self, value: Any) -> Smtp:
        entry = self.mapping(value, ("smtp",), ("host", "port", "sender", "starttls", "username", "password_env"))
        port = entry.get("port", 25)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise self.fail(("smtp", "port"), "write a port number here")
        starttls = entry.get("starttls", False)
        if not isinstance(starttls, bool):
            raise self.fail(("smtp", "starttls"), "write true or false here")
        username = self.text(entry["username"], ("smtp", "username")) if "username" in entry else None
        if (username is None) != ("password_env" not in entry):
            raise self.fail(("smtp",), "give username and password_env together")
        return Smtp(self.text(entry.get("host", "localhost"), ("smtp", "host")), port,
                    self.text(entry.get("sender", Smtp.sender), ("smtp", "sender")), starttls, username,
                    self.env(entry["password_env"], ("smtp", "password_env")) if username is not None else None)
