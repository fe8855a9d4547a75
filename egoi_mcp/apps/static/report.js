// Campaign report: funnel, opens and clicks by day, bounces and unsubscribes, top links.
(() => {
  const { el, color, chart, show, num, pct, date } = view;
  const count = (n) => (Number.isFinite(Number(n)) ? Number(n) : 0);

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
        el("h1", { class: "name" }, r.name || "Campaign " + (r.campaign_id || "")),
        el("p", { class: "sub" }, "Campaign ", el("span", { class: "cid" }, r.campaign_id || "–"), " · ", num(sent), " sent"),
        r.summary ? el("p", { class: "sub summary" }, r.summary) : null),
      el("h2", null, "Funnel"),
      el("div", { class: "funnel" },
        funnelRow("sent", "--c7", "Sent", sent, sent, null),
        funnelRow("delivered", "--c6", "Delivered", delivered, sent, delivery, "of sent"),
        funnelRow("opened", "--c1", "Opened", count(r.unique_opens), sent, r.open_rate, "open rate",
          num(r.opens) + " opens in total"),
        funnelRow("clicked", "--c2", "Clicked", count(r.unique_clicks), sent, r.click_rate, "click rate",
          num(r.clicks) + " clicks in total")),
    ];

    sections.push(el("h2", null, "Opens and clicks by day"));
    if (days.length) {
      sections.push(el("div", { class: "legend" },
        color(el("span", null, "Opens"), "--c1"), color(el("span", null, "Clicks"), "--c2")));
      sections.push(chart(days.map((d) => {
        const opens = count(d.opens);
        const clicks = count(d.clicks);
        const when = new Date(String(d.date) + "T00:00:00Z");
        const label = Number.isNaN(when.getTime()) ? String(d.date) : date(when, { month: "short", day: "numeric", timeZone: "UTC" });
        return {
          key: String(d.date), label,
          title: String(d.date) + ": " + num(opens) + " opens, " + num(clicks) + " clicks",
          parts: [{ series: "opens", value: opens, cssVar: "--c1" }, { series: "clicks", value: clicks, cssVar: "--c2" }],
        };
      }), false, "Opens and clicks by day"));
    } else {
      sections.push(el("p", { class: "note" }, "No opens or clicks recorded yet."));
    }

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
            el("span", { class: "url", title: String(link.url) }, String(link.url)),
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
