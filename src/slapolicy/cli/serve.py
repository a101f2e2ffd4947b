"""`slapolicy serve`: the HTTP service over the library (slapolicy.serve); options in, one-line errors out."""

from __future__ import annotations

import dataclasses
import logging
import os
import sys

import click

from ..i18n import N_
from ..serve.auth import digest, new_token, parse_grant, token_entry
from ..serve.config import SCOPES, Deployment, DeploymentError, Token, load_deployment
from ..validate.repository import PolicySet
from ._replay import engine_name, engine_option
from ._shared import fail, policy_set


@click.command(help=N_("Enforce POLICY live: ticket events in over HTTP, escalations out on time.\n"
                        "\n"
                        "Each subject is replayed by the simulator after every event, so what the service decides is\n"
                        "what `simulate` decides. Exit 0 when stopped (Ctrl-C, SIGTERM), 2 usage error or unusable\n"
                        "policy, deployment file or database."))
@click.argument("policy", type=click.Path(), required=False)
@click.option("--deployment", "deployment_path", type=click.Path(dir_okay=False), default=None,
              help=N_("The deployment file: database, tokens, recipients of each role, limits (docs/serve.md)."))
@click.option("--database", default=None, metavar="URL",
              help=N_("A SQLite file or a postgresql:// URL (default: the deployment file's, else slapolicy.db here)."))
@click.option("--host", default="127.0.0.1", show_default=True, help=N_("The address to listen on (TLS: a reverse proxy in front)."))
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@engine_option
@click.option("--new-token", "grant", default=None, metavar="NAME:SCOPES",
              help=N_("Print a new token and its line for the deployment file (scopes: events, read, admin), then exit."))
def serve(policy: str | None, deployment_path: str | None, database: str | None, host: str, port: int, engine: str | None,
          grant: str | None) -> None:
    if grant is not None:
        try:
            name, scopes = parse_grant(grant)
        except ValueError as exc:
            fail(f"--new-token: {exc}")
        token = new_token()
        click.echo(f"token (give it to the caller; it is shown once): {token}")
        click.echo("its line in the deployment file, under tokens:")
        click.echo(token_entry(name, scopes, token))
        return
    if policy is None:
        fail("give the policy to serve: slapolicy serve policies/after-sales")
    policies = policy_set(policy)
    backend = engine_name(engine)
    try:
        deployment = load_deployment(deployment_path)
    except DeploymentError as exc:
        fail(str(exc))
    if database is not None:
        deployment = dataclasses.replace(deployment, database=database)
    if not deployment.tokens:
        given = os.environ.get("SLAPOLICY_TOKEN")
        token = given or new_token()
        deployment = dataclasses.replace(deployment, tokens=(Token("this-run", digest(token), frozenset(SCOPES)),))
        click.echo(f"no tokens in a deployment file: this run's token, every scope: {'$SLAPOLICY_TOKEN' if given else token}",
                   err=True)
    _warn_unrouted(policies, deployment)
    _run(policy, policies, deployment, backend, host, port)


def _warn_unrouted(policies: PolicySet, deployment: Deployment) -> None:
    """Each role an escalation notifies that has no recipient: its firings are kept as unrouted, never dropped."""
    roles = sorted({r for p in policies.versions for steps in p.escalations.values() for s in steps for r in s.notify})
    missing = [r for r in roles if not deployment.recipients.get(r)]
    if missing:
        click.echo(f"no recipient for {', '.join(missing)}: their escalations are recorded as unrouted "
                   "(GET /admin/deliveries?state=unrouted); give recipients in the deployment file", err=True)


def _run(path: str, policies: PolicySet, deployment: Deployment, engine: str, host: str, port: int) -> None:
    try:
        from ..serve.app import listening_socket, run
        from ..serve.runtime import Service
        from ..serve.store import StoreError
    except ImportError as exc:
        fail(f"slapolicy serve needs its extra: pip install 'slapolicy[serve]' ({exc})")
    try:
        service = Service(path, policies, deployment, engine)
    except StoreError as exc:
        fail(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    click.echo(f"serving {policies.id} ({', '.join(p.version for p in policies.versions)}) on http://{host}:{port} "
               f"from {service.store.name}", err=True)
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    run(service, sock)
