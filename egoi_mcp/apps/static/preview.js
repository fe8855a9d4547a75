// E-mail preview: the campaign's HTML (made inert by the server) in a nested frame that runs no script and loads
// nothing, at desktop (600 px) and phone (375 px) widths, with the subject, sender and the checklist beside it.
(() => {
  const { el, words, show } = view;
  const PREVIEW_META = "io.egoi-mcp/preview";
  const WIDTHS = { desktop: 600, phone: 375 };
  let width = "desktop";
  let device = null;
  let pane = null;

  function fit() {
    if (!device || !pane) return;
    const wanted = WIDTHS[width];
    const scale = Math.min(1, pane.clientWidth / (wanted + 2));  // its border: 1 px each side
    device.style.width = wanted + "px";
    device.style.transform = scale < 1 ? "scale(" + scale.toFixed(4) + ")" : "";
    device.style.marginBottom = scale < 1 ? (-(1 - scale) * device.offsetHeight).toFixed(1) + "px" : "";
    device.dataset.width = String(wanted);
  }
  new ResizeObserver(fit).observe(document.body);

  function frame(documentHtml) {
    const node = document.createElement("iframe");
    node.setAttribute("sandbox", "");  // no scripts, no same origin, no forms, no popups, no navigation of the host
    node.setAttribute("referrerpolicy", "no-referrer");
    node.setAttribute("title", "E-mail preview");
    node.id = "email";
    node.setAttribute("srcdoc", String(documentHtml));
    return node;
  }

  function toolbar(redraw) {
    return el("div", { class: "toolbar", role: "group", "aria-label": "Width" },
      ...Object.entries(WIDTHS).map(([key, px]) => {
        const button = el("button", { type: "button", "data-width": key, "aria-pressed": String(key === width) },
          (key === "desktop" ? "Desktop " : "Phone ") + px + " px");
        button.addEventListener("click", () => { width = key; redraw(); });
        return button;
      }));
  }

  function checklist(content) {
    const lines = Array.isArray(content.checklist) ? content.checklist : [];
    return el("ul", { class: "checklist" }, ...lines.map((line) => {
      const text = String(line);
      const ok = !text.startsWith("fix:");
      return el("li", { class: "check", "data-check": "", "data-ok": String(ok) },
        el("span", { class: "mark", "aria-label": ok ? "ok" : "to fix" }, ok ? "✓" : "✗"),
        words(text.replace(/^(ok|fix):\s*/, "")));
    }));
  }

  function draw(c, input, meta) {
    const preview = meta && meta[PREVIEW_META];
    const content = c.content && typeof c.content === "object" ? c.content : null;
    const links = content && Array.isArray(content.links) ? content.links : [];
    const redraw = () => {
      for (const b of document.querySelectorAll(".toolbar button")) b.setAttribute("aria-pressed", String(b.dataset.width === width));
      fit();
    };
    const header = el("header", null,
      el("h1", { class: "subject" }, words(c.subject || c.name || "Campaign " + (c.id || ""))),
      el("p", { class: "sub" }, "From ", words(c.sender || "–", "sender"), " · ", words(c.name || "–", "name"),
        " · ", c.status || "–", c.list_id ? " · list " + c.list_id : ""));
    pane = el("div", { class: "pane" });
    device = null;
    if (preview && typeof preview.document === "string") {
      device = el("div", { class: "device" }, frame(preview.document));
      pane.append(device);
    } else {
      pane.append(el("p", { class: "note" },
        "No preview: E-goi does not return a campaign's content, so only campaigns written through this server are shown."));
    }
    const checks = el("aside", { class: "checks" }, el("h2", null, "Before sending"));
    if (content) {
      checks.append(checklist(content));
      checks.append(el("h2", null, "Links (" + links.length + ")"));
      checks.append(el("ol", { class: "links" }, ...links.map((url) => el("li", { title: String(url) }, words(url, "url")))));
    } else {
      checks.append(el("p", { class: "note" }, "No checklist: the content was not written through this server."));
    }
    show(header, toolbar(redraw), el("div", { class: "layout" }, pane, checks));
    requestAnimationFrame(fit);
  }

  view.start({ name: "egoi-email-preview", title: "E-goi e-mail preview", version: "1.0.0" }, draw);
})();
