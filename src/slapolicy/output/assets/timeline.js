"use strict";
// Draws the ticket timelines of the page shown, from the compact rows in #tickets (see TimelinePage in html.py).
(() => {
  const meta = JSON.parse(document.getElementById("meta").textContent);
  const S = meta.strings, CAL = meta.calendars, AS_OF = meta.as_of, WORDS = meta.words;
  const say = (key, args = {}) => WORDS[key].replace(/\{(\w+)\}/g, (_, k) => String(args[k]));  // a text in the page's language
  const lines = document.getElementById("tickets").textContent.split("\n").filter((l) => l.length > 0);
  const PAGE = 25, W = 900, X0 = 190, X1 = 880, TOP = 26, ROW = 24;
  const NS = "http://www.w3.org/2000/svg";
  const parsed = new Map();
  const row = (i) => { let r = parsed.get(i); if (r === undefined) { r = JSON.parse(lines[i]); parsed.set(i, r); } return r; };
  const formats = new Map();
  const when = (epoch, tz) => {
    let f = formats.get(tz);
    if (!f) { f = new Intl.DateTimeFormat("sv-SE", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }); formats.set(tz, f); }
    return f.format(new Date(epoch * 1000));
  };
  const duration = (s) => {
    const h = Math.floor(s / 3600), m = Math.round((s % 3600) / 60);
    return h ? say(m ? "hours_minutes" : "hours", { hours: h, minutes: m }) : say("minutes", { minutes: m });
  };
  const BREACHED = S.indexOf("breached"), RUNNING = S.indexOf("running");
  const el = (name, attrs, parent) => { const e = document.createElementNS(NS, name); for (const k in attrs) e.setAttribute(k, attrs[k]); parent.appendChild(e); return e; };
  const STEPS = [900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 91 * 86400, 365 * 86400];

  function timeline(r, box) {
    const [id, , heading, policy, created, clocks, escalations, findings, derived = []] = r;
    const head = document.createElement("h3");
    head.textContent = `${id}${heading ? " — " + heading : ""}`;
    box.appendChild(head);
    const sub = document.createElement("div");
    const tz = clocks.length ? CAL[clocks[0][3]].tz : "UTC";
    sub.textContent = say("created", { policy: S[policy], when: when(created, tz), tz }) + (findings ? say("findings", { count: findings }) : "");
    box.appendChild(sub);
    for (const d of derived) {  // how each derived attribute (a priority matrix, a date period) was settled
      const line = document.createElement("div");
      line.className = "derived";
      line.textContent = S[d];
      box.appendChild(line);
    }
    let end = 60;
    for (const c of clocks) {
      for (let k = 4; k <= 9; k++) if (c[k] !== null) end = Math.max(end, c[k]);
      for (const ch of c[13]) end = Math.max(end, ch[0]);
      if (c[10] === RUNNING) end = Math.max(end, AS_OF - created);  // a running clock runs up to --as-of
    }
    for (const e of escalations) end = Math.max(end, e[0]);
    const x = (off) => X0 + (off / end) * (X1 - X0);
    const height = TOP + ROW * clocks.length + 6;
    const svg = el("svg", { class: "timeline", width: W, height, viewBox: `0 0 ${W} ${height}`, "data-ticket": id,
      "data-t0": created, "data-t1": created + end, "data-x0": X0, "data-x1": X1 }, box);
    const explain = document.createElement("div");
    explain.className = "explain";
    box.appendChild(explain);
    const mark = (name, attrs, text) => { const e = el(name, { ...attrs, "data-explain": text }, svg); el("title", {}, e).textContent = text; return e; };
    const step = STEPS.find((s) => end / s <= 7) || STEPS[STEPS.length - 1];
    for (let t = 0; t <= end; t += step) {
      el("line", { class: "grid", x1: x(t), x2: x(t), y1: TOP - 4, y2: height }, svg);
      el("text", { class: "tick", x: x(t), y: 12, "text-anchor": t === 0 ? "start" : (x(t) > X1 - 40 ? "end" : "middle") }, svg).textContent = when(created + t, tz).slice(5);
    }
    clocks.forEach((c, i) => {
      const [metric, cycle, target, cal, start, due, stop, cancel, breach, failed, status, paused, rule, changes, pauses] = c;
      const y = TOP + i * ROW, calendar = CAL[cal], zone = calendar.tz;
      const name = S[metric] + (cycle > 1 ? ` #${cycle}` : "");
      const set = rule === null ? say("no_rule") : say("rule", { rule: S[rule] });
      const shownTarget = target === null ? say("measured") : S[target], said = WORDS.status[S[status]];
      const label = mark("text", { class: "tick", x: 4, y: y + 15 }, say("label", { name, target: shownTarget,
        calendar: calendar.always ? "" : ` (${calendar.name})`, status: said, rule: set }) + (paused ? say("paused_total", { duration: duration(paused) }) : ""));
      label.textContent = `${name} ${shownTarget}`;
      const running = status === RUNNING;
      const stopAt = stop ?? cancel ?? failed ?? (running ? AS_OF - created : end);
      const bar = mark("rect", { class: `work ${S[status]}`, x: x(start), y: y + 4, width: Math.max(1, x(stopAt) - x(start)), height: ROW - 8 },
        say("started", { name, status: said, when: when(created + start, zone) }) + (stop !== null ? say("stopped", { when: when(created + stop, zone) }) : "") +
        (cancel !== null ? say("cancelled_at", { when: when(created + cancel, zone) }) : "") +
        (running ? say("running_at", { when: when(AS_OF, zone) }) : "") + say("then_rule", { rule: set }));
      bar.dataset.metric = S[metric];
      if (!calendar.always) {  // the spans between working intervals, within the bar
        const spans = calendar.spans, lo = created + start, hi = created + stopAt;
        let a = 0, b = spans.length / 2;
        while (a < b) { const m = (a + b) >> 1; if (spans[2 * m + 1] <= lo) a = m + 1; else b = m; }
        let cursor = lo;
        for (let k = a; k < spans.length / 2 && cursor < hi; k++) {
          const s0 = spans[2 * k], s1 = spans[2 * k + 1];
          if (s0 > cursor) { const to = Math.min(s0, hi); el("rect", { class: "off", x: x(cursor - created), y: y + 4, width: Math.max(0.5, x(to - created) - x(cursor - created)), height: ROW - 8 }, svg); }
          cursor = Math.max(cursor, s1);
        }
        if (cursor < hi) el("rect", { class: "off", x: x(cursor - created), y: y + 4, width: x(hi - created) - x(cursor - created), height: ROW - 8 }, svg);
      }
      for (const [from, to] of pauses) {  // over the bar and its out-of-calendar shading
        const a = when(created + from, zone), b = when(created + to, zone);
        mark("rect", { class: "paused", x: x(from), y: y + 4, width: Math.max(1, x(to) - x(from)), height: ROW - 8 },
          say("paused", { name, start: a, end: b.slice(0, 10) === a.slice(0, 10) ? b.slice(11) : b, duration: duration(to - from) }));
      }
      for (const [at, to, by] of changes.slice(1)) {
        mark("line", { class: "change", x1: x(at), x2: x(at), y1: y + 2, y2: y + ROW - 2 },
          say("change", { name, target: to === null ? say("none") : S[to], when: when(created + at, zone) }) + (by === null ? "" : say("by_rule", { rule: S[by] })));
      }
      if (due !== null) {
        mark("line", { class: "due", x1: x(due), x2: x(due), y1: y + 1, y2: y + ROW - 1 },
          say("due", { name, when: when(created + due, zone), target: S[target] }) + (calendar.always ? "" : say("on_calendar", { calendar: calendar.name })) +
          say("due_from", { when: when(created + start, zone), rule: set }));
      }
      for (const [at, em, ecycle, estep, notify] of escalations) {
        if (em !== metric || ecycle !== cycle) continue;
        const ex = x(at), ey = y + ROW - 3;
        mark("path", { class: "escalation", d: `M${ex - 5},${ey} L${ex + 5},${ey} L${ex},${ey - 9} Z` },
          say("escalation", { name, step: estep, roles: S[notify], when: when(created + at, zone) }));
      }
      if (breach !== null) {  // last: on top of an escalation fired at the same instant
        const m = mark("circle", { class: "breach", cx: x(breach), cy: y + ROW / 2, r: 6 },
          say("breach", { name, when: when(created + breach, zone), target: S[target], rule: set }));
        m.dataset.at = created + breach;
      }
    });
    svg.addEventListener("click", (ev) => { const t = ev.target.closest("[data-explain]"); if (t) explain.textContent = t.dataset.explain; });
  }

  function rejected(r, box) {  // [id, line, errors], or [id, line, why, "later"]: created after --as-of, no error
    const p = document.createElement("p"), later = r[3] === "later";
    p.className = later ? "later" : "rejected";
    p.textContent = say(later ? "later" : "rejected", { id: r[0] ?? "?", line: r[1], why: r[2] });
    box.appendChild(p);
  }

  const list = document.getElementById("list"), info = document.getElementById("pageinfo");
  const search = document.getElementById("search"), onlyBreached = document.getElementById("breached");
  let shown = lines.map((_, i) => i), page = 0;
  function draw() {
    list.replaceChildren();
    const pages = Math.max(1, Math.ceil(shown.length / PAGE));
    page = Math.min(page, pages - 1);
    for (const i of shown.slice(page * PAGE, page * PAGE + PAGE)) {
      const box = document.createElement("section");
      box.className = "ticket";
      const r = row(i);
      (r.length <= 4 ? rejected : timeline)(r, box);
      list.appendChild(box);
    }
    info.textContent = say("page", { page: page + 1, pages, count: shown.length });
  }
  function filter() {
    const q = search.value.trim();
    shown = lines.map((_, i) => i).filter((i) => {
      const r = row(i);
      if (q && !String(r[0] ?? "").includes(q)) return false;
      return !onlyBreached.checked || (r.length > 4 && r[5].some((c) => c[10] === BREACHED));
    });
    page = 0;
    draw();
  }
  search.addEventListener("input", filter);
  onlyBreached.addEventListener("change", filter);
  document.getElementById("prev").addEventListener("click", () => { page = Math.max(0, page - 1); draw(); });
  document.getElementById("next").addEventListener("click", () => { page += 1; draw(); });
  draw();
})();
