// The PTS admin page: a single page reading the search API. Routes live in the URL's hash
// (#/deployments?service=api), so every view can be bookmarked and the back button works.
// The token is asked once and kept in sessionStorage (see api.js), sent as Authorization.
import { admin, ApiError, problemBox, token } from "./api.js";
import { $, h } from "./dom.js";
import { closeDetail, parseHash } from "./nav.js";
import * as pages from "./pages.js";

const state = { me: null, page: null };

async function route() {
  const view = $("view");
  if (state.page && state.page.leave) state.page.leave();
  state.page = null;
  closeDetail();
  if (!state.me) { login(view); return; }
  const { page, arg, query } = parseHash();
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.page === page) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const render = pages.PAGES[page];
  view.replaceChildren();
  if (!render) {
    view.append(problemBox(new Error(`There is no page called “${page}”.`)));
    return;
  }
  document.title = `${pages.TITLES[page] || page} · PTS`;
  state.page = render(view, { arg, query, me: state.me }) || null;
}

function login(view, error) {
  document.title = "Sign in · PTS";
  const input = h("input", { id: "token", type: "password", autocomplete: "off", spellcheck: "false",
                             placeholder: "pts_…", required: true, "aria-describedby": "token-help" });
  const form = h("form", { class: "login card", onsubmit: async (ev) => {
    ev.preventDefault();
    const value = input.value.trim();
    input.value = "";
    if (value) await useToken(value);
  } },
    h("h1", null, "Platform Telemetry Service"),
    h("label", { for: "token" }, "Access token"),
    input,
    h("p", { id: "token-help", class: "muted" },
      "A token with the read scope (admin to manage tokens and redrive dead letters). ",
      "It stays in this browser tab only, until you close it."),
    h("button", { type: "submit", class: "primary" }, "Open"),
    error ? problemBox(error) : null);
  view.replaceChildren(form);
  input.focus();
}

async function useToken(value) {
  try {
    const me = await admin("/whoami", { tokenValue: value });
    token.set(value);
    signedIn(me);
    route();
  } catch (e) {
    login($("view"), e);
  }
}

function signedIn(me) {
  state.me = me;
  $("who").textContent = me ? me.name : "";
  $("who").title = me ? "scopes: " + me.scopes.join(", ") : "";
  $("logout").hidden = !me;
  $("nav-admin").hidden = !(me && me.scopes.includes("admin"));
  document.body.classList.toggle("signed-in", !!me);
}

$("logout").addEventListener("click", () => {
  token.clear();
  signedIn(null);
  route();
});

window.addEventListener("hashchange", route);
// The skip link moves focus only: its #view must not become a route.
document.querySelector(".skip").addEventListener("click", (ev) => {
  ev.preventDefault();
  $("view").focus();
});

async function start() {
  const t = token.get();
  if (t) {
    try {
      signedIn(await admin("/whoami"));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) token.clear();
      route();
      if (!state.me) login($("view"), e);
      return;
    }
  }
  route();
}

start();
