// Tokens and webhooks (admin scope): list, create (the secret is shown once), revoke.
// The webhooks section appears only when this server has the webhooks API.
import { admin, emptyBox, loadingBox, problemBox } from "../api.js";
import { copyButton, h, pageHead, time, toast } from "../dom.js";

export function adminPage(view, { me }) {
  view.append(pageHead("Tokens & webhooks", "Who may send and read events. Secrets are shown once, at creation."));
  if (!me.scopes.includes("admin")) {
    view.append(problemBox(new Error("This page needs a token with the admin scope.")));
    return;
  }
  const tokens = h("section", { class: "card" });
  const hooks = h("section", { class: "card", hidden: true });
  view.append(tokens, hooks);
  tokensSection(tokens, me);
  webhooksSection(hooks);
}

function secretBox(title, fields) {
  return h("div", { class: "secret", role: "status" }, h("strong", null, title),
    fields.map(([label, value]) => h("div", { class: "secret-row" }, h("span", { class: "muted" }, label),
      h("code", { class: "wrap" }, value), copyButton(value, `Copy ${label}`))));
}

function tokensSection(box, me) {
  const list = h("div", null, loadingBox());
  const out = h("div");
  const name = h("input", { id: "tok-name", name: "name", required: true, maxlength: 200 });
  const prefix = h("input", { id: "tok-prefix", name: "source_prefix", placeholder: "/ci/" });
  const scopes = ["ingest", "read", "admin"].map((s) => h("label", { class: "check" },
    h("input", { type: "checkbox", name: "scopes", value: s, checked: s === "read" }), s));
  const form = h("form", { class: "filters", autocomplete: "off", onsubmit: async (ev) => {
    ev.preventDefault();
    const payload = { name: name.value.trim(), source_prefix: prefix.value.trim() || null,
                      scopes: scopes.map((l) => l.firstChild).filter((c) => c.checked).map((c) => c.value) };
    try {
      const made = await admin("/tokens", { method: "POST", payload });
      out.replaceChildren(secretBox(`Token “${made.name}” created. Copy it now: it is not shown again.`, [["token", made.token]]));
      form.reset();
      load();
    } catch (e) {
      out.replaceChildren(problemBox(e));
    }
  } },
    h("label", { class: "field", for: "tok-name" }, h("span", null, "Name"), name),
    h("fieldset", { class: "field" }, h("legend", null, "Scopes"), h("div", { class: "checks" }, scopes)),
    h("label", { class: "field", for: "tok-prefix" }, h("span", null, "Source prefix (ingest)"), prefix),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Create token")));
  box.append(h("h2", null, "Tokens"), form, out, list);

  async function load() {
    try {
      const doc = await admin("/tokens");
      if (!doc.tokens.length) { list.replaceChildren(emptyBox("No live token.")); return; }
      list.replaceChildren(h("div", { class: "table-wrap" }, h("table", { class: "list" },
        h("thead", null, h("tr", null, ["Name", "Scopes", "Source prefix", "Created", "Last used", ""].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", null, doc.tokens.map((t) => h("tr", null,
          h("td", null, h("strong", null, t.name), t.name === me.name ? h("span", { class: "muted" }, " (this one)") : null),
          h("td", null, (t.scopes || []).map((s) => h("span", { class: "chip" }, s))),
          h("td", null, t.source_prefix ? h("code", null, t.source_prefix) : h("span", { class: "muted" }, "any")),
          h("td", null, time(t.created_at, { compact: true })),
          h("td", null, t.last_used_at ? time(t.last_used_at, { compact: true }) : h("span", { class: "muted" }, "never")),
          h("td", { class: "actions" }, h("button", { type: "button", class: "small danger", onclick: async () => {
            if (!confirm(`Revoke token ${t.name}? Clients using it are refused from now on.`)) return;
            try { await admin("/tokens/" + encodeURIComponent(t.name), { method: "DELETE" }); toast(`Revoked ${t.name}`); load(); }
            catch (e) { out.replaceChildren(problemBox(e)); }
          } }, "Revoke"))))))));
    } catch (e) {
      list.replaceChildren(problemBox(e, "Token management"));
    }
  }
  load();
}

function webhooksSection(box) {
  const list = h("div");
  const out = h("div");
  const name = h("input", { id: "wh-name", name: "name", required: true });
  const kind = h("select", { id: "wh-kind", name: "kind" },
    ["github", "gitlab", "argocd", "flux", "harbor", "registry"].map((k) => h("option", { value: k }, k)));
  const prefix = h("input", { id: "wh-prefix", name: "source_prefix", placeholder: "/webhooks/github/" });
  const form = h("form", { class: "filters", autocomplete: "off", onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      const made = await admin("/webhooks", { method: "POST", payload: { name: name.value.trim(), kind: kind.value,
                                                                         source_prefix: prefix.value.trim() || null } });
      out.replaceChildren(secretBox(`Webhook “${made.name}” created. Give the producer this URL and secret; the secret is not shown again.`,
                                    [["URL", new URL(made.url, location.href).href], ["secret", made.secret]]));
      form.reset();
      load();
    } catch (e) {
      out.replaceChildren(problemBox(e));
    }
  } },
    h("label", { class: "field", for: "wh-name" }, h("span", null, "Name"), name),
    h("label", { class: "field", for: "wh-kind" }, h("span", null, "Kind"), kind),
    h("label", { class: "field", for: "wh-prefix" }, h("span", null, "Source prefix"), prefix),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Create webhook")));
  box.append(h("h2", null, "Webhooks"), form, out, list);

  async function load() {
    let doc;
    try {
      doc = await admin("/webhooks");
    } catch (e) {
      if (e.status === 404) {  // not on this server (yet): say so in one line
        box.hidden = false;
        box.replaceChildren(h("h2", null, "Webhooks"), h("p", { class: "muted" },
          "Webhook integrations are not available on this server (its admin API has no /api/webhooks)."));
        return;
      }
      box.hidden = false;
      list.replaceChildren(problemBox(e));
      return;
    }
    box.hidden = false;
    const items = Array.isArray(doc) ? doc : (doc.items || doc.webhooks || []);
    if (!items.length) { list.replaceChildren(emptyBox("No webhook yet.")); return; }
    list.replaceChildren(h("div", { class: "table-wrap" }, h("table", { class: "list" },
      h("thead", null, h("tr", null, ["Name", "Kind", "URL", "Source prefix", "Last used", ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", null, items.map((w) => h("tr", null, h("td", null, h("strong", null, w.name)), h("td", null, w.kind),
        h("td", null, w.url ? h("span", null, h("code", { class: "wrap" }, w.url), copyButton(new URL(w.url, location.href).href, "Copy URL")) : "—"),
        h("td", null, w.source_prefix ? h("code", null, w.source_prefix) : "—"),
        h("td", null, w.last_used_at ? time(w.last_used_at, { compact: true }) : h("span", { class: "muted" }, "never")),
        h("td", { class: "actions" }, h("button", { type: "button", class: "small danger", onclick: async () => {
          if (!confirm(`Delete webhook ${w.name}?`)) return;
          try { await admin("/webhooks/" + encodeURIComponent(w.name), { method: "DELETE" }); toast(`Deleted ${w.name}`); load(); }
          catch (e) { out.replaceChildren(problemBox(e)); }
        } }, "Delete"))))))));
  }
  load();
}
