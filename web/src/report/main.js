// The charts of report.html, drawn from the report document embedded in the page
// (<script type="application/json" id="report-data">, docs/report.schema.json).
// The tables are already in the page; this file adds the charts into the sections marked
// data-charts="…". Each chart's box carries data-chart="…" and data-drawn once uPlot drew it.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "./report.css";

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];
const BAND = ["rgba(37, 99, 235, 0.06)", "rgba(234, 88, 12, 0.07)"];
const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const NO_POINTS = { show: false };
const plots = [];

function human(v) {
  if (v == null || !Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  if (a >= 1e9) return +(v / 1e9).toPrecision(3) + "G";
  if (a >= 1e6) return +(v / 1e6).toPrecision(3) + "M";
  if (a >= 1e3) return +(v / 1e3).toPrecision(3) + "k";
  if (a === 0) return "0";
  return String(+v.toPrecision(3));
}
// Axis labels: uPlot passes null for the unlabelled ticks of a log scale.
const axisValues = (u, splits) => splits.map((v) => (v == null ? "" : human(v)));

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text != null) node.textContent = text;
  return node;
}

// A figure with a caption and the box uPlot draws into; `grid` groups figures side by side.
function chartBox(parent, id, title, note) {
  const figure = el("figure", { class: "chart", "data-chart": id });
  figure.append(el("figcaption", {}, title));
  if (note) figure.append(el("p", { class: "note" }, note));
  const box = el("div", { class: "plot" });
  figure.append(box);
  parent.append(figure);
  return { figure, box };
}

function plot(target, opts, data) {
  const { figure, box } = target;
  const width = () => Math.max(280, box.clientWidth || figure.clientWidth || 600);
  const hooks = opts.hooks || {};
  hooks.draw = [...(hooks.draw || []), () => figure.setAttribute("data-drawn", "true")];
  const u = new uPlot({ width: width(), height: opts.height || 280, ...opts, hooks }, data, box);
  plots.push({ u, width });
  return u;
}

function section(name) {
  const s = document.querySelector(`[data-charts="${name}"]`);
  const grid = el("div", { class: "grid" });
  s.append(grid);
  return grid;
}

function empty(grid, text) {
  grid.append(el("p", { class: "empty" }, text));
}

// ---- throughput per scenario -------------------------------------------------------------------

function rate(t, counts) {
  return counts.map((c, i) => {
    if (i === 0) return null;
    const dt = t[i] - t[i - 1];
    return dt > 0 ? (c - counts[i - 1]) / dt : null;
  });
}

const FAULT_BAND = "rgba(220, 38, 38, 0.14)";
const RECOVERY_BAND = "rgba(202, 138, 4, 0.16)";

// A fault scenario's spans on its own time axis (seconds since the scenario's start): the fault
// itself (a kill is an instant: drawn as a line) and the recovery that follows it.
function faultSpans(s) {
  const f = s.fault;
  if (!f || f.start_s == null) return [];
  const start = f.start_s - s.start_s;
  const end = (f.end_s == null ? f.start_s : f.end_s) - s.start_s;
  const spans = [{ from: start, to: end, fill: FAULT_BAND, line: "#dc2626", label: f.kind }];
  if (f.recovery_s != null) {
    spans.push({ from: end, to: end + f.recovery_s, fill: RECOVERY_BAND, line: "#ca8a04", label: `recovery ${human(f.recovery_s)} s` });
  }
  return spans;
}

function faultBands(spans) {
  return (u) => {
    const { ctx, bbox } = u;
    const px = uPlot.pxRatio;
    ctx.save();
    ctx.font = FONT.replace("12px", `${Math.round(11 * px)}px`);
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    spans.forEach((sp, i) => {
      const x0 = Math.max(bbox.left, u.valToPos(sp.from, "x", true));
      const x1 = Math.min(bbox.left + bbox.width, u.valToPos(sp.to, "x", true));
      if (x1 < bbox.left || x0 > bbox.left + bbox.width) return;
      if (x1 - x0 >= 2 * px) {
        ctx.fillStyle = sp.fill;
        ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
      } else {
        ctx.fillStyle = sp.line;
        ctx.fillRect(x0 - px, bbox.top, 2 * px, bbox.height);
      }
      ctx.fillStyle = sp.line;
      ctx.fillText(sp.label, x0 + 4 * px, bbox.top + (4 + 14 * i) * px);
    });
    ctx.restore();
  };
}

function faultNote(s) {
  const f = s.fault;
  if (!f) return "";
  const parts = [];
  parts.push(f.recovery_s != null ? `recovery ${human(f.recovery_s)} s` : "no recovery measured");
  if (f.lost != null) parts.push(`${f.lost.toLocaleString("en")} lost, ${f.duplicated.toLocaleString("en")} duplicated (streamlab verify)`);
  else parts.push("not verified");
  return `; the production burst is clipped; shaded: the ${f.kind} (red) and the recovery (amber); ${parts.join(", ")}`;
}

function throughputCharts(report) {
  const grid = section("throughput");
  let n = 0;
  for (const s of report.scenarios) {
    const series = s.series;
    if (!series || !series.t || series.t.length < 2) continue;
    const t = series.t.map((x) => x - s.start_s);
    const stored = Array.isArray(series.stored) && series.stored.length === series.t.length;
    const spans = faultSpans(s);
    const box = chartBox(grid, `throughput-${s.id}`, s.title,
      `messages per second${stored ? " (stored: rows per second)" : ""}, lag in messages; seconds since the scenario's start${faultNote(s)}`);
    const extra = stored
      ? [{ label: "stored/s", stroke: COLORS[3], width: 2, points: NO_POINTS, value: (u, v) => human(v) }]
      : [];
    const produced = rate(series.t, series.produced), consumed = rate(series.t, series.consumed);
    const storedRate = stored ? rate(series.t, series.stored) : [];
    // A fault scenario's backlog is produced in a burst before it is consumed: scaled to that
    // burst, the dip in the stored rate would be a flat line at the bottom. The burst is clipped.
    const top = s.fault ? Math.max(0, ...consumed.filter(Number.isFinite), ...storedRate.filter(Number.isFinite)) : null;
    plot(box, {
      scales: {
        x: { time: false },
        y: { range: (u, min, max) => [0, Math.max(1, (top || max) * 1.08)] },
        lag: { range: (u, min, max) => [0, Math.max(1, max * 1.08)] },
      },
      axes: [
        { label: "s", values: axisValues },
        { label: "msgs/s", values: axisValues, size: 56 },
        { scale: "lag", side: 1, label: "lag", values: axisValues, grid: { show: false }, size: 56 },
      ],
      series: [
        { label: "t", value: (u, v) => (v == null ? "—" : v.toFixed(1) + " s") },
        { label: "produced/s", stroke: COLORS[0], width: 2, points: NO_POINTS, value: (u, v) => human(v) },
        { label: "consumed/s", stroke: COLORS[2], width: 2, points: NO_POINTS, value: (u, v) => human(v) },
        { label: "lag", scale: "lag", stroke: COLORS[1], dash: [6, 4], width: 1.5, fill: "rgba(220, 38, 38, 0.06)",
          points: NO_POINTS, value: (u, v) => human(v) },
        ...extra,
      ],
      hooks: spans.length > 0 ? { drawAxes: [faultBands(spans)] } : {},
    }, [t, produced, consumed, series.lag, ...(stored ? [storedRate] : [])]);
    n++;
  }
  if (n === 0) empty(grid, "No scenario recorded a time series.");
}

// ---- resources over the whole run, scenario spans shaded -------------------------------------

function spanBands(report) {
  return (u) => {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.font = FONT.replace("12px", `${Math.round(11 * uPlot.pxRatio)}px`);
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    report.scenarios.forEach((s, i) => {
      const x0 = u.valToPos(s.start_s, "x", true);
      const x1 = u.valToPos(s.end_s, "x", true);
      const left = Math.max(bbox.left, x0);
      const right = Math.min(bbox.left + bbox.width, x1);
      if (right <= left) return;
      ctx.fillStyle = BAND[i % 2];
      ctx.fillRect(left, bbox.top, right - left, bbox.height);
      ctx.fillStyle = "#64748b";
      ctx.save();
      ctx.beginPath();
      ctx.rect(left, bbox.top, right - left, bbox.height);
      ctx.clip();
      ctx.fillText(s.id, left + 4 * uPlot.pxRatio, bbox.top + 4 * uPlot.pxRatio);
      ctx.restore();
    });
    ctx.restore();
  };
}

function joined(items, key, scale = 1) {
  const tables = items.map((p) => [p.t, p[key].map((v) => (v == null ? null : v * scale))]);
  return tables.length === 1 ? tables[0] : uPlot.join(tables);
}

function runChart(grid, report, id, title, note, items, key, unit, scale, valueFmt) {
  const box = chartBox(grid, id, title, note);
  plot(box, {
    scales: { x: { time: false }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.08)] } },
    axes: [{ label: "s since start", values: axisValues }, { label: unit, values: axisValues, size: 56 }],
    series: [
      { label: "t", value: (u, v) => (v == null ? "—" : v.toFixed(1) + " s") },
      ...items.map((p, i) => ({
        label: p.role ? `${p.name} (${p.role})` : p.name,
        stroke: COLORS[i % COLORS.length],
        width: 1.5,
        spanGaps: true,
        points: NO_POINTS,
        value: (u, v) => valueFmt(v),
      })),
    ],
    hooks: { drawAxes: [spanBands(report)] },
  }, joined(items, key, scale));
}

function resourceCharts(report) {
  const grid = section("resources");
  const monitor = report.monitor || {};
  const processes = (monitor.processes || []).filter((p) => p.t && p.t.length > 0);
  const disks = (monitor.disk || []).filter((d) => d.t && d.t.length > 0);
  if (processes.length === 0 && disks.length === 0) {
    empty(grid, "The monitor recorded nothing.");
    return;
  }
  const every = monitor.interval_ms ? `sampled every ${monitor.interval_ms} ms` : "";
  if (processes.length > 0) {
    runChart(grid, report, "cpu", "CPU", `% of one core, summed over each process and its children; ${every}; shaded: scenarios`,
      processes, "cpu_pct", "% of a core", 1, (v) => (v == null ? "—" : v.toFixed(1) + " %"));
    runChart(grid, report, "memory", "Memory (RSS)", `MB, summed over each process and its children; ${every}`,
      processes, "rss_bytes", "MB", 1e-6, (v) => (v == null ? "—" : human(v) + " MB"));
  }
  if (disks.length > 0) {
    runChart(grid, report, "disk", "Disk", "MB of files under each directory", disks, "bytes", "MB", 1e-6,
      (v) => (v == null ? "—" : human(v) + " MB"));
  }
}

// ---- latency distributions ------------------------------------------------------------------

function latencyCharts(report) {
  const grid = section("latency");
  const withHistogram = report.scenarios.filter((s) => s.latency_ms && Array.isArray(s.latency_ms.histogram) && s.latency_ms.histogram.length > 0);
  if (withHistogram.length === 0) {
    empty(grid, "No scenario measured a latency distribution.");
    return;
  }
  const tables = withHistogram.map((s) => {
    const h = [...s.latency_ms.histogram].sort((a, b) => a[0] - b[0]);
    const total = h.reduce((sum, [, c]) => sum + c, 0) || 1;
    let seen = 0;
    return [h.map(([ms]) => ms), h.map(([, c]) => ((seen += c) / total) * 100)];
  });
  const box = chartBox(grid, "latency-cdf", "Latency, cumulative",
    "share of messages (%) that took at most x ms from the producer's timestamp to receipt (or storage); log scale");
  plot(box, {
    scales: { x: { time: false, distr: 3 }, y: { range: [0, 100] } },
    axes: [{ label: "ms", values: axisValues }, { label: "% of messages", size: 56 }],
    series: [
      { label: "ms", value: (u, v) => (v == null ? "—" : human(v) + " ms") },
      ...withHistogram.map((s, i) => ({
        label: `${s.title} (p50 ${human(s.latency_ms.p50)}, p99 ${human(s.latency_ms.p99)} ms)`,
        stroke: COLORS[i % COLORS.length],
        width: 2,
        spanGaps: true,
        points: NO_POINTS,
        value: (u, v) => (v == null ? "—" : v.toFixed(1) + " %"),
      })),
    ],
  }, tables.length === 1 ? tables[0] : uPlot.join(tables));

  // Each distribution's shape: messages per bucket.
  withHistogram.forEach((s, i) => {
    const h = [...s.latency_ms.histogram].sort((a, b) => a[0] - b[0]);
    const b = chartBox(grid, `latency-histogram-${s.id}`, s.title, `messages per latency bucket (upper bound, ms; log scale); ${s.latency_ms.count.toLocaleString("en")} messages`);
    plot(b, {
      scales: { x: { time: false, distr: 3 } },
      axes: [{ label: "ms", values: axisValues }, { label: "messages", values: axisValues, size: 56 }],
      series: [
        { label: "≤ ms", value: (u, v) => (v == null ? "—" : human(v)) },
        { label: "messages", stroke: COLORS[i % COLORS.length], fill: COLORS[i % COLORS.length] + "33", width: 1.5,
          paths: uPlot.paths.stepped({ align: 1 }), points: NO_POINTS, value: (u, v) => human(v) },
      ],
    }, [h.map(([ms]) => ms), h.map(([, c]) => c)]);
  });
}

// ---- sinks beside their baselines ------------------------------------------------------------

const isRate = (unit) => typeof unit === "string" && unit.endsWith("/s");

const twoLines = (label) => (label.length > 10 && label.includes(" ") ? label.replace(" ", "\n") : label);

function sinkChart(report) {
  const grid = section("sinks");
  const groups = report.scenarios
    // Unpaced: the rate is what the sink can do (a fault scenario's rate holds its dip: not that).
    .filter((s) => s.sink && s.offered_rate == null && s.kind !== "fault")
    .map((s) => {
      const baselines = (s.baselines || []).filter((b) => isRate(b.unit) && b.value != null && b.value > 0);
      const own = s.rates && s.rates.store_rows_per_s != null ? s.rates.store_rows_per_s
        : baselines.length > 0 ? baselines[0].streamlab : null;
      return { s, own, baselines };
    })
    .filter((g) => g.own != null && g.own > 0);
  if (groups.length === 0) {
    empty(grid, "No sink scenario in this run.");
    return;
  }
  // One slot per bar, a gap between groups; streamlab's bar first in each group.
  const slots = [];
  groups.forEach((g, gi) => {
    if (gi > 0) slots.push(null);
    slots.push({ group: g, label: "streamlab", value: g.own, own: true });
    for (const b of g.baselines) slots.push({ group: g, label: b.tool, value: b.value, ratio: b.ratio });
  });
  const x = slots.map((_, i) => i);
  const ownValues = slots.map((sl) => (sl && sl.own ? sl.value : null));
  const baseValues = slots.map((sl) => (sl && !sl.own ? sl.value : null));
  const max = Math.max(...slots.filter(Boolean).map((sl) => sl.value));
  const min = Math.min(...slots.filter(Boolean).map((sl) => sl.value));

  const box = chartBox(grid, "sinks", "Rows stored per second, by sink and payload",
    "streamlab (blue) beside the baseline tools (grey) on the same data; log scale; above a baseline bar: streamlab ÷ that tool");
  box.figure.classList.add("wide", "bars");
  const bars = uPlot.paths.bars({ size: [0.7, 90], align: 0 });
  const labels = (u) => {
    const { ctx } = u;
    const px = uPlot.pxRatio;
    ctx.save();
    ctx.font = FONT.replace("12px", `${Math.round(11 * px)}px`);
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    slots.forEach((sl, i) => {
      if (!sl) return;
      const cx = u.valToPos(i, "x", true);
      const top = u.valToPos(sl.value, "y", true);
      ctx.fillStyle = "#0f172a";
      let text = human(sl.value);
      if (!sl.own && sl.ratio != null) text += `  ×${+sl.ratio.toPrecision(3)}`;
      ctx.fillText(text, cx, top - 4 * px);
    });
    // Group names over each group.
    ctx.font = FONT.replace("12px", `600 ${Math.round(12 * px)}px`);
    ctx.textBaseline = "top";
    ctx.fillStyle = "#334155";
    for (const g of groups) {
      const idx = slots.map((sl, i) => (sl && sl.group === g ? i : -1)).filter((i) => i >= 0);
      const mid = (idx[0] + idx[idx.length - 1]) / 2;
      ctx.fillText(`${g.s.sink} · ${g.s.payload}`, u.valToPos(mid, "x", true), u.bbox.top + 2 * px);
    }
    ctx.restore();
  };
  plot(box, {
    height: 340,
    scales: {
      x: { time: false, range: [-0.6, slots.length - 0.4] },
      y: { distr: 3, range: [Math.pow(10, Math.floor(Math.log10(min))), Math.pow(10, Math.ceil(Math.log10(max * 2.5)))] },
    },
    axes: [
      // Long tool names on two lines (at their first space), so neighbours do not run into each other.
      { splits: () => x.filter((i) => slots[i]), values: (u, splits) => splits.map((i) => (slots[i] ? twoLines(slots[i].label) : "")), grid: { show: false }, size: 54 },
      { label: "rows/s", values: axisValues, size: 60 },
    ],
    legend: { live: false },
    cursor: { show: false },
    series: [
      { label: "" },
      { label: "streamlab", fill: COLORS[0], stroke: COLORS[0], paths: bars, points: { show: false } },
      { label: "baseline tools", fill: "#94a3b8", stroke: "#94a3b8", paths: bars, points: { show: false } },
    ],
    hooks: { draw: [labels] },
  }, [x, ownValues, baseValues]);
}

function main() {
  const data = document.getElementById("report-data");
  const report = JSON.parse(data.textContent);
  report.scenarios = report.scenarios || [];
  sinkChart(report);
  throughputCharts(report);
  latencyCharts(report);
  resourceCharts(report);
  let pending = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => plots.forEach(({ u, width }) => u.setSize({ width: width(), height: u.height })));
  });
}

main();
