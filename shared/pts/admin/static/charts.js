// Charts drawn by the page as SVG (no library, nothing fetched): colours come from classes,
// so the light and dark themes apply; each mark has a <title> for its exact figures.
import { h, local, svg, utc } from "./dom.js";

const DAY = 86400e3;
const OUTCOMES = [["succeeded", "Succeeded"], ["failed", "Failed"], ["rolled_back", "Rolled back"],
                  ["other", "Cancelled or running"]];

function outcome(d) {
  if (d.status === "rolled_back") return "rolled_back";
  if (d.status === "succeeded" || d.status === "failed") return d.status;
  return "other";
}

function dayStart(t) {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

// Deployments per day in each environment, stacked by outcome: one row per environment.
export function deploymentsChart(deployments, environments, days) {
  const end = dayStart(Date.now()) + DAY;
  const start = end - days * DAY;
  const counts = new Map();
  for (const d of deployments) {
    const t = Date.parse(d.first_event_at);
    if (t < start || t >= end) continue;
    const key = `${d.environment}|${Math.floor((dayStart(t) - start) / DAY)}`;
    const c = counts.get(key) || { succeeded: 0, failed: 0, rolled_back: 0, other: 0 };
    c[outcome(d)] += 1;
    counts.set(key, c);
  }
  const max = Math.max(1, ...[...counts.values()].map((c) => c.succeeded + c.failed + c.rolled_back + c.other));
  const W = 900, rowH = 64, left = 86, top = 8, bottom = 22, barGap = 2;
  const H = top + environments.length * rowH + bottom;
  const bw = (W - left - 8) / days;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img",
                            "aria-label": `Deployments per day over the last ${days} days, by environment and outcome` });
  environments.forEach((env, row) => {
    const y0 = top + row * rowH, base = y0 + rowH - 10;
    root.append(svg("text", { x: 0, y: y0 + rowH / 2, class: "chart-label" }, env),
                svg("line", { x1: left, x2: W - 8, y1: base, y2: base, class: "chart-axis" }));
    for (let i = 0; i < days; i++) {
      const c = counts.get(`${env}|${i}`);
      if (!c) continue;
      let y = base;
      const x = left + i * bw + barGap / 2;
      const dayText = local(new Date(start + i * DAY).toISOString()).replace(/,? \d+:\d+.*$/, "");
      const tip = `${dayText} · ${env}: ` + OUTCOMES.filter(([k]) => c[k]).map(([k, l]) => `${c[k]} ${l.toLowerCase()}`).join(", ");
      const group = svg("g", { class: "bar" }, svg("title", null, tip));
      for (const [k] of OUTCOMES) {
        if (!c[k]) continue;
        const hgt = (c[k] / max) * (rowH - 16);
        y -= hgt;
        group.append(svg("rect", { x, y, width: Math.max(1, bw - barGap), height: hgt, class: "o-" + k }));
      }
      root.append(group);
    }
  });
  // Day labels under their bars: every week, and today.
  const labelled = new Set([...Array(days).keys()].filter((i) => (days - 1 - i) % (days > 14 ? 7 : 1) === 0));
  for (const i of labelled) {
    const x = left + i * bw + bw / 2;
    const label = i === days - 1 ? "today"
      : new Date(start + i * DAY).toLocaleDateString(undefined, { month: "short", day: "numeric" });
    root.append(svg("text", { x, y: H - 6, class: "chart-tick", "text-anchor": i === days - 1 ? "end" : "middle" }, label));
  }
  return h("figure", { class: "chart-box" }, h("h2", null, "Deployments per day"), root, legend(OUTCOMES.map(([k, l]) => ["o-" + k, l])),
    h("figcaption", { class: "muted" }, `Deployments begun per day, last ${days} days (tallest bar: ${max}).`));
}

export function legend(items) {
  return h("p", { class: "chart-legend" }, items.map(([cls, label]) =>
    h("span", null, svg("svg", { viewBox: "0 0 10 10", class: "swatch", "aria-hidden": "true" },
                         svg("rect", { width: 10, height: 10, rx: 2, class: cls })), label)));
}

// Points on a time axis: [{at, label, cls}], e.g. a deployment's events. Labels go below
// the axis in lanes, so that points close in time do not print over each other.
export function timeline(points) {
  const times = points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times), t1 = Math.max(...times);
  const span = Math.max(t1 - t0, 1000);
  const W = 900, pad = 50, axis = 16, gap = 130;
  const x = (t) => pad + ((t - t0) / span) * (W - 2 * pad);
  const lanes = [];
  const placed = points.map((p, i) => {
    const cx = x(times[i]);
    let lane = lanes.findIndex((last) => cx - last >= gap);
    if (lane < 0) { lane = lanes.length; lanes.push(cx); } else lanes[lane] = cx;
    return { ...p, cx, lane };
  });
  const H = axis + 24 + lanes.length * 17;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart timeline", role: "img",
                            "aria-label": "Timeline of the events" },
    svg("line", { x1: pad, x2: W - pad, y1: axis, y2: axis, class: "chart-axis" }));
  for (const p of placed) {
    const y = axis + 24 + p.lane * 17;
    root.append(svg("g", { class: "point" }, svg("title", null, `${p.label} · ${utc(p.at)}`),
      svg("line", { x1: p.cx, x2: p.cx, y1: axis, y2: y - 11, class: "chart-axis" }),
      svg("circle", { cx: p.cx, cy: axis, r: 7, class: p.cls }),
      svg("text", { x: p.cx, y, class: "chart-tick", "text-anchor": anchor(p.cx, W, pad) }, p.label)));
  }
  return root;
}

function anchor(x, W, pad) {
  if (x < pad + 60) return "start";
  if (x > W - pad - 60) return "end";
  return "middle";
}

// Health over time, one band per environment: segments [{environment, from, to, value}].
export function bands(rows, segments, from, to, label) {
  const W = 900, rowH = 26, left = 86, top = 4;
  const H = top + rows.length * rowH + 20;
  const span = Math.max(to - from, 1);
  const x = (t) => left + ((t - from) / span) * (W - left - 8);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart bands", role: "img", "aria-label": label });
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    root.append(svg("text", { x: 0, y: y + 16, class: "chart-label" }, row),
                svg("rect", { x: left, y: y + 3, width: W - left - 8, height: rowH - 8, class: "band-none", rx: 3 }));
    for (const s of segments.filter((g) => g.row === row)) {
      const x0 = x(Math.max(s.from, from)), x1 = x(Math.min(s.to, to));
      if (x1 <= x0) continue;
      root.append(svg("g", null, svg("title", null, `${row}: ${s.value} from ${utc(new Date(s.from).toISOString())}`
                                     + (s.to < to ? ` to ${utc(new Date(s.to).toISOString())}` : " until now")),
        svg("rect", { x: x0, y: y + 3, width: Math.max(1.5, x1 - x0), height: rowH - 8, class: "band-" + s.value })));
    }
  });
  const ticks = 4;
  for (let i = 0; i <= ticks; i++) {
    const t = from + (span * i) / ticks;
    root.append(svg("text", { x: x(t), y: H - 4, class: "chart-tick", "text-anchor": i === 0 ? "start" : i === ticks ? "end" : "middle" },
      new Date(t).toLocaleDateString(undefined, { month: "short", day: "numeric" })));
  }
  return root;
}

// A small bar chart of a few values (DORA trends): [{label, value, text}].
export function miniBars(values, cls) {
  const W = 220, H = 64, gap = 8;
  const max = Math.max(...values.map((v) => v.value || 0), 1e-9);
  const bw = (W - gap * (values.length - 1)) / values.length;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart mini", role: "img",
                            "aria-label": values.map((v) => `${v.label}: ${v.text}`).join("; ") });
  values.forEach((v, i) => {
    const hgt = v.value === null ? 0 : Math.max(2, ((v.value || 0) / max) * (H - 18));
    const x = i * (bw + gap);
    root.append(svg("g", null, svg("title", null, `${v.label}: ${v.text}`),
      svg("rect", { x, y: H - 14 - hgt, width: bw, height: hgt, rx: 2, class: v.value === null ? "band-none" : cls }),
      svg("text", { x: x + bw / 2, y: H - 2, class: "chart-tick", "text-anchor": "middle" }, v.label)));
  });
  return root;
}
