// Event stream: counts per trigger, a timeline by hour or day, and the newest events. Redrawn on every tool result.
(() => {
  const { el, words, color, chart, show, num, date } = view;
  const TRIGGERS = [
    ["new_subscriber", "Subscribed", "--c3"],
    ["new_unsubscriber", "Unsubscribed", "--c8"],
    ["email_sent", "Sent", "--c6"],
    ["email_opened", "Opened", "--c1"],
    ["email_clicked", "Clicked", "--c2"],
    ["email_soft_bounced", "Soft bounce", "--c5"],
    ["email_hard_bounced", "Hard bounce", "--c4"],
    ["other", "Other", "--c7"],
  ];
  const KNOWN = new Map(TRIGGERS.map(([key, label, cssVar]) => [key, { label, cssVar }]));
  const HOUR = 3600 * 1000;
  const DAY = 24 * HOUR;
  const MAX_BUCKETS = 48;
  const NEWEST = 15;

  const CLOCK = { hour: "numeric", minute: "2-digit" };
  const dayOf = (t) => date(new Date(t), { year: "numeric", month: "numeric", day: "numeric" });
  const triggerOf = (event) => (KNOWN.has(event.trigger) ? event.trigger : "other");
  function timeOf(event) {
    const t = Date.parse(event.occurred_at || event.received_at || "");
    return Number.isNaN(t) ? null : t;
  }

  function timeline(events) {
    const times = events.map(timeOf).filter((t) => t !== null);
    if (!times.length) return null;
    const newest = Math.max(...times);
    const hourly = newest - Math.min(...times) <= 2 * DAY;
    const step = hourly ? HOUR : DAY;
    const last = Math.floor(newest / step) * step;
    const first = Math.max(Math.floor(Math.min(...times) / step) * step, last - (MAX_BUCKETS - 1) * step);
    const buckets = [];
    for (let start = first; start <= last; start += step) buckets.push({ start, counts: new Map() });
    for (const event of events) {
      const t = timeOf(event);
      if (t === null || t < first) continue;
      const bucket = buckets[Math.floor((t - first) / step)];
      const trigger = triggerOf(event);
      bucket.counts.set(trigger, (bucket.counts.get(trigger) || 0) + 1);
    }
    const fmt = hourly ? { hour: "numeric" } : { month: "short", day: "numeric", timeZone: "UTC" };
    const columns = buckets.map((bucket) => {
      const parts = TRIGGERS.filter(([key]) => bucket.counts.has(key))
        .map(([key, , cssVar]) => ({ series: key, value: bucket.counts.get(key), cssVar }));
      const total = parts.reduce((sum, part) => sum + part.value, 0);
      const when = new Date(bucket.start);
      return { key: when.toISOString(), label: date(when, fmt), title: date(when, { dateStyle: "medium", timeStyle: "short" }) + ": " + num(total) + " events", parts };
    });
    return { hourly, columns };
  }

  function row(event, newestDay) {
    const trigger = triggerOf(event);
    const { label, cssVar } = KNOWN.get(trigger);
    const t = timeOf(event);
    const who = event.email || event.contact_id || "—";
    const campaign = event.campaign_name || event.campaign_id;
    const list = event.list_id != null ? "list " + event.list_id : null;
    return el("li", { class: "event", "data-id": event.id, "data-trigger": trigger },
      color(el("span", { class: "badge dot" }, label), cssVar),
      el("div", { class: "who" }, el("div", { class: "email" }, words(who)),
        campaign || list ? el("div", { class: "what" }, campaign ? words(campaign) : null, campaign && list ? " · " : null, list) : null),
      el("time", { class: "when num", datetime: t === null ? null : new Date(t).toISOString() },
        t === null ? "" : date(new Date(t), dayOf(t) === newestDay ? CLOCK : Object.assign({ month: "short", day: "numeric" }, CLOCK))));
  }

  function draw(page, args) {
    const events = (Array.isArray(page.items) ? page.items : []).filter((e) => e && typeof e === "object");
    const counts = new Map();
    for (const event of events) counts.set(triggerOf(event), (counts.get(triggerOf(event)) || 0) + 1);
    const total = Number.isFinite(page.total) && page.total !== null ? page.total : null;
    const filters = [args.list_id != null ? "list " + args.list_id : null,
      KNOWN.has(args.trigger) ? KNOWN.get(args.trigger).label.toLowerCase() : null,
      args.email || args.contact_id ? words(args.email || args.contact_id) : null].filter(Boolean);
    const shown = [num(events.length) + (events.length === 1 ? " event" : " events")];
    for (const filter of filters) shown.push(" · ", filter);
    shown.push((total !== null && total > events.length ? " of " + num(total) : "") + (page.next_cursor ? " · more available" : ""));

    const sections = [
      el("header", null, el("h1", null, "E-goi events"), el("p", { class: "sub", "data-shown": events.length }, ...shown)),
    ];
    if (!events.length) {
      sections.push(el("p", { class: "note" }, "No events yet. They appear here once E-goi delivers webhooks."));
      show(...sections);
      return;
    }
    sections.push(el("div", { class: "chips" }, ...TRIGGERS.filter(([key]) => counts.has(key)).map(([key, label, cssVar]) =>
      el("div", { class: "chip", "data-trigger": key, "data-count": counts.get(key) },
        el("span", { class: "chip-count num" }, num(counts.get(key))),
        color(el("span", { class: "chip-label dot" }, label), cssVar)))));
    const line = timeline(events);
    if (line) {
      sections.push(el("h2", null, line.hourly ? "By hour" : "By day"));
      sections.push(chart(line.columns, true, line.hourly ? "Events by hour" : "Events by day"));
    }
    const newest = events.slice().sort((a, b) => (timeOf(b) || 0) - (timeOf(a) || 0)).slice(0, NEWEST);
    sections.push(el("h2", null, "Newest"));
    const newestDay = timeOf(newest[0]) === null ? null : dayOf(timeOf(newest[0]));
    sections.push(el("ol", { class: "events" }, ...newest.map((event) => row(event, newestDay))));
    show(...sections);
  }

  view.start({ name: "egoi-event-stream", title: "E-goi events", version: "1.0.0" }, draw);
})();
