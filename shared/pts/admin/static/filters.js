// A filter form declared as fields; its values go to the API and into the URL. Periods are
// relative ("last 24 h": since = now - 24 h, computed at each query) or a custom range.
import { h } from "./dom.js";

export const PERIODS = [["", "Any time"], ["1h", "Last 1 h"], ["24h", "Last 24 h"],
                        ["7d", "Last 7 d"], ["30d", "Last 30 d"], ["custom", "Custom range…"]];
const MS = { h: 3600e3, d: 86400e3 };

export function periodSince(period) {
  const m = /^(\d+)([hd])$/.exec(period || "");
  return m ? new Date(Date.now() - Number(m[1]) * MS[m[2]]).toISOString() : "";
}

// "2026-11-28T09:30" (local, from <input type=datetime-local>) <-> RFC 3339 UTC.
function toIso(localValue) {
  if (!localValue) return "";
  const d = new Date(localValue);
  return Number.isNaN(d.getTime()) ? localValue : d.toISOString();
}

function toLocalInput(iso) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// fields: [{name, label, kind: "text"|"select"|"period", options: [[value, label]], list}]
// initial: the URL's query. onApply(urlQuery) runs on submit and on select changes.
export function filterForm(fields, initial, onApply, extra = []) {
  const inputs = {};
  const controls = [];
  for (const f of fields) {
    const id = "f-" + f.name;
    if (f.kind === "period") {
      const select = h("select", { id, name: "period" },
        PERIODS.map(([v, l]) => h("option", { value: v }, l)));
      select.value = initial.period || (initial.since || initial.until ? "custom" : f.default || "");
      const since = h("input", { type: "datetime-local", name: "since", "aria-label": "From",
                                 value: toLocalInput(initial.since) });
      const until = h("input", { type: "datetime-local", name: "until", "aria-label": "Until",
                                 value: toLocalInput(initial.until) });
      const custom = h("span", { class: "custom-range" }, since, h("span", { class: "muted" }, "→"), until);
      custom.hidden = select.value !== "custom";
      select.addEventListener("change", () => {
        custom.hidden = select.value !== "custom";
        if (select.value !== "custom") form.requestSubmit();
      });
      inputs.period = select; inputs.since = since; inputs.until = until;
      controls.push(h("label", { class: "field", for: id }, h("span", null, f.label || "When"), select), custom);
      continue;
    }
    let input;
    if (f.kind === "select") {
      input = h("select", { id, name: f.name }, f.options.map(([v, l]) => h("option", { value: v }, l)));
      input.addEventListener("change", () => form.requestSubmit());
    } else {
      input = h("input", { id, name: f.name, type: "search", placeholder: f.placeholder || "",
                           pattern: f.pattern || null, title: f.title || null,
                           list: f.list ? id + "-list" : null, autocomplete: "off", spellcheck: "false" });
    }
    input.value = initial[f.name] || "";
    inputs[f.name] = input;
    controls.push(h("label", { class: "field" + (f.wide ? " wide" : ""), for: id },
      h("span", null, f.label), input,
      f.list ? h("datalist", { id: id + "-list" }, f.list.map((v) => h("option", { value: v }))) : null));
  }
  const reset = h("button", { type: "button", class: "ghost", onclick: () => {
    for (const [name, el] of Object.entries(inputs)) el.value = name === "period" ? "" : "";
    if (inputs.since) inputs.since.parentElement.hidden = true;
    form.requestSubmit();
  } }, "Clear");
  const form = h("form", { class: "filters", role: "search", autocomplete: "off", onsubmit: (ev) => {
    ev.preventDefault();
    onApply(urlQuery());
  } }, controls, h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Apply"), reset, extra));

  // What goes in the URL: the period's name, or the custom range as RFC 3339.
  function urlQuery() {
    const out = {};
    for (const [name, el] of Object.entries(inputs)) {
      if (name === "since" || name === "until") continue;
      if (el.value) out[name] = el.value;
    }
    if (out.period === "custom") {
      delete out.period;
      if (inputs.since.value) out.since = toIso(inputs.since.value);
      if (inputs.until.value) out.until = toIso(inputs.until.value);
    }
    return out;
  }
  form.urlQuery = urlQuery;
  return form;
}

// The API's query from the URL's: a relative period becomes since=now-period, and a data
// field "path=value" becomes data.path=value.
export function apiQuery(urlQuery) {
  const out = { ...urlQuery };
  const pair = /^([^=]+)=(.*)$/.exec(out.data || "");
  delete out.data;
  if (pair) out["data." + pair[1].trim()] = pair[2].trim();
  if (out.period) {
    out.since = periodSince(out.period);
    delete out.period;
  }
  return out;
}
