from __future__ import annotations

import datetime as dt
import json
import sys

import click

from ..diagnostics import InputError
from ..generate import generate as generate_history
from ..validate import load_policy
from ._common import fail_input


@click.command()
@click.option("--policy", "policy_path", required=True, type=click.Path(), help="Policy file whose vocabulary to use.")
@click.option("--tickets", "count", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same bytes.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default="2025-01-01", show_default=True, help="First day.")
@click.option("--days", type=click.IntRange(min=1, max=3660), default=365, show_default=True, help="Days the arrivals span.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, allow_dash=True), default="-",
              help="JSONL file to write (default: stdout).")
def generate(policy_path: str, count: int, seed: int, start: dt.datetime, days: int, output: str) -> None:
    """Write a synthetic, seeded ticket history in the JSONL ticket format."""
    try:
        policy = load_policy(policy_path)
    except InputError as exc:
        fail_input(exc)
    out = sys.stdout if output == "-" else open(output, "w", encoding="utf-8", newline="\n")
    try:
        for ticket in generate_history(policy, count, seed, start.date(), days):
            out.write(json.dumps(ticket, ensure_ascii=False, separators=(", ", ": ")) + "\n")
    except BrokenPipeError:
        pass
    finally:
        if out is not sys.stdout:
            out.close()
