// Calls to the search API and the admin API. The token lives in sessionStorage only (never
// in a URL or a cookie); every request sends it as Authorization: Bearer.
import { h } from "./dom.js";

const body = document.body;
export const ROOT = body.dataset.root || "";
export const SEARCH = body.dataset.search || "/function/search";
const KEY = "pts.token";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

// An answer that was not 2xx: status, and the problem's title, detail and errors.
export class ApiError extends Error {
  constructor(status, problem, url) {
    const detail = (problem && (problem.detail || problem.title)) || `HTTP ${status}`;
    super(detail);
    this.status = status;
    this.problem = problem || {};
    this.url = url;
  }
  get notAvailable() { return this.status === 404 || this.status === 405; }
}

export async function call(url, { method = "GET", payload, tokenValue } = {}) {
  const t = tokenValue || token.get();
  const headers = { Accept: "application/json" };
  if (t) headers.Authorization = "Bearer " + t;
  if (payload !== undefined) headers["Content-Type"] = "application/json";
  let resp;
  try {
    resp = await fetch(url, { method, headers, credentials: "omit", referrerPolicy: "no-referrer",
                              body: payload === undefined ? undefined : JSON.stringify(payload) });
  } catch (e) {
    throw new ApiError(0, { title: "Network error", detail: "PTS did not answer: " + e.message }, url);
  }
  const text = await resp.text();
  let doc = null;
  try { doc = text ? JSON.parse(text) : null; } catch (e) { doc = null; }
  if (!resp.ok) throw new ApiError(resp.status, doc, url);
  return doc;
}

// GET on the search API: path and a {name: value} query (empty values left out).
export function search(path, query) {
  return call(SEARCH + path + queryString(query));
}

export function admin(path, options) {
  return call(ROOT + "/api" + path, options);
}

export function queryString(query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== null && v !== undefined && String(v).trim() !== "") params.set(k, String(v).trim());
  }
  const s = params.toString();
  return s ? "?" + s : "";
}

// Every page of a list (following next_cursor), up to `max` items.
export async function all(path, query, max = 3000) {
  const items = [];
  let cursor = null;
  do {
    const doc = await search(path, { ...query, limit: 1000, cursor });
    items.push(...doc.items);
    cursor = doc.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

// The box that replaces a page's results when something went wrong: the problem's detail,
// and each bad parameter. A 404 on a route means this server does not have it yet.
export function problemBox(error, what = "This page") {
  if (error instanceof ApiError && error.notAvailable && error.problem.detail
      && /no route|no such API route/.test(error.problem.detail)) {
    return h("div", { class: "state unavailable", role: "status" },
      h("strong", null, `${what} is not available on this server.`),
      h("p", null, "PTS answered 404 for ", h("code", null, new URL(error.url, location.href).pathname),
        ": this installation runs an older version. Everything else works."));
  }
  const problem = error instanceof ApiError ? error.problem : {};
  const title = error instanceof ApiError
    ? `${error.status ? error.status + " " : ""}${problem.title || "Error"}` : "Error";
  return h("div", { class: "state error", role: "alert" },
    h("strong", null, title),
    h("p", { class: "detail" }, error.message),
    Array.isArray(problem.errors) && problem.errors.length
      ? h("ul", null, problem.errors.map((e) =>
          h("li", null, h("code", null, e.parameter || e.field || (e.index !== undefined ? `#${e.index}` : "")),
            " ", e.message || "")))
      : null,
    error.status === 401 ? h("p", null, "The token was refused: forget it and paste another.") : null);
}

export function emptyBox(text, hint) {
  return h("div", { class: "state empty", role: "status" }, h("strong", null, text),
           hint ? h("p", null, hint) : null);
}

export function loadingBox() {
  return h("div", { class: "state loading", role: "status" }, "Loading…");
}

// What this server's search API offers, from its OpenAPI document (public, fetched once):
// pages for routes that other versions add (/dora) check here instead of calling them blind.
let features = null;
export function searchFeatures() {
  if (!features) {
    features = call(SEARCH + "/openapi.json").then((doc) => {
      const paths = (doc && doc.paths) || {};
      const states = ((paths["/deadletters"] || {}).get || {}).parameters || [];
      const state = states.find((p) => p.name === "state");
      return { dora: "/dora" in paths, diff: "/environments/diff" in paths,
               discard: !!(state && state.schema && (state.schema.enum || []).includes("discarded")) };
    }, () => ({ dora: true, diff: true, discard: false }));
  }
  return features;
}

export function unavailableBox(what, path) {
  return h("div", { class: "state unavailable", role: "status" },
    h("strong", null, `${what} is not available on this server.`),
    h("p", null, "Its search API has no ", h("code", null, path),
      " route (see its /openapi.json): this installation runs an older version of PTS. Everything else works."));
}
