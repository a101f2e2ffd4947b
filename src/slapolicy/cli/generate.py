from __future__ import annotations

import datetime as dt
import json

import click

from ..i18n import N_
from ..output import OutputError, destination, progress
from ..sim.generate import generate as generate_history
from ..sim.generate import roster as generate_roster
from ._shared import fail, output_option, policy_set


@click.command(help=N_("Write a synthetic, seeded ticket history in the JSONL ticket format."))
@click.option("--policy", "policy_path", required=True, type=click.Path(),
              help=N_("Policy file (or directory of versions: the newest) whose vocabulary to use."))
@click.option("--tickets", "count", type=click.IntRange(min=0), default=None,
              help=N_("Tickets to write [default: 1000; none for a policy that times no ticket, such as an availability agreement]."))
@click.option("--seed", type=int, default=1, show_default=True, help=N_("Same seed, same bytes."))
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default="2025-01-01", show_default=True, help=N_("First day."))
@click.option("--days", type=click.IntRange(min=1, max=3660), default=365, show_default=True, help=N_("Days the arrivals span."))
@output_option
@click.option("--calls", is_flag=True, help=N_("Also write a hotline call before each ticket (unanswered: 0.05 %), when the policy governs calls."))
@click.option("--services", type=click.IntRange(min=1, max=100_000), default=20, show_default=True,
              help=N_("Services to write, with their outages, when the policy has availability measures."))
@click.option("--roster", "roster_path", type=click.Path(dir_okay=False), default=None,
              help=N_("Also write a duty roster (CSV) for the roles the policy's penalties name."))
def generate(policy_path: str, count: int | None, seed: int, start: dt.datetime, days: int, output: str | None,
             calls: bool, services: int, roster_path: str | None) -> None:
    policy = policy_set(policy_path).latest
    if count is None:
        count = 1000 if any(m.subject == "ticket" for m in policy.metrics.values()) else 0
    try:
        with destination(output) as out, progress.bar(lambda: count) as advance:
            for ticket in generate_history(policy, count, seed, start.date(), days, calls, services):
                out.write(json.dumps(ticket, ensure_ascii=False, separators=(", ", ": ")) + "\n")
                if advance is not None and ticket.get("kind", "ticket") == "ticket":
                    advance(1)
        if roster_path:
            with destination(roster_path) as out:
                out.write("person,role,from,to\n")
                for shift in generate_roster(policy, start.date(), days):
                    out.write(f"{shift['person']},{shift['role']},{shift['from']},{shift['to']}\n")
    except OutputError as exc:
        fail(str(exc))
