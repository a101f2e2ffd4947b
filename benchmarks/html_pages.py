"""How long the HTML pages of `report` and `simulate` take to open in headless chromium on a large history.

    .venv/bin/python benchmarks/html_pages.py [--tickets 100000] [--runs 3]

Generates a seeded history of the after-sales policy (slapolicy generate), writes
`report --format html --by severity --by tier` and `simulate --format html`, then opens
each from its file in /usr/bin/chromium (Playwright) and prints the page size, the time
to the load event (the report's charts are in the HTML; the simulate page has drawn its
first 25 timelines by then), and, for simulate, the time to show the next page and to
filter to tickets with a breach. Min and median of --runs opens, cold browser page each time.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "slapolicy"]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def run(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([*CLI, *args], check=False, cwd=ROOT, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def load_ms(page: Page, path: Path) -> float:
    page.goto(path.as_uri(), wait_until="load", timeout=120_000)
    return float(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))


def timed(page: Page, action: str) -> float:
    return float(page.evaluate(f"(() => {{ const t = performance.now(); {action}; return performance.now() - t; }})()"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        history, report, simulated = folder / "history.jsonl", folder / "report.html", folder / "simulate.html"
        run("generate", "--policy", "policies/after-sales", "--tickets", str(opts.tickets), "-o", str(history))
        common = ["policies/after-sales", str(history), "--as-of", "2026-01-31T00:00:00+08:00", "--format", "html"]
        made = {"report": run("report", *common, "--by", "severity", "--by", "tier", "-o", str(report)),
                "simulate": run("simulate", *common, "-o", str(simulated))}
        print(f"{opts.tickets} tickets; /usr/bin/chromium headless; min / median of {opts.runs} opens")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, path in (("report", report), ("simulate", simulated)):
                loads, nexts, filters = [], [], []
                for _ in range(opts.runs):
                    page = browser.new_page()
                    errors: list[str] = []
                    page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                    loads.append(load_ms(page, path))
                    if name == "simulate":
                        nexts.append(timed(page, "document.getElementById('next').click()"))
                        filters.append(timed(page, "document.getElementById('breached').click()"))
                    if errors:
                        raise SystemExit(f"{name}: {errors}")
                    page.close()
                size = path.stat().st_size / 1e6
                line = (f"{name:9} written in {made[name]:.1f} s, {size:.1f} MB; load event "
                        f"{min(loads):.0f} / {statistics.median(loads):.0f} ms")
                if nexts:
                    line += (f"; next page {min(nexts):.0f} / {statistics.median(nexts):.0f} ms; "
                             f"only breached {min(filters):.0f} / {statistics.median(filters):.0f} ms")
                print(line)
            browser.close()


if __name__ == "__main__":
    main()
