// Building the page from elements and text nodes only: a value never becomes markup.
// Styles are classes only (the CSP allows no inline style).

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const SVG = "http://www.w3.org/2000/svg";

export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined) el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const $ = (id) => document.getElementById(id);

// --- times: local and relative, the exact UTC time on hover ---------------------------

const UNITS = [["y", 365 * 86400], ["mo", 30 * 86400], ["d", 86400], ["h", 3600], ["min", 60]];

export function relative(iso, now = Date.now()) {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  for (const [unit, size] of UNITS) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      return seconds >= 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
    }
  }
  return seconds >= 0 ? "1 min ago" : "in 1 min";
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

const LOCAL = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const SHORT = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

export function utc(iso) {
  return new Date(iso).toISOString().replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC");
}

export function local(iso) {
  return LOCAL.format(new Date(iso));
}

// <time>: "3 h ago" (relative) with the local time beside it unless compact; hover: UTC.
export function time(iso, { compact = false, since = false } = {}) {
  if (!iso) return h("span", { class: "muted" }, "—");
  const el = h("time", { datetime: iso, title: utc(iso), dataset: { rel: since ? "since" : "ago" } });
  fillTime(el, compact);
  if (compact) el.dataset.compact = "1";
  return el;
}

function fillTime(el, compact) {
  const iso = el.getAttribute("datetime");
  const rel = el.dataset.rel === "since" ? "for " + relative(iso).replace(" ago", "") : relative(iso);
  el.replaceChildren(h("span", { class: "rel" }, rel),
                     h("span", { class: "abs" }, compact ? SHORT.format(new Date(iso)) : local(iso)));
}

// Relative times move on: refresh them twice a minute.
setInterval(() => {
  for (const el of document.querySelectorAll("time[data-rel]")) fillTime(el, !!el.dataset.compact);
}, 30000);

// --- hashes: shortened, with a copy button ------------------------------------------------

export function shortHash(value) {
  if (!value) return "";
  const m = /^([a-z0-9]+):([0-9a-f]+)$/i.exec(value);
  return m ? `${m[1]}:${m[2].slice(0, 12)}` : value.length > 12 ? value.slice(0, 10) : value;
}

export function hash(value, label = "value") {
  if (!value) return h("span", { class: "muted" }, "—");
  return h("span", { class: "hash" },
    h("code", { title: value }, shortHash(value)),
    copyButton(value, `Copy ${label} ${value}`));
}

export function copyButton(value, label) {
  return h("button", { type: "button", class: "copy", "aria-label": label, title: "Copy",
                       onclick: (ev) => { ev.stopPropagation(); copy(value); } }, copyIcon());
}

function copyIcon() {
  return svg("svg", { viewBox: "0 0 16 16", class: "icon", "aria-hidden": "true" },
    svg("rect", { x: 5.5, y: 5.5, width: 8, height: 8, rx: 1.5 }),
    svg("path", { d: "M10.5 3.5v-.5a1.5 1.5 0 0 0-1.5-1.5H4A1.5 1.5 0 0 0 2.5 3v5A1.5 1.5 0 0 0 4 9.5h.5" }));
}

export async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    const area = h("textarea", { class: "offscreen", readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  toast("Copied");
}

let toastTimer = null;
export function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("show"), 1600);
}

// --- small pieces shared by the pages -------------------------------------------------------

export function badge(value, kind = "status") {
  if (!value) return h("span", { class: "muted" }, "—");
  return h("span", { class: `badge ${kind}-${String(value).replace(/[^a-z_]/gi, "")}${kind === "type" ? " plain" : ""}` },
           String(value).replace("_", " "));
}

export function link(href, ...children) {
  return h("a", { href }, ...children);
}

export function pageHead(title, subtitle, ...actions) {
  return h("div", { class: "page-head" },
    h("div", null, h("h1", null, title), subtitle ? h("p", { class: "muted" }, subtitle) : null),
    actions.length ? h("div", { class: "actions" }, actions) : null);
}

export function keyValues(pairs) {
  return h("dl", { class: "kv" }, pairs.filter((p) => p).map(([k, v]) =>
    [h("dt", null, k), h("dd", null, v === null || v === undefined || v === "" ? "—" : v)]));
}

export function json(value) {
  return h("pre", { class: "json" }, JSON.stringify(value, null, 2));
}

// Environments in promotion order (dev before staging before prod), others alphabetically.
const STAGE_ORDER = ["local", "dev", "development", "test", "qa", "integration", "staging", "stage",
                     "preprod", "pre-prod", "uat", "prod", "production"];
export function sortEnvironments(names) {
  const rank = (n) => { const i = STAGE_ORDER.indexOf(n.toLowerCase()); return i < 0 ? 50 : i; };
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
