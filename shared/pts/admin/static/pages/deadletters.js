// Dead letters: what the broker gave up delivering, why (the error body, decoded), and, for
// admins, redrive (deliver again) and discard (when this server supports it).
import { admin, emptyBox, loadingBox, problemBox, search, searchFeatures } from "../api.js";
import { badge, h, json, keyValues, pageHead, time, toast } from "../dom.js";
import { filterForm } from "../filters.js";
import { openDetail, remember } from "../nav.js";

export function deadLettersPage(view, { query, me }) {
  const isAdmin = me.scopes.includes("admin");
  const results = h("div", { class: "results" }, loadingBox());
  let canDiscard = false, current = {}, cursor = null, generation = 0;
  const tbody = h("tbody");
  const more = h("button", { type: "button", class: "more ghost", onclick: () => page(false) }, "Load more");
  const slot = h("div");
  view.append(pageHead("Dead letters", "Events a handler refused (4xx) or that ran out of retries."), slot, results);

  function buildForm() {
    const states = [["open", "Open"], ["redriven", "Redriven"], ["all", "All"]];
    if (canDiscard) states.splice(2, 0, ["discarded", "Discarded"]);
    const form = filterForm([
      { name: "state", kind: "select", label: "State", options: states },
      { name: "type", label: "Event type" }, { name: "subscriber", label: "Subscriber (URL)", wide: true },
    ], { state: "open", ...query }, (q) => { current = q; remember("deadletters", q); generation += 1; page(true); });
    slot.replaceChildren(form);
    current = form.urlQuery();
  }

  async function page(first) {
    const mine = generation;
    if (first) { tbody.replaceChildren(); results.replaceChildren(loadingBox()); }
    try {
      const doc = await search("/deadletters", { ...current, limit: 50, cursor: first ? null : cursor });
      if (mine !== generation) return;
      if (first && !doc.items.length) {
        results.replaceChildren(emptyBox(current.state === "open" || !current.state ? "No open dead letter: every delivery got through."
                                                                                    : "No dead letter matches."));
        return;
      }
      if (first) results.replaceChildren(h("div", { class: "table-wrap" }, h("table", { class: "list letters" },
        h("thead", null, h("tr", null, ["Received", "Event", "Subscriber", "Reason", "State", ""].map((c, i) =>
          h("th", { scope: "col", class: i === 2 ? "opt" : null }, c)))), tbody)), more);
      tbody.append(...doc.items.map(row));
      cursor = doc.next_cursor;
      more.hidden = !cursor;
    } catch (e) {
      if (mine === generation) results.replaceChildren(problemBox(e, "The dead letters"));
    }
  }

  function row(letter) {
    const tr = h("tr", { dataset: { letterId: letter.id } });
    const fill = (l, note) => tr.replaceChildren(
      h("td", null, time(l.received_at, { compact: true })),
      h("td", null, h("div", null, h("code", null, l.event_type.replace(/^dev\.pts\./, ""))),
        h("div", { class: "sub muted" }, l.event_source, " · ", l.event_id)),
      h("td", { class: "opt" }, h("code", { class: "wrap" }, l.error_dest || "—")),
      h("td", null, l.error_code ? h("span", { class: "pill bad" }, `HTTP ${l.error_code}`) : null, " ",
        h("span", { class: "reason" }, reason(l) ?? "no reason given")),
      h("td", null, state(l), note ? h("div", { class: "sub" }, note) : null),
      h("td", { class: "actions" },
        h("button", { type: "button", class: "ghost small", onclick: () => details(l) }, "Details"),
        isAdmin && isOpen(l) ? h("button", { type: "button", class: "small", onclick: () => act(l, "redrive") }, "Redrive") : null,
        isAdmin && canDiscard && isOpen(l) ? h("button", { type: "button", class: "small danger", onclick: () => act(l, "discard") }, "Discard") : null));
    async function act(l, verb) {
      if (verb === "discard" && !confirm(`Discard dead letter ${l.id}? It will not be delivered.`)) return;
      try {
        const updated = await admin(`/deadletters/${l.id}/${verb}`, { method: "POST" });
        fill({ ...l, ...updated });
        toast(verb === "redrive" ? `Dead letter ${l.id} redriven` : `Dead letter ${l.id} discarded`);
      } catch (e) {
        if (verb === "discard" && (e.status === 404 || e.status === 405) && /route|use /.test(e.message)) canDiscard = false;
        fill(l, h("span", { class: "error-text" }, `${verb} failed: ${e.message}`));
      }
    }
    fill(letter);
    return tr;
  }

  // Discard exists when the search API knows the `discarded` state (its OpenAPI document);
  // a discard answered 404 or 405 anyway hides the button again.
  searchFeatures().then((f) => { canDiscard = f.discard; buildForm(); page(true); });
}

const isOpen = (l) => !l.redriven_at && l.state !== "discarded" && !l.discarded_at;

function state(l) {
  if (l.state === "discarded" || l.discarded_at) return badge("discarded");
  if (l.redrive_error) return h("span", null, badge("failed"), h("div", { class: "sub" }, l.redrive_error));
  if (l.redriven_at) return h("span", null, badge("redriven"), h("div", { class: "sub muted" }, time(l.redriven_at, { compact: true })));
  return h("span", null, badge("open"), l.redrive_count ? h("div", { class: "sub muted" }, `redriven ${l.redrive_count}×`) : null);
}

// The subscriber's answer: `reason` when the server decodes it, else error_data (base64).
export function reason(l) {
  if ("reason" in l) return l.reason;
  if (!l.error_data) return null;
  try {
    const bytes = Uint8Array.from(atob(l.error_data), (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).trim() || null;
  } catch (e) {
    return l.error_data;
  }
}

function details(l) {
  openDetail(`Dead letter ${l.id}`, keyValues([
    ["Event", h("code", null, l.event_type)], ["Source", l.event_source], ["Id", h("code", null, l.event_id)],
    ["Received", time(l.received_at)], ["Subscriber", h("code", { class: "wrap" }, l.error_dest)],
    ["Answer", l.error_code ? `HTTP ${l.error_code}` : "no answer"], ["Reason", reason(l)],
    ["Raw error data", l.error_data ? h("code", { class: "wrap" }, l.error_data) : null],
    ["Redrives", String(l.redrive_count || 0)], ["Last redrive", l.redriven_at ? time(l.redriven_at) : null],
    l.redrive_error ? ["Redrive error", l.redrive_error] : null]),
  h("h3", null, "The event as delivered"), json(l.event));
}
