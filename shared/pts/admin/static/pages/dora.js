// DORA: the four keys for an environment (and optionally a service) over the last 28 days,
// and their trend over four consecutive weeks. Needs GET /dora on the search API.
import { all, emptyBox, loadingBox, problemBox, search, searchFeatures, unavailableBox } from "../api.js";
import { duration, h, pageHead, sortEnvironments } from "../dom.js";
import { miniBars } from "../charts.js";
import { remember } from "../nav.js";

const WEEK = 7 * 86400e3;

export function doraPage(view, { query }) {
  const results = h("div", { class: "results" }, loadingBox());
  const env = h("select", { id: "dora-env", name: "environment" });
  const service = h("input", { id: "dora-service", name: "service", type: "search", value: query.service || "" });
  const form = h("form", { class: "filters compact", onsubmit: (ev) => { ev.preventDefault(); load(); } },
    h("label", { class: "field", for: "dora-env" }, h("span", null, "Environment"), env),
    h("label", { class: "field", for: "dora-service" }, h("span", null, "Service (optional)"), service),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Show")));
  env.addEventListener("change", () => form.requestSubmit());
  view.append(pageHead("DORA", "Deployment frequency, lead time for changes, change failure rate and time to restore."),
              form, results);

  async function load() {
    remember("dora", { environment: env.value, service: service.value });
    results.replaceChildren(loadingBox());
    const now = Date.now();
    const windows = [3, 2, 1, 0].map((i) => ({ since: new Date(now - (i + 1) * WEEK).toISOString(),
                                               until: new Date(now - i * WEEK).toISOString(),
                                               label: i === 0 ? "this wk" : `−${i} wk` }));
    const q = { environment: env.value, service: service.value };
    try {
      const [total, ...weeks] = await Promise.all([
        search("/dora", { ...q, since: new Date(now - 4 * WEEK).toISOString(), until: new Date(now).toISOString() }),
        ...windows.map((w) => search("/dora", { ...q, since: w.since, until: w.until }))]);
      results.replaceChildren(render(total, weeks, windows));
    } catch (e) {
      results.replaceChildren(problemBox(e, "DORA metrics"));
    }
  }

  searchFeatures().then((f) => {
    if (!f.dora) { form.hidden = true; results.replaceChildren(unavailableBox("DORA", "GET /dora")); return; }
    start();
  });
  const start = () => all("/environments", {}).then((cells) => {
    const names = sortEnvironments(cells.map((c) => c.environment));
    if (!names.length) { results.replaceChildren(emptyBox("No environment yet.", "DORA metrics need deployments.")); return; }
    env.replaceChildren(...names.map((n) => h("option", { value: n }, n)));
    env.value = query.environment && names.includes(query.environment) ? query.environment
      : (names.includes("prod") ? "prod" : names.includes("production") ? "production" : names[names.length - 1]);
    load();
  }, (e) => results.replaceChildren(problemBox(e, "DORA metrics")));
}

const pct = (r) => (r === null || r === undefined ? "—" : `${Math.round(r * 1000) / 10}%`);
const dur = (s) => (s === null || s === undefined ? "—" : duration(s));

function render(total, weeks, windows) {
  const trend = (pick, text) => weeks.map((w, i) => ({ label: windows[i].label, value: pick(w), text: text(w) }));
  const f = total.deployment_frequency || {}, l = total.lead_time_for_changes || {};
  const c = total.change_failure_rate || {}, r = total.time_to_restore || {};
  return h("div", { class: "dora" },
    h("p", { class: "muted" }, `${total.environment}${total.service ? " · " + total.service : ""}: last 28 days; the bars are the last four weeks.`),
    h("div", { class: "grid four" },
      card("Deployment frequency", f.per_day === null || f.per_day === undefined ? "—" : `${round(f.per_day)}/day`,
        `${f.deployments ?? 0} deployments on ${f.deployment_days ?? 0} days`,
        miniBars(trend((w) => w.deployment_frequency.deployments, (w) => `${w.deployment_frequency.deployments} deployments`), "o-succeeded")),
      card("Lead time for changes", dur(l.median_seconds), `median of ${l.count ?? 0}; p90 ${dur(l.p90_seconds)}`,
        miniBars(trend((w) => w.lead_time_for_changes.median_seconds, (w) => dur(w.lead_time_for_changes.median_seconds)), "o-other")),
      card("Change failure rate", pct(c.rate), `${c.failed ?? 0} of ${c.total ?? 0} deployments failed`,
        miniBars(trend((w) => w.change_failure_rate.rate, (w) => pct(w.change_failure_rate.rate)), "o-failed")),
      card("Time to restore", dur(r.median_seconds), `median of ${r.count ?? 0} restorations`,
        miniBars(trend((w) => w.time_to_restore.median_seconds, (w) => dur(w.time_to_restore.median_seconds)), "o-rolled_back"))));
}

function round(n) {
  return n >= 10 ? Math.round(n) : Math.round(n * 10) / 10;
}

function card(title, value, sub, chart) {
  return h("section", { class: "card metric" }, h("h2", null, title), h("div", { class: "value" }, value),
           h("p", { class: "muted" }, sub), chart);
}
