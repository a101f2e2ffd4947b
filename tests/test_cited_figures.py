"""Issue 19: a figure that cites a clause is the clause's figure, and a pause, cancellation,
repeat or window no clause gives is a choice.

The registers' figures are checked here against values derived by hand from the seeds'
Chinese words (quoted beside each), not copied from any output; the shipped policies'
rules are then held to them by validate (SLA705, SLA704)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from slapolicy.policy.register import read_register
from slapolicy.review.render import document
from slapolicy.validate.repository import open_policy_set, read_policy

SEEDS = ROOT.parent / "shared" / "seeds"
# the public agreements' pages as saved, with their addresses and dates (regulation/sources/)
AGREEMENTS = ROOT / "regulation" / "sources"
H, M = 3600, 60


def _figures(register: str, clause: str) -> list[tuple[str, str, object, str | None, str | None]]:
    found, problems = read_register(ROOT / "regulation" / f"{register}.yaml")
    assert found is not None and problems == []
    (entry,) = [c for c in found.clauses if c.id == clause]
    return [(f.words, f.kind, f.value, f.metric, f.measure) for f in entry.figures]


# by hand, from the seeds' words -------------------------------------------------------------------

@pytest.mark.parametrize(("register", "clause", "expected"), [
    # 000: "二级重要问题(功能异常、性能下降)需30分钟内响应,4小时内处理": respond in 30 min, handle (处理) in 4 h
    ("000", "R-000-05", [("30分钟内响应", "duration", ("seconds", 30 * M), "first_response", None),
                         ("4小时内处理", "duration", ("seconds", 4 * H), "resolution", None)]),
    # 000: "电话接听率100%,首次回复及时率98%,问题解决率90%以上,客户满意度95%以上"
    ("000", "R-000-08", [("电话接听率100%", "rate", Decimal(100), None, "share"),
                         ("首次回复及时率98%", "rate", Decimal(98), "first_response", "on_time_rate"),
                         ("问题解决率90%以上", "rate", Decimal(90), None, "resolution_rate"),
                         ("客户满意度95%以上", "rate", Decimal(95), None, "share")]),
    # 000: "每日随机抽取5%的服务工单进行质量检查": 5 % of the work orders, each day
    ("000", "R-000-17", [("每日随机抽取5%的服务工单", "rate", Decimal(5), None, "coverage"),
                         ("每日随机抽取5%的服务工单", "period", "day", None, "coverage")]),
    # 001: "注意接听每一位客户打来的咨询电话,并认真的记录": every (每一位) call, 100 %; the seed's only figure
    ("001", "R-001-09", [("注意接听每一位客户打来的咨询电话,并认真的记录", "rate", Decimal(100), None, "share")]),
    ("001", "R-001-02", []),  # "在指定时间内回复客户": a set time, but no figure
    # 002: "受理人员需在30秒内响应(电话接通)或2分钟内回复(在线客服)"
    ("002", "R-002-02", [("30秒内响应(电话接通)", "duration", ("seconds", 30), "acknowledgement", None),
                         ("2分钟内回复(在线客服)", "duration", ("seconds", 2 * M), "acknowledgement", None)]),
    # 002: "需8小时内响应,5个工作日内解决"
    ("002", "R-002-06", [("8小时内响应", "duration", ("seconds", 8 * H), "first_response", None),
                         ("5个工作日内解决", "duration", ("working_days", 5), "resolution", None)]),
    # 003: "承诺在用户提交问题后的1小时内响应,平均解决时间为4小时": 4 h is an average, not a deadline
    ("003", "R-003-02", [("1小时内响应", "duration", ("seconds", H), "first_response", None),
                         ("平均解决时间为4小时", "duration", ("seconds", 4 * H), "resolution", "mean_time")]),
    # 004: "將當天未派修工作於次日送請主管優先派工": the next day (次日), a calendar day, not a working one
    ("004", "R-004-03", [("當天未派修工作於次日送請主管優先派工", "duration", ("days", 1), "dispatch", None)]),
    # 004: "市區採用六小時,郊區採用七小時派工制…不得逾上班時間內六小時或七小時": working hours
    ("004", "R-004-04", [("市區採用六小時", "duration", ("seconds", 6 * H), "on_site_arrival", None),
                         ("郊區採用七小時", "duration", ("seconds", 7 * H), "on_site_arrival", None)]),
    # 004: "服務電話無人接聽的,相應電話負責人樂捐50元/次"
    ("004", "R-004-12", [("樂捐50元/次", "amount", Decimal(50), None, None)]),
    # 004: "如果同樣的問題被客戶重複反映,加倍樂捐" … "對相關責任人加倍樂捐": double, a factor of 2
    ("004", "R-004-16", [("如果同樣的問題被客戶重複反映,加倍樂捐", "count", Decimal(2), None, None),
                         ("對相關責任人加倍樂捐", "count", Decimal(2), None, None)]),
    # 004: "技術員應於每日…填“技術員工作日報表”": every day (每日), not every working day
    ("004", "R-004-18", [("技術員應於每日將所從事修護工作的類別及所耗用時間", "period", "day", "daily_report", None),
                         ("服務主任應逐日依據技術人員日報表", "period", "day", "daily_summary", None)]),
])
def test_the_registers_hold_the_figures_of_the_seeds_words(register: str, clause: str, expected: list[object]) -> None:
    assert _figures(register, clause) == expected


@pytest.mark.skipif(not SEEDS.exists(), reason="shared/seeds is not beside the checkout")
def test_every_register_text_and_figure_stands_in_its_seed() -> None:
    """The seed wins: a register's words and its figures' words are the seed's, blanks aside. A register of a
    public agreement is the next test's."""
    import re

    def bare(text: str) -> str:
        return re.sub(r"\s+", "", text)

    missing = []
    for path in sorted((ROOT / "regulation").glob("*.yaml")):
        register, _ = read_register(path)
        assert register is not None
        seeds = list(SEEDS.glob(f"{register.id}_*.txt"))
        if not seeds and _agreement(path):  # a public agreement's register: the next test's
            continue
        seed = bare(seeds[0].read_text(encoding="utf-8"))
        missing += [(c.id, words) for c in register.clauses
                    for words in (*c.text, *(f.words for f in c.figures), *(x.words for x in c.constructs)) if bare(words) not in seed]
    assert missing == []


def _agreement(register: Path) -> str:
    """The web page a register quotes (its `source` starts with the address), or ''."""
    import yaml

    source = str(yaml.safe_load(register.read_text(encoding="utf-8")).get("source", ""))
    return source.split()[0] if source.startswith("https://") else ""


def test_every_agreement_register_quotes_the_saved_page_verbatim() -> None:
    """A public agreement's register quotes the page as saved with its address (the research notes'
    quotations, their `>` markers and line breaks aside): its words and its figures' words."""
    import re

    def bare(text: str) -> str:
        return re.sub(r"\s+", "", re.sub(r"\n\s*>", " ", text))

    pages = [p.read_text(encoding="utf-8") for p in sorted(AGREEMENTS.glob("*.md"))]
    checked, missing = 0, []
    for path in sorted((ROOT / "regulation").glob("*.yaml")):
        address = _agreement(path)
        if not address:
            continue
        (page,) = [bare(p) for p in pages if address in p]
        register, _ = read_register(path)
        assert register is not None
        checked += 1
        missing += [(c.id, words) for c in register.clauses for words in (*c.text, *(f.words for f in c.figures)) if bare(words) not in page]
    assert checked and missing == []


def test_a_figure_must_quote_its_clause_and_be_a_figure(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("""register: "950"
title: t
clauses:
  - id: R-950-01
    kinds: [ticket]
    text: 二级问题需4小时内处理
    figures:
      - {words: 3小时内处理, duration: 3h}
      - {words: 4小时内处理, duration: 4 hrs}
""", encoding="utf-8")
    register, problems = read_register(path)
    assert register is None
    assert [d.format() for d in problems] == [
        f"{path}:8:17: SLA104 error: '3小时内处理' is not in the clause's text; quote the words that give it",
        f"{path}:9:35: SLA104 error: '4 hrs' is not a duration; write it like '15m', '2h', '1h30m', '3 working days' or '1 month'",
    ]


# the shipped policies held to them ----------------------------------------------------------------

def _changed(tmp_path: Path, policy: str, old: str, new: str, at: str) -> list[str]:
    """validate's messages on a shipped policy with one change (its registers found where they are), each
    at the line of the changed text that holds `at`."""
    text = (ROOT / "policies" / policy / "2025.1.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    changed = _without_translations(text.replace(old, new), text)
    assert changed.count(at) == 1
    line = changed[:changed.index(at)].count("\n") + 1
    path = tmp_path / "p.yaml"
    path.write_text(changed.replace("../../regulation/", f"{ROOT.as_posix()}/regulation/"), encoding="utf-8")
    _, problems = read_policy(path)
    assert {d.line for d in problems} == {line}
    return [f"{d.code} {d.severity.value}: {d.message}" for d in problems]


def _without_translations(text: str, original: str) -> str:
    """The changed policy without the `translations:` entries of the texts the change removed, as an author
    removing a choice removes its translation (else SLA707 says the translation is used by nothing)."""
    def texts(node: object) -> set[str]:
        if isinstance(node, str):
            return {node}
        values = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        return set().union(*(texts(v) for v in values))
    data = yaml.safe_load(text)
    gone = texts({k: v for k, v in yaml.safe_load(original).items() if k != "translations"}) - texts(
        {k: v for k, v in data.items() if k != "translations"})
    entries = tuple(f"    {json.dumps(g, ensure_ascii=False)}: " for g in gone)
    return "".join(line for line in text.splitlines(keepends=True) if not (entries and line.startswith(entries)))


def test_a_resolution_of_3h_citing_r_000_05_is_not_the_clauses_4_hours(tmp_path: Path) -> None:
    assert _changed(tmp_path, "after-sales", "      within: 4h\n", "      within: 3h\n", "within: 3h") == [
        "SLA705 error: R-000-05 says 4小时内处理 (4h) for resolution; this rule says 3h"]


def test_an_objective_of_97_percent_citing_r_000_08_is_not_the_clauses_98(tmp_path: Path) -> None:
    """The objective's own choice is about its period; it does not make 97 % the clause's figure."""
    assert _changed(tmp_path, "after-sales", "metric: first_response, min: 98%", "metric: first_response, min: 97%", "min: 97%") == [
        "SLA705 error: R-000-08 says 首次回复及时率98% (98%) for first_response; this objective says 97%"]


def test_a_pause_the_seed_does_not_give_needs_its_choice(tmp_path: Path) -> None:
    """Seed 002 gives 24小时内解决 / 72小时内解决 / 5个工作日内解决 and no pause."""
    old = '      pause: "the guide gives no pause (24小时内解决 …); the company stops the clock while it waits on the customer"\n'
    assert _changed(tmp_path, "service-guide", old, "", "pause_while") == [
        "SLA704 warning: the resolution clock pauses while the status is waiting_on_customer, which R-002-04, R-002-05, "
        "R-002-06 do not say; if it is the company's choice, say why: choices: {pause: \"why\"}"]


def test_the_survey_card_window_is_the_companys(tmp_path: Path) -> None:
    """R-004-07 (以當天全部叫修數為原則) and R-004-19 (於次日寄送服務部) give no time for the card itself."""
    text = (ROOT / "policies" / "company-service" / "2025.1.yaml").read_text(encoding="utf-8")
    start = text.index("    within:\n      within: 1 calendar day\n")
    end = text.index("    min: 100%\n    period: day\n", start)
    assert _changed(tmp_path, "company-service", text[start:end], "    within: 1 calendar day\n", "within: 1 calendar day\n    min") == [
        "SLA704 warning: objective every-call-surveyed counts a proof within 1 calendar day, a window R-004-07, "
        "R-004-19 do not give; if it is the company's choice, say why: within: {within: 1 calendar day, choice: \"why\"}"]


def test_reading_the_next_day_as_the_next_working_day_is_a_choice(tmp_path: Path) -> None:
    """R-004-03: "於次日送請主管優先派工": the next day; the policy's next working day is its own reading."""
    old = '      choice: "次日 (the next day) is read as the next working day, when the supervisor dispatches: the company\'s reading"\n'
    assert _changed(tmp_path, "company-service", old, "", "within: 1 working day") == [
        "SLA705 error: R-004-03 says 當天未派修工作於次日送請主管優先派工 (1 calendar day) for dispatch; this rule says 1 working day"]


def test_render_shows_the_choice_beside_the_pause_it_explains() -> None:
    doc = document(open_policy_set(ROOT / "policies" / "after-sales").latest, "en")
    section = next(s for s in doc.sections if s.anchor == "targets")
    clocks = next(t for t in section.tables if t.caption == "How each clock runs")
    row = next(r for r in clocks.rows if r[0] == "Resolution")
    assert row[3] == ("status waiting on the customer — local choice: the seed gives no pause (4小时内处理, 24小时内答复); "
                      "the company stops the clock while it waits on the customer")
    assert row[4].endswith("— local choice: a request the customer withdraws is no longer timed: the company's rule")
