// Where the page is (the URL's hash), moving elsewhere, and the detail dialog.
import { $ } from "./dom.js";

export function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query] = raw.split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] || "environments", arg: parts[1] || null,
           query: Object.fromEntries(new URLSearchParams(query || "")) };
}

export function go(page, arg, query) {
  const q = new URLSearchParams(Object.entries(query || {}).filter(([, v]) => v !== "" && v != null));
  const hash = "#/" + page + (arg ? "/" + encodeURIComponent(arg) : "") + (q.toString() ? "?" + q : "");
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

// Change the query in the URL without re-rendering (filters already applied by the page).
export function remember(page, query) {
  const q = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "" && v != null));
  history.replaceState(null, "", "#/" + page + (q.toString() ? "?" + q : ""));
}

// --- the detail dialog ----------------------------------------------------------------------

export function openDetail(title, ...content) {
  $("detail-title").textContent = title;
  $("detail-body").replaceChildren(...content.filter(Boolean));
  const dialog = $("detail");
  if (!dialog.open) dialog.showModal();
  $("detail-close").focus();
}

export function closeDetail() {
  if ($("detail").open) $("detail").close();
}

$("detail-close").addEventListener("click", closeDetail);
$("detail").addEventListener("click", (ev) => { if (ev.target === $("detail")) closeDetail(); });

