"""What the tests of `slapolicy serve` share: a service on a loopback port (a real uvicorn server in a
thread) with a clock the test moves, a client that holds every answer to the OpenAPI document, a
PostgreSQL database when one is configured, and a history's events in the order they happened."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jsonschema
import pytest
import uvicorn

from slapolicy.calendar.instants import parse_instant
from slapolicy.serve.app import create_app, listening_socket, openapi
from slapolicy.serve.auth import digest
from slapolicy.serve.config import SCOPES, Deployment, Token
from slapolicy.serve.runtime import Service
from slapolicy.validate.repository import PolicySet

TOKEN = "test-token-all"
SCOPED = {scope: f"test-token-{scope}" for scope in SCOPES}
TOKENS = (Token("all", digest(TOKEN), frozenset(SCOPES)),
          *(Token(scope, digest(token), frozenset((scope,))) for scope, token in SCOPED.items()))
POSTGRES_ENV = "SLAPOLICY_TEST_POSTGRES"  # a postgresql:// URL of a database the tests may empty
REQUIRE_ENV = "SLAPOLICY_REQUIRE_POSTGRES"  # set by .ci/run: a missing PostgreSQL fails instead of skipping
DOCUMENT = json.loads(openapi())


class Clock:
    """The service's now, moved by the test."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def postgres_url() -> str:
    """The PostgreSQL database of the tests, emptied; skipped without one (failed where CI requires it)."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but {POSTGRES_ENV} is not: .ci/run starts PostgreSQL and sets both")
        pytest.skip(f"no PostgreSQL: set {POSTGRES_ENV}=postgresql://… (.ci/run does)")
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return url


def database(kind: str, tmp_path: Any) -> str:
    return postgres_url() if kind == "postgresql" else str(tmp_path / "serve.db")


class Api:
    """An HTTP client of the service that checks every answer against openapi.json: its status is
    documented for the route, and its body is valid under the documented schema."""

    def __init__(self, base: str, token: str | None = TOKEN) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(base_url=base, headers=headers, timeout=60)

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, path: str, template: str | None = None, **kwargs: Any) -> httpx.Response:
        response = self.client.request(method, path, **kwargs)
        check(method, template or path.split("?")[0], response)
        return response

    def get(self, path: str, template: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, template, **kwargs)

    def post(self, path: str, template: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, template, **kwargs)


def check(method: str, template: str, response: httpx.Response) -> None:
    operation = DOCUMENT["paths"][template][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {template} answered {status}, which openapi.json does not document"
    content = operation["responses"][status].get("content", {})
    if "application/json" in content:
        pointer = "/".join(p.replace("~", "~0").replace("/", "~1") for p in
                           ("#", "paths", template, method.lower(), "responses", status, "content", "application/json", "schema"))
        jsonschema.Draft202012Validator({**DOCUMENT, "$ref": pointer}).validate(response.json())
    else:
        assert response.headers["content-type"].startswith(next(iter(content), "text/plain"))


@dataclasses.dataclass
class Running:
    service: Service
    api: Api
    base: str
    clock: Clock
    others: list[Api] = dataclasses.field(default_factory=list)

    def client(self, token: str | None) -> Api:
        """Another client, with another token (None: none); closed with the service."""
        self.others.append(Api(self.base, token))
        return self.others[-1]


@contextlib.contextmanager
def running(policies: PolicySet, policy_path: str, deployment: Deployment, clock: Clock, **options: Any) -> Iterator[Running]:
    """The service in a uvicorn server on a free loopback port, until the block ends."""
    deployment = dataclasses.replace(deployment, tokens=deployment.tokens or TOKENS)
    service = Service(policy_path, policies, deployment, "python", clock=clock, auto=options.pop("auto", False), **options)
    sock = listening_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    # loop="asyncio": with uvloop installed, uvicorn before 0.30 sets uvloop's policy for the whole process, and the
    # browser tests' Playwright (its sync API starts its own loop) then hangs on its driver's pipes
    server = uvicorn.Server(uvicorn.Config(create_app(service), log_level="warning", lifespan="on", loop="asyncio"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.01)
    base = f"http://127.0.0.1:{port}"
    live = Running(service, Api(base), base, clock)
    try:
        yield live
    finally:
        for api in (live.api, *live.others):
            api.close()
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def events_of(history: list[dict[str, Any]], tz: Any) -> list[tuple[float, dict[str, Any]]]:
    """A history's events as the service takes them, in the order they happened (at the same instant:
    in the history's order): the ticket's attributes on its created event, each event with an id."""
    out = []
    for line, ticket in enumerate(history, 1):
        for i, raw in enumerate(ticket["events"]):
            event = {**raw, "event_id": f"{ticket['id']}#{i}", "ticket_id": ticket["id"]}
            if i == 0:
                event["attributes"] = {**ticket.get("attributes", {}), **raw.get("attributes", {})}
            if ticket.get("kind", "ticket") != "ticket":
                event["kind"] = ticket["kind"]
            out.append((parse_instant(raw["at"], tz), line, i, event))
    out.sort(key=lambda e: e[:3])
    return [(at, event) for at, _, _, event in out]


class Receiver:
    """A webhook receiver on a loopback port: what it was sent, and the status it answers with."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                length = int(self.headers["Content-Length"])
                body = self.rfile.read(length)
                if len(body) < length:  # its sender was killed mid-request: never answered, so sent again
                    return
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
