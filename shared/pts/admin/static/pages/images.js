// Images: each (repository, digest) with its tag history and where it ran, from when to when.
import { emptyBox, loadingBox, problemBox, search } from "../api.js";
import { h, hash, keyValues, link, pageHead, sortEnvironments, time } from "../dom.js";
import { filterForm } from "../filters.js";
import { openDetail, remember } from "../nav.js";

const FIELDS = [
  { name: "repository", label: "Repository", wide: true }, { name: "tag", label: "Tag" },
  { name: "digest", label: "Digest", placeholder: "sha256:…", wide: true },
  { name: "service", label: "Ran in service" }, { name: "environment", label: "Ran in environment" },
];

export function imagesPage(view, { query }) {
  const results = h("div", { class: "results" });
  const tbody = h("tbody");
  let cursor = null, generation = 0, current = {};
  const more = h("button", { type: "button", class: "more ghost", onclick: () => page(false) }, "Load more");
  const form = filterForm(FIELDS, query, (q) => { current = q; remember("images", q); generation += 1; page(true); });
  view.append(pageHead("Images", "Tags and digests: what was published, and where each digest ran."), form, results);

  async function page(first) {
    const mine = generation;
    if (first) { tbody.replaceChildren(); results.replaceChildren(loadingBox()); }
    try {
      const doc = await search("/images", { ...current, limit: 50, cursor: first ? null : cursor });
      if (mine !== generation) return;
      if (first && !doc.items.length) { results.replaceChildren(emptyBox("No image matches.", "Images appear with image.published events and with deployments that name a digest.")); return; }
      if (first) results.replaceChildren(h("div", { class: "table-wrap" }, h("table", { class: "list images" },
        h("thead", null, h("tr", null, ["Image", "Digest", "Published", "Ran in", ""].map((c, i) =>
          h("th", { scope: "col", class: i === 2 ? "opt" : null }, c)))), tbody)), more);
      tbody.append(...doc.items.map(row));
      cursor = doc.next_cursor;
      more.hidden = !cursor;
    } catch (e) {
      if (mine === generation) results.replaceChildren(problemBox(e, "The images list"));
    }
  }
  current = form.urlQuery();
  page(true);
}

function envRuns(img) {
  const envs = sortEnvironments((img.runs || []).map((r) => r.environment));
  return envs.map((e) => {
    const now = (img.runs || []).some((r) => r.environment === e && !r.to_at);
    return h("span", { class: "chip" + (now ? " now" : ""), title: now ? `runs now in ${e}` : `ran in ${e}` },
             now ? h("span", { class: "dot health-healthy" }) : null, e);
  });
}

function row(img) {
  const tags = (img.tags || []).map((t) => h("span", { class: "version-tag" + (t.to_at ? " moved" : ""),
                                                       title: t.to_at ? "this tag moved to another digest" : "" }, t.tag));
  return h("tr", null,
    h("td", null, h("div", null, h("code", { class: "repo" }, img.repository)), h("div", { class: "sub" }, tags)),
    h("td", null, hash(img.digest, "digest")),
    h("td", { class: "opt" }, time(img.published_at || img.first_seen_at, { compact: true })),
    h("td", null, envRuns(img).length ? envRuns(img) : h("span", { class: "muted" }, "never ran")),
    h("td", null, h("button", { type: "button", class: "ghost small", onclick: () => detail(img) }, "History")));
}

function detail(img) {
  openDetail(img.repository.split("/").pop() + " @ " + img.digest.slice(0, 19),
    keyValues([["Repository", h("code", { class: "wrap" }, img.repository)], ["Digest", hash(img.digest, "digest")],
      ["Published", img.published_at ? time(img.published_at) : "never (seen in a deployment)"],
      ["First seen", time(img.first_seen_at)], ["Commit", hash(img.commit, "commit")],
      ["Service", img.service ? link(`#/services/${encodeURIComponent(img.service)}`, img.service) : null],
      ["Deployments", link(`#/deployments?${new URLSearchParams({ image_digest: img.digest })}`, "deployments that shipped it")]]),
    h("h3", null, "Tags"),
    table(["Tag", "From", "To"], (img.tags || []).map((t) => [h("span", { class: "version-tag" }, t.tag), time(t.from_at), t.to_at ? time(t.to_at) : "still"])),
    h("h3", null, "Where it ran"),
    (img.runs || []).length
      ? table(["Service", "Environment", "Tag", "From", "To"], img.runs.map((r) => [r.service, r.environment, r.tag || "—",
          time(r.from_at), r.to_at ? time(r.to_at) : h("strong", null, "runs now")]))
      : h("p", { class: "muted" }, "Never ran anywhere."));
}

function table(head, rows) {
  return h("div", { class: "table-wrap" }, h("table", { class: "list" },
    h("thead", null, h("tr", null, head.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", null, rows.map((r) => h("tr", null, r.map((c) => h("td", null, c)))))));
}
