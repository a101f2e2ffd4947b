from __future__ import annotations

import datetime as dt
import json

import click

from ..generate import generate as generate_history
from ..output import OutputError, destination
from ._shared import fail, output_option, policy_set


@click.command()
@click.option("--policy", "policy_path", required=True, type=click.Path(),
              help="Policy file (or directory of versions: the newest) whose vocabulary to use.")
@click.option("--tickets", "count", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same bytes.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default="2025-01-01", show_default=True, help="First day.")
@click.option("--days", type=click.IntRange(min=1, max=3660), default=365, show_default=True, help="Days the arrivals span.")
@output_option
def generate(policy_path: str, count: int, seed: int, start: dt.datetime, days: int, output: str | None) -> None:
    """Write a synthetic, seeded ticket history in the JSONL ticket format."""
    policy = policy_set(policy_path).latest
    try:
        with destination(output) as out:
            for ticket in generate_history(policy, count, seed, start.date(), days):
                out.write(json.dumps(ticket, ensure_ascii=False, separators=(", ", ": ")) + "\n")
    except OutputError as exc:
        fail(str(exc))
