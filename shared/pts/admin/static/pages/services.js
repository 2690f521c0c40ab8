// Services: the registry with each service's state per environment; one service's page
// with its health history as a timeline, its transitions and its deployments.
import { all, emptyBox, loadingBox, problemBox, search } from "../api.js";
import { badge, h, keyValues, link, pageHead, sortEnvironments, time } from "../dom.js";
import { bands, legend } from "../charts.js";
import { filterForm } from "../filters.js";
import { remember } from "../nav.js";
import { row as deploymentRow } from "./deployments.js";

const HEALTH = [["", "Any health"], ["healthy", "Healthy"], ["degraded", "Degraded"],
                ["unhealthy", "Unhealthy"], ["unknown", "Unknown"]];
const FIELDS = [
  { name: "environment", label: "Environment" },
  { name: "health", kind: "select", label: "Health somewhere", options: HEALTH },
  { name: "owner", label: "Owner" }, { name: "tier", label: "Tier" },
  { name: "decommissioned", kind: "select", label: "Decommissioned", options: [["", "Any"], ["false", "Active"], ["true", "Decommissioned"]] },
];

export function servicesPage(view, { arg, query }) {
  if (arg) return serviceDetail(view, arg);
  const results = h("div", { class: "results" });
  const form = filterForm(FIELDS, query, (q) => load(q));
  view.append(pageHead("Services", "The registry, and each service's state in every environment."), form, results);

  async function load(q) {
    remember("services", q);
    results.replaceChildren(loadingBox());
    try {
      const items = await all("/services", q);
      if (!items.length) { results.replaceChildren(emptyBox("No service matches.", "Services appear when an event names them.")); return; }
      const envs = sortEnvironments(items.flatMap((s) => (s.environments || []).map((c) => c.environment)));
      results.replaceChildren(h("div", { class: "table-wrap" }, h("table", { class: "list services" },
        h("thead", null, h("tr", null, h("th", { scope: "col" }, "Service"), h("th", { scope: "col", class: "opt" }, "Owner · tier"),
          envs.map((e) => h("th", { scope: "col" }, e)), h("th", { scope: "col", class: "opt" }, "Last seen"))),
        h("tbody", null, items.map((s) => {
          const byEnv = new Map((s.environments || []).map((c) => [c.environment, c]));
          return h("tr", { dataset: { service: s.service } },
            h("th", { scope: "row" }, link(`#/services/${encodeURIComponent(s.service)}`, s.service),
              s.description ? h("div", { class: "sub muted" }, s.description) : null,
              s.decommissioned_at ? h("div", { class: "sub" }, badge("decommissioned")) : null),
            h("td", { class: "opt" }, s.owner || "—", s.tier ? h("span", { class: "muted" }, ` · tier ${s.tier}`) : null),
            envs.map((e) => h("td", null, envChip(byEnv.get(e)))),
            h("td", { class: "opt" }, time(s.last_seen_at, { compact: true })));
        })))));
    } catch (e) {
      results.replaceChildren(problemBox(e, "The services list"));
    }
  }
  load(form.urlQuery());
}

function envChip(c) {
  if (!c) return h("span", { class: "muted" }, "—");
  const health = c.state === "stopped" ? "stopped" : (c.health || "unknown");
  return h("span", { class: "chip" }, h("span", { class: "dot health-" + health, title: health }),
           c.version || "?", c.state === "stopped" ? h("span", { class: "muted" }, " stopped") : null);
}

function serviceDetail(view, name) {
  const body = h("div", { class: "results" }, loadingBox());
  view.append(h("p", { class: "crumbs" }, link("#/services", "← Services")), body);
  search("/services/" + encodeURIComponent(name)).then((s) => body.replaceChildren(...render(s)),
    (e) => body.replaceChildren(problemBox(e, "This service")));
}

function render(s) {
  const envs = sortEnvironments((s.environments || []).map((c) => c.environment));
  const cells = new Map((s.environments || []).map((c) => [c.environment, c]));
  return [
    pageHead(s.service, s.description, s.decommissioned_at ? badge("decommissioned") : null),
    h("div", { class: "grid two" },
      h("section", { class: "card" }, h("h2", null, "Registry"), keyValues([
        ["Owner", s.owner], ["Tier", s.tier], ["Repository", s.repository ? h("code", { class: "wrap" }, s.repository) : null],
        ["Registered", s.registered_at ? time(s.registered_at) : (s.registered_implicitly ? "implicitly, by its events" : null)],
        ["First seen", time(s.first_seen_at)], ["Last seen", time(s.last_seen_at)],
        s.decommissioned_at ? ["Decommissioned", time(s.decommissioned_at)] : null,
        ["Events", link(`#/events?service=${encodeURIComponent(s.service)}`, "all events naming it")],
      ])),
      h("section", { class: "card" }, h("h2", null, "Now"),
        h("div", { class: "env-cards" }, envs.map((e) => {
          const c = cells.get(e);
          const health = c.state === "stopped" ? "stopped" : (c.health || "unknown");
          return h("div", { class: "env-card health-" + health },
            h("div", { class: "muted" }, e),
            h("div", { class: "version" }, c.deployment_id ? link(`#/deployments/${encodeURIComponent(c.deployment_id)}`, c.version || "?") : (c.version || "?")),
            h("div", null, h("span", { class: "dot health-" + health }), c.state === "stopped" ? "stopped" : (c.health || "no health")),
            c.since ? h("div", { class: "muted" }, time(c.since, { compact: true, since: true })) : null);
        })))),
    healthHistory(s, envs),
    h("section", { class: "card" }, h("h2", null, "Recent transitions"),
      (s.transitions || []).length ? h("div", { class: "table-wrap" }, h("table", { class: "list" },
        h("thead", null, h("tr", null, ["When", "Environment", "What", "Change", "Reason"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", null, s.transitions.map((t) => h("tr", null,
          h("td", null, time(t.at, { compact: true })), h("td", null, t.environment), h("td", null, t.kind),
          h("td", null, badge(t.from_value || "none", t.kind === "health" ? "health" : "status"), " → ",
            badge(t.to_value, t.kind === "health" ? "health" : "status")),
          h("td", null, t.reason || "", t.event_seq ? h("span", null, " ", link(`#/events/${t.event_seq}`, "event")) : null))))))
        : h("p", { class: "muted" }, "No state or health change reported.")),
    h("section", { class: "card" }, h("h2", null, "Recent deployments"),
      (s.deployments || []).length ? h("div", { class: "table-wrap" }, h("table", { class: "list deployments" },
        h("thead", null, h("tr", null, ["Status", "Deployment", "Begun", "Duration", "Actor", "Commit", "Image"].map(
          (c, i) => h("th", { scope: "col", class: i >= 4 ? "opt" : null }, c)))),
        h("tbody", null, s.deployments.map(deploymentRow))))
        : h("p", { class: "muted" }, "No deployment yet.")),
  ];
}

// Health per environment over the last 30 days (or since first seen), from the transitions.
function healthHistory(s, envs) {
  const to = Date.now();
  const from = Math.max(Date.parse(s.first_seen_at || 0) || 0, to - 30 * 86400e3);
  const segments = [];
  for (const env of envs) {
    const ts = (s.transitions || []).filter((t) => t.kind === "health" && t.environment === env)
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    if (ts.length && ts[0].from_value) segments.push({ row: env, from, to: Date.parse(ts[0].at), value: ts[0].from_value });
    ts.forEach((t, i) => segments.push({ row: env, from: Date.parse(t.at),
      to: i + 1 < ts.length ? Date.parse(ts[i + 1].at) : to, value: t.to_value }));
    const cell = (s.environments || []).find((c) => c.environment === env);
    if (!ts.length && cell && cell.health) segments.push({ row: env, from: Date.parse(cell.health_since || from), to, value: cell.health });
  }
  return h("section", { class: "card" }, h("h2", null, "Health history"),
    envs.length ? bands(envs, segments, from, to, `Health of ${s.service} per environment over time`) : null,
    legend([["band-healthy", "healthy"], ["band-degraded", "degraded"], ["band-unhealthy", "unhealthy"],
            ["band-unknown", "unknown"], ["band-none", "not reported"]]));
}
