"""Deliveries of fired escalations: signed webhooks (verified as a receiver would), retried with
exponential backoff and jitter, dead letters listed and sent again, e-mail over SMTP to a local
aiosmtpd server, and the deployment file that maps roles to recipients."""

from __future__ import annotations

import email
import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from serve_cases import Clock, Receiver, running
from slapolicy.calendar.instants import parse_instant
from slapolicy.serve.config import Deployment, DeploymentError, Recipient, Smtp, load_deployment
from slapolicy.serve.deliveries import Deliverer, signature, verify
from slapolicy.serve.metrics import Metrics
from slapolicy.validate.repository import open_policy_set

POLICY_DIR = ROOT / "policies" / "after-sales"
POLICIES = open_policy_set(POLICY_DIR)
SECRET = b"webhook-secret"
CREATED = {"event_id": "U-1#created", "ticket_id": "U-1", "at": "2025-03-10T09:00:00+08:00", "type": "created",
           "attributes": {"severity": "P1", "tier": "standard", "channel": "hotline", "category": "technical",
                          "customer": "甲", "product": "ERP", "problem_code": "E-1"}}


def at(text: str) -> float:
    return parse_instant(text, POLICIES.tz)


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    """Worked out with the standard library alone, as a receiver in any language would."""
    import hashlib
    import hmac

    body = b'{"dedupe_key":"U-1/first_response/1/fr-warn/0"}'
    expected = hmac.new(SECRET, b"1741568400." + body, hashlib.sha256).hexdigest()
    assert signature(SECRET, body, 1741568400) == f"t=1741568400,v1={expected}"
    assert verify(SECRET, body, f"t=1741568400,v1={expected}", 1741568400 + 299)
    assert not verify(SECRET, body, f"t=1741568400,v1={expected}", 1741568400 + 301)  # too old: a replay
    assert not verify(SECRET, body + b" ", f"t=1741568400,v1={expected}", 1741568400)
    assert not verify(b"another", body, f"t=1741568400,v1={expected}", 1741568400)


def test_a_fired_step_is_delivered_signed_with_its_dedupe_key_and_retried_until_it_is_a_dead_letter(tmp_path: Path) -> None:
    good, failing = Receiver(), Receiver(status=500)
    deployment = Deployment(database=str(tmp_path / "serve.db"), attempts=3, backoff=10.0, max_backoff=15.0,
                            recipients={"team_lead": (Recipient("webhook", good.url, SECRET), Recipient("webhook", failing.url, SECRET))})
    clock = Clock(at("2025-03-10T09:05:00+08:00"))
    try:
        with running(POLICIES, str(POLICY_DIR), deployment, clock) as live:
            assert live.api.post("/events", json=CREATED).status_code == 202
            clock.now = at("2025-03-10T09:12:00+08:00")  # fr-warn (75 % of 15 min: 09:11:15) fell due
            live.service.tick()
            assert live.service.deliver() == 2
            (headers, body), = good.received
            assert verify(SECRET, body, headers["slapolicy-signature"], clock.now)
            payload = json.loads(body)
            assert headers["slapolicy-dedupe-key"] == payload["dedupe_key"] == "U-1/first_response/1/fr-warn/0"
            assert (payload["role"], payload["step_id"], payload["at"], payload["late"]) == (
                "team_lead", "fr-warn", "2025-03-10T09:11:15+08:00", False)
            assert live.service.deliver() == 0  # the failed one waits for its backoff
            waits, attempts = [], []
            for _ in range(2):  # the 2nd and 3rd attempts, each after a doubled wait (with jitter: half of it random)
                pending = live.api.get("/admin/deliveries?state=pending").json()["deliveries"]
                (retry,) = [d for d in pending if d["address"] == failing.url]
                attempts.append(retry["attempts"])
                due = live.service.call(lambda tx: tx.deliveries(state="pending"))[0].due
                waits.append(due - clock.now)
                clock.now = due
                assert live.service.deliver() == 1
            assert 5.0 <= waits[0] <= 10.0 and 7.5 <= waits[1] <= 15.0  # 10 s, then 20 s capped at 15 s
            assert len(failing.received) == 3 and attempts == [1, 2]
            dead = live.api.get("/admin/deliveries?state=dead").json()["deliveries"]
            assert [(d["address"], d["attempts"], d["error"]) for d in dead] == [(failing.url, 3, "HTTP 500")]
            failing.status = 204
            assert live.api.post("/admin/deliveries/retry", json={"id": dead[0]["id"]}).json()["state"] == "pending"
            assert live.service.deliver() == 1
            assert live.api.get("/admin/deliveries?state=dead").json()["deliveries"] == []
            assert live.api.post("/admin/deliveries/retry", json={"id": dead[0]["id"]}).status_code == 404
            fired = live.api.get("/tickets/U-1", "/tickets/{id}").json()["fired"]
            assert sorted(d["state"] for d in fired[0]["deliveries"]) == ["delivered", "delivered"]
            metrics = live.api.get("/metrics").text.splitlines()
            assert "slapolicy_deliveries_delivered_total 2" in metrics and "slapolicy_delivery_failures_total 3" in metrics
            assert "slapolicy_deliveries_dead_total 1" in metrics
    finally:
        good.close()
        failing.close()


def test_a_delivery_whose_worker_died_is_tried_again_when_its_lease_ends(tmp_path: Path) -> None:
    receiver = Receiver()
    deployment = Deployment(database=str(tmp_path / "serve.db"), timeout=5.0,
                            recipients={"team_lead": (Recipient("webhook", receiver.url, SECRET),)})
    clock = Clock(at("2025-03-10T09:12:00+08:00"))
    try:
        with running(POLICIES, str(POLICY_DIR), deployment, clock) as live:
            assert live.api.post("/events", json=CREATED).status_code == 202  # fr-warn fired with the event: late by 45 s
            claimed = live.service.call(lambda tx: tx.claim_deliveries(clock.now, 15.0, 10))  # a worker claims it, then dies
            assert len(claimed) == 1 and live.service.deliver() == 0
            clock.now += 15.0
            assert live.service.deliver() == 1 and len(receiver.received) == 1
    finally:
        receiver.close()


def test_e_mail_goes_out_over_smtp(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list[email.message.Message] = []

    class Keep(Message):  # type: ignore[misc]
        def handle_message(self, message: Any) -> None:
            received.append(message)

    with socket.socket() as probe:  # a free port (aiosmtpd checks that it started by connecting to its port)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        deployment = Deployment(database=str(tmp_path / "serve.db"), smtp=Smtp("127.0.0.1", port, "sla@example.com"),
                                recipients={"team_lead": (Recipient("email", "lead@example.com"),),
                                            "service_head": (Recipient("email", "head@example.com"),)})
        clock = Clock(at("2025-03-10T09:05:00+08:00"))
        with running(POLICIES, str(POLICY_DIR), deployment, clock) as live:
            assert live.api.post("/events", json=CREATED).status_code == 202
            clock.now = at("2025-03-10T09:16:00+08:00")
            live.service.tick()
            assert live.service.deliver() == 2
            deadline = time.monotonic() + 10
            while len(received) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
        by_to = {m["To"]: m for m in received}
        assert set(by_to) == {"lead@example.com", "head@example.com"}
        head = by_to["head@example.com"]
        assert head["From"] == "sla@example.com" and head["Slapolicy-Dedupe-Key"] == "U-1/first_response/1/fr-breach/0"
        assert "fr-breach" in head["Subject"] and "U-1" in head["Subject"]
        assert "at: 2025-03-10T09:15:00+08:00" in head.get_payload()
    finally:
        controller.stop()


def test_the_deployment_file_maps_roles_to_recipients_and_says_where_it_is_wrong(tmp_path: Path) -> None:
    good = tmp_path / "deploy.yaml"
    good.write_text("""database: /var/lib/slapolicy/serve.db
tokens:
  - {name: helpdesk, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, scopes: [events]}
recipients:
  team_lead:
    - {webhook: "https://chat.example.com/hooks/lead", secret_env: LEAD_SECRET}
    - {email: lead@example.com}
smtp: {host: mail.example.com, port: 587, sender: sla@example.com, starttls: true}
limits: {body_bytes: 65536}
deliveries: {attempts: 5, backoff: 30s, max_backoff: 1h}
scheduler: {poll: 2s, late_after: 5m}
""", encoding="utf-8")
    d = load_deployment(str(good), {"LEAD_SECRET": "s3"})
    assert d.recipients["team_lead"] == (Recipient("webhook", "https://chat.example.com/hooks/lead", b"s3"),
                                         Recipient("email", "lead@example.com"))
    assert (d.body_bytes, d.attempts, d.backoff, d.max_backoff, d.poll, d.late_after) == (65536, 5, 30.0, 3600.0, 2.0, 300.0)
    assert d.tokens[0].scopes == frozenset({"events"}) and d.smtp.starttls
    with pytest.raises(DeploymentError, match=r"deploy.yaml:6:\d+: the environment variable LEAD_SECRET is not set"):
        load_deployment(str(good), {})
    for text, message in [
        ("tokens: [{name: a, sha256: abc, scopes: [read]}]", r":1:\d+: write the token's SHA-256"),
        ("tokens: [{name: a, sha256: " + "a" * 64 + ", scopes: [write]}]", r":1:\d+: unknown scope 'write'"),
        ("recipients: {team_lead: [{webhook: 'https://x.example'}]}", r":1:\d+: a webhook needs its signing key"),
        ("recipients: {team_lead: [{email: not-an-address}]}", r":1:\d+: 'not-an-address' is not an e-mail address"),
        ("deliveries: {backoff: 3 working days}", r":1:\d+: write a clock duration"),
        ("colour: blue", r":1:1: unknown key 'colour'"),
    ]:
        bad = tmp_path / "bad.yaml"
        bad.write_text(text + "\n", encoding="utf-8")
        with pytest.raises(DeploymentError, match=message):
            load_deployment(str(bad), {})


def test_deliveries_claimed_by_two_workers_are_sent_once(tmp_path: Path) -> None:
    """Two delivery workers on one database: a claimed delivery is leased, so the other skips it."""
    receiver = Receiver()
    deployment = Deployment(database=str(tmp_path / "serve.db"), recipients={"team_lead": (Recipient("webhook", receiver.url, SECRET),)})
    clock = Clock(at("2025-03-10T09:12:00+08:00"))
    try:
        with running(POLICIES, str(POLICY_DIR), deployment, clock) as live:
            assert live.api.post("/events", json=CREATED).status_code == 202
            other = Deliverer(live.service.store.connect(), deployment, Metrics())
            assert live.service.deliver() + other.run_once(clock.now) == 1
            other.close()
            assert len(receiver.received) == 1
    finally:
        receiver.close()
