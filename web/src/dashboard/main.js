// The live dashboard of `streamlab consume --web`: one EventSource on /events (a snapshot
// about 5 times a second, with the feed's new cards), uPlot charts over a sliding window.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "./style.css";

const WINDOW_S = 180;     // charts show the last 3 minutes
const FEED_CARDS = 100;   // cards kept in the feed
const COUNTERS_PER_CARD = 40;
const STALE_MS = 3000;    // no event for this long: the stream is considered down
const CHART_HEIGHT = 230;

const $ = (id) => document.getElementById(id);
const colors = { produced: "#f0883e", consumed: "#4da3ff", lag: "#a371f7", rows: "#3fb950", batches: "#d29922" };
const processColors = ["#4da3ff", "#f0883e", "#3fb950", "#a371f7", "#f85149"];

// What the end-to-end test reads.
const stats = { events: 0, points: 0, cards: 0 };
window.__streamlab = stats;

const fmtCount = (v) => {
  if (v == null || Number.isNaN(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(2) + "G";
  if (a >= 1e6) return (v / 1e6).toFixed(2) + "M";
  if (a >= 1e4) return (v / 1e3).toFixed(1) + "k";
  return Math.round(v).toLocaleString("en");
};
const fmtBytes = (v) => {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
};
const fmtMs = (v) => (v == null ? "–" : v < 10 ? v.toFixed(1) + " ms" : Math.round(v) + " ms");

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

// --- charts -------------------------------------------------------------------------------

const axis = { stroke: "#8b98a5", grid: { stroke: "rgba(139,152,165,0.12)", width: 1 }, ticks: { stroke: "rgba(139,152,165,0.25)" } };
const countAxis = { ...axis, size: 56, values: (u, vals) => vals.map(fmtCount) };
const bytesAxis = { ...axis, side: 1, size: 64, grid: { show: false }, values: (u, vals) => vals.map(fmtBytes) };

class Chart {
  constructor(container, series, axes, scales = {}) {
    this.container = container;
    this.data = [[], ...series.map(() => [])];
    this.plot = new uPlot({
      width: container.clientWidth || 400,
      height: CHART_HEIGHT,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, ...scales },
      axes: [{ ...axis, space: 60 }, ...axes],
      series: [{}, ...series],
    }, this.data, container);
    new ResizeObserver(() => this.plot.setSize({ width: container.clientWidth, height: CHART_HEIGHT })).observe(container);
  }
  push(t, values) {
    this.data[0].push(t);
    values.forEach((v, i) => this.data[i + 1].push(v));
    while (this.data[0].length && this.data[0][0] < t - WINDOW_S) this.data.forEach((s) => s.shift());
  }
  redraw() { this.plot.setData(this.data); }
  clear() { this.data.forEach((s) => (s.length = 0)); }
  destroy() { this.plot.destroy(); }
}

const line = (label, stroke, extra = {}) => ({ label, stroke, width: 2, points: { show: false }, ...extra });
const area = (label, stroke) => line(label, stroke, { fill: stroke + "22" });

const charts = {
  rates: new Chart($("chart-rates"), [line("produced", colors.produced), area("consumed", colors.consumed)], [countAxis]),
  lag: new Chart($("chart-lag"), [area("lag", colors.lag)], [countAxis]),
  sink: new Chart($("chart-sink"),
    [area("rows/s", colors.rows), line("batches/s", colors.batches, { scale: "batches" })],
    [countAxis, { ...countAxis, side: 1, scale: "batches", grid: { show: false } }]),
  procs: null,
};
let processNames = [];

// One CPU and one RSS series per watched process; rebuilt when the set of processes changes.
function processChart(names) {
  if (charts.procs && names.join() === processNames.join()) return charts.procs;
  if (charts.procs) charts.procs.destroy();
  processNames = names;
  const series = [];
  names.forEach((n, i) => series.push(line(`${n} CPU %`, processColors[i % processColors.length])));
  names.forEach((n, i) => series.push(line(`${n} RSS`, processColors[i % processColors.length], { scale: "bytes", dash: [4, 4], width: 1.5 })));
  charts.procs = new Chart($("chart-procs"), series,
    [{ ...axis, size: 48, values: (u, vals) => vals.map((v) => v + "%") }, { ...bytesAxis, scale: "bytes" }],
    { y: { range: (u, min, max) => [0, Math.max(100, max)] } });
  return charts.procs;
}

function addPoint(p) {
  const t = p.t / 1000;
  charts.rates.push(t, [p.produced_per_s, p.consumed_per_s]);
  charts.lag.push(t, [p.lag]);
  charts.sink.push(t, [p.rows_per_s, p.batches_per_s]);
  const procs = p.processes || [];
  const chart = processChart(procs.map((q) => q.name));
  chart.push(t, [...procs.map((q) => q.cpu_pct), ...procs.map((q) => q.rss_bytes)]);
  stats.points = charts.rates.data[0].length;
}

function redrawCharts() {
  for (const c of Object.values(charts)) if (c) c.redraw();
}

// --- numbers, hashtags, feed ----------------------------------------------------------------

function showStats(s) {
  $("n-consumed").textContent = fmtCount(s.consumed);
  $("n-bytes").textContent = `${fmtBytes(s.bytes)} · ${s.mb_per_s.toFixed(1)} MB/s`;
  $("n-rate").textContent = fmtCount(s.consumed_per_s);
  $("n-produced").textContent = `produced ${fmtCount(s.produced_per_s)}/s`;
  $("n-lag").textContent = fmtCount(s.lag);
  const parts = s.partitions || [];
  $("n-partitions").textContent = parts.length ? `${parts.length} partition${parts.length > 1 ? "s" : ""} assigned` : "no partitions yet";
  $("n-latency").textContent = `e2e p50 ${fmtMs(s.latency_ms.p50)} · p99 ${fmtMs(s.latency_ms.p99)}`;
  if (s.sink) {
    $("n-rows").textContent = fmtCount(s.sink.rows);
    $("n-dead").textContent = fmtCount(s.sink.dead_letters);
    $("n-dead").classList.toggle("bad", s.sink.dead_letters > 0);
    $("n-commit").textContent = `${fmtCount(s.sink.batches)} batches · commit p50 ${fmtMs(s.sink.commit_ms_p50)}`;
  }
  showBrokers(s.brokers || []);
  const list = $("hashtags");
  list.replaceChildren();
  const tags = s.hashtags || [];
  if (!tags.length) list.append(el("li", "empty", "no hashtags yet"));
  const top = tags.length ? tags[0].count : 1;
  for (const { tag, count } of tags) {
    const li = el("li");
    li.append(el("span", "tag", "#" + tag), el("span", "count", fmtCount(count)));
    const bar = el("span", "bar");
    bar.style.width = `${(100 * count) / top}%`;
    li.append(bar);
    list.append(li);
  }
}

// The brokers' own metrics (their JMX exporters), when the dashboard scrapes them.
function showBrokers(brokers) {
  $("broker-box").hidden = brokers.length === 0;
  if (!brokers.length) return;
  const up = brokers.filter((b) => b.up);
  const sum = (key) => up.reduce((total, b) => total + b[key], 0);
  $("n-broker").textContent = up.length ? fmtMs(Math.max(...up.map((b) => b.produce_p99_ms))) : "down";
  const under = sum("under_replicated");
  $("n-broker").classList.toggle("bad", up.length < brokers.length || under > 0);
  const hint = `${up.length}/${brokers.length} up · ${fmtCount(sum("produce_per_s"))} produce/s · ` +
    `in ${fmtBytes(sum("bytes_in_per_s"))}/s · out ${fmtBytes(sum("bytes_out_per_s"))}/s · under-replicated ${under}`;
  $("n-broker-hint").textContent = hint;
  $("n-broker-hint").title = hint;  // the box is narrow: the whole line on hover
}

const feed = $("feed");

function timeOf(card) {
  const d = new Date(card.created_at || card.timestamp_ms);
  if (Number.isNaN(d.getTime())) return "";
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString("en-GB") : d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

function tweetCard(c) {
  const card = el("article", "card tweet");
  card.dataset.offset = `${c.partition}:${c.offset}`;
  const head = el("header");
  const avatar = el("span", "avatar", (c.author || "?").slice(0, 1).toUpperCase());
  avatar.style.background = `hsl(${[...(c.author || "")].reduce((h, ch) => (h * 31 + ch.codePointAt(0)) % 360, 200)} 45% 40%)`;
  const who = el("div", "who");
  // The tweet model keeps the username only, so it is the name shown.
  who.append(el("span", "name", "@" + (c.author || "unknown")), el("span", "handle", `partition ${c.partition} · offset ${c.offset}`));
  head.append(avatar, who);
  if (c.retweet) head.append(el("span", "badge", "RT"));
  if (c.lang) head.append(el("span", "badge", c.lang));
  head.append(el("time", "time", timeOf(c)));
  card.append(head, el("p", "text", c.text));
  if (c.hashtags && c.hashtags.length) {
    const chips = el("div", "chips");
    for (const h of c.hashtags) chips.append(el("span", "chip", "#" + h));
    card.append(chips);
  }
  return card;
}

function otherCard(c) {
  const card = el("article", "card other");
  card.dataset.offset = `${c.partition}:${c.offset}`;
  const head = el("header");
  head.append(el("span", "badge kind", c.kind), el("span", "where", `p${c.partition} @${c.offset}`), el("time", "time", timeOf(c)));
  card.append(head, el("pre", "preview", c.preview ?? ""));
  if (c.error) card.append(el("div", "error", c.error));
  return card;
}

function addCounter(c) {
  let card = feed.firstElementChild;
  if (!card || !card.classList.contains("counters") || card.querySelectorAll(".num").length >= COUNTERS_PER_CARD) {
    card = el("article", "card counters");
    const head = el("header");
    head.append(el("span", "badge kind", "counter"), el("span", "where", ""), el("time", "time", timeOf(c)));
    card.append(head, el("div", "numbers-stream"));
    feed.prepend(card);
  }
  card.querySelector(".where").textContent = `latest p${c.partition} @${c.offset}`;
  card.querySelector(".time").textContent = timeOf(c);
  card.querySelector(".numbers-stream").prepend(el("span", "num", fmtCount(c.number)));
}

function addCards(cards) {
  if (!cards.length) return;
  const empty = feed.querySelector(".empty");
  if (empty) empty.remove();
  for (const c of cards) {
    if (c.kind === "counter") addCounter(c);
    else feed.prepend(c.kind === "tweet" ? tweetCard(c) : otherCard(c));
    stats.cards++;
  }
  while (feed.children.length > FEED_CARDS) feed.lastElementChild.remove();
  $("feed-count").textContent = `${fmtCount(stats.cards)} shown`;
}

// --- the stream ----------------------------------------------------------------------------

let lastEvent = 0;
function setStatus(kind, text) {
  const s = $("status");
  s.className = `status ${kind}`;
  $("status-text").textContent = text;
}

function onEvent(e) {
  const msg = JSON.parse(e.data);
  lastEvent = Date.now();
  stats.events++;
  if (msg.info) {
    // A (re)connection: the server sends its info, the charts' history and its whole feed.
    $("info-topics").textContent = msg.info.topics.join(", ");
    $("info-group").textContent = msg.info.group;
    $("info-sink").textContent = msg.info.sink || "none";
    document.title = `streamlab · ${msg.info.topics.join(", ")}`;
    for (const c of Object.values(charts)) if (c) c.clear();
    feed.replaceChildren();
    for (const p of msg.history || []) addPoint(p);
  }
  setStatus("live", "live");
  addPoint(msg.stats);
  showStats(msg.stats);
  addCards(msg.feed || []);
  redrawCharts();
}

const source = new EventSource("events");
source.onmessage = onEvent;
source.onopen = () => setStatus("live", "live");
source.onerror = () => setStatus("down", "disconnected — retrying");
setInterval(() => {
  if (source.readyState === EventSource.OPEN && lastEvent && Date.now() - lastEvent > STALE_MS) setStatus("down", "stalled");
}, 1000);
