// The PTS admin page. The token lives in sessionStorage only (never in a URL or a cookie);
// every request sends it as Authorization: Bearer. Text is set with textContent only.
"use strict";

const body = document.body;
const ROOT = body.dataset.root || "";
const SEARCH = body.dataset.search || "/function/search";
const KEY = "pts.token";
const VIEWS = { events: "/events", deployments: "/deployments", services: "/services",
                environments: "/environments", images: "/images" };
let view = "events";
let next = null;

const $ = (id) => document.getElementById(id);
const token = () => sessionStorage.getItem(KEY);

function status(text, error) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

async function call(url, method, payload) {
  const t = token();
  if (!t) throw new Error("enter a token first");
  const headers = { Authorization: "Bearer " + t, Accept: "application/json" };
  if (payload !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(url, { method: method || "GET", headers, credentials: "omit",
                                  referrerPolicy: "no-referrer",
                                  body: payload === undefined ? undefined : JSON.stringify(payload) });
  const text = await resp.text();
  let doc = null;
  try { doc = text ? JSON.parse(text) : null; } catch (e) { doc = null; }
  if (!resp.ok) {
    const detail = doc && (doc.detail || doc.title) ? (doc.detail || doc.title) : resp.statusText;
    throw new Error(resp.status + ": " + detail);
  }
  return doc;
}

function rowsOf(doc) {
  if (Array.isArray(doc)) return doc;
  if (doc && typeof doc === "object") {
    for (const key of ["items", "events", view, "results", "data"]) {
      if (Array.isArray(doc[key])) return doc[key];
    }
    for (const value of Object.values(doc)) if (Array.isArray(value)) return value;
  }
  return [];
}

function cell(value) {
  const td = document.createElement("td");
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== "object")) {
    td.textContent = value.join(", ");
  } else if (value !== null && typeof value === "object") {
    const pre = document.createElement("pre");
    pre.textContent = JSON.stringify(value, null, 1);
    td.appendChild(pre);
  } else {
    td.textContent = value === null || value === undefined ? "" : String(value);
  }
  return td;
}

function render(rows, append) {
  const result = $("result");
  let table = result.querySelector("table");
  const columns = [];
  for (const row of rows) for (const key of Object.keys(row || {})) if (!columns.includes(key)) columns.push(key);
  if (!append || !table) {
    result.replaceChildren();
    if (!rows.length) { status("nothing found"); return; }
    table = document.createElement("table");
    const tr = document.createElement("tr");
    for (const c of columns) { const th = document.createElement("th"); th.textContent = c; tr.appendChild(th); }
    table.createTHead().appendChild(tr);
    table.createTBody();
    table.dataset.columns = JSON.stringify(columns);
    result.appendChild(table);
  }
  const cols = JSON.parse(table.dataset.columns);
  for (const row of rows) {
    const tr = document.createElement("tr");
    for (const c of cols) tr.appendChild(cell(row ? row[c] : ""));
    table.tBodies[0].appendChild(tr);
  }
}

function nextUrl(doc) {
  // A next link on the search API itself, or a cursor to pass back.
  const n = doc && !Array.isArray(doc) ? (doc.next || doc.next_cursor || doc.cursor) : null;
  if (!n || typeof n !== "string") return null;
  const base = new URL(SEARCH + VIEWS[view], location.href);
  if (n.startsWith("/") || n.startsWith("http")) {
    const u = new URL(n, base);
    return u.origin === base.origin ? u.href : null;
  }
  base.search = currentQuery();
  base.searchParams.set("cursor", n);
  return base.href;
}

function currentQuery() {
  const params = new URLSearchParams();
  if (view === "events") {
    for (const [k, v] of new FormData($("filters"))) if (String(v).trim()) params.set(k, String(v).trim());
  }
  return params.toString();
}

async function load(url, append) {
  status("loading…");
  try {
    const doc = await call(url);
    const rows = rowsOf(doc);
    render(rows, append);
    next = nextUrl(doc);
    $("more").hidden = !next;
    if (rows.length) status(rows.length + (append ? " more" : "") + " rows");
  } catch (e) {
    status(e.message, true);
  }
}

async function tokens() {
  status("loading…");
  $("more").hidden = true;
  try {
    const doc = await call(ROOT + "/api/tokens");
    render(doc.tokens, false);
    const table = $("result").querySelector("table");
    if (!table) return;
    table.tHead.rows[0].appendChild(document.createElement("th"));
    doc.tokens.forEach((t, i) => {
      const td = document.createElement("td");
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = "Revoke";
      b.addEventListener("click", async () => {
        if (!confirm("Revoke token " + t.name + "?")) return;
        try { await call(ROOT + "/api/tokens/" + encodeURIComponent(t.name), "DELETE"); tokens(); }
        catch (e) { status(e.message, true); }
      });
      td.appendChild(b);
      table.tBodies[0].rows[i].appendChild(td);
    });
    status(doc.tokens.length + " live tokens");
  } catch (e) {
    status(e.message, true);
  }
}

function show(name) {
  view = name;
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.view === name);
  $("filters").hidden = name !== "events";
  $("newtoken").hidden = name !== "tokens";
  if (name === "tokens") { tokens(); return; }
  const q = currentQuery();
  load(SEARCH + VIEWS[name] + (q ? "?" + q : ""), false);
}

async function whoami() {
  const t = token();
  $("logout").hidden = !t;
  if (!t) { $("who").textContent = "no token"; return; }
  try {
    const me = await call(ROOT + "/api/whoami");
    $("who").textContent = me.name + " (" + me.scopes.join(", ") + ")";
    show(view);
  } catch (e) {
    $("who").textContent = "";
    status(e.message, true);
  }
}

$("login").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const value = $("token").value.trim();
  $("token").value = "";
  if (value) sessionStorage.setItem(KEY, value);
  whoami();
});
$("logout").addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  $("result").replaceChildren();
  whoami();
});
$("filters").addEventListener("submit", (ev) => { ev.preventDefault(); show("events"); });
$("newtoken").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData($("newtoken"));
  const payload = { name: String(form.get("name") || "").trim(), scopes: form.getAll("scopes").map(String),
                    source_prefix: String(form.get("source_prefix") || "").trim() || null };
  try {
    const made = await call(ROOT + "/api/tokens", "POST", payload);
    // Shown once, here only: the server keeps a hash.
    $("created").textContent = "New token (copy it now, it is not shown again): " + made.token;
    $("newtoken").reset();
    tokens();
  } catch (e) {
    status(e.message, true);
  }
});
$("more").addEventListener("click", () => { if (next) load(next, true); });
for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => show(b.dataset.view));
whoami();
