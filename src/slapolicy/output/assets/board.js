"use strict";
// The live board: draws the document in #board (slapolicy.output.board.document), filtered by severity, group and
// assignee, in Chinese or English; served (config.source), it fetches the document again every config.refresh
// seconds and counts the time left down in between.
(() => {
  const config = JSON.parse(document.getElementById("board-config").textContent);
  let doc = JSON.parse(document.getElementById("board").textContent);
  let received = performance.now(), refreshed = new Date(), failure = null;
  const MAX_SHOWN = 300, HOUR = 3600;
  const T = {
    zh: {
      title: "SLA 实时看板", language: "语言", severity: "严重等级", group: "处理组", assignee: "处理人", all: "全部",
      as_of: "截至 {t}", live: "每 {n} 秒自动刷新，上次刷新于 {r}", offline: "快照：离线文件，不会刷新",
      stale: "刷新失败（{e}），显示的是 {r} 刷新的数据",
      overdue: "已超时", hour: "1 小时内到期", today: "今日稍后到期", open: "未结工单", breaches: "今日违约", escalations: "今日升级",
      open_heading: "未结工单（按剩余时间排序）", breaches_heading: "今日违约", escalations_heading: "今日升级",
      metric: "指标", target: "时限", due: "到期", left: "剩余", state: "状态", rule: "规则", clauses: "条款", time: "时间",
      ticket: "工单", step: "级别", notify: "通知", still_open: "仍在计时", yes: "是", no: "否",
      running: "计时中", breached: "已违约", paused: "已暂停", later: "以后",
      choice: "公司自定：{c}", none: "（无）", shown: "显示前 {n} 个，共 {m} 个", empty: "没有符合条件的工单", nothing: "无",
    },
    en: {
      title: "SLA live board", language: "language", severity: "severity", group: "group", assignee: "assignee", all: "all",
      as_of: "as of {t}", live: "refreshes every {n} s; last refreshed {r}", offline: "a snapshot: an offline file, it does not refresh",
      stale: "refresh failed ({e}); showing the data refreshed {r}",
      overdue: "overdue", hour: "due within the hour", today: "due later today", open: "open tickets", breaches: "breaches today",
      escalations: "escalations today",
      open_heading: "Open tickets by time left", breaches_heading: "Breaches today", escalations_heading: "Escalations today",
      metric: "metric", target: "target", due: "due", left: "left", state: "status", rule: "rule", clauses: "clauses", time: "time",
      ticket: "ticket", step: "step", notify: "notify", still_open: "still running", yes: "yes", no: "no",
      running: "running", breached: "breached", paused: "paused", later: "later",
      choice: "the company's choice: {c}", none: "(none)", shown: "showing the first {n} of {m}", empty: "no ticket matches", nothing: "none",
    },
  };
  let lang = T[config.lang] ? config.lang : "zh";
  const t = (key, args = {}) => T[lang][key].replace(/\{(\w+)\}/g, (_, k) => String(args[k]));
  const named = (n) => (n ? `${n.id}${n[lang] && n[lang] !== n.id ? " " + n[lang] : ""}` : "");
  const epoch = (iso) => Date.parse(iso) / 1000;
  const shown = (iso) => iso.slice(5, 16).replace("T", " ");  // in the zone the document writes it in
  const now = () => epoch(doc.as_of) + (config.source ? (performance.now() - received) / 1000 : 0);
  const left = (s) => {
    const sign = s < 0 ? "-" : "", a = Math.abs(Math.round(s)), d = Math.floor(a / 86400), h = Math.floor((a % 86400) / 3600);
    const m = Math.floor((a % 3600) / 60);
    return sign + (d ? `${d}d${h}h` : h ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${a < 60 ? (a % 60) + "s" : ""}`);
  };
  const bucket = (due, paused, at) => {
    if (paused) return "paused";
    if (due <= at) return "overdue";
    if (due <= at + HOUR) return "hour";
    return due < epoch(doc.today.to) ? "today" : "later";
  };
  const el = (name, attrs = {}, parent = null, text = null) => {
    const e = document.createElement(name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== null) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  };
  const filters = ["severity", "group", "assignee"];
  const chosen = () => Object.fromEntries(filters.map((f) => [f, document.getElementById(f).value]));
  const severityOf = (x) => (x && typeof x === "object" ? x.id : x);
  const matches = (item, sel) => filters.every((f) => sel[f] === "" || String((f === "severity" ? severityOf(item.severity) : item[f]) ?? "") === sel[f]);

  function options() {  // each filter lists the values there are, keeping what was chosen
    for (const f of filters) {
      const select = document.getElementById(f), keep = select.value, values = new Map();
      for (const x of [...doc.tickets, ...doc.breaches_today, ...doc.escalations_today]) {
        const v = f === "severity" ? severityOf(x.severity) : x[f];
        if (v !== null && v !== undefined && !values.has(String(v))) values.set(String(v), f === "severity" && x.severity && x.severity.id ? named(x.severity) : String(v));
      }
      select.replaceChildren(el("option", { value: "" }, null, t("all")));
      for (const [v, label] of [...values].sort((a, b) => a[0].localeCompare(b[0]))) el("option", { value: v }, select, label);
      select.value = values.has(keep) ? keep : "";
    }
  }

  function table(parent, columns, rows) {
    const tab = el("table", {}, parent), head = el("tr", {}, el("thead", {}, tab)), body = el("tbody", {}, tab);
    for (const c of columns) el("th", {}, head, t(c));
    for (const r of rows) {
      const tr = el("tr", r.attrs || {}, body);
      r.cells.forEach((text, i) => el("td", { "data-label": t(columns[i]), class: columns[i] }, tr, text));
    }
    return tab;
  }

  const clauseText = (c) => (c.clauses.length ? c.clauses.join(", ") : c.choice ? t("choice", { c: c.choice }) : "");

  function render() {
    document.documentElement.lang = lang;
    document.title = t("title");
    document.getElementById("title").textContent = t("title");
    for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
    options();
    const sel = chosen(), at = now();
    const status = document.getElementById("status");
    status.className = failure ? "note stale" : "note";
    const when = refreshed.toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB");
    status.textContent = `${t("as_of", { t: shown(doc.as_of) })} · ` +
      (failure ? t("stale", { e: failure, r: when }) : config.source ? t("live", { n: config.refresh, r: when }) : t("offline"));
    const tickets = doc.tickets.filter((x) => matches(x, sel)).map((x) => {
      const running = x.clocks.filter((c) => !c.paused).map((c) => epoch(c.due_at));
      const next = running.length ? Math.min(...running) : null;
      return { x, next, bucket: next === null ? "paused" : bucket(next, false, at) };
    }).sort((a, b) => (a.next === null) - (b.next === null) || (a.next ?? 0) - (b.next ?? 0) || a.x.id.localeCompare(b.x.id));
    const breaches = doc.breaches_today.filter((b) => matches(b, sel)), escalations = doc.escalations_today.filter((e) => matches(e, sel));
    const count = (name) => tickets.reduce((n, k) => n + k.x.clocks.filter((c) => bucket(epoch(c.due_at), c.paused, at) === name).length, 0);
    const cards = document.getElementById("cards");
    cards.replaceChildren();
    for (const [key, value] of [["overdue", count("overdue")], ["hour", count("hour")], ["today", count("today")], ["open", tickets.length],
                                ["breaches", breaches.length], ["escalations", escalations.length]]) {
      const card = el("div", { class: `card ${key}`, "data-card": key }, cards);
      el("div", { class: "value" }, card, String(value));
      el("div", { class: "label" }, card, t(key));
    }
    const open = document.getElementById("open");
    open.replaceChildren();
    if (!tickets.length) el("p", { class: "empty" }, open, t("empty"));
    for (const { x, next, bucket: b } of tickets.slice(0, MAX_SHOWN)) {
      const box = el("section", { class: `ticket ${b}`, "data-ticket": x.id, "data-bucket": b }, open);
      const head = el("h3", {}, box);
      el("span", { class: "id" }, head, x.id);
      el("span", { class: `bucket ${b}` }, head, t(b === "paused" ? "paused" : b === "later" ? "later" : b));
      if (next !== null) el("span", { class: "left", "data-due": next }, head, left(next - at));
      el("span", { class: "sev" }, head, named(x.severity));
      el("span", { class: "who" }, head, [x.group, x.assignee].filter((v) => v).join(" · "));
      table(box, ["metric", "target", "due", "left", "state", "rule", "clauses"], x.clocks.map((c) => ({
        attrs: { class: `clock ${c.paused ? "paused" : c.status}`, "data-metric": c.metric },
        cells: [c.title[lang] || c.metric, c.target, shown(c.due_at), left(epoch(c.due_at) - at), t(c.paused ? "paused" : c.status),
                c.rule || "", clauseText(c)],
      })));
    }
    open.querySelectorAll("section.ticket").forEach((box, i) => {  // each time left counts down from its due time
      const x = tickets[i].x;
      box.querySelectorAll("td.left").forEach((cell, j) => { cell.dataset.due = epoch(x.clocks[j].due_at); });
    });
    if (tickets.length > MAX_SHOWN) el("p", { class: "more" }, open, t("shown", { n: MAX_SHOWN, m: tickets.length }));
    const list = (id, columns, rows) => {
      const box = document.getElementById(id);
      box.replaceChildren();
      if (!rows.length) el("p", { class: "empty" }, box, t("nothing"));
      else table(box, columns, rows);
    };
    list("breaches", ["time", "ticket", "metric", "still_open", "rule", "clauses"], breaches.map((b) => ({
      attrs: { "data-ticket": b.id }, cells: [shown(b.at), b.id, b.metric + (b.cycle > 1 ? ` #${b.cycle}` : ""), t(b.open ? "yes" : "no"),
                                              b.rule || "", b.clauses.join(", ")] })));
    list("escalations", ["time", "ticket", "metric", "step", "notify", "rule", "clauses"], escalations.map((e) => ({
      attrs: { "data-ticket": e.id }, cells: [shown(e.at), e.id, e.metric + (e.cycle > 1 ? ` #${e.cycle}` : ""),
                                              String(e.step) + (e.repeat ? ` ×${e.repeat + 1}` : ""), e.notify.join(", "), e.rule,
                                              e.clauses.join(", ")] })));
  }

  function tick() {  // the time left counts down between two fetches
    const at = now();
    for (const e of document.querySelectorAll("[data-due]")) e.textContent = left(Number(e.dataset.due) - at);
  }

  async function fetchDocument() {
    const token = new URLSearchParams(location.hash.slice(1)).get("token");
    try {
      const answer = await fetch(config.source, { cache: "no-store", headers: token ? { Authorization: `Bearer ${token}` } : {} });
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      doc = await answer.json();
      received = performance.now();
      refreshed = new Date();
      failure = null;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    render();
  }

  document.getElementById("lang").value = lang;
  document.getElementById("lang").addEventListener("change", (e) => { lang = e.target.value; render(); });
  for (const f of filters) document.getElementById(f).addEventListener("change", render);
  render();
  if (config.source) {
    if (config.at_once) fetchDocument();  // a page served without its data (the service's /board)
    setInterval(fetchDocument, config.refresh * 1000);
    setInterval(tick, 1000);
  }
})();
