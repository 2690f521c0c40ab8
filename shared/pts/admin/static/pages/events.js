// The event log: filters, newest first, one compact line per event, infinite scroll by
// cursor, a live tail that polls for new events, and a detail view of every attribute.
import { emptyBox, loadingBox, problemBox, search } from "../api.js";
import { badge, h, json, keyValues, link, pageHead, shortHash, time } from "../dom.js";
import { apiQuery, filterForm } from "../filters.js";
import { openDetail, remember } from "../nav.js";

const TYPES = ["dev.pts.deployment.*", "dev.pts.service.*", "dev.pts.image.*", "dev.pts.platform.*",
  "dev.pts.deployment.started", "dev.pts.deployment.succeeded", "dev.pts.deployment.failed",
  "dev.pts.deployment.rolled_back", "dev.pts.deployment.cancelled", "dev.pts.service.registered",
  "dev.pts.service.started", "dev.pts.service.stopped", "dev.pts.service.health_changed",
  "dev.pts.service.decommissioned", "dev.pts.image.published"];
const FIELDS = [
  { name: "period", kind: "period", label: "When" },
  { name: "type", label: "Type", placeholder: "dev.pts.deployment.*", list: TYPES, wide: true },
  { name: "service", label: "Service" },
  { name: "environment", label: "Environment" },
  { name: "source", label: "Source" },
  { name: "subject", label: "Subject" },
  { name: "q", label: "Words in data", placeholder: "OOMKilled" },
  { name: "data", label: "Data field", placeholder: "pipeline.run_id=812", pattern: "[^=]+=.*",
    title: "path=value, e.g. status=degraded or pipeline.run_id=812" },
];
const POLL_MS = 5000;

export function eventsPage(view, { arg, query }) {
  let cursor = null, topSeq = 0, loading = false, timer = null, generation = 0, current = {};
  const list = h("ol", { class: "log", "aria-label": "Events, newest first" });
  const status = h("p", { class: "list-status muted", role: "status" });
  const results = h("div", { class: "results" });
  const more = h("button", { type: "button", class: "more ghost", hidden: true, onclick: () => page() }, "Load older events");
  const live = h("input", { type: "checkbox", id: "live" });
  live.checked = query.live === "1";
  live.addEventListener("change", () => { remember("events", { ...current, live: live.checked ? "1" : "" }); tail(); });
  const form = filterForm(FIELDS, query, (q) => apply(q));
  view.append(pageHead("Event log", "Every event PTS stored, newest first.",
    h("label", { class: "switch", for: "live" }, live, h("span", null, "Live tail"))), form, results);

  // Scrolling near the end loads the next page; the button does the same from the keyboard.
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && cursor && !loading) page();
  }, { rootMargin: "400px" });
  observer.observe(more);

  function apply(q) {
    current = q;
    remember("events", { ...q, live: live.checked ? "1" : "" });
    generation += 1;
    cursor = null; topSeq = 0;
    list.replaceChildren();
    results.replaceChildren(loadingBox());
    page(true);
  }

  async function page(first = false) {
    const mine = generation;
    loading = true;
    try {
      const doc = await search("/events", { ...apiQuery(current), limit: 50, cursor: first ? null : cursor });
      if (mine !== generation) return;
      if (first) {
        results.replaceChildren(status, list, more);
        topSeq = doc.items.length ? doc.items[0].seq : 0;
      }
      for (const ev of doc.items) list.append(line(ev));
      cursor = doc.next_cursor;
      more.hidden = !cursor;
      status.textContent = list.children.length
        ? `${list.children.length} events${cursor ? " (scroll for more)" : ", all shown"}` : "";
      if (!list.children.length) results.replaceChildren(emptyBox("No event matches these filters.", "Widen the period or clear a filter."));
    } catch (e) {
      if (mine !== generation) return;
      cursor = null;
      results.replaceChildren(problemBox(e, "The event log"));  // stale results go
    } finally {
      loading = false;
    }
  }

  // Live tail: the first page again, and whatever is newer than the top line goes on top.
  function tail() {
    clearTimeout(timer);
    if (!live.checked) return;
    timer = setTimeout(async () => {
      const mine = generation;
      try {
        const doc = await search("/events", { ...apiQuery(current), limit: 100 });
        if (mine === generation) {
          const fresh = doc.items.filter((e) => e.seq > topSeq);
          if (fresh.length) {
            if (!list.isConnected) results.replaceChildren(status, list, more);
            topSeq = fresh[0].seq;
            list.prepend(...fresh.map((e) => { const li = line(e); li.classList.add("fresh"); return li; }));
            status.textContent = `${list.children.length} events · ${fresh.length} new`;
          }
        }
      } catch (e) {
        status.textContent = "Live tail paused: " + e.message;
      }
      tail();
    }, POLL_MS);
  }

  apply(form.urlQuery());
  tail();
  if (arg) showEvent(arg);
  return { leave() { clearTimeout(timer); observer.disconnect(); generation += 1; } };
}

function family(type) {
  const m = /^dev\.pts\.([a-z]+)\./.exec(type || "");
  return m ? m[1] : "other";
}

// Bad news stands out: failures in red, rollbacks and worse health in amber.
function outcome(ev) {
  if (/\.failed$/.test(ev.type) || (ev.data && ev.data.status === "unhealthy")) return " bad";
  if (/\.(rolled_back|cancelled|stopped)$/.test(ev.type) || (ev.data && ev.data.status === "degraded")) return " warn";
  return "";
}

function shortType(type) {
  return (type || "").replace(/^dev\.pts\./, "");
}

function line(ev) {
  return h("li", { dataset: { seq: ev.seq } }, h("button", { type: "button", class: "line", onclick: () => detail(ev),
                                               "aria-label": `${shortType(ev.type)} ${ev.subject || ""}, details` },
    h("span", { class: "c-time" }, time(ev.occurred_at, { compact: true })),
    h("span", { class: `c-type type-${family(ev.type)}${outcome(ev)}` }, shortType(ev.type)),
    h("span", { class: "c-subject", title: ev.subject || "" },
      /^[a-z0-9]+:[0-9a-f]{32,}$/i.test(ev.subject || "") ? shortHash(ev.subject) : (ev.subject || "")),
    h("span", { class: "c-svc" }, ev.service || ""),
    h("span", { class: "c-env" }, ev.environment || ""),
    h("span", { class: "c-source muted" }, ev.source)));
}

async function showEvent(seq) {
  try {
    detail(await search("/events/" + encodeURIComponent(seq)));
  } catch (e) {
    openDetail("Event " + seq, problemBox(e));
  }
}

export function detail(ev) {
  const links = [];
  if (ev.type && ev.type.startsWith("dev.pts.deployment.") && ev.subject) {
    links.push(link(`#/deployments/${encodeURIComponent(ev.subject)}`, "Open the deployment"));
  }
  if (ev.service) links.push(link(`#/services/${encodeURIComponent(ev.service)}`, `Open service ${ev.service}`));
  const extensions = Object.entries(ev.extensions || {});
  openDetail(shortType(ev.type) + (ev.subject ? " · " + ev.subject : ""),
    keyValues([["Type", badge(shortType(ev.type), "type")], ["Time", time(ev.time || ev.occurred_at)],
      ["Received", time(ev.received_at)], ["Source", ev.source], ["Id", h("code", null, ev.id)],
      ["Subject", ev.subject], ["Sequence", String(ev.seq)], ["Service", ev.service],
      ["Environment", ev.environment], ["Content type", ev.datacontenttype],
      ev.dataschema ? ["Data schema", ev.dataschema] : null,
      ...extensions.map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
      ["Content hash", h("code", { class: "wrap" }, ev.content_hash)]]),
    links.length ? h("p", { class: "links" }, links) : null,
    h("h3", null, "Data"),
    ev.data_base64 ? h("pre", { class: "json" }, ev.data_base64) : json(ev.data));
}
