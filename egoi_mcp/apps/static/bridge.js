"use strict";
// A minimal MCP Apps view runtime: JSON-RPC 2.0 over postMessage with the host (ui/initialize, tool input and
// results, host context and theme, size changes), and DOM helpers that only ever insert data as text.
const view = (() => {
  const PROTOCOL_VERSION = "2026-01-26";
  const pending = new Map();
  const handlers = new Map();
  let nextId = 1;
  let context = {};
  let last = null;
  let input = {};
  let draw = null;

  function post(message) {
    window.parent.postMessage(Object.assign({ jsonrpc: "2.0" }, message), "*");
  }
  function request(method, params) {
    const id = nextId++;
    post({ id, method, params });
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  }
  function notify(method, params) {
    post({ method, params: params || {} });
  }

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const msg = event.data;
    if (!msg || typeof msg !== "object" || msg.jsonrpc !== "2.0") return;
    if (typeof msg.method !== "string") {
      const waiter = pending.get(msg.id);
      if (!waiter) return;
      pending.delete(msg.id);
      if (msg.error) waiter.reject(new Error(String(msg.error.message || "host error")));
      else waiter.resolve(msg.result || {});
      return;
    }
    if (msg.id !== undefined && msg.id !== null) {
      if (msg.method === "ui/resource-teardown" || msg.method === "ping") post({ id: msg.id, result: {} });
      else post({ id: msg.id, error: { code: -32601, message: "Method not found" } });
      return;
    }
    const handler = handlers.get(msg.method);
    if (handler) handler(msg.params || {});
  });

  // ---- DOM: text only -------------------------------------------------------------------------------------------
  // Every text drawn is cleaned: line breaks become spaces; control, bidi-override and zero-width characters go.
  const BREAKS = /[\t\n\r\u2028\u2029]/g;
  const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
  function clean(value) {
    return String(value).replace(BREAKS, " ").replace(INVISIBLE, "");
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (name === "class") node.className = String(value);
      else node.setAttribute(name, clean(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "object" ? child : document.createTextNode(clean(child)));
    }
    return node;
  }
  // Text written by others (names, addresses, links): its direction is its own and never spills into ours.
  function words(value, cls) {
    return el("bdi", { class: cls || null, dir: "auto" }, value);
  }
  function color(node, cssVar) {
    node.style.setProperty("--dot", "var(" + cssVar + ")");
    return node;
  }
  // Bars as divs: one column per key, heights proportional to the values (stacked, side by side, or -- when the
  // columns are many and narrow -- overlaid, the shorter in front).
  const CHART_HEIGHT = 128;
  function chart(columns, stacked, label) {
    const sum = (parts) => parts.reduce((total, part) => total + part.value, 0);
    const tallest = (parts) => parts.reduce((top, part) => Math.max(top, part.value), 0);
    const max = Math.max(1, ...columns.map((column) => (stacked ? sum(column.parts) : tallest(column.parts))));
    const every = Math.max(1, Math.ceil(columns.length / 7));
    const dense = !stacked && columns.length > 31;
    const gap = columns.length > 92 ? 0 : columns.length > 31 ? 1 : 3;
    const plot = el("div", { class: "chart", "data-max": max });
    const axis = el("div", { class: "axis" });
    plot.style.gap = axis.style.gap = gap + "px";
    columns.forEach((column, index) => {
      const col = el("div", { class: stacked ? "col stack" : dense ? "col overlay" : "col", "data-key": column.key, title: column.title });
      const parts = dense ? column.parts.slice().sort((a, b) => b.value - a.value) : column.parts;
      for (const part of parts) {
        const bar = color(el("div", { class: "bar", "data-series": part.series, "data-value": part.value }), part.cssVar);
        bar.style.height = (Math.min(1, part.value / max) * CHART_HEIGHT).toFixed(2) + "px";
        col.append(bar);
      }
      plot.append(col);
      axis.append(el("span", null, index % every === 0 ? column.label : ""));
    });
    return el("div", { class: "plot", role: "img", "aria-label": label }, plot, axis);
  }

  function show(...nodes) {
    document.getElementById("app").replaceChildren(...nodes);
  }
  function note(text, cls) {
    show(el("p", { class: "note " + (cls || "") }, text));
  }

  // ---- numbers and dates in the host's locale and time zone ------------------------------------------------------
  // Counts past a quadrillion (rates past a million percent) in scientific notation, 1E100: any number fits its box.
  const SCIENTIFIC = { notation: "scientific", maximumFractionDigits: 3 };
  function num(n, past) {
    const value = Number(n);
    if (Number.isNaN(value)) return "–";
    if (!Number.isFinite(value)) return value > 0 ? "∞" : "–";
    const options = Math.abs(value) >= (past || 1e15) ? SCIENTIFIC : {};
    try { return new Intl.NumberFormat(context.locale || undefined, options).format(value); } catch (e) { return String(value); }
  }
  function pct(n) {
    const value = Number(n);
    if (!Number.isFinite(value) || Math.abs(value) >= 1e6) {
      const text = num(value, 1e6);
      return text === "–" ? text : text + "%";
    }
    let text;
    try {
      text = new Intl.NumberFormat(context.locale || undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
    } catch (e) { text = value.toFixed(1); }
    return text + "%";
  }
  function date(d, options) {
    const opts = Object.assign({}, options);
    if (!opts.timeZone && context.timeZone) opts.timeZone = context.timeZone;
    try { return new Intl.DateTimeFormat(context.locale || undefined, opts).format(d); }
    catch (e) { return d.toISOString(); }
  }

  // ---- host context: theme, style variables ---------------------------------------------------------------------
  function applyContext() {
    const root = document.documentElement;
    if (context.theme === "dark" || context.theme === "light") root.dataset.theme = context.theme;
    else delete root.dataset.theme;
    const variables = (context.styles && context.styles.variables) || {};
    for (const [name, value] of Object.entries(variables)) {
      if (/^--[a-z0-9-]+$/.test(name) && typeof value === "string") root.style.setProperty(name, value);
    }
    if (context.locale) root.lang = String(context.locale);
  }

  function render() {
    if (!last || !draw) return;
    if (last.isError) {
      const text = (last.content || []).filter((c) => c && c.type === "text").map((c) => c.text).join("\n");
      note(text || "The tool returned an error.", "error");
      return;
    }
    let data = last.structuredContent;
    if (!data) {
      const first = (last.content || []).find((c) => c && c.type === "text");
      try { data = first ? JSON.parse(first.text) : null; } catch (e) { data = null; }
    }
    if (!data || typeof data !== "object") { note("The tool result has no data to draw."); return; }
    draw(data, input, last._meta || {});
  }

  let reported = "";
  function reportSize() {
    const box = document.body.getBoundingClientRect();
    const size = { width: Math.ceil(box.width), height: Math.ceil(box.height) };
    const key = size.width + "x" + size.height;
    if (key === reported) return;
    reported = key;
    notify("ui/notifications/size-changed", size);
  }

  async function start(appInfo, drawFn) {
    draw = drawFn;
    handlers.set("ui/notifications/tool-input", (params) => { input = params.arguments || {}; });
    handlers.set("ui/notifications/tool-result", (params) => { last = params; render(); });
    handlers.set("ui/notifications/tool-cancelled", (params) => note("Cancelled" + (params.reason ? ": " + params.reason : ".")));
    handlers.set("ui/notifications/host-context-changed", (params) => { Object.assign(context, params); applyContext(); render(); });
    if (window.parent === window) return;
    const result = await request("ui/initialize", {
      protocolVersion: PROTOCOL_VERSION,
      appInfo,
      appCapabilities: { availableDisplayModes: ["inline"] },
    });
    context = Object.assign({}, result.hostContext || {});
    applyContext();
    notify("ui/notifications/initialized", {});
    let queued = false;
    new ResizeObserver(() => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; reportSize(); });
    }).observe(document.body);
  }

  return { start, el, words, color, chart, show, note, num, pct, date };
})();
