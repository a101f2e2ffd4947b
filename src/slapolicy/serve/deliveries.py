"""Deliveries of fired escalations: webhooks (JSON, signed with HMAC-SHA256) and e-mail over SMTP,
to the recipients the deployment file gives each role.

Each delivery is claimed from the database with a lease (a worker that dies leaves it to be tried
again when the lease ends), sent, and marked delivered; a failed attempt is tried again after an
exponential backoff with jitter, and after the last attempt it is a dead letter, listed for an admin
(`GET /admin/deliveries?state=dead`, sent again by `POST /admin/deliveries/retry`). Delivery is at
least once: every delivery carries the firing's dedupe key, so a receiver drops what it has seen.

The webhook signature: header `Slapolicy-Signature: t=TIMESTAMP,v1=HEX`, where HEX is the
HMAC-SHA256, keyed by the recipient's secret, of `TIMESTAMP.BODY` (the Unix time in seconds, a dot,
the raw request body). A receiver recomputes it, compares in constant time, and refuses a
timestamp too far from its own clock (a replayed request).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import smtplib
import ssl
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from typing import Any, Protocol

import msgspec

from .. import __version__
from .config import Deployment, Recipient
from .metrics import Metrics
from .store import Store
from .tx import DeliveryRow, Tx

log = logging.getLogger("slapolicy.serve")
BATCH = 50  # deliveries claimed at once


class DeliveryError(Exception):
    """An attempt that failed: why, in one line."""


def signature(secret: bytes, body: bytes, timestamp: int) -> str:
    """The `Slapolicy-Signature` header's value for a body sent at `timestamp`."""
    mac = hmac.new(secret, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: bytes, body: bytes, header: str, now: float, tolerance: float = 300.0) -> bool:
    """What a receiver does (documented; tests use it): the signature matches and is recent."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = signature(secret, body, timestamp).split("v1=", 1)[1]
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, parts.get("v1", ""))


class Channel(Protocol):
    def send(self, recipient: Recipient, payload: Mapping[str, Any], body: bytes, now: float) -> None:
        """Deliver, or raise DeliveryError."""


class Webhooks:
    def __init__(self, timeout: float) -> None:
        import httpx

        self._client = httpx.Client(timeout=timeout, follow_redirects=False)
        self._errors = (httpx.HTTPError,)

    def send(self, recipient: Recipient, payload: Mapping[str, Any], body: bytes, now: float) -> None:
        assert recipient.secret is not None
        headers = {"Content-Type": "application/json", "User-Agent": f"slapolicy/{__version__}",
                   "Slapolicy-Signature": signature(recipient.secret, body, int(now)),
                   "Slapolicy-Dedupe-Key": str(payload["dedupe_key"]), "Slapolicy-Delivery": str(payload["delivery"])}
        try:
            response = self._client.post(recipient.address, content=body, headers=headers)
        except self._errors as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"HTTP {response.status_code}")

    def close(self) -> None:
        self._client.close()


class Mail:
    def __init__(self, deployment: Deployment) -> None:
        self._smtp = deployment.smtp
        self._timeout = deployment.timeout

    def send(self, recipient: Recipient, payload: Mapping[str, Any], body: bytes, now: float) -> None:
        message = EmailMessage()
        message["From"] = self._smtp.sender
        message["To"] = recipient.address
        message["Subject"] = (f"[slapolicy] {payload['step_id'] or payload['metric']}: {payload['subject']} "
                              f"({payload['metric']} {payload['at']})")
        message["Slapolicy-Dedupe-Key"] = str(payload["dedupe_key"])
        lines = [f"{k}: {v}" for k, v in payload.items() if v not in (None, [], "")]
        message.set_content("\n".join(lines) + "\n")
        try:
            with smtplib.SMTP(self._smtp.host, self._smtp.port, timeout=self._timeout) as smtp:
                if self._smtp.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._smtp.username is not None and self._smtp.password is not None:
                    smtp.login(self._smtp.username, self._smtp.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        pass


class Deliverer:
    """Sends what is due, from its own connection to the store."""

    def __init__(self, store: Store, deployment: Deployment, metrics: Metrics,
                 channels: Mapping[str, Channel] | None = None, jitter: Callable[[], float] = random.random) -> None:
        self.store = store
        self.deployment = deployment
        self.metrics = metrics
        self.channels: Mapping[str, Channel] = channels if channels is not None else \
            {"webhook": Webhooks(deployment.timeout), "email": Mail(deployment)}
        self._jitter = jitter
        self._lease = 2 * deployment.timeout + 5.0
        self._recipients = {(r.channel, r.address): r for rs in deployment.recipients.values() for r in rs}

    def backoff(self, attempts: int) -> float:
        """The wait before attempt `attempts + 1`: doubling from `backoff`, at most `max_backoff`, half of it random."""
        delay: float = min(self.deployment.max_backoff, self.deployment.backoff * 2.0 ** (attempts - 1))
        return delay / 2 + self._jitter() * delay / 2

    def run_once(self, now: float) -> int:
        """Claim and send the deliveries due by now; how many were tried."""
        claimed: list[tuple[DeliveryRow, str]] = self.store.run(lambda tx: self._claim(tx, now))
        for delivery, body in claimed:
            self._attempt(delivery, body, now)
        return len(claimed)

    def _claim(self, tx: Tx, now: float) -> list[tuple[DeliveryRow, str]]:
        rows = tx.claim_deliveries(now, self._lease, BATCH)
        bodies = tx.firing_bodies(r.dedupe_key for r in rows)
        return [(r, bodies[r.dedupe_key]) for r in rows]

    def _attempt(self, delivery: DeliveryRow, firing: str, now: float) -> None:
        attempts = delivery.attempts + 1
        payload = {**msgspec.json.decode(firing), "role": delivery.role, "delivery": delivery.id}
        recipient = self._recipients.get((delivery.channel, delivery.address))
        try:
            if recipient is None:
                raise DeliveryError(f"the deployment file no longer names the recipient {delivery.address}")
            self.channels[delivery.channel].send(recipient, payload, msgspec.json.encode(payload), now)
        except DeliveryError as exc:
            self.metrics.add("delivery_failures")
            dead = recipient is None or attempts >= self.deployment.attempts
            if dead:
                self.metrics.add("deliveries_dead")
                log.warning("delivery %s is a dead letter after %d attempts: %s", delivery.id, attempts, exc)
            error, retry = str(exc), None if dead else now + self.backoff(attempts)
            self.store.run(lambda tx: tx.finish_delivery(delivery.id, "dead" if dead else "pending", attempts, retry, error, None))
            return
        self.metrics.add("deliveries_delivered")
        self.store.run(lambda tx: tx.finish_delivery(delivery.id, "delivered", attempts, None, None, now))

    def close(self) -> None:
        for channel in self.channels.values():
            close = getattr(channel, "close", None)
            if close is not None:
                close()
