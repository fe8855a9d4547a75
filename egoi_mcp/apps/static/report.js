// Campaign report: funnel, opens and clicks by day (or week, month, year), bounces and unsubscribes, top links.
(() => {
  const { el, words, color, chart, show, num, pct, date } = view;
  const count = (n) => (Number.isNaN(Number(n)) ? 0 : Math.min(Number(n), Number.MAX_VALUE));

  // Periods of the day series: the tool's own granularity, coarser until at most MAX_COLUMNS columns fit 400 px.
  const MAX_COLUMNS = 92;
  const COARSER = { day: "week", week: "month", month: "year" };
  const LABELS = {
    day: { month: "short", day: "numeric" }, week: { month: "short", day: "numeric" },
    month: { month: "short", year: "2-digit" }, year: { year: "numeric" },
  };
  function periodOf(key, granularity) {
    const when = new Date(key + "T00:00:00Z");
    if (Number.isNaN(when.getTime())) return key;
    if (granularity === "week") when.setUTCDate(when.getUTCDate() - ((when.getUTCDay() + 6) % 7));
    if (granularity === "month" || granularity === "year") when.setUTCDate(1);
    if (granularity === "year") when.setUTCMonth(0);
    return when.toISOString().slice(0, 10);
  }
  function periods(days, granularity) {
    let unit = LABELS[granularity] ? granularity : "day";
    let rows = days.map((d) => ({ key: String(d.date), opens: count(d.opens), clicks: count(d.clicks) }));
    while (rows.length > MAX_COLUMNS && COARSER[unit]) {
      unit = COARSER[unit];
      const merged = new Map();
      for (const row of rows) {
        const key = periodOf(row.key, unit);
        const into = merged.get(key) || { key, opens: 0, clicks: 0 };
        into.opens += row.opens;
        into.clicks += row.clicks;
        merged.set(key, into);
      }
      rows = [...merged.values()];
    }
    return { unit, rows: rows.slice(0, MAX_COLUMNS), hidden: Math.max(0, rows.length - MAX_COLUMNS) };
  }

  function funnelRow(key, cssVar, label, value, base, rate, rateLabel, detail) {
    const fill = color(el("div", { class: "fill" }), cssVar);
    fill.style.width = (base > 0 ? Math.min(100, (value / base) * 100) : 0).toFixed(2) + "%";
    return el("div", { class: "step", "data-funnel": key, "data-value": value },
      el("div", { class: "step-head" },
        el("span", { class: "label" }, label),
        el("span", { class: "value num" }, num(value)),
        rate === null ? null : el("span", { class: "rate num", "data-rate": rate }, pct(rate)),
        rate === null ? null : el("span", { class: "rate-label" }, rateLabel)),
      el("div", { class: "track" }, fill),
      detail ? el("div", { class: "detail" }, detail) : null);
  }

  function stat(key, label, value, text) {
    return el("div", { class: "stat", "data-stat": key, "data-value": value },
      el("div", { class: "stat-value num" }, text), el("div", { class: "stat-label" }, label));
  }

  function draw(r) {
    const sent = count(r.sent);
    const delivered = count(r.delivered);
    const delivery = sent > 0 ? Math.round((delivered / sent) * 1000) / 10 : 0;
    const days = Array.isArray(r.by_day) ? r.by_day : [];
    const links = (Array.isArray(r.top_links) ? r.top_links.slice() : []).sort((a, b) => count(b.clicks) - count(a.clicks));
    const topClicks = Math.max(1, ...links.map((l) => count(l.clicks)));

    const sections = [
      el("header", null,
        el("h1", { class: "name" }, words(r.name || "Campaign " + (r.campaign_id || ""))),
        el("p", { class: "sub" }, "Campaign ", words(r.campaign_id || "–", "cid"), " · ", num(r.sent), " sent"),
        r.summary ? el("p", { class: "sub summary" }, words(r.summary)) : null),
      el("h2", null, "Funnel"),
      el("div", { class: "funnel" },
        funnelRow("sent", "--c7", "Sent", sent, sent, null),
        funnelRow("delivered", "--c6", "Delivered", delivered, sent, delivery, "of sent"),
        funnelRow("opened", "--c1", "Opened", count(r.unique_opens), sent, r.open_rate, "open rate",
          num(r.opens) + " opens in total"),
        funnelRow("clicked", "--c2", "Clicked", count(r.unique_clicks), sent, r.click_rate, "click rate",
          num(r.clicks) + " clicks in total")),
    ];

    const series = periods(days, r.by_day_granularity);
    sections.push(el("h2", { "data-unit": series.unit }, "Opens and clicks by " + series.unit));
    if (series.rows.length) {
      sections.push(el("div", { class: "legend" },
        color(el("span", null, "Opens"), "--c1"), color(el("span", null, "Clicks"), "--c2")));
      sections.push(chart(series.rows.map((d) => {
        const when = new Date(d.key + "T00:00:00Z");
        const label = Number.isNaN(when.getTime()) ? d.key : date(when, Object.assign({ timeZone: "UTC" }, LABELS[series.unit]));
        return {
          key: d.key, label,
          title: d.key + ": " + num(d.opens) + " opens, " + num(d.clicks) + " clicks",
          parts: [{ series: "opens", value: d.opens, cssVar: "--c1" }, { series: "clicks", value: d.clicks, cssVar: "--c2" }],
        };
      }), false, "Opens and clicks by " + series.unit));
    } else {
      sections.push(el("p", { class: "note" }, "No opens or clicks recorded yet."));
    }
    if (series.hidden) sections.push(el("p", { class: "note" }, "The " + num(series.hidden) + " latest " + series.unit + "s are not drawn."));
    if (r.note) sections.push(el("p", { class: "note report-note" }, r.note));

    sections.push(el("h2", null, "Bounces and unsubscribes"));
    sections.push(el("div", { class: "stats" },
      stat("hard_bounces", "Hard bounces", count(r.hard_bounces), num(r.hard_bounces)),
      stat("soft_bounces", "Soft bounces", count(r.soft_bounces), num(r.soft_bounces)),
      stat("bounce_rate", "Bounce rate", count(r.bounce_rate), pct(r.bounce_rate)),
      stat("unsubscribes", "Unsubscribes", count(r.unsubscribes), num(r.unsubscribes)),
      stat("complaints", "Complaints", count(r.complaints), num(r.complaints))));

    sections.push(el("h2", null, "Top links"));
    if (links.length) {
      sections.push(el("ol", { class: "links" }, ...links.map((link) => {
        const fill = color(el("div", { class: "fill" }), "--c2");
        fill.style.width = ((count(link.clicks) / topClicks) * 100).toFixed(2) + "%";
        return el("li", { class: "link", "data-clicks": count(link.clicks) },
          el("div", { class: "link-head" },
            el("span", { class: "url", title: String(link.url) }, words(link.url)),
            el("span", { class: "value num" }, num(link.clicks))),
          el("div", { class: "track thin" }, fill));
      })));
    } else {
      sections.push(el("p", { class: "note" }, "No link clicks yet."));
    }
    show(...sections);
  }

  view.start({ name: "egoi-campaign-report", title: "E-goi campaign report", version: "1.0.0" }, draw);
})();
