// Environments: the service x environment matrix of what runs where, coloured by health and
// by the last deployment, each cell linking to its deployment and the service.
import { all, emptyBox, loadingBox, problemBox, search, searchFeatures } from "../api.js";
import { badge, h, hash, link, pageHead, relative, sortEnvironments, time } from "../dom.js";
import { remember } from "../nav.js";

export function environmentsPage(view, { query }) {
  const body = h("div", { class: "results" });
  const at = h("input", { type: "datetime-local", id: "at", name: "at" });
  if (query.at) at.value = query.at.slice(0, 16);
  const form = h("form", { class: "filters compact", onsubmit: (ev) => { ev.preventDefault(); load(); } },
    h("label", { class: "field", for: "at" }, h("span", null, "As of (local time)"), at),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Show"),
      h("button", { type: "button", class: "ghost", onclick: () => { at.value = ""; load(); } }, "Now")));
  view.append(pageHead("Environments", "What runs where: the current version of each service in each environment."),
              form, body);

  async function load() {
    const atIso = at.value ? new Date(at.value).toISOString() : "";
    remember("environments", { at: at.value });
    body.replaceChildren(loadingBox());
    try {
      const cells = await all("/environments", { at: atIso });
      body.replaceChildren(...render(cells, atIso));
      const envs = sortEnvironments(cells.map((c) => c.environment));
      if (envs.length > 1 && (await searchFeatures()).diff) body.append(compare(envs, query));
    } catch (e) {
      body.replaceChildren(problemBox(e, "The matrix"));
    }
  }
  load();
}

function render(cells, atIso) {
  if (!cells.length) {
    return [emptyBox(atIso ? "Nothing ran anywhere at that time." : "No service has been deployed yet.",
                     "Post deployment or service events to ingest, or run `uv run pts demo` to see a demo platform.")];
  }
  const envs = sortEnvironments(cells.map((c) => c.environment));
  const services = [...new Set(cells.map((c) => c.service))].sort();
  const byKey = new Map(cells.map((c) => [c.service + "\u0000" + c.environment, c]));
  const bad = cells.filter((c) => c.health === "unhealthy" || c.health === "degraded").length;
  const failing = cells.filter((c) => c.last_deployment_status === "failed").length;
  const moving = cells.filter((c) => c.last_deployment_status === "started").length;
  const summary = h("p", { class: "summary" },
    h("span", null, `${services.length} services · ${envs.length} environments`),
    bad ? h("span", { class: "pill warn" }, `${bad} not healthy`) : h("span", { class: "pill ok" }, "all healthy"),
    failing ? h("span", { class: "pill bad" }, `${failing} last deployment failed`) : null,
    moving ? h("span", { class: "pill info" }, `${moving} deploying`) : null);
  const table = h("table", { class: "matrix", "aria-label": "Service by environment" },
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Service"),
      envs.map((e) => h("th", { scope: "col" }, link(`#/deployments?environment=${encodeURIComponent(e)}`, e))))),
    h("tbody", null, services.map((s) => h("tr", null,
      h("th", { scope: "row" }, link(`#/services/${encodeURIComponent(s)}`, s)),
      envs.map((e) => cell(byKey.get(s + "\u0000" + e), s, e))))));
  const legend = h("p", { class: "legend muted" },
    h("span", { class: "dot health-healthy" }), "healthy ", h("span", { class: "dot health-degraded" }), "degraded ",
    h("span", { class: "dot health-unhealthy" }), "unhealthy ", h("span", { class: "dot health-unknown" }), "unknown or not reported");
  return [summary, h("div", { class: "matrix-wrap" }, table), legend];
}

function cell(c, service, environment) {
  if (!c) {
    return h("td", { class: "cell empty", dataset: { service, environment, version: "" } },
             h("span", { class: "muted" }, "not deployed"));
  }
  const health = c.state === "stopped" ? "stopped" : (c.health || "unknown");
  const classes = ["cell", "health-" + health];
  if (c.last_deployment_status === "failed") classes.push("last-failed");
  if (c.last_deployment_status === "started") classes.push("deploying");
  const version = c.version
    ? (c.deployment_id ? link(`#/deployments/${encodeURIComponent(c.deployment_id)}`, c.version) : c.version)
    : h("span", { class: "muted" }, "unknown version");
  const lastDiffers = c.last_deployment_id && c.last_deployment_id !== c.deployment_id;
  return h("td", { class: classes.join(" "), dataset: { service, environment, version: c.version || "" } },
    h("span", { class: "env-label", "aria-hidden": "true" }, environment),
    h("div", { class: "version" }, version),
    h("div", { class: "meta" },
      h("span", { class: "dot health-" + health, title: `health: ${c.health || "not reported"}` }),
      h("span", null, c.state === "stopped" ? "stopped" : (c.health || "no health")),
      c.since ? h("span", { class: "muted" }, "\u00a0· ", time(c.since, { compact: true, since: true })) : null),
    c.image_digest ? h("div", { class: "digest" }, hash(c.image_digest, "digest")) : null,
    lastDiffers ? h("div", { class: "last" },
      link(`#/deployments/${encodeURIComponent(c.last_deployment_id)}`, badge(c.last_deployment_status)),
      c.last_deployment_at ? h("span", { class: "muted", title: c.last_deployment_at }, " " + relative(c.last_deployment_at)) : null)
      : null);
}

// Compare two environments (GET /environments/diff, when the server has it): what differs.
function compare(envs, query) {
  const from = h("select", { id: "diff-from", "aria-label": "From environment" }, envs.map((e) => h("option", { value: e }, e)));
  const to = h("select", { id: "diff-to", "aria-label": "To environment" }, envs.map((e) => h("option", { value: e }, e)));
  from.value = query.from && envs.includes(query.from) ? query.from : envs[envs.length - 2];
  to.value = query.to && envs.includes(query.to) ? query.to : envs[envs.length - 1];
  const showAll = h("input", { type: "checkbox", id: "diff-all" });
  const out = h("div");
  const side = (s) => (s ? h("span", null, h("span", { class: "version-tag" }, s.version || "?"), " ",
                             hash(s.image_digest, "digest")) : h("span", { class: "muted" }, "not deployed"));
  async function run() {
    out.replaceChildren(loadingBox());
    try {
      const doc = await search("/environments/diff", { from: from.value, to: to.value, all: showAll.checked ? "true" : "" });
      if (!doc.items.length) { out.replaceChildren(emptyBox(`${from.value} and ${to.value} run the same versions.`)); return; }
      out.replaceChildren(h("div", { class: "table-wrap" }, h("table", { class: "list diff" },
        h("thead", null, h("tr", null, h("th", { scope: "col" }, "Service"), h("th", { scope: "col" }, from.value),
          h("th", { scope: "col" }, to.value))),
        h("tbody", null, doc.items.map((d) => h("tr", { class: d.same ? "same" : "differs", dataset: { service: d.service } },
          h("th", { scope: "row" }, link(`#/services/${encodeURIComponent(d.service)}`, d.service), d.same ? h("span", { class: "muted" }, " same") : null),
          h("td", null, side(d.from)), h("td", null, side(d.to))))))));
    } catch (e) {
      out.replaceChildren(problemBox(e, "Comparing environments"));
    }
  }
  const form = h("form", { class: "filters compact", onsubmit: (ev) => { ev.preventDefault(); run(); } },
    h("label", { class: "field", for: "diff-from" }, h("span", null, "Compare"), from),
    h("label", { class: "field", for: "diff-to" }, h("span", null, "with"), to),
    h("label", { class: "switch", for: "diff-all" }, showAll, h("span", null, "include the same")),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Compare")));
  return h("section", { class: "card compare" }, h("h2", null, "Compare environments"), form, out);
}
