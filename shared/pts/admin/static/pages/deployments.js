// Deployments: a chart of deployments per day per environment, the filtered list, and one
// deployment's page with its timeline.
import { all, emptyBox, loadingBox, problemBox, search } from "../api.js";
import { badge, duration, h, hash, link, pageHead, sortEnvironments, time } from "../dom.js";
import { deploymentsChart } from "../charts.js";
import { apiQuery, filterForm } from "../filters.js";
import { go, remember } from "../nav.js";
import { deploymentDetail } from "./deployment.js";

const STATUSES = [["", "Any status"], ["started", "Started (running)"], ["succeeded", "Succeeded"],
                  ["failed", "Failed"], ["rolled_back", "Rolled back"], ["cancelled", "Cancelled"]];
const FIELDS = [
  { name: "period", kind: "period", label: "Begun" },
  { name: "service", label: "Service" },
  { name: "environment", label: "Environment" },
  { name: "status", kind: "select", label: "Status", options: STATUSES },
  { name: "rollback", kind: "select", label: "Rollbacks", options: [["", "Any"], ["true", "Only rollbacks"], ["false", "No rollbacks"]] },
  { name: "current", kind: "select", label: "Runs now", options: [["", "Any"], ["true", "Runs now"], ["false", "Replaced"]] },
  { name: "actor", label: "Actor" },
  { name: "commit", label: "Commit", placeholder: "prefix" },
  { name: "version", label: "Version" },
  { name: "image_digest", label: "Image digest", placeholder: "sha256:…" },
];

export function deploymentsPage(view, { arg, query }) {
  if (arg) return deploymentDetail(view, arg);
  const chart = h("div", { class: "chart-slot" });
  const results = h("div", { class: "results" });
  const form = filterForm(FIELDS, query, (q) => apply(q));
  view.append(pageHead("Deployments", "Most recently begun first. Click a row for its timeline."), form, chart, results);
  let cursor = null, generation = 0, current = {};
  const tbody = h("tbody");
  const more = h("button", { type: "button", class: "more ghost", onclick: () => page(false) }, "Load more");

  function apply(q) {
    current = q;
    remember("deployments", q);
    generation += 1;
    tbody.replaceChildren();
    results.replaceChildren(loadingBox());
    page(true);
    drawChart(q);
  }

  async function page(first) {
    const mine = generation;
    try {
      const doc = await search("/deployments", { ...apiQuery(current), limit: 50, cursor: first ? null : cursor });
      if (mine !== generation) return;
      if (first) {
        if (!doc.items.length) {
          results.replaceChildren(emptyBox("No deployment matches these filters.", "Widen the period or clear a filter."));
          return;
        }
        results.replaceChildren(h("div", { class: "table-wrap" }, table(tbody)), more);
      }
      tbody.append(...doc.items.map(row));
      cursor = doc.next_cursor;
      more.hidden = !cursor;
    } catch (e) {
      if (mine === generation) { results.replaceChildren(problemBox(e, "The deployments list")); chart.replaceChildren(); }
    }
  }

  async function drawChart(q) {
    const mine = generation;
    const days = q.period === "7d" ? 7 : 28;
    const aq = apiQuery({ ...q, period: q.period === "7d" ? "7d" : "30d" });
    delete aq.until;
    chart.replaceChildren();
    try {
      const deployments = await all("/deployments", aq);
      if (mine !== generation || !deployments.length) return;
      chart.replaceChildren(deploymentsChart(deployments, sortEnvironments(deployments.map((d) => d.environment)), days));
    } catch (e) { /* the list shows the problem */ }
  }

  apply(form.urlQuery());
}

function table(tbody) {
  return h("table", { class: "list deployments" },
    h("thead", null, h("tr", null, ["Status", "Deployment", "Begun", "Duration", "Actor", "Commit", "Image"].map(
      (c, i) => h("th", { scope: "col", class: i >= 4 ? "opt" : null }, c)))), tbody);
}

export function row(d) {
  const marks = [];
  if (d.is_rollback) marks.push(h("span", { class: "mark rollback", title: d.rollback_inferred ? "a rollback (inferred: an older version again)" : "a rollback" }, "↩ rollback"));
  if (d.is_current) marks.push(h("span", { class: "mark current", title: "runs now in its environment" }, "● current"));
  const tr = h("tr", { dataset: { deploymentId: d.deployment_id }, class: "clickable" },
    h("td", null, badge(d.status)),
    h("td", null, h("div", null, link(`#/deployments/${encodeURIComponent(d.deployment_id)}`,
        h("strong", null, d.service), " → ", d.environment, " ", h("span", { class: "version-tag" }, d.version || "?"))),
      h("div", { class: "sub muted" }, d.deployment_id, " ", marks),
      d.reason && d.status !== "succeeded" ? h("div", { class: "sub reason" }, d.reason) : null),
    h("td", null, time(d.started_at || d.first_event_at, { compact: true })),
    h("td", { class: "num" }, duration(d.duration_seconds) || (d.status === "started" ? "running" : "—")),
    h("td", { class: "opt" }, d.actor || "—"),
    h("td", { class: "opt" }, hash(d.commit, "commit")),
    h("td", { class: "opt" }, d.image_tag ? h("span", { class: "version-tag" }, d.image_tag) : null, " ", hash(d.image_digest, "digest")));
  tr.addEventListener("click", (ev) => {
    if (ev.target.closest("a, button")) return;
    go("deployments", d.deployment_id);
  });
  return tr;
}

