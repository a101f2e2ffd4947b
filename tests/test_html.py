"""The HTML pages of `report` and `simulate`: self-contained, golden, safe against any ticket text,
and checked in a real browser (headless Debian chromium driven by Playwright): no console errors,
charts drawn with their data, the breach marker of a known ticket where its instant falls on the
axis; the report page at desktop and phone width, in English and Chinese. Screenshots go to the folder
SLAPOLICY_SCREENSHOTS names (.ci/run: artifacts/screenshots, a CI artifact), else artifacts/screenshots/ (gitignored)."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from slapolicy.output.charts import STUB
from slapolicy.output.html import _script_json

AS_OF = "2025-12-31T00:00:00+08:00"
CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("SLAPOLICY_SCREENSHOTS") or ROOT / "artifacts" / "screenshots")
X0, X1 = 190, 880  # the timeline's axis in timeline.js


def simulate(run_cli: Callable[..., Any], fmt: str, *extra: str) -> Any:
    result = run_cli("simulate", "policies/after-sales", "examples/tickets.jsonl", "--as-of", AS_OF, "--format", fmt, *extra)
    assert result.exit_code == 0, result.output
    return result


def report(run_cli: Callable[..., Any], *extra: str) -> Any:
    result = run_cli("report", "policies/after-sales", "examples/tickets.jsonl", "--as-of", AS_OF, "--by", "severity",
                     "--format", "html", *extra)
    assert result.exit_code == 0, result.output
    return result


def test_pages_golden(run_cli: Callable[..., Any], golden: Callable[[Path, str], None]) -> None:
    """The example tickets (examples/tickets.jsonl) as pages (regenerate with pytest --update-golden)."""
    golden(ROOT / "tests" / "golden" / "report_examples.html", report(run_cli).stdout)
    golden(ROOT / "tests" / "golden" / "simulate_examples.html", simulate(run_cli, "html").stdout)


def test_pages_are_self_contained(run_cli: Callable[..., Any]) -> None:
    """Nothing is fetched: no src or href attribute, no URL but the SVG namespace, and a CSP that forbids requests."""
    for page in (report(run_cli).stdout, simulate(run_cli, "html").stdout):
        assert "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';" in page
        assert not re.search(r"\s(src|href)=", page)
        assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}


def report_json(run_cli: Callable[..., Any], *extra: str) -> Any:
    result = run_cli("report", "policies/after-sales", "examples/tickets.jsonl", "--as-of", AS_OF, "--by", "severity",
                     "--format", "json", *extra)
    return json.loads(result.stdout)


def test_report_page_has_a_chart_per_objective_with_data(run_cli: Callable[..., Any]) -> None:
    """A chart per objective with a value in some period; the others say in words why they have none, and no chart
    is drawn without data: breaches per severity and notifications per role, named as the policy names them."""
    page = report(run_cli).stdout
    doc = report_json(run_cli)
    with_data = {r["objective"] for r in doc["objectives"] if r["value"] is not None}
    assert set(re.findall(r'<svg class="chart" role="img" data-objective="([^"]+)"', page)) == with_data
    without = {r["objective"] for r in doc["objectives"]} - with_data
    assert without and set(re.findall(r'<figure class="nodata" data-objective="([^"]+)"', page)) == without
    assert "No data: no record of hotline calls counts for this objective in 2025-01 – 2025-09." in page  # hotline calls: none in the history
    breached = sum(m["breached"] for g in doc["groups"] for m in g["metrics"].values())
    notified: dict[str, int] = {}
    for g in doc["groups"]:
        for role, n in g.get("notified", {}).items():
            notified[role] = notified.get(role, 0) + n
    names = {r: doc["names"]["roles"][r]["name_en"] for r in notified}
    for chart, labels, total in (("breached", ["P1 一级紧急", "P2 二级重要", "P3 三级一般", "customer contracts and records"], breached),
                                 ("notified", [names[r] for r in sorted(notified, key=lambda r: -notified[r])], sum(notified.values()))):
        bars = re.search(rf'<div class="chart counts" role="img" data-chart="{chart}">.*?</div></div>(?!<div class="hbar">)', page)
        assert bars is not None
        values = re.findall(r'<span class="name">([^<]*)</span><span class="track"><span class="bar \w+" data-value="(\d+)"', bars.group(0))
        assert sorted(html.unescape(v) for v, _ in values) == sorted(labels)
        assert sum(int(n) for _, n in values) == total
    assert "Service quality report — after-sales" in page
    daily = [r for r in doc["objectives"] if r["objective"] == "daily-quality-check" and r["met"] is not None]
    months: dict[str, list[float]] = {}  # a daily objective over eight months (more than 31 days): a bar per month, its worst day
    for r in daily:
        months.setdefault(r["period"][:7], []).append(r["value"])
    svg = re.search(r'<svg class="chart" role="img" data-objective="daily-quality-check".*?</svg>', page)
    days = [dt.date.fromisoformat(r["period"]) for r in daily]
    assert svg is not None and (max(days) - min(days)).days > 31
    assert [float(v) for v in re.findall(r'data-value="([\d.]+)" x=', svg.group(0))] == [min(v) for _, v in sorted(months.items())]


def test_the_locale_chooses_the_report_page_language(run_cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """LANG=zh_CN.UTF-8 without --lang: the page in Chinese; --lang en beats the locale."""
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    page = report(run_cli).stdout
    assert '<html lang="zh-CN">' in page and "<h1>服务质量报告 — after-sales" in page and "<h2>质量目标</h2>" in page
    page = run_cli("--lang", "en", "report", "policies/after-sales", "examples/tickets.jsonl", "--as-of", AS_OF, "--format", "html").stdout
    assert '<html lang="en">' in page and "<h2>Objectives</h2>" in page


def test_counts_without_data_are_said_in_words(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    """T-1010 and T-1011 (examples/tickets.jsonl) breached nothing and fired no escalation: no empty bars, a sentence each."""
    history = tmp_path / "on-time.jsonl"
    history.write_text("".join(line + "\n" for line in (ROOT / "examples" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
                               if json.loads(line)["id"] in ("T-1010", "T-1011")), encoding="utf-8")
    result = run_cli("report", "policies/after-sales", str(history), "--as-of", AS_OF, "--format", "html")
    assert result.exit_code == 0
    doc = json.loads(run_cli("report", "policies/after-sales", str(history), "--as-of", AS_OF, "--format", "json").stdout)
    assert sum(m.get("breached", 0) for g in doc["groups"] for m in g["metrics"].values()) == 0
    assert not any(g.get("notified") for g in doc["groups"])
    assert 'class="chart counts"' not in result.stdout
    span = doc["groups"][0]["period"] if len(doc["groups"]) == 1 else f"{doc['groups'][0]['period']} – {doc['groups'][-1]['period']}"
    assert f'<p class="nodata">No clock was breached in {span}.</p>' in result.stdout
    assert f'<p class="nodata">No escalation fired in {span}.</p>' in result.stdout


def test_a_daily_report_over_months_draws_its_breaches_per_month(run_cli: Callable[..., Any]) -> None:
    """`--period day` over January to October: more than 31 days, so the breached clocks are summed per month, each
    month's bar the sum of its days in the JSON report."""
    args = ("report", "policies/after-sales", "examples/tickets.jsonl", "--as-of", AS_OF, "--period", "day")
    page = run_cli(*args, "--format", "html").stdout
    doc = json.loads(run_cli(*args, "--format", "json").stdout)
    months: dict[str, int] = {}
    for g in doc["groups"]:  # the contracts (another kind of subject) apart from the tickets
        key = g["period"][:7] + (" " + doc["names"]["subjects"][g["kind"]]["name_en"] if "kind" in g else "")
        months[key] = months.get(key, 0) + sum(m.get("breached", 0) for m in g["metrics"].values())
    assert len(doc["groups"]) > 1 and (dt.date.fromisoformat(doc["groups"][-1]["period"]) - dt.date.fromisoformat(doc["groups"][0]["period"])).days > 31
    assert "<h2>Breached clocks per month</h2>" in page
    bars = re.findall(r'<span class="name">([^<]*)</span><span class="track"><span class="bar breached" data-value="(\d+)"', page)
    assert {k: int(n) for k, n in bars} == months


def test_unwritable_output_is_a_one_line_error(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    result = run_cli("simulate", "policies/after-sales", "examples/tickets.jsonl", "--format", "html", "-o",
                     str(tmp_path / "missing" / "page.html"))
    assert result.exit_code == 2
    assert "cannot write" in result.output and "Traceback" not in result.output


@given(st.recursive(st.none() | st.integers() | st.text(), lambda kids: st.lists(kids, max_size=4), max_leaves=12))
def test_embedded_data_never_ends_its_script(value: Any) -> None:
    """Any ticket id, attribute or message (`</script>`, `<!--`) stays data: no `<` reaches the page, the JSON reads back."""
    text = _script_json(value)
    assert "<" not in text
    assert json.loads(text) == value


# ---- in a real browser -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium; .ci/run does it): the browser tests need it")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    with sync_api.sync_playwright() as p:
        found = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield found
        found.close()


def open_page(browser: Any, path: Path, width: int = 1200) -> tuple[Any, list[str]]:
    """The page opened from its file, with every console error and uncaught exception it raised."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: errors.append(f"request {r.url}") if not r.url.startswith("file:") else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors


def card_figures(doc: dict[str, Any]) -> dict[str, str]:
    """What the cards must say, counted here from the report's JSON: objectives met in every period they were judged
    in (of those judged at all), breached clocks of the measured metrics, first responses met of those decided, and
    the escalation notifications per role."""
    verdicts: dict[tuple[str, str], list[bool]] = {}
    for r in doc["objectives"]:
        verdicts.setdefault((r["objective"], r["version"]), []).extend([r["met"]] if r["met"] is not None else [])
    judged = [v for v in verdicts.values() if v]
    metrics = [(n, m) for g in doc["groups"] for n, m in g["metrics"].items() if "not_measured" not in m]
    first = [m for n, m in metrics if n == "first_response"]
    found = {"objectives": f"{sum(all(v) for v in judged)} {len(judged)}",
             "clocks": f"{sum(m['breached'] for _, m in metrics)} {sum(m['clocks'] for _, m in metrics)}",
             "first-response": f"{sum(m['met'] for m in first)} {sum(m['met'] + m['breached'] for m in first)}"}
    notified: dict[str, int] = {}
    for g in doc["groups"]:
        for role, n in g.get("notified", {}).items():
            notified[role] = notified.get(role, 0) + n
    found["notified"] = " ".join(f"{role}={n}" for role, n in sorted(notified.items(), key=lambda kv: -kv[1]))
    return found


@pytest.mark.parametrize("width", [1400, 390])
def test_report_page_a_director_reads(browser: Any, run_cli: Callable[..., Any], tmp_path: Path, width: int) -> None:
    """At desktop and phone width: nothing wider than the screen (wide tables scroll in their own box), every chart
    drawn with data, the cards' numbers those of the JSON report, the detail per month and severity folded."""
    path = tmp_path / "report.html"
    report(run_cli, "-o", str(path))
    expected = card_figures(report_json(run_cli))
    page, errors = open_page(browser, path, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    too_wide = page.evaluate("""[...document.querySelectorAll('body *')].filter(e => !e.closest('.wide')
        && e.getBoundingClientRect().right > innerWidth + 0.5).map(e => e.tagName + '.' + e.className)""")
    assert too_wide == []
    cards = page.locator(".card")
    shown: dict[str, str] = {}
    for i in range(cards.count()):
        card = cards.nth(i)
        for key in ("objectives", "clocks", "first-response"):
            if card.get_attribute(f"data-{key}"):
                shown[key] = card.get_attribute(f"data-{key}")
                assert card.locator(".value").inner_text().replace(",", "") == shown[key].replace(" ", " / ")  # as shown
        if card.get_attribute("data-notified"):
            shown["notified"] = card.get_attribute("data-notified")
            total = sum(int(kv.split("=")[1]) for kv in shown["notified"].split())
            assert card.locator(".value").inner_text().replace(",", "") == str(total)
    assert shown == expected
    for chart in page.locator("svg.chart").all():  # no chart without data
        assert chart.locator("rect.bar[data-value]").count() > 0
        assert chart.is_visible() and chart.bounding_box()["width"] <= width
    counts = page.locator(".counts .bar")
    assert counts.count() > 0
    for bar in counts.all():  # bars to scale: the longest takes the track, each other its share of it
        value = int(bar.get_attribute("data-value"))
        track, most = bar.locator("xpath=..").bounding_box(), max(int(b.get_attribute("data-value")) for b in
                                                                  bar.locator("xpath=ancestor::div[contains(@class,'counts')]//span[@data-value]").all())
        assert bar.bounding_box()["width"] == pytest.approx(max(2, track["width"] * value / most), abs=1)
    names = page.locator(".counts .name")
    assert min(float(n.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) for n in names.all()) >= 12  # legible on a phone
    rates = page.locator('svg.chart[data-objective="resolution-rate"] rect.bar[data-value]')
    assert rates.count() > 0
    scale = rates.first.evaluate("e => e.ownerSVGElement.getBoundingClientRect().width / 520")  # the chart scales down on a phone
    for i in range(rates.count()):  # drawn to scale: 0-100 % over the 160 px of the plot, 0 as a 2 px stub
        box = rates.nth(i).bounding_box()
        assert box is not None and box["width"] > 0
        assert box["height"] == pytest.approx(max(STUB, float(rates.nth(i).get_attribute("data-value")) * 160) * scale, abs=0.5)
    ticks = page.locator('svg.chart[data-objective="resolution-rate"] text.tick').all_text_contents()
    assert ticks[:6] == ["0%", "20%", "40%", "60%", "80%", "100%"]  # round ticks
    assert page.locator("details table").first.is_visible() is False  # per month and severity, folded
    assert page.locator("html").get_attribute("lang") == "en"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"report-{width}.png"), full_page=True)
    assert errors == []


def test_report_page_in_chinese(browser: Any, run_cli: Callable[..., Any], tmp_path: Path) -> None:
    """`slapolicy --lang zh` (or LANG=zh_CN.UTF-8): the page in Chinese, no English heading, card, caption or column
    left, roles and subjects by the policy's Chinese names; the numbers those of the JSON report."""
    path = tmp_path / "report-zh.html"
    result = run_cli("--lang", "zh", "report", "policies/after-sales", "examples/tickets.jsonl", "--as-of", AS_OF, "--by", "severity",
                     "--format", "html", "-o", str(path))
    assert result.exit_code == 0
    doc = report_json(run_cli)
    page, errors = open_page(browser, path, 390)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    headings = page.locator("h1, h2, h3, summary, th, figcaption, .card .label, p").all_text_contents()
    english = [h for h in headings if re.search(r"\b(?!after|sales|contract|undecided_rule|as)[a-z]{3,}\b", h)]
    assert english == []
    assert page.locator("h1").text_content().startswith("服务质量报告")
    card = page.locator(".card[data-notified]")
    for role in doc["names"]["roles"]:
        assert doc["names"]["roles"][role]["name"] in card.text_content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report-zh-390.png"), full_page=True)
    assert errors == []


def test_simulate_page_in_chromium(browser: Any, run_cli: Callable[..., Any], tmp_path: Path) -> None:
    """T-1001's resolution_plan breached at its due time: the red marker sits where that instant falls on its axis."""
    path = tmp_path / "simulate.html"
    simulate(run_cli, "html", "-o", str(path))
    doc = next(t for t in json.loads(simulate(run_cli, "json").stdout)["tickets"] if t["id"] == "T-1001")
    epoch = lambda iso: dt.datetime.fromisoformat(iso).timestamp()  # noqa: E731
    plan = next(c for c in doc["clocks"] if c["metric"] == "resolution_plan")
    instants = [epoch(c[k]) for c in doc["clocks"] for k in ("started_at", "due_at", "stopped_at", "cancelled_at", "breached_at",
                                                             "failed_at") if c.get(k)]
    instants += [epoch(ch["at"]) for c in doc["clocks"] for ch in c.get("target_changes", ())]
    instants += [epoch(e["at"]) for e in doc["escalations"]]
    created = epoch(doc["created_at"])
    expected = X0 + (epoch(plan["breached_at"]) - created) / (max(instants) - created) * (X1 - X0)

    page, errors = open_page(browser, path)
    assert page.locator("section.ticket").count() == 14
    svg = page.locator('svg.timeline[data-ticket="T-1001"]')
    marker = svg.locator("circle.breach").first
    assert marker.locator("title").text_content().startswith("resolution_plan breached 2025-03-07 19:50")
    assert float(marker.get_attribute("cx")) == pytest.approx(expected, abs=0.01)
    svg_box, marker_box = svg.bounding_box(), marker.bounding_box()
    assert marker_box["x"] + marker_box["width"] / 2 - svg_box["x"] == pytest.approx(expected, abs=1)  # where it is drawn
    assert svg.locator("rect.off").count() > 0  # the office calendar's nights are shaded on follow_up
    marker.click()
    rule_line = (ROOT / "policies/after-sales/2025.1.yaml").read_text(encoding="utf-8").splitlines().index("  - id: p1-urgent") + 1
    assert f"rule policies/after-sales/2025.1.yaml:{rule_line}" in page.locator("section.ticket .explain").first.text_content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "simulate.png"), full_page=True)
    page.fill("#search", "T-1002")
    assert page.locator("section.ticket").count() == 1
    assert errors == []


def test_paused_spans_and_running_clocks_in_chromium(browser: Any, run_cli: Callable[..., Any], tmp_path: Path) -> None:
    """T-1001 waited on the customer 09:00-11:00 on 8 March: resolution_plan and resolution each show that pause
    where its instants fall on the axis; a ticket still open at --as-of has its running clock drawn up to --as-of
    (not to its due time, the axis' end)."""
    history, path = tmp_path / "tickets.jsonl", tmp_path / "simulate.html"
    opened = {"id": "T-OPEN", "attributes": {"severity": "P3", "tier": "basic"},
              "events": [{"at": "2025-12-30T10:00:00+08:00", "type": "created"}, {"at": "2025-12-30T10:05:00+08:00", "type": "registered"},
                         {"at": "2025-12-30T10:20:00+08:00", "type": "responded"}]}
    history.write_text((ROOT / "examples" / "tickets.jsonl").read_text(encoding="utf-8") + json.dumps(opened) + "\n", encoding="utf-8")
    args = ("simulate", "policies/after-sales", str(history), "--as-of", AS_OF)
    assert run_cli(*args, "--format", "html", "-o", str(path)).exit_code == 0
    tickets = {t["id"]: t for t in json.loads(run_cli(*args, "--format", "json").stdout)["tickets"]}
    epoch = lambda iso: dt.datetime.fromisoformat(iso).timestamp()  # noqa: E731

    def axis(doc: dict[str, Any]) -> Callable[[float], float]:
        """x of an instant on the ticket's axis: from its creation to its last instant, or --as-of while a clock runs."""
        instants = [epoch(c[k]) for c in doc["clocks"] for k in ("started_at", "due_at", "stopped_at", "cancelled_at", "breached_at",
                                                                 "failed_at") if c.get(k)]
        instants += [epoch(ch["at"]) for c in doc["clocks"] for ch in c.get("target_changes", ())]
        instants += [epoch(e["at"]) for e in doc["escalations"]]
        instants += [epoch(AS_OF) for c in doc["clocks"] if c["status"] == "running"]
        created = epoch(doc["created_at"])
        return lambda t: X0 + (t - created) / (max(instants) - created) * (X1 - X0)

    page, errors = open_page(browser, path)
    assert page.locator(".legend i.paused").count() == 1
    x = axis(tickets["T-1001"])
    paused = {c["metric"]: c["pauses"] for c in tickets["T-1001"]["clocks"] if "pauses" in c}
    assert paused == {m: [{"from": "2025-03-08T09:00:00+08:00", "to": "2025-03-08T11:00:00+08:00"}] for m in ("resolution_plan", "resolution")}
    marks = page.locator('svg.timeline[data-ticket="T-1001"] rect.paused')
    assert [marks.nth(i).locator("title").text_content() for i in range(marks.count())] == [
        "resolution_plan paused 2025-03-08 09:00 → 11:00 (2h)", "resolution paused 2025-03-08 09:00 → 11:00 (2h)"]
    start, end = x(epoch("2025-03-08T09:00:00+08:00")), x(epoch("2025-03-08T11:00:00+08:00"))
    for i in range(marks.count()):
        left, width = float(marks.nth(i).get_attribute("x")), float(marks.nth(i).get_attribute("width"))
        assert (left, left + width) == (pytest.approx(start, abs=0.01), pytest.approx(end, abs=0.01))
    svg, box = page.locator('svg.timeline[data-ticket="T-1001"]').bounding_box(), marks.first.bounding_box()
    assert (box["x"] - svg["x"], box["x"] + box["width"] - svg["x"]) == (pytest.approx(start, abs=1), pytest.approx(end, abs=1))

    page.fill("#search", "T-OPEN")
    (running,) = [c for c in tickets["T-OPEN"]["clocks"] if c["status"] == "running"]
    assert (running["metric"], running["stopped_at"]) == ("resolution", None)
    assert epoch(running["due_at"]) > epoch(AS_OF)  # the axis ends at its due time, after --as-of
    x = axis(tickets["T-OPEN"])
    bar = page.locator('svg.timeline[data-ticket="T-OPEN"] rect.work.running')
    assert bar.count() == 1 and bar.get_attribute("data-metric") == "resolution"
    assert float(bar.get_attribute("x")) + float(bar.get_attribute("width")) == pytest.approx(x(epoch(AS_OF)), abs=0.01)
    assert "running at --as-of 2025-12-31 00:00" in bar.locator("title").text_content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "simulate-running.png"), full_page=True)
    assert errors == []


def test_an_interrupted_run_writes_its_page_marked_partial(browser: Any, run_cli: Callable[..., Any], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C after the third ticket: the page holds those three, says it is partial, and the run exits 130."""
    from slapolicy.cli import simulate as command
    from slapolicy.sim.replay import Interrupted, replay

    def interrupted_after_three(plan: Any, tickets: str, fmt: str | None, writer: Any, *args: Any) -> None:
        class Sink:
            def add(self, outcomes: Any) -> None:
                writer.add(outcomes)
                if writer.counts.total == 3:
                    raise Interrupted(signal.SIGINT)

        replay(plan, tickets, fmt, Sink(), *args)

    monkeypatch.setattr(command, "replay", interrupted_after_three)
    path = tmp_path / "partial.html"
    result = run_cli("simulate", "policies/after-sales", "examples/tickets.jsonl", "--as-of", AS_OF, "--format", "html", "-o", str(path))
    assert result.exit_code == 130
    assert "3 tickets: 3 simulated, 0 rejected (interrupted: partial)" in result.output
    page, errors = open_page(browser, path)
    banner = page.locator("p.partial")
    assert banner.text_content() == "Partial: the run was interrupted after 3 tickets."
    assert banner.is_visible()
    assert page.locator("#pageinfo").text_content() == "page 1 of 1 (3 tickets)"
    assert errors == []
    monkeypatch.undo()
    simulate(run_cli, "html", "-o", str(path))  # a whole run has no banner
    assert 'class="partial"' not in path.read_text(encoding="utf-8")


def test_report_page_holds_the_ledger_and_findings(run_cli: Callable[..., Any]) -> None:
    """R-004-12 and R-004-16: the fines of the company-service example, by person, as the page shows them."""
    result = run_cli("report", "policies/company-service", "examples/company-service/history.jsonl", "--roster",
                     "examples/company-service/roster.csv", "--as-of", "2025-05-10T00:00:00+08:00", "--jobs", "1", "--format", "html")
    assert result.exit_code == 0
    page = result.stdout
    assert ("<h2>Penalties</h2><div class=\"wide\"><table><thead><tr><th>period</th><th>payer</th><th>amount CNY</th><th>charges</th></tr></thead>"
            "<tbody><tr class=\"\"><td>2025-03</td><td>李美華</td><td>50</td><td>1</td></tr>"
            "<tr class=\"\"><td>2025-04</td><td>林技術員</td><td>400</td><td>1</td></tr></tbody></table></div>") in page
    assert "<h2>Findings</h2>" in page
    doc = json.loads(run_cli("report", "policies/company-service", "examples/company-service/history.jsonl", "--roster",
                             "examples/company-service/roster.csv", "--as-of", "2025-05-10T00:00:00+08:00", "--jobs", "1",
                             "--format", "json").stdout)
    fines = [t for t in doc["ledger"]["totals"] if t["direction"] == "fine"]
    card = re.search(r'<div class="card bad" data-fine="([\d.]+) (\d+)"><div class="value">CNY ([\d,.]+)</div>'
                     r'<div class="label">penalties \((\d+) charges\)</div>', page)
    assert card is not None
    assert float(card.group(1)) == float(card.group(3).replace(",", "")) == sum(t["amount"] for t in fines)
    assert int(card.group(2)) == int(card.group(4)) == sum(t["charges"] for t in fines)


def test_rejected_tickets_are_on_the_page(run_cli: Callable[..., Any], browser: Any, tmp_path: Path) -> None:
    """Nothing the user gave is dropped: every bad ticket is listed with its line and reason, and the run exits 1."""
    path = tmp_path / "bad.html"
    result = run_cli("simulate", "policies/after-sales", "examples/bad-tickets.jsonl", "--format", "html", "-o", str(path))
    assert result.exit_code == 1
    lines = (ROOT / "examples" / "bad-tickets.jsonl").read_text(encoding="utf-8").splitlines()
    page, errors = open_page(browser, path)
    shown = page.locator("p.rejected")
    assert shown.first.text_content() == "B-1 (line 1) rejected: unknown_severity: unknown severity 'P4'; use one of: P1, P2, P3"
    assert page.locator("#pageinfo").text_content() == f"page 1 of {-(-len(lines) // 25)} ({len(lines)} tickets)"
    assert errors == []


def test_tickets_created_after_as_of_are_not_shown_as_rejected(run_cli: Callable[..., Any], browser: Any, tmp_path: Path) -> None:
    """A ticket created after --as-of is listed as not yet created, apart from the rejected ones, and no error."""
    path = tmp_path / "later.html"
    history = "tests/fixtures/whatif/history.jsonl"  # T3 and T4 are created in February
    result = run_cli("simulate", "tests/fixtures/whatif/base.yaml", history, "--as-of", "2025-02-01", "--format", "html",
                     "-o", str(path))
    assert result.exit_code == 1  # T5 is rejected: created in 2024, before the policy's only version
    page, errors = open_page(browser, path)
    assert [t.split(":")[0] for t in page.locator("p.rejected").all_text_contents()] == ["T5 (line 5) rejected"]
    assert [t.split(":")[0] for t in page.locator("p.later").all_text_contents()] == [
        "T3 (line 3) not yet created", "T4 (line 4) not yet created"]
    page.locator("#breached").check()  # the breach filter reads no clocks of a row that has none
    assert errors == []


@pytest.mark.parametrize("width", [1400, 390])
def test_whatif_page_answers_at_desktop_and_phone_width(run_cli: Callable[..., Any], browser: Any, tmp_path: Path,
                                                        width: int) -> None:
    """The what-if page (tests/fixtures/whatif, worked by hand in tests/test_whatif_load.py): a card per role, the
    tables, the per-month load folded; nothing scrolls the page sideways on a phone."""
    path = tmp_path / "whatif.html"
    result = run_cli("whatif", "--base", "tests/fixtures/whatif/base.yaml", "--candidate", "tests/fixtures/whatif/candidate.yaml",
                     "tests/fixtures/whatif/history.jsonl", "--as-of", "2025-12-31", "--jobs", "1", "--format", "html",
                     "-o", str(path))
    assert result.exit_code == 0
    page, errors = open_page(browser, path, width)
    cards = page.locator(".card")
    assert [cards.nth(i).inner_text().split("\n") for i in range(cards.count())] == [
        ["4 → 4 (+0)", "notifications to team_lead team lead"], ["3 → 5 (+2)", "notifications to service_head service head"],
        ["1 → 1 (+0)", "notifications to vice_gm vice general manager"]]
    assert "P2 resolution 75.0% (3 of 4) 25.0% (1 of 4) -50.0 pt" in page.locator("table").nth(1).inner_text().replace("\t", " ")
    assert page.locator("details table").first.is_visible() is False  # per month, folded
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert errors == []


def test_timelines_page_through_a_generated_history(browser: Any, run_cli: Callable[..., Any], tmp_path: Path) -> None:
    """1000 tickets: 25 timelines a page, the next page on demand, the breach filter counts what the JSON says."""
    history, path = tmp_path / "history.jsonl", tmp_path / "simulate.html"
    assert run_cli("generate", "--policy", "policies/after-sales", "--tickets", "1000", "--seed", "3", "-o", str(history)).exit_code == 0
    args = ("simulate", "policies/after-sales", str(history), "--as-of", "2026-01-31T00:00:00+08:00", "--jobs", "1")
    assert run_cli(*args, "--format", "html", "-o", str(path)).exit_code == 0
    tickets = [json.loads(line) for line in run_cli(*args, "--format", "jsonl").stdout.splitlines()]
    breached = sum(any(c["status"] == "breached" for c in t["clocks"]) for t in tickets)
    page, errors = open_page(browser, path)
    assert page.locator("svg.timeline").count() == 25
    assert page.locator("#pageinfo").text_content() == "page 1 of 40 (1000 tickets)"
    page.click("#next")
    assert page.locator("#pageinfo").text_content() == "page 2 of 40 (1000 tickets)"
    assert page.locator("svg.timeline").first.get_attribute("data-ticket") == tickets[25]["id"]
    page.check("#breached")
    assert page.locator("#pageinfo").text_content() == f"page 1 of {-(-breached // 25)} ({breached} tickets)"
    assert errors == []


def test_the_page_shows_how_each_derived_attribute_was_settled(run_cli: Callable[..., Any], browser: Any, tmp_path: Path) -> None:
    """Before, the page showed D-2's priority but not why. D-2 (the desk fixture after the Sussex page): printing on
    15 December is in the Christmas vacation, Low; Low × HIGH impact is P3 ("Low Criticality P3 P4 P5"); the P1 the
    ticket gives differs."""
    path = tmp_path / "desk.html"
    result = run_cli("simulate", "tests/fixtures/lookups/desk.yaml", "tests/fixtures/lookups/tickets.jsonl",
                     "--as-of", "2026-01-31T00:00:00+00:00", "--format", "html", "-o", str(path))
    assert result.exit_code == 0, result.output
    page, errors = open_page(browser, path)
    lines = page.locator("section.ticket").nth(1).locator("div.derived").all_text_contents()
    assert lines == ["season christmas_vacation ← created 2025-12-15 (periods.season)",
                     "criticality Low ← service printing × season christmas_vacation (lookups.criticality)",
                     "severity P3 ← criticality Low × impact HIGH (lookups.severity); given P1"]
    assert errors == []
