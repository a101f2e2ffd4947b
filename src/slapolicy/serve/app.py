"""The HTTP routes (documented in `openapi.json`, served at /openapi.json). Every route but /health
needs a token with its scope; request bodies are read up to the deployment's limit (413 beyond);
answers are JSON (msgspec), errors `{"error": "…"}` in one line.

    GET  /health                       no token: is the service up
    POST /events                       events: one event, or a list of them (answered in order)
    GET  /tickets/{id}                 read: the subject as of now
    GET  /tickets?breaching_within=1h  read: open subjects by time left (all open ones without it)
    GET  /escalations?since=ISO        read: what fired since then (default: today's midnight)
    GET  /metrics                      read: Prometheus text
    GET  /openapi.json                 read
    POST /admin/reload                 admin: the policy directory again, only if it validates
    GET  /admin/deliveries?state=dead  admin: deliveries by state (dead letters; unrouted; pending)
    POST /admin/deliveries/retry       admin: {"id": …} a dead letter sent again
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import importlib.resources
import io
import signal
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..calendar.durations import DurationError, parse_duration
from ..calendar.instants import InstantError, parse_instant, zone
from ..diagnostics.record import InputError
from ..kpi.board import Board
from ..output.board import board_document
from ..output.encode import plain
from ..output.html import board_page
from ..sim.mapping import Profile, load_profile, shipped
from ..sim.outcome import Rejection
from ..sim.webhooks import map_webhook
from .auth import Denied
from .documents import delivery
from .runtime import Reloaded, Service
from .tx import Tx

DELIVERY_STATES = ("pending", "delivered", "dead", "unrouted")
MAX_LIMIT = 1000
BOARD_REFRESH = 15  # seconds between the board page's fetches of GET /tickets


class Problem(Exception):
    """A request that cannot be answered: its status and one line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def json_response(value: Any, status: int = 200) -> Response:
    return Response(msgspec.json.encode(value, enc_hook=plain), status, media_type="application/json")  # messages: their English


def openapi() -> bytes:
    return (importlib.resources.files("slapolicy.serve") / "openapi.json").read_bytes()


Handler = Callable[[Request, Service], Awaitable[Response]]


def guarded(scope: str | None, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """The handler behind the token check (none for /health) and the one-line error answers."""
    async def endpoint(request: Request) -> Response:
        service: Service = request.app.state.service
        try:
            if scope is not None:
                service.tokens.check(request.headers.get("authorization"), scope)
            return await handler(request, service)
        except Denied as exc:
            headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
            return Response(msgspec.json.encode({"error": str(exc)}), exc.status, headers, "application/json")
        except Problem as exc:
            return json_response({"error": str(exc)}, exc.status)
    return endpoint


async def body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) past `limit` bytes whatever Content-Length says."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"the body is {declared} bytes; at most {limit} are read (limits.body_bytes)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, f"the body is larger than {limit} bytes (limits.body_bytes)")
        chunks.append(chunk)
    return b"".join(chunks)


def limit_of(request: Request, default: int = 100) -> int:
    text = request.query_params.get("limit")
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise Problem(400, f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(text)


async def health(request: Request, service: Service) -> Response:
    if not service.alive:
        return json_response({"status": "down"}, 503)
    return json_response({"status": "ok"})


async def post_events(request: Request, service: Service) -> Response:
    started = time.perf_counter()
    raw = await body(request, service.deployment.body_bytes)
    try:
        data = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        return json_response({"status": "refused", "errors": [{"code": "unparseable", "message": f"the body is not JSON: {exc}"}]}, 400)
    many = isinstance(data, list)
    events = data if many else [data]
    if not events:
        raise Problem(400, "the list holds no event")
    if len(events) > service.deployment.events_per_request:
        raise Problem(413, f"{len(events)} events; at most {service.deployment.events_per_request} per request (limits.events_per_request)")
    answers = await service.events(events)
    service.metrics.accepted(time.perf_counter() - started)
    if many:
        return json_response({"results": [{**a.body, "http": a.status} for a in answers]})
    return json_response(answers[0].body, answers[0].status)


async def post_webhook(request: Request, service: Service) -> Response:
    """A helpdesk's webhook payload as it sends it, mapped by a shipped `rows: webhook` profile
    (zammad-webhook, znuny-webhook, jira-webhook, zendesk-webhook) onto the events of its ticket, each
    with an id that depends only on what it says: a payload sent again, or a later one repeating the
    ticket's creation, is answered as a repeat, not applied twice."""
    name = request.path_params["profile"]
    profile = webhook_profile(name, service.deployment.webhook_zones.get(name))
    mapped = map_webhook(profile, await body(request, service.deployment.body_bytes))
    if isinstance(mapped, Rejection):
        return json_response({"status": "refused", "errors": [{"code": r.code, "message": r.message} for r in mapped.reasons]}, 422)
    events = [{"event_id": e.id, "ticket_id": mapped.subject, **({"kind": mapped.kind} if mapped.kind else {}), **e.data}
              for e in mapped.events]
    answers = await service.events(events) if events else []
    omitted = Counter(mapped.omitted)  # values the profile's map lacks, left out (unmapped: omit): said, not dropped
    service.metrics.add("webhook_values_omitted", omitted.total())
    return json_response({"results": [{**a.body, "http": a.status} for a in answers], **({"omitted": dict(omitted)} if omitted else {})})


@functools.cache
def webhook_profile(name: str, source_tz: str | None = None) -> Profile:
    """A shipped webhook profile by name (never a file: a request names no path on the server); `source_tz`: the zone
    of its times without an offset, where the deployment names one (`webhooks:`), else the profile's."""
    if name not in shipped():
        raise Problem(404, f"no shipped profile '{name}'")
    try:
        profile = load_profile(name)
    except InputError as exc:  # a shipped profile is tested; this is a broken installation
        raise Problem(500, exc.diagnostic.format()) from None
    if profile.rows != "webhook":
        raise Problem(404, f"'{name}' maps exports, not webhook payloads; use one of: "
                           + ", ".join(sorted(n for n in shipped() if n.endswith("-webhook"))))
    return profile if source_tz is None else replace(profile, timezone=zone(source_tz))


async def get_ticket(request: Request, service: Service) -> Response:
    subject_id = request.path_params["id"]
    now = service.clock()

    def read(tx: Tx) -> dict[str, Any] | None:
        outcome = service.live.state(tx, subject_id, now)
        if outcome is None:
            return None
        fired = [(key, at, when, late, msgspec.json.decode(text)) for key, _, at, when, late, text in tx.firings(subject_id)]
        return service.live.documents.ticket(outcome, now, fired, tx.deliveries([f[0] for f in fired]))

    doc = await service.run(read)
    if doc is None:
        raise Problem(404, f"no subject '{subject_id}'")
    return json_response(doc)


async def list_tickets(request: Request, service: Service) -> Response:
    """The board's document (`slapolicy due`'s): open subjects by time left, each open clock with its due
    time, rule and clauses, and today's breaches and escalations (of the subjects open now or replayed today)."""
    within_text = request.query_params.get("breaching_within")
    within = _seconds(within_text, "breaching_within") if within_text is not None else None
    limit = limit_of(request)
    now = service.clock()

    def read(tx: Tx) -> dict[str, Any]:
        board = Board(now, service.policies.tz)
        rows = tx.open_subjects(None if within is None else now + within, limit + 1)
        for row in [*rows[:limit], *tx.closed_since(board.today[0], limit)]:
            board.add((service.live.outcome_of(row, now),))
        return {**board_document(board, within), "more": len(rows) > limit}

    return json_response(await service.run(read))


async def board(request: Request, service: Service) -> Response:
    """The live board page: it holds no subject (the page is open to all, like /health); it fetches GET
    /tickets with the token its address gives after `#token=` (never sent to a server), every
    BOARD_REFRESH seconds."""
    lang = request.query_params.get("lang", "zh")
    if lang not in ("zh", "en"):
        raise Problem(400, "lang: zh or en")
    out = io.StringIO()
    board_page(board_document(Board(service.clock(), service.policies.tz)), out, lang, source="tickets",
               refresh=BOARD_REFRESH, at_once=True)
    return Response(out.getvalue(), media_type="text/html; charset=utf-8")


async def list_escalations(request: Request, service: Service) -> Response:
    now, tz = service.clock(), service.policies.tz
    since_text = request.query_params.get("since")
    if since_text is None:
        since = dt.datetime.fromtimestamp(now, tz).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    else:
        try:
            since = parse_instant(since_text, tz)
        except InstantError as exc:
            raise Problem(400, f"since: {exc}") from None
    limit = limit_of(request, MAX_LIMIT)

    def read(tx: Tx) -> dict[str, Any]:
        fired = tx.firings(since=since, limit=limit)
        by_key: dict[str, list[dict[str, Any]]] = {}
        for d in tx.deliveries([f[0] for f in fired]):
            by_key.setdefault(d.dedupe_key, []).append(delivery(d))
        return {"since": service.live.documents.iso(since, tz),
                "escalations": [{**msgspec.json.decode(text), "deliveries": by_key.get(key, [])} for key, _, _, _, _, text in fired]}

    return json_response(await service.run(read))


async def metrics(request: Request, service: Service) -> Response:
    counts = await service.run(lambda tx: tx.counts())
    return Response(service.metrics.text(counts), media_type="text/plain; version=0.0.4")


async def get_openapi(request: Request, service: Service) -> Response:
    return Response(openapi(), media_type="application/json")


async def reload(request: Request, service: Service) -> Response:
    try:
        done = await asyncio.get_running_loop().run_in_executor(None, service.reload)
    except Reloaded as exc:
        return json_response({"error": f"not reloaded, the policy in use stays: {exc}"}, 422)
    return json_response(done)


async def list_deliveries(request: Request, service: Service) -> Response:
    state = request.query_params.get("state", "dead")
    if state not in DELIVERY_STATES:
        raise Problem(400, f"state is one of: {', '.join(DELIVERY_STATES)}")
    limit = limit_of(request)
    rows = await service.run(lambda tx: tx.deliveries(state=state, limit=limit))
    return json_response({"state": state, "deliveries": [{**delivery(d), "dedupe_key": d.dedupe_key} for d in rows]})


async def retry_delivery(request: Request, service: Service) -> Response:
    try:
        data = msgspec.json.decode(await body(request, service.deployment.body_bytes))
    except msgspec.DecodeError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise Problem(400, 'write {"id": DELIVERY_ID} (the ids of dead letters: GET /admin/deliveries?state=dead)')
    now = service.clock()
    if not await service.run(lambda tx: tx.retry_delivery(data["id"], now)):
        raise Problem(404, f"no dead letter '{data['id']}'")
    return json_response({"id": data["id"], "state": "pending"})


def _seconds(text: str, name: str) -> float:
    try:
        duration = parse_duration(text)
    except DurationError as exc:
        raise Problem(400, f"{name}: {exc}") from None
    if duration.kind != "seconds":
        raise Problem(400, f"{name}: write a clock duration (30m, 4h)")
    return float(duration.amount)


ROUTES = [
    Route("/health", guarded(None, health), methods=["GET"]),
    Route("/board", guarded(None, board), methods=["GET"]),
    Route("/events", guarded("events", post_events), methods=["POST"]),
    Route("/webhooks/{profile}", guarded("events", post_webhook), methods=["POST"]),
    Route("/tickets", guarded("read", list_tickets), methods=["GET"]),
    Route("/tickets/{id:path}", guarded("read", get_ticket), methods=["GET"]),
    Route("/escalations", guarded("read", list_escalations), methods=["GET"]),
    Route("/metrics", guarded("read", metrics), methods=["GET"]),
    Route("/openapi.json", guarded("read", get_openapi), methods=["GET"]),
    Route("/admin/reload", guarded("admin", reload), methods=["POST"]),
    Route("/admin/deliveries", guarded("admin", list_deliveries), methods=["GET"]),
    Route("/admin/deliveries/retry", guarded("admin", retry_delivery), methods=["POST"]),
]


def create_app(service: Service) -> Starlette:
    """The app around a service: started and stopped with the app (its lifespan); SIGHUP reloads
    the policy where the app runs in the main thread (uvicorn)."""
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        service.start()
        loop = asyncio.get_running_loop()
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):  # not the main thread (a test client)
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, _reload_quietly, service))
        try:
            yield
        finally:
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
                loop.remove_signal_handler(signal.SIGHUP)
            service.stop()

    app = Starlette(routes=ROUTES, lifespan=lifespan)
    app.state.service = service
    return app


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, with TCP_NODELAY (accepted connections inherit it): without it a keep-alive
    client waits for its delayed ACK (40 ms) between the response's header and body writes."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


def run(service: Service, sock: socket.socket) -> None:
    """Serve on `sock` until SIGTERM or Ctrl-C, then return. uvicorn raises the signal it stopped on
    again once it has shut down; the handlers set here take it, so a service stopped so exits 0."""
    import uvicorn

    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda signum, frame: None)
    uvicorn.Server(uvicorn.Config(create_app(service), log_level="warning", access_log=False)).run(sockets=[sock])


def _reload_quietly(service: Service) -> None:
    """SIGHUP: reload, or log why not (the policy in use stays)."""
    import logging

    try:
        service.reload()
    except Reloaded as exc:
        logging.getLogger("slapolicy.serve").error("SIGHUP: not reloaded, the policy in use stays: %s", exc)

