"""The live board page (`slapolicy due --format html`, and the page a service serves with its GET /tickets
document): drawn in headless Chromium from a generated history's board at desktop and phone widths —
tickets in the order of their time left, the cards counting what falls due within the hour and later
today, filters by severity, group and assignee, both languages, each clock's rule and clauses — and,
served over HTTP, refreshing itself (with the token of its address) and saying when a refresh fails."""

from __future__ import annotations

import http.server
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from slapolicy.output.html import board_page
from test_html import SHOTS, browser, open_page  # noqa: F401 (browser is a fixture)

Run = Callable[..., Result]
AS_OF = "2025-06-08T15:00:00+08:00"
LATER = "2025-06-08T17:00:00+08:00"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    from conftest import ROOT
    from slapolicy.cli import main

    path = tmp_path_factory.mktemp("board") / "history.jsonl"
    result = CliRunner().invoke(main, ["generate", "--policy", str(ROOT / "policies" / "after-sales"), "--tickets", "400",
                                       "--seed", "5", "--start", "2025-06-01", "--days", "10", "-o", str(path)])
    assert result.exit_code == 0
    return path


def board(run_cli: Run, history: Path, as_of: str, fmt: str, *extra: str) -> str:
    result = run_cli("due", "policies/after-sales", str(history), "--as-of", as_of, "--format", fmt, "--jobs", "1", *extra)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def epoch(iso: str) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(iso).timestamp()


def buckets(doc: dict[str, Any], keep: Callable[[dict[str, Any]], bool] = lambda t: True) -> dict[str, int]:
    """What the cards count, worked out here from the document: running clocks overdue, due within the hour, due later today."""
    at, end = epoch(doc["as_of"]), epoch(doc["today"]["to"])
    clocks = [epoch(c["due_at"]) for t in doc["tickets"] if keep(t) for c in t["clocks"] if not c["paused"]]
    return {"overdue": sum(d <= at for d in clocks), "hour": sum(at < d <= at + 3600 for d in clocks),
            "today": sum(at + 3600 < d < end for d in clocks), "open": sum(keep(t) for t in doc["tickets"])}


def cards(page: Any) -> dict[str, int]:
    return {k: int(page.locator(f'.card[data-card="{k}"] .value').text_content())
            for k in ("overdue", "hour", "today", "open", "breaches", "escalations")}


def until(page: Any, ready: Callable[[], bool], seconds: float = 10) -> None:
    """Wait for what the page shows (read from here: the page's CSP forbids the eval wait_for_function needs)."""
    deadline = time.monotonic() + seconds
    while not ready():
        assert time.monotonic() < deadline, "the page did not get there in time"
        page.wait_for_timeout(100)


def shown_ids(page: Any) -> list[str]:
    return page.locator("section.ticket").evaluate_all("els => els.map(e => e.dataset.ticket)")


def test_the_board_in_chromium(browser: Any, run_cli: Run, history: Path, tmp_path: Path) -> None:  # noqa: F811
    doc = json.loads(board(run_cli, history, AS_OF, "json"))
    assert len(doc["tickets"]) > 60 and doc["breaches_today"] and doc["escalations_today"]
    path = tmp_path / "board.html"
    path.write_text(board(run_cli, history, AS_OF, "html", "--lang", "zh"), encoding="utf-8")
    page, errors = open_page(browser, path)

    # in the order of the document: each ticket's soonest running clock first, those whose every clock is paused last
    assert shown_ids(page) == [t["id"] for t in doc["tickets"]]
    firsts = [t["left_seconds"] for t in doc["tickets"] if t["left_seconds"] is not None]
    assert firsts == sorted(firsts)
    assert {k: v for k, v in cards(page).items() if k in ("overdue", "hour", "today", "open")} == buckets(doc)
    assert (cards(page)["breaches"], cards(page)["escalations"]) == (len(doc["breaches_today"]), len(doc["escalations_today"]))
    assert page.locator("#status").text_content() == "截至 06-08 15:00 · 快照：离线文件，不会刷新"

    # every clock with its rule (file:line) and its clauses, or the choice its figure is
    first = doc["tickets"][0]
    rows = page.locator(f'section.ticket[data-ticket="{first["id"]}"] tr.clock')
    assert rows.count() == len(first["clocks"])
    for i, clock in enumerate(first["clocks"]):
        assert rows.nth(i).locator("td.rule").text_content() == clock["rule"]
        clauses = rows.nth(i).locator("td.clauses").text_content()
        assert clauses == (", ".join(clock["clauses"]) if clock["clauses"] else f"公司自定：{clock['choice']}")
    overdue = page.locator("section.ticket.overdue").first
    assert overdue.locator(".bucket").text_content() == "已超时" and overdue.locator("h3 .left").text_content().startswith("-")

    # filters: severity, then group, then assignee, each narrowing what the document holds
    page.select_option("#severity", "P1")
    p1 = [t["id"] for t in doc["tickets"] if t["severity"]["id"] == "P1"]
    assert p1 and shown_ids(page) == p1
    assert cards(page)["open"] == len(p1) and cards(page)["breaches"] == sum(b["severity"] == "P1" for b in doc["breaches_today"])
    page.select_option("#severity", "")
    group = next(t["group"] for t in doc["tickets"] if t["group"])
    page.select_option("#group", group)
    assert shown_ids(page) == [t["id"] for t in doc["tickets"] if t["group"] == group]
    assignee = next(t["assignee"] for t in doc["tickets"] if t["group"] == group and t["assignee"])
    page.select_option("#assignee", assignee)
    both = [t for t in doc["tickets"] if t["group"] == group and t["assignee"] == assignee]
    assert shown_ids(page) == [t["id"] for t in both]
    keep = lambda t: t["group"] == group and t["assignee"] == assignee  # noqa: E731
    assert {k: v for k, v in cards(page).items() if k in ("overdue", "hour", "today", "open")} == buckets(doc, keep)
    assert page.locator("#escalations tbody tr").count() == sum(
        e["group"] == group and e["assignee"] == assignee for e in doc["escalations_today"])

    # the other language, the filters kept
    page.select_option("#lang", "en")
    assert page.title() == "SLA live board" and page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h2").first.text_content() == "Open tickets by time left"
    assert shown_ids(page) == [t["id"] for t in both]
    assert page.locator("section.ticket .sev").first.text_content() == f"{both[0]['severity']['id']} {both[0]['severity']['en']}"
    assert page.locator("#status").text_content() == "as of 06-08 15:00 · a snapshot: an offline file, it does not refresh"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "board-desktop.png"), full_page=True)
    assert errors == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_board_on_a_phone(browser: Any, run_cli: Run, history: Path, tmp_path: Path, lang: str) -> None:  # noqa: F811
    """375 px wide: nothing wider than the screen; each clock's cells stacked with their names."""
    path = tmp_path / "board.html"
    path.write_text(board(run_cli, history, AS_OF, "html", "--lang", lang), encoding="utf-8")
    page = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    cell = page.locator("section.ticket tr.clock td.rule").first
    assert cell.evaluate("e => getComputedStyle(e, '::before').content") == ('"规则: "' if lang == "zh" else '"rule: "')
    box = cell.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 375
    assert page.locator("h1").text_content() == ("SLA 实时看板" if lang == "zh" else "SLA live board")
    page.screenshot(path=str(SHOTS / f"board-phone-{lang}.png"), full_page=False)
    assert errors == []


# ---- served: the page refreshes itself ---------------------------------------------------------------

class Served:
    """A page and its document served over HTTP, as a service serves them: GET / the board page, GET /tickets
    the document (the next one queued, or an error status), every request's Authorization header kept."""

    def __init__(self, page: str, documents: list[bytes | int]) -> None:
        self.page, self.documents, self.authorizations = page.encode("utf-8"), documents, []
        served = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.startswith("/tickets"):
                    served.authorizations.append(self.headers.get("Authorization"))
                    answer = served.documents[0] if len(served.documents) == 1 else served.documents.pop(0)
                    status, body, kind = (answer, b"{}", "application/json") if isinstance(answer, int) else (200, answer, "application/json")
                else:
                    status, body, kind = 200, served.page, "text/html; charset=utf-8"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def served_docs(run_cli: Run, history: Path) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    yield json.loads(board(run_cli, history, AS_OF, "json")), json.loads(board(run_cli, history, LATER, "json"))


def _page(doc: dict[str, Any], lang: str = "en") -> str:
    out = io.StringIO()
    board_page(doc, out, lang, source="/tickets", refresh=1)
    return out.getvalue()


def test_a_served_board_refreshes_itself(browser: Any, served_docs: tuple[dict[str, Any], dict[str, Any]]) -> None:  # noqa: F811
    first, later = served_docs
    assert [t["id"] for t in first["tickets"]] != [t["id"] for t in later["tickets"]]
    with Served(_page(first), [json.dumps(later).encode("utf-8")]) as server:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url + "#token=s3cret")
        assert shown_ids(page) == [t["id"] for t in first["tickets"]]  # drawn at once from the document it holds
        until(page, lambda: page.locator("#status").text_content().startswith("as of 06-08 17:00"))
        assert shown_ids(page) == [t["id"] for t in later["tickets"]]
        assert "refreshes every 1 s; last refreshed" in page.locator("#status").text_content()
        assert server.authorizations and set(server.authorizations) == {"Bearer s3cret"}
        assert errors == []


def test_a_served_board_counts_down_and_says_when_a_refresh_fails(browser: Any, run_cli: Run, history: Path,  # noqa: F811
                                                                   served_docs: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """The board at 30 s before a clock's due time: its time left counts down between fetches, and a fetch
    answered 503 leaves the data as it was, the status line saying so."""
    import datetime as dt

    first, _ = served_docs
    due = min(epoch(c["due_at"]) for t in first["tickets"] for c in t["clocks"] if c["left_seconds"] > 120 and not c["paused"])
    doc = json.loads(board(run_cli, history, dt.datetime.fromtimestamp(due - 30, dt.UTC).isoformat(), "json"))
    ticket = next(t for t in doc["tickets"] if t["left_seconds"] == 30)
    with Served(_page(doc, "zh"), [503]) as server:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(server.url)
        left = page.locator(f'section.ticket[data-ticket="{ticket["id"]}"] h3 .left')
        assert left.text_content() in ("0m30s", "0m29s", "0m28s")
        until(page, lambda: "stale" in page.locator("#status").get_attribute("class"))
        status = page.locator("#status").text_content()
        assert status.startswith("截至 ") and "刷新失败（HTTP 503），显示的是" in status and status.endswith("刷新的数据")
        assert shown_ids(page) == [t["id"] for t in doc["tickets"]]  # the last good data stays
        seconds = lambda: int(left.text_content().removeprefix("0m").removesuffix("s"))  # noqa: E731
        before = seconds()
        until(page, lambda: seconds() <= before - 2)  # counted down on the page, with no new data
        assert server.authorizations and set(server.authorizations) == {None}  # no token in the address: none sent
