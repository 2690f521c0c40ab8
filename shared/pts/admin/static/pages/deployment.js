// One deployment: what it shipped, how it went (a timeline of its events), and its changes.
import { loadingBox, problemBox, search } from "../api.js";
import { badge, duration, h, hash, keyValues, link, pageHead, time } from "../dom.js";
import { timeline } from "../charts.js";
import { detail as eventDetail } from "./events.js";

const CLASSES = { started: "o-other", succeeded: "o-succeeded", failed: "o-failed",
                  rolled_back: "o-rolled_back", cancelled: "o-other" };

export function deploymentDetail(view, id) {
  const body = h("div", { class: "results" }, loadingBox());
  view.append(h("p", { class: "crumbs" }, link("#/deployments", "← Deployments")), body);
  search("/deployments/" + encodeURIComponent(id)).then((d) => body.replaceChildren(...render(d)),
    (e) => body.replaceChildren(problemBox(e, "This deployment")));
}

function render(d) {
  const started = (d.events || []).find((e) => e.type === "dev.pts.deployment.started");
  const changes = started && Array.isArray(started.data.changes) ? started.data.changes : [];
  const commitTime = started && started.data.commit_time;
  const lead = commitTime && d.succeeded_at ? (Date.parse(d.succeeded_at) - Date.parse(commitTime)) / 1000 : null;
  const t0 = d.events && d.events.length ? Date.parse(d.events[0].occurred_at) : 0;
  const points = (d.events || []).map((e, i) => {
    const kind = e.type.replace("dev.pts.deployment.", "");
    const after = i ? " +" + duration((Date.parse(e.occurred_at) - t0) / 1000) : "";
    return { at: e.occurred_at, label: kind.replace("_", " ") + after, cls: CLASSES[kind] || "o-other" };
  });
  return [
    pageHead(h("span", null, d.service, " → ", d.environment, " ", h("span", { class: "version-tag big" }, d.version || "?")),
             null, badge(d.status)),
    h("div", { class: "grid two" },
      h("section", { class: "card" }, h("h2", null, "Deployment"), keyValues([
        ["Id", h("code", null, d.deployment_id)],
        ["Service", link(`#/services/${encodeURIComponent(d.service)}`, d.service)],
        ["Environment", d.environment], ["Version", d.version],
        ["Begun", time(d.started_at || d.first_event_at)],
        ["Finished", d.finished_at ? time(d.finished_at) : (d.status === "started" ? "still running" : "—")],
        ["Duration", duration(d.duration_seconds)],
        ["Actor", d.actor],
        d.reason ? ["Reason", d.reason] : null,
        d.replaced_version ? ["Replaced", link(`#/deployments/${encodeURIComponent(d.replaced_deployment_id || "")}`, d.replaced_version)] : null,
        d.is_rollback ? ["Rollback", d.rollback_inferred ? "yes (inferred: an older version again)" : "yes"] : null,
        d.rolled_back_at ? ["Rolled back", h("span", null, time(d.rolled_back_at), ` to ${d.rolled_back_to_version || "?"}`)] : null,
        ["Runs now", d.is_current ? "yes" : "no"],
      ])),
      h("section", { class: "card" }, h("h2", null, "What it shipped"), keyValues([
        ["Image", d.image ? h("code", { class: "wrap" }, d.image_repository || d.image) : null],
        ["Tag", d.image_tag], ["Digest", hash(d.image_digest, "digest")],
        ["Commit", hash(d.commit, "commit")],
        commitTime ? ["Commit time", time(commitTime)] : null,
        lead !== null ? ["Commit to running", duration(lead)] : null,
        ["Pipeline", d.pipeline_name ? h("span", null, d.pipeline_name, d.pipeline_run_id ? ` #${d.pipeline_run_id}` : "") : null],
        d.pipeline_url ? ["Pipeline run", h("code", { class: "wrap" }, d.pipeline_url)] : null,
        d.image_digest ? ["Where it ran", link(`#/images?digest=${encodeURIComponent(d.image_digest)}`, "image history")] : null,
      ]))),
    h("section", { class: "card" }, h("h2", null, "Timeline"),
      points.length ? timeline(points) : null,
      h("ol", { class: "steps" }, (d.events || []).map((e) => h("li", null,
        h("button", { type: "button", class: "line step", onclick: () => eventDetail(e) },
          h("span", { class: "c-time" }, time(e.occurred_at)),
          badge(e.type.replace("dev.pts.deployment.", ""), "status"),
          h("span", { class: "muted" }, e.data && e.data.reason ? e.data.reason : e.source)))))),
    changes.length ? h("section", { class: "card" }, h("h2", null, `Changes (${changes.length})`),
      h("ol", { class: "steps" }, changes.map((c) => h("li", null, hash(c.commit, "commit"), " ",
        c.time ? time(c.time) : null)))) : null,
  ];
}
